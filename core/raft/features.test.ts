import { describe, expect, it } from 'vitest';
import { awaitLeader, kvCluster, leadersOf, type KvDriver } from './testing.ts';
import { lastIndex } from './log.ts';
import { createKvRaftProtocol } from './index.ts';
import type { KvCommand } from './kv.ts';
import type { RaftMessage } from './types.ts';

const ids = ['n1', 'n2', 'n3'];

function put(d: KvDriver, at: string, key: string, value: string, seq: number): number {
  return d.command(at, { type: 'propose', command: { op: 'put', key, value, client: 'op', seq } });
}

/** A client request delivered by hand; returns the responses the node sent back (now or later) to 'c1'. */
function clientRequest(d: KvDriver, to: string, opId: number, request: Extract<RaftMessage<KvCommand, { op: 'get'; key: string }, never>, { type: 'clientRequest' }>['request']): void {
  d.step(to, { type: 'message', from: 'c1', message: { type: 'clientRequest', opId, request } });
}

function responsesTo(d: KvDriver, opId: number): unknown[] {
  return d.delivered.filter((m) => m.to === 'c1' && m.message.type === 'clientResponse' && m.message.opId === opId).map((m) => m.message);
}

describe('snapshots and log compaction', () => {
  it('compacts the log every N applied entries, on disk too', () => {
    const { d } = kvCluster(ids, { snapshotEveryEntries: 5 });
    const leader = awaitLeader(d);
    for (let i = 1; i <= 12; i++) put(d, leader, 'k', `${i}`, i);
    d.runFor(200);
    for (const id of ids) {
      const s = d.state(id);
      expect(s.log.snapshotIndex).toBeGreaterThanOrEqual(10);
      expect(s.snapshot?.index).toBe(s.log.snapshotIndex);
      expect(d.node(id).disk['log']).toHaveLength(s.log.entries.length);
      expect(d.node(id).disk['snapshot']).toHaveLength(1);
    }
    for (const id of ids) expect(d.observed('snapshotTaken').some((r) => r.node === id)).toBe(true);
  });

  it('sends InstallSnapshot to a follower that needs compacted entries', () => {
    const { d } = kvCluster(ids, { snapshotEveryEntries: 5 });
    const leader = awaitLeader(d);
    const lagging = ids.find((id) => id !== leader) as string;
    d.isolate(lagging);
    for (let i = 1; i <= 20; i++) put(d, leader, `k${i % 3}`, `${i}`, i);
    d.runFor(200);
    expect(d.state(leader).log.snapshotIndex).toBeGreaterThan(lastIndex(d.state(lagging).log));
    d.heal();
    d.runFor(300);
    expect(d.observed('snapshotInstalled').map((r) => r.node)).toContain(lagging);
    expect(d.state(lagging).sm).toEqual(d.state(leader).sm);
    expect(d.state(lagging).lastApplied).toBe(d.state(leader).lastApplied);
    d.restart(lagging); // and it comes back from its own snapshot
    expect(d.state(lagging).log.snapshotIndex).toBeGreaterThan(0);
    expect(d.state(lagging).sm.data).toEqual(d.state(leader).sm.data);
  });
});

describe('membership changes (thesis §4.1)', () => {
  it('adds a server: it catches up, counts in the quorum, and every node sees the new configuration', () => {
    const protocol = createKvRaftProtocol({ voters: ids });
    const { d } = kvCluster(ids);
    d.add('n4', protocol);
    const leader = awaitLeader(d, ids);
    put(d, leader, 'k', 'before', 1);
    d.runFor(500);
    expect(d.state('n4').role).toBe('follower'); // not a member: never campaigns
    expect(d.observed('becamePreCandidate').some((r) => r.node === 'n4')).toBe(false);
    const id = d.command(leader, { type: 'addServer', node: 'n4' });
    d.runFor(200);
    expect(d.replyTo(id)).toMatchObject({ type: 'ok' });
    for (const n of [...ids, 'n4']) expect(d.state(n).membership.voters).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(d.state('n4').sm.data).toEqual({ k: 'before' });
    // With four voters a majority is three: two nodes down stop commits.
    const others = ids.filter((n) => n !== leader);
    d.crash(others[0] as string);
    d.crash(others[1] as string);
    const stuck = put(d, leader, 'k', 'after', 2);
    d.runFor(100);
    expect(d.replyTo(stuck)).toBeUndefined();
  });

  it('removes a follower, which then stops counting and stops campaigning', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const removed = ids.find((n) => n !== leader) as string;
    const id = d.command(leader, { type: 'removeServer', node: removed });
    d.runFor(200);
    expect(d.replyTo(id)).toMatchObject({ type: 'ok' });
    expect(d.state(leader).membership.voters).toEqual(ids.filter((n) => n !== removed));
    expect(d.state(removed).membership.voters).not.toContain(removed);
    const term = d.state(leader).currentTerm;
    d.runFor(2_000);
    expect(d.state(leader).currentTerm).toBe(term);
    expect(leadersOf(d)).toEqual([leader]);
  });

  it('a leader that removes itself steps down once the change commits; the rest elect a leader', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const id = d.command(leader, { type: 'removeServer', node: leader });
    d.runFor(100);
    expect(d.replyTo(id)).toMatchObject({ type: 'ok' });
    expect(d.state(leader).role).toBe('follower');
    const rest = ids.filter((n) => n !== leader);
    const next = awaitLeader(d, rest);
    put(d, next, 'k', 'v', 1);
    d.runFor(100);
    expect(d.state(next).sm.data).toEqual({ k: 'v' });
  });

  it('runs one change at a time, and none before the new term has committed its no-op', () => {
    const { d } = kvCluster(ids, { preVote: false });
    const leader = awaitLeader(d);
    const first = d.command(leader, { type: 'addServer', node: 'n4' });
    const second = d.command(leader, { type: 'removeServer', node: 'n3' });
    expect(d.replyTo(second)).toEqual({ type: 'rejected', reason: 'a membership change is in progress' });
    expect(d.replyTo(first)).toBeUndefined();
    // A fresh leader whose no-op is not yet committed refuses too.
    const { d: e } = kvCluster(ids, { preVote: false });
    e.nowMs = 1_000;
    e.step('n1', { type: 'timer', timer: 'election' });
    e.step('n1', { type: 'message', from: 'n2', message: { type: 'requestVoteResponse', term: 1, granted: true, preVote: false } });
    expect(e.state('n1').role).toBe('leader');
    const early = e.command('n1', { type: 'addServer', node: 'n4' });
    expect(e.replyTo(early)).toEqual({ type: 'rejected', reason: 'no entry of the current term is committed yet' });
  });

  it('a config entry takes effect when appended and is undone when truncated', () => {
    const { d } = kvCluster(ids, { checkQuorum: false });
    const leader = awaitLeader(d);
    d.isolate(leader);
    d.command(leader, { type: 'addServer', node: 'n4' });
    expect(d.state(leader).membership.voters).toContain('n4'); // appended, not committed
    const rest = ids.filter((n) => n !== leader);
    const next = awaitLeader(d, rest);
    put(d, next, 'k', 'v', 1);
    d.runFor(50);
    d.heal();
    d.runFor(500);
    expect(d.state(leader).membership.voters).toEqual(ids);
    expect(d.observed('truncated').some((r) => r.node === leader && r.observation.reason === 'conflict')).toBe(true);
  });
});

describe('ReadIndex reads (thesis §6.4)', () => {
  it('serves a read after a heartbeat round confirms leadership and the read index is applied', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    put(d, leader, 'k', 'v1', 1);
    d.runFor(50);
    clientRequest(d, leader, 7, { kind: 'read', query: { op: 'get', key: 'k' } });
    expect(responsesTo(d, 7)).toEqual([]); // not before the round
    expect(d.state(leader).leader?.pendingReads).toHaveLength(1);
    d.runFor(10);
    expect(responsesTo(d, 7)).toEqual([{ type: 'clientResponse', opId: 7, outcome: { status: 'ok', result: { type: 'value', value: 'v1' } } }]);
  });

  it('a deposed leader cut off from the majority never serves a read', () => {
    const { d } = kvCluster(ids, { checkQuorum: false });
    const leader = awaitLeader(d);
    put(d, leader, 'k', 'old', 1);
    d.runFor(50);
    d.isolate(leader);
    const next = awaitLeader(d, ids.filter((n) => n !== leader));
    put(d, next, 'k', 'new', 2);
    d.runFor(50);
    clientRequest(d, leader, 8, { kind: 'read', query: { op: 'get', key: 'k' } });
    d.runFor(1_000);
    expect(responsesTo(d, 8)).toEqual([]);
    expect(d.state(leader).role).toBe('leader'); // it still thinks it leads
  });

  it('a follower refuses reads and writes with a hint to the leader', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const follower = ids.find((n) => n !== leader) as string;
    clientRequest(d, follower, 9, { kind: 'read', query: { op: 'get', key: 'k' } });
    d.runFor(5);
    expect(responsesTo(d, 9)).toEqual([{ type: 'clientResponse', opId: 9, outcome: { status: 'notLeader', leaderHint: leader } }]);
  });
});

describe('client sessions through Raft', () => {
  it('a retried write is appended twice but executed once', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const append = { kind: 'write', command: { op: 'append', key: 'k', value: 'x', client: 'c1', seq: 1 } } as const;
    clientRequest(d, leader, 1, append);
    clientRequest(d, leader, 1, append); // the client timed out and retried
    d.runFor(50);
    expect(d.state(leader).sm.data).toEqual({ k: 'x' });
    expect(d.state(leader).log.entries.filter((e) => e.data.type === 'command')).toHaveLength(2);
    expect(responsesTo(d, 1)).toEqual([
      { type: 'clientResponse', opId: 1, outcome: { status: 'ok', result: { type: 'written' } } },
      { type: 'clientResponse', opId: 1, outcome: { status: 'ok', result: { type: 'written' } } },
    ]);
  });
});
