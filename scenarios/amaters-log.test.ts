import { describe, expect, it } from 'vitest';
import { configFor, runConfig, runSeed, sweepSeeds } from '../sim/run.ts';
import type { SealedLogObservation } from '../core/integrity/index.ts';
import { logStable } from '../checkers/sealed-log.ts';
import { buildSealedLog, sealedLogScenario, sealedLogSwarmScenario } from './amaters-log.ts';

const STORY_SEEDS = 20;
const SWARM_SEEDS = 60;

const sweep = sweepSeeds;

describe('amaters sealed-log scenarios', () => {
  it(`the story keeps every invariant over ${STORY_SEEDS} seeds (forgeries bounce off: no kernel:forgery-accepted)`, () => {
    expect(sweep(sealedLogScenario, STORY_SEEDS, null)).toEqual([]);
  });

  it(`the swarm keeps every invariant over ${SWARM_SEEDS} seeds`, () => {
    expect(sweep(sealedLogSwarmScenario, SWARM_SEEDS, null)).toEqual([]);
  });

  it('detects what the forger and the disk do: tampered, garbage and stale frames refused, damaged records truncated', () => {
    const reasons: string[] = [];
    let forgeries = 0;
    for (let seed = 1; seed <= 3; seed++) {
      const r = runSeed(sealedLogScenario, seed, null, {
        onObservation: (_n, o) => {
          const x = o as SealedLogObservation;
          if (x.type === 'refused') reasons.push(x.reason);
          if (x.type === 'corruptRecord') reasons.push(`record: ${x.reason}`);
        },
      });
      forgeries += r.stats.forgeries;
    }
    expect(forgeries).toBeGreaterThan(20);
    const has = (re: RegExp) => reasons.some((r) => re.test(r));
    expect(has(/HMAC mismatch|GCM/)).toBe(true); // a tampered entry
    expect(has(/header HMAC mismatch/)).toBe(true); // a tampered header
    expect(has(/truncated|trailing|malformed/)).toBe(true); // garbage
    expect(has(/for incarnation/)).toBe(true); // a message to an earlier life
    expect(has(/^record: /)).toBe(true); // a torn or corrupt record on disk
  });

  it.each([
    [sealedLogScenario.name, sealedLogScenario, STORY_SEEDS],
    [sealedLogSwarmScenario.name, sealedLogSwarmScenario, SWARM_SEEDS],
  ] as const)('apply-unverified is caught by applies-only-authentic (%s)', (_name, scenario, seeds) => {
    const failing = sweep(scenario, seeds, 'apply-unverified');
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.filter((f) => f.invariant !== 'applies-only-authentic')).toEqual([]);
  });

  it('replicas-catch-up fires when a replica never hears from the primary', () => {
    const config = configFor(sealedLogScenario, 1, null);
    const world = buildSealedLog(config);
    const nodes = world.nodes.map((n) => (n.id === 'n3' ? { ...n, protocol: { ...n.protocol, step: (s: unknown, input: { type: string }, env: never) => (input.type === 'message' ? { state: s, effects: [] } : n.protocol.step(s, input as never, env)) } } : n));
    const r = runConfig({ ...sealedLogScenario, build: () => ({ ...world, nodes }) }, { ...config, faults: [] });
    expect(r.violation?.invariant).toBe('replicas-catch-up');
  });

  it('log-stable fires when an index is sealed twice differently', () => {
    const c = logStable();
    const view = {} as never;
    expect(c.onObservation!('n1', { type: 'sealed', index: 4, term: 1, digest: 'aa' }, view)).toBeUndefined();
    expect(c.onObservation!('n1', { type: 'sealed', index: 4, term: 1, digest: 'aa' }, view)).toBeUndefined();
    expect(c.onObservation!('n1', { type: 'sealed', index: 4, term: 2, digest: 'bb' }, view)).toMatch(/sealed index 4 as term 2/);
  });

  it('is deterministic', () => {
    expect(runSeed(sealedLogSwarmScenario, 4, null).traceHash).toBe(runSeed(sealedLogSwarmScenario, 4, null).traceHash);
  });
});
