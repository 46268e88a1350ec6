/**
 * SWIM failure detection and membership (Das, Gupta, Motivala 2002) with Lifeguard (Dadgar et al.
 * 2018), as a pure step function. Everything follows hashicorp/memberlist unless said otherwise.
 *
 * Protocol period (`tick`): finish the last probe (no ack by now: the target is suspected), then
 * probe the next member of a list reshuffled every round (randomized round robin): a direct ping,
 * and after the probe timeout ping-reqs through k random members, which ping the target and relay
 * its ack, or send a nack when they got none (Lifeguard). Suspicion: a suspected member is declared
 * dead when its suspicion timer runs out; the timer starts at max and shrinks towards min as
 * independent confirmations arrive (Lifeguard's dynamic suspicion). A member that hears it is
 * suspected or dead refutes it with a higher incarnation. Membership news is piggybacked on pings,
 * acks and ping-reqs, each update λ·⌈log10(n+1)⌉ times (memberlist's retransmit limit).
 * Lifeguard's local health multiplier (awareness) scales the period and the probe timeout: +1 for a
 * failed probe without the expected nacks (or for being accused), -1 for a successful probe.
 *
 * Joining: a node that knows no other live member sends a join (an unbound sync) to the seeds,
 * which answer with their membership. Anti-entropy: every `pushPullPeriods` a full-membership sync
 * with a random member (memberlist's push-pull; a remote "dead" is merged as a suspicion). Members
 * believed dead are pinged now and then (`reconnectPeriods`, as serf's reconnect) with the claim
 * attached, so a live one refutes and a healed partition merges back. Leaving: the member gossips
 * `left` for `leavePeriods` periods, then goes silent.
 *
 * Wire and authentication: nodes exchange `Uint8Array`s, the encoded message (wire.ts) followed by
 * its HMAC-SHA256 under the cluster key (auth.ts). Every message is bound to the receiver's current
 * life: `toIncarnation` must lie in [epoch, incarnation], where `epoch` is the incarnation this life
 * began with. Since a restarted node starts above every incarnation it ever had (it persists its
 * incarnation before announcing it), a message sent to an earlier life is refused: it can't be a
 * replay into a fresh, forgetful state. Within a life, pings, ping-reqs, acks and nacks carry the
 * sender's (epoch, seq) nonce and pass a 32-wide sliding window per sender, so a replay (or a network
 * duplicate) is refused without touching state. Syncs carry no nonce: merging membership is
 * idempotent (an update applies only if it is newer in the (incarnation, status) order, so a second
 * copy changes nothing), and a sync's reply is stateless. Joins are unbound (the joiner knows no
 * incarnation), so the receiver only answers them and learns nothing from them. A refused message
 * leaves the state exactly as it was; the refusal is reported as an observation.
 *
 * Restart: a node persists its incarnation (one record, overwritten) before it announces one, and a
 * restarted node starts at the persisted incarnation + 1 and rejoins through the seeds: its alive
 * message overrides whatever the group thought of its previous life (suspect or dead).
 *
 * Where things are. This file: the protocol period and the step's dispatch, by input and by timer.
 *
 *   config.ts         the configuration and the documented bugs
 *   types.ts          the state, commands, replies, observations and timer names
 *   context.ts        the step context every function takes, and what every part emits
 *   view.ts           the membership view as stored, and random picks from it
 *   membership.ts     the merge rules, and the only transitions of another member's entry
 *   suspicion.ts      suspicion timers (SWIM §4.2, Lifeguard's confirmations)
 *   lives.ts          our own lives: start, join, leave, refutation; the only changes of phase and incarnation
 *   probe.ts          ping, ping-req, probe timeout, acks and nacks, reconnect
 *   dissemination.ts  the piggyback queue, full-membership syncs, joins, push-pull
 *   receive.ts        authentication, binding to a life, replay windows, dispatch by message type
 */
import { assertNever } from '../contract/assert.ts';
import type { Env, Input, Protocol } from '../contract/protocol.ts';
import type { SwimConfig } from './config.ts';
import { armTick, isActive, result, scaled, swimSetup, type Out, type Step, type Swim } from './context.ts';
import { pushPull, sendJoins } from './dissemination.ts';
import { pushPullScale } from './lifeguard.ts';
import { command, finishLeaving, start } from './lives.ts';
import { suspicionTimedOut } from './membership.ts';
import { finishProbe, probeTimeout, reconnect, relayTimedOut, startProbe } from './probe.ts';
import { receive } from './receive.ts';
import { describeSwimMessage, swimLanes } from './lanes.ts';
import { parseSwimTimer, type SwimCommand, type SwimObservation, type SwimReply, type SwimState, type SwimTimer } from './types.ts';

export { swimBugs, swimConfig, swimDefaults, type SwimBug, type SwimConfig } from './config.ts';
export {
  ALIVE,
  DEAD,
  entryIncarnation,
  entryStatus,
  isSwimTimer,
  LEFT,
  membershipOf,
  SUSPECT,
  UNKNOWN,
  type Broadcast,
  type MemberEvent,
  type MemberStatus,
  type Phase,
  type Probe,
  type RejectReason,
  type Relay,
  type SelfEvent,
  type Suspicion,
  type SwimCommand,
  type SwimObservation,
  type SwimReply,
  type SwimState,
  type SwimTimer,
} from './types.ts';

/**
 * The protocol period (SWIM §3): close the last probe, keep in touch (joins while we know nobody
 * alive, else push-pull and reconnect on their own periods), open the next probe, and arm the next
 * period, stretched by Lifeguard's local health. A leaving member spends its last periods here.
 */
function tick(c: Step): void {
  const { config } = c.sw;
  const s = c.s;
  if (!isActive(c)) return;
  s.periods++;
  if (s.phase === 'leaving' && --s.leaveCountdown <= 0) return finishLeaving(c);
  finishProbe(c);
  if (s.live <= 1) {
    sendJoins(c);
  } else {
    if (config.pushPullPeriods > 0 && s.periods % pushPullScale(config.pushPullPeriods, s.live) === 0) pushPull(c);
    if (config.reconnectPeriods > 0 && s.periods % config.reconnectPeriods === 0) reconnect(c);
  }
  startProbe(c);
  armTick(c, scaled(c, c.sw.periodMs));
}

function timer(c: Step, name: SwimTimer): void {
  const t = parseSwimTimer(name);
  // Only an active member has probes, relays and suspicions; the others' timers find nothing to do.
  switch (t.kind) {
    case 'tick':
      return tick(c);
    case 'probe-timeout':
      if (isActive(c)) probeTimeout(c);
      return;
    case 'relay':
      if (isActive(c)) relayTimedOut(c, t.seq);
      return;
    case 'suspect':
      if (isActive(c)) suspicionTimedOut(c, t.node);
      return;
    default:
      return assertNever(t, 'timer');
  }
}

export function swim(config: SwimConfig): Protocol<SwimState, Uint8Array, SwimCommand, SwimReply, SwimObservation, SwimTimer> {
  const sw: Swim = swimSetup(config);
  return {
    name: 'swim',
    init: (): SwimState => ({
      phase: 'idle', incarnation: 0, epoch: 0, seq: 0, awareness: 0, members: [], probeCursor: 0,
      view: [], live: 0, probe: null, relays: [], suspicions: [], broadcasts: [], windows: {},
      periods: 0, probes: 0, reconnectCursor: 0, leaveCountdown: 0,
    }),
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => swimLanes(sw, state),
    describeMessage: (bytes) => describeSwimMessage(sw, bytes),
    step(state: SwimState, input: Input<Uint8Array, SwimCommand, SwimTimer>, env: Env): Out {
      const c: Step = { sw, s: state, env, fx: [] };
      switch (input.type) {
        case 'start':
          start(c, input.durable);
          break;
        case 'timer':
          timer(c, input.timer);
          break;
        case 'message':
          receive(c, input.from, input.message);
          break;
        case 'command':
          command(c, input.commandId, input.command);
          break;
        default:
          return assertNever(input, 'input');
      }
      return result(c);
    },
  };
}
