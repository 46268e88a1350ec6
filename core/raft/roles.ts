/**
 * Role changes: the only places that assign `role` (and `currentTerm`), each asserting that the
 * transition is legal, as etcd's raft.go does.
 *
 *   follower, preCandidate, candidate  ->  preCandidate, candidate   (election timeout, TimeoutNow)
 *   preCandidate                       ->  candidate                 (pre-vote won)
 *   candidate                          ->  leader                    (vote won)
 *   any                                ->  follower                  (newer term, lost vote, leader found, CheckQuorum, removed)
 */
import { assert } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { cover, isVoter, leaderOf, mayCampaign, newProgress, observe, reply, send, type Step } from './context.ts';
import { requestVotes, tallyVotes } from './election.ts';
import { lastIndex } from './log.ts';
import { appendAsLeader, replicate } from './replication.ts';
import { persistMeta } from './restart.ts';
import { ELECTION_TIMER, HEARTBEAT_TIMER, redrawElectionTimeout, resetElectionTimer } from './timers.ts';

export function becomeFollower<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, term: number, leaderId: NodeId | null): void {
  const s = c.s;
  assert(term >= s.currentTerm, `raft ${s.self}: follower of term ${term} < current ${s.currentTerm}`);
  if (term > s.currentTerm) enterTerm(c, term, null);
  if (s.role === 'leader') stepDown(c);
  s.role = 'follower';
  s.leaderId = leaderId;
  s.votesGranted = [];
  s.votesRejected = [];
  // Fig. 2 Followers: the election timer restarts on AppendEntries from the current leader, on
  // granting a vote and on starting an election, not on learning a newer term: a voter that
  // refuses a candidate with an older log keeps its timer (thesis ch. 9, "What happens when logs
  // differ?"), so a candidate that cannot win does not hold back those that can. A leader that
  // steps down has no election timer running: it gets a fresh one.
  if (s.electionTimerDueMs === null) {
    redrawElectionTimeout(c);
    resetElectionTimer(c);
  }
  observe(c, { kind: 'becameFollower', node: s.self, term: s.currentTerm, leaderId });
}

export function becomePreCandidate<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  assert(s.role !== 'leader', `raft ${s.self}: leader -> preCandidate`);
  assert(mayCampaign(s), `raft ${s.self}: campaigns without being a member`);
  s.role = 'preCandidate';
  s.leaderId = null;
  s.votesGranted = isVoter(s, s.self) ? [s.self] : [];
  s.votesRejected = [];
  redrawElectionTimeout(c);
  resetElectionTimer(c);
  observe(c, { kind: 'becamePreCandidate', node: s.self, term: s.currentTerm });
  if (tallyVotes(c)) return;
  // Thesis §9.6: ask for votes in the next term without incrementing ours.
  requestVotes(c, s.currentTerm + 1, true, false);
}

/** `transfer`: campaigning on the leader's TimeoutNow, so voters disregard their lease (thesis §3.10). */
export function becomeCandidate<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, transfer: boolean): void {
  const s = c.s;
  assert(s.role !== 'leader', `raft ${s.self}: leader -> candidate`);
  assert(mayCampaign(s), `raft ${s.self}: campaigns without being a member`);
  // Fig. 2 Candidates: on conversion to candidate, increment currentTerm, vote for self, reset the
  // election timer, send RequestVote to all other servers. Term and vote are on disk first.
  enterTerm(c, s.currentTerm + 1, s.self);
  s.role = 'candidate';
  s.leaderId = null;
  s.transferCampaign = transfer;
  s.votesGranted = isVoter(s, s.self) ? [s.self] : [];
  s.votesRejected = [];
  redrawElectionTimeout(c);
  resetElectionTimer(c);
  observe(c, { kind: 'becameCandidate', node: s.self, term: s.currentTerm });
  if (tallyVotes(c)) return;
  requestVotes(c, s.currentTerm, false, transfer);
}

export function becomeLeader<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  assert(s.role === 'candidate', `raft ${s.self}: ${s.role} -> leader`);
  assert(s.votedFor === s.self, `raft ${s.self}: leads term ${s.currentTerm} without its own vote (votedFor ${s.votedFor})`);
  assert(s.leader === null, `raft ${s.self}: a candidate with leader state`);
  s.role = 'leader';
  s.leaderId = s.self;
  s.votesGranted = [];
  s.votesRejected = [];
  c.fx.push({ type: 'cancelTimer', timer: ELECTION_TIMER });
  s.electionTimerDueMs = null;
  const next = lastIndex(s.log) + 1;
  // Fig. 2 Leaders: nextIndex = leader's last log index + 1, matchIndex = 0 for every server.
  s.leader = {
    progress: s.membership.voters.filter((v) => v !== s.self).map((v) => newProgress(v, next)),
    termStartIndex: next,
    readSeq: 0,
    pendingReads: [],
    pendingWrites: [],
    pendingConfig: null,
    transfer: null,
    lastQuorumCheckMs: c.env.nowMs,
  };
  observe(c, { kind: 'becameLeader', node: s.self, term: s.currentTerm, lastIndex: next - 1 });
  // Thesis §3.10: the point of a transfer is that its target wins (voters waive their lease for it).
  if (s.transferCampaign) cover(c, 'raft/transfer-won');
  // Thesis §6.4 and the single-server membership fix: commit a no-op of the new term first.
  appendAsLeader(c, { type: 'noop' });
  c.fx.push({ type: 'setTimer', timer: HEARTBEAT_TIMER, afterMs: c.opts.heartbeatIntervalMs });
  replicate(c);
}

/**
 * A newer term, with the vote cast in it (null: none yet), on disk before anything that depends
 * on it (Fig. 2 "Persistent state on all servers"). Terms only grow, and a vote never outlives
 * the term it was cast in.
 */
function enterTerm<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, term: number, votedFor: NodeId | null): void {
  const s = c.s;
  assert(term > s.currentTerm, `raft ${s.self}: term ${term} after ${s.currentTerm}`);
  s.currentTerm = term;
  s.votedFor = votedFor;
  persistMeta(c);
}

/** Leader-only cleanup when leaving the role. Client writes in flight are dropped: clients retry with the same sequence number. */
function stepDown<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const l = leaderOf(c);
  cover(c, 'raft/leader-stepped-down');
  c.fx.push({ type: 'cancelTimer', timer: HEARTBEAT_TIMER });
  for (const r of l.pendingReads) {
    send(c, r.node, { type: 'clientResponse', opId: r.opId, outcome: { status: 'notLeader', leaderHint: null } });
  }
  for (const w of l.pendingWrites) {
    if (w.origin.kind === 'operator') reply(c, w.origin.commandId, { type: 'rejected', reason: 'leadership lost; outcome unknown' });
  }
  if (l.pendingConfig !== null) reply(c, l.pendingConfig.commandId, { type: 'rejected', reason: 'leadership lost; outcome unknown' });
  if (l.transfer !== null && !l.transfer.timeoutNowSent) reply(c, l.transfer.commandId, { type: 'rejected', reason: 'leadership lost' });
  s.leader = null;
}
