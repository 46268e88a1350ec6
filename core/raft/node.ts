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
 */
import { assert } from '../contract/assert.ts';
import {
  assertNever,
  type DiskWrite,
  type DurableState,
  type Effect,
  type Env,
  type Input,
  type NodeId,
  type Protocol,
  type StepResult,
} from '../contract/protocol.ts';
import { bugFlags, type BugFlags } from './bugs.ts';
import {
  emptyLog,
  entriesFrom,
  entryAt,
  filePosition,
  findConflictByTerm,
  hashEntryData,
  isUpToDate,
  lastIndex,
  lastTerm,
  membershipAt,
  sortedIds,
  termAt,
} from './log.ts';
import { isQuorum, quorumValue, voteOutcome } from './quorum.ts';
import { LOG_FILE, META_FILE, SNAPSHOT_FILE, logRecord, metaRecord, recover, snapshotRecord } from './storage.ts';
import type {
  EntryData,
  EntryId,
  LeaderState,
  LogEntry,
  Membership,
  PeerMessage,
  Progress,
  RaftCommand,
  RaftConfig,
  RaftMessage,
  RaftObservation,
  RaftOptions,
  RaftReply,
  RaftState,
  Snapshot,
  StateMachine,
} from './types.ts';

export const ELECTION_TIMER = 'election';
export const HEARTBEAT_TIMER = 'heartbeat';
/** An election timer that fires less than this before its deadline counts as on time. */
const TIMER_SLACK_MS = 1;

/** Defaults as in rivven-cluster: 150–300 ms election timeout, 50 ms heartbeat. */
export const RAFT_DEFAULTS: Omit<RaftOptions, 'voters'> = {
  electionTimeoutMinMs: 150,
  electionTimeoutMaxMs: 300,
  heartbeatIntervalMs: 50,
  preVote: true,
  checkQuorum: true,
  snapshotEveryEntries: 200,
  maxEntriesPerMessage: 64,
  transferTimeoutMs: 300,
  bugs: [],
};

/** Fill in defaults and check the options; throws on a bad value, naming it. */
export function resolveRaftOptions(config: RaftConfig): RaftOptions {
  const o: RaftOptions = { ...RAFT_DEFAULTS, ...config, voters: sortedIds(config.voters) };
  const positive = (name: keyof RaftOptions, v: number): void => {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`raft: ${name} must be positive, got ${v}`);
  };
  if (o.voters.length === 0) throw new Error('raft: voters must not be empty');
  if (o.voters.length !== config.voters.length) throw new Error('raft: voters must be distinct');
  positive('electionTimeoutMinMs', o.electionTimeoutMinMs);
  positive('heartbeatIntervalMs', o.heartbeatIntervalMs);
  positive('transferTimeoutMs', o.transferTimeoutMs);
  if (o.electionTimeoutMaxMs < o.electionTimeoutMinMs) throw new Error('raft: electionTimeoutMaxMs < electionTimeoutMinMs');
  if (o.heartbeatIntervalMs >= o.electionTimeoutMinMs) throw new Error('raft: heartbeatIntervalMs must be below electionTimeoutMinMs');
  if (!Number.isInteger(o.snapshotEveryEntries) || o.snapshotEveryEntries < 0) throw new Error('raft: snapshotEveryEntries must be an integer >= 0');
  if (!Number.isInteger(o.maxEntriesPerMessage) || o.maxEntriesPerMessage < 1) throw new Error('raft: maxEntriesPerMessage must be an integer >= 1');
  bugFlags(o.bugs);
  return o;
}

export type RaftProtocol<SM, Cmd, Query, Result> = Protocol<
  RaftState<SM, Cmd, Query>,
  RaftMessage<Cmd, Query, Result>,
  RaftCommand<Cmd>,
  RaftReply<Result>,
  RaftObservation
>;

/** A Raft server replicating `sm`. One protocol object serves every server of a cluster. */
export function createRaftProtocol<SM, Cmd, Query, Result>(
  sm: StateMachine<SM, Cmd, Query, Result>,
  config: RaftConfig,
): RaftProtocol<SM, Cmd, Query, Result> {
  const node = new RaftNode(sm, resolveRaftOptions(config));
  return {
    name: `raft-${sm.name}`,
    init: (self, env) => node.init(self, env),
    step: (state, input, env) => node.step(state, input, env),
  };
}

class AssertionError extends Error {
  override name = 'AssertionError';
}

/** For role changes and other cold paths; hot paths test first and build the message only on failure. */

/** One step in progress: the state it mutates and the effects it emits, in order. */
interface Step<SM, Cmd, Query, Result> {
  s: RaftState<SM, Cmd, Query>;
  readonly env: Env;
  readonly fx: Effect<RaftMessage<Cmd, Query, Result>, RaftReply<Result>, RaftObservation>[];
}

class RaftNode<SM, Cmd, Query, Result> {
  private readonly bugs: BugFlags;
  private readonly bootstrap: Membership;

  constructor(
    private readonly sm: StateMachine<SM, Cmd, Query, Result>,
    private readonly opts: RaftOptions,
  ) {
    this.bugs = bugFlags(opts.bugs);
    this.bootstrap = { voters: opts.voters, index: 0 };
  }

  init(self: NodeId, _env: Env): RaftState<SM, Cmd, Query> {
    return {
      self,
      started: false,
      role: 'follower',
      currentTerm: 0,
      votedFor: null,
      log: emptyLog(),
      snapshot: null,
      membership: this.bootstrap,
      commitIndex: 0,
      lastApplied: 0,
      sm: this.sm.init(),
      leaderId: null,
      electionTimeoutMs: this.opts.electionTimeoutMaxMs,
      electionDeadlineMs: 0,
      electionTimerDueMs: null,
      lastLeaderContactMs: null,
      votesGranted: [],
      votesRejected: [],
      leader: null,
    };
  }

  step(
    state: RaftState<SM, Cmd, Query>,
    input: Input<RaftMessage<Cmd, Query, Result>, RaftCommand<Cmd>>,
    env: Env,
  ): StepResult<RaftState<SM, Cmd, Query>, RaftMessage<Cmd, Query, Result>, RaftReply<Result>, RaftObservation> {
    const c: Step<SM, Cmd, Query, Result> = { s: state, env, fx: [] };
    // Hot path: the message is built only when the check fails.
    if (input.type !== 'start' && !state.started) throw new AssertionError(`raft ${state.self}: ${input.type} before start`);
    switch (input.type) {
      case 'start':
        this.onStart(c, input.durable);
        break;
      case 'timer':
        this.onTimer(c, input.timer);
        break;
      case 'message':
        this.onMessage(c, input.from, input.message);
        break;
      case 'command':
        this.onCommand(c, input.commandId, input.command);
        break;
      default:
        assertNever(input, 'input');
    }
    return { state: c.s, effects: c.fx };
  }

  // -------------------------------------------------------------------------------------------
  // Effects

  private send(c: Step<SM, Cmd, Query, Result>, to: NodeId, message: RaftMessage<Cmd, Query, Result>): void {
    c.fx.push({ type: 'send', to, message });
  }

  /**
   * A vote or an AppendEntries acknowledgement: it goes after the persists it depends on, or, with
   * the 'reply-before-persist' bug, ahead of every effect of this step.
   */
  private sendAck(c: Step<SM, Cmd, Query, Result>, to: NodeId, message: RaftMessage<Cmd, Query, Result>): void {
    if (this.bugs.replyBeforePersist) c.fx.unshift({ type: 'send', to, message });
    else c.fx.push({ type: 'send', to, message });
  }

  private persist(c: Step<SM, Cmd, Query, Result>, write: DiskWrite): void {
    c.fx.push({ type: 'persist', write });
  }

  private reply(c: Step<SM, Cmd, Query, Result>, commandId: number, reply: RaftReply<Result>): void {
    c.fx.push({ type: 'reply', commandId, reply });
  }

  private observe(c: Step<SM, Cmd, Query, Result>, observation: RaftObservation): void {
    c.fx.push({ type: 'observe', observation });
  }

  /** currentTerm and votedFor to disk (Fig. 2 "Persistent state on all servers"). */
  private persistMeta(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const votedFor = this.bugs.votedForNotPersisted ? null : s.votedFor;
    this.persist(c, { op: 'overwrite', file: META_FILE, records: [metaRecord(s.currentTerm, votedFor)] });
    this.observe(c, { kind: 'persistedMeta', node: s.self, term: s.currentTerm, votedFor });
  }

  // -------------------------------------------------------------------------------------------
  // Start: rebuild from durable state only

  private onStart(c: Step<SM, Cmd, Query, Result>, durable: DurableState): void {
    const r = recover<Cmd>(durable);
    const s = this.init(c.s.self, c.env);
    s.started = true;
    s.currentTerm = r.term;
    s.votedFor = r.votedFor;
    if (r.snapshot !== null) {
      s.snapshot = r.snapshot;
      s.log = { snapshotIndex: r.snapshot.index, snapshotTerm: r.snapshot.term, entries: r.entries };
      s.sm = this.sm.restore(r.snapshot.data);
      s.commitIndex = r.snapshot.index;
      s.lastApplied = r.snapshot.index;
    } else {
      s.log.entries = r.entries;
    }
    s.membership = membershipAt(s.log, lastIndex(s.log), this.snapshotMembership(s));
    c.s = s;
    for (const write of r.repairs) this.persist(c, write);
    for (const note of r.notes) {
      if (note.kind === 'truncated') this.observe(c, { ...note, node: s.self, commitIndex: s.commitIndex });
      else this.observe(c, { ...note, node: s.self });
    }
    this.observe(c, {
      kind: 'started',
      node: s.self,
      term: s.currentTerm,
      votedFor: s.votedFor,
      snapshotIndex: s.log.snapshotIndex,
      lastIndex: lastIndex(s.log),
    });
    this.redrawElectionTimeout(c);
    this.resetElectionTimer(c);
  }

  // -------------------------------------------------------------------------------------------
  // Timers

  private onTimer(c: Step<SM, Cmd, Query, Result>, timer: string): void {
    switch (timer) {
      case ELECTION_TIMER:
        this.onElectionTimer(c);
        return;
      case HEARTBEAT_TIMER:
        this.onHeartbeatTimer(c);
        return;
      default:
        throw new AssertionError(`raft ${c.s.self}: unknown timer '${timer}'`);
    }
  }

  private redrawElectionTimeout(c: Step<SM, Cmd, Query, Result>): void {
    c.s.electionTimeoutMs = c.env.rng.between(this.opts.electionTimeoutMinMs, this.opts.electionTimeoutMaxMs);
  }

  /** Push the election deadline one timeout into the future (the timer itself is re-armed lazily). */
  private resetElectionTimer(c: Step<SM, Cmd, Query, Result>): void {
    c.s.electionDeadlineMs = c.env.nowMs + c.s.electionTimeoutMs;
    this.armElectionTimer(c);
  }

  /** Arm the election timer unless one already fires at or before the deadline. */
  private armElectionTimer(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    if (s.electionTimerDueMs !== null && s.electionTimerDueMs <= s.electionDeadlineMs) return;
    c.fx.push({ type: 'setTimer', timer: ELECTION_TIMER, afterMs: s.electionDeadlineMs - c.env.nowMs });
    s.electionTimerDueMs = s.electionDeadlineMs;
  }

  private onElectionTimer(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    s.electionTimerDueMs = null;
    if (s.role === 'leader') return; // cancelled when it became leader; a late firing changes nothing
    // Heard from a leader since the timer was armed: wait for the rest. (A timer may fire a hair
    // early on a drifting clock; re-arming for a sliver would spin, so a sliver counts as expired.)
    if (s.electionDeadlineMs - c.env.nowMs >= TIMER_SLACK_MS) {
      this.armElectionTimer(c);
      return;
    }
    if (!this.mayCampaign(s)) {
      this.resetElectionTimer(c); // not a member (yet, or any more)
      return;
    }
    // Fig. 2 Followers: if election timeout elapses without receiving AppendEntries from the current
    // leader or granting a vote, convert to candidate. Candidates: if it elapses, start a new election.
    if (this.opts.preVote) this.becomePreCandidate(c);
    else this.becomeCandidate(c, false);
  }

  private onHeartbeatTimer(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const l = s.leader;
    if (l === null) return; // cancelled when it stepped down
    c.fx.push({ type: 'setTimer', timer: HEARTBEAT_TIMER, afterMs: this.opts.heartbeatIntervalMs });
    // CheckQuorum (thesis §6.2, §9.6): step down when a majority has not answered within an election timeout.
    if (this.opts.checkQuorum && c.env.nowMs - l.lastQuorumCheckMs >= this.opts.electionTimeoutMinMs) {
      l.lastQuorumCheckMs = c.env.nowMs;
      let active = 0;
      for (const v of s.membership.voters) if (v === s.self || this.progressOf(l, v)?.recentActive === true) active++;
      for (const pr of l.progress) pr.recentActive = false;
      if (!isQuorum(active, s.membership.voters.length)) {
        this.becomeFollower(c, s.currentTerm, null);
        return;
      }
    }
    if (l.transfer !== null && c.env.nowMs >= l.transfer.deadlineMs) this.endTransfer(c, 'leadership transfer timed out');
    // Fig. 2 Leaders 1: repeat empty AppendEntries during idle periods to prevent election timeouts.
    for (const pr of l.progress) this.heartbeat(c, pr, true);
  }

  // -------------------------------------------------------------------------------------------
  // Role changes: the only places that assign `role`

  private becomeFollower(c: Step<SM, Cmd, Query, Result>, term: number, leaderId: NodeId | null): void {
    const s = c.s;
    assert(term >= s.currentTerm, `raft ${s.self}: follower of term ${term} < current ${s.currentTerm}`);
    if (term > s.currentTerm) {
      s.currentTerm = term;
      s.votedFor = null;
      this.persistMeta(c);
    }
    if (s.role === 'leader') this.stepDown(c);
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
      this.redrawElectionTimeout(c);
      this.resetElectionTimer(c);
    }
    this.observe(c, { kind: 'becameFollower', node: s.self, term: s.currentTerm, leaderId });
  }

  private becomePreCandidate(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    assert(s.role !== 'leader', `raft ${s.self}: leader -> preCandidate`);
    assert(this.mayCampaign(s), `raft ${s.self}: campaigns without being a member`);
    s.role = 'preCandidate';
    s.leaderId = null;
    s.votesGranted = this.isVoter(s, s.self) ? [s.self] : [];
    s.votesRejected = [];
    this.redrawElectionTimeout(c);
    this.resetElectionTimer(c);
    this.observe(c, { kind: 'becamePreCandidate', node: s.self, term: s.currentTerm });
    if (this.tallyVotes(c)) return;
    // Thesis §9.6: ask for votes in the next term without incrementing ours.
    this.requestVotes(c, s.currentTerm + 1, true, false);
  }

  private becomeCandidate(c: Step<SM, Cmd, Query, Result>, transfer: boolean): void {
    const s = c.s;
    assert(s.role !== 'leader', `raft ${s.self}: leader -> candidate`);
    assert(this.mayCampaign(s), `raft ${s.self}: campaigns without being a member`);
    // Fig. 2 Candidates: on conversion to candidate, increment currentTerm, vote for self, reset the
    // election timer, send RequestVote to all other servers. Term and vote are on disk first.
    s.currentTerm += 1;
    s.votedFor = s.self;
    this.persistMeta(c);
    s.role = 'candidate';
    s.leaderId = null;
    s.votesGranted = this.isVoter(s, s.self) ? [s.self] : [];
    s.votesRejected = [];
    this.redrawElectionTimeout(c);
    this.resetElectionTimer(c);
    this.observe(c, { kind: 'becameCandidate', node: s.self, term: s.currentTerm });
    if (this.tallyVotes(c)) return;
    this.requestVotes(c, s.currentTerm, false, transfer);
  }

  private becomeLeader(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    assert(s.role === 'candidate', `raft ${s.self}: ${s.role} -> leader`);
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
    this.observe(c, { kind: 'becameLeader', node: s.self, term: s.currentTerm, lastIndex: next - 1 });
    // Thesis §6.4 and the single-server membership fix: commit a no-op of the new term first.
    this.appendAsLeader(c, { type: 'noop' });
    c.fx.push({ type: 'setTimer', timer: HEARTBEAT_TIMER, afterMs: this.opts.heartbeatIntervalMs });
    this.replicate(c);
  }

  /** Leader-only cleanup when leaving the role. Client writes in flight are dropped: clients retry with the same sequence number. */
  private stepDown(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const l = s.leader as LeaderState<Query>;
    c.fx.push({ type: 'cancelTimer', timer: HEARTBEAT_TIMER });
    for (const r of l.pendingReads) {
      this.send(c, r.node, { type: 'clientResponse', opId: r.opId, outcome: { status: 'notLeader', leaderHint: null } });
    }
    for (const w of l.pendingWrites) {
      if (w.origin.kind === 'operator') this.reply(c, w.origin.commandId, { type: 'rejected', reason: 'leadership lost; outcome unknown' });
    }
    if (l.pendingConfig !== null) this.reply(c, l.pendingConfig.commandId, { type: 'rejected', reason: 'leadership lost; outcome unknown' });
    if (l.transfer !== null && !l.transfer.timeoutNowSent) this.reply(c, l.transfer.commandId, { type: 'rejected', reason: 'leadership lost' });
    s.leader = null;
  }

  // -------------------------------------------------------------------------------------------
  // Elections

  private requestVotes(c: Step<SM, Cmd, Query, Result>, term: number, preVote: boolean, transfer: boolean): void {
    const s = c.s;
    const request: RaftMessage<Cmd, Query, Result> = {
      type: 'requestVote',
      term,
      lastLogIndex: lastIndex(s.log),
      lastLogTerm: lastTerm(s.log),
      preVote,
      transfer,
    };
    for (const v of s.membership.voters) if (v !== s.self) this.send(c, v, request);
  }

  /** Act on the votes so far; true when the role changed. */
  private tallyVotes(c: Step<SM, Cmd, Query, Result>): boolean {
    const s = c.s;
    const outcome = voteOutcome(s.votesGranted.length, s.votesRejected.length, s.membership.voters.length);
    switch (outcome) {
      case 'won':
        // Fig. 2 Candidates: if votes received from a majority of servers, become leader.
        if (s.role === 'preCandidate') this.becomeCandidate(c, false);
        else this.becomeLeader(c);
        return true;
      case 'lost':
        this.becomeFollower(c, s.currentTerm, null);
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
  private inLease(c: Step<SM, Cmd, Query, Result>): boolean {
    const s = c.s;
    if (s.leaderId === null) return false;
    if (s.role === 'leader') return true;
    return s.lastLeaderContactMs !== null && c.env.nowMs - s.lastLeaderContactMs < this.opts.electionTimeoutMinMs;
  }

  private handleRequestVote(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: Extract<PeerMessage<Cmd, Query, Result>, { type: 'requestVote' }>): void {
    const s = c.s;
    const upToDate =
      this.bugs.voteWithoutLogCheck ||
      // §5.4.1: the candidate's log must be at least as up-to-date as the voter's.
      isUpToDate({ lastIndex: m.lastLogIndex, lastTerm: m.lastLogTerm }, { lastIndex: lastIndex(s.log), lastTerm: lastTerm(s.log) });
    if (m.preVote) {
      // Thesis §9.6: grant a pre-vote for a later term to an up-to-date candidate; a leader never does.
      const granted = m.term > s.currentTerm && upToDate && s.role !== 'leader';
      this.sendAck(c, from, { type: 'requestVoteResponse', term: granted ? m.term : s.currentTerm, granted, preVote: true });
      return;
    }
    // Fig. 2 RequestVote receiver 2: if votedFor is null or candidateId, and the candidate's log is
    // at least as up-to-date as the receiver's log, grant the vote. (Receiver 1 ran on arrival.)
    const granted = (s.votedFor === null || s.votedFor === from) && upToDate;
    if (granted && s.votedFor !== from) {
      s.votedFor = from;
      this.persistMeta(c);
    }
    // Fig. 2 Followers: granting a vote resets the election timer.
    if (granted) this.resetElectionTimer(c);
    this.sendAck(c, from, { type: 'requestVoteResponse', term: s.currentTerm, granted, preVote: false });
  }

  private onVoteResponse(
    c: Step<SM, Cmd, Query, Result>,
    from: NodeId,
    m: Extract<PeerMessage<Cmd, Query, Result>, { type: 'requestVoteResponse' }>,
  ): void {
    const s = c.s;
    if (m.preVote !== (s.role === 'preCandidate')) return; // answers the other kind of request
    if (m.preVote && m.granted && m.term !== s.currentTerm + 1) return; // a pre-vote from an earlier term
    if (!this.isVoter(s, from) || s.votesGranted.includes(from) || s.votesRejected.includes(from)) return;
    if (m.granted) s.votesGranted = sortedIds([...s.votesGranted, from]);
    else s.votesRejected = sortedIds([...s.votesRejected, from]);
    this.tallyVotes(c);
  }

  // -------------------------------------------------------------------------------------------
  // Messages: normalize (term rules of Fig. 2 "All Servers"), then dispatch by role

  private onMessage(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: RaftMessage<Cmd, Query, Result>): void {
    switch (m.type) {
      case 'clientRequest':
        this.onClientRequest(c, from, m);
        return;
      case 'clientResponse':
        throw new AssertionError(`raft server ${c.s.self} got a client response from ${from}`);
      default:
        this.onPeerMessage(c, from, m);
    }
  }

  private onPeerMessage(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
    const s = c.s;
    if (m.term > s.currentTerm) {
      if (m.type === 'requestVote' && !m.transfer && this.inLease(c)) return;
      // A pre-vote request carries the sender's next term, a granted pre-vote answer our next term:
      // neither changes anybody's term (thesis §9.6).
      const futureTerm = (m.type === 'requestVote' && m.preVote) || (m.type === 'requestVoteResponse' && m.preVote && m.granted);
      if (!futureTerm && !(this.bugs.ignoreHigherTerm && s.role === 'leader')) {
        // Fig. 2 All Servers: if an RPC request or response contains a term T > currentTerm, set
        // currentTerm = T and convert to follower (of the sender, when only a leader sends it).
        const fromLeader = m.type === 'appendEntries' || m.type === 'installSnapshot' || m.type === 'timeoutNow';
        this.becomeFollower(c, m.term, fromLeader ? from : null);
      }
    } else if (m.term < s.currentTerm) {
      this.rejectStale(c, from, m);
      return;
    }
    switch (s.role) {
      case 'leader':
        this.stepLeader(c, from, m);
        return;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(c, from, m);
        return;
      case 'follower':
        this.stepFollower(c, from, m);
        return;
      default:
        assertNever(s.role, 'role');
    }
  }

  /** A message of an older term: refuse requests with our term (so a stale leader or candidate steps down), drop the rest. */
  private rejectStale(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
    const s = c.s;
    switch (m.type) {
      case 'appendEntries':
      case 'installSnapshot':
        // Fig. 2 AppendEntries receiver 1: reply false if term < currentTerm.
        this.send(c, from, {
          type: 'appendEntriesResponse',
          term: s.currentTerm,
          success: false,
          matchIndex: 0,
          rejectedIndex: m.type === 'appendEntries' ? m.prevLogIndex : 0,
          hintIndex: 0,
          hintTerm: 0,
          readSeq: m.readSeq,
        });
        return;
      case 'requestVote':
        // Fig. 2 RequestVote receiver 1: reply false if term < currentTerm.
        this.send(c, from, { type: 'requestVoteResponse', term: s.currentTerm, granted: false, preVote: m.preVote });
        return;
      case 'requestVoteResponse':
      case 'appendEntriesResponse':
      case 'timeoutNow':
        return;
      default:
        assertNever(m, 'message');
    }
  }

  private stepFollower(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
    const s = c.s;
    switch (m.type) {
      case 'requestVote':
        this.handleRequestVote(c, from, m);
        return;
      case 'appendEntries':
        this.heardFromLeader(c, from);
        this.handleAppendEntries(c, from, m);
        return;
      case 'installSnapshot':
        this.heardFromLeader(c, from);
        this.handleInstallSnapshot(c, from, m);
        return;
      case 'timeoutNow':
        // Thesis §3.10: the leader hands over; campaign at once, skipping the pre-vote.
        if (this.isVoter(s, s.self)) this.becomeCandidate(c, true);
        return;
      case 'requestVoteResponse':
      case 'appendEntriesResponse':
        return; // late answers from when this node campaigned or led in this term
      default:
        assertNever(m, 'message');
    }
  }

  private stepCandidate(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
    const s = c.s;
    switch (m.type) {
      case 'requestVote':
        this.handleRequestVote(c, from, m);
        return;
      case 'requestVoteResponse':
        this.onVoteResponse(c, from, m);
        return;
      case 'appendEntries':
      case 'installSnapshot':
        // Fig. 2 Candidates: if AppendEntries is received from the new leader, convert to follower.
        this.becomeFollower(c, s.currentTerm, from);
        this.stepFollower(c, from, m);
        return;
      case 'timeoutNow':
      case 'appendEntriesResponse':
        return;
      default:
        assertNever(m, 'message');
    }
  }

  private stepLeader(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: PeerMessage<Cmd, Query, Result>): void {
    switch (m.type) {
      case 'appendEntriesResponse':
        this.onAppendResponse(c, from, m);
        return;
      case 'requestVote':
        this.handleRequestVote(c, from, m); // same term: this leader voted for itself, so it refuses
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

  private heardFromLeader(c: Step<SM, Cmd, Query, Result>, from: NodeId): void {
    const s = c.s;
    if (s.leaderId !== from) this.observe(c, { kind: 'leaderContact', node: s.self, term: s.currentTerm, leaderId: from });
    s.leaderId = from;
    s.lastLeaderContactMs = c.env.nowMs;
    this.resetElectionTimer(c);
  }

  // -------------------------------------------------------------------------------------------
  // Log replication: follower side

  private handleAppendEntries(
    c: Step<SM, Cmd, Query, Result>,
    from: NodeId,
    m: Extract<PeerMessage<Cmd, Query, Result>, { type: 'appendEntries' }>,
  ): void {
    const s = c.s;
    const ack = (success: boolean, matchIndex: number, hintIndex: number, hintTerm: number): RaftMessage<Cmd, Query, Result> => ({
      type: 'appendEntriesResponse',
      term: s.currentTerm,
      success,
      matchIndex,
      rejectedIndex: success ? 0 : m.prevLogIndex,
      hintIndex,
      hintTerm,
      readSeq: m.readSeq,
    });
    let prevIndex = m.prevLogIndex;
    let prevTerm = m.prevLogTerm;
    let entries = m.entries;
    if (prevIndex < s.commitIndex) {
      // Entries up to our commit index are committed, so the leader has them too (Leader
      // Completeness): skip them, and match the rest after our commit index.
      const skip = s.commitIndex - prevIndex;
      if (skip > entries.length) {
        this.sendAck(c, from, ack(true, s.commitIndex, 0, 0));
        return;
      }
      prevIndex = s.commitIndex;
      prevTerm = skip === 0 ? prevTerm : (entries[skip - 1] as LogEntry<Cmd>).term;
      entries = entries.slice(skip);
    }
    // Fig. 2 AppendEntries receiver 2: reply false if the log doesn't contain an entry at
    // prevLogIndex whose term matches prevLogTerm. The hint lets the leader skip a whole term.
    if (termAt(s.log, prevIndex) !== prevTerm) {
      const hintIndex = findConflictByTerm(s.log, Math.min(prevIndex, lastIndex(s.log)), prevTerm);
      this.sendAck(c, from, ack(false, 0, hintIndex, termAt(s.log, hintIndex) ?? 0));
      return;
    }
    // Fig. 2 AppendEntries receiver 3: if an existing entry conflicts with a new one (same index,
    // different terms), delete the existing entry and all that follow it. Receiver 4: append any
    // new entries not already in the log.
    let k = 0;
    for (; k < entries.length; k++) {
      const e = entries[k] as LogEntry<Cmd>;
      const t = termAt(s.log, e.index);
      if (t === null) break;
      if (t === e.term || this.bugs.noConflictTruncation) continue;
      this.truncateFrom(c, e.index, 'conflict', `entry ${e.index} of term ${t} conflicts with term ${e.term} from ${from}`);
      break;
    }
    for (; k < entries.length; k++) this.appendToLog(c, entries[k] as LogEntry<Cmd>);
    const lastNew = prevIndex + entries.length;
    this.sendAck(c, from, ack(true, lastNew, 0, 0));
    // Fig. 2 AppendEntries receiver 5: if leaderCommit > commitIndex, set commitIndex =
    // min(leaderCommit, index of last new entry).
    const commit = Math.min(m.leaderCommit, lastNew);
    if (commit > s.commitIndex) this.advanceCommit(c, commit);
    else if (this.bugs.applyBeforeCommit) this.applyEntries(c);
  }

  private handleInstallSnapshot(
    c: Step<SM, Cmd, Query, Result>,
    from: NodeId,
    m: Extract<PeerMessage<Cmd, Query, Result>, { type: 'installSnapshot' }>,
  ): void {
    const s = c.s;
    const snap = m.snapshot;
    const ack = (matchIndex: number): RaftMessage<Cmd, Query, Result> => ({
      type: 'appendEntriesResponse',
      term: s.currentTerm,
      success: true,
      matchIndex,
      rejectedIndex: 0,
      hintIndex: 0,
      hintTerm: 0,
      readSeq: m.readSeq,
    });
    if (snap.index <= s.commitIndex) {
      this.sendAck(c, from, ack(s.commitIndex)); // nothing new in it
      return;
    }
    // Fig. 13 InstallSnapshot receiver 5: save the snapshot file.
    this.persist(c, { op: 'overwrite', file: SNAPSHOT_FILE, records: [snapshotRecord(snap)] });
    // Receiver 6: if an existing entry has the snapshot's last index and term, retain the entries
    // following it; receiver 7: otherwise discard the entire log.
    const last = lastIndex(s.log);
    const keep = termAt(s.log, snap.index) === snap.term ? s.log.entries.slice(snap.index - s.log.snapshotIndex) : [];
    s.log = { snapshotIndex: snap.index, snapshotTerm: snap.term, entries: keep };
    this.persist(c, { op: 'overwrite', file: LOG_FILE, records: keep.map(logRecord) });
    if (keep.length === 0 && last > snap.index) {
      this.observe(c, {
        kind: 'truncated',
        node: s.self,
        fromIndex: snap.index + 1,
        removed: last - snap.index,
        reason: 'snapshot',
        commitIndex: s.commitIndex,
        detail: `snapshot at ${snap.index} (term ${snap.term}) from ${from} does not match the log`,
      });
    }
    // Receiver 8: reset the state machine using the snapshot (and load its configuration).
    s.snapshot = snap;
    s.sm = this.sm.restore(snap.data);
    s.commitIndex = snap.index;
    s.lastApplied = snap.index;
    this.setMembership(c, membershipAt(s.log, lastIndex(s.log), this.snapshotMembership(s)));
    this.observe(c, { kind: 'snapshotInstalled', node: s.self, index: snap.index, term: snap.term });
    this.sendAck(c, from, ack(snap.index));
  }

  /** Append one entry after the last one, on disk too; a config entry takes effect now (thesis §4.1). */
  private appendToLog(c: Step<SM, Cmd, Query, Result>, entry: LogEntry<Cmd>): void {
    const s = c.s;
    if (entry.index !== lastIndex(s.log) + 1) throw new AssertionError(`raft ${s.self}: append ${entry.index} after ${lastIndex(s.log)}`);
    s.log.entries.push(entry);
    this.persist(c, { op: 'append', file: LOG_FILE, record: logRecord(entry) });
    if (entry.data.type === 'config') this.setMembership(c, { voters: entry.data.voters, index: entry.index });
  }

  /** Drop the entries from `index` on, on disk too. A correct Raft never reaches commitIndex here. */
  private truncateFrom(c: Step<SM, Cmd, Query, Result>, index: number, reason: 'conflict', detail: string): void {
    const s = c.s;
    assert(index > s.log.snapshotIndex, `raft ${s.self}: truncate at ${index} inside the snapshot`);
    const removed = lastIndex(s.log) - index + 1;
    s.log.entries.length = filePosition(s.log, index);
    this.persist(c, { op: 'truncate', file: LOG_FILE, keep: filePosition(s.log, index) });
    this.observe(c, { kind: 'truncated', node: s.self, fromIndex: index, removed, reason, commitIndex: s.commitIndex, detail });
    if (s.membership.index >= index) this.setMembership(c, membershipAt(s.log, lastIndex(s.log), this.snapshotMembership(s)));
  }

  private snapshotMembership(s: RaftState<SM, Cmd, Query>): Membership {
    return s.snapshot === null ? this.bootstrap : { voters: s.snapshot.voters, index: s.snapshot.index };
  }

  private setMembership(c: Step<SM, Cmd, Query, Result>, membership: Membership): void {
    const s = c.s;
    const changed = !sameIds(membership.voters, s.membership.voters);
    s.membership = membership;
    if (!changed) return;
    this.observe(c, { kind: 'membership', node: s.self, voters: membership.voters, index: membership.index });
    if (s.leader !== null) this.syncProgress(c);
  }

  /**
   * One progress per voter other than self, sorted; a new voter starts probing at the end of the
   * log. A removed server keeps its progress until the change commits, so it learns of its removal
   * and stops campaigning.
   */
  private syncProgress(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const l = s.leader as LeaderState<Query>;
    const pending = s.membership.index > s.commitIndex;
    const ids = sortedIds([...s.membership.voters, ...(pending ? l.progress.map((p) => p.id) : [])]).filter((id) => id !== s.self);
    if (sameIds(ids, l.progress.map((p) => p.id))) return;
    // A last heartbeat tells a removed server that its removal is committed, so it stops campaigning.
    for (const pr of l.progress) if (!ids.includes(pr.id)) this.heartbeat(c, pr, true);
    const next = lastIndex(s.log) + 1;
    l.progress = ids.map((id) => this.progressOf(l, id) ?? newProgress(id, next));
  }

  // -------------------------------------------------------------------------------------------
  // Log replication: leader side

  private appendAsLeader(c: Step<SM, Cmd, Query, Result>, data: EntryData<Cmd>): LogEntry<Cmd> {
    const s = c.s;
    const entry: LogEntry<Cmd> = { index: lastIndex(s.log) + 1, term: s.currentTerm, hash: hashEntryData(data), data };
    this.appendToLog(c, entry);
    return entry;
  }

  /** Send new entries to every follower (the leader's own copy is already on disk), then commit what a majority holds. */
  private replicate(c: Step<SM, Cmd, Query, Result>): void {
    const l = c.s.leader as LeaderState<Query>;
    for (const pr of l.progress) this.sendAppend(c, pr, false);
    this.maybeCommit(c);
    if (this.bugs.applyBeforeCommit && c.s.role === 'leader') this.applyEntries(c);
  }

  /**
   * Send the next AppendEntries to one follower. In probe mode one at a time (until it answers or
   * the next heartbeat); in replicate mode optimistically, advancing nextIndex; a follower that
   * needs compacted entries gets the snapshot. `force` sends even when there is nothing new.
   */
  private sendAppend(c: Step<SM, Cmd, Query, Result>, pr: Progress, force: boolean): void {
    const s = c.s;
    if (!force && (pr.mode === 'snapshot' || (pr.mode === 'probe' && pr.probeSent))) return;
    if (pr.nextIndex > lastIndex(s.log) + 1) throw new AssertionError(`raft ${s.self}: nextIndex ${pr.nextIndex} of ${pr.id} beyond the log`);
    const prevLogIndex = pr.nextIndex - 1;
    const prevLogTerm = termAt(s.log, prevLogIndex);
    if (prevLogTerm === null) {
      this.sendSnapshot(c, pr);
      return;
    }
    const entries = entriesFrom(s.log, pr.nextIndex, this.opts.maxEntriesPerMessage);
    if (entries.length === 0 && !force && pr.mode === 'replicate') return;
    const l = s.leader as LeaderState<Query>;
    this.send(c, pr.id, {
      type: 'appendEntries',
      term: s.currentTerm,
      prevLogIndex,
      prevLogTerm,
      entries,
      leaderCommit: s.commitIndex,
      readSeq: l.readSeq,
    });
    if (pr.mode === 'replicate') pr.nextIndex += entries.length;
    else pr.probeSent = true;
  }

  private sendSnapshot(c: Step<SM, Cmd, Query, Result>, pr: Progress): void {
    const s = c.s;
    const snapshot = s.snapshot as Snapshot;
    assert(snapshot !== null, `raft ${s.self}: entries for ${pr.id} compacted but no snapshot`);
    this.send(c, pr.id, { type: 'installSnapshot', term: s.currentTerm, snapshot, readSeq: (s.leader as LeaderState<Query>).readSeq });
    pr.mode = 'snapshot';
    pr.probeSent = false;
  }

  /**
   * A heartbeat to one follower, which also retransmits: in replicate mode everything not yet
   * acknowledged goes again (the network loses messages); a snapshot is re-sent only by the timer.
   */
  private heartbeat(c: Step<SM, Cmd, Query, Result>, pr: Progress, fromTimer: boolean): void {
    switch (pr.mode) {
      case 'replicate':
        pr.nextIndex = pr.matchIndex + 1;
        break;
      case 'probe':
        pr.probeSent = false;
        break;
      case 'snapshot':
        if (!fromTimer) return;
        pr.mode = 'probe';
        pr.probeSent = false;
        break;
      default:
        assertNever(pr.mode, 'progress mode');
    }
    this.sendAppend(c, pr, true);
  }

  private onAppendResponse(
    c: Step<SM, Cmd, Query, Result>,
    from: NodeId,
    m: Extract<PeerMessage<Cmd, Query, Result>, { type: 'appendEntriesResponse' }>,
  ): void {
    const s = c.s;
    const l = s.leader as LeaderState<Query>;
    const pr = this.progressOf(l, from);
    if (pr === undefined) return; // not (or no longer) a voter
    pr.recentActive = true;
    if (m.readSeq > pr.ackedReadSeq) pr.ackedReadSeq = m.readSeq;
    if (m.success) {
      // Fig. 2 Leaders 3: if successful, update nextIndex and matchIndex for the follower.
      const match = Math.min(m.matchIndex, lastIndex(s.log));
      const advanced = match > pr.matchIndex;
      if (advanced) pr.matchIndex = match;
      if (pr.mode !== 'replicate') {
        pr.mode = 'replicate';
        pr.nextIndex = pr.matchIndex + 1;
      } else if (pr.nextIndex <= pr.matchIndex) {
        pr.nextIndex = pr.matchIndex + 1;
      }
      pr.probeSent = false;
      if (advanced) {
        this.maybeCommit(c);
        if (s.role !== 'leader') return; // it committed its own removal
      }
      this.maybeSendTimeoutNow(c, pr);
      if (pr.nextIndex <= lastIndex(s.log)) this.sendAppend(c, pr, false);
    } else if (m.rejectedIndex > pr.matchIndex && pr.mode !== 'snapshot' && (pr.mode === 'replicate' || m.rejectedIndex === pr.nextIndex - 1)) {
      // Fig. 2 Leaders 3: if AppendEntries fails because of log inconsistency, decrement nextIndex
      // and retry; with the follower's hint, skip all its entries of a conflicting term at once.
      const probe = m.hintTerm > 0 ? findConflictByTerm(s.log, m.hintIndex, m.hintTerm) : m.hintIndex;
      pr.nextIndex = Math.max(pr.matchIndex + 1, Math.min(m.rejectedIndex, probe + 1));
      pr.mode = 'probe';
      pr.probeSent = false;
      this.sendAppend(c, pr, false);
    }
    this.serveReads(c);
  }

  private maybeCommit(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const l = s.leader as LeaderState<Query>;
    const matches = s.membership.voters.map((v) => (v === s.self ? lastIndex(s.log) : (this.progressOf(l, v)?.matchIndex ?? 0)));
    const n = quorumValue(matches);
    if (n <= s.commitIndex) return;
    // Fig. 2 Leaders 4 (§5.4.2, Figure 8): if there exists an N > commitIndex such that a majority of
    // matchIndex[i] >= N and log[N].term == currentTerm, set commitIndex = N. Entries of earlier
    // terms are committed only indirectly, by an entry of the current term.
    if (!this.bugs.commitPreviousTerm && termAt(s.log, n) !== s.currentTerm) return;
    this.advanceCommit(c, n);
  }

  private advanceCommit(c: Step<SM, Cmd, Query, Result>, commitIndex: number): void {
    const s = c.s;
    const entries: EntryId[] = [];
    for (let i = Math.max(s.commitIndex + 1, s.log.snapshotIndex + 1); i <= commitIndex; i++) {
      const e = entryAt(s.log, i);
      if (e === undefined) break;
      entries.push({ index: e.index, term: e.term, hash: e.hash });
    }
    s.commitIndex = commitIndex;
    this.observe(c, { kind: 'committed', node: s.self, term: s.currentTerm, commitIndex, entries });
    this.applyEntries(c);
    const l = s.leader;
    if (l === null) return;
    if (l.pendingConfig !== null && l.pendingConfig.index <= commitIndex) {
      this.reply(c, l.pendingConfig.commandId, { type: 'ok', index: l.pendingConfig.index });
      l.pendingConfig = null;
      this.syncProgress(c); // stop replicating to a removed server
    }
    // Thesis §4.2.2: a leader that is not in the committed configuration steps down.
    if (!this.isVoter(s, s.self) && s.membership.index <= commitIndex) {
      this.becomeFollower(c, s.currentTerm, null);
      return;
    }
    this.serveReads(c);
  }

  /** Fig. 2 All Servers: if commitIndex > lastApplied, apply log[lastApplied + 1] in order. */
  private applyEntries(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const target = this.bugs.applyBeforeCommit ? lastIndex(s.log) : s.commitIndex;
    if (s.lastApplied >= target) return;
    const applied: EntryId[] = [];
    while (s.lastApplied < target) {
      const e = entryAt(s.log, s.lastApplied + 1);
      if (e === undefined) break;
      s.lastApplied = e.index;
      applied.push({ index: e.index, term: e.term, hash: e.hash });
      if (e.data.type !== 'command') continue;
      const { state, result } = this.sm.apply(s.sm, e.data.command);
      s.sm = state;
      if (s.leader !== null) this.answerWrite(c, s.leader, e, result);
    }
    this.observe(c, { kind: 'applied', node: s.self, entries: applied });
    this.maybeSnapshot(c);
  }

  private answerWrite(c: Step<SM, Cmd, Query, Result>, l: LeaderState<Query>, e: LogEntry<Cmd>, result: Result): void {
    while (l.pendingWrites.length > 0 && (l.pendingWrites[0] as { index: number }).index <= e.index) {
      const w = l.pendingWrites.shift() as (typeof l.pendingWrites)[number];
      if (w.index !== e.index || w.term !== e.term) continue;
      if (w.origin.kind === 'client') {
        this.send(c, w.origin.node, { type: 'clientResponse', opId: w.origin.opId, outcome: { status: 'ok', result } });
      } else {
        this.reply(c, w.origin.commandId, { type: 'applied', index: e.index, result });
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots and compaction

  private maybeSnapshot(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const every = this.opts.snapshotEveryEntries;
    if (every === 0 || s.lastApplied - s.log.snapshotIndex < every || s.lastApplied > s.commitIndex) return;
    const index = s.lastApplied;
    const term = termAt(s.log, index) as number;
    const snapshot: Snapshot = {
      index,
      term,
      voters: membershipAt(s.log, index, this.snapshotMembership(s)).voters,
      data: this.sm.snapshot(s.sm),
    };
    // Snapshot first, then the log without the entries it covers; a crash in between is mended at
    // restart (the log still holds the snapshot's last entry, so it is kept as Fig. 13 rule 6 says).
    this.persist(c, { op: 'overwrite', file: SNAPSHOT_FILE, records: [snapshotRecord(snapshot)] });
    s.log = { snapshotIndex: index, snapshotTerm: term, entries: s.log.entries.slice(index - s.log.snapshotIndex) };
    this.persist(c, { op: 'overwrite', file: LOG_FILE, records: s.log.entries.map(logRecord) });
    s.snapshot = snapshot;
    this.observe(c, { kind: 'snapshotTaken', node: s.self, index, term });
  }

  // -------------------------------------------------------------------------------------------
  // Clients: writes through the log, reads by ReadIndex

  private onClientRequest(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: Extract<RaftMessage<Cmd, Query, Result>, { type: 'clientRequest' }>): void {
    const s = c.s;
    const l = s.leader;
    if (l === null || l.transfer !== null) {
      // Thesis §3.10: a leader handing over stops taking requests; the client retries.
      this.send(c, from, { type: 'clientResponse', opId: m.opId, outcome: { status: 'notLeader', leaderHint: l === null ? s.leaderId : null } });
      return;
    }
    switch (m.request.kind) {
      case 'write': {
        const e = this.appendAsLeader(c, { type: 'command', command: m.request.command });
        l.pendingWrites.push({ index: e.index, term: e.term, origin: { kind: 'client', node: from, opId: m.opId } });
        this.replicate(c);
        return;
      }
      case 'read':
        this.startRead(c, l, from, m.opId, m.request.query);
        return;
      default:
        assertNever(m.request, 'client request');
    }
  }

  private startRead(c: Step<SM, Cmd, Query, Result>, l: LeaderState<Query>, from: NodeId, opId: number, query: Query): void {
    const s = c.s;
    if (this.bugs.staleRead) {
      this.send(c, from, { type: 'clientResponse', opId, outcome: { status: 'ok', result: this.sm.query(s.sm, query) } });
      return;
    }
    // Thesis §6.4 ReadIndex: (1) the read index is the commit index, and at least this term's no-op;
    // (2) confirm leadership with a round of heartbeats; (3) serve once a majority answered that round
    // and (4) the state machine has applied the read index.
    l.readSeq += 1;
    l.pendingReads.push({ node: from, opId, query, readIndex: Math.max(s.commitIndex, l.termStartIndex), readSeq: l.readSeq });
    for (const pr of l.progress) this.heartbeat(c, pr, false);
    this.serveReads(c);
  }

  private serveReads(c: Step<SM, Cmd, Query, Result>): void {
    const s = c.s;
    const l = s.leader;
    if (l === null || l.pendingReads.length === 0) return;
    const acks = s.membership.voters.map((v) => (v === s.self ? l.readSeq : (this.progressOf(l, v)?.ackedReadSeq ?? 0)));
    const confirmed = quorumValue(acks);
    while (l.pendingReads.length > 0) {
      const r = l.pendingReads[0] as (typeof l.pendingReads)[number];
      if (r.readSeq > confirmed || r.readIndex > s.lastApplied) return;
      l.pendingReads.shift();
      this.send(c, r.node, { type: 'clientResponse', opId: r.opId, outcome: { status: 'ok', result: this.sm.query(s.sm, r.query) } });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Operator commands: propose, membership changes, leadership transfer

  private onCommand(c: Step<SM, Cmd, Query, Result>, commandId: number, command: RaftCommand<Cmd>): void {
    switch (command.type) {
      case 'propose': {
        const l = this.leading(c, commandId);
        if (l === null) return;
        const e = this.appendAsLeader(c, { type: 'command', command: command.command });
        l.pendingWrites.push({ index: e.index, term: e.term, origin: { kind: 'operator', commandId } });
        this.replicate(c);
        return;
      }
      case 'addServer':
      case 'removeServer':
        this.changeMembership(c, commandId, command);
        return;
      case 'transferLeadership':
        this.transferLeadership(c, commandId, command.to);
        return;
      default:
        assertNever(command, 'command');
    }
  }

  /** The leader state when this node leads and takes commands; otherwise replies and gives null. */
  private leading(c: Step<SM, Cmd, Query, Result>, commandId: number): LeaderState<Query> | null {
    const s = c.s;
    if (s.leader === null) this.reply(c, commandId, { type: 'notLeader', leaderHint: s.leaderId });
    else if (s.leader.transfer !== null) this.reply(c, commandId, { type: 'rejected', reason: 'leadership transfer in progress' });
    else return s.leader;
    return null;
  }

  private changeMembership(
    c: Step<SM, Cmd, Query, Result>,
    commandId: number,
    command: Extract<RaftCommand<Cmd>, { type: 'addServer' | 'removeServer' }>,
  ): void {
    const s = c.s;
    const l = this.leading(c, commandId);
    if (l === null) return;
    const voters = s.membership.voters;
    const adding = command.type === 'addServer';
    const refusal =
      // Thesis §4.1: one change at a time; the next waits until the previous one is committed.
      l.pendingConfig !== null || s.membership.index > s.commitIndex
        ? 'a membership change is in progress'
        : // The single-server change fix: no change before an entry of this term (the no-op) is committed.
          s.commitIndex < l.termStartIndex
          ? 'no entry of the current term is committed yet'
          : adding && voters.includes(command.node)
            ? `${command.node} is already a voter`
            : !adding && !voters.includes(command.node)
              ? `${command.node} is not a voter`
              : !adding && voters.length === 1
                ? 'cannot remove the last voter'
                : null;
    if (refusal !== null) {
      this.reply(c, commandId, { type: 'rejected', reason: refusal });
      return;
    }
    const next = adding ? sortedIds([...voters, command.node]) : voters.filter((v) => v !== command.node);
    const e = this.appendAsLeader(c, { type: 'config', voters: next });
    l.pendingConfig = { index: e.index, commandId };
    this.replicate(c);
  }

  private transferLeadership(c: Step<SM, Cmd, Query, Result>, commandId: number, to: NodeId): void {
    const s = c.s;
    const l = this.leading(c, commandId);
    if (l === null) return;
    if (to === s.self) {
      this.reply(c, commandId, { type: 'ok', index: lastIndex(s.log) });
      return;
    }
    const pr = this.progressOf(l, to);
    if (pr === undefined || !this.isVoter(s, to)) {
      this.reply(c, commandId, { type: 'rejected', reason: `${to} is not a voter` });
      return;
    }
    // Thesis §3.10: stop taking requests, bring the target up to date, then send it TimeoutNow.
    l.transfer = { target: to, deadlineMs: c.env.nowMs + this.opts.transferTimeoutMs, commandId, timeoutNowSent: false };
    this.maybeSendTimeoutNow(c, pr);
    if (!l.transfer.timeoutNowSent) this.sendAppend(c, pr, true);
  }

  private maybeSendTimeoutNow(c: Step<SM, Cmd, Query, Result>, pr: Progress): void {
    const s = c.s;
    const t = (s.leader as LeaderState<Query>).transfer;
    if (t === null || t.timeoutNowSent || t.target !== pr.id || pr.matchIndex < lastIndex(s.log)) return;
    this.send(c, pr.id, { type: 'timeoutNow', term: s.currentTerm });
    t.timeoutNowSent = true;
    this.reply(c, t.commandId, { type: 'ok', index: pr.matchIndex });
  }

  private endTransfer(c: Step<SM, Cmd, Query, Result>, reason: string): void {
    const l = c.s.leader as LeaderState<Query>;
    const t = l.transfer;
    if (t === null) return;
    if (!t.timeoutNowSent) this.reply(c, t.commandId, { type: 'rejected', reason });
    l.transfer = null;
  }

  // -------------------------------------------------------------------------------------------
  // Small lookups

  private isVoter(s: RaftState<SM, Cmd, Query>, id: NodeId): boolean {
    return s.membership.voters.includes(id);
  }

  /**
   * A voter campaigns; so does a server that its latest configuration removes while that
   * configuration is not known to be committed: it may still be needed to commit it (thesis
   * §4.2.2; e.g. a removed leader whose log alone holds the change). Its own vote doesn't count.
   */
  private mayCampaign(s: RaftState<SM, Cmd, Query>): boolean {
    return this.isVoter(s, s.self) || s.membership.index > s.commitIndex;
  }

  private progressOf(l: LeaderState<Query>, id: NodeId): Progress | undefined {
    return l.progress.find((p) => p.id === id);
  }
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function newProgress(id: NodeId, nextIndex: number): Progress {
  return { id, matchIndex: 0, nextIndex, mode: 'probe', probeSent: false, recentActive: false, ackedReadSeq: 0 };
}
