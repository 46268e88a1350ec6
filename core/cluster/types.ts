/**
 * What the CLUSTER command layer works on and returns.
 *
 * `executeClusterCommand` is pure: it reads one node's view, decides the reply, and returns the
 * new view. Anything that needs the world (a handshake with a new node, a failover election, a
 * key transfer, a per-connection flag) comes back as an `intent` for the layer that owns that
 * protocol to act on; the command layer itself never sends or waits.
 */
import type { ClusterNodeId, ClusterState } from '../topology/index.ts';
import type { SlotKeyIndex } from './key-index.ts';
import type { Reply } from './resp.ts';

/** One node's view: its cluster config and the keys it holds. */
export interface ClusterView {
  readonly cluster: ClusterState;
  readonly keys: SlotKeyIndex;
}

export interface CommandContext {
  /** The node's local clock, for the CLUSTER FORGET ban. */
  readonly nowMs: number;
  /** Cluster bus message totals for CLUSTER INFO, if the caller counts them (0 otherwise). */
  readonly busMessages?: { readonly sent: number; readonly received: number };
}

export type FailoverMode = 'default' | 'force' | 'takeover';

export type ClusterIntent =
  /** CLUSTER MEET: start a handshake with the node at this address (Redis: clusterStartHandshake). */
  | { readonly type: 'meet'; readonly host: string; readonly port: number; readonly busPort: number }
  /** This node now follows `primaryId`: (re)start replication from it. */
  | { readonly type: 'replicate'; readonly primaryId: ClusterNodeId }
  /**
   * CLUSTER FAILOVER on a replica, preconditions checked: `default` coordinates with the primary,
   * `force` skips that, `takeover` also skips the election (bumps the epoch unilaterally).
   */
  | { readonly type: 'failover'; readonly mode: FailoverMode; readonly primaryId: ClusterNodeId }
  /**
   * MIGRATE: move `keys` (all present here) to host:port, database `db`, within `timeoutMs`.
   * `copy` keeps the local keys; `replace` overwrites existing target keys.
   */
  | {
      readonly type: 'migrate';
      readonly host: string;
      readonly port: number;
      readonly db: number;
      readonly timeoutMs: number;
      readonly keys: readonly string[];
      readonly copy: boolean;
      readonly replace: boolean;
      readonly auth: { readonly username: string | null; readonly password: string } | null;
    }
  /** ASKING: let this connection's next command reach an importing slot (a per-client flag). */
  | { readonly type: 'asking' };

export interface CommandResult {
  /** The new view (the same object when nothing changed). */
  readonly state: ClusterView;
  /**
   * The reply. For MIGRATE it is the reply due once the transfer succeeds; whoever runs the
   * intent answers with an IOERR error instead if it fails.
   */
  readonly reply: Reply;
  readonly intent: ClusterIntent | null;
  /**
   * The cluster config changed and must be durably saved BEFORE the reply is sent, as Redis
   * saves and fsyncs nodes.conf before answering (clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG)).
   */
  readonly saveConfig: boolean;
}
