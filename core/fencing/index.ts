/**
 * amaters fencing: Raft-elected leaders (core/raft) write to storage nodes with fencing tokens
 * (term, sequence); storage refuses a token lower than one it accepted. See leader.ts, storage.ts,
 * token.ts.
 */
export * from './types.ts';
export * from './token.ts';
export { fenceLeader, noMachine, type FenceLeaderConfig, type FenceLeaderProtocol, type FenceLeaderTimers, type FenceTimer } from './leader.ts';
export { fenceStorage, STORAGE_FILE, type FenceStorageProtocol } from './storage.ts';
export { fenceClient, type FenceClientConfig, type FenceClientProtocol } from './client.ts';
