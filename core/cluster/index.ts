/** The CLUSTER command layer: RESP-shaped replies, the per-slot key index, and the command executor. */
export {
  type Reply,
  OK,
  NULL_REPLY,
  simpleReply,
  errorReply,
  errorWithCode,
  integerReply,
  bulkReply,
  arrayReply,
  encodeResp,
} from './resp.ts';
export {
  type SlotKeyIndex,
  EMPTY_KEY_INDEX,
  keyIndexOf,
  hasKey,
  addKey,
  removeKey,
  countKeysInSlot,
  getKeysInSlot,
} from './key-index.ts';
export { parseRedisInteger } from './redis-args.ts';
export type { ClusterView, CommandContext, ClusterIntent, FailoverMode, CommandResult } from './types.ts';
export { nodeFlags, clusterNodesLine, clusterNodesText, clusterSlotsReply, clusterInfoText } from './format.ts';
export { executeClusterCommand, SUPPORTED_CLUSTER_SUBCOMMANDS } from './commands.ts';
