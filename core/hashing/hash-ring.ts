/**
 * A consistent-hash ring with virtual nodes, as rivven assigns partitions ("HashRing::new(128)",
 * 128 virtual nodes per physical node, replication factor 3).
 *
 * Every physical node puts `virtualNodesPerNode` points on the ring, at the hashes of
 * "<node>#0", "<node>#1", ...; a key belongs to the first point at or after its own hash
 * (wrapping round). Many points per node even out the arcs: with one point per node the largest
 * owner gets O(log n / n) of the ring, with V points its share concentrates around 1/n with a
 * relative spread of about 1/sqrt(V).
 *
 * Positions are the top 53 bits of the BLAKE3-based 64-bit hash (see subject-hash.ts), so they
 * are exact JavaScript numbers and the ring stays plain JSON. Points that collide are ordered by
 * owner name, so the ring never depends on insertion order.
 */
import { hashSubjectWords } from './subject-hash.ts';

export const DEFAULT_VIRTUAL_NODES = 128;
export const DEFAULT_REPLICATION_FACTOR = 3;

/** Positions are integers in [0, RING_SIZE). */
export const RING_SIZE = 2 ** 53;

export interface HashRing {
  readonly virtualNodesPerNode: number;
  readonly replicationFactor: number;
  /** Physical nodes, sorted. */
  readonly nodes: readonly string[];
  /** Point positions, ascending (ties ordered by owner). */
  readonly points: readonly number[];
  /** The physical node of each point. */
  readonly owners: readonly string[];
}

export interface HashRingOptions {
  readonly virtualNodesPerNode?: number;
  readonly replicationFactor?: number;
  readonly nodes?: Iterable<string>;
}

export function createHashRing(options: HashRingOptions = {}): HashRing {
  const virtualNodesPerNode = options.virtualNodesPerNode ?? DEFAULT_VIRTUAL_NODES;
  const replicationFactor = options.replicationFactor ?? DEFAULT_REPLICATION_FACTOR;
  if (!Number.isInteger(virtualNodesPerNode) || virtualNodesPerNode < 1) {
    throw new RangeError(`virtualNodesPerNode must be a positive integer, got ${virtualNodesPerNode}`);
  }
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new RangeError(`replicationFactor must be a positive integer, got ${replicationFactor}`);
  }
  let ring: HashRing = { virtualNodesPerNode, replicationFactor, nodes: [], points: [], owners: [] };
  for (const node of options.nodes ?? []) ring = addRingNode(ring, node);
  return ring;
}

/** The ring position of a key: the top 53 bits of its 64-bit hash. */
export function ringPosition(key: string): number {
  const { hi, lo } = hashSubjectWords(key);
  return hi * 2 ** 21 + (lo >>> 11);
}

/** Adds a physical node with its virtual nodes (no change if already present). */
export function addRingNode(ring: HashRing, node: string): HashRing {
  if (ring.nodes.includes(node)) return ring;
  const entries: { position: number; owner: string }[] = ring.points.map((position, i) => ({ position, owner: ring.owners[i]! }));
  for (let v = 0; v < ring.virtualNodesPerNode; v++) entries.push({ position: ringPosition(`${node}#${v}`), owner: node });
  entries.sort((a, b) => a.position - b.position || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  return {
    ...ring,
    nodes: [...ring.nodes, node].sort(),
    points: entries.map((e) => e.position),
    owners: entries.map((e) => e.owner),
  };
}

/** Removes a physical node and its virtual nodes (no change if absent). */
export function removeRingNode(ring: HashRing, node: string): HashRing {
  if (!ring.nodes.includes(node)) return ring;
  const keep = ring.owners.map((owner) => owner !== node);
  return {
    ...ring,
    nodes: ring.nodes.filter((n) => n !== node),
    points: ring.points.filter((_, i) => keep[i]),
    owners: ring.owners.filter((_, i) => keep[i]),
  };
}

/** The node that owns `key`, or null on an empty ring. */
export function ringOwner(ring: HashRing, key: string): string | null {
  if (ring.points.length === 0) return null;
  return ring.owners[firstPointAtOrAfter(ring, ringPosition(key))]!;
}

/**
 * `count` distinct physical nodes for `key` (the ring's replication factor by default): the
 * owner first, then the next distinct nodes clockwise. Fewer when the ring has fewer nodes.
 */
export function getReplicas(ring: HashRing, key: string, count = ring.replicationFactor): string[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const wanted = Math.min(count, ring.nodes.length);
  const replicas: string[] = [];
  if (wanted === 0) return replicas;
  const start = firstPointAtOrAfter(ring, ringPosition(key));
  // At most one lap: every physical node appears among the points.
  for (let step = 0; step < ring.points.length && replicas.length < wanted; step++) {
    const owner = ring.owners[(start + step) % ring.points.length]!;
    if (!replicas.includes(owner)) replicas.push(owner);
  }
  return replicas;
}

/**
 * The key a (topic, partition) pair hashes as: "<topic>/<partition>". The partition number has
 * no "/", so the last "/" always separates the two and distinct pairs get distinct keys.
 */
export function partitionKey(topic: string, partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`partition must be a non-negative integer, got ${partition}`);
  return `${topic}/${partition}`;
}

/** rivven's `get_partition_owner(topic, partition)`. */
export function getPartitionOwner(ring: HashRing, topic: string, partition: number): string | null {
  return ringOwner(ring, partitionKey(topic, partition));
}

/** The partition's replica set: owner first, `replicationFactor` distinct nodes. */
export function getPartitionReplicas(ring: HashRing, topic: string, partition: number): string[] {
  return getReplicas(ring, partitionKey(topic, partition));
}

/**
 * Each node's exact share of the ring (0..1): the total length of the arcs ending at its points.
 * This is the fraction of uniformly hashed keys it owns, without sampling noise.
 */
export function ringShares(ring: HashRing): Map<string, number> {
  const shares = new Map<string, number>(ring.nodes.map((node) => [node, 0]));
  const n = ring.points.length;
  for (let i = 0; i < n; i++) {
    const previous = i === 0 ? ring.points[n - 1]! - RING_SIZE : ring.points[i - 1]!;
    const owner = ring.owners[i]!;
    shares.set(owner, shares.get(owner)! + (ring.points[i]! - previous) / RING_SIZE);
  }
  return shares;
}

/** Index of the first point at or after `position`, wrapping to 0 past the last. */
function firstPointAtOrAfter(ring: HashRing, position: number): number {
  let low = 0;
  let high = ring.points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ring.points[mid]! < position) low = mid + 1;
    else high = mid;
  }
  return low === ring.points.length ? 0 : low;
}
