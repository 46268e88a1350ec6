/**
 * Log replication: the AppendEntries receiver rules a follower enforces, and the sender side a
 * leader runs for each follower (etcd's Progress: probe for the match point, then stream, or fall
 * back to a snapshot). What commits once entries are replicated is commit.ts.
 */
import { AssertionFailed, assert, assertNever } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { cover, leaderOf, observe, persist, progressOf, send, sendAck, type Step } from './context.ts';
import { advanceCommit, applyEntries, maybeCommit } from './commit.ts';
import { entriesFrom, filePosition, findConflictByTerm, hashEntryData, lastIndex, membershipAt, termAt } from './log.ts';
import { setMembership, snapshotMembership } from './membership.ts';
import { serveReads } from './reads.ts';
import { sendSnapshot } from './snapshot.ts';
import { LOG_FILE, logRecord } from './storage.ts';
import { maybeSendTimeoutNow } from './transfer.ts';
import type { EntryData, LogEntry, PeerMessage, Progress, RaftMessage } from './types.ts';

type AppendEntries<Cmd, Query, Result> = Extract<PeerMessage<Cmd, Query, Result>, { type: 'appendEntries' }>;
type AppendEntriesResponse<Cmd, Query, Result> = Extract<PeerMessage<Cmd, Query, Result>, { type: 'appendEntriesResponse' }>;

// ---------------------------------------------------------------------------------------------
// Follower side

export function handleAppendEntries<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: AppendEntries<Cmd, Query, Result>): void {
  const s = c.s;
  const ack = (success: boolean, matchIndex: number, hintIndex: number, hintTerm: number): RaftMessage<Cmd, Query, Result> => ({
    type: 'appendEntriesResponse',
    term: s.currentTerm,
    success,
    matchIndex,
    rejectedIndex: success ? 0 : m.prevLogIndex,
    hintIndex,
    hintTerm,
    readSeq: m.readSeq,
  });
  let prevIndex = m.prevLogIndex;
  let prevTerm = m.prevLogTerm;
  let entries = m.entries;
  if (prevIndex < s.commitIndex) {
    // Entries up to our commit index are committed, so the leader has them too (Leader
    // Completeness): skip them, and match the rest after our commit index.
    const skip = s.commitIndex - prevIndex;
    cover(c, 'raft/append-skipped-committed');
    if (skip > entries.length) {
      sendAck(c, from, ack(true, s.commitIndex, 0, 0));
      return;
    }
    prevIndex = s.commitIndex;
    prevTerm = skip === 0 ? prevTerm : (entries[skip - 1] as LogEntry<Cmd>).term;
    entries = entries.slice(skip);
  }
  // Fig. 2 AppendEntries receiver 2: reply false if the log doesn't contain an entry at
  // prevLogIndex whose term matches prevLogTerm. The hint lets the leader skip a whole term.
  if (termAt(s.log, prevIndex) !== prevTerm) {
    cover(c, 'raft/append-rejected-mismatch');
    const hintIndex = findConflictByTerm(s.log, Math.min(prevIndex, lastIndex(s.log)), prevTerm);
    sendAck(c, from, ack(false, 0, hintIndex, termAt(s.log, hintIndex) ?? 0));
    return;
  }
  // Fig. 2 AppendEntries receiver 3: if an existing entry conflicts with a new one (same index,
  // different terms), delete the existing entry and all that follow it. Receiver 4: append any
  // new entries not already in the log.
  let k = 0;
  for (; k < entries.length; k++) {
    const e = entries[k] as LogEntry<Cmd>;
    const t = termAt(s.log, e.index);
    if (t === null) break;
    if (t === e.term || c.bugs.noConflictTruncation) continue;
    cover(c, 'raft/truncated-conflict');
    truncateFrom(c, e.index, 'conflict', `entry ${e.index} of term ${t} conflicts with term ${e.term} from ${from}`);
    break;
  }
  for (; k < entries.length; k++) appendToLog(c, entries[k] as LogEntry<Cmd>);
  const lastNew = prevIndex + entries.length;
  sendAck(c, from, ack(true, lastNew, 0, 0));
  // Fig. 2 AppendEntries receiver 5: if leaderCommit > commitIndex, set commitIndex =
  // min(leaderCommit, index of last new entry).
  const commit = Math.min(m.leaderCommit, lastNew);
  if (commit > s.commitIndex) advanceCommit(c, commit);
  else if (c.bugs.applyBeforeCommit) applyEntries(c);
}

/** Append one entry after the last one, on disk too; a config entry takes effect now (thesis §4.1). */
function appendToLog<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, entry: LogEntry<Cmd>): void {
  const s = c.s;
  // Hot: the message is built only on failure.
  if (entry.index !== lastIndex(s.log) + 1) throw new AssertionFailed(`raft ${s.self}: append ${entry.index} after ${lastIndex(s.log)}`);
  s.log.entries.push(entry);
  persist(c, { op: 'append', file: LOG_FILE, record: logRecord(entry) });
  if (entry.data.type === 'config') setMembership(c, { voters: entry.data.voters, index: entry.index });
}

/** Drop the entries from `index` on, on disk too. A correct Raft never reaches commitIndex here. */
function truncateFrom<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, index: number, reason: 'conflict', detail: string): void {
  const s = c.s;
  assert(index > s.log.snapshotIndex, `raft ${s.self}: truncate at ${index} inside the snapshot`);
  // Leader Append-Only (Fig. 3): a leader never overwrites or deletes entries in its log.
  assert(s.role !== 'leader', `raft ${s.self}: a leader truncates its own log at ${index}`);
  const removed = lastIndex(s.log) - index + 1;
  s.log.entries.length = filePosition(s.log, index);
  persist(c, { op: 'truncate', file: LOG_FILE, keep: filePosition(s.log, index) });
  observe(c, { kind: 'truncated', node: s.self, fromIndex: index, removed, reason, commitIndex: s.commitIndex, detail });
  if (s.membership.index >= index) setMembership(c, membershipAt(s.log, lastIndex(s.log), snapshotMembership(c)));
}

// ---------------------------------------------------------------------------------------------
// Leader side

export function appendAsLeader<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, data: EntryData<Cmd>): LogEntry<Cmd> {
  const s = c.s;
  assert(s.role === 'leader', `raft ${s.self}: appends a new entry as ${s.role}`);
  const entry: LogEntry<Cmd> = { index: lastIndex(s.log) + 1, term: s.currentTerm, hash: hashEntryData(data), data };
  appendToLog(c, entry);
  return entry;
}

/** Send new entries to every follower (the leader's own copy is already on disk), then commit what a majority holds. */
export function replicate<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const l = leaderOf(c);
  for (const pr of l.progress) sendAppend(c, pr, false);
  maybeCommit(c);
  if (c.bugs.applyBeforeCommit && c.s.role === 'leader') applyEntries(c);
}

/**
 * Send the next AppendEntries to one follower. In probe mode one at a time (until it answers or
 * the next heartbeat); in replicate mode optimistically, advancing nextIndex; a follower that
 * needs compacted entries gets the snapshot. `force` sends even when there is nothing new.
 */
export function sendAppend<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, pr: Progress, force: boolean): void {
  const s = c.s;
  if (!force && (pr.mode === 'snapshot' || (pr.mode === 'probe' && pr.probeSent))) return;
  // Hot: the message is built only on failure.
  if (pr.nextIndex > lastIndex(s.log) + 1) throw new AssertionFailed(`raft ${s.self}: nextIndex ${pr.nextIndex} of ${pr.id} beyond the log`);
  const prevLogIndex = pr.nextIndex - 1;
  const prevLogTerm = termAt(s.log, prevLogIndex);
  if (prevLogTerm === null) {
    sendSnapshot(c, pr);
    return;
  }
  const entries = entriesFrom(s.log, pr.nextIndex, c.opts.maxEntriesPerMessage);
  if (entries.length === 0 && !force && pr.mode === 'replicate') return;
  const l = leaderOf(c);
  send(c, pr.id, {
    type: 'appendEntries',
    term: s.currentTerm,
    prevLogIndex,
    prevLogTerm,
    entries,
    leaderCommit: s.commitIndex,
    readSeq: l.readSeq,
  });
  if (pr.mode === 'replicate') pr.nextIndex += entries.length;
  else pr.probeSent = true;
}

/**
 * A heartbeat to one follower, which also retransmits: in replicate mode everything not yet
 * acknowledged goes again (the network loses messages); a snapshot is re-sent only by the timer.
 */
export function heartbeat<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, pr: Progress, fromTimer: boolean): void {
  switch (pr.mode) {
    case 'replicate':
      pr.nextIndex = pr.matchIndex + 1;
      break;
    case 'probe':
      pr.probeSent = false;
      break;
    case 'snapshot':
      if (!fromTimer) return;
      pr.mode = 'probe';
      pr.probeSent = false;
      break;
    default:
      assertNever(pr.mode, 'progress mode');
  }
  sendAppend(c, pr, true);
}

export function onAppendResponse<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: AppendEntriesResponse<Cmd, Query, Result>): void {
  const s = c.s;
  const l = leaderOf(c);
  const pr = progressOf(l, from);
  if (pr === undefined) return; // not (or no longer) a voter
  pr.recentActive = true;
  if (m.readSeq > pr.ackedReadSeq) pr.ackedReadSeq = m.readSeq;
  if (m.success) {
    // Fig. 2 Leaders 3: if successful, update nextIndex and matchIndex for the follower.
    const match = Math.min(m.matchIndex, lastIndex(s.log));
    const advanced = match > pr.matchIndex;
    if (advanced) pr.matchIndex = match;
    if (pr.mode !== 'replicate') {
      pr.mode = 'replicate';
      pr.nextIndex = pr.matchIndex + 1;
    } else if (pr.nextIndex <= pr.matchIndex) {
      pr.nextIndex = pr.matchIndex + 1;
    }
    pr.probeSent = false;
    if (advanced) {
      maybeCommit(c);
      if (s.role !== 'leader') return; // it committed its own removal
    }
    maybeSendTimeoutNow(c, pr);
    if (pr.nextIndex <= lastIndex(s.log)) sendAppend(c, pr, false);
  } else if (m.rejectedIndex > pr.matchIndex && pr.mode !== 'snapshot' && (pr.mode === 'replicate' || m.rejectedIndex === pr.nextIndex - 1)) {
    // Fig. 2 Leaders 3: if AppendEntries fails because of log inconsistency, decrement nextIndex
    // and retry; with the follower's hint, skip all its entries of a conflicting term at once.
    const probe = m.hintTerm > 0 ? findConflictByTerm(s.log, m.hintIndex, m.hintTerm) : m.hintIndex;
    pr.nextIndex = Math.max(pr.matchIndex + 1, Math.min(m.rejectedIndex, probe + 1));
    pr.mode = 'probe';
    pr.probeSent = false;
    sendAppend(c, pr, false);
  }
  serveReads(c);
}
