/**
 * Types of the stemedb cluster: configuration, the one message union every actor speaks, the
 * commands of gateways (the workload) and nodes (the operator), replies, state and observations.
 * Everything is plain JSON.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { SwimState } from '../swim/index.ts';
import type { RangeDesc, Meta } from './descriptor.ts';

export type StemeBug = 'merge-by-timestamp' | 'serve-after-handoff' | 'no-dead-invalidation' | 'merge-drops-right';

export const STEMEDB_BUGS: readonly { readonly name: StemeBug; readonly description: string }[] = [
  {
    name: 'merge-by-timestamp',
    description: "the meta-range gossip merge keeps the newer timestamp, not the higher version: with skewed clocks an old descriptor wins and caches never converge",
  },
  { name: 'serve-after-handoff', description: 'a node keeps serving a range (at its old version) after handing it to another node' },
  { name: 'no-dead-invalidation', description: 'a gateway never invalidates the cached ranges of a node declared dead and keeps routing to it' },
  { name: 'merge-drops-right', description: "a merge keeps only the left range's keys: the right half's subjects vanish" },
];

export function isStemeBug(name: string): name is StemeBug {
  return STEMEDB_BUGS.some((b) => b.name === name);
}

export interface StemeThresholds {
  /** Split a range holding more than this. */
  readonly splitAboveBytes: number;
  /** Merge two adjacent ranges of one owner holding less than this together. */
  readonly mergeBelowBytes: number;
}

export interface StemeConfig {
  /** The data nodes, sorted. */
  readonly nodes: readonly NodeId[];
  readonly gateways: readonly NodeId[];
  readonly shards: number;
  /** Owner plus replicas. */
  readonly replicationFactor: number;
  readonly thresholds: StemeThresholds;
  /** A node's period: a gossip push, replication, and (every other tick) handoff retransmissions and range maintenance. */
  readonly tickMs: number;
  /** The SWIM protocol period of the membership every node and gateway runs. */
  readonly membershipPeriodMs: number;
  /** A gateway retries a request after this long without an answer. */
  readonly requestTimeoutMs: number;
  /** A gateway gives up on an operation after this many attempts. */
  readonly maxAttempts: number;
  readonly bug: StemeBug | null;
}

/**
 * A subject's stored value. `value` null is a deletion's tombstone. `gateway` and `seq` (the
 * gateway's operation id) order the writes of one gateway: a write older than the one stored (a
 * network duplicate, a late retry) is not applied again.
 */
export interface Entry {
  readonly value: string | null;
  readonly sizeBytes: number;
  readonly gateway: NodeId;
  readonly seq: number;
}

/** Subject -> stored value. */
export type RangeData = Record<string, Entry>;

export type Op = 'get' | 'put' | 'delete';

/** Our messages (SWIM's are `Uint8Array`s: see membership.ts). */
export type StemeMessage =
  /** Gossip push of a whole meta-range (also the answer to a pull). */
  | { readonly type: 'meta'; readonly descs: readonly RangeDesc[] }
  /** Gateway -> node: send me your meta-range. */
  | { readonly type: 'metaPull' }
  /** Gateway -> owner: an operation on a subject, fenced by the descriptor version the gateway routed by. */
  | {
      readonly type: 'request';
      readonly reqId: number;
      readonly attempt: number;
      readonly op: Op;
      readonly subject: string;
      readonly rangeId: string;
      readonly version: number;
      readonly value: string | null;
      readonly sizeBytes: number;
    }
  | { readonly type: 'served'; readonly reqId: number; readonly attempt: number; readonly value: string | null }
  /** The node does not own the range at that version (or it is moving): here is what it knows of the subject's range. */
  | { readonly type: 'refused'; readonly reqId: number; readonly attempt: number; readonly reason: RefusalReason; readonly descs: readonly RangeDesc[] }
  /** Handoff: the next version of a range, owned by the receiver, with its data. Retransmitted until acknowledged. */
  | { readonly type: 'transfer'; readonly desc: RangeDesc; readonly data: RangeData }
  /** The receiver holds the range at `version` or later; `desc` is its installed descriptor when it still owns it. */
  | { readonly type: 'transferAck'; readonly id: string; readonly version: number; readonly desc: RangeDesc | null }
  /** Owner -> replica: a full copy of the range. */
  | { readonly type: 'replicate'; readonly desc: RangeDesc; readonly data: RangeData };

export type RefusalReason = 'not-owner' | 'stale-version' | 'moving';

/** The workload: operations sent to a gateway. */
export type GatewayCommand =
  | { readonly type: 'get'; readonly subject: string }
  | { readonly type: 'put'; readonly subject: string; readonly value: string; readonly sizeBytes: number }
  | { readonly type: 'delete'; readonly subject: string };

export type GatewayReply =
  | { readonly type: 'ok'; readonly op: Op; readonly subject: string; readonly value: string | null; readonly attempts: number }
  /** Given up. `maybeApplied`: a write attempt went unanswered, so it may have taken effect (even later). */
  | { readonly type: 'failed'; readonly op: Op; readonly subject: string; readonly maybeApplied: boolean; readonly attempts: number };

/** The operator: hand one of your ranges to `to`. */
export type NodeCommand = { readonly type: 'shed'; readonly to: NodeId };

export type NodeReply = { readonly type: 'shed'; readonly rangeId: string | null };

export type StemeCommand = GatewayCommand | NodeCommand;
export type StemeReply = GatewayReply | NodeReply;

export interface OwnedRange {
  desc: RangeDesc;
  data: RangeData;
  /** A handoff in progress: the next version, owned by the receiver. The range is not served meanwhile. */
  moving: RangeDesc | null;
  /** Only with the 'serve-after-handoff' bug: handed off, but kept (and served). */
  handedOff: boolean;
}

export interface StemeNodeState {
  readonly self: NodeId;
  started: boolean;
  // Durable (the 'node' file): what this node owns, and the highest version of every range it held.
  owned: Record<string, OwnedRange>;
  /** Range id -> the highest version this node ever installed, handed off or retired: a transfer at or below it is old news. */
  highWater: Record<string, number>;
  /** Range ids this node makes at a split are `${self}.${nextRangeSeq}`. */
  nextRangeSeq: number;
  /** Tombstones of the ranges this node merged away: nobody else owns them, so their merger keeps them (and gossips them). */
  tombstones: Record<string, RangeDesc>;
  // Durable (the 'copies' file): replica copies.
  copies: Record<string, { desc: RangeDesc; data: RangeData }>;
  // Volatile.
  meta: Meta;
  /** The SWIM member running beside the node. */
  swim: SwimState;
  /** Peers SWIM declared dead (and not alive since). */
  dead: Record<NodeId, boolean>;
  tick: number;
  /** Owned ranges whose replicas need a fresh copy, sorted. */
  dirty: string[];
}

export interface GatewayOp {
  readonly commandId: number;
  readonly op: Op;
  readonly subject: string;
  readonly shard: number;
  readonly value: string | null;
  readonly sizeBytes: number;
  attempt: number;
  maybeApplied: boolean;
  /** The request in flight, or null while backing off. */
  awaiting: { readonly to: NodeId; readonly rangeId: string; readonly version: number } | null;
}

export interface GatewayState {
  readonly self: NodeId;
  started: boolean;
  cache: Meta;
  swim: SwimState;
  /** Nodes SWIM declared dead (and not alive since). */
  dead: Record<NodeId, boolean>;
  /** Operations in progress by command id (at most one per subject). */
  ops: Record<string, GatewayOp>;
  /** Operations waiting for an earlier one on the same subject, in arrival order. */
  waiting: { readonly commandId: number; readonly command: GatewayCommand }[];
}

export type StemeObservation =
  /** A node became the owner of a range version (after persisting it). Re-observed at every restart. */
  | { readonly type: 'installed'; readonly desc: RangeDesc; readonly keys: number }
  /** A range was merged away: its tombstone. */
  | { readonly type: 'retired'; readonly desc: RangeDesc }
  | { readonly type: 'handoffStarted'; readonly id: string; readonly version: number; readonly to: NodeId }
  | { readonly type: 'handedOff'; readonly id: string; readonly version: number; readonly to: NodeId }
  /** A node served a request at the range version it names. */
  | { readonly type: 'served'; readonly rangeId: string; readonly version: number; readonly subject: string; readonly op: Op; readonly gateway: NodeId; readonly reqId: number }
  | { readonly type: 'refused'; readonly rangeId: string; readonly version: number; readonly subject: string; readonly reason: RefusalReason }
  /** SWIM changed the observer's mind about a peer: dead (or left), or alive again. */
  | { readonly type: 'declared'; readonly peer: NodeId; readonly status: 'dead' | 'alive' }
  /** A gateway sent a request. */
  | { readonly type: 'routed'; readonly to: NodeId; readonly reqId: number; readonly rangeId: string; readonly version: number; readonly subject: string }
  /** A gateway dropped cached descriptors of a dead node. */
  | { readonly type: 'invalidated'; readonly node: NodeId; readonly ids: readonly string[] }
  | { readonly type: 'started'; readonly owned: number; readonly copies: number };
