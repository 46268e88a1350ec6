/**
 * Linearizable reads without writing to the log: ReadIndex (thesis §6.4). A read waits for two
 * things, in either order: a majority confirming, in a round of heartbeats that started after the
 * read arrived, that this node still leads; and the state machine reaching the read index.
 */
import type { NodeId } from '../contract/protocol.ts';
import { cover, progressOf, send, type Step } from './context.ts';
import { quorumValue } from './quorum.ts';
import { heartbeat } from './replication.ts';
import type { LeaderState } from './types.ts';

export function startRead<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, l: LeaderState<Query>, from: NodeId, opId: number, query: Query): void {
  const s = c.s;
  if (c.bugs.staleRead) {
    send(c, from, { type: 'clientResponse', opId, outcome: { status: 'ok', result: c.machine.query(s.sm, query) } });
    return;
  }
  // Thesis §6.4 ReadIndex: (1) the read index is the commit index, and at least this term's no-op;
  // (2) confirm leadership with a round of heartbeats; (3) serve once a majority answered that round
  // and (4) the state machine has applied the read index.
  l.readSeq += 1;
  l.pendingReads.push({ node: from, opId, query, readIndex: Math.max(s.commitIndex, l.termStartIndex), readSeq: l.readSeq });
  for (const pr of l.progress) heartbeat(c, pr, false);
  serveReads(c);
}

/** Answer, in order, the reads whose round a majority confirmed and whose index is applied. */
export function serveReads<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const l = s.leader;
  if (l === null || l.pendingReads.length === 0) return;
  const acks = s.membership.voters.map((v) => (v === s.self ? l.readSeq : (progressOf(l, v)?.ackedReadSeq ?? 0)));
  const confirmed = quorumValue(acks);
  while (l.pendingReads.length > 0) {
    const r = l.pendingReads[0] as (typeof l.pendingReads)[number];
    if (r.readSeq > confirmed || r.readIndex > s.lastApplied) return;
    l.pendingReads.shift();
    cover(c, 'raft/read-confirmed');
    send(c, r.node, { type: 'clientResponse', opId: r.opId, outcome: { status: 'ok', result: c.machine.query(s.sm, r.query) } });
  }
}
