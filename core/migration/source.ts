/**
 * The source side of a live slot migration, as pure functions over plain data (what `redis-cli
 * --cluster reshard` and MIGRATE do between them, driven here by the source primary itself):
 *
 *   1. the committed configuration says the range is MIGRATING from this shard to the target;
 *   2. every `batchIntervalMs` the source takes up to `batchSize` keys of the range
 *      (CLUSTER GETKEYSINSLOT), locks them (requests on them get TRYAGAIN) and sends them to the
 *      target's primary (MIGRATE ... KEYS);
 *   3. the target stores them durably (its replicas too) and acknowledges; the source deletes its
 *      copies, and under synchronous replication waits until its replicas have the deletion too
 *      before the keys unlock (from then on, requests on them get ASK);
 *   4. once the range holds no key, the source proposes CLUSTER SETSLOT NODE (`migrate-finish`),
 *      which the Raft group commits: from then on the target owns the range.
 *
 * A batch that is not acknowledged within `resendAfterMs` is sent again (to the target's primary
 * of the moment): importing is idempotent. The bug 'migrating-exit-early' proposes the finish
 * while the last batch is still to go, stranding its keys on the source.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { SlotRange } from '../slots/index.ts';
import type { ShardId } from '../cluster-config/config.ts';
import { type Store, countKeysInRange, keysInRange } from './store.ts';

export interface OutgoingMigration {
  readonly id: number;
  readonly range: SlotRange;
  readonly target: ShardId;
  /** Number of the last batch sent (batches count from 1). */
  batch: number;
  /** The batch on the wire; its keys are locked. */
  inFlight: { readonly batch: number; readonly keys: readonly string[]; to: NodeId; sentAtMs: number } | null;
  /** Keys deleted after the target took them, locked until this shard's replicas have the deletion (offset). */
  settling: { readonly keys: readonly string[]; readonly offset: number } | null;
  /** Batches are paced: not before this time. */
  nextAtMs: number;
  /** When `migrate-finish` was last proposed (null: not yet). */
  finishProposedAtMs: number | null;
  /** Keys handed over so far. */
  moved: number;
}

export interface SourceOptions {
  readonly batchSize: number;
  readonly batchIntervalMs: number;
  readonly resendAfterMs: number;
  /** Bug 'migrating-exit-early'. */
  readonly exitEarly: boolean;
}

export type SourceAction =
  | { readonly kind: 'idle' }
  | { readonly kind: 'send'; readonly keys: readonly string[] }
  | { readonly kind: 'resend' }
  | { readonly kind: 'finish' };

export function startOutgoing(id: number, range: SlotRange, target: ShardId, nowMs: number): OutgoingMigration {
  return { id, range, target, batch: 0, inFlight: null, settling: null, nextAtMs: nowMs, finishProposedAtMs: null, moved: 0 };
}

/** What the source should do now. */
export function nextSourceAction(m: OutgoingMigration, store: Store, nowMs: number, o: SourceOptions): SourceAction {
  if (m.settling !== null) return { kind: 'idle' };
  if (m.inFlight !== null) return nowMs - m.inFlight.sentAtMs >= o.resendAfterMs ? { kind: 'resend' } : { kind: 'idle' };
  if (m.finishProposedAtMs !== null) return nowMs - m.finishProposedAtMs >= o.resendAfterMs ? { kind: 'finish' } : { kind: 'idle' };
  if (nowMs < m.nextAtMs) return { kind: 'idle' };
  const left = countKeysInRange(store, m.range);
  if (left === 0) return { kind: 'finish' };
  // The bug: "this is the last batch, we're as good as done" -- and the last batch never goes.
  if (o.exitEarly && left <= o.batchSize) return { kind: 'finish' };
  return { kind: 'send', keys: keysInRange(store, m.range, o.batchSize) };
}

/** Record a batch sent; its keys are locked until it is acknowledged and settled. */
export function batchSent(m: OutgoingMigration, keys: readonly string[], to: NodeId, nowMs: number): number {
  m.batch += 1;
  m.inFlight = { batch: m.batch, keys: [...keys], to, sentAtMs: nowMs };
  return m.batch;
}

/**
 * The target acknowledged batch `batch`: the keys to delete here, or null for an answer to an
 * older batch (a duplicate, or a batch resent since).
 */
export function batchAcknowledged(m: OutgoingMigration, batch: number): readonly string[] | null {
  if (m.inFlight === null || m.inFlight.batch !== batch) return null;
  const keys = m.inFlight.keys;
  m.inFlight = null;
  m.moved += keys.length;
  return keys;
}

/** After deleting the batch's keys at replication offset `offset`: settle now (asynchronous) or once replicas reach it. */
export function batchDeleted(m: OutgoingMigration, keys: readonly string[], offset: number, waitForReplicas: boolean, nowMs: number, o: SourceOptions): void {
  m.settling = waitForReplicas && keys.length > 0 ? { keys, offset } : null;
  m.nextAtMs = nowMs + o.batchIntervalMs;
}

/** Replicas acknowledged `ackedOffset`: the settling keys unlock when it covers their deletion. */
export function replicasReached(m: OutgoingMigration, ackedOffset: number): boolean {
  if (m.settling === null || ackedOffset < m.settling.offset) return false;
  m.settling = null;
  return true;
}

/** Keys that must not be served now: the batch on the wire and the settling one. */
export function lockedKeys(m: OutgoingMigration): readonly string[] {
  return [...(m.inFlight?.keys ?? []), ...(m.settling?.keys ?? [])];
}
