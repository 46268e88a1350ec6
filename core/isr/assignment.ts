/**
 * Partition assignment from the hash ring with virtual nodes (core/hashing), as rivven's
 * partition manager does it: partition p of topic t belongs to the first `replicationFactor`
 * distinct brokers clockwise from the hash of "t/p", the first of them preferred as leader.
 *
 * Moving as few replicas as possible comes from the ring itself: a replica list is a walk
 * clockwise from a fixed point, so a broker joining can only insert itself into a list (pushing
 * its last member out), and a broker leaving only drops out of the lists it was in (the next
 * broker clockwise moving up). Every replica that moves, moves to or from the broker that joined
 * or left; `assignmentMoves` counts them and the tests check exactly this.
 *
 * Building a ring hashes every virtual node (128 per broker), so an `Assigner` memoizes the
 * assignment per ring membership: a pure function of its argument, so memoizing it changes nothing
 * but speed.
 */
import type { NodeId } from '../contract/protocol.ts';
import { createHashRing, getPartitionReplicas } from '../hashing/index.ts';

export interface AssignerOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly virtualNodes: number;
}

/** Ring members -> each partition's replicas, owner first. */
export type Assign = (ring: readonly NodeId[]) => readonly (readonly NodeId[])[];

const MEMO_LIMIT = 256;

export function createAssigner(options: AssignerOptions): Assign {
  const memo = new Map<string, readonly (readonly NodeId[])[]>();
  return (ring) => {
    const key = [...ring].sort().join(',');
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const hashRing = createHashRing({ nodes: ring, virtualNodesPerNode: options.virtualNodes, replicationFactor: options.replicationFactor });
    const out: NodeId[][] = [];
    for (let p = 0; p < options.partitions; p++) out.push(getPartitionReplicas(hashRing, options.topic, p));
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, out);
    return out;
  };
}

/** Replicas that move between two assignments: (partition, broker) pairs added plus those removed. */
export function assignmentMoves(before: readonly (readonly NodeId[])[], after: readonly (readonly NodeId[])[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (let p = 0; p < Math.max(before.length, after.length); p++) {
    const b = before[p] ?? [];
    const a = after[p] ?? [];
    added += a.filter((x) => !b.includes(x)).length;
    removed += b.filter((x) => !a.includes(x)).length;
  }
  return { added, removed };
}
