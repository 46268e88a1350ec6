/**
 * One test per known bug: the same situation with the bug off and on, showing the behaviour that
 * differs. (Whether the invariant checkers catch each one in a full run is a property of the
 * scenarios, tested there.)
 */
import { describe, expect, it } from 'vitest';
import type { Effect } from '../contract/protocol.ts';
import { RAFT_BUGS, bugFlags, type RaftBugName } from './bugs.ts';
import { kvCluster, awaitLeader, makeEntry, putEntry, seedDisk, type KvDriver } from './testing.ts';
import type { KvMessage } from './client.ts';

type Msg = KvMessage;

function cluster(bug: RaftBugName | null, config: Parameters<typeof kvCluster>[1] = {}): KvDriver {
  return kvCluster(['n1', 'n2', 'n3'], { ...config, bugs: bug === null ? [] : [bug] }).d;
}

const vote = (term: number, lastLogIndex: number, lastLogTerm: number): Msg => ({ type: 'requestVote', term, lastLogIndex, lastLogTerm, preVote: false, transfer: false });

function granted(effects: readonly Effect<Msg, unknown, unknown>[]): boolean | undefined {
  for (const e of effects) if (e.type === 'send' && e.message.type === 'requestVoteResponse') return e.message.granted;
  return undefined;
}

describe('known bugs', () => {
  it('every bug has a name and a one-line description, and unknown names are refused', () => {
    for (const b of RAFT_BUGS) {
      expect(b.name).toMatch(/^[a-z-]+$/);
      expect(b.description.length).toBeGreaterThan(20);
      expect(b.description).not.toContain('\n');
    }
    expect(() => bugFlags(['no-such-bug'])).toThrow(/unknown raft bug/);
    expect(() => kvCluster(['n1'], { bugs: ['nope' as RaftBugName] })).toThrow(/unknown raft bug/);
  });

  it.each([null, 'commit-previous-term'] as const)('%s: counting replicas of an earlier term commits it', (bug) => {
    const d = cluster(bug, { preVote: false });
    seedDisk(d, 'n1', { term: 3, log: [makeEntry(1, 1), putEntry(2, 2)] });
    d.nowMs = 1_000;
    d.step('n1', { type: 'timer', timer: 'election' });
    d.step('n1', { type: 'message', from: 'n2', message: { type: 'requestVoteResponse', term: 4, granted: true, preVote: false } });
    d.step('n1', {
      type: 'message',
      from: 'n2',
      message: { type: 'appendEntriesResponse', term: 4, success: true, matchIndex: 2, rejectedIndex: 0, hintIndex: 0, hintTerm: 0, readSeq: 0 },
    });
    expect(d.state('n1').commitIndex).toBe(bug === null ? 0 : 2);
  });

  it.each([null, 'vote-without-log-check'] as const)('%s: a voter with a longer log votes for a shorter one', (bug) => {
    const d = cluster(bug);
    seedDisk(d, 'n2', { term: 1, log: [makeEntry(1, 1), putEntry(2, 1)] });
    const effects = d.step('n2', { type: 'message', from: 'n3', message: vote(2, 1, 1) });
    expect(granted(effects)).toBe(bug !== null);
  });

  it.each([null, 'votedfor-not-persisted'] as const)('%s: a node that restarts votes twice in one term', (bug) => {
    const d = cluster(bug);
    expect(granted(d.step('n2', { type: 'message', from: 'n3', message: vote(2, 0, 0) }))).toBe(true);
    d.restart('n2');
    expect(granted(d.step('n2', { type: 'message', from: 'n1', message: vote(2, 0, 0) }))).toBe(bug !== null);
  });

  it.each([null, 'no-conflict-truncation'] as const)('%s: a follower keeps a conflicting entry and acknowledges', (bug) => {
    const d = cluster(bug);
    seedDisk(d, 'n2', { term: 2, log: [makeEntry(1, 1), putEntry(2, 2)] });
    const effects = d.step('n2', {
      type: 'message',
      from: 'n1',
      message: { type: 'appendEntries', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [makeEntry(2, 3), putEntry(3, 3)], leaderCommit: 0, readSeq: 0 },
    });
    expect(d.state('n2').log.entries.map((e) => e.term)).toEqual(bug === null ? [1, 3, 3] : [1, 2, 3]);
    expect(effects).toContainEqual(expect.objectContaining({ message: expect.objectContaining({ success: true, matchIndex: 3 }) }));
  });

  it.each([null, 'ignore-higher-term'] as const)('%s: a leader hearing of a higher term keeps leading', (bug) => {
    const d = cluster(bug);
    const leader = awaitLeader(d);
    const term = d.state(leader).currentTerm;
    const other = ['n1', 'n2', 'n3'].find((id) => id !== leader) as string;
    d.step(leader, {
      type: 'message',
      from: other,
      message: { type: 'appendEntriesResponse', term: term + 3, success: false, matchIndex: 0, rejectedIndex: 0, hintIndex: 0, hintTerm: 0, readSeq: 0 },
    });
    expect(d.state(leader).role).toBe(bug === null ? 'follower' : 'leader');
    expect(d.state(leader).currentTerm).toBe(bug === null ? term + 3 : term);
  });

  it.each([null, 'reply-before-persist'] as const)('%s: a vote and an append acknowledgement go out before the disk write', (bug) => {
    const d = cluster(bug);
    // The order of sends and persists, with runs collapsed: "persist,send" or "send,persist".
    const order = (effects: readonly { type: string }[]): string =>
      effects
        .filter((e) => e.type === 'send' || e.type === 'persist')
        .map((e) => e.type)
        .filter((t, i, all) => t !== all[i - 1])
        .join(',');
    const voteEffects = d.step('n2', { type: 'message', from: 'n3', message: vote(1, 0, 0) });
    expect(order(voteEffects)).toEqual(bug === null ? 'persist,send' : 'send,persist');
    const appendEffects = d.step('n2', {
      type: 'message',
      from: 'n3',
      message: { type: 'appendEntries', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [makeEntry(1, 1)], leaderCommit: 0, readSeq: 0 },
    });
    expect(order(appendEffects)).toEqual(bug === null ? 'persist,send' : 'send,persist');
  });

  it.each([null, 'apply-before-commit'] as const)('%s: a follower applies an entry the leader has not committed', (bug) => {
    const d = cluster(bug);
    d.step('n2', {
      type: 'message',
      from: 'n1',
      message: { type: 'appendEntries', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [makeEntry(1, 1), putEntry(2, 1, 'early')], leaderCommit: 0, readSeq: 0 },
    });
    expect(d.state('n2').commitIndex).toBe(0);
    expect(d.state('n2').lastApplied).toBe(bug === null ? 0 : 2);
    expect(d.state('n2').sm.data).toEqual(bug === null ? {} : { k: 'early' });
  });

  it.each([null, 'stale-read'] as const)('%s: a deposed leader answers a read with an old value', (bug) => {
    const d = cluster(bug, { checkQuorum: false });
    const leader = awaitLeader(d);
    d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: 'old', client: 'op', seq: 1 } });
    d.runFor(50);
    d.isolate(leader);
    const next = awaitLeader(d, ['n1', 'n2', 'n3'].filter((id) => id !== leader));
    d.command(next, { type: 'propose', command: { op: 'put', key: 'k', value: 'new', client: 'op', seq: 2 } });
    d.runFor(50);
    const effects = d.step(leader, { type: 'message', from: 'c1', message: { type: 'clientRequest', opId: 1, request: { kind: 'read', query: { op: 'get', key: 'k' } } } });
    const answers = effects.filter((e) => e.type === 'send' && e.to === 'c1');
    expect(answers).toEqual(
      bug === null ? [] : [{ type: 'send', to: 'c1', message: { type: 'clientResponse', opId: 1, outcome: { status: 'ok', result: { type: 'value', value: 'old' } } } }],
    );
  });
});
