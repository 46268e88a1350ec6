/**
 * The types of the Raft core: configuration, the replicated state machine interface, messages,
 * operator commands and replies, the node's state and its observations.
 *
 * Everything that is part of a node's state or crosses the wire is plain JSON (no Map, Set, class
 * or undefined-valued field), so the kernel can clone, hash and store it in reports.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { RaftBugName } from './bugs.ts';

/** A JSON value: what a state-machine snapshot may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The state machine that Raft replicates. `apply` may mutate `state` and return it (a step owns its
 * node's state); `snapshot` must return an independent copy and `restore` must not alias its input.
 * All four must be deterministic.
 */
export interface StateMachine<SM, Cmd, Query, Result> {
  readonly name: string;
  init(): SM;
  apply(state: SM, command: Cmd): { state: SM; result: Result };
  /** A read-only query, served by the leader after ReadIndex (thesis §6.4). */
  query(state: SM, query: Query): Result;
  snapshot(state: SM): Json;
  restore(snapshot: Json): SM;
}

// ---------------------------------------------------------------------------------------------
// Configuration

export interface RaftOptions {
  /** The bootstrap membership, the configuration "at index 0". Later ones come from the log. */
  readonly voters: readonly NodeId[];
  readonly electionTimeoutMinMs: number;
  readonly electionTimeoutMaxMs: number;
  readonly heartbeatIntervalMs: number;
  /** Pre-vote phase before a real election (thesis §9.6). */
  readonly preVote: boolean;
  /** A leader steps down when it has not heard from a majority within an election timeout (thesis §6.2, §9.6). */
  readonly checkQuorum: boolean;
  /** Take a snapshot and compact the log every this many applied entries; 0 = never. */
  readonly snapshotEveryEntries: number;
  /** Most entries in one AppendEntries. */
  readonly maxEntriesPerMessage: number;
  /** A leadership transfer that has not sent TimeoutNow within this time is abandoned (thesis §3.10). */
  readonly transferTimeoutMs: number;
  /** Known protocol bugs to switch on (see bugs.ts). Empty for a correct Raft. */
  readonly bugs: readonly RaftBugName[];
}

/** What a scenario passes: the voters, and any option it wants to change from the defaults. */
export type RaftConfig = Partial<RaftOptions> & { readonly voters: readonly NodeId[] };

// ---------------------------------------------------------------------------------------------
// The log

export type EntryData<Cmd> =
  /** Appended by every new leader, so it can commit (and change membership) in its term. */
  | { readonly type: 'noop' }
  | { readonly type: 'command'; readonly command: Cmd }
  /** A single-server membership change; takes effect on every node as soon as it is appended. */
  | { readonly type: 'config'; readonly voters: readonly NodeId[] };

export interface LogEntry<Cmd> {
  readonly index: number;
  readonly term: number;
  /** CRC-32 of the entry's data as JSON, computed once by the leader that created it. */
  readonly hash: number;
  readonly data: EntryData<Cmd>;
}

/** The in-memory log: entries after the last snapshot; `entries[k]` has index `snapshotIndex + 1 + k`. */
export interface RaftLog<Cmd> {
  snapshotIndex: number;
  snapshotTerm: number;
  entries: LogEntry<Cmd>[];
}

export interface Snapshot {
  /** Last index and term the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** The membership as of `index`. */
  readonly voters: readonly NodeId[];
  /** The state machine's snapshot. */
  readonly data: Json;
}

/** The membership in force: the last config entry in the log, else the snapshot's, else the bootstrap one. */
export interface Membership {
  readonly voters: readonly NodeId[];
  /** Index of the entry that set it (0 for the bootstrap configuration). */
  readonly index: number;
}

// ---------------------------------------------------------------------------------------------
// Messages (one union: peer messages and the client protocol)

export type ClientRequestBody<Cmd, Query> =
  | { readonly kind: 'write'; readonly command: Cmd }
  | { readonly kind: 'read'; readonly query: Query };

export type ClientOutcome<Result> =
  | { readonly status: 'ok'; readonly result: Result }
  /** This node is not (or no longer) able to serve the request; it did not append it. */
  | { readonly status: 'notLeader'; readonly leaderHint: NodeId | null };

export type RaftMessage<Cmd, Query, Result> =
  | {
      readonly type: 'requestVote';
      /** For a pre-vote, the term the sender would campaign in (its term + 1); its own term is unchanged. */
      readonly term: number;
      readonly lastLogIndex: number;
      readonly lastLogTerm: number;
      readonly preVote: boolean;
      /** Sent after TimeoutNow: voters disregard their leader lease (thesis §3.10). */
      readonly transfer: boolean;
    }
  | { readonly type: 'requestVoteResponse'; readonly term: number; readonly granted: boolean; readonly preVote: boolean }
  | {
      readonly type: 'appendEntries';
      readonly term: number;
      readonly prevLogIndex: number;
      readonly prevLogTerm: number;
      readonly entries: readonly LogEntry<Cmd>[];
      readonly leaderCommit: number;
      /** The leader's read round; echoed in the response to confirm leadership for ReadIndex. */
      readonly readSeq: number;
    }
  | {
      readonly type: 'appendEntriesResponse';
      readonly term: number;
      readonly success: boolean;
      /** On success: the follower's log matches the leader's up to here. */
      readonly matchIndex: number;
      /** On failure: the prevLogIndex of the rejected request. */
      readonly rejectedIndex: number;
      /** On failure: the largest index at or below the rejected one whose term is at most prevLogTerm, and its term (fast backtracking). */
      readonly hintIndex: number;
      readonly hintTerm: number;
      readonly readSeq: number;
    }
  /** Whole snapshot in one message (Fig. 13 without chunking); answered by an appendEntriesResponse. */
  | { readonly type: 'installSnapshot'; readonly term: number; readonly snapshot: Snapshot; readonly readSeq: number }
  /** Leadership transfer: start an election now (thesis §3.10). */
  | { readonly type: 'timeoutNow'; readonly term: number }
  | { readonly type: 'clientRequest'; readonly opId: number; readonly request: ClientRequestBody<Cmd, Query> }
  | { readonly type: 'clientResponse'; readonly opId: number; readonly outcome: ClientOutcome<Result> };

export type PeerMessage<Cmd, Query, Result> = Exclude<
  RaftMessage<Cmd, Query, Result>,
  { type: 'clientRequest' } | { type: 'clientResponse' }
>;

// ---------------------------------------------------------------------------------------------
// Operator commands and their replies

export type RaftCommand<Cmd> =
  /** Replicate a command without a client session; replied to once applied. */
  | { readonly type: 'propose'; readonly command: Cmd }
  | { readonly type: 'addServer'; readonly node: NodeId }
  | { readonly type: 'removeServer'; readonly node: NodeId }
  | { readonly type: 'transferLeadership'; readonly to: NodeId };

export type RaftReply<Result> =
  /** `propose`: applied at `index`. */
  | { readonly type: 'applied'; readonly index: number; readonly result: Result }
  /** Membership change committed at `index`, or TimeoutNow sent with the leader's log at `index`. */
  | { readonly type: 'ok'; readonly index: number }
  | { readonly type: 'notLeader'; readonly leaderHint: NodeId | null }
  /** Refused (precondition) or abandoned (leadership lost, transfer timed out); the outcome of an appended entry is then unknown. */
  | { readonly type: 'rejected'; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// State

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** How the leader sends to one peer (as etcd's Progress): probing for the match point, streaming, or waiting for a snapshot. */
export type ProgressMode = 'probe' | 'replicate' | 'snapshot';

export interface Progress {
  readonly id: NodeId;
  matchIndex: number;
  nextIndex: number;
  mode: ProgressMode;
  /** In probe mode: an AppendEntries is in flight, wait for its answer or the next heartbeat. */
  probeSent: boolean;
  /** Heard from since the last CheckQuorum. */
  recentActive: boolean;
  /** Highest read round this peer answered in the current term. */
  ackedReadSeq: number;
}

export type WriteOrigin =
  | { readonly kind: 'client'; readonly node: NodeId; readonly opId: number }
  | { readonly kind: 'operator'; readonly commandId: number };

export interface PendingWrite {
  readonly index: number;
  readonly term: number;
  readonly origin: WriteOrigin;
}

export interface PendingRead<Query> {
  readonly node: NodeId;
  readonly opId: number;
  readonly query: Query;
  /** Serve once lastApplied reaches it (thesis §6.4 step 4). */
  readonly readIndex: number;
  /** Serve once a majority answered this read round (thesis §6.4 step 3). */
  readonly readSeq: number;
}

export interface LeaderState<Query> {
  /** One per voter other than self, sorted by id. */
  progress: Progress[];
  /** Index of this term's no-op: until it commits, no membership change and reads wait for it. */
  termStartIndex: number;
  readSeq: number;
  pendingReads: PendingRead<Query>[];
  /** Sorted by index. */
  pendingWrites: PendingWrite[];
  pendingConfig: { readonly index: number; readonly commandId: number } | null;
  transfer: { readonly target: NodeId; readonly deadlineMs: number; readonly commandId: number; timeoutNowSent: boolean } | null;
  lastQuorumCheckMs: number;
}

export interface RaftState<SM, Cmd, Query = unknown> {
  readonly self: NodeId;
  /** false between init and the start input. */
  started: boolean;
  role: Role;
  // Persistent state on all servers (Fig. 2), mirrored on disk.
  currentTerm: number;
  votedFor: NodeId | null;
  log: RaftLog<Cmd>;
  snapshot: Snapshot | null;
  // Volatile state on all servers.
  membership: Membership;
  commitIndex: number;
  lastApplied: number;
  sm: SM;
  leaderId: NodeId | null;
  /** The randomized election timeout in force, drawn at every role change. */
  electionTimeoutMs: number;
  /** When a follower or candidate starts an election unless it hears from a leader first. */
  electionDeadlineMs: number;
  /** When the armed election timer fires (null: none armed); the timer is re-armed lazily. */
  electionTimerDueMs: number | null;
  /** Last time a leader of the current term was heard from (null: never in this incarnation). */
  lastLeaderContactMs: number | null;
  /** Candidates and pre-candidates: voters that granted or rejected, sorted. */
  votesGranted: NodeId[];
  votesRejected: NodeId[];
  /** The current campaign was started by the leader's TimeoutNow (for coverage: a transfer that wins). */
  transferCampaign: boolean;
  leader: LeaderState<Query> | null;
}

// ---------------------------------------------------------------------------------------------
// Observations

export interface EntryId {
  readonly index: number;
  readonly term: number;
  readonly hash: number;
}

export type RaftObservation =
  | { readonly kind: 'becameLeader'; readonly node: NodeId; readonly term: number; readonly lastIndex: number }
  | { readonly kind: 'becameFollower'; readonly node: NodeId; readonly term: number; readonly leaderId: NodeId | null }
  | { readonly kind: 'becameCandidate'; readonly node: NodeId; readonly term: number }
  /** `term` is the node's current term; it campaigns for term + 1 if the pre-vote succeeds. */
  | { readonly kind: 'becamePreCandidate'; readonly node: NodeId; readonly term: number }
  /**
   * A follower heard from the leader of its term for the first time (its first AppendEntries or
   * InstallSnapshot), without a role change; with a role change, `becameFollower` names the leader.
   */
  | { readonly kind: 'leaderContact'; readonly node: NodeId; readonly term: number; readonly leaderId: NodeId }
  /** Written to the meta file (after the persist effect). */
  | { readonly kind: 'persistedMeta'; readonly node: NodeId; readonly term: number; readonly votedFor: NodeId | null }
  /** commitIndex advanced; `entries` are the newly committed ones still in the in-memory log. */
  | { readonly kind: 'committed'; readonly node: NodeId; readonly term: number; readonly commitIndex: number; readonly entries: readonly EntryId[] }
  /** Entries applied to the state machine, in order. */
  | { readonly kind: 'applied'; readonly node: NodeId; readonly entries: readonly EntryId[] }
  /**
   * Entries from `fromIndex` on were removed from the log. `reason` 'conflict': AppendEntries
   * receiver rule 3; 'corrupt-record': a bad checksum or a torn record found at restart (the
   * amaters WAL policy: drop it and everything after it); 'snapshot': discarded because they did
   * not follow a newer snapshot (Fig. 13 rule 7).
   */
  | {
      readonly kind: 'truncated';
      readonly node: NodeId;
      readonly fromIndex: number;
      readonly removed: number;
      readonly reason: 'conflict' | 'corrupt-record' | 'snapshot';
      readonly commitIndex: number;
      readonly detail: string;
    }
  /** A durable file other than the log could not be read back (never happens with the kernel's atomic overwrites). */
  | { readonly kind: 'corruptFile'; readonly node: NodeId; readonly file: string; readonly detail: string }
  | { readonly kind: 'snapshotTaken'; readonly node: NodeId; readonly index: number; readonly term: number }
  | { readonly kind: 'snapshotInstalled'; readonly node: NodeId; readonly index: number; readonly term: number }
  | { readonly kind: 'membership'; readonly node: NodeId; readonly voters: readonly NodeId[]; readonly index: number }
  /** Rebuilt from durable state at a start (boot on an empty disk, or restart after a crash). */
  | {
      readonly kind: 'started';
      readonly node: NodeId;
      readonly term: number;
      readonly votedFor: NodeId | null;
      readonly snapshotIndex: number;
      readonly lastIndex: number;
    };
