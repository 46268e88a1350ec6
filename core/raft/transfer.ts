/**
 * Leadership transfer (thesis §3.10): the leader stops taking requests, brings the target's log
 * up to its own, then sends it TimeoutNow, on which the target campaigns at once. A transfer that
 * has not got that far within transferTimeoutMs is abandoned.
 */
import type { NodeId } from '../contract/protocol.ts';
import { cover, isVoter, leaderOf, progressOf, reply, send, type Step } from './context.ts';
import { lastIndex } from './log.ts';
import { sendAppend } from './replication.ts';
import { leading } from './requests.ts';
import type { Progress } from './types.ts';

export function transferLeadership<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, commandId: number, to: NodeId): void {
  const s = c.s;
  const l = leading(c, commandId);
  if (l === null) return;
  if (to === s.self) {
    reply(c, commandId, { type: 'ok', index: lastIndex(s.log) });
    return;
  }
  const pr = progressOf(l, to);
  if (pr === undefined || !isVoter(s, to)) {
    reply(c, commandId, { type: 'rejected', reason: `${to} is not a voter` });
    return;
  }
  // Thesis §3.10: stop taking requests, bring the target up to date, then send it TimeoutNow.
  l.transfer = { target: to, deadlineMs: c.env.nowMs + c.opts.transferTimeoutMs, commandId, timeoutNowSent: false };
  maybeSendTimeoutNow(c, pr);
  if (!l.transfer.timeoutNowSent) sendAppend(c, pr, true);
}

/** TimeoutNow to the transfer's target once its log matches the leader's (never twice). */
export function maybeSendTimeoutNow<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, pr: Progress): void {
  const s = c.s;
  const t = leaderOf(c).transfer;
  if (t === null || t.timeoutNowSent || t.target !== pr.id || pr.matchIndex < lastIndex(s.log)) return;
  cover(c, 'raft/transfer-timeout-now');
  send(c, pr.id, { type: 'timeoutNow', term: s.currentTerm });
  t.timeoutNowSent = true;
  reply(c, t.commandId, { type: 'ok', index: pr.matchIndex });
}

export function endTransfer<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, reason: string): void {
  const l = leaderOf(c);
  const t = l.transfer;
  if (t === null) return;
  if (!t.timeoutNowSent) reply(c, t.commandId, { type: 'rejected', reason });
  l.transfer = null;
}
