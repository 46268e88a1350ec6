/**
 * What Raft declares for the HTML report (`Protocol.lanes`, `Protocol.describeMessage`): a server's
 * role and term, its vote, its log and commit point, its voters; and a short label per message.
 * Read by reports only, never by the kernel: these change no run.
 */
import { assertNever } from '../contract/assert.ts';
import type { LaneView, MessageDescription, OperationEvent } from '../contract/report.ts';
import type { KvClientObservation, KvOpFields } from './client.ts';
import { lastIndex, lastTerm } from './log.ts';
import type { RaftMessage, RaftState, Role } from './types.ts';

const ROLE_NAMES: Readonly<Record<Role, string>> = { follower: 'follower', preCandidate: 'precandidate', candidate: 'candidate', leader: 'leader' };

export function raftLanes(s: RaftState<unknown, unknown, unknown>): LaneView {
  if (!s.started) return {};
  return {
    role: ROLE_NAMES[s.role],
    epoch: { name: 'term', value: s.currentTerm },
    facts: [
      { name: 'vote', value: s.votedFor === null ? 'no vote' : `voted ${s.votedFor}` },
      { name: 'log', value: `log ${lastIndex(s.log)}@t${lastTerm(s.log)}` },
      { name: 'commit', value: `commit ${s.commitIndex}`, tone: 'muted' },
      { name: 'voters', value: `voters ${s.membership.voters.join(',')}`, tone: 'muted' },
    ],
  };
}

/** A few characters of a client's command, for an arrow's label. */
function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export function describeRaftMessage(m: RaftMessage<unknown, unknown, unknown>): MessageDescription {
  switch (m.type) {
    case 'requestVote':
      return { label: `${m.preVote ? 'preVote' : 'requestVote'} t${m.term}${m.transfer ? ' (transfer)' : ''}` };
    case 'requestVoteResponse':
      return { label: `${m.preVote ? 'preVote' : 'vote'} ${m.granted ? '✓' : '✗'} t${m.term}` };
    case 'appendEntries': {
      const n = m.entries.length;
      const what = n === 0 ? 'heartbeat' : `append [${m.entries[0]!.index}..${m.entries[n - 1]!.index}]`;
      return { label: `${what} t${m.term} c${m.leaderCommit}` };
    }
    case 'appendEntriesResponse':
      return { label: m.success ? `append ✓ t${m.term} m${m.matchIndex}` : `append ✗ t${m.term} at ${m.rejectedIndex}` };
    case 'installSnapshot':
      return { label: `snapshot t${m.term} @${m.snapshot.index}` };
    case 'timeoutNow':
      return { label: `timeoutNow t${m.term}` };
    case 'clientRequest':
      return { label: `request #${m.opId} ${m.request.kind === 'write' ? brief(m.request.command) : brief(m.request.query)}` };
    case 'clientResponse':
      return { label: `response #${m.opId} ${m.outcome.status === 'ok' ? `ok ${brief(m.outcome.result)}` : `not leader${m.outcome.leaderHint ? ` (try ${m.outcome.leaderHint})` : ''}`}` };
    default:
      return assertNever(m, 'raft message');
  }
}

/** An operation's fields, for people: 'put x "c1.4"', 'cas x "a"→"b"', 'get x'. */
function opText(o: KvOpFields): string {
  switch (o.op) {
    case 'get':
      return `get ${o.key}`;
    case 'put':
    case 'append':
      return `${o.op} ${o.key} ${JSON.stringify(o.value)}`;
    case 'cas':
      return `cas ${o.key} ${JSON.stringify(o.expected)}→${JSON.stringify(o.value)}`;
    default:
      return assertNever(o, 'kv operation');
  }
}

/**
 * A kv client's observation as a client operation (`Protocol.operation`), or null for its other
 * observations. Shared by every client that observes in `KvClientObservation`'s shape (core/clusternode's too).
 */
export function kvClientOperation(observation: unknown): OperationEvent | null {
  const o = observation as Partial<KvClientObservation> | null;
  if (typeof o !== 'object' || o === null || typeof o.client !== 'number' || typeof o.opId !== 'number') return null;
  const id = `${o.client}/${o.opId}`;
  const full = o as KvClientObservation;
  switch (o.kind) {
    case 'invoke':
      return { phase: 'invoke', id, op: opText(full), key: full.key };
    case 'ok': {
      const out = (full as Extract<KvClientObservation, { kind: 'ok' }>).output;
      return { phase: 'ok', id, op: opText(full), key: full.key, result: out === null && full.op !== 'get' ? 'ok' : JSON.stringify(out) };
    }
    case 'fail':
    case 'info':
      return { phase: o.kind, id, op: opText(full), key: full.key, result: o.kind === 'fail' ? 'no answer: had no effect' : 'no answer: may have taken effect' };
    default:
      return null;
  }
}
