/**
 * A tiny deterministic driver for unit tests of step functions, independent of the kernel: a few
 * nodes, one event queue ordered by (time, sequence), a fixed latency, a fixed PRNG per node, a
 * disk per node that keeps what was persisted, crash/restart and cut links. Tests use it to run a
 * protocol for a while, or to step one node by hand and look at the effects.
 */
import type { NodeId } from '../contract/protocol.ts';
import { TestDriver } from '../contract/testing.ts';

export { TestDriver, type Recorded } from '../contract/testing.ts';
import { createKvRaftProtocol, type KvRaftProtocol } from './index.ts';
import type { KvCommand, KvQuery, KvResult, KvState } from './kv.ts';
import type { EntryData, LogEntry, RaftCommand, RaftConfig, RaftMessage, RaftObservation, RaftReply, RaftState } from './types.ts';
import { hashEntryData } from './log.ts';
import { LOG_FILE, META_FILE, logRecord, metaRecord } from './storage.ts';

// ---------------------------------------------------------------------------------------------
// Raft fixtures


export type KvServerState = RaftState<KvState, KvCommand, KvQuery>;
export type KvDriver = TestDriver<KvServerState, RaftMessage<KvCommand, KvQuery, KvResult>, RaftCommand<KvCommand>, RaftReply<KvResult>, RaftObservation>;

/** A driver with one KV Raft server per id (all voters unless `config.voters` says otherwise). */
export function kvCluster(ids: readonly NodeId[], config: Partial<RaftConfig> = {}, seed = 1): { d: KvDriver; protocol: KvRaftProtocol } {
  const protocol = createKvRaftProtocol({ voters: ids, ...config });
  const d: KvDriver = new TestDriver(seed);
  for (const id of ids) d.add(id, protocol);
  return { d, protocol };
}

/** The leaders among `ids` that are up, highest term first. */
export function leadersOf(d: KvDriver, ids: readonly NodeId[] = d.ids()): NodeId[] {
  return ids
    .filter((id) => d.node(id).up && d.state(id).role === 'leader')
    .sort((a, b) => d.state(b).currentTerm - d.state(a).currentTerm);
}

/** Run until exactly one leader of the highest term exists among `ids` and its no-op committed; returns it. */
export function awaitLeader(d: KvDriver, ids: readonly NodeId[] = d.ids(), maxMs = 5_000): NodeId {
  const ok = d.runUntil(() => {
    const [l] = leadersOf(d, ids);
    if (l === undefined) return false;
    const s = d.state(l);
    return s.leader !== null && s.commitIndex >= s.leader.termStartIndex;
  }, maxMs);
  if (!ok) throw new Error(`no leader among ${ids.join(',')} within ${maxMs} ms`);
  return leadersOf(d, ids)[0] as NodeId;
}

/** An entry as a leader would have made it. */
export function makeEntry(index: number, term: number, data: EntryData<KvCommand> = { type: 'noop' }): LogEntry<KvCommand> {
  return { index, term, hash: hashEntryData(data), data };
}

/** A put command entry with a recognisable value. */
export function putEntry(index: number, term: number, value = `v${index}.${term}`): LogEntry<KvCommand> {
  return makeEntry(index, term, { type: 'command', command: { op: 'put', key: 'k', value, client: 'seed', seq: index * 1000 + term } });
}

/** Replace a node's disk with this term, vote and log, then restart it from there. */
export function seedDisk(d: KvDriver, id: NodeId, disk: { term: number; votedFor?: NodeId | null; log: readonly LogEntry<KvCommand>[] }): void {
  const n = d.node(id);
  n.disk = { [META_FILE]: [metaRecord(disk.term, disk.votedFor ?? null)], [LOG_FILE]: disk.log.map(logRecord) };
  d.restart(id);
}
