/**
 * The two bugs that random swarm runs rarely reach, reproduced step by step on the core's test
 * driver, with the checkers showing they catch them: the Figure 8 trap (commit-previous-term)
 * and a double vote after a restart (votedfor-not-persisted).
 */
import { describe, expect, it } from 'vitest';
import type { InvariantChecker, WorldView } from '../../sim/scenario.ts';
import { kvCluster, makeEntry, putEntry, seedDisk, type KvDriver } from '../../core/raft/testing.ts';
import { lastIndex } from '../../core/raft/log.ts';
import { electionSafety, leaderCompleteness, stateMachineSafety } from '../../checkers/raft.ts';

const ids = ['n1', 'n2', 'n3'];

function worldOf(d: KvDriver): WorldView {
  const nodes = d.ids().map((id) => ({ id, role: 'server', status: d.node(id).up ? ('up' as const) : ('down' as const), state: d.state(id), disk: {}, incarnation: 0 }));
  return { nowMs: d.nowMs, eventIndex: 0, phase: 'faulty', nodes, node: (id) => nodes.find((n) => n.id === id)! };
}

/** The first message of any checker over the driver's observations (the world is the final one). */
function check(d: KvDriver, checkers: InvariantChecker[]): string | undefined {
  const w = worldOf(d);
  for (const r of d.observations) {
    for (const c of checkers) {
      const msg = c.onObservation?.(r.node, r.observation, w);
      if (msg) return `${c.name}: ${msg}`;
    }
  }
  return undefined;
}

describe('Figure 8 (commit-previous-term)', () => {
  /**
   * n1 led term 2 and appended X at index 2; n2 led term 3 and appended Y there; n3 has neither.
   * With n2 cut off, n1 wins a later term with n3's vote and replicates X to n3, then crashes
   * before its no-op reaches n3. n2 then wins with n3's vote and overwrites X with Y.
   */
  function figure8(bugs: 'commit-previous-term'[]): KvDriver {
    const { d } = kvCluster(ids, { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1, bugs });
    seedDisk(d, 'n1', { term: 2, votedFor: 'n1', log: [makeEntry(1, 1), putEntry(2, 2, 'X')] });
    seedDisk(d, 'n2', { term: 3, votedFor: 'n2', log: [makeEntry(1, 1), putEntry(2, 3, 'Y')] });
    seedDisk(d, 'n3', { term: 3, votedFor: 'n2', log: [makeEntry(1, 1)] });
    d.isolate('n2');
    d.nowMs = 1_000;
    d.step('n1', { type: 'timer', timer: 'election' });
    expect(d.runUntil(() => lastIndex(d.state('n3').log) >= 2, 1_000)).toBe(true); // n3 holds X
    d.dropIf = (from, to) => from === 'n1' && to === 'n3'; // the no-op never arrives
    expect(d.runUntil(() => (d.state('n1').leader?.progress.find((p) => p.id === 'n3')?.matchIndex ?? 0) >= 2, 100)).toBe(true);
    d.crash('n1');
    d.dropIf = null;
    d.heal();
    d.isolate('n1');
    d.runFor(3_000);
    expect(d.state('n2').role).toBe('leader');
    return d;
  }

  it('without the bug X is never committed and the checkers stay quiet', () => {
    const d = figure8([]);
    expect(d.observed('applied').some((r) => r.node === 'n1' && r.observation.entries.some((e) => e.index === 2))).toBe(false);
    expect(check(d, [stateMachineSafety(), leaderCompleteness(), electionSafety()])).toBeUndefined();
  });

  it('with the bug, X is committed and applied, then overwritten: state-machine-safety fires', () => {
    const d = figure8(['commit-previous-term']);
    expect(d.observed('applied').some((r) => r.node === 'n1' && r.observation.entries.some((e) => e.index === 2 && e.term === 2))).toBe(true);
    expect(d.state('n3').log.entries.find((e) => e.index === 2)?.term).toBe(3);
    expect(check(d, [stateMachineSafety()])).toMatch(/state-machine-safety: n[23] (committed|applied) \(index 2, term 3.* but n1 (committed|applied) \(index 2, term 2/);
    expect(check(d, [leaderCompleteness()])).toMatch(/leader-completeness: n2 became leader .* but \(index 2, term 2, .* was committed there/);
  });
});

describe('a double vote after a restart (votedfor-not-persisted)', () => {
  function doubleVote(bugs: 'votedfor-not-persisted'[]): KvDriver {
    const { d } = kvCluster(ids, { preVote: false, bugs });
    d.nowMs = 1_000;
    d.step('n1', { type: 'timer', timer: 'election' });
    d.step('n2', { type: 'timer', timer: 'election' });
    const request = { type: 'requestVote', term: 1, lastLogIndex: 0, lastLogTerm: 0, preVote: false, transfer: false } as const;
    const vote = (granted: boolean) => ({ type: 'requestVoteResponse', term: 1, granted, preVote: false }) as const;
    const granted = (effects: ReturnType<KvDriver['step']>) => effects.some((e) => e.type === 'send' && e.message.type === 'requestVoteResponse' && e.message.granted);
    const first = granted(d.step('n3', { type: 'message', from: 'n1', message: request }));
    d.step('n1', { type: 'message', from: 'n3', message: vote(first) });
    d.restart('n3');
    const second = granted(d.step('n3', { type: 'message', from: 'n2', message: request }));
    d.step('n2', { type: 'message', from: 'n3', message: vote(second) });
    return d;
  }

  it('without the bug the restarted voter remembers its vote: one leader', () => {
    const d = doubleVote([]);
    expect(d.state('n1').role).toBe('leader');
    expect(d.state('n2').role).toBe('candidate');
    expect(check(d, [electionSafety()])).toBeUndefined();
  });

  it('with the bug it votes again in the same term: election-safety fires', () => {
    const d = doubleVote(['votedfor-not-persisted']);
    expect(d.state('n2').role).toBe('leader');
    expect(check(d, [electionSafety()])).toMatch(/two leaders in term 1: n1 and n2/);
  });
});
