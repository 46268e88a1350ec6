/**
 * Pure helpers over the in-memory log (entries after the snapshot). Indices are 1-based; index 0
 * with term 0 is the empty log. Nothing here allocates more than the slice it returns.
 */
import type { NodeId } from '../contract/protocol.ts';
import { crc32String } from './crc32.ts';
import type { EntryData, LogEntry, Membership, RaftLog } from './types.ts';

export function emptyLog<Cmd>(): RaftLog<Cmd> {
  return { snapshotIndex: 0, snapshotTerm: 0, entries: [] };
}

export function lastIndex(log: RaftLog<unknown>): number {
  return log.snapshotIndex + log.entries.length;
}

export function lastTerm(log: RaftLog<unknown>): number {
  const last = log.entries[log.entries.length - 1];
  return last === undefined ? log.snapshotTerm : last.term;
}

/** The term of the entry at `index`; null when it is beyond the log or compacted into the snapshot. */
export function termAt(log: RaftLog<unknown>, index: number): number | null {
  if (index === log.snapshotIndex) return log.snapshotTerm;
  if (index < log.snapshotIndex) return null;
  const entry = log.entries[index - log.snapshotIndex - 1];
  return entry === undefined ? null : entry.term;
}

export function entryAt<Cmd>(log: RaftLog<Cmd>, index: number): LogEntry<Cmd> | undefined {
  return index <= log.snapshotIndex ? undefined : log.entries[index - log.snapshotIndex - 1];
}

/** Entries from `from` on (at most `max`); `from` must be after the snapshot. */
export function entriesFrom<Cmd>(log: RaftLog<Cmd>, from: number, max: number): LogEntry<Cmd>[] {
  const start = from - log.snapshotIndex - 1;
  if (start < 0) throw new Error(`entries from ${from} are compacted (snapshot at ${log.snapshotIndex})`);
  return log.entries.slice(start, start + max);
}

/** Position of `index` in the on-disk log file, whose first record is the entry after the snapshot. */
export function filePosition(log: RaftLog<unknown>, index: number): number {
  return index - log.snapshotIndex - 1;
}

/**
 * §5.4.1: a candidate's log is at least as up-to-date as the voter's when its last term is
 * later, or the last terms are equal and it is at least as long.
 */
export function isUpToDate(candidate: { lastIndex: number; lastTerm: number }, voter: { lastIndex: number; lastTerm: number }): boolean {
  return candidate.lastTerm > voter.lastTerm || (candidate.lastTerm === voter.lastTerm && candidate.lastIndex >= voter.lastIndex);
}

/**
 * The largest index at or below `index` whose term is at most `term` (etcd's findConflictByTerm):
 * the follower's rejection hint and the leader's next probe point. Below the snapshot the terms are
 * unknown, so it answers `index` itself there; it never goes below the snapshot index.
 */
export function findConflictByTerm(log: RaftLog<unknown>, index: number, term: number): number {
  if (index <= log.snapshotIndex) return index;
  let i = Math.min(index, lastIndex(log));
  while (i > log.snapshotIndex) {
    const t = termAt(log, i) as number;
    if (t <= term) return i;
    i--;
  }
  return log.snapshotIndex;
}

/** The membership in force: the last config entry at or below `upTo`, else the given fallback. */
export function membershipAt(log: RaftLog<unknown>, upTo: number, fallback: Membership): Membership {
  for (let i = Math.min(upTo, lastIndex(log)); i > log.snapshotIndex; i--) {
    const entry = log.entries[i - log.snapshotIndex - 1] as LogEntry<unknown>;
    if (entry.data.type === 'config') return { voters: entry.data.voters, index: entry.index };
  }
  return fallback;
}

/** The hash every observation carries for an entry: CRC-32 of its data as JSON. */
export function hashEntryData(data: EntryData<unknown>): number {
  return crc32String(JSON.stringify(data));
}

export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...new Set(ids)].sort();
}
