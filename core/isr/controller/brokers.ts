/**
 * What a controller hears about the brokers: their registrations and ISR change requests (kept only
 * while active; a standby points them to the leader it knows), and SWIM's membership events (a
 * broker dead or gone loses its registration, so only one sent after it came back unfences it).
 */
import { assertNever } from '../../contract/assert.ts';
import type { NodeId } from '../../contract/protocol.ts';
import type { BrokerMember, HeardBroker } from '../decide.ts';
import { memberStatus, type MemberEventObservation } from '../membership.ts';
import type { IsrMessage } from '../types.ts';
import { MAX_QUEUED_ALTERS, image, send, type Step } from './context.ts';

export function onMemberEvent(c: Step, e: MemberEventObservation): void {
  const s = c.s;
  if (!c.opts.brokers.includes(e.subject) || e.event === 'suspect') return; // a suspicion changes nothing yet
  // Dead or gone: its registration is forgotten, so only one it sends after coming back unfences it.
  if (e.event === 'dead' || e.event === 'left') s.heard = s.heard.filter((h) => h.id !== e.subject);
  s.dirty = true;
}

/** The brokers as the SWIM member sees them (those it never heard of left out), sorted by id. */
export function members(c: Step): BrokerMember[] {
  const out: BrokerMember[] = [];
  for (const id of c.opts.brokers) {
    const status = memberStatus(c.s.swim, c.universe, id);
    if (status !== null) out.push({ id, status });
  }
  return out;
}

export function onBrokerMessage(c: Step, from: NodeId, m: IsrMessage): void {
  const { s, env } = c;
  switch (m.type) {
    case 'brokerRegistration': {
      if (s.activeSinceMs === null) {
        send(c, from, { type: 'notController', hint: s.raft.leaderId === env.self ? null : s.raft.leaderId });
        return;
      }
      const k = s.heard.findIndex((h) => h.id === from);
      const before = s.heard[k];
      if (before !== undefined && before.incarnation > m.incarnation) return; // a delayed registration of an earlier incarnation
      const entry: HeardBroker = { id: from, incarnation: m.incarnation, leaving: m.leaving };
      if (before === undefined) {
        s.heard.push(entry);
        s.heard.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      } else {
        s.heard[k] = entry;
      }
      // New broker, new incarnation, leaving, or fenced: worth a decision now.
      const img = image(s);
      const reg = img.brokers.find((b) => b.id === from);
      if (before === undefined || before.incarnation !== m.incarnation || before.leaving !== m.leaving || reg === undefined || reg.fenced) s.dirty = true;
      send(c, from, { type: 'registrationResponse', image: m.knownVersion < img.version ? img : null });
      return;
    }
    case 'alterPartition': {
      if (s.activeSinceMs === null) {
        send(c, from, { type: 'notController', hint: s.raft.leaderId === env.self ? null : s.raft.leaderId });
        return;
      }
      if (s.alters.some((a) => a.from === from && a.requestId === m.requestId)) return;
      if (s.inflight?.accepted.some((a) => a.from === from && a.requestId === m.requestId)) return;
      if (s.alters.length >= MAX_QUEUED_ALTERS) return;
      s.dirty = true;
      s.alters.push({ from, requestId: m.requestId, partition: m.partition, leaderEpoch: m.leaderEpoch, partitionEpoch: m.partitionEpoch, isr: m.isr });
      return;
    }
    case 'registrationResponse':
    case 'notController':
    case 'metadataPush':
    case 'alterPartitionResponse':
    case 'offsetsForLeaderEpoch':
    case 'fetch':
    case 'offsetsForLeaderEpochResponse':
    case 'fetchResponse':
    case 'produce':
    case 'consumerFetch':
    case 'produceResponse':
    case 'consumerFetchResponse':
      return; // not for a controller
    default:
      assertNever(m, 'controller message');
  }
}
