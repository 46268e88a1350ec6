/**
 * Single-server membership changes (thesis §4.1, with the no-op fix): a configuration takes effect
 * on a server as soon as it is in its log, and the leader refuses a change while another is pending.
 */
import type { NodeId } from '../contract/protocol.ts';
import { cover, leaderOf, newProgress, observe, progressOf, reply, sameIds, type Step } from './context.ts';
import { lastIndex, sortedIds } from './log.ts';
import { appendAsLeader, heartbeat, replicate } from './replication.ts';
import { leading } from './requests.ts';
import type { Membership, RaftCommand } from './types.ts';

/** The membership below the log: the snapshot's, else the bootstrap configuration. */
export function snapshotMembership<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): Membership {
  const snapshot = c.s.snapshot;
  return snapshot === null ? c.bootstrap : { voters: snapshot.voters, index: snapshot.index };
}

export function setMembership<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, membership: Membership): void {
  const s = c.s;
  const changed = !sameIds(membership.voters, s.membership.voters);
  s.membership = membership;
  if (!changed) return;
  cover(c, 'raft/membership-changed');
  observe(c, { kind: 'membership', node: s.self, voters: membership.voters, index: membership.index });
  if (s.leader !== null) syncProgress(c);
}

/**
 * One progress per voter other than self, sorted; a new voter starts probing at the end of the
 * log. A removed server keeps its progress until the change commits, so it learns of its removal
 * and stops campaigning.
 */
export function syncProgress<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const l = leaderOf(c);
  const pending = s.membership.index > s.commitIndex;
  const ids = sortedIds([...s.membership.voters, ...(pending ? l.progress.map((p) => p.id) : [])]).filter((id) => id !== s.self);
  if (sameIds(ids, l.progress.map((p) => p.id))) return;
  // A last heartbeat tells a removed server that its removal is committed, so it stops campaigning.
  for (const pr of l.progress) if (!ids.includes(pr.id)) heartbeat(c, pr, true);
  const next = lastIndex(s.log) + 1;
  l.progress = ids.map((id) => progressOf(l, id) ?? newProgress(id, next));
}

export function changeMembership<SM, Cmd, Query, Result>(
  c: Step<SM, Cmd, Query, Result>,
  commandId: number,
  command: Extract<RaftCommand<Cmd>, { type: 'addServer' | 'removeServer' }>,
): void {
  const s = c.s;
  const l = leading(c, commandId);
  if (l === null) return;
  const refusal = membershipRefusal(c, command.type === 'addServer', command.node);
  if (refusal !== null) {
    reply(c, commandId, { type: 'rejected', reason: refusal });
    return;
  }
  const voters = s.membership.voters;
  const next = command.type === 'addServer' ? sortedIds([...voters, command.node]) : voters.filter((v) => v !== command.node);
  const e = appendAsLeader(c, { type: 'config', voters: next });
  l.pendingConfig = { index: e.index, commandId };
  replicate(c);
}

/** Why the leader cannot add or remove `node` now, or null when it can. */
function membershipRefusal<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, adding: boolean, node: NodeId): string | null {
  const s = c.s;
  const l = leaderOf(c);
  const voters = s.membership.voters;
  // Thesis §4.1: one change at a time; the next waits until the previous one is committed.
  if (l.pendingConfig !== null || s.membership.index > s.commitIndex) return 'a membership change is in progress';
  // The single-server change fix: no change before an entry of this term (the no-op) is committed.
  if (s.commitIndex < l.termStartIndex) return 'no entry of the current term is committed yet';
  if (adding && voters.includes(node)) return `${node} is already a voter`;
  if (!adding && !voters.includes(node)) return `${node} is not a voter`;
  if (!adding && voters.length === 1) return 'cannot remove the last voter';
  return null;
}
