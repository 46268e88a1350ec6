/**
 * The step context every Raft rule works on: what the protocol object fixes for all its servers
 * (state machine, options, bugs), the state one step mutates and the effects it emits, in order.
 * Also the emitters that keep that order and the small lookups the rules share.
 *
 * Effect order is the durability contract (see node.ts): every rule emits through these helpers,
 * in the order the effects must reach the world.
 */
import { AssertionFailed } from '../contract/assert.ts';
import type { DiskWrite, Effect, Env, NodeId } from '../contract/protocol.ts';
import type { BugFlags } from './bugs.ts';
import { emptyLog } from './log.ts';
import type { RaftTimer } from './timers.ts';
import type {
  LeaderState,
  Membership,
  Progress,
  RaftMessage,
  RaftObservation,
  RaftOptions,
  RaftReply,
  RaftState,
  StateMachine,
} from './types.ts';

export type RaftEffect<Cmd, Query, Result> = Effect<RaftMessage<Cmd, Query, Result>, RaftReply<Result>, RaftObservation, RaftTimer>;

/** What one protocol object fixes for every server it runs. */
export interface RaftSetup<SM, Cmd, Query, Result> {
  readonly machine: StateMachine<SM, Cmd, Query, Result>;
  readonly opts: RaftOptions;
  readonly bugs: BugFlags;
  /** The configuration "at index 0", in force until a snapshot or a config entry says otherwise. */
  readonly bootstrap: Membership;
}

/** One step in progress: the state it mutates and the effects it emits, in order. */
export interface Step<SM, Cmd, Query, Result> extends RaftSetup<SM, Cmd, Query, Result> {
  s: RaftState<SM, Cmd, Query>;
  readonly env: Env;
  readonly fx: RaftEffect<Cmd, Query, Result>[];
}

/** A server before its first start, and the base a start rebuilds from (nothing volatile survives). */
export function initialState<SM, Cmd, Query, Result>(setup: RaftSetup<SM, Cmd, Query, Result>, self: NodeId): RaftState<SM, Cmd, Query> {
  return {
    self,
    started: false,
    role: 'follower',
    currentTerm: 0,
    votedFor: null,
    log: emptyLog(),
    snapshot: null,
    membership: setup.bootstrap,
    commitIndex: 0,
    lastApplied: 0,
    sm: setup.machine.init(),
    leaderId: null,
    electionTimeoutMs: setup.opts.electionTimeoutMaxMs,
    electionDeadlineMs: 0,
    electionTimerDueMs: null,
    lastLeaderContactMs: null,
    votesGranted: [],
    votesRejected: [],
    transferCampaign: false,
    leader: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Effects

export function send<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, to: NodeId, message: RaftMessage<Cmd, Query, Result>): void {
  c.fx.push({ type: 'send', to, message });
}

/**
 * A vote or an AppendEntries acknowledgement: it goes after the persists it depends on, or, with
 * the 'reply-before-persist' bug, ahead of every effect of this step.
 */
export function sendAck<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, to: NodeId, message: RaftMessage<Cmd, Query, Result>): void {
  if (c.bugs.replyBeforePersist) c.fx.unshift({ type: 'send', to, message });
  else c.fx.push({ type: 'send', to, message });
}

export function persist<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, write: DiskWrite): void {
  c.fx.push({ type: 'persist', write });
}

export function reply<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, commandId: number, answer: RaftReply<Result>): void {
  c.fx.push({ type: 'reply', commandId, reply: answer });
}

export function observe<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, observation: RaftObservation): void {
  c.fx.push({ type: 'observe', observation });
}

/** A rare branch of the rules was taken: counted for coverage (`Scenario.sometimes`), seen by no checker. */
export function cover<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, event: RaftCoverEvent): void {
  c.fx.push({ type: 'cover', event });
}

/** The rare branches of Raft's rules that a sweep should reach. */
export type RaftCoverEvent =
  | 'raft/vote-refused-stale-log'
  | 'raft/vote-refused-already-voted'
  | 'raft/prevote-refused'
  | 'raft/vote-ignored-in-lease'
  | 'raft/append-rejected-mismatch'
  | 'raft/append-skipped-committed'
  | 'raft/truncated-conflict'
  | 'raft/snapshot-sent'
  | 'raft/snapshot-installed'
  | 'raft/stale-term-refused'
  | 'raft/checkquorum-stepdown'
  | 'raft/leader-stepped-down'
  | 'raft/read-confirmed'
  | 'raft/transfer-timeout-now'
  | 'raft/transfer-won'
  | 'raft/membership-changed';

// ---------------------------------------------------------------------------------------------
// Small lookups

export function isVoter(s: RaftState<unknown, unknown, unknown>, id: NodeId): boolean {
  return s.membership.voters.includes(id);
}

/**
 * A voter campaigns; so does a server that its latest configuration removes while that
 * configuration is not known to be committed: it may still be needed to commit it (thesis
 * §4.2.2; e.g. a removed leader whose log alone holds the change). Its own vote doesn't count.
 */
export function mayCampaign(s: RaftState<unknown, unknown, unknown>): boolean {
  return isVoter(s, s.self) || s.membership.index > s.commitIndex;
}

/**
 * The leader's own state, for rules only a leader runs. Leader state exists exactly while the
 * role is leader (becomeLeader makes it, stepDown drops it). Hot: the message is built only on failure.
 */
export function leaderOf<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): LeaderState<Query> {
  const l = c.s.leader;
  if (l === null) throw new AssertionFailed(`raft ${c.s.self}: a leader's rule ran as ${c.s.role}`);
  return l;
}

export function progressOf(l: LeaderState<unknown>, id: NodeId): Progress | undefined {
  return l.progress.find((p) => p.id === id);
}

/** A peer the leader knows nothing about yet: probing from `nextIndex`, nothing matched. */
export function newProgress(id: NodeId, nextIndex: number): Progress {
  return { id, matchIndex: 0, nextIndex, mode: 'probe', probeSent: false, recentActive: false, ackedReadSeq: 0 };
}

export function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
