/**
 * Each checker of raft-state-rules.ts stays quiet on a healthy cluster (run by the test driver) and
 * fires on a state or observation, built by hand, that breaks its rule.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { awaitLeader, kvCluster, makeEntry, putEntry, type KvDriver, type KvServerState } from '../core/raft/testing.ts';
import {
  configChangeAfterOwnCommit,
  configIsLatest,
  logTermsOrdered,
  raftStateRuleCheckers,
  readConfirmedAfterArrival,
  removedLeaderStepsDown,
  snapshotIsCommitted,
  termDurable,
  transferAbandonedInTime,
} from './raft-state-rules.ts';

function world(d: KvDriver, nowMs = d.nowMs, down: readonly NodeId[] = [], paused: readonly NodeId[] = []): WorldView {
  const status = (id: NodeId) => (down.includes(id) ? 'down' : paused.includes(id) ? 'paused' : 'up');
  const nodes: NodeView[] = d.ids().map((id) => ({ id, role: 'server', status: status(id), state: d.state(id), disk: {}, incarnation: 0 }));
  return { nowMs, eventIndex: 0, phase: 'faulty', nodes, node: (id) => nodes.find((n) => n.id === id)! };
}

/** A three-server cluster with a committed leader, ten writes, snapshots every four entries, and a leader restart. */
function healthy(): KvDriver {
  const { d } = kvCluster(['n1', 'n2', 'n3'], { snapshotEveryEntries: 4 });
  const leader = awaitLeader(d);
  for (let i = 1; i <= 10; i++) d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: `${i}`, client: 'op', seq: i } });
  d.runFor(500);
  d.crash(leader);
  d.start(leader);
  d.runFor(1_000);
  return d;
}

const leaderOf = (d: KvDriver) => d.ids().find((id) => d.state(id).role === 'leader') as NodeId;

/** Feed a checker the driver's observations, then its final states. */
function replay(checker: InvariantChecker, d: KvDriver): string | void {
  const w = world(d);
  for (const r of d.observations) {
    const msg = checker.onObservation?.(r.node, r.observation, w);
    if (msg) return msg;
  }
  return checker.afterEvent?.(w) ?? checker.atEnd?.(w);
}

describe('raft state rule checkers on a healthy run', () => {
  it('are all quiet', () => {
    const d = healthy();
    for (const checker of raftStateRuleCheckers()) expect(replay(checker, d), checker.name).toBeUndefined();
  });
});

describe('raft state rule checkers fire', () => {
  it('log-terms-ordered: an entry after the snapshot of an earlier term, or of a term not reached', () => {
    const d = healthy();
    const s = d.state('n2') as KvServerState;
    expect(logTermsOrdered(1).afterEvent!(world(d))).toBeUndefined();
    s.log = { snapshotIndex: 4, snapshotTerm: 3, entries: [putEntry(5, 2)] };
    expect(logTermsOrdered().afterEvent!(world(d))).toMatch(/snapshot ends at index 4 in term 3, but the entry after it is of term 2/);
    s.log = { snapshotIndex: 0, snapshotTerm: 0, entries: [makeEntry(1, 1), putEntry(2, s.currentTerm + 1)] };
    expect(logTermsOrdered().afterEvent!(world(d))).toMatch(/holds an entry of term/);
    s.log = { snapshotIndex: 0, snapshotTerm: 0, entries: [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 0)] };
    expect(logTermsOrdered(1).afterEvent!(world(d))).toMatch(/goes back from term 1 at index 2 to term 0 at index 3/);
  });

  it('snapshot-is-committed: a snapshot with a term other than its last entry’s', () => {
    const c = snapshotIsCommitted();
    const w = world(healthy());
    c.onObservation!('n1', { kind: 'committed', node: 'n1', term: 2, commitIndex: 5, entries: [{ index: 5, term: 1, hash: 3 }] }, w);
    expect(c.onObservation!('n2', { kind: 'snapshotTaken', node: 'n2', index: 5, term: 1 }, w)).toBeUndefined();
    expect(c.onObservation!('n3', { kind: 'snapshotTaken', node: 'n3', index: 5, term: 2 }, w)).toMatch(/n3 took a snapshot ending at index 5 with term 2, but n1 committed an entry of term 1/);
    expect(c.onObservation!('n3', { kind: 'snapshotInstalled', node: 'n3', index: 5, term: 4 }, w)).toMatch(/installed/);
  });

  it('config-is-latest: a membership whose entry was truncated away', () => {
    const d = healthy();
    expect(configIsLatest().afterEvent!(world(d))).toBeUndefined();
    const s = d.state('n2') as KvServerState;
    const at = s.log.snapshotIndex + 1;
    s.log.entries[0] = makeEntry(at, s.log.entries[0]?.term ?? s.currentTerm, { type: 'config', voters: ['n1', 'n2'] });
    s.membership = { voters: ['n1', 'n2'], index: at };
    expect(configIsLatest().afterEvent!(world(d))).toBeUndefined();
    s.log.entries[0] = putEntry(at, s.log.entries[0]!.term);
    expect(configIsLatest().afterEvent!(world(d))).toMatch(new RegExp(`n2 uses the configuration of index ${at} .* but its entry there is a command`));
    s.membership = { voters: ['n1', 'n2'], index: 1_000 };
    expect(configIsLatest().afterEvent!(world(d))).toMatch(/but its log ends at/);
  });

  it('config-change-after-own-commit: a leader appends a change before its no-op commits', () => {
    const d = healthy();
    const leader = leaderOf(d);
    const s = d.state(leader) as KvServerState;
    const c = configChangeAfterOwnCommit();
    const next = s.log.snapshotIndex + s.log.entries.length + 1;
    s.log.entries.push(makeEntry(next, s.currentTerm, { type: 'config', voters: ['n1', 'n2', 'n3', 'n4'] }));
    const o = { kind: 'membership', node: leader, voters: ['n1', 'n2', 'n3', 'n4'], index: next };
    expect(c.onObservation!(leader, o, world(d))).toBeUndefined();
    s.commitIndex = s.leader!.termStartIndex - 1;
    expect(c.onObservation!(leader, o, world(d))).toMatch(/before an entry of its term was committed/);
  });

  it('removed-leader-steps-down: a leader outside its committed configuration', () => {
    const d = healthy();
    const leader = leaderOf(d);
    const s = d.state(leader) as KvServerState;
    expect(removedLeaderStepsDown().afterEvent!(world(d))).toBeUndefined();
    s.membership = { voters: d.ids().filter((id) => id !== leader), index: s.commitIndex + 1 };
    expect(removedLeaderStepsDown().afterEvent!(world(d))).toBeUndefined(); // not committed yet
    s.membership = { voters: s.membership.voters, index: s.commitIndex };
    expect(removedLeaderStepsDown().afterEvent!(world(d))).toMatch(/still leads term .* after committing its removal/);
  });

  it('term-durable: a restart in an earlier term than the server was seen in', () => {
    const d = healthy();
    const c = termDurable();
    c.afterEvent!(world(d));
    const term = d.state('n2').currentTerm;
    expect(c.onObservation!('n2', { kind: 'started', node: 'n2', term, votedFor: null, snapshotIndex: 0, lastIndex: 0 }, world(d))).toBeUndefined();
    expect(c.onObservation!('n2', { kind: 'started', node: 'n2', term: term - 1, votedFor: null, snapshotIndex: 0, lastIndex: 0 }, world(d))).toMatch(/restarted in term .* after it was seen in term/);
  });

  it('read-confirmed-after-arrival: a read answered on contact from before it arrived, not after', () => {
    const d = healthy();
    const leader = leaderOf(d);
    const l = d.state(leader).leader!;
    const followers = d.ids().filter((id) => id !== leader);
    const read = { node: 'c1', opId: 1, query: { op: 'get' as const, key: 'k' }, readIndex: 0, readSeq: l.readSeq + 1 };
    const run = (contactMs: number | null): string | void => {
      const c = readConfirmedAfterArrival();
      c.afterEvent!(world(d, 100));
      l.readSeq += 1; // the read arrives at 200...
      l.pendingReads.push(read);
      c.afterEvent!(world(d, 200));
      if (contactMs !== null) for (const f of followers) d.state(f).lastLeaderContactMs = contactMs; // ...its followers hear from the leader at 250...
      c.afterEvent!(world(d, 250));
      l.pendingReads.length = 0; // ...and it is answered at 300
      return c.afterEvent!(world(d, 300));
    };
    expect(run(123_456)).toBeUndefined();
    expect(run(null)).toMatch(/answered a read that arrived at 200 ms when only/);
  });

  it('read-confirmed-after-arrival: a follower that crashed in the step where it answered counts', () => {
    const d = healthy();
    const leader = leaderOf(d);
    const l = d.state(leader).leader!;
    const [f1, f2] = d.ids().filter((id) => id !== leader) as [NodeId, NodeId];
    const c = readConfirmedAfterArrival();
    c.afterEvent!(world(d, 100));
    l.readSeq += 1;
    l.pendingReads.push({ node: 'c1', opId: 1, query: { op: 'get', key: 'k' }, readIndex: 0, readSeq: l.readSeq });
    c.afterEvent!(world(d, 200));
    c.afterEvent!(world(d, 250, [f1]));
    l.pendingReads.length = 0;
    expect(c.afterEvent!(world(d, 300, [f1, f2]))).toBeUndefined();
  });

  it('read-confirmed-after-arrival: so does one just restarted, that knew no leader yet', () => {
    const d = healthy();
    const leader = leaderOf(d);
    const l = d.state(leader).leader!;
    const [f1, f2] = d.ids().filter((id) => id !== leader) as [NodeId, NodeId];
    const restarted = d.state(f1);
    restarted.leaderId = null;
    restarted.lastLeaderContactMs = null;
    d.state(f2).lastLeaderContactMs = null; // and f2 never hears: the majority hangs on f1
    const c = readConfirmedAfterArrival();
    c.afterEvent!(world(d, 100));
    l.readSeq += 1;
    l.pendingReads.push({ node: 'c1', opId: 1, query: { op: 'get', key: 'k' }, readIndex: 0, readSeq: l.readSeq });
    c.afterEvent!(world(d, 200));
    l.pendingReads.length = 0;
    expect(c.afterEvent!(world(d, 300, [f1]))).toBeUndefined();
  });

  it('transfer-abandoned-in-time: a leader still transferring long after the timeout, not counting a pause', () => {
    const d = healthy();
    const leader = leaderOf(d);
    const l = d.state(leader).leader!;
    const target = d.ids().find((id) => id !== leader) as NodeId;
    l.transfer = { target, deadlineMs: 300, commandId: 7, timeoutNowSent: true };
    const c = transferAbandonedInTime(800);
    expect(c.afterEvent!(world(d, 0))).toBeUndefined();
    expect(c.afterEvent!(world(d, 500, [], [leader]))).toBeUndefined(); // paused from 500...
    expect(c.afterEvent!(world(d, 2_000))).toBeUndefined(); // ...to 2000: 500 ms running
    expect(c.afterEvent!(world(d, 2_200))).toBeUndefined();
    expect(c.afterEvent!(world(d, 2_400))).toMatch(/transferring its leadership to .* for 900 ms \(TimeoutNow sent\)/);
    l.transfer = null;
    expect(c.afterEvent!(world(d, 5_000))).toBeUndefined();
  });
});
