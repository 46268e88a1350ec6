/**
 * SWIM inside a broker or a controller: every server of an ISR cluster runs a core/swim member,
 * nested into its own step function (core/swim/nested.ts, core/contract/nest.ts). The host
 *
 * - routes `Uint8Array` messages (SWIM's sealed datagrams) to the member and everything else to
 *   its own logic (ISR's messages are plain objects, never bytes);
 * - runs the member's timers under the prefix `swim/` (`swim/tick`, `swim/suspect/b3`, ...), so
 *   they never clash with its own;
 * - keeps the member's file as SWIM names it (`swim`: the hosts' own files are named otherwise),
 *   and its sends, observations and cover events as they are;
 * - takes the replies to the commands it gave the member (join, leave) as its own business: they
 *   never reach the kernel.
 *
 * The host reads what it needs from the membership events (`{ type: 'member', event, subject }`)
 * that come back, and the statuses from the member's view (`memberStatus`).
 */
import type { NodeId } from '../contract/protocol.ts';
import type { PrefixedTimer } from '../contract/nest.ts';
import { entryStatus, swimConfig, type MemberStatus, type SwimConfig, type SwimObservation, type SwimState, type SwimTimer } from '../swim/node.ts';
import { nestSwim, type NestedSwim } from '../swim/nested.ts';
import type { IsrOptions } from './types.ts';

export const SWIM_TIMER_PREFIX = 'swim/';
/** The file core/swim persists its incarnation in; the hosts' own files must be named otherwise. */
export const SWIM_FILE = 'swim';

export type MemberEventObservation = Extract<SwimObservation, { type: 'member' }>;
/** A SWIM timer as the host names it. */
export type IsrSwimTimer = PrefixedTimer<typeof SWIM_TIMER_PREFIX, SwimTimer>;

/** The member nested in a host whose own messages are `M` and observations `O`. */
export type SwimMember<M, O> = NestedSwim<M, O, typeof SWIM_TIMER_PREFIX>;

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

/** Command ids the hosts give their member: negative, so they can never be a kernel command's. */
export const SWIM_JOIN_COMMAND = -1;
export const SWIM_LEAVE_COMMAND = -2;

/** The SWIM member of an ISR server, nested under `swim/`, and the configuration it runs. */
export function swimMember<M, O>(opts: IsrOptions): { member: SwimMember<M, O>; config: SwimConfig } {
  const config = isrSwimConfig(opts);
  const member = nestSwim<M, O, typeof SWIM_TIMER_PREFIX>(config, SWIM_TIMER_PREFIX);
  return { member, config };
}

/** The membership events among a member step's observations, in order. */
export function memberEvents(observations: readonly SwimObservation[]): MemberEventObservation[] {
  const events: MemberEventObservation[] = [];
  for (const o of observations) if (o.type === 'member') events.push(o);
  return events;
}

/** A member's status in a SWIM view, or null when the view has never heard of it. */
export function memberStatus(state: SwimState, universe: readonly NodeId[], id: NodeId): MemberStatus | null {
  const i = universe.indexOf(id);
  return i < 0 ? null : entryStatus(state.view[i]);
}
