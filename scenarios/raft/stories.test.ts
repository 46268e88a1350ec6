import { describe, expect, it } from 'vitest';
import { configFor, runSeed } from '../../sim/run.ts';
import { faultScheduleError, parseFaultScript } from '../../sim/faults.ts';
import type { Scenario } from '../../sim/scenario.ts';
import { RAFT_BUG_NAMES, type RaftBugName, type RaftObservation } from '../../core/raft/index.ts';
import { scenarios } from '../index.ts';
import type { RaftScenarioOptions } from './index.ts';
import { raftStoryScenarios } from './stories.ts';

/** Seeds every sweep below covers: each story without a bug, and each bug on its story. */
const SEEDS = 20;

function story(name: string): Scenario {
  const s = raftStoryScenarios.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no story ${name}`);
  return s;
}

function sweep(scenario: Scenario, bug: string | null): { seed: number; invariant: string; message: string }[] {
  const out: { seed: number; invariant: string; message: string }[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const v = runSeed(scenario, seed, bug).violation;
    if (v !== null) out.push({ seed, invariant: v.invariant, message: v.message });
  }
  return out;
}

describe('named raft scenarios', () => {
  it('are listed by the registry, each with a one-line description', () => {
    for (const s of raftStoryScenarios) {
      expect(scenarios).toContain(s);
      expect(s.description).not.toContain('\n');
      expect(s.description.length).toBeGreaterThan(40);
      expect(s.bugs.map((b) => b.name)).toEqual(RAFT_BUG_NAMES);
    }
  });

  it.each(raftStoryScenarios.map((s) => [s.name, s] as const))('%s: its script is readable, parses back to its faults, and draws from the seed', (_, s) => {
    const a = configFor(s, 1);
    const o = a.options as unknown as RaftScenarioOptions;
    expect(typeof o.script).toBe('string');
    expect(parseFaultScript(o.script!)).toEqual(a.faults);
    expect(faultScheduleError(a.faults, o.servers)).toBeNull();
    expect(a.faults.length).toBeGreaterThan(0);
    expect(configFor(s, 2).faults).not.toEqual(a.faults);
  });

  it.each(raftStoryScenarios.map((s) => [s.name, s] as const))(`%s keeps every invariant over ${SEEDS} seeds without a bug`, (_, s) => {
    expect(sweep(s, null)).toEqual([]);
  });

  it('raft-snapshot-catchup: the server that was away installs a snapshot', () => {
    const s = story('raft-snapshot-catchup');
    const config = configFor(s, 3);
    const away = (config.options as unknown as RaftScenarioOptions).expectSnapshotInstalled ?? [];
    expect(away).toHaveLength(1);
    const installs: string[] = [];
    const r = runSeed(s, 3, null, { onObservation: (node, o) => (o as RaftObservation).kind === 'snapshotInstalled' && installs.push(node) });
    expect(r.violation).toBeNull();
    expect(installs).toContain(away[0]);
  });

  it('is deterministic: a story replays to the same trace hash', () => {
    const s = story('raft-figure8');
    expect(runSeed(s, 5, null).traceHash).toBe(runSeed(s, 5, null).traceHash);
  });
});

/**
 * Every known bug, swept over the same seeds on the story that reaches it best, must be caught by
 * the invariants named. How many of 100 seeds (300 for the two rarest) catch it is in the comments;
 * the same seeds without the bug are clean.
 */
describe(`known bugs, each caught within ${SEEDS} seeds of the story suited to it`, () => {
  it.each([
    // 113/300: Figure 8 played out; the overwritten entry was committed in an earlier term.
    ['commit-previous-term', 'raft-figure8', ['leader-completeness', 'state-machine-safety', 'commit-on-majority']],
    // 77/100: elected with an older log, a leader lacks committed entries.
    ['vote-without-log-check', 'raft-flapping-partitions', ['leader-completeness', 'state-machine-safety', 'commit-on-majority']],
    // 44/300: the flickering voter votes again in the same term: two leaders.
    ['votedfor-not-persisted', 'raft-vote-restart', ['election-safety', 'elected-by-majority']],
    // 76/100.
    ['no-conflict-truncation', 'raft-flapping-partitions', ['state-machine-safety', 'acked-entries-durable', 'commit-on-majority']],
    // 95/100: the crashed leader's replacement meets an old leader that never steps down.
    ['ignore-higher-term', 'raft-leader-crash', ['linearizable', 'raft-liveness']],
    // 95/100: the acknowledged entry was on its way to the disk when the crash landed.
    ['reply-before-persist', 'raft-torn-writes', ['acked-entries-durable', 'elected-by-majority']],
    // 100/100.
    ['apply-before-commit', 'raft-leader-isolated', ['state-machine-safety', 'commit-and-apply-bounds']],
    // 38/100: the reading client stays with the cut-off leader, which answers from its own state.
    ['stale-read', 'raft-leader-isolated', ['linearizable']],
  ] as const satisfies readonly (readonly [RaftBugName, string, readonly string[]])[])('%s on %s', (bug, name, invariants) => {
    const caught = sweep(story(name), bug);
    expect(caught.length, `${bug} not caught in ${SEEDS} seeds of ${name}`).toBeGreaterThan(0);
    for (const c of caught) expect(invariants, `seed ${c.seed}: ${c.message}`).toContain(c.invariant);
  });
});
