/**
 * Receiving: authenticate, bind to this life, refuse replays, then act on the message. Every
 * refusal comes before the first change of state, so a refused message leaves the state exactly as
 * it was (the kernel's `forge` fault and `kernel:forgery-accepted` hold us to it).
 *
 * - The HMAC (auth.ts) and the decoder (wire.ts): a forged, tampered or malformed frame.
 * - `toIncarnation` must lie in [epoch, incarnation]: a message for an earlier life is refused (a
 *   restarted member is above every incarnation it had, so it can't be a replay into a fresh,
 *   forgetful state), and one for an incarnation we never had too. Joins are unbound: answered,
 *   never learned from.
 * - Pings, ping-reqs, acks and nacks carry the sender's (epoch, seq) nonce and pass a 32-wide
 *   sliding window per sender. Syncs carry none: merging membership is idempotent.
 */
import { assertNever } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { unseal } from './auth.ts';
import { isActive, reject, send, type Step } from './context.ts';
import { fullMembership, piggyback } from './dissemination.ts';
import { applyAlive, applyUpdate } from './membership.ts';
import { onAck, onNack, relay } from './probe.ts';
import type { RejectReason } from './types.ts';
import { decode, describeDecodeError, UNBOUND, type WireMessage } from './wire.ts';

/** Sequence numbers a sender may be behind its highest and still be accepted once. */
const WINDOW = 32;

/** Slide the sender's replay window over `seq`; the reason to refuse, or null (and the window moved). Changes state only when it returns null. */
function checkNonce(c: Step, m: WireMessage): RejectReason | null {
  const windows = c.s.windows;
  const w = windows[m.from];
  if (w === undefined || m.fromEpoch > w[0]) {
    windows[m.from] = [m.fromEpoch, m.seq, 1];
    return null;
  }
  if (m.fromEpoch < w[0]) return 'old-epoch';
  const top = w[1];
  if (m.seq > top) {
    const shift = m.seq - top;
    w[2] = shift >= WINDOW ? 1 : ((w[2] << shift) | 1) >>> 0;
    w[1] = m.seq;
    return null;
  }
  const back = top - m.seq;
  if (back >= WINDOW) return 'too-old';
  const bit = 1 << back;
  if ((w[2] & bit) !== 0) return 'replay';
  w[2] = (w[2] | bit) >>> 0;
  return null;
}

/** A message from `claimed` (the network's word for the sender; the message must agree). */
export function receive(c: Step, claimed: NodeId, bytes: unknown): void {
  const s = c.s;
  const self = c.env.self;
  if (!(bytes instanceof Uint8Array)) return reject(c, claimed, 'not-bytes');
  const opened = unseal(c.sw.key, bytes, c.sw.bug !== 'no-mac-check');
  if (!opened.ok) return reject(c, claimed, opened.error.kind, opened.error.kind === 'truncated' ? `frame of ${bytes.length} bytes` : undefined);
  const decoded = decode(opened.payload);
  if (!decoded.ok) return reject(c, claimed, decoded.error.kind, describeDecodeError(decoded.error));
  const m = decoded.value;
  if (m.to !== self) return reject(c, claimed, 'wrong-recipient', m.to);
  if (m.from !== claimed) return reject(c, claimed, 'wrong-sender', m.from);
  if (!c.sw.indexOf.has(m.from)) return reject(c, claimed, 'unknown-node', m.from);
  if (!isActive(c)) return reject(c, claimed, 'not-a-member', s.phase);
  if (m.toIncarnation === UNBOUND) {
    // A join: answer with our membership; learn nothing from it, since anyone may replay it.
    if (m.type !== 'sync') return reject(c, claimed, 'unbound', m.type);
    if (m.reply) send(c, m.from, m.fromIncarnation, 0, { type: 'sync', reply: false, updates: fullMembership(c) });
    return;
  }
  if (m.toIncarnation < s.epoch) {
    // Addressed to an earlier life of ours: tell the sender who we are now (no state changes).
    if (m.type === 'ping' || m.type === 'ping-req') send(c, m.from, m.fromIncarnation, 0, { type: 'sync', reply: false, updates: [{ kind: 'alive', node: self, incarnation: s.incarnation }] });
    return reject(c, claimed, 'earlier-life', `to incarnation ${m.toIncarnation} < ${s.epoch}`);
  }
  if (m.toIncarnation > s.incarnation) return reject(c, claimed, 'future-incarnation', `to incarnation ${m.toIncarnation} > ${s.incarnation}`);
  if (m.type !== 'sync') {
    const refused = checkNonce(c, m);
    if (refused !== null) return reject(c, claimed, refused, `epoch ${m.fromEpoch} seq ${m.seq}`);
  }
  // Accepted. A message is evidence that its sender lives at its incarnation.
  applyAlive(c, m.from, m.fromIncarnation);
  switch (m.type) {
    case 'ping':
      for (const u of m.updates) applyUpdate(c, u, null);
      send(c, m.from, m.fromIncarnation, ++s.seq, { type: 'ack', probe: m.probe, updates: piggyback(c) });
      return;
    case 'ping-req':
      for (const u of m.updates) applyUpdate(c, u, null);
      return relay(c, m);
    case 'ack':
      for (const u of m.updates) applyUpdate(c, u, null);
      return onAck(c, m.probe);
    case 'nack':
      return onNack(c, m.from, m.probe);
    case 'sync':
      for (const u of m.updates) applyUpdate(c, u, m.from);
      if (m.reply) send(c, m.from, m.fromIncarnation, 0, { type: 'sync', reply: false, updates: fullMembership(c) });
      return;
    default:
      return assertNever(m, 'message');
  }
}
