/**
 * Who serves a key: MOVED and ASK redirects as the Redis Cluster specification defines them, over
 * a node's committed configuration.
 *
 *   - The slot's owner serves it, unless the slot is MIGRATING away: then it serves the keys it
 *     still holds, answers TRYAGAIN for keys in a batch on the wire, and ASK (to the target) for a
 *     key it does not have, existing or not.
 *   - The target of a migration (IMPORTING) serves the slot only for a request preceded by
 *     ASKING; without it, it answers MOVED to the owner, like every other node.
 *   - A node that owns a slot but may not serve right now (a primary without a valid lease, or
 *     one paused by a manual failover) answers TRYAGAIN; a replica answers MOVED to its primary.
 *
 * `writeClaims` is the same decision seen from the slot's side: the slots for which this node
 * would execute a write arriving without ASKING. The single-writer checker compares nodes' claims.
 */
import type { NodeId } from '../contract/protocol.ts';
import { type SlotRange, keySlot, normalizeSlotRanges, subtractSlotRanges, unionSlotRanges, intersectSlotRanges } from '../slots/index.ts';
import { type ClusterConfig, type ShardConfig, migrationOfSlot, shardById, shardOfNode, slotOwnerShard } from '../cluster-config/config.ts';
import { type Store, hasKey, slotsWithKeys } from './store.ts';

export interface RouteView {
  readonly self: NodeId;
  /** The configuration the node acts on. */
  readonly config: ClusterConfig;
  /** This node is its shard's primary in `config` and may execute writes now (lease valid, not paused). */
  readonly serving: boolean;
  readonly store: Store;
  /** Keys of a migration batch on the wire (or whose removal is settling): not served until it settles. */
  readonly locked: Readonly<Record<string, unknown>>;
  /** Bug 'importing-without-asking': the target serves an IMPORTING slot without ASKING. */
  readonly importingWithoutAsking: boolean;
}

export type TryAgainReason = 'migrating-key' | 'not-serving';

export type RouteDecision =
  | { readonly kind: 'serve'; readonly slot: number }
  | { readonly kind: 'moved'; readonly slot: number; readonly node: NodeId }
  | { readonly kind: 'ask'; readonly slot: number; readonly node: NodeId }
  | { readonly kind: 'tryagain'; readonly slot: number; readonly reason: TryAgainReason };

function myShard(view: RouteView): ShardConfig | undefined {
  return shardOfNode(view.config, view.self);
}

/** The decision for a request on `key`, `asking` when the client sent ASKING right before it. */
export function routeKey(view: RouteView, key: string, asking: boolean): RouteDecision {
  const slot = keySlot(key);
  const config = view.config;
  const owner = slotOwnerShard(config, slot);
  if (owner === undefined) throw new Error(`routeKey: slot ${slot} has no owner in config v${config.version}`);
  const mine = myShard(view);
  const primary = mine !== undefined && mine.primary === view.self;
  const migration = migrationOfSlot(config, slot);
  if (mine !== undefined && mine.id === owner.id && primary) {
    if (!view.serving) return { kind: 'tryagain', slot, reason: 'not-serving' };
    if (migration !== undefined && migration.source === mine.id) {
      if (Object.hasOwn(view.locked, key)) return { kind: 'tryagain', slot, reason: 'migrating-key' };
      if (hasKey(view.store, key)) return { kind: 'serve', slot };
      return { kind: 'ask', slot, node: shardById(config, migration.target)!.primary };
    }
    return { kind: 'serve', slot };
  }
  if (primary && migration !== undefined && migration.target === mine!.id && (asking || view.importingWithoutAsking)) {
    if (!view.serving) return { kind: 'tryagain', slot, reason: 'not-serving' };
    return { kind: 'serve', slot };
  }
  return { kind: 'moved', slot, node: owner.primary };
}

export interface WriteClaims {
  /** Slots where any key would be written without ASKING. */
  readonly full: readonly SlotRange[];
  /** MIGRATING slots where this node still holds (unlocked) keys it would write. */
  readonly holding: readonly SlotRange[];
}

const NO_CLAIMS: WriteClaims = { full: [], holding: [] };

/** The slots for which this node would execute a write that arrives without ASKING. */
export function writeClaims(view: RouteView): WriteClaims {
  const mine = myShard(view);
  if (!view.serving || mine === undefined || mine.primary !== view.self) return NO_CLAIMS;
  let full: SlotRange[] = [...mine.slots];
  let holding: SlotRange[] = [];
  for (const m of view.config.migrations) {
    if (m.source === mine.id) {
      full = subtractSlotRanges(full, [m.range]);
      const held = slotsWithKeys(view.store, m.range).filter((slot) =>
        (view.store.index.slots[slot] ?? []).some((key) => !Object.hasOwn(view.locked, key)),
      );
      if (held.length > 0) holding = unionSlotRanges(holding, normalizeSlotRanges(held.map((s) => ({ start: s, end: s }))));
    } else if (m.target === mine.id && view.importingWithoutAsking) {
      full = unionSlotRanges(full, [m.range]);
    }
  }
  return { full, holding };
}

/** All claimed slots of a claim set. */
export function claimedSlots(claims: WriteClaims): SlotRange[] {
  return unionSlotRanges(claims.full, claims.holding);
}

/** The first slot two claim sets share, or null. */
export function firstSharedSlot(a: WriteClaims, b: WriteClaims): number | null {
  const shared = intersectSlotRanges(claimedSlots(a), claimedSlots(b));
  return shared.length === 0 ? null : shared[0]!.start;
}
