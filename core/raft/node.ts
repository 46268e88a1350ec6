/**
 * Raft (Ongaro & Ousterhout 2014, and Ongaro's thesis) as a pure step function, generic over the
 * state machine it replicates.
 *
 *   step(state, input, env) -> { state, effects }
 *
 * Covered: leader election with randomized timeouts, PreVote and CheckQuorum (thesis §9.6),
 * the leader lease on votes (§4.2.3), log replication with fast backtracking, the commit rule of
 * Figure 8, snapshots with log compaction and InstallSnapshot, single-server membership changes
 * (thesis §4.1, with the no-op fix), leadership transfer (§3.10) and ReadIndex reads (§6.4).
 *
 * Effect order is the durability contract: every `persist` comes before the `send` or `reply` that
 * depends on it (a vote after the vote is on disk, an AppendEntries acknowledgement after the entries,
 * a leader's AppendEntries after its own copy), so the kernel may crash the node between any two
 * effects. The only exception is the 'reply-before-persist' bug, which breaks exactly this rule.
 *
 * A step mutates the state it is given and returns it: the caller treats the old state as consumed.
 * The log is never copied as a whole on the hot path.
 *
 * This file is the step itself: dispatch by input, and for a peer's message the term rules of
 * Fig. 2 "All Servers" first, then dispatch by role. The rules are functions over the step context
 * (context.ts), one file per part of the protocol:
 *
 *   roles.ts        the only role changes: becomeFollower, becomePreCandidate, becomeCandidate, becomeLeader
 *   timers.ts       the election timer, the leader's heartbeat and CheckQuorum
 *   election.ts     RequestVote and PreVote, counting votes, the leader lease
 *   replication.ts  AppendEntries: the receiver's rules and the leader's sending
 *   commit.ts       the commit rule (Figure 8) and applying entries
 *   snapshot.ts     compaction and InstallSnapshot
 *   membership.ts   single-server membership changes
 *   reads.ts        ReadIndex
 *   requests.ts     client requests and operator commands
 *   transfer.ts     leadership transfer
 *   restart.ts      the persisted term and vote, and a start from disk
 *   options.ts      defaults and option checks
 */
import { AssertionFailed, assertNever } from '../contract/assert.ts';
import type { Env, Input, NodeId, Protocol, StepResult } from '../contract/protocol.ts';
import { bugFlags } from './bugs.ts';
import { cover, initialState, isVoter, observe, send, type RaftSetup, type Step } from './context.ts';
import { handleRequestVote, inLease, onVoteResponse } from './election.ts';
import { resolveRaftOptions } from './options.ts';
import { handleAppendEntries, onAppendResponse } from './replication.ts';
import { onClientRequest, onCommand } from './requests.ts';
import { onStart } from './restart.ts';
import { becomeCandidate, becomeFollower } from './roles.ts';
import { handleInstallSnapshot } from './snapshot.ts';
import { onTimer, resetElectionTimer, type RaftTimer } from './timers.ts';
import { describeRaftMessage, raftLanes } from './lanes.ts';
import type { PeerMessage, RaftCommand, RaftConfig, RaftMessage, RaftObservation, RaftReply, RaftState, StateMachine } from './types.ts';

// Where these names were defined before the rules moved out of this file; importers keep working.
export { RAFT_DEFAULTS, resolveRaftOptions } from './options.ts';
export { ELECTION_TIMER, HEARTBEAT_TIMER, isRaftTimer, type RaftTimer } from './timers.ts';

export type RaftProtocol<SM, Cmd, Query, Result> = Protocol<
  RaftState<SM, Cmd, Query>,
  RaftMessage<Cmd, Query, Result>,
  RaftCommand<Cmd>,
  RaftReply<Result>,
  RaftObservation,
  RaftTimer
>;

export type RaftInput<Cmd, Query, Result> = Input<RaftMessage<Cmd, Query, Result>, RaftCommand<Cmd>, RaftTimer>;

/** A Raft server replicating `sm`. One protocol object serves every server of a cluster. */
export function createRaftProtocol<SM, Cmd, Query, Result>(
  sm: StateMachine<SM, Cmd, Query, Result>,
  config: RaftConfig,
): RaftProtocol<SM, Cmd, Query, Result> {
  const opts = resolveRaftOptions(config);
  const setup: RaftSetup<SM, Cmd, Query, Result> = { machine: sm, opts, bugs: bugFlags(opts.bugs), bootstrap: { voters: opts.voters, index: 0 } };
  return {
    name: `raft-${sm.name}`,
    init: (self) => initialState(setup, self),
    step: (state, input, env) => stepRaft(setup, state, input, env),
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => raftLanes(state),
    describeMessage: (message) => describeRaftMessage(message),
  };
}

function stepRaft<SM, Cmd, Query, Result>(
  setup: RaftSetup<SM, Cmd, Query, Result>,
  state: RaftState<SM, Cmd, Query>,
  input: RaftInput<Cmd, Query, Result>,
  env: Env,
): StepResult<RaftState<SM, Cmd, Query>, RaftMessage<Cmd, Query, Result>, RaftReply<Result>, RaftObservation, RaftTimer> {
  const c: Step<SM, Cmd, Query, Result> = { machine: setup.machine, opts: setup.opts, bugs: setup.bugs, bootstrap: setup.bootstrap, s: state, env, fx: [] };
  // Hot path: the message is built only when the check fails.
  if (input.type !== 'start' && !state.started) throw new AssertionFailed(`raft ${state.self}: ${input.type} before start`);
  switch (input.type) {
    case 'start':
      onStart(c, input.durable);
      break;
    case 'timer':
      onTimer(c, input.timer);
      break;
    case 'message':
      onMessage(c, input.from, input.message);
      break;
    case 'command':
      onCommand(c, input.commandId, input.command);
      break;
    default:
      assertNever(input, 'input');
  }
  return { state: c.s, effects: c.fx };
}

// ---------------------------------------------------------------------------------------------
// Messages: normalize (term rules of Fig. 2 "All Servers"), then dispatch by role

function onMessage<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: RaftMessage<Cmd, Query, Result>): void {
  switch (m.type) {
    case 'clientRequest':
      onClientRequest(c, from, m);
      return;
    case 'clientResponse':
      throw new AssertionFailed(`raft server ${c.s.self} got a client response from ${from}`);
    default:
      onPeerMessage(c, from, m);
  }
}

function onPeerMessage<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
  const s = c.s;
  if (m.term > s.currentTerm) {
    if (m.type === 'requestVote' && !m.transfer && inLease(c)) return cover(c, 'raft/vote-ignored-in-lease');
    // A pre-vote request carries the sender's next term, a granted pre-vote answer our next term:
    // neither changes anybody's term (thesis §9.6).
    const futureTerm = (m.type === 'requestVote' && m.preVote) || (m.type === 'requestVoteResponse' && m.preVote && m.granted);
    if (!futureTerm && !(c.bugs.ignoreHigherTerm && s.role === 'leader')) {
      // Fig. 2 All Servers: if an RPC request or response contains a term T > currentTerm, set
      // currentTerm = T and convert to follower (of the sender, when only a leader sends it).
      const fromLeader = m.type === 'appendEntries' || m.type === 'installSnapshot' || m.type === 'timeoutNow';
      becomeFollower(c, m.term, fromLeader ? from : null);
    }
  } else if (m.term < s.currentTerm) {
    cover(c, 'raft/stale-term-refused');
    rejectStale(c, from, m);
    return;
  }
  switch (s.role) {
    case 'leader':
      stepLeader(c, from, m);
      return;
    case 'candidate':
    case 'preCandidate':
      stepCandidate(c, from, m);
      return;
    case 'follower':
      stepFollower(c, from, m);
      return;
    default:
      assertNever(s.role, 'role');
  }
}

/** A message of an older term: refuse requests with our term (so a stale leader or candidate steps down), drop the rest. */
function rejectStale<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
  const s = c.s;
  switch (m.type) {
    case 'appendEntries':
    case 'installSnapshot':
      // Fig. 2 AppendEntries receiver 1: reply false if term < currentTerm.
      send(c, from, {
        type: 'appendEntriesResponse',
        term: s.currentTerm,
        success: false,
        matchIndex: 0,
        rejectedIndex: m.type === 'appendEntries' ? m.prevLogIndex : 0,
        hintIndex: 0,
        hintTerm: 0,
        // Thesis §6.4 step 3: a read round is confirmed by answers to that round's heartbeats in the
        // leader's term. This refusal carries our newer term, and its sender may lead that term too
        // (re-elected), where the old round's number means another round: it confirms none.
        readSeq: 0,
      });
      return;
    case 'requestVote':
      // Fig. 2 RequestVote receiver 1: reply false if term < currentTerm.
      send(c, from, { type: 'requestVoteResponse', term: s.currentTerm, granted: false, preVote: m.preVote });
      return;
    case 'requestVoteResponse':
    case 'appendEntriesResponse':
    case 'timeoutNow':
      return;
    default:
      assertNever(m, 'message');
  }
}

function stepFollower<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
  const s = c.s;
  switch (m.type) {
    case 'requestVote':
      handleRequestVote(c, from, m);
      return;
    case 'appendEntries':
      heardFromLeader(c, from);
      handleAppendEntries(c, from, m);
      return;
    case 'installSnapshot':
      heardFromLeader(c, from);
      handleInstallSnapshot(c, from, m);
      return;
    case 'timeoutNow':
      // Thesis §3.10: the leader hands over; campaign at once, skipping the pre-vote.
      if (isVoter(s, s.self)) becomeCandidate(c, true);
      return;
    case 'requestVoteResponse':
    case 'appendEntriesResponse':
      return; // late answers from when this node campaigned or led in this term
    default:
      assertNever(m, 'message');
  }
}

function stepCandidate<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
  const s = c.s;
  switch (m.type) {
    case 'requestVote':
      handleRequestVote(c, from, m);
      return;
    case 'requestVoteResponse':
      onVoteResponse(c, from, m);
      return;
    case 'appendEntries':
    case 'installSnapshot':
      // Fig. 2 Candidates: if AppendEntries is received from the new leader, convert to follower.
      becomeFollower(c, s.currentTerm, from);
      stepFollower(c, from, m);
      return;
    case 'timeoutNow':
    case 'appendEntriesResponse':
      return;
    default:
      assertNever(m, 'message');
  }
}

function stepLeader<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
  switch (m.type) {
    case 'appendEntriesResponse':
      onAppendResponse(c, from, m);
      return;
    case 'requestVote':
      handleRequestVote(c, from, m); // same term: this leader voted for itself, so it refuses
      return;
    case 'requestVoteResponse':
      return; // late votes
    case 'appendEntries':
    case 'installSnapshot':
    case 'timeoutNow':
      // Another leader in this term: only possible when Election Safety is already broken by a
      // bug (its checker reports that); this leader keeps its log.
      return;
    default:
      assertNever(m, 'message');
  }
}

/** Fig. 2 Followers: AppendEntries from the current leader restarts the election timer; it also renews the lease. */
function heardFromLeader<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId): void {
  const s = c.s;
  if (s.leaderId !== from) observe(c, { kind: 'leaderContact', node: s.self, term: s.currentTerm, leaderId: from });
  s.leaderId = from;
  s.lastLeaderContactMs = c.env.nowMs;
  resetElectionTimer(c);
}
