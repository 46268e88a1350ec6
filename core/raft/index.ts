/**
 * Raft as a pure step function, with a replicated key-value store and simulated clients.
 *
 *   const server = createKvRaftProtocol({ voters: ['n1', 'n2', 'n3'], bugs: [] });
 *   const client = createKvClientProtocol({ servers: ['n1', 'n2', 'n3'] });
 *
 * Both fit `Protocol` of core/contract/protocol.ts. Any other state machine: `createRaftProtocol(sm, config)`.
 */
import { kvStateMachine, type KvCommand, type KvQuery, type KvResult, type KvState } from './kv.ts';
import { createRaftProtocol, type RaftProtocol } from './node.ts';
import type { RaftConfig } from './types.ts';

export * from './types.ts';
export { RAFT_BUGS, RAFT_BUG_NAMES, isRaftBug, type RaftBugName } from './bugs.ts';
export { createRaftProtocol, resolveRaftOptions, RAFT_DEFAULTS, ELECTION_TIMER, HEARTBEAT_TIMER, isRaftTimer, type RaftProtocol, type RaftTimer, type RaftInput } from './node.ts';
export { kvStateMachine, type KvCommand, type KvQuery, type KvResult, type KvState } from './kv.ts';
export {
  createKvClientProtocol,
  kvHistory,
  clientNumberOf,
  GENERATION_STRIDE,
  type KvClientConfig,
  type KvClientCommand,
  type KvClientObservation,
  type KvClientProtocol,
  type KvClientReply,
  type KvClientState,
  type KvHistory,
  type KvHistoryOperation,
  type KvMessage,
  type KvOp,
  type KvWorkload,
} from './client.ts';
export { majority, isQuorum, quorumValue, voteOutcome } from './quorum.ts';
export { crc32, crc32String, crc32Hex } from './crc32.ts';
export { META_FILE, LOG_FILE, SNAPSHOT_FILE, recover, frameRecord, unframeRecord } from './storage.ts';
export { lastIndex, lastTerm, termAt, entryAt, isUpToDate } from './log.ts';

export type KvRaftProtocol = RaftProtocol<KvState, KvCommand, KvQuery, KvResult>;

/** A Raft server replicating the key-value store. */
export function createKvRaftProtocol(config: RaftConfig): KvRaftProtocol {
  return createRaftProtocol(kvStateMachine, config);
}
