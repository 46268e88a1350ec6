/**
 * Membership and failure detection for stemedb: every data node and every gateway runs a SWIM
 * member (core/swim, with Lifeguard) beside its own protocol, as stemedb does ("SWIM-based
 * membership protocol for node discovery and failure detection"). SWIM's `member` observations are
 * the dead events: a member SWIM declares dead (or left) is dead to the node or gateway until SWIM
 * reports it alive (or joined) again; a suspicion changes nothing yet.
 *
 * The member is nested (core/swim/nested.ts) under the names it had before nesting: SWIM's
 * messages are `Uint8Array`s (authenticated frames), ours are objects; SWIM's timers keep their
 * own names ('tick', 'probe-timeout', 'suspect/...', 'relay/...'), ours start with 'steme/';
 * SWIM's disk file is 'swim'. Its observations pass as they are.
 */
import type { NodeId } from '../contract/protocol.ts';
import { nestSwim, swimConfig, type NestedSwim, type SwimObservation } from '../swim/index.ts';
import type { StemeConfig } from './types.ts';

/** Our timers' prefix: SWIM's never start with it. */
export const TIMER_PREFIX = 'steme/';

/** The member nested in a host whose own messages are `M` and observations `O`. */
export type SwimMember<M, O> = NestedSwim<M, O, ''>;

/** The SWIM member every actor runs: the universe is every node and gateway, all bootstrapped, all seeds. */
export function swimMember<M, O>(config: StemeConfig): SwimMember<M, O> {
  const universe = [...config.nodes, ...config.gateways].sort();
  const swim = swimConfig({
    universe,
    seeds: universe,
    initialMembers: universe,
    clusterKey: 'stemedb-cluster',
    protocolPeriodMs: config.membershipPeriodMs,
    probeTimeoutMs: Math.max(1, Math.floor(config.membershipPeriodMs / 2)),
    suspicionMult: 4,
    reconnectPeriods: 3,
    pushPullPeriods: 10,
  });
  return nestSwim<M, O, ''>(swim, '');
}

export type DeadEvent = { peer: NodeId; status: 'dead' | 'alive' };

/** The dead/alive changes among a SWIM step's observations, in order. */
export function deadEvents(observations: readonly SwimObservation[]): DeadEvent[] {
  const out: DeadEvent[] = [];
  for (const o of observations) {
    if (o.type !== 'member') continue;
    if (o.event === 'dead' || o.event === 'left') out.push({ peer: o.subject, status: 'dead' });
    else if (o.event === 'alive' || o.event === 'joined') out.push({ peer: o.subject, status: 'alive' });
  }
  return out;
}

/** Applies dead events to a dead map; returns those that changed it. */
export function applyDeadEvents(dead: Record<NodeId, boolean>, events: readonly DeadEvent[]): DeadEvent[] {
  const changed: DeadEvent[] = [];
  for (const e of events) {
    const isDead = e.status === 'dead';
    if ((dead[e.peer] === true) === isDead) continue;
    if (isDead) dead[e.peer] = true;
    else delete dead[e.peer];
    changed.push(e);
  }
  return changed;
}
