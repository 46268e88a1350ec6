/**
 * Small clusters for tests (here and in core/cluster). Ids come from a seeded PRNG so they look
 * like real Redis ids yet are the same on every run.
 */
import seedrandom from 'seedrandom';
import { slotRange } from '../slots/index.ts';
import { nodeAddress } from './address.ts';
import { type ClusterState, addNode, clusterNode, createClusterState, type ClusterOptions, DEFAULT_CLUSTER_OPTIONS } from './cluster-state.ts';
import { type ClusterNodeId, generateNodeId } from './node-id.ts';

/** `count` distinct node ids from the given seed, in generation order. */
export function testNodeIds(count: number, seed = 'cluster-ids'): ClusterNodeId[] {
  const random = seedrandom(seed);
  const ids: ClusterNodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(generateNodeId(() => random()));
  return ids;
}

export interface ThreeByTwo {
  readonly state: ClusterState;
  /** Primaries A, B, C serving 0-5460, 5461-10922, 10923-16383 (redis-cli --cluster create's split). */
  readonly primaries: readonly [ClusterNodeId, ClusterNodeId, ClusterNodeId];
  /** One replica per primary, in the same order. */
  readonly replicas: readonly [ClusterNodeId, ClusterNodeId, ClusterNodeId];
}

/**
 * Three primaries with one replica each, seen from `viewer` (an index 0..5: 0-2 are the
 * primaries, 3-5 their replicas). Epochs: primaries 1, 2, 3; current epoch 6.
 */
export function threeByTwo(viewer = 0, options: ClusterOptions = DEFAULT_CLUSTER_OPTIONS): ThreeByTwo {
  const ids = testNodeIds(6);
  const ranges = [slotRange(0, 5460), slotRange(5461, 10922), slotRange(10923, 16383)];
  const nodes = ids.map((id, i) =>
    clusterNode({
      id,
      address: nodeAddress(`10.0.0.${i + 1}`, 7000 + i),
      role: i < 3 ? 'primary' : 'replica',
      primaryId: i < 3 ? null : ids[i - 3]!,
      configEpoch: i < 3 ? i + 1 : 0,
      slots: i < 3 ? [ranges[i]!] : [],
    }),
  );
  let state = { ...createClusterState(nodes[viewer]!, options), currentEpoch: 6 };
  nodes.forEach((node, i) => {
    if (i !== viewer) state = addNode(state, node);
  });
  return {
    state,
    primaries: [ids[0]!, ids[1]!, ids[2]!],
    replicas: [ids[3]!, ids[4]!, ids[5]!],
  };
}
