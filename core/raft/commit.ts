/**
 * Commit and apply: when a leader may count an entry as committed (Figure 8), what moving the
 * commit index sets off on any server (applying, answering writes, finishing a membership change,
 * a removed leader stepping down, waiting reads), and applying entries to the state machine.
 */
import { assert } from '../contract/assert.ts';
import { isVoter, leaderOf, observe, progressOf, reply, send, type Step } from './context.ts';
import { entryAt, lastIndex, termAt } from './log.ts';
import { syncProgress } from './membership.ts';
import { quorumValue } from './quorum.ts';
import { serveReads } from './reads.ts';
import { becomeFollower } from './roles.ts';
import { maybeSnapshot } from './snapshot.ts';
import type { EntryId, LeaderState, LogEntry } from './types.ts';

export function maybeCommit<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const l = leaderOf(c);
  const matches = s.membership.voters.map((v) => (v === s.self ? lastIndex(s.log) : (progressOf(l, v)?.matchIndex ?? 0)));
  const n = quorumValue(matches);
  if (n <= s.commitIndex) return;
  // Fig. 2 Leaders 4 (§5.4.2, Figure 8): if there exists an N > commitIndex such that a majority of
  // matchIndex[i] >= N and log[N].term == currentTerm, set commitIndex = N. Entries of earlier
  // terms are committed only indirectly, by an entry of the current term.
  if (!c.bugs.commitPreviousTerm && termAt(s.log, n) !== s.currentTerm) return;
  advanceCommit(c, n);
}

export function advanceCommit<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, commitIndex: number): void {
  const s = c.s;
  // What a server once called committed stays committed: the commit index never moves back.
  assert(commitIndex > s.commitIndex, `raft ${s.self}: commitIndex ${commitIndex} after ${s.commitIndex}`);
  const entries: EntryId[] = [];
  for (let i = Math.max(s.commitIndex + 1, s.log.snapshotIndex + 1); i <= commitIndex; i++) {
    const e = entryAt(s.log, i);
    if (e === undefined) break;
    entries.push({ index: e.index, term: e.term, hash: e.hash });
  }
  s.commitIndex = commitIndex;
  observe(c, { kind: 'committed', node: s.self, term: s.currentTerm, commitIndex, entries });
  applyEntries(c);
  const l = s.leader;
  if (l === null) return;
  if (l.pendingConfig !== null && l.pendingConfig.index <= commitIndex) {
    reply(c, l.pendingConfig.commandId, { type: 'ok', index: l.pendingConfig.index });
    l.pendingConfig = null;
    syncProgress(c); // stop replicating to a removed server
  }
  // Thesis §4.2.2: a leader that is not in the committed configuration steps down.
  if (!isVoter(s, s.self) && s.membership.index <= commitIndex) {
    becomeFollower(c, s.currentTerm, null);
    return;
  }
  serveReads(c);
}

/** Fig. 2 All Servers: if commitIndex > lastApplied, apply log[lastApplied + 1] in order. */
export function applyEntries<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const target = c.bugs.applyBeforeCommit ? lastIndex(s.log) : s.commitIndex;
  if (s.lastApplied >= target) return;
  const applied: EntryId[] = [];
  while (s.lastApplied < target) {
    const e = entryAt(s.log, s.lastApplied + 1);
    if (e === undefined) break;
    s.lastApplied = e.index;
    applied.push({ index: e.index, term: e.term, hash: e.hash });
    if (e.data.type !== 'command') continue;
    const { state, result } = c.machine.apply(s.sm, e.data.command);
    s.sm = state;
    if (s.leader !== null) answerWrite(c, s.leader, e, result);
  }
  observe(c, { kind: 'applied', node: s.self, entries: applied });
  maybeSnapshot(c);
}

/** Answer the client or operator that asked for `e`, when it asked this leader. */
function answerWrite<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, l: LeaderState<Query>, e: LogEntry<Cmd>, result: Result): void {
  while (l.pendingWrites.length > 0 && (l.pendingWrites[0] as { index: number }).index <= e.index) {
    const w = l.pendingWrites.shift() as (typeof l.pendingWrites)[number];
    if (w.index !== e.index || w.term !== e.term) continue;
    if (w.origin.kind === 'client') {
      send(c, w.origin.node, { type: 'clientResponse', opId: w.origin.opId, outcome: { status: 'ok', result } });
    } else {
      reply(c, w.origin.commandId, { type: 'applied', index: e.index, result });
    }
  }
}
