/**
 * What a broker keeps on disk, and how it reads it back at restart. Every record is framed with a
 * CRC-32 (`<crc32 hex> <json>`, as core/raft frames its log):
 *
 *   broker     overwrite, one record  {"incarnation":3,"joined":true,"leaving":false}
 *   hw         overwrite, one record  {"0":12,"1":7}: the HW checkpoint, per partition
 *   log-<p>    append, one record per log record {"o":offset,"e":epoch,"id":"p1-17"};
 *              truncated at a divergence, emptied when the replica is reassigned away
 *
 * Recovery keeps each log up to its first record whose checksum, shape or offset is wrong (only
 * the append in flight at a crash can be damaged, so nothing dropped was ever acknowledged or
 * reported to a leader) and repairs the file to match.
 */
import type { DiskWrite, DurableState } from '../contract/protocol.ts';
import { frameRecord, unframeRecord } from '../raft/storage.ts';
import type { LogRecord } from './types.ts';

export const BROKER_FILE = 'broker';
export const HW_FILE = 'hw';

export function logFile(partition: number): string {
  return `log-${partition}`;
}

export function logRecord(offset: number, record: LogRecord): string {
  return frameRecord(JSON.stringify({ o: offset, e: record.epoch, id: record.id }));
}

export function brokerRecord(meta: { incarnation: number; joined: boolean; leaving: boolean }): string {
  return frameRecord(JSON.stringify({ incarnation: meta.incarnation, joined: meta.joined, leaving: meta.leaving }));
}

export function hwRecord(hws: Readonly<Record<string, number>>): string {
  return frameRecord(JSON.stringify(hws));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The record at `offset`, or null when the stored record is torn, corrupt or out of place. */
export function parseLogRecord(record: string, offset: number): LogRecord | null {
  const v = unframeRecord(record);
  if (!isObject(v) || v.o !== offset || !isCount(v.e) || typeof v.id !== 'string') return null;
  return { epoch: v.e, id: v.id };
}

export interface RecoveredBroker {
  readonly incarnation: number;
  readonly joined: boolean | null;
  readonly leaving: boolean;
  readonly hws: Record<string, number>;
  readonly logs: { readonly partition: number; readonly log: LogRecord[]; readonly dropped: number }[];
  /** Writes that make the disk agree with what was recovered. */
  readonly repairs: DiskWrite[];
}

export function recoverBroker(durable: DurableState, partitions: number): RecoveredBroker {
  let incarnation = 0;
  let joined: boolean | null = null;
  let leaving = false;
  const meta = durable[BROKER_FILE];
  if (meta !== undefined && meta.length > 0) {
    const v = unframeRecord(meta[meta.length - 1] as string);
    if (isObject(v) && isCount(v.incarnation) && typeof v.joined === 'boolean' && typeof v.leaving === 'boolean') {
      ({ incarnation, joined, leaving } = v as { incarnation: number; joined: boolean; leaving: boolean });
    }
  }
  const hws: Record<string, number> = {};
  const hw = durable[HW_FILE];
  if (hw !== undefined && hw.length > 0) {
    const v = unframeRecord(hw[hw.length - 1] as string);
    if (isObject(v)) for (const [k, n] of Object.entries(v)) if (isCount(n)) hws[k] = n;
  }
  const logs: { partition: number; log: LogRecord[]; dropped: number }[] = [];
  const repairs: DiskWrite[] = [];
  for (let p = 0; p < partitions; p++) {
    const records = durable[logFile(p)];
    if (records === undefined) continue;
    const log: LogRecord[] = [];
    let prevEpoch = -1;
    for (let o = 0; o < records.length; o++) {
      const r = parseLogRecord(records[o] as string, o);
      if (r === null || r.epoch < prevEpoch) break;
      prevEpoch = r.epoch;
      log.push(r);
    }
    const dropped = records.length - log.length;
    if (dropped > 0) repairs.push({ op: 'truncate', file: logFile(p), keep: log.length });
    logs.push({ partition: p, log, dropped });
  }
  return { incarnation, joined, leaving, hws, logs, repairs };
}
