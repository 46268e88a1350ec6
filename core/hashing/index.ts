/** Consistent hashing: jump hash, subject hashing (BLAKE3), a virtual-node hash ring, and splitting/merging key ranges. */
export { jumpHash, jumpHashWords } from './jump-hash.ts';
export { type HashWords, hashSubject, hashSubjectWords, shardForSubject } from './subject-hash.ts';
export {
  type HashRing,
  type HashRingOptions,
  DEFAULT_VIRTUAL_NODES,
  DEFAULT_REPLICATION_FACTOR,
  RING_SIZE,
  createHashRing,
  ringPosition,
  addRingNode,
  removeRingNode,
  ringOwner,
  getReplicas,
  partitionKey,
  getPartitionOwner,
  getPartitionReplicas,
  ringShares,
} from './hash-ring.ts';
export {
  type RangeDescriptor,
  type RangeTable,
  type RangeThresholds,
  type RangeAction,
  SPLIT_THRESHOLD_BYTES,
  MERGE_THRESHOLD_BYTES,
  DEFAULT_RANGE_THRESHOLDS,
  createRangeTable,
  routeKey,
  recordWrite,
  splitRange,
  mergeRanges,
  reassignRange,
  planRangeMaintenance,
  checkRangeTable,
} from './ranges.ts';
