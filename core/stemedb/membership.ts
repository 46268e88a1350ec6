/**
 * Membership and failure detection for stemedb: every data node and every gateway runs a SWIM
 * member (core/swim, with Lifeguard) beside its own protocol, as stemedb does ("SWIM-based
 * membership protocol for node discovery and failure detection"). SWIM's `member` observations are
 * the dead events: a member SWIM declares dead (or left) is dead to the node or gateway until SWIM
 * reports it alive (or joined) again; a suspicion changes nothing yet.
 *
 * The two protocols share a node: SWIM's messages are `Uint8Array`s (authenticated frames), ours
 * are objects; SWIM's timers are its own names ('tick', 'probe-timeout', 'suspect/...',
 * 'relay/...'), ours start with 'steme/'; SWIM's disk file is 'swim'.
 */
import type { Effect, NodeId, Protocol } from '../contract/protocol.ts';
import { swim, swimConfig, type SwimCommand, type SwimObservation, type SwimReply, type SwimState } from '../swim/index.ts';
import type { StemeConfig } from './types.ts';

export type SwimProtocol = Protocol<SwimState, Uint8Array, SwimCommand, SwimReply, SwimObservation>;

/** Our timers' prefix: everything else is SWIM's. */
export const TIMER_PREFIX = 'steme/';

/** The SWIM member every actor runs: the universe is every node and gateway, all bootstrapped, all seeds. */
export function membership(config: StemeConfig): SwimProtocol {
  const universe = [...config.nodes, ...config.gateways].sort();
  return swim(
    swimConfig({
      universe,
      seeds: universe,
      initialMembers: universe,
      clusterKey: 'stemedb-cluster',
      protocolPeriodMs: config.membershipPeriodMs,
      probeTimeoutMs: Math.max(1, Math.floor(config.membershipPeriodMs / 2)),
      suspicionMult: 4,
      reconnectPeriods: 3,
      pushPullPeriods: 10,
    }),
  );
}

/** The dead/alive changes SWIM's effects announce, in order. */
export function deadEvents(effects: readonly Effect<unknown, unknown, unknown>[]): { peer: NodeId; status: 'dead' | 'alive' }[] {
  const out: { peer: NodeId; status: 'dead' | 'alive' }[] = [];
  for (const e of effects) {
    if (e.type !== 'observe') continue;
    const o = e.observation as SwimObservation;
    if (o.type !== 'member') continue;
    if (o.event === 'dead' || o.event === 'left') out.push({ peer: o.subject, status: 'dead' });
    else if (o.event === 'alive' || o.event === 'joined') out.push({ peer: o.subject, status: 'alive' });
  }
  return out;
}

/** Applies dead events to a dead map; returns those that changed it. */
export function applyDeadEvents(dead: Record<NodeId, boolean>, events: readonly { peer: NodeId; status: 'dead' | 'alive' }[]): { peer: NodeId; status: 'dead' | 'alive' }[] {
  const changed: { peer: NodeId; status: 'dead' | 'alive' }[] = [];
  for (const e of events) {
    const isDead = e.status === 'dead';
    if ((dead[e.peer] === true) === isDead) continue;
    if (isDead) dead[e.peer] = true;
    else delete dead[e.peer];
    changed.push(e);
  }
  return changed;
}
