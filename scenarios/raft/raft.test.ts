import { describe, expect, it } from 'vitest';
import { configFor, runConfig, runSeed } from '../../sim/run.ts';
import type { RunConfig, Scenario } from '../../sim/scenario.ts';
import { RAFT_BUG_NAMES } from '../../core/raft/index.ts';
import { raftMembershipScenario, raftScenario, type RaftScenarioOptions } from './index.ts';

const CLEAN_SEEDS = 40;

function failures(scenario: Scenario, seeds: number, bug: string | null): { seed: number; invariant: string; message: string }[] {
  const out: { seed: number; invariant: string; message: string }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSeed(scenario, seed, bug);
    if (r.violation !== null) out.push({ seed, invariant: r.violation.invariant, message: r.violation.message });
  }
  return out;
}

/** The first seed in 1..maxSeeds whose run breaks an invariant, or null. */
function firstFailure(scenario: Scenario, maxSeeds: number, bug: string): { seed: number; invariant: string } | null {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const v = runSeed(scenario, seed, bug).violation;
    if (v !== null) return { seed, invariant: v.invariant };
  }
  return null;
}

describe.each([raftScenario, raftMembershipScenario].map((s) => [s.name, s] as const))('%s scenario', (_, scenario) => {
  it(`keeps every invariant over ${CLEAN_SEEDS} seeds without a bug`, () => {
    expect(failures(scenario, CLEAN_SEEDS, null)).toEqual([]);
  });

  it('lists every Raft bug with its description', () => {
    expect(scenario.bugs.map((b) => b.name)).toEqual(RAFT_BUG_NAMES);
  });

  it('is deterministic: the same seed gives the same trace hash', () => {
    const a = runSeed(scenario, 7, null);
    const b = runSeed(scenario, 7, null);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.events).toBe(b.events);
    expect(runSeed(scenario, 8, null).traceHash).not.toBe(a.traceHash);
  });

  it('expands a seed into options drawn for the run (swarm)', () => {
    const shapes = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const o = configFor(scenario, seed).options as unknown as RaftScenarioOptions;
      expect(o.voters.length).toBeGreaterThanOrEqual(3);
      expect(o.servers).toEqual([...o.servers].sort());
      shapes.add(`${o.servers.length}/${o.clients.length}/${o.snapshotEveryEntries}/${o.preVote}/${o.checkQuorum}`);
    }
    expect(shapes.size).toBeGreaterThan(10);
  });
});

describe('the raft scenario catches known bugs', () => {
  it.each([
    ['vote-without-log-check', 40, ['leader-completeness', 'state-machine-safety', 'election-safety', 'commit-on-majority']],
    ['no-conflict-truncation', 40, ['state-machine-safety', 'acked-entries-durable', 'commit-on-majority']],
    ['ignore-higher-term', 20, ['linearizable', 'raft-liveness']],
    ['reply-before-persist', 150, ['acked-entries-durable', 'elected-by-majority']],
    ['apply-before-commit', 40, ['state-machine-safety', 'commit-and-apply-bounds']],
  ] as const)('%s, within %i seeds', (bug, seeds, invariants) => {
    const found = firstFailure(raftScenario, seeds, bug);
    expect(found, `${bug} not caught in ${seeds} seeds`).not.toBeNull();
    expect(invariants).toContain(found!.invariant);
  });

  it('stale-read: a leader cut off from the majority serves an old value (linearizable)', () => {
    const base = configFor(raftScenario, 8, 'stale-read');
    const options: RaftScenarioOptions = {
      ...(base.options as unknown as RaftScenarioOptions),
      servers: ['n1', 'n2', 'n3'],
      voters: ['n1', 'n2', 'n3'],
      clients: ['c1', 'c2', 'c3'],
      clientMixes: [
        { get: 1, put: 0, append: 0, cas: 0 },
        { get: 4, put: 3, append: 1, cas: 2 },
        { get: 4, put: 3, append: 1, cas: 2 },
      ],
      keys: ['a'],
      checkQuorum: false,
      readMode: 'readIndex',
      requestTimeoutMs: 150,
      operations: [],
    };
    // n1 leads term 1 (seed 8); a partition cuts it off from n2 and n3 for four seconds.
    const config: RunConfig = {
      ...base,
      options: { ...options },
      faults: [
        { atMs: 2_000, type: 'partition', groups: [['n1'], ['n2', 'n3']] },
        { atMs: 6_000, type: 'heal' },
      ],
    };
    expect(runConfig(raftScenario, config).violation?.invariant).toBe('linearizable');
    expect(runConfig(raftScenario, { ...config, bug: null }).violation).toBeNull();
  });
});
