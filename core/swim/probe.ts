/**
 * Failure detection by probing. SWIM §3 and §4.3: every protocol period a member pings the next
 * member of a list it reshuffles every round (randomized round robin: each member is probed within
 * a bounded time), and when no ack comes within the probe timeout asks k random members to ping the
 * target for it (ping-req) and relay the ack. A probe without an ack by the end of the period makes
 * the target suspect (or, without suspicion, dead).
 *
 * Lifeguard's Local Health Aware Probe: a relay that hears nothing from the target sends a nack, so
 * that the prober can tell "the target is silent" from "I am not hearing anyone"; missing nacks and
 * missed acks raise the prober's local health score, which stretches its period and timeouts.
 *
 * Also here: serf's reconnect (members believed dead are pinged now and then, so a healed
 * partition merges back).
 */
import { assert } from '../contract/assert.ts';
import { adjustAwareness, cover, scaled, send, type Step } from './context.ts';
import { piggyback } from './dissemination.ts';
import { applyDead, applySuspect } from './membership.ts';
import { ALIVE, DEAD, relayTimer, SUSPECT } from './types.ts';
import { incAt, randomAlive, shuffle, statusAt, toIncarnationOf } from './view.ts';
import { UNBOUND, type WireMessage } from './wire.ts';

/** A relay's nack goes out at this fraction of the probe timeout (see `relay`). */
const NACK_FRACTION = 0.8;

/** The next member to probe in randomized round robin (alive or suspect), or -1. */
function nextTarget(c: Step): number {
  const s = c.s;
  const m = s.members;
  for (let tries = 0; tries <= m.length; tries++) {
    if (s.probeCursor >= m.length) {
      shuffle(c, m);
      s.probeCursor = 0;
      if (m.length === 0) return -1;
    }
    const i = m[s.probeCursor++]!;
    const st = statusAt(c, i);
    if (st === ALIVE || st === SUSPECT) return i;
  }
  return -1;
}

/** The probe of the period that just ended got no ack: Lifeguard's health update, then suspicion. */
export function finishProbe(c: Step): void {
  const s = c.s;
  const p = s.probe;
  if (p === null) return;
  s.probe = null;
  // Lifeguard: each nack we asked for and did not get hints that we, not the target, are the slow one.
  adjustAwareness(c, p.expectedNacks > 0 ? p.expectedNacks - p.nacks.length : 1);
  c.fx.push({ type: 'observe', observation: { type: 'probe-failed', target: p.target, nacks: p.nacks.length, expectedNacks: p.expectedNacks, awareness: s.awareness, localMs: c.env.nowMs } });
  const i = c.sw.indexOf.get(p.target)!;
  const st = statusAt(c, i);
  if (st !== ALIVE && st !== SUSPECT) return;
  if (!c.sw.suspicionOn) applyDead(c, p.target, incAt(c, i), c.env.self);
  else applySuspect(c, p.target, incAt(c, i), c.env.self);
}

export function startProbe(c: Step): void {
  const s = c.s;
  assert(s.probe === null, `swim ${c.env.self}: a new probe while the probe of ${s.probe?.target} is open`);
  const i = nextTarget(c);
  if (i < 0) return;
  const target = c.sw.universe[i]!;
  const seq = ++s.seq;
  s.probes++;
  s.probe = { seq, target, indirect: false, expectedNacks: 0, nacks: [] };
  const updates = piggyback(c);
  // memberlist: a suspect (or dead) target gets the accusation with the ping, to refute at once (Lifeguard's Buddy System).
  if (c.sw.config.buddySystem && statusAt(c, i) !== ALIVE) updates.push({ kind: 'suspect', node: target, incarnation: incAt(c, i), from: c.env.self });
  send(c, target, incAt(c, i), seq, { type: 'ping', probe: seq, updates });
  c.fx.push({ type: 'setTimer', timer: 'probe-timeout', afterMs: scaled(c, c.sw.config.probeTimeoutMs) });
}

/** No ack within the probe timeout: ping-reqs through k random alive members (SWIM §3), nacks wanted with Lifeguard. */
export function probeTimeout(c: Step): void {
  const { config, bug, lifeguard } = c.sw;
  const s = c.s;
  const p = s.probe;
  if (p === null || p.indirect) return;
  p.indirect = true;
  if (bug === 'no-ping-req' || config.indirectChecks === 0) return;
  const ti = c.sw.indexOf.get(p.target)!;
  const relays = randomAlive(c, config.indirectChecks, ti);
  for (const r of relays) {
    const seq = ++s.seq;
    send(c, c.sw.universe[r]!, incAt(c, r), seq, { type: 'ping-req', probe: p.seq, nack: lifeguard, target: p.target, targetIncarnation: Math.max(0, incAt(c, ti)), updates: piggyback(c) });
  }
  if (lifeguard) p.expectedNacks = relays.length;
  if (lifeguard && s.awareness > 0) cover(c, 'swim/probe-timeout-stretched');
}

/** Ping some members we believe dead, with the claim attached: a live one refutes, and its ack revives it here. */
export function reconnect(c: Step): void {
  const s = c.s;
  const m = s.members;
  let sent = 0;
  for (let tries = 0; tries < m.length && sent < c.sw.config.reconnectFanout; tries++) {
    if (s.reconnectCursor >= m.length) s.reconnectCursor = 0;
    const i = m[s.reconnectCursor++]!;
    if (statusAt(c, i) !== DEAD) continue;
    const node = c.sw.universe[i]!;
    const seq = ++s.seq;
    send(c, node, incAt(c, i), seq, { type: 'ping', probe: seq, updates: [{ kind: 'dead', node, incarnation: incAt(c, i), from: c.env.self }] });
    sent++;
  }
}

/** A ping-req: ping the target for the requester, and relay its ack (or, by the nack timer, a nack). */
export function relay(c: Step, m: WireMessage & { type: 'ping-req' }): void {
  const s = c.s;
  if (m.target === c.env.self || !c.sw.indexOf.has(m.target)) return;
  if (s.relays.length >= c.sw.config.maxRelays) {
    c.fx.push({ type: 'observe', observation: { type: 'rejected', from: m.from, reason: 'relays-full', localMs: c.env.nowMs } });
    return;
  }
  const seq = ++s.seq;
  s.relays.push({ seq, requester: m.from, requesterProbe: m.probe, requesterIncarnation: m.fromIncarnation, nack: m.nack });
  const known = toIncarnationOf(c, m.target);
  const toIncarnation = known === UNBOUND ? m.targetIncarnation : Math.max(known, m.targetIncarnation);
  send(c, m.target, toIncarnation, seq, { type: 'ping', probe: seq, updates: piggyback(c) });
  // Lifeguard (§IV-B): the nack goes out at 80% of the probe timeout, so that it reaches the
  // requester before its period ends (ping-req at the probe timeout, nack 0.8 timeouts later).
  c.fx.push({ type: 'setTimer', timer: relayTimer(seq), afterMs: NACK_FRACTION * c.sw.config.probeTimeoutMs });
}

/** An ack: it ends our probe, or answers a ping we sent as a relay and goes on to the requester. */
export function onAck(c: Step, probe: number): void {
  const s = c.s;
  const p = s.probe;
  if (p !== null && p.seq === probe) {
    s.probe = null;
    adjustAwareness(c, -1); // Lifeguard: a successful probe is a sign of good local health
    c.fx.push({ type: 'cancelTimer', timer: 'probe-timeout' });
    return;
  }
  const k = s.relays.findIndex((r) => r.seq === probe);
  if (k < 0) return cover(c, 'swim/late-ack-ignored'); // an ack for a probe that is over: nothing to do
  const r = s.relays[k]!;
  s.relays.splice(k, 1);
  c.fx.push({ type: 'cancelTimer', timer: relayTimer(r.seq) });
  send(c, r.requester, r.requesterIncarnation, ++s.seq, { type: 'ack', probe: r.requesterProbe, updates: piggyback(c) });
}

/** A relay's nack timer: the target has not answered our ping; tell the requester so, if it asked. */
export function relayTimedOut(c: Step, seq: number): void {
  const s = c.s;
  const k = s.relays.findIndex((r) => r.seq === seq);
  if (k < 0) return;
  const r = s.relays[k]!;
  s.relays.splice(k, 1);
  // SWIM without Lifeguard: the target's silence is told by nothing at all, never by an ack.
  if (!r.nack) cover(c, 'swim/relay-silent');
  if (r.nack) send(c, r.requester, r.requesterIncarnation, ++s.seq, { type: 'nack', probe: r.requesterProbe });
}

/** A nack for our current probe; each relay counts once. */
export function onNack(c: Step, from: string, probe: number): void {
  const p = c.s.probe;
  if (p !== null && p.seq === probe && !p.nacks.includes(from)) p.nacks.push(from);
}
