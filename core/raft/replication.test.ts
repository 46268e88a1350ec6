import { describe, expect, it } from 'vitest';
import type { Effect } from '../contract/protocol.ts';
import { awaitLeader, kvCluster, leadersOf, makeEntry, putEntry, seedDisk, type KvDriver } from './testing.ts';
import { lastIndex, termAt } from './log.ts';
import type { KvCommand } from './kv.ts';
import type { LogEntry, RaftMessage } from './types.ts';

const ids = ['n1', 'n2', 'n3'];

function put(d: KvDriver, at: string, key: string, value: string, seq: number): number {
  return d.command(at, { type: 'propose', command: { op: 'put', key, value, client: 'op', seq } });
}

function appliedSequence(d: KvDriver, id: string): string[] {
  return d
    .observed('applied')
    .filter((r) => r.node === id)
    .flatMap((r) => r.observation.entries.map((e) => `${e.index}:${e.term}:${e.hash}`));
}

function terms(log: readonly LogEntry<KvCommand>[]): number[] {
  return log.map((e) => e.term);
}

describe('log replication', () => {
  it('commits and applies proposals on every node, in the same order, and answers once applied', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const commands = [1, 2, 3, 4, 5].map((i) => put(d, leader, `k${i % 2}`, `${i}`, i));
    d.runFor(200);
    for (const [i, id] of commands.entries()) expect(d.replyTo(id)).toMatchObject({ type: 'applied', result: { type: 'written' } }), void i;
    const last = lastIndex(d.state(leader).log);
    for (const id of ids) {
      expect(d.state(id).commitIndex).toBe(last);
      expect(d.state(id).lastApplied).toBe(last);
      expect(d.state(id).sm.data).toEqual({ k0: '4', k1: '5' });
      expect(appliedSequence(d, id)).toEqual(appliedSequence(d, leader));
    }
  });

  it('a follower that missed entries catches up after the partition heals', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const lagging = ids.find((id) => id !== leader) as string;
    d.isolate(lagging);
    for (let i = 1; i <= 30; i++) put(d, leader, 'k', `${i}`, i);
    d.runFor(100);
    expect(d.state(lagging).lastApplied).toBeLessThan(d.state(leader).lastApplied);
    d.heal();
    d.runFor(300);
    expect(d.state(lagging).lastApplied).toBe(d.state(leader).lastApplied);
    expect(d.state(lagging).sm.data).toEqual({ k: '30' });
  });

  it('rejects an AppendEntries whose prevLogIndex/prevLogTerm does not match, with a hint (Fig. 2 receiver 2)', () => {
    const { d } = kvCluster(ids);
    seedDisk(d, 'n2', { term: 3, log: [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 2), putEntry(4, 2)] });
    const effects = d.step('n2', {
      type: 'message',
      from: 'n1',
      message: { type: 'appendEntries', term: 3, prevLogIndex: 6, prevLogTerm: 3, entries: [], leaderCommit: 0, readSeq: 0 },
    });
    // Nothing at 6: the hint is the last entry of a term <= 3 at or below our last index.
    expect(effects).toContainEqual({
      type: 'send',
      to: 'n1',
      message: { type: 'appendEntriesResponse', term: 3, success: false, matchIndex: 0, rejectedIndex: 6, hintIndex: 4, hintTerm: 2, readSeq: 0 },
    });
    const mismatch = d.step('n2', {
      type: 'message',
      from: 'n1',
      message: { type: 'appendEntries', term: 3, prevLogIndex: 4, prevLogTerm: 3, entries: [], leaderCommit: 0, readSeq: 0 },
    });
    expect(mismatch).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ success: false, hintIndex: 4, hintTerm: 2 }) }));
  });

  it('deletes a conflicting entry and all that follow, on disk too, then appends (Fig. 2 receiver 3, 4)', () => {
    const { d } = kvCluster(ids);
    seedDisk(d, 'n2', { term: 2, log: [makeEntry(1, 1), putEntry(2, 2), putEntry(3, 2), putEntry(4, 2)] });
    const incoming = [makeEntry(2, 3), putEntry(3, 3)];
    const effects = d.step('n2', {
      type: 'message',
      from: 'n1',
      message: { type: 'appendEntries', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: incoming, leaderCommit: 2, readSeq: 0 },
    });
    const kinds = effects.filter((e) => e.type === 'persist' || e.type === 'send').map((e) => (e.type === 'persist' ? `${e.write.op}:${e.write.file}` : 'send'));
    expect(kinds).toEqual(['overwrite:meta', 'truncate:log', 'append:log', 'append:log', 'send']);
    expect(effects).toContainEqual({ type: 'persist', write: { op: 'truncate', file: 'log', keep: 1 } });
    expect(terms(d.state('n2').log.entries)).toEqual([1, 3, 3]);
    expect(d.observed('truncated').map((r) => r.observation)).toContainEqual(expect.objectContaining({ node: 'n2', fromIndex: 2, removed: 3, reason: 'conflict' }));
    expect(d.state('n2').commitIndex).toBe(2); // min(leaderCommit, last new entry)
    d.restart('n2'); // and the disk says the same
    expect(terms(d.state('n2').log.entries)).toEqual([1, 3, 3]);
  });

  it('keeps entries it already has and never truncates on a stale, shorter AppendEntries', () => {
    const { d } = kvCluster(ids);
    seedDisk(d, 'n2', { term: 3, log: [makeEntry(1, 1), putEntry(2, 3), putEntry(3, 3)] });
    const effects = d.step('n2', {
      type: 'message',
      from: 'n1',
      message: { type: 'appendEntries', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [putEntry(2, 3)], leaderCommit: 0, readSeq: 0 },
    });
    expect(effects.filter((e) => e.type === 'persist')).toEqual([]);
    expect(lastIndex(d.state('n2').log)).toBe(3);
    expect(effects).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ success: true, matchIndex: 2 }) }));
  });

  it('backtracks over a whole conflicting term in one round trip (fast backtracking)', () => {
    const { d } = kvCluster(ids, { maxEntriesPerMessage: 100, checkQuorum: false });
    const old = awaitLeader(d);
    d.isolate(old);
    for (let i = 1; i <= 50; i++) put(d, old, 'k', `lost${i}`, i); // never committed
    const others = ids.filter((id) => id !== old);
    const next = awaitLeader(d, others);
    for (let i = 1; i <= 10; i++) put(d, next, 'k', `kept${i}`, 100 + i);
    d.runFor(100);
    const before = d.delivered.length;
    d.heal();
    d.runFor(500);
    const rejections = d.delivered
      .slice(before)
      .filter((m) => m.from === old && m.message.type === 'appendEntriesResponse' && !m.message.success && m.message.term === d.state(next).currentTerm);
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(d.state(old).log.entries.map((e) => e.term)).toEqual(d.state(next).log.entries.map((e) => e.term));
    expect(d.state(old).sm.data).toEqual({ k: 'kept10' });
  });

  it('commits an entry of an earlier term only through one of the current term (Figure 8, §5.4.2)', () => {
    const { d } = kvCluster(ids, { preVote: false });
    seedDisk(d, 'n1', { term: 3, log: [makeEntry(1, 1), putEntry(2, 2)] });
    seedDisk(d, 'n2', { term: 3, log: [makeEntry(1, 1)] });
    d.nowMs = 1_000;
    d.step('n1', { type: 'timer', timer: 'election' });
    expect(d.state('n1').currentTerm).toBe(4);
    d.step('n1', { type: 'message', from: 'n2', message: { type: 'requestVoteResponse', term: 4, granted: true, preVote: false } });
    expect(d.state('n1').role).toBe('leader');
    expect(termAt(d.state('n1').log, 3)).toBe(4); // the no-op
    const ack = (matchIndex: number): RaftMessage<KvCommand, never, never> => ({
      type: 'appendEntriesResponse',
      term: 4,
      success: true,
      matchIndex,
      rejectedIndex: 0,
      hintIndex: 0,
      hintTerm: 0,
      readSeq: 0,
    });
    d.step('n1', { type: 'message', from: 'n2', message: ack(2) });
    expect(d.state('n1').commitIndex).toBe(0); // a majority holds entry 2, but it is of term 2
    d.step('n1', { type: 'message', from: 'n2', message: ack(3) });
    expect(d.state('n1').commitIndex).toBe(3); // the no-op of term 4 commits it, and entry 2 with it
  });
});

describe('persistence before sending', () => {
  const durableBeforeSend = (effects: readonly Effect<unknown, unknown, unknown>[]): boolean => {
    const firstSend = effects.findIndex((e) => e.type === 'send');
    if (firstSend < 0) return true;
    return !effects
      .slice(firstSend)
      .some((e) => e.type === 'persist' && (e.write.file === 'meta' || (e.write.file === 'log' && e.write.op !== 'overwrite')));
  };

  it('every step writes its term, vote and log entries before its first message (busy run with crashes)', () => {
    const { d } = kvCluster(['n1', 'n2', 'n3', 'n4', 'n5'], { snapshotEveryEntries: 7 }, 11);
    d.stepLog = [];
    for (let round = 0; round < 6; round++) {
      const leader = awaitLeader(d, d.ids().filter((id) => d.node(id).up));
      for (let i = 0; i < 10; i++) put(d, leader, `k${i % 3}`, `${round}.${i}`, round * 100 + i + 1);
      d.runFor(20 + round * 7);
      d.crash(leader);
      d.runFor(100);
      d.start(leader);
    }
    const bad = d.stepLog.filter((s) => !durableBeforeSend(s.effects));
    expect(bad).toEqual([]);
    expect(d.stepLog.length).toBeGreaterThan(500);
  });

  it('a vote is on disk before it is sent', () => {
    const { d } = kvCluster(ids);
    const effects = d.step('n2', {
      type: 'message',
      from: 'n3',
      message: { type: 'requestVote', term: 1, lastLogIndex: 0, lastLogTerm: 0, preVote: false, transfer: false },
    });
    const persistAt = effects.findIndex((e) => e.type === 'persist' && e.write.file === 'meta');
    const sendAt = effects.findIndex((e) => e.type === 'send');
    expect(persistAt).toBeGreaterThanOrEqual(0);
    expect(persistAt).toBeLessThan(sendAt);
    expect(effects[sendAt]).toMatchObject({ message: { type: 'requestVoteResponse', granted: true } });
  });

  it('a crash between persisting entries and acknowledging them keeps the entries', () => {
    const { d } = kvCluster(ids);
    const message = { type: 'appendEntries', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [makeEntry(1, 1), putEntry(2, 1)], leaderCommit: 0, readSeq: 0 } as const;
    // Crash right before the acknowledgement: everything before it happened, the ack is lost.
    const effects = d.step('n2', { type: 'message', from: 'n1', message }, (fx) => fx.findIndex((e) => e.type === 'send'));
    expect(effects.filter((e) => e.type === 'send')).toHaveLength(1);
    expect(d.node('n2').up).toBe(false);
    d.start('n2');
    expect(lastIndex(d.state('n2').log)).toBe(2);
    expect(d.state('n2').currentTerm).toBe(1);
  });
});

describe('restart from durable state', () => {
  it('rebuilds term, vote and log from disk only, and keeps every committed entry across a full-cluster crash', () => {
    const { d } = kvCluster(ids, { snapshotEveryEntries: 5 });
    const leader = awaitLeader(d);
    for (let i = 1; i <= 12; i++) put(d, leader, `k${i % 4}`, `${i}`, i);
    d.runFor(200);
    const before = Object.fromEntries(ids.map((id) => [id, { term: d.state(id).currentTerm, votedFor: d.state(id).votedFor, last: lastIndex(d.state(id).log) }]));
    const committed = d.state(leader).commitIndex;
    const data = { ...d.state(leader).sm.data };
    for (const id of ids) d.crash(id);
    for (const id of ids) d.start(id);
    for (const id of ids) {
      const s = d.state(id);
      expect({ term: s.currentTerm, votedFor: s.votedFor, last: lastIndex(s.log) }).toEqual(before[id]);
      expect(s.role).toBe('follower');
      expect(s.commitIndex).toBe(s.log.snapshotIndex); // volatile: only what the snapshot covers
    }
    const next = awaitLeader(d);
    d.runFor(200);
    expect(d.state(next).commitIndex).toBeGreaterThan(committed);
    for (const id of ids) expect(d.state(id).sm.data).toEqual(data);
    expect(leadersOf(d)).toEqual([next]);
  });
});
