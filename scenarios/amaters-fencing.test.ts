import { describe, expect, it } from 'vitest';
import { configFor, runConfig, runSeed, sweepSeeds } from '../sim/run.ts';
import { tokenTerm, type FenceObservation } from '../core/fencing/index.ts';
import { tokensUnique } from '../checkers/fencing.ts';
import { buildFencing, fencingScenario, fencingSwarmScenario } from './amaters-fencing.ts';

const STORY_SEEDS = 10;
const SWARM_SEEDS = 60;

const sweep = sweepSeeds;

describe('amaters fencing scenarios', () => {
  it(`the story keeps every invariant over ${STORY_SEEDS} seeds`, () => {
    expect(sweep(fencingScenario, STORY_SEEDS, null)).toEqual([]);
  });

  it(`the swarm keeps every invariant over ${SWARM_SEEDS} seeds`, () => {
    expect(sweep(fencingSwarmScenario, SWARM_SEEDS, null)).toEqual([]);
  });

  it('the paused old leader wakes up, writes with its old token, and storage refuses it', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const stale: { node: string; token: number; seen: number }[] = [];
      const deposed: string[] = [];
      runSeed(fencingScenario, seed, null, {
        onObservation: (node, o) => {
          const f = o as FenceObservation;
          if (f.type === 'rejected' && tokenTerm(f.token) < tokenTerm(f.seen)) stale.push({ node: f.writer, token: f.token, seen: f.seen });
          if (f.type === 'fenced') deposed.push(node);
        },
      });
      expect(stale.some((s) => s.node === 'n1'), `seed ${seed}: n1 never wrote with a stale token`).toBe(true);
      expect(deposed).toContain('n1');
    }
  });

  it.each([
    [fencingScenario.name, fencingScenario, STORY_SEEDS],
    [fencingSwarmScenario.name, fencingSwarmScenario, SWARM_SEEDS],
  ] as const)('per-client-tokens is caught by the fencing invariant (%s)', (_name, scenario, seeds) => {
    const failing = sweep(scenario, seeds, 'per-client-tokens');
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.filter((f) => f.invariant !== 'fencing')).toEqual([]);
  });

  it('writes-resume fires when storage never answers', () => {
    const config = configFor(fencingScenario, 1, null);
    const world = buildFencing(config);
    const nodes = world.nodes.map((n) => (n.role === 'storage' ? { ...n, protocol: { ...n.protocol, step: (s: unknown, input: { type: string }) => ({ state: s, effects: [] }) } } : n));
    const r = runConfig({ ...fencingScenario, build: () => ({ ...world, nodes }) }, { ...config, faults: [] });
    expect(r.violation?.invariant).toBe('writes-resume');
  });

  it('tokens-unique fires when two leaders hand out one token', () => {
    const c = tokensUnique();
    const view = {} as never;
    expect(c.onObservation!('n1', { type: 'issued', token: 3_000_001, term: 3, client: 'c1', opId: 1 }, view)).toBeUndefined();
    expect(c.onObservation!('n2', { type: 'issued', token: 3_000_001, term: 3, client: 'c2', opId: 1 }, view)).toMatch(/n2 handed out token t3.1, which n1/);
  });

  it('is deterministic', () => {
    expect(runSeed(fencingSwarmScenario, 3, null).traceHash).toBe(runSeed(fencingSwarmScenario, 3, null).traceHash);
  });
});
