/**
 * SWIM inside a broker or a controller: every server of an ISR cluster runs a core/swim member,
 * composed into its own step function. The host
 *
 * - routes `Uint8Array` messages (SWIM's sealed datagrams) to the member and everything else to
 *   its own logic (ISR's messages are plain objects, never bytes);
 * - runs the member's timers under the prefix `swim/` (`swim/tick`, `swim/suspect/b3`, ...), so
 *   they never clash with its own;
 * - forwards the member's effects as they are (sends, persists of its `swim` file, observations),
 *   except the replies to the commands the host itself gave it (join, leave), which are its own
 *   business and never reach the kernel.
 *
 * The host reads what it needs from the membership events (`{ type: 'member', event, subject }`)
 * that come back, and the statuses from the member's view (`memberStatus`).
 */
import type { Effect, Env, Input, NodeId, Protocol } from '../contract/protocol.ts';
import { entryStatus, swim, swimConfig, type MemberStatus, type SwimCommand, type SwimConfig, type SwimObservation, type SwimReply, type SwimState } from '../swim/node.ts';
import type { IsrOptions } from './types.ts';

export const SWIM_TIMER_PREFIX = 'swim/';
/** The file core/swim persists its incarnation in; the hosts' own files must be named otherwise. */
export const SWIM_FILE = 'swim';

export type SwimProtocol = Protocol<SwimState, Uint8Array, SwimCommand, SwimReply, SwimObservation>;
export type MemberEventObservation = Extract<SwimObservation, { type: 'member' }>;

/** An ISR cluster's SWIM group: every controller and broker; seeds are all of them; the controllers and the initial brokers form it at boot. */
export function isrSwimConfig(opts: IsrOptions): SwimConfig {
  const universe = [...opts.controllers, ...opts.brokers].sort();
  return swimConfig({
    universe,
    seeds: universe,
    initialMembers: [...opts.controllers, ...opts.initialBrokers].sort(),
    clusterKey: opts.swim.clusterKey,
    protocolPeriodMs: opts.swim.protocolPeriodMs,
    probeTimeoutMs: opts.swim.probeTimeoutMs,
    indirectChecks: opts.swim.indirectChecks,
    suspicionMult: opts.swim.suspicionMult,
    suspicionMaxTimeoutMult: opts.swim.suspicionMaxTimeoutMult,
    pushPullPeriods: opts.swim.pushPullPeriods,
    reconnectPeriods: opts.swim.reconnectPeriods,
    leavePeriods: opts.swim.leavePeriods,
  });
}

export function isSwimTimer(timer: string): boolean {
  return timer.startsWith(SWIM_TIMER_PREFIX);
}

/** Command ids the hosts give their member: negative, so they can never be a kernel command's. */
export const SWIM_JOIN_COMMAND = -1;
export const SWIM_LEAVE_COMMAND = -2;

/**
 * One input through the embedded member. `input` is a host input already meant for SWIM (a start,
 * a `swim/` timer, a byte message) or a command the host gives it. Its effects are appended to
 * `fx`; the membership events among them are returned too.
 */
export function stepSwim<M, R, O>(
  protocol: SwimProtocol,
  state: SwimState,
  input: Input<Uint8Array, SwimCommand>,
  env: Env,
  fx: Effect<M | Uint8Array, R, O | SwimObservation>[],
): { state: SwimState; events: MemberEventObservation[] } {
  const inner: Input<Uint8Array, SwimCommand> = input.type === 'timer' ? { type: 'timer', timer: input.timer.slice(SWIM_TIMER_PREFIX.length) } : input;
  const r = protocol.step(state, inner, env);
  const events: MemberEventObservation[] = [];
  for (const e of r.effects) {
    switch (e.type) {
      case 'setTimer':
      case 'cancelTimer':
        fx.push({ ...e, timer: SWIM_TIMER_PREFIX + e.timer });
        break;
      case 'reply':
        break; // the host's own commands (join, leave): nothing for the kernel
      case 'observe':
        if (e.observation.type === 'member') events.push(e.observation);
        fx.push(e);
        break;
      case 'send':
      case 'persist':
      case 'cover':
        fx.push(e);
        break;
      default: {
        const unknown: never = e;
        throw new Error(`isr: unknown SWIM effect ${JSON.stringify(unknown)}`);
      }
    }
  }
  return { state: r.state, events };
}

/** A member's status in a SWIM view, or null when the view has never heard of it. */
export function memberStatus(state: SwimState, universe: readonly NodeId[], id: NodeId): MemberStatus | null {
  const i = universe.indexOf(id);
  return i < 0 ? null : entryStatus(state.view[i]);
}

export function createSwimMember(opts: IsrOptions): { protocol: SwimProtocol; config: SwimConfig } {
  const config = isrSwimConfig(opts);
  return { protocol: swim(config), config };
}
