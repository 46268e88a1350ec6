/**
 * What a SWIM member is configured with: the address book, the timings of SWIM and Lifeguard, the
 * switches that turn parts of the protocol off (to measure what each part buys), and the documented
 * bugs a scenario can switch on (`--bug NAME`).
 */
import type { NodeId } from '../contract/protocol.ts';

export type SwimBug = 'no-suspicion' | 'refute-without-bump' | 'lower-incarnation-alive' | 'early-dissemination-stop' | 'no-ping-req' | 'no-mac-check';

export const swimBugs: readonly { readonly name: SwimBug; readonly description: string }[] = [
  { name: 'no-suspicion', description: 'a failed probe declares the target dead at once: message loss kills live members' },
  { name: 'refute-without-bump', description: 'a suspected member gossips alive without raising its incarnation: the refutation never wins' },
  { name: 'lower-incarnation-alive', description: 'an alive message overrides a suspicion whatever its incarnation: stale news clears suspicions' },
  { name: 'early-dissemination-stop', description: 'every update is piggybacked once (retransmit limit 1): news dies out before it reaches everyone' },
  { name: 'no-ping-req', description: 'indirect probing disabled: one lost ping or ack makes a live member suspect' },
  { name: 'no-mac-check', description: 'accepts messages without checking their HMAC: a tampered nonce gets through' },
];

export interface SwimConfig {
  /** Every node id that may ever take part (the address book); sorted. */
  readonly universe: readonly NodeId[];
  /** Whom a node that knows nobody asks to join. */
  readonly seeds: readonly NodeId[];
  /** A bootstrapped cluster: these start (on a fresh disk) as members that know each other. Others start idle until a `join` command. */
  readonly initialMembers: readonly NodeId[];
  /** The shared secret of the cluster's HMAC key. */
  readonly clusterKey: string;
  readonly protocolPeriodMs: number;
  readonly probeTimeoutMs: number;
  /** k: ping-reqs sent when a direct probe times out. */
  readonly indirectChecks: number;
  /** λ: each update is piggybacked retransmitMult · ⌈log10(n+1)⌉ times. */
  readonly retransmitMult: number;
  /** Minimum suspicion timeout = suspicionMult · max(1, log10(n)) · period. */
  readonly suspicionMult: number;
  /** Lifeguard: the suspicion timeout starts at this many times the minimum. */
  readonly suspicionMaxTimeoutMult: number;
  /** Lifeguard: the local health score stays in [0, awarenessMax - 1]. */
  readonly awarenessMax: number;
  /** Lifeguard on: local health multiplier, dynamic suspicion timeouts, nacks. Off: the SWIM paper (fixed suspicion timeout = the minimum). */
  readonly lifeguard: boolean;
  /** The suspicion mechanism (SWIM §4.2); off: a failed probe declares death at once (SWIM's basic version). */
  readonly suspicion: boolean;
  /** Updates piggybacked on one message at most. */
  readonly maxPiggyback: number;
  /** Anti-entropy period in protocol periods (scaled with log2(n) beyond 32 members); 0: off. */
  readonly pushPullPeriods: number;
  /** Ping some members believed dead every this many periods; 0: off. */
  readonly reconnectPeriods: number;
  /** How many dead members each reconnect round pings (round robin). */
  readonly reconnectFanout: number;
  /** A leaving member keeps gossiping its departure for this many periods, then goes silent. */
  readonly leavePeriods: number;
  /** Ping-reqs relayed at once, at most; more are refused. */
  readonly maxRelays: number;
  /** Start the first protocol period after a random fraction of a period (so members don't tick in step); off aligns them, as the SWIM paper's analysis assumes. */
  readonly staggerStart: boolean;
  /**
   * Lifeguard's Buddy System (memberlist does it always): a probe of a member we suspect carries the
   * accusation, so that it can refute at once. Off only to measure SWIM without any Lifeguard part.
   */
  readonly buddySystem: boolean;
  readonly bug: SwimBug | null;
}

/** Defaults: rivven's 1000 ms period; memberlist's LAN profile otherwise, but suspicionMult 5 so that a small group's minimum suspicion timeout is rivven's suspect_timeout of 5000 ms. */
export const swimDefaults: Omit<SwimConfig, 'universe' | 'seeds' | 'initialMembers'> = {
  clusterKey: 'cluster-secret',
  protocolPeriodMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  retransmitMult: 4,
  suspicionMult: 5,
  suspicionMaxTimeoutMult: 6,
  awarenessMax: 8,
  lifeguard: true,
  suspicion: true,
  maxPiggyback: 8,
  pushPullPeriods: 30,
  reconnectPeriods: 5,
  reconnectFanout: 3,
  leavePeriods: 3,
  maxRelays: 64,
  staggerStart: true,
  buddySystem: true,
  bug: null,
};

export function swimConfig(config: Partial<SwimConfig> & Pick<SwimConfig, 'universe'>): SwimConfig {
  const c: SwimConfig = { ...swimDefaults, seeds: config.universe.slice(0, 1), initialMembers: config.universe, ...config };
  const known = new Set(c.universe);
  for (const id of [...c.seeds, ...c.initialMembers]) if (!known.has(id)) throw new RangeError(`swimConfig: ${id} is not in the universe`);
  if (!(c.protocolPeriodMs > 0 && c.probeTimeoutMs > 0 && c.probeTimeoutMs <= c.protocolPeriodMs)) throw new RangeError('swimConfig: need 0 < probeTimeoutMs <= protocolPeriodMs');
  if (!(c.awarenessMax >= 1 && c.maxPiggyback >= 0 && c.indirectChecks >= 0)) throw new RangeError('swimConfig: bad awarenessMax, maxPiggyback or indirectChecks');
  return c;
}
