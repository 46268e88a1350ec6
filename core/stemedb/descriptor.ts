/**
 * Range descriptors and the meta-range, as stemedb routes data: a subject is hashed (BLAKE3),
 * jump hash picks its shard, and inside the shard the subject string falls in one key range. Each
 * range has one owner node (the only node that serves it) and replicas that keep copies.
 *
 * The meta-range is every actor's cached map of descriptors, spread by gossip. A descriptor's
 * `version` grows by one at every change of the range (split, merge, handoff), and the gossip
 * merge keeps the higher version, so every cache converges to the newest descriptors. A range
 * merged away stays as a tombstone (owner null) with a higher version, so a stale live copy of it
 * is replaced too.
 *
 * `timestampMs` is the writer's local (skewed) clock when the version was made. Only the
 * documented 'merge-by-timestamp' bug reads it: with clock faults, a newer version can carry an
 * older timestamp.
 */
import type { NodeId } from '../contract/protocol.ts';
import { shardForSubject } from '../hashing/index.ts';

export interface RangeDesc {
  readonly id: string;
  readonly shard: number;
  /** First subject of the range (inclusive). */
  readonly startKey: string;
  /** First subject after the range (exclusive), or null: the rest of the shard. */
  readonly endKey: string | null;
  readonly version: number;
  readonly timestampMs: number;
  /** The node serving the range; null for a tombstone (the range was merged into its left neighbour). */
  readonly owner: NodeId | null;
  /** Nodes holding copies (never the owner). */
  readonly replicas: readonly NodeId[];
}

/** A cached map of descriptors by range id (plain JSON). */
export type Meta = Record<string, RangeDesc>;

/** The shard of a subject: jump hash of its BLAKE3 hash (core/hashing). */
export function shardOf(subject: string, shards: number): number {
  return shardForSubject(subject, shards);
}

/** Whether `d` is live and holds `subject` of `shard`. */
export function covers(d: RangeDesc, shard: number, subject: string): boolean {
  return d.owner !== null && d.shard === shard && d.startKey <= subject && (d.endKey === null || subject < d.endKey);
}

/**
 * Whether the gossip merge replaces `held` by `incoming`: the higher version wins and a tie keeps
 * what is held. With `byTimestamp` (the 'merge-by-timestamp' bug) the newer timestamp wins.
 */
export function supersedes(incoming: RangeDesc, held: RangeDesc | undefined, byTimestamp: boolean): boolean {
  if (held === undefined) return true;
  if (byTimestamp) return incoming.timestampMs > held.timestampMs || (incoming.timestampMs === held.timestampMs && incoming.version > held.version);
  return incoming.version > held.version;
}

/** Merges descriptors into a meta map in place; returns how many entries changed. */
export function mergeMeta(meta: Meta, incoming: readonly RangeDesc[], byTimestamp: boolean): number {
  let changed = 0;
  for (const d of incoming) {
    if (supersedes(d, meta[d.id], byTimestamp)) {
      meta[d.id] = d;
      changed++;
    }
  }
  return changed;
}

/** The meta map's descriptors sorted by id (what a gossip message carries). */
export function metaList(meta: Meta): RangeDesc[] {
  return Object.keys(meta)
    .sort()
    .map((id) => meta[id]!);
}

/** Live descriptors of the cache that hold `subject`. */
export function coveringDescs(meta: Meta, shard: number, subject: string): RangeDesc[] {
  return metaList(meta).filter((d) => covers(d, shard, subject));
}

/**
 * The route for a subject: among the live cached descriptors holding it (a stale cache may hold
 * several), the narrowest, i.e. the one starting last (a split's newest half), then the highest
 * version, then the smallest id. Null when the cache holds none.
 */
export function route(meta: Meta, shard: number, subject: string): RangeDesc | null {
  let best: RangeDesc | null = null;
  for (const d of coveringDescs(meta, shard, subject)) {
    if (best === null || d.startKey > best.startKey || (d.startKey === best.startKey && d.version > best.version)) best = d;
  }
  return best;
}

/** The replicas of a range owned by `owner`: the next `replicationFactor - 1` nodes after it in sorted order. */
export function replicasFor(owner: NodeId, nodes: readonly NodeId[], replicationFactor: number): NodeId[] {
  const sorted = [...nodes].sort();
  const at = sorted.indexOf(owner);
  if (at < 0) throw new Error(`replicasFor: ${owner} is not a node`);
  const count = Math.max(0, Math.min(replicationFactor, sorted.length) - 1);
  return Array.from({ length: count }, (_, k) => sorted[(at + 1 + k) % sorted.length]!).sort();
}

/** The layout every node boots with: one range per shard, shard s owned by the s-th node (round robin), version 1. */
export function initialLayout(nodes: readonly NodeId[], shards: number, replicationFactor: number): RangeDesc[] {
  const sorted = [...nodes].sort();
  return Array.from({ length: shards }, (_, shard) => {
    const owner = sorted[shard % sorted.length]!;
    return { id: `s${shard}`, shard, startKey: '', endKey: null, version: 1, timestampMs: 0, owner, replicas: replicasFor(owner, sorted, replicationFactor) };
  });
}

/** "s0@3 ['', 'k')" for messages. */
export function describeDesc(d: RangeDesc): string {
  const span = `[${JSON.stringify(d.startKey)}, ${d.endKey === null ? '∞' : JSON.stringify(d.endKey)})`;
  return `${d.id}@${d.version} ${span} ${d.owner === null ? 'tombstone' : `owner ${d.owner}`}`;
}
