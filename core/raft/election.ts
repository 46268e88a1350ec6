/**
 * Elections: asking for votes and pre-votes, granting them, counting them, and the leader lease
 * that keeps a server that cannot reach the leader from deposing it.
 */
import { assert, assertNever } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { cover, isVoter, send, sendAck, type Step } from './context.ts';
import { isUpToDate, lastIndex, lastTerm, sortedIds } from './log.ts';
import { voteOutcome } from './quorum.ts';
import { persistMeta } from './restart.ts';
import { becomeCandidate, becomeFollower, becomeLeader } from './roles.ts';
import { resetElectionTimer } from './timers.ts';
import type { PeerMessage, RaftMessage } from './types.ts';

type RequestVote<Cmd, Query, Result> = Extract<PeerMessage<Cmd, Query, Result>, { type: 'requestVote' }>;
type RequestVoteResponse<Cmd, Query, Result> = Extract<PeerMessage<Cmd, Query, Result>, { type: 'requestVoteResponse' }>;

export function requestVotes<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, term: number, preVote: boolean, transfer: boolean): void {
  const s = c.s;
  const request: RaftMessage<Cmd, Query, Result> = {
    type: 'requestVote',
    term,
    lastLogIndex: lastIndex(s.log),
    lastLogTerm: lastTerm(s.log),
    preVote,
    transfer,
  };
  for (const v of s.membership.voters) if (v !== s.self) send(c, v, request);
}

/** Act on the votes so far; true when the role changed. */
export function tallyVotes<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): boolean {
  const s = c.s;
  const outcome = voteOutcome(s.votesGranted.length, s.votesRejected.length, s.membership.voters.length);
  switch (outcome) {
    case 'won':
      // Fig. 2 Candidates: if votes received from a majority of servers, become leader.
      if (s.role === 'preCandidate') becomeCandidate(c, false);
      else becomeLeader(c);
      return true;
    case 'lost':
      becomeFollower(c, s.currentTerm, null);
      return true;
    case 'pending':
      return false;
    default:
      return assertNever(outcome, 'vote outcome');
  }
}

/**
 * §4.2.3 and §9.6: a server that heard from a live leader within the minimum election timeout
 * disregards vote and pre-vote requests, so a partitioned or removed server cannot depose a
 * working leader. (A leader is its own live leader; without CheckQuorum it leaves office when a
 * newer leader's AppendEntries reaches it.)
 */
export function inLease<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): boolean {
  const s = c.s;
  if (s.leaderId === null) return false;
  if (s.role === 'leader') return true;
  return s.lastLeaderContactMs !== null && c.env.nowMs - s.lastLeaderContactMs < c.opts.electionTimeoutMinMs;
}

export function handleRequestVote<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: RequestVote<Cmd, Query, Result>): void {
  const s = c.s;
  const upToDate =
    c.bugs.voteWithoutLogCheck ||
    // §5.4.1: the candidate's log must be at least as up-to-date as the voter's.
    isUpToDate({ lastIndex: m.lastLogIndex, lastTerm: m.lastLogTerm }, { lastIndex: lastIndex(s.log), lastTerm: lastTerm(s.log) });
  if (!upToDate) cover(c, 'raft/vote-refused-stale-log');
  if (m.preVote) {
    // Thesis §9.6: grant a pre-vote for a later term to an up-to-date candidate; a leader never does.
    const granted = m.term > s.currentTerm && upToDate && s.role !== 'leader';
    if (!granted) cover(c, 'raft/prevote-refused');
    sendAck(c, from, { type: 'requestVoteResponse', term: granted ? m.term : s.currentTerm, granted, preVote: true });
    return;
  }
  // Fig. 2 RequestVote receiver 2: if votedFor is null or candidateId, and the candidate's log is
  // at least as up-to-date as the receiver's log, grant the vote. (Receiver 1 ran on arrival.)
  const granted = (s.votedFor === null || s.votedFor === from) && upToDate;
  if (s.votedFor !== null && s.votedFor !== from) cover(c, 'raft/vote-refused-already-voted');
  if (granted && s.votedFor !== from) {
    // A vote is cast in the voter's current term only: normalisation made the request's term ours.
    assert(m.term === s.currentTerm, `raft ${s.self}: votes in term ${m.term} while in term ${s.currentTerm}`);
    s.votedFor = from;
    persistMeta(c);
  }
  // Fig. 2 Followers: granting a vote resets the election timer.
  if (granted) resetElectionTimer(c);
  sendAck(c, from, { type: 'requestVoteResponse', term: s.currentTerm, granted, preVote: false });
}

export function onVoteResponse<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: RequestVoteResponse<Cmd, Query, Result>): void {
  const s = c.s;
  if (m.preVote !== (s.role === 'preCandidate')) return; // answers the other kind of request
  if (m.preVote && m.granted && m.term !== s.currentTerm + 1) return; // a pre-vote from an earlier term
  if (!isVoter(s, from) || s.votesGranted.includes(from) || s.votesRejected.includes(from)) return;
  if (m.granted) s.votesGranted = sortedIds([...s.votesGranted, from]);
  else s.votesRejected = sortedIds([...s.votesRejected, from]);
  tallyVotes(c);
}
