/**
 * What a cluster node keeps on disk besides its Raft and SWIM files (prefixed `raft/`, `swim/`):
 *
 *   data     the data, append-only (Redis's AOF with `appendfsync always`): a snapshot record
 *            {replId, offset, records}, then one record per replicated entry {o, k, r} and one per
 *            stream change {rid, offset}; compacted into a new snapshot past a bound
 *   config   overwrite: the newest committed configuration this node knew
 *   vote     overwrite: the last epoch this node voted in (a voter persists it before answering)
 *
 * Records are framed with a CRC-32 (core/raft's frame). Recovery reads the data file up to its
 * first torn or corrupt record and drops the rest: only the write in flight at a crash can be
 * damaged, and nothing that depends on it was sent before it was written.
 */
import type { DiskWrite, DurableState } from '../contract/protocol.ts';
import { frameRecord, unframeRecord } from '../raft/storage.ts';
import type { KeyRecord, Store } from '../migration/store.ts';
import { setRecord, emptyStore } from '../migration/store.ts';
import type { ClusterConfig } from '../cluster-config/config.ts';
import type { ReplEntry } from './types.ts';

export const DATA_FILE = 'data';
export const CONFIG_FILE = 'config';
export const VOTE_FILE = 'vote';

export function snapshotRecord(replId: string, offset: number, store: Store): string {
  return frameRecord(JSON.stringify({ replId, offset, records: store.records }));
}

export function entryRecord(e: ReplEntry): string {
  return frameRecord(JSON.stringify(e));
}

export function streamRecord(replId: string, offset: number): string {
  return frameRecord(JSON.stringify({ rid: replId, offset }));
}

export function snapshotWrite(replId: string, offset: number, store: Store): DiskWrite {
  return { op: 'overwrite', file: DATA_FILE, records: [snapshotRecord(replId, offset, store)] };
}

export interface RecoveredData {
  readonly replId: string;
  readonly offset: number;
  readonly store: Store;
  /** Records dropped from the tail (torn or corrupt). */
  readonly dropped: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRecord(v: unknown): v is KeyRecord {
  return isObject(v) && typeof v.v === 'string' && typeof v.ver === 'number' && isObject(v.w);
}

/** The data file read back; null when there is none (a fresh disk) or its snapshot is unreadable. */
export function recoverData(records: readonly string[] | undefined): RecoveredData | null {
  if (records === undefined || records.length === 0) return null;
  const head = unframeRecord(records[0]!);
  if (!isObject(head) || typeof head.replId !== 'string' || typeof head.offset !== 'number' || !isObject(head.records)) return null;
  const store = emptyStore();
  for (const key of Object.keys(head.records).sort()) {
    const r = head.records[key];
    if (!isRecord(r)) return null;
    setRecord(store, key, r);
  }
  let replId = head.replId;
  let offset = head.offset;
  let k = 1;
  for (; k < records.length; k++) {
    const body = unframeRecord(records[k]!);
    if (!isObject(body)) break;
    if (typeof body.rid === 'string' && typeof body.offset === 'number') {
      replId = body.rid;
      offset = body.offset;
      continue;
    }
    if (typeof body.o !== 'number' || body.o !== offset + 1 || typeof body.k !== 'string' || !(body.r === null || isRecord(body.r))) break;
    setRecord(store, body.k, body.r as KeyRecord | null);
    offset = body.o;
  }
  return { replId, offset, store, dropped: records.length - k };
}

export function configRecord(config: ClusterConfig): string {
  return frameRecord(JSON.stringify(config));
}

export function recoverConfig(durable: DurableState): ClusterConfig | null {
  const rec = durable[CONFIG_FILE]?.[0];
  if (rec === undefined) return null;
  const c = unframeRecord(rec);
  return isObject(c) && typeof c.version === 'number' && Array.isArray(c.shards) ? (c as unknown as ClusterConfig) : null;
}

export function voteRecord(epoch: number): string {
  return frameRecord(JSON.stringify({ epoch }));
}

export function recoverVote(durable: DurableState): number {
  const rec = durable[VOTE_FILE]?.[0];
  if (rec === undefined) return 0;
  const v = unframeRecord(rec);
  return isObject(v) && typeof v.epoch === 'number' ? v.epoch : 0;
}

/** A sub-protocol's files, with their prefix taken off. */
export function filesUnder(durable: DurableState, prefix: string): DurableState {
  const out: Record<string, readonly string[]> = {};
  for (const name of Object.keys(durable).sort()) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = durable[name]!;
  return out;
}

/** A sub-protocol's write, under its prefix. */
export function writeUnder(prefix: string, w: DiskWrite): DiskWrite {
  return { ...w, file: prefix + w.file };
}
