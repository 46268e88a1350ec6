import { describe, expect, it } from 'vitest';
import { configFor, runConfig, runSeed, sweepSeeds } from '../sim/run.ts';
import { STEMEDB_BUGS, type StemeMessage, type StemeObservation } from '../core/stemedb/index.ts';
import { buildStemedb, stemedbScenario, stemedbSwarmScenario } from './stemedb.ts';

const STORY_SEEDS = 20;
const SWARM_SEEDS = 40;

const sweep = sweepSeeds;

describe('stemedb scenarios without a bug', () => {
  it(`the story keeps every invariant over ${STORY_SEEDS} seeds`, () => {
    expect(sweep(stemedbScenario, STORY_SEEDS, null)).toEqual([]);
  });

  it(`the swarm keeps every invariant over ${SWARM_SEEDS} seeds`, () => {
    expect(sweep(stemedbSwarmScenario, SWARM_SEEDS, null)).toEqual([]);
  });

  it('exercises what the invariants are about: splits, merges, handoffs, refusals, dead nodes', () => {
    const counts: Record<string, number> = {};
    const seen = (o: StemeObservation) => {
      const key = o.type === 'installed' ? (o.desc.version === 1 && o.desc.id.includes('.') ? 'split' : 'installed') : o.type === 'refused' ? `refused:${o.reason}` : o.type;
      counts[key] = (counts[key] ?? 0) + 1;
    };
    for (let seed = 1; seed <= 3; seed++) runSeed(stemedbScenario, seed, null, { onObservation: (_n, o) => seen(o as StemeObservation) });
    for (const key of ['split', 'retired', 'handedOff', 'served', 'refused:stale-version', 'refused:not-owner', 'declared', 'invalidated']) {
      expect(counts[key] ?? 0, key).toBeGreaterThan(0);
    }
  });

  it('is deterministic: the same seed gives the same trace hash', () => {
    const a = runSeed(stemedbSwarmScenario, 5, null);
    expect(runSeed(stemedbSwarmScenario, 5, null).traceHash).toBe(a.traceHash);
    expect(runSeed(stemedbSwarmScenario, 6, null).traceHash).not.toBe(a.traceHash);
  });
});

describe('stemedb known bugs are caught, each by its invariant', () => {
  const cases = [
    { bug: 'merge-by-timestamp', invariant: 'gateway-maps-converge', scenario: stemedbSwarmScenario, seeds: SWARM_SEEDS },
    { bug: 'merge-by-timestamp', invariant: 'gateway-maps-converge', scenario: stemedbScenario, seeds: STORY_SEEDS },
    { bug: 'serve-after-handoff', invariant: 'owner-serves', scenario: stemedbSwarmScenario, seeds: SWARM_SEEDS },
    { bug: 'serve-after-handoff', invariant: 'owner-serves', scenario: stemedbScenario, seeds: STORY_SEEDS },
    { bug: 'no-dead-invalidation', invariant: 'no-route-to-dead', scenario: stemedbSwarmScenario, seeds: SWARM_SEEDS },
    { bug: 'no-dead-invalidation', invariant: 'no-route-to-dead', scenario: stemedbScenario, seeds: STORY_SEEDS },
    { bug: 'merge-drops-right', invariant: 'no-lost-keys', scenario: stemedbSwarmScenario, seeds: SWARM_SEEDS },
    { bug: 'merge-drops-right', invariant: 'no-lost-keys', scenario: stemedbScenario, seeds: STORY_SEEDS },
  ] as const;
  it.each(cases.map((c) => [c.bug, c.scenario.name, c.seeds, c.invariant, c] as const))('%s in %s over %i seeds: %s', (_b, _s, _n, _i, c) => {
    const failing = sweep(c.scenario, c.seeds, c.bug);
    expect(failing.length, `${c.bug} never caught`).toBeGreaterThan(0);
    expect(failing.filter((f) => f.invariant !== c.invariant)).toEqual([]);
  });

  it('lists every bug with a description', () => {
    expect(stemedbScenario.bugs.map((b) => b.name)).toEqual(STEMEDB_BUGS.map((b) => b.name));
    for (const b of STEMEDB_BUGS) expect(b.description.length).toBeGreaterThan(20);
  });
});

describe('stemedb liveness checkers fire', () => {
  it('replicas-synced: replicas that never get a copy are reported after the heal', () => {
    const config = configFor(stemedbScenario, 1, null);
    const world = buildStemedb(config);
    // Every node drops its replication traffic: the replicas never catch up.
    const nodes = world.nodes.map((n) =>
      n.role !== 'node'
        ? n
        : {
            ...n,
            protocol: {
              ...n.protocol,
              step: (s: unknown, input: never, env: never) => {
                const out = n.protocol.step(s, input, env);
                return { ...out, effects: out.effects.filter((e: { type: string; message?: StemeMessage }) => !(e.type === 'send' && e.message?.type === 'replicate')) };
              },
            },
          },
    );
    const r = runConfig({ ...stemedbScenario, build: () => ({ ...world, nodes }) }, config);
    expect(r.violation?.invariant).toBe('replicas-synced');
  });

  it('gateway-maps-converge: a gateway that ignores gossip is reported after the heal', () => {
    const config = configFor(stemedbScenario, 2, null);
    const world = buildStemedb(config);
    const nodes = world.nodes.map((n) =>
      n.id !== 'g2'
        ? n
        : {
            ...n,
            protocol: {
              ...n.protocol,
              step: (s: unknown, input: { type: string; message?: StemeMessage }, env: never) =>
                input.type === 'message' && (input.message?.type === 'meta' || input.message?.type === 'refused') ? { state: s, effects: [] } : n.protocol.step(s, input as never, env),
            },
          },
    );
    const r = runConfig({ ...stemedbScenario, build: () => ({ ...world, nodes }) }, { ...config, faults: [] });
    expect(r.violation?.invariant).toBe('gateway-maps-converge');
  });
});
