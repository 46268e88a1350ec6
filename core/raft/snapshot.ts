/**
 * Snapshots: compacting the log once enough is applied, sending the snapshot to a follower that
 * needs compacted entries, and installing one (Fig. 13, the whole snapshot in one message).
 */
import { assert } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { cover, leaderOf, observe, persist, send, sendAck, type Step } from './context.ts';
import { lastIndex, membershipAt, termAt } from './log.ts';
import { setMembership, snapshotMembership } from './membership.ts';
import { LOG_FILE, SNAPSHOT_FILE, logRecord, snapshotRecord } from './storage.ts';
import type { PeerMessage, Progress, RaftMessage, Snapshot } from './types.ts';

type InstallSnapshot<Cmd, Query, Result> = Extract<PeerMessage<Cmd, Query, Result>, { type: 'installSnapshot' }>;

export function maybeSnapshot<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const every = c.opts.snapshotEveryEntries;
  if (every === 0 || s.lastApplied - s.log.snapshotIndex < every || s.lastApplied > s.commitIndex) return;
  const index = s.lastApplied;
  const term = termAt(s.log, index) as number;
  const snapshot: Snapshot = {
    index,
    term,
    voters: membershipAt(s.log, index, snapshotMembership(c)).voters,
    data: c.machine.snapshot(s.sm),
  };
  // Snapshot first, then the log without the entries it covers; a crash in between is mended at
  // restart (the log still holds the snapshot's last entry, so it is kept as Fig. 13 rule 6 says).
  persist(c, { op: 'overwrite', file: SNAPSHOT_FILE, records: [snapshotRecord(snapshot)] });
  s.log = { snapshotIndex: index, snapshotTerm: term, entries: s.log.entries.slice(index - s.log.snapshotIndex) };
  persist(c, { op: 'overwrite', file: LOG_FILE, records: s.log.entries.map(logRecord) });
  s.snapshot = snapshot;
  observe(c, { kind: 'snapshotTaken', node: s.self, index, term });
}

export function sendSnapshot<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, pr: Progress): void {
  const s = c.s;
  const snapshot = s.snapshot;
  assert(snapshot !== null, `raft ${s.self}: entries for ${pr.id} compacted but no snapshot`);
  cover(c, 'raft/snapshot-sent');
  send(c, pr.id, { type: 'installSnapshot', term: s.currentTerm, snapshot, readSeq: leaderOf(c).readSeq });
  pr.mode = 'snapshot';
  pr.probeSent = false;
}

export function handleInstallSnapshot<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: InstallSnapshot<Cmd, Query, Result>): void {
  const s = c.s;
  const snap = m.snapshot;
  const ack = (matchIndex: number): RaftMessage<Cmd, Query, Result> => ({
    type: 'appendEntriesResponse',
    term: s.currentTerm,
    success: true,
    matchIndex,
    rejectedIndex: 0,
    hintIndex: 0,
    hintTerm: 0,
    readSeq: m.readSeq,
  });
  if (snap.index <= s.commitIndex) {
    sendAck(c, from, ack(s.commitIndex)); // nothing new in it
    return;
  }
  // A leader's log is its own (Leader Append-Only): only a follower replaces its log with a snapshot.
  assert(s.role === 'follower', `raft ${s.self}: installs a snapshot as ${s.role}`);
  cover(c, 'raft/snapshot-installed');
  // Fig. 13 InstallSnapshot receiver 5: save the snapshot file.
  persist(c, { op: 'overwrite', file: SNAPSHOT_FILE, records: [snapshotRecord(snap)] });
  // Receiver 6: if an existing entry has the snapshot's last index and term, retain the entries
  // following it; receiver 7: otherwise discard the entire log.
  const last = lastIndex(s.log);
  const keep = termAt(s.log, snap.index) === snap.term ? s.log.entries.slice(snap.index - s.log.snapshotIndex) : [];
  s.log = { snapshotIndex: snap.index, snapshotTerm: snap.term, entries: keep };
  persist(c, { op: 'overwrite', file: LOG_FILE, records: keep.map(logRecord) });
  if (keep.length === 0 && last > snap.index) {
    observe(c, {
      kind: 'truncated',
      node: s.self,
      fromIndex: snap.index + 1,
      removed: last - snap.index,
      reason: 'snapshot',
      commitIndex: s.commitIndex,
      detail: `snapshot at ${snap.index} (term ${snap.term}) from ${from} does not match the log`,
    });
  }
  // Receiver 8: reset the state machine using the snapshot (and load its configuration).
  s.snapshot = snap;
  s.sm = c.machine.restore(snap.data);
  s.commitIndex = snap.index;
  s.lastApplied = snap.index;
  setMembership(c, membershipAt(s.log, lastIndex(s.log), snapshotMembership(c)));
  observe(c, { kind: 'snapshotInstalled', node: s.self, index: snap.index, term: snap.term });
  sendAck(c, from, ack(snap.index));
}
