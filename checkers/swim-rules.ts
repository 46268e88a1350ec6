/**
 * SWIM's and Lifeguard's rules checked at the moment a member acts, from the messages the network
 * carries (`InvariantChecker.onMessage`) and the member's state around the step, beside the
 * end-state and bound checkers of checkers/swim.ts. Each rule says what caused an action:
 *
 *   probe-ends-on-its-ack   a probe ends as answered only in the step that received an ack for that
 *                           probe's number, from the target or relayed (SWIM §3: acks are matched
 *                           to the ping by sequence number; a late ack of an earlier probe is old news)
 *   ping-req-not-to-target  a ping-req goes to a member other than its target and its sender (SWIM
 *                           §3: "k other members")
 *   relay-acks-after-target a member sends an ack for a probe only when it answers that probe's ping
 *                           itself, or when the target's ack for the ping it sent as that probe's
 *                           relay has just arrived (SWIM §3: the relay forwards the target's ack;
 *                           an ack means the target answered)
 *   piggyback-fewest-first  the retransmit queue is kept fewest transmissions first, so fresh news
 *                           goes out before news already sent many times (SWIM §4.1; memberlist's
 *                           TransmitLimitedQueue)
 *   sync-dead-is-suspect    with suspicion on, no member is declared dead in the step that merges a
 *                           push-pull or join sync: the peer's verdict may be stale, so it counts as
 *                           a suspicion (memberlist mergeState: StateDead falls through to suspectNode)
 *   probe-timeout-scaled    ping-reqs go out no sooner than the probe timeout after the ping, the
 *                           timeout stretched by the local health multiplier under Lifeguard
 *                           (Lifeguard's LHA-Probe; memberlist awareness.ScaleTimeout)
 *
 * The explorer does not report messages, so there these rules judge nothing. Under a disk-latency
 * model a send held behind a write leaves in a later event than its cause: build them without one.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { MAC_BYTES } from '../core/swim/auth.ts';
import { decode, type WireMessage } from '../core/swim/wire.ts';
import type { SwimState } from '../core/swim/types.ts';

export interface SwimRulesConfig {
  readonly probeTimeoutMs: number;
  readonly lifeguard: boolean;
  /** The suspicion mechanism is on (SWIM §4.2): only then is a remote death a suspicion. */
  readonly suspicion: boolean;
}

/** A frame's message, the MAC stripped but not checked (the kernel carries what members sent), or null. */
export function messageOf(frame: unknown): WireMessage | null {
  if (!(frame instanceof Uint8Array) || frame.length < MAC_BYTES) return null;
  const d = decode(frame.subarray(0, frame.length - MAC_BYTES));
  return d.ok ? d.value : null;
}

/** The message type a frame carries, read from its second byte without decoding the rest (wire.ts: version, type, ...). */
const TYPE_BYTE: Readonly<Record<number, WireMessage['type']>> = { 1: 'ping', 2: 'ping-req', 3: 'ack', 4: 'nack', 5: 'sync' };
function typeOf(frame: unknown): WireMessage['type'] | null {
  return frame instanceof Uint8Array && frame.length > MAC_BYTES + 1 ? (TYPE_BYTE[frame[1]!] ?? null) : null;
}

/** A delivered frame, decoded on first need: most deliveries need no look inside. */
class Delivered {
  private decoded: WireMessage | null | undefined = undefined;
  constructor(private readonly frame: unknown) {}
  get m(): WireMessage | null {
    if (this.decoded === undefined) this.decoded = messageOf(this.frame);
    return this.decoded;
  }
}

function swimState(n: NodeView): SwimState | null {
  if (n.status === 'down' || n.state === undefined) return null;
  const s = n.state as SwimState;
  return s.phase === 'member' || s.phase === 'leaving' ? s : null;
}

/** Drift (at most a few hundred ppm) and rounding: how much earlier than its duration a timer may fire. */
const TIMER_SLACK = 1e-3;

/**
 * The rules above as one checker: they share what the current event delivered. `onMessage`
 * remembers the delivery, the sends and observations of the step are judged against it, and
 * `afterEvent` judges the state the step left and forgets the delivery.
 */
export function swimRules(config: SwimRulesConfig): InvariantChecker {
  /** The message this event delivered, its receiver, and the receiver's probe before the step. */
  let delivery: { to: NodeId; frame: Delivered; probe: number | null; target: NodeId | null; epoch: number } | null = null;
  /** `${relay}/${ping probe}` -> the ping-req it answers (requester, requester's probe). */
  const relayed = new Map<string, { requester: NodeId; probe: number }>();
  /** Per member: its current probe's ping (probe number, when it left, the health score then). */
  const pinged = new Map<NodeId, { probe: number; atMs: number; awareness: number }>();

  const onDelivered = (from: NodeId, to: NodeId, frame: unknown, world: WorldView) => {
    const s = swimState(world.node(to));
    delivery = { to, frame: new Delivered(frame), probe: s?.probe?.seq ?? null, target: s?.probe?.target ?? null, epoch: s?.epoch ?? -1 };
    void from;
  };

  const onSent = (from: NodeId, to: NodeId, frame: unknown, world: WorldView): string | void => {
    const s = swimState(world.node(from));
    if (s === null) return;
    // The queue as the step left it: fewest transmissions first.
    const q = s.broadcasts;
    for (let k = 1; k < q.length; k++) {
      if (q[k - 1]!.transmits > q[k]!.transmits) {
        return `piggyback-fewest-first: ${from}'s retransmit queue holds news of ${q[k - 1]!.node} sent ${q[k - 1]!.transmits} times before news of ${q[k]!.node} sent ${q[k]!.transmits} times: the most-sent news goes out first`;
      }
    }
    const type = typeOf(frame);
    if (type !== 'ping' && type !== 'ping-req' && type !== 'ack') return;
    const m = messageOf(frame);
    if (m === null) return;
    const d = delivery !== null && delivery.to === from ? delivery.frame.m : null;
    switch (m.type) {
      case 'ping':
        if (s.probe !== null && s.probe.seq === m.probe && !s.probe.indirect) pinged.set(from, { probe: m.probe, atMs: world.nowMs, awareness: s.awareness });
        if (d !== null && d.type === 'ping-req' && d.target === to) {
          relayed.set(`${from}/${m.probe}`, { requester: d.from, probe: d.probe });
          if (relayed.size > 4096) relayed.delete(relayed.keys().next().value!);
        }
        return;
      case 'ping-req': {
        if (to === m.target || to === from) return `ping-req-not-to-target: ${from} asked ${to} to ping ${m.target} for its probe ${m.probe}: a ping-req goes to a member other than the target and itself`;
        const p = pinged.get(from);
        if (p === undefined || p.probe !== m.probe) return;
        const timeoutMs = config.probeTimeoutMs * (config.lifeguard ? p.awareness + 1 : 1);
        const waitedMs = world.nowMs - p.atMs;
        if (waitedMs < timeoutMs * (1 - TIMER_SLACK) - 1) {
          return `probe-timeout-scaled: ${from} sent ping-reqs for its probe ${m.probe} ${waitedMs.toFixed(1)} ms after the ping; the probe timeout${config.lifeguard ? ` at local health ${p.awareness}` : ''} is ${timeoutMs} ms`;
        }
        return;
      }
      case 'ack': {
        if (d !== null && d.type === 'ping' && d.from === to && d.probe === m.probe) return;
        if (d !== null && d.type === 'ack') {
          const r = relayed.get(`${from}/${d.probe}`);
          if (r !== undefined && r.requester === to && r.probe === m.probe) return;
        }
        const cause = d === null ? 'no message (a timer or a command)' : `a ${d.type} from ${d.from}`;
        return `relay-acks-after-target: ${from} sent ${to} an ack for its probe ${m.probe} in a step that handled ${cause}: an ack answers that probe's ping, or relays the target's ack`;
      }
      default:
        return;
    }
  };

  return {
    name: 'swim-rules',
    kind: 'safety',
    description: "SWIM's rules checked as members act: probes end on their own acks, ping-reqs go to others, relays ack only after the target did, fresh news first, syncs never kill, Lifeguard's probe timeout",
    onMessage(event, from, to, message, world) {
      if (event === 'delivered') return onDelivered(from, to, message, world);
      return onSent(from, to, message, world);
    },
    onObservation(node, observation) {
      const o = observation as { type?: string; event?: string; subject?: NodeId; incarnation?: number };
      if (!config.suspicion || o.type !== 'member' || o.event !== 'dead') return;
      const d = delivery !== null && delivery.to === node ? delivery.frame.m : null;
      if (d !== null && d.type === 'sync') return `sync-dead-is-suspect: ${node} declared ${o.subject} dead at incarnation ${o.incarnation} while merging a sync from ${d.from}: a remote verdict in a sync is only a suspicion`;
    },
    afterEvent(world) {
      const d = delivery;
      delivery = null;
      if (d === null || d.probe === null) return;
      const s = swimState(world.node(d.to));
      if (s === null || s.epoch !== d.epoch || (s.probe !== null && s.probe.seq === d.probe)) return;
      const m = d.frame.m;
      if (m !== null && m.type === 'ack' && m.probe === d.probe) return;
      const what = m === null ? 'an unreadable message' : m.type === 'ack' ? `an ack for probe ${m.probe} from ${m.from}` : `a ${m.type} from ${m.from}`;
      return `probe-ends-on-its-ack: ${d.to} ended its probe ${d.probe} of ${d.target} as answered on ${what}: only an ack for probe ${d.probe} ends it`;
    },
  };
}
