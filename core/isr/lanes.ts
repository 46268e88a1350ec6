/**
 * What ISR's protocols declare for the HTML report (`Protocol.lanes`, `describeMessage`,
 * `operation`): a broker's role per partition (leader or follower, leader epoch), each ISR and high
 * watermark as the broker sees it, whether the controller fenced it, and its SWIM view; a
 * controller's Raft role and term (the active controller leads) and its SWIM view; a producer's
 * writes as client operations; every message as a short label, SWIM's bytes decoded. Read by
 * reports only, never by the kernel: these change no run.
 */
import { assertNever } from '../contract/assert.ts';
import type { LaneFact, LaneView, MessageDescription, OperationEvent } from '../contract/report.ts';
import { describeRaftMessage, raftLanes } from '../raft/lanes.ts';
import type { RaftMessage } from '../raft/types.ts';
import type { SwimMember } from './membership.ts';
import type { BrokerState, IsrMessage, IsrWire, ProducerObservation } from './types.ts';

/** The nested SWIM member's protocol, whose lanes and decoder these read. */
type SwimProtocol = SwimMember<unknown, unknown>['protocol'];

export function brokerLanes(member: SwimProtocol, s: BrokerState): LaneView {
  if (!s.started) return {};
  const me = s.image?.brokers.find((b) => b.id === s.self);
  const facts: LaneFact[] = [];
  for (const r of s.replicas) {
    const what = r.role === 'leader' ? `leader e${r.leaderEpoch} isr ${r.isr.join(',')}` : r.role === 'follower' ? `follower of ${r.leader ?? '?'} e${r.leaderEpoch}` : 'idle';
    facts.push({ name: `p${r.partition}`, value: `p${r.partition} ${what}`, tone: r.role === 'none' ? 'muted' : undefined });
    facts.push({ name: `p${r.partition} hw`, value: `p${r.partition} hw ${r.hw} leo ${r.log.length}`, tone: 'muted' });
  }
  const role = me === undefined ? (s.joined ? 'broker (unknown)' : 'not joined') : me.fenced ? 'fenced' : s.leaving ? 'leaving' : 'broker';
  return { role, facts, peers: member.lanes!(s.swim).peers ?? {} };
}

export function controllerLanes(member: SwimProtocol, s: { readonly raft: Parameters<typeof raftLanes>[0]; readonly swim: BrokerState['swim']; readonly activeSinceMs: number | null }): LaneView {
  const r = raftLanes(s.raft);
  const role = r.role === undefined ? undefined : s.activeSinceMs !== null ? 'active controller' : r.role;
  return { ...(role === undefined ? {} : { role }), ...(r.epoch === undefined ? {} : { epoch: r.epoch }), peers: member.lanes!(s.swim).peers ?? {} };
}

function describeIsrMessage(m: IsrMessage): MessageDescription {
  switch (m.type) {
    case 'brokerRegistration':
      return { label: `register i${m.incarnation}${m.leaving ? ' (leaving)' : ''}` };
    case 'alterPartition':
      return { label: `alterPartition p${m.partition} isr ${m.isr.join(',')}` };
    case 'registrationResponse':
      return { label: `registered${m.image ? ` (metadata v${m.image.version})` : ''}` };
    case 'notController':
      return { label: `not controller${m.hint ? ` (try ${m.hint})` : ''}` };
    case 'metadataPush':
      return { label: `metadata v${m.image.version}` };
    case 'alterPartitionResponse':
      return { label: `alterPartition p${m.partition} ${m.ok ? '✓' : '✗'}` };
    case 'offsetsForLeaderEpoch':
      return { label: `epoch end? p${m.partition} e${m.epoch}` };
    case 'offsetsForLeaderEpochResponse':
      return { label: `epoch end p${m.partition} e${m.epoch} @${m.endOffset}${m.error ? ` ${m.error}` : ''}` };
    case 'fetch':
      return { label: `fetch p${m.partition} @${m.fetchOffset} e${m.leaderEpoch}` };
    case 'fetchResponse':
      return { label: `fetched p${m.partition} +${m.records.length} hw ${m.hw}${m.error ? ` ${m.error}` : ''}` };
    case 'produce':
      return { label: `produce p${m.partition} ${m.id} acks=${m.acks}` };
    case 'consumerFetch':
      return { label: `consume p${m.partition} @${m.offset}` };
    case 'produceResponse':
      return { label: m.error ? `produce p${m.partition} ${m.error}` : `produced p${m.partition} @${m.offset}` };
    case 'consumerFetchResponse':
      return { label: m.error ? `consume p${m.partition} ${m.error}` : `consumed p${m.partition} ${m.ids.length} records` };
    default:
      return assertNever(m, 'isr message');
  }
}

/** Any message of an ISR cluster: SWIM's bytes, the metadata group's Raft traffic, or ISR's own. */
export function describeIsrWire(member: SwimProtocol | null, m: IsrWire | RaftMessage<unknown, unknown, unknown>): MessageDescription {
  if (m instanceof Uint8Array) {
    if (member === null) return { label: 'swim datagram' };
    const d = member.describeMessage!(m);
    return { label: `swim ${d.label}`, ...(d.detail === undefined ? {} : { detail: d.detail }) };
  }
  if (RAFT_TYPES.has(m.type)) return describeRaftMessage(m as RaftMessage<unknown, unknown, unknown>);
  return describeIsrMessage(m as IsrMessage);
}

const RAFT_TYPES: ReadonlySet<string> = new Set(['requestVote', 'requestVoteResponse', 'appendEntries', 'appendEntriesResponse', 'installSnapshot', 'timeoutNow', 'clientRequest', 'clientResponse']);

/** A producer's write as a client operation: one per record id, keyed by its partition. */
export function producerOperation(observation: unknown): OperationEvent | null {
  const o = observation as Partial<ProducerObservation> | null;
  if (typeof o !== 'object' || o === null || typeof o.id !== 'string' || typeof o.partition !== 'number') return null;
  const op = `produce p${o.partition} ${o.id} (acks=${o.acks})`;
  const key = `p${o.partition}`;
  switch (o.type) {
    case 'invoke':
      return { phase: 'invoke', id: o.id, op, key };
    case 'ok':
      return { phase: 'ok', id: o.id, op, key, result: `offset ${(o as Extract<ProducerObservation, { type: 'ok' }>).offset}` };
    case 'fail':
    case 'info':
      return { phase: o.type, id: o.id, op, key, result: (o as Extract<ProducerObservation, { type: 'fail' | 'info' }>).reason };
    default:
      return null;
  }
}
