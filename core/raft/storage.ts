/**
 * What a Raft node keeps on disk, and how it reads it back at restart.
 *
 * Three files, one JSON body per record, each record framed as `<crc32 hex> <body>`:
 *   meta      overwrite, one record  {"term":3,"votedFor":"n2"}
 *   log       append, one record per entry {"i":index,"t":term,"h":hash,"d":data}; record k holds
 *             the entry at snapshotIndex + 1 + k (the file is rewritten whenever the snapshot moves)
 *   snapshot  overwrite, one record  {"index":..,"term":..,"voters":[..],"data":..}
 *
 * Recovery follows amaters' WAL corruption policy: the log is read up to the first record whose
 * checksum, shape or position is wrong, and that record and everything after it are dropped (only
 * the append in flight at a crash can be torn, so what is dropped was never acknowledged). Then
 * the log is reconciled with the snapshot exactly as InstallSnapshot does (Fig. 13 rules 6 and 7),
 * which covers a crash between writing a new snapshot and rewriting the log.
 */
import type { DiskWrite, DurableState, NodeId } from '../contract/protocol.ts';
import { crc32Hex } from './crc32.ts';
import type { EntryData, Json, LogEntry, Snapshot } from './types.ts';

export const META_FILE = 'meta';
export const LOG_FILE = 'log';
export const SNAPSHOT_FILE = 'snapshot';

/** Frame a record body with its checksum. */
export function frameRecord(body: string): string {
  return `${crc32Hex(body)} ${body}`;
}

/** The parsed body of a framed record, or null when it is torn or corrupt. */
export function unframeRecord(record: string): unknown {
  if (record.length < 10 || record.charCodeAt(8) !== 0x20) return null;
  const body = record.slice(9);
  if (crc32Hex(body) !== record.slice(0, 8)) return null;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

export function metaRecord(term: number, votedFor: NodeId | null): string {
  return frameRecord(JSON.stringify({ term, votedFor }));
}

export function logRecord(entry: LogEntry<unknown>): string {
  return frameRecord(JSON.stringify({ i: entry.index, t: entry.term, h: entry.hash, d: entry.data }));
}

export function snapshotRecord(snapshot: Snapshot): string {
  return frameRecord(JSON.stringify(snapshot));
}

// ---------------------------------------------------------------------------------------------
// Parsing (defensive: a record with a valid checksum but the wrong shape counts as corrupt)

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isNodeList(v: unknown): v is NodeId[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parseEntryData(v: unknown): EntryData<unknown> | null {
  if (!isObject(v)) return null;
  switch (v.type) {
    case 'noop':
      return { type: 'noop' };
    case 'command':
      return 'command' in v ? { type: 'command', command: v.command } : null;
    case 'config':
      return isNodeList(v.voters) ? { type: 'config', voters: v.voters } : null;
    default:
      return null;
  }
}

function parseLogRecord(record: string): LogEntry<unknown> | null {
  const v = unframeRecord(record);
  if (!isObject(v) || !isIndex(v.i) || v.i < 1 || !isIndex(v.t) || !isIndex(v.h)) return null;
  const data = parseEntryData(v.d);
  return data === null ? null : { index: v.i, term: v.t, hash: v.h, data };
}

function parseMeta(record: string): { term: number; votedFor: NodeId | null } | null {
  const v = unframeRecord(record);
  if (!isObject(v) || !isIndex(v.term) || !(v.votedFor === null || typeof v.votedFor === 'string')) return null;
  return { term: v.term, votedFor: v.votedFor };
}

function parseSnapshot(record: string): Snapshot | null {
  const v = unframeRecord(record);
  if (!isObject(v) || !isIndex(v.index) || !isIndex(v.term) || !isNodeList(v.voters) || !('data' in v)) return null;
  return { index: v.index, term: v.term, voters: v.voters, data: v.data as Json };
}

// ---------------------------------------------------------------------------------------------
// Recovery

export type RecoveryNote =
  | { readonly kind: 'truncated'; readonly fromIndex: number; readonly removed: number; readonly reason: 'corrupt-record' | 'snapshot'; readonly detail: string }
  | { readonly kind: 'corruptFile'; readonly file: string; readonly detail: string };

export interface Recovered<Cmd> {
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly snapshot: Snapshot | null;
  /** The entries after the snapshot, contiguous. */
  readonly entries: LogEntry<Cmd>[];
  /** Writes that make the disk agree with what was recovered; emit them before anything else. */
  readonly repairs: DiskWrite[];
  readonly notes: RecoveryNote[];
}

export function recover<Cmd>(durable: DurableState): Recovered<Cmd> {
  const notes: RecoveryNote[] = [];
  const repairs: DiskWrite[] = [];

  let term = 0;
  let votedFor: NodeId | null = null;
  const metaRecords = durable[META_FILE] ?? [];
  if (metaRecords.length > 0) {
    const meta = parseMeta(metaRecords[metaRecords.length - 1] as string);
    if (meta === null) notes.push({ kind: 'corruptFile', file: META_FILE, detail: 'unreadable term and vote; starting from term 0' });
    else ({ term, votedFor } = meta);
  }

  let snapshot: Snapshot | null = null;
  const snapshotRecords = durable[SNAPSHOT_FILE] ?? [];
  if (snapshotRecords.length > 0) {
    snapshot = parseSnapshot(snapshotRecords[snapshotRecords.length - 1] as string);
    if (snapshot === null) notes.push({ kind: 'corruptFile', file: SNAPSHOT_FILE, detail: 'unreadable snapshot; ignored' });
  }

  // The valid prefix of the log file: good checksums, contiguous indices, terms never decreasing.
  const records = durable[LOG_FILE] ?? [];
  const entries: LogEntry<Cmd>[] = [];
  let badAt = -1;
  let badWhy = '';
  for (let p = 0; p < records.length; p++) {
    const entry = parseLogRecord(records[p] as string);
    const prev = entries[entries.length - 1];
    if (entry === null) badWhy = 'bad checksum or torn record';
    else if (prev !== undefined && entry.index !== prev.index + 1) badWhy = `index ${entry.index} after ${prev.index}`;
    else if (prev !== undefined && entry.term < prev.term) badWhy = `term ${entry.term} after ${prev.term}`;
    else {
      entries.push(entry as LogEntry<Cmd>);
      continue;
    }
    badAt = p;
    break;
  }
  const firstIndex = entries[0]?.index ?? (snapshot === null ? 1 : snapshot.index + 1);
  if (badAt >= 0) {
    notes.push({
      kind: 'truncated',
      fromIndex: firstIndex + badAt,
      removed: records.length - badAt,
      reason: 'corrupt-record',
      detail: `log record ${badAt} of ${records.length}: ${badWhy}; dropped it and everything after it`,
    });
  }

  // Reconcile with the snapshot (Fig. 13 rules 6 and 7): the file must start right after it.
  const base = snapshot === null ? 0 : snapshot.index;
  const baseTerm = snapshot === null ? 0 : snapshot.term;
  let kept = entries;
  if (entries.length > 0 && firstIndex !== base + 1) {
    const atBase = entries[base - firstIndex];
    if (firstIndex <= base && atBase !== undefined && atBase.term === baseTerm) {
      kept = entries.slice(base - firstIndex + 1); // rule 6: keep what follows the snapshot
    } else {
      kept = []; // rule 7: the log does not follow the snapshot, discard it
      const beyond = entries.filter((e) => e.index > base).length;
      if (beyond > 0) {
        notes.push({
          kind: 'truncated',
          fromIndex: base + 1,
          removed: beyond,
          reason: 'snapshot',
          detail: `log file starting at ${firstIndex} does not follow the snapshot at ${base} (term ${baseTerm})`,
        });
      }
    }
  }
  if (kept !== entries) {
    repairs.push({ op: 'overwrite', file: LOG_FILE, records: kept.map(logRecord) });
  } else if (badAt >= 0) {
    repairs.push({ op: 'truncate', file: LOG_FILE, keep: badAt });
  }

  // The term on disk is never behind the log (meta is written before any entry of a new term).
  const lastTerm = kept[kept.length - 1]?.term ?? baseTerm;
  if (term < lastTerm) {
    notes.push({ kind: 'corruptFile', file: META_FILE, detail: `term ${term} behind the log's last term ${lastTerm}; using ${lastTerm}` });
    term = lastTerm;
    votedFor = null;
  }
  return { term, votedFor, snapshot, entries: kept, repairs, notes };
}
