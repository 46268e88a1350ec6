/**
 * What survives a crash: the term and vote, written before anything that depends on them, and
 * the state a (re)start rebuilds from the disk alone. Log and snapshot writes are made where the
 * log changes (replication.ts, snapshot.ts); storage.ts says how records look and are read back.
 */
import type { DurableState } from '../contract/protocol.ts';
import { initialState, observe, persist, type Step } from './context.ts';
import { lastIndex, membershipAt } from './log.ts';
import { snapshotMembership } from './membership.ts';
import { META_FILE, metaRecord, recover } from './storage.ts';
import { redrawElectionTimeout, resetElectionTimer } from './timers.ts';

/** currentTerm and votedFor to disk (Fig. 2 "Persistent state on all servers"). */
export function persistMeta<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const votedFor = c.bugs.votedForNotPersisted ? null : s.votedFor;
  persist(c, { op: 'overwrite', file: META_FILE, records: [metaRecord(s.currentTerm, votedFor)] });
  observe(c, { kind: 'persistedMeta', node: s.self, term: s.currentTerm, votedFor });
}

/** Start: rebuild from durable state only, mend what a crash left half written, then wait for a leader. */
export function onStart<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, durable: DurableState): void {
  const r = recover<Cmd>(durable);
  const s = initialState(c, c.s.self);
  s.started = true;
  s.currentTerm = r.term;
  s.votedFor = r.votedFor;
  if (r.snapshot !== null) {
    s.snapshot = r.snapshot;
    s.log = { snapshotIndex: r.snapshot.index, snapshotTerm: r.snapshot.term, entries: r.entries };
    s.sm = c.machine.restore(r.snapshot.data);
    s.commitIndex = r.snapshot.index;
    s.lastApplied = r.snapshot.index;
  } else {
    s.log.entries = r.entries;
  }
  c.s = s;
  s.membership = membershipAt(s.log, lastIndex(s.log), snapshotMembership(c));
  for (const write of r.repairs) persist(c, write);
  for (const note of r.notes) {
    if (note.kind === 'truncated') observe(c, { ...note, node: s.self, commitIndex: s.commitIndex });
    else observe(c, { ...note, node: s.self });
  }
  observe(c, {
    kind: 'started',
    node: s.self,
    term: s.currentTerm,
    votedFor: s.votedFor,
    snapshotIndex: s.log.snapshotIndex,
    lastIndex: lastIndex(s.log),
  });
  redrawElectionTimeout(c);
  resetElectionTimer(c);
}
