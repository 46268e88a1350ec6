/**
 * What clients and operators ask of a server: client writes go through the log and are answered
 * once applied, client reads go to ReadIndex (reads.ts), operator commands to their rules. Only a
 * leader that is not handing over takes any of them.
 */
import { assertNever } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { reply, send, type Step } from './context.ts';
import { changeMembership } from './membership.ts';
import { startRead } from './reads.ts';
import { appendAsLeader, replicate } from './replication.ts';
import { transferLeadership } from './transfer.ts';
import type { LeaderState, RaftCommand, RaftMessage } from './types.ts';

type ClientRequest<Cmd, Query, Result> = Extract<RaftMessage<Cmd, Query, Result>, { type: 'clientRequest' }>;

export function onClientRequest<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, from: NodeId, m: ClientRequest<Cmd, Query, Result>): void {
  const s = c.s;
  const l = s.leader;
  if (l === null || l.transfer !== null) {
    // Thesis §3.10: a leader handing over stops taking requests; the client retries.
    send(c, from, { type: 'clientResponse', opId: m.opId, outcome: { status: 'notLeader', leaderHint: l === null ? s.leaderId : null } });
    return;
  }
  switch (m.request.kind) {
    case 'write': {
      const e = appendAsLeader(c, { type: 'command', command: m.request.command });
      l.pendingWrites.push({ index: e.index, term: e.term, origin: { kind: 'client', node: from, opId: m.opId } });
      replicate(c);
      return;
    }
    case 'read':
      startRead(c, l, from, m.opId, m.request.query);
      return;
    default:
      assertNever(m.request, 'client request');
  }
}

export function onCommand<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, commandId: number, command: RaftCommand<Cmd>): void {
  switch (command.type) {
    case 'propose': {
      const l = leading(c, commandId);
      if (l === null) return;
      const e = appendAsLeader(c, { type: 'command', command: command.command });
      l.pendingWrites.push({ index: e.index, term: e.term, origin: { kind: 'operator', commandId } });
      replicate(c);
      return;
    }
    case 'addServer':
    case 'removeServer':
      changeMembership(c, commandId, command);
      return;
    case 'transferLeadership':
      transferLeadership(c, commandId, command.to);
      return;
    default:
      assertNever(command, 'command');
  }
}

/** The leader state when this node leads and takes commands; otherwise replies and gives null. */
export function leading<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, commandId: number): LeaderState<Query> | null {
  const s = c.s;
  if (s.leader === null) reply(c, commandId, { type: 'notLeader', leaderHint: s.leaderId });
  else if (s.leader.transfer !== null) reply(c, commandId, { type: 'rejected', reason: 'leadership transfer in progress' });
  else return s.leader;
  return null;
}
