/**
 * The composed cluster node's messages, commands, state and options. Everything here is plain
 * JSON (SWIM's messages are bytes), so the kernel can clone, hash and store it in reports.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { RaftMessage, RaftOptions, RaftState } from '../raft/types.ts';
import type { SwimConfig, SwimState } from '../swim/node.ts';
import type { Reply } from '../cluster/resp.ts';
import type { ClusterConfig, ConfigCommand, ConfigResult, ShardId } from '../cluster-config/config.ts';
import type { DataOp, DataOutput, KeyRecord, Store } from '../migration/store.ts';
import type { OutgoingMigration } from '../migration/source.ts';
import type { TryAgainReason } from '../migration/routing.ts';
import type { Candidacy, ElectionMode, ElectionOptions } from '../failover/election.ts';
import type { LeaseGrantor, LeaseHolder, LeaseOptions } from '../failover/lease.ts';
import type { ClusterBug } from './bugs.ts';

export type ConfigRaftMessage = RaftMessage<ConfigCommand, null, ConfigResult>;
export type ConfigRaftState = RaftState<ClusterConfig, ConfigCommand, null>;

/** One replicated change: a key set to a record, or deleted (r null). `o` is its offset in the stream. */
export interface ReplEntry {
  readonly o: number;
  readonly k: string;
  readonly r: KeyRecord | null;
}

/** What a client hears back. */
export type ClientResult =
  /** Executed (`offset`: where the write sits in the shard's replication stream; 0 for a read). */
  | { readonly k: 'ok'; readonly out: DataOutput; readonly shard: ShardId; readonly replId: string; readonly offset: number }
  | { readonly k: 'moved'; readonly slot: number; readonly node: NodeId }
  | { readonly k: 'ask'; readonly slot: number; readonly node: NodeId }
  | { readonly k: 'tryagain'; readonly slot: number; readonly reason: TryAgainReason };

export type ClusterMessage =
  /** The configuration group's Raft traffic, and proposals to it (clientRequest/clientResponse). */
  | { readonly t: 'raft'; readonly m: ConfigRaftMessage }
  /** SWIM's authenticated bytes. */
  | { readonly t: 'swim'; readonly b: Uint8Array }
  /** Ask for the committed configuration if the receiver knows one newer than `cv`. */
  | { readonly t: 'cfg-get'; readonly cv: number }
  | { readonly t: 'cfg'; readonly config: ClusterConfig }
  | { readonly t: 'lease-req'; readonly shard: ShardId; readonly seq: number; readonly cv: number }
  | { readonly t: 'lease-ans'; readonly shard: ShardId; readonly seq: number; readonly granted: boolean; readonly cv: number }
  | { readonly t: 'vote-req'; readonly shard: ShardId; readonly epoch: number; readonly failed: NodeId; readonly mode: ElectionMode; readonly cv: number }
  | { readonly t: 'vote-ans'; readonly shard: ShardId; readonly epoch: number; readonly granted: boolean; readonly lastVoteEpoch: number; readonly cv: number }
  /** CLUSTER FAILOVER (default): the replica asks its primary to stop writes and tell its offset. */
  | { readonly t: 'mf-start' }
  | { readonly t: 'mf-offset'; readonly replId: string; readonly offset: number }
  /** Replication: a replica asks to continue from (replId, offset); the primary streams entries or sends everything. */
  | { readonly t: 'psync'; readonly replId: string; readonly offset: number; readonly cv: number }
  /** Entries after offset `from` (none: a heartbeat), with the replicas' acknowledged offsets (for ranks). */
  | { readonly t: 'repl'; readonly replId: string; readonly from: number; readonly entries: readonly ReplEntry[]; readonly offsets: Readonly<Record<NodeId, number>>; readonly cv: number }
  | { readonly t: 'repl-full'; readonly replId: string; readonly offset: number; readonly records: readonly (readonly [string, KeyRecord])[]; readonly cv: number }
  | { readonly t: 'repl-ack'; readonly replId: string; readonly offset: number }
  /** MIGRATE: a batch of keys of migration `mig`, and its acknowledgement once the target (and its replicas) hold them. */
  | { readonly t: 'import'; readonly mig: number; readonly batch: number; readonly records: readonly (readonly [string, KeyRecord])[]; readonly cv: number }
  | { readonly t: 'import-ack'; readonly mig: number; readonly batch: number; readonly cv: number }
  /** An operator's command line (redis-cli), and its RESP reply. */
  | { readonly t: 'admin'; readonly argv: readonly string[] }
  | { readonly t: 'admin-reply'; readonly argv: readonly string[]; readonly reply: Reply }
  /** A client's request; `asking`: preceded by ASKING. `client`/`seq` identify it for the per-key sessions. */
  | { readonly t: 'req'; readonly send: number; readonly asking: boolean; readonly op: DataOp; readonly client: number; readonly seq: number }
  | { readonly t: 'res'; readonly send: number; readonly r: ClientResult; readonly cv: number };

/** Commands the world (or `--faults`-style tooling) can give a data node: a redis-cli command line. */
export type ClusterNodeCommand = { readonly type: 'admin'; readonly argv: readonly string[] };
export type ClusterNodeReply = Reply;

/** A write acknowledgement (or import, or settled migration batch) waiting for the replicas. */
export type Waiting =
  | { readonly kind: 'client'; readonly to: NodeId; readonly send: number; readonly offset: number; readonly out: DataOutput; readonly shard: ShardId }
  /** A read (or a retry of a write already executed) of a key whose last write is not yet on every replica. */
  | { readonly kind: 'keyed'; readonly to: NodeId; readonly send: number; readonly key: string; readonly shard: ShardId; readonly read: boolean; readonly asking: boolean; readonly out: DataOutput }
  | { readonly kind: 'import'; readonly to: NodeId; readonly mig: number; readonly batch: number; readonly offset: number };

export interface ReplState {
  /** The stream this node leads (primary) or follows (replica). */
  replId: string;
  /** Entries applied from the stream. */
  offset: number;
  /** A primary's recent entries (bounded), for partial resynchronisation and loss accounting. */
  backlog: ReplEntry[];
  /** Per backlog entry offset: acknowledged to a client (for the loss accounting of a demotion). */
  clientAcked: number[];
  /** Primary: each replica's acknowledged offset in this stream. */
  acks: Record<NodeId, number>;
  /** Primary: keys whose last write is not yet on every replica (synchronous mode), with its offset. */
  pendingKeys: Record<string, number>;
  /** Replica: the primary it follows, when it last heard from it, when it last asked to sync. */
  following: NodeId | null;
  lastHeardMs: number;
  lastSyncAskMs: number;
  /** Replica: siblings' offsets as the primary last reported them (for the election rank). */
  siblingOffsets: Record<NodeId, number>;
  /** Replica: ignore this primary's stream (a candidate, or a takeover in progress). */
  frozenFrom: NodeId | null;
  /** Appended data-file records since the last snapshot (the file is compacted past a bound). */
  appended: number;
}

export interface Proposal {
  readonly opId: number;
  readonly cmd: ConfigCommand;
  to: NodeId;
  sentAtMs: number;
  tries: number;
}

export interface ManualFailover {
  readonly mode: ElectionMode | 'takeover';
  readonly deadlineMs: number;
  /** default mode: the primary's offset to reach (null until it answered). */
  primaryOffset: { readonly replId: string; readonly offset: number } | null;
}

export interface ClusterNodeState {
  readonly self: NodeId;
  started: boolean;
  /** Steps taken, and the local clock at the last one (for checkers that reason about time). */
  steps: number;
  localNowMs: number;
  raft: ConfigRaftState | null;
  swim: SwimState;
  /** The committed configuration this node acts on: the newest it knows. */
  config: ClusterConfig;
  store: Store;
  /** Keys of migration batches on the wire or settling, by migration id. */
  locked: Record<string, number>;
  repl: ReplState;
  lease: LeaseHolder;
  /** Configuration-group voters only. */
  grantor: LeaseGrantor | null;
  lastVoteEpoch: number;
  candidacy: Candidacy | null;
  /** When an automatic election is due (null: none scheduled). */
  electionAtMs: number | null;
  /** No automatic candidacy before this (after a lost one). */
  electionRetryAtMs: number;
  /** The highest epoch seen in vote answers and own candidacies. */
  seenEpoch: number;
  manual: ManualFailover | null;
  /** A primary paused by a manual failover: no writes until this time. */
  pausedUntilMs: number;
  /** Bug 'promote-without-raft': acting as the primary of this shard without a committed promotion. */
  selfPromoted: { readonly shard: ShardId; readonly epoch: number } | null;
  outgoing: OutgoingMigration[];
  proposals: Proposal[];
  nextOpId: number;
  leaderGuess: NodeId | null;
  waiting: Waiting[];
  lastConfigPullMs: number;
  lastReplPingMs: number;
  /** The role last announced (role band), with its epoch. */
  announced: string;
}

export interface MigrationOptions {
  readonly batchSize: number;
  readonly batchIntervalMs: number;
  readonly resendAfterMs: number;
}

export interface ClusterNodeOptions {
  /** Every data node, sorted. */
  readonly nodes: readonly NodeId[];
  /** The configuration group's Raft voters (a subset of `nodes`); they also grant leases and votes. */
  readonly configVoters: readonly NodeId[];
  readonly initialConfig: ClusterConfig;
  /** WAIT: acknowledge a write only once every replica of the shard has it. */
  readonly syncReplication: boolean;
  readonly lease: LeaseOptions;
  readonly election: ElectionOptions;
  readonly migration: MigrationOptions;
  readonly swim: Partial<SwimConfig>;
  readonly raft: Partial<RaftOptions>;
  /** Housekeeping period: lease renewal, replication heartbeats, config pulls, migration pacing. */
  readonly tickMs: number;
  readonly replPingMs: number;
  /** A replica that has not heard from its primary for this long asks to resynchronise. */
  readonly replTimeoutMs: number;
  readonly configPullMs: number;
  /** Proposals to the configuration group are resent after this. */
  readonly proposeTimeoutMs: number;
  readonly bugs: readonly ClusterBug[];
}
