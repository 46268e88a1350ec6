import { describe, expect, it } from 'vitest';
import { awaitLeader, kvCluster, leadersOf, makeEntry, putEntry, seedDisk } from './testing.ts';
import { ELECTION_TIMER } from './node.ts';

const ids = ['n1', 'n2', 'n3'];

describe('leader election', () => {
  it('elects one leader that every follower recognises, with randomized timeouts in the configured range', () => {
    const { d } = kvCluster(ids);
    const timeouts = ids.map((id) => d.state(id).electionTimeoutMs);
    for (const t of timeouts) expect(t).toBeGreaterThanOrEqual(150), expect(t).toBeLessThanOrEqual(300);
    expect(new Set(timeouts).size).toBeGreaterThan(1); // one PRNG stream per node: no lockstep
    const leader = awaitLeader(d);
    d.runFor(500);
    expect(leadersOf(d)).toEqual([leader]);
    for (const id of ids) {
      expect(d.state(id).currentTerm).toBe(d.state(leader).currentTerm);
      expect(d.state(id).leaderId).toBe(leader);
    }
  });

  it('never has two leaders in one term, over many seeds and crashes', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { d } = kvCluster(['n1', 'n2', 'n3', 'n4', 'n5'], {}, seed);
      for (let round = 0; round < 4; round++) {
        const leader = awaitLeader(d, d.ids().filter((id) => d.node(id).up));
        d.crash(leader);
        d.runFor(50);
        d.start(leader);
      }
      const byTerm = new Map<number, string>();
      for (const r of d.observed('becameLeader')) {
        const other = byTerm.get(r.observation.term);
        expect(other === undefined || other === r.node, `two leaders in term ${r.observation.term}`).toBe(true);
        byTerm.set(r.observation.term, r.node);
      }
    }
  });

  it('every follower reports the first time it hears from the new leader of its term', () => {
    const { d } = kvCluster(ids, { preVote: false });
    const leader = awaitLeader(d);
    d.runFor(100);
    const term = d.state(leader).currentTerm;
    for (const id of ids.filter((x) => x !== leader)) {
      const heard =
        d.observed('leaderContact').some((r) => r.node === id && r.observation.term === term && r.observation.leaderId === leader) ||
        d.observed('becameFollower').some((r) => r.node === id && r.observation.term === term && r.observation.leaderId === leader);
      expect(heard, id).toBe(true);
    }
    expect(d.observed('leaderContact').filter((r) => r.observation.term === term)).toHaveLength(new Set(d.observed('leaderContact').filter((r) => r.observation.term === term).map((r) => r.node)).size);
  });

  it('a single-node cluster elects itself at once', () => {
    const { d } = kvCluster(['n1']);
    expect(awaitLeader(d)).toBe('n1');
  });

  it('arms the election timer lazily: heartbeats move the deadline without re-arming', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const follower = ids.find((id) => id !== leader) as string;
    const before = d.state(follower).electionDeadlineMs;
    const effects = d.step(follower, {
      type: 'message',
      from: leader,
      message: { type: 'appendEntries', term: d.state(leader).currentTerm, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, readSeq: 0 },
    });
    expect(d.state(follower).electionDeadlineMs).toBeGreaterThanOrEqual(before);
    expect(effects.filter((e) => e.type === 'setTimer' && e.timer === ELECTION_TIMER)).toEqual([]);
  });
});

describe('the election timer (Fig. 2 Followers)', () => {
  const vote = (term: number, lastLogIndex: number, lastLogTerm: number) =>
    ({ type: 'requestVote', term, lastLogIndex, lastLogTerm, preVote: false, transfer: false }) as const;

  it('a voter that refuses an out-of-date candidate of a newer term takes the term but keeps its deadline', () => {
    const { d } = kvCluster(ids, { preVote: false });
    seedDisk(d, 'n2', { term: 2, log: [makeEntry(1, 1), putEntry(2, 2)] });
    d.nowMs = 100;
    const before = d.state('n2').electionDeadlineMs;
    const effects = d.step('n2', { type: 'message', from: 'n3', message: vote(5, 1, 1) });
    expect(d.state('n2').currentTerm).toBe(5);
    expect(d.state('n2').electionDeadlineMs).toBe(before);
    expect(effects).toContainEqual({ type: 'send', to: 'n3', message: { type: 'requestVoteResponse', term: 5, granted: false, preVote: false } });
  });

  it('granting a vote restarts the timer', () => {
    const { d } = kvCluster(ids, { preVote: false });
    d.nowMs = 100;
    const before = d.state('n2').electionDeadlineMs;
    d.step('n2', { type: 'message', from: 'n3', message: vote(5, 0, 0) });
    expect(d.state('n2').votedFor).toBe('n3');
    expect(d.state('n2').electionDeadlineMs).toBeGreaterThan(before);
  });

  it('a leader that steps down gets an election timer again', () => {
    const { d } = kvCluster(ids, { preVote: false });
    const leader = awaitLeader(d);
    expect(d.state(leader).electionTimerDueMs).toBeNull();
    const other = ids.find((id) => id !== leader) as string;
    const effects = d.step(leader, {
      type: 'message',
      from: other,
      message: { type: 'appendEntriesResponse', term: d.state(leader).currentTerm + 1, success: false, matchIndex: 0, rejectedIndex: 0, hintIndex: 0, hintTerm: 0, readSeq: 0 },
    });
    expect(d.state(leader).role).toBe('follower');
    expect(effects.some((e) => e.type === 'setTimer' && e.timer === ELECTION_TIMER)).toBe(true);
  });
});

describe('pre-vote (thesis §9.6)', () => {
  it('an isolated follower does not raise its term, and does not depose the leader when it returns', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const term = d.state(leader).currentTerm;
    const loner = ids.find((id) => id !== leader) as string;
    d.isolate(loner);
    d.runFor(2_000);
    expect(d.state(loner).currentTerm).toBe(term);
    expect(d.observed('becamePreCandidate').some((r) => r.node === loner)).toBe(true);
    d.heal();
    d.runFor(1_000);
    expect(leadersOf(d)).toEqual([leader]);
    expect(d.state(leader).currentTerm).toBe(term);
  });

  it('without pre-vote the returning follower forces a new election', () => {
    const { d } = kvCluster(ids, { preVote: false, checkQuorum: false });
    const leader = awaitLeader(d);
    const term = d.state(leader).currentTerm;
    const loner = ids.find((id) => id !== leader) as string;
    d.isolate(loner);
    d.runFor(2_000);
    expect(d.state(loner).currentTerm).toBeGreaterThan(term + 2);
    d.heal();
    awaitLeader(d);
    d.runFor(1_000);
    expect(d.state(leadersOf(d)[0] as string).currentTerm).toBeGreaterThan(term);
  });
});

describe('CheckQuorum (thesis §6.2)', () => {
  it('an isolated leader steps down within about an election timeout; the others elect a new one', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const isolatedAt = d.nowMs;
    d.isolate(leader);
    expect(d.runUntil(() => d.state(leader).role !== 'leader', 1_000)).toBe(true);
    expect(d.nowMs - isolatedAt).toBeLessThanOrEqual(2 * 150 + 50);
    const others = ids.filter((id) => id !== leader);
    const next = awaitLeader(d, others);
    expect(next).not.toBe(leader);
  });

  it('without CheckQuorum the isolated leader keeps believing it leads', () => {
    const { d } = kvCluster(ids, { checkQuorum: false });
    const leader = awaitLeader(d);
    d.isolate(leader);
    d.runFor(2_000);
    expect(d.state(leader).role).toBe('leader');
  });

  it('followers that hear from a live leader ignore vote requests (leader lease, §4.2.3)', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const follower = ids.find((id) => id !== leader) as string;
    const other = ids.find((id) => id !== leader && id !== follower) as string;
    const term = d.state(follower).currentTerm;
    const effects = d.step(follower, {
      type: 'message',
      from: other,
      message: { type: 'requestVote', term: term + 5, lastLogIndex: 100, lastLogTerm: term + 4, preVote: false, transfer: false },
    });
    expect(effects).toEqual([{ type: 'cover', event: 'raft/vote-ignored-in-lease' }]);
    expect(d.coverage.get('raft/vote-ignored-in-lease')).toBe(1);
    expect(d.state(follower).currentTerm).toBe(term);
  });
});

describe('leadership transfer (thesis §3.10)', () => {
  it('hands leadership to an up-to-date target, which wins the next term', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const term = d.state(leader).currentTerm;
    const target = ids.find((id) => id !== leader) as string;
    for (let i = 0; i < 3; i++) d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: `${i}`, client: 'op', seq: i + 1 } });
    const id = d.command(leader, { type: 'transferLeadership', to: target });
    expect(d.runUntil(() => leadersOf(d)[0] === target && d.state(target).currentTerm > term, 1_000)).toBe(true);
    expect(d.replyTo(id)).toMatchObject({ type: 'ok' });
    expect(d.state(target).currentTerm).toBe(term + 1);
  });

  it('refuses client writes while the transfer runs, and gives up if the target never catches up', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const target = ids.find((id) => id !== leader) as string;
    d.isolate(target);
    d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: 'v', client: 'op', seq: 1 } });
    d.runFor(10); // committed by the other two; the target is behind
    const id = d.command(leader, { type: 'transferLeadership', to: target });
    const refused = d.step(leader, {
      type: 'message',
      from: 'c1',
      message: { type: 'clientRequest', opId: 1, request: { kind: 'write', command: { op: 'put', key: 'k', value: 'v', client: 'c1', seq: 1 } } },
    });
    expect(refused).toContainEqual({ type: 'send', to: 'c1', message: { type: 'clientResponse', opId: 1, outcome: { status: 'notLeader', leaderHint: null } } });
    d.runFor(400);
    expect(d.replyTo(id)).toEqual({ type: 'rejected', reason: 'leadership transfer timed out' });
    expect(d.state(leader).role).toBe('leader');
  });

  it('refuses a target that is not a voter', () => {
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const id = d.command(leader, { type: 'transferLeadership', to: 'n9' });
    expect(d.replyTo(id)).toEqual({ type: 'rejected', reason: 'n9 is not a voter' });
  });
});
