/**
 * Invariants of SWIM + Lifeguard (core/swim), as checkers over what the kernel observes: the
 * membership events every node emits and the nodes' states.
 *
 * - incarnations-grow (safety): a member's own incarnation never goes down, and a new life starts
 *   above every incarnation it had; per observer life, its view of each subject only moves up in
 *   (incarnation, status) order, status alive < suspect < dead < left. An alive at the same or a lower
 *   incarnation never clears a suspicion.
 * - completeness (bounded liveness): a crashed member is declared dead (or left, or forgotten) by
 *   every live member within `completenessBoundMs` of protocol time.
 * - refutation (safety + bounded liveness): a refutation raises the incarnation above the accusation;
 *   and after the final heal, a live member that some member suspects or declares dead refutes it
 *   within `refutationBoundMs`.
 * - dissemination (bounded liveness, for connected runs): once some member declares a crashed one
 *   dead, every live member knows within `disseminationBoundMs` (infection-style gossip).
 * - convergence (liveness, at the end): every live member sees exactly the live members as alive.
 * - false-positives (a rate over its bound): failed probes, suspicions and deaths of live members,
 *   counted; the run fails when they exceed bounds the scenario derives from its loss rate.
 *
 * Time in the bounded checks is the observer's protocol time: real time divided by (1 + its local
 * health score), counted only while it is up, not paused, and a member, since Lifeguard deliberately
 * slows a node that doubts its own health and a paused node runs nothing.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Culprit, InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';

/** Events a checker names in its evidence, at most (the report marks them all). */
const CULPRITS = 200;
import {
  entryIncarnation,
  retransmitLimit,
  entryStatus,
  probeFailureProbability,
  suspicionTimeoutMaxMs,
  suspicionTimeoutMinMs,
  type MemberStatus,
  type SwimConfig,
  type SwimObservation,
  type SwimState,
} from '../core/swim/index.ts';

const stateOf = (n: NodeView): SwimState | undefined => (n.status === 'down' ? undefined : (n.state as SwimState | undefined));
const isLiveMember = (n: NodeView): boolean => n.status !== 'down' && stateOf(n)?.phase === 'member';

/** The observer's view of a subject, read from its state. */
export function viewOf(observer: SwimState, subjectIndex: number): { status: MemberStatus | null; incarnation: number } {
  const e = observer.view[subjectIndex];
  return { status: entryStatus(e), incarnation: entryIncarnation(e) };
}

/** The parameters the bounds are derived from. */
export type BoundConfig = Pick<SwimConfig, 'protocolPeriodMs' | 'probeTimeoutMs' | 'suspicionMult' | 'suspicionMaxTimeoutMult' | 'lifeguard' | 'reconnectPeriods' | 'reconnectFanout' | 'retransmitMult'> & { readonly universe: readonly NodeId[] };

/** The longest suspicion timeout any member can set in a group of at most n (a suspicion without confirmations). */
export function maxSuspicionMs(c: BoundConfig): number {
  const min = suspicionTimeoutMinMs(c.suspicionMult, c.universe.length, c.protocolPeriodMs);
  return c.lifeguard ? suspicionTimeoutMaxMs(c.suspicionMaxTimeoutMult, min) : min;
}

/**
 * How long (protocol time) a live member may still see a crashed one as alive or suspect: the rest
 * of its probe round and one more round (randomized round robin probes the crashed member within
 * 2(n-1) periods), the period in which that probe fails, the longest suspicion timeout, and a period
 * of slack for the timer that declares the death. The clock restarts when the observer learns of a
 * newer incarnation of the crashed member (a refutation still in flight when it crashed).
 */
export function completenessBoundMs(c: BoundConfig): number {
  const n = c.universe.length;
  return (2 * (n - 1) + 2) * c.protocolPeriodMs + maxSuspicionMs(c);
}

/**
 * How long (protocol time, after the final heal) a live member may stay accused: the accuser probes
 * it within 2(n-1)+1 periods and attaches the accusation; or, if its suspicion ran out first, pings
 * the dead within ⌈(n-1)/fanout⌉ reconnect rounds; plus two periods of slack.
 */
export function refutationBoundMs(c: BoundConfig): number {
  const n = c.universe.length;
  const reconnect = c.reconnectPeriods > 0 ? Math.ceil((n - 1) / Math.max(1, c.reconnectFanout)) * c.reconnectPeriods : 0;
  return (2 * (n - 1) + 1 + reconnect + 2) * c.protocolPeriodMs;
}

const rank: Readonly<Record<string, number>> = { joined: 0, alive: 0, suspect: 1, dead: 2, left: 3 };

export function incarnationsGrow(): InvariantChecker {
  const own = new Map<NodeId, number>();
  const seen = new Map<NodeId, Map<NodeId, number>>();
  return {
    name: 'incarnations-grow',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as SwimObservation;
      if (o.type === 'self') {
        if (o.phase === 'idle') return;
        const before = own.get(node);
        if (o.event === 'start' || o.event === 'join') {
          if (before !== undefined && o.incarnation <= before) return `${node} began a new life at incarnation ${o.incarnation}, not above ${before}, the highest it had`;
          seen.set(node, new Map());
        } else if (before !== undefined && o.incarnation < before) {
          return `${node}'s incarnation went down from ${before} to ${o.incarnation} (${o.event})`;
        }
        own.set(node, Math.max(before ?? 0, o.incarnation));
        return;
      }
      if (o.type !== 'member') return;
      let views = seen.get(node);
      if (views === undefined) seen.set(node, (views = new Map()));
      const key = o.incarnation * 4 + rank[o.event]!;
      const before = views.get(o.subject);
      views.set(o.subject, key);
      if (before !== undefined && key <= before) {
        const was = `${['alive', 'suspect', 'dead', 'left'][before % 4]} at ${Math.floor(before / 4)}`;
        return `${node}'s view of ${o.subject} went from ${was} to ${o.event} at ${o.incarnation}: not newer`;
      }
    },
  };
}

/** Tracks protocol time per (observer, subject) pair, as the module comment defines it. */
class ProtocolClock {
  private lastMs = 0;
  step(world: WorldView): number {
    const dt = world.nowMs - this.lastMs;
    this.lastMs = world.nowMs;
    return dt;
  }
}

export function completeness(c: BoundConfig): InvariantChecker {
  const bound = completenessBoundMs(c);
  const index = new Map(c.universe.map((id, i) => [id, i]));
  const clock = new ProtocolClock();
  const wasDown = new Map<NodeId, boolean>();
  const lastPhase = new Map<NodeId, string>();
  /** Crashed members (that were members when they crashed), and when. */
  const crashed = new Map<NodeId, number>();
  /** `${observer}>${subject}` -> protocol time waited, or -1 once the observer declared it. */
  const waited = new Map<string, number>();
  return {
    name: 'completeness',
    kind: 'liveness',
    onObservation(node, observation) {
      const o = observation as SwimObservation;
      if (o.type === 'member' && o.event === 'alive' && crashed.has(o.subject)) waited.set(`${node}>${o.subject}`, 0);
    },
    afterEvent(world) {
      const dt = clock.step(world);
      for (const n of world.nodes) {
        const down = n.status === 'down';
        if (down && !wasDown.get(n.id)) {
          if (lastPhase.get(n.id) === 'member') crashed.set(n.id, world.nowMs);
          for (const key of [...waited.keys()]) if (key.startsWith(`${n.id}>`)) waited.delete(key);
        } else if (!down && wasDown.get(n.id)) {
          crashed.delete(n.id);
          for (const key of [...waited.keys()]) if (key.endsWith(`>${n.id}`)) waited.delete(key);
        }
        wasDown.set(n.id, down);
        if (!down) lastPhase.set(n.id, stateOf(n)?.phase ?? 'idle');
      }
      if (crashed.size === 0 || dt <= 0) return;
      for (const [x, atMs] of crashed) {
        const xi = index.get(x)!;
        for (const m of world.nodes) {
          if (m.status !== 'up' || !isLiveMember(m)) continue;
          const key = `${m.id}>${x}`;
          const before = waited.get(key) ?? 0;
          if (before < 0) continue;
          const s = stateOf(m)!;
          const now = before + dt / (1 + s.awareness);
          const v = viewOf(s, xi);
          if (v.status !== 'alive' && v.status !== 'suspect') {
            waited.set(key, -1);
            continue;
          }
          if (now >= bound) return `${x} crashed at ${(atMs / 1000).toFixed(3)} s, and ${m.id} still sees it ${v.status} (incarnation ${v.incarnation}) after ${(bound / 1000).toFixed(1)} s of protocol time (the completeness bound)`;
          waited.set(key, now);
        }
      }
    },
  };
}

export function refutation(c: BoundConfig): InvariantChecker {
  const bound = refutationBoundMs(c);
  const index = new Map(c.universe.map((id, i) => [id, i]));
  const clock = new ProtocolClock();
  interface Accusation { observer: NodeId; subject: NodeId; incarnation: number; atMs: number; waited: number }
  const open = new Map<string, Accusation>();
  return {
    name: 'refutation',
    kind: 'liveness',
    onObservation(node, observation, world) {
      const o = observation as SwimObservation;
      if (o.type === 'self' && o.event === 'refute' && o.accused !== undefined && o.incarnation <= o.accused) {
        return `${node} refuted an accusation at incarnation ${o.accused} without raising its own (still ${o.incarnation})`;
      }
      if (o.type !== 'member' || (o.event !== 'suspect' && o.event !== 'dead')) return;
      const x = world.node(o.subject);
      const xs = stateOf(x);
      if (xs === undefined || xs.phase !== 'member' || xs.incarnation > o.incarnation) return;
      open.set(`${node}>${o.subject}`, { observer: node, subject: o.subject, incarnation: o.incarnation, atMs: world.nowMs, waited: 0 });
    },
    afterEvent(world) {
      const dt = clock.step(world);
      if (open.size === 0) return;
      for (const [key, a] of open) {
        const x = world.node(a.subject);
        const xs = stateOf(x);
        const m = world.node(a.observer);
        const ms = stateOf(m);
        const v = ms === undefined ? null : viewOf(ms, index.get(a.subject)!);
        const resolved =
          xs === undefined || xs.phase !== 'member' || xs.incarnation > a.incarnation || ms === undefined || ms.phase !== 'member' ||
          v === null || v.incarnation !== a.incarnation || (v.status !== 'suspect' && v.status !== 'dead');
        if (resolved) {
          open.delete(key);
          continue;
        }
        if (world.phase !== 'quiet' || m.status !== 'up' || x.status !== 'up') continue;
        a.waited += dt / (1 + ms!.awareness);
        if (a.waited >= bound) {
          return `${a.observer} has seen ${a.subject} ${v!.status} at incarnation ${a.incarnation} since ${(a.atMs / 1000).toFixed(3)} s, and ${a.subject}, live, hasn't refuted it ${(bound / 1000).toFixed(1)} s of protocol time after the heal (the refutation bound)`;
        }
      }
    },
  };
}

/**
 * How long (protocol time) the news of a death may take to reach every live member of a connected
 * group: each member that learns it piggybacks it λ·⌈log10(n+1)⌉ times (memberlist's retransmit
 * limit) on the two or so messages it sends per period, so the news spreads epidemically and
 * reaches everyone w.h.p. within about that many periods (SWIM §4.1); plus two periods of slack.
 * Only meaningful without partitions or heavy loss, and for groups big enough that members don't
 * all find out on their own first (a few dozen).
 */
export function disseminationBoundMs(c: BoundConfig): number {
  return (retransmitLimit(c.retransmitMult, c.universe.length) + 2) * c.protocolPeriodMs;
}

export function dissemination(c: BoundConfig): InvariantChecker {
  const bound = disseminationBoundMs(c);
  const index = new Map(c.universe.map((id, i) => [id, i]));
  const clock = new ProtocolClock();
  /** Crashed members some member declared dead: when, by whom, and each live member's protocol time since. */
  const news = new Map<NodeId, { atMs: number; by: NodeId; waited: Map<NodeId, number> }>();
  return {
    name: 'dissemination',
    kind: 'liveness',
    onObservation(node, observation, world) {
      const o = observation as SwimObservation;
      if (o.type !== 'member' || o.event !== 'dead' || news.has(o.subject) || world.node(o.subject).status !== 'down') return;
      news.set(o.subject, { atMs: world.nowMs, by: node, waited: new Map() });
    },
    afterEvent(world) {
      const dt = clock.step(world);
      if (news.size === 0) return;
      for (const [x, n] of news) {
        if (world.node(x).status !== 'down') {
          news.delete(x);
          continue;
        }
        const xi = index.get(x)!;
        for (const m of world.nodes) {
          if (m.status !== 'up' || !isLiveMember(m) || m.id === x) continue;
          const before = n.waited.get(m.id) ?? 0;
          if (before < 0) continue;
          const s = stateOf(m)!;
          const v = viewOf(s, xi);
          if (v.status !== 'alive' && v.status !== 'suspect') {
            n.waited.set(m.id, -1);
            continue;
          }
          const now = before + dt / (1 + s.awareness);
          if (now >= bound) return `${n.by} declared the crashed ${x} dead at ${(n.atMs / 1000).toFixed(3)} s, and ${m.id} still sees it ${v.status} ${(bound / 1000).toFixed(1)} s of protocol time later (the dissemination bound)`;
          n.waited.set(m.id, now);
        }
      }
    },
  };
}

export function convergence(c: { readonly universe: readonly NodeId[] }): InvariantChecker {
  return {
    name: 'convergence',
    kind: 'liveness',
    atEnd(world) {
      const live = world.nodes.filter(isLiveMember).map((n) => n.id);
      const liveSet = new Set(live);
      const problems: string[] = [];
      for (const id of live) {
        const s = stateOf(world.node(id))!;
        c.universe.forEach((x, i) => {
          const v = viewOf(s, i);
          if (liveSet.has(x) && v.status !== 'alive') problems.push(`${id} sees ${x} ${v.status ?? 'unknown'}`);
          if (!liveSet.has(x) && (v.status === 'alive' || v.status === 'suspect')) problems.push(`${id} sees ${x} ${v.status}, but it isn't a live member`);
        });
      }
      if (problems.length > 0) {
        const shown = problems.slice(0, 8).join('; ');
        return `at the end, the live members [${live.join(', ')}] don't agree: ${shown}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}`;
      }
    },
  };
}

export interface FalsePositiveCounts {
  /** Probes of a live member that got no ack (what the loss analysis predicts). */
  failedProbes: number;
  /** Distinct (member, incarnation) pairs suspected while that member was up (running or paused) in that life. */
  suspicions: number;
  /** Distinct (member, incarnation) pairs declared dead while that member was up in that life. */
  deaths: number;
  /** Every observer's suspect / dead event about such a member (one accusation spreads to many observers). */
  suspectEvents: number;
  deadEvents: number;
  /** Distinct suspicions and deaths, by subject. */
  bySubject: Record<NodeId, { suspicions: number; deaths: number }>;
  /** Suspicions and deaths an observer originated itself (its own probe failed, its own timer ran out), by observer. */
  byAccuser: Record<NodeId, { suspicions: number; deaths: number }>;
}

export interface FalsePositiveBounds {
  readonly maxFailedProbes?: number;
  /** Deaths may be at most this fraction of the failed probes, plus 2. */
  readonly maxDeathsPerFailedProbe?: number;
  /** Only count events observed in the faulty phase (the bounds describe it). */
  readonly faultyPhaseOnly?: boolean;
}

/** Counts false positives; fails at the end when a bound is exceeded. `counts()` is for measurements. */
export function falsePositives(bounds: FalsePositiveBounds = {}): InvariantChecker & { counts(): FalsePositiveCounts } {
  const counts: FalsePositiveCounts = { failedProbes: 0, suspicions: 0, deaths: 0, suspectEvents: 0, deadEvents: 0, bySubject: {}, byAccuser: {} };
  const seen = new Set<string>();
  // What each bound counted, for the report (`evidence`): the first CULPRITS failed probes and deaths.
  const probeCulprits: Culprit[] = [];
  const deathCulprits: Culprit[] = [];
  let failedBound: 'probes' | 'deaths' | null = null;
  const liveIn = (world: WorldView, subject: NodeId, incarnation: number) => {
    const xs = stateOf(world.node(subject));
    return xs !== undefined && xs.phase === 'member' && xs.epoch <= incarnation;
  };
  return {
    name: 'false-positives',
    kind: 'liveness',
    description: 'live members are rarely declared dead: failed probes and deaths stay within the bounds the message loss explains',
    counts: () => counts,
    evidence: () => ({ culprits: failedBound === 'probes' ? probeCulprits : deathCulprits }),
    onObservation(node, observation, world) {
      const o = observation as SwimObservation;
      if (bounds.faultyPhaseOnly && world.phase !== 'faulty') return;
      if (o.type === 'probe-failed') {
        const xs = stateOf(world.node(o.target));
        if (xs !== undefined && xs.phase === 'member') {
          counts.failedProbes++;
          if (probeCulprits.length < CULPRITS) probeCulprits.push({ node, eventIndex: world.eventIndex, atMs: world.nowMs, what: `${node}'s probe of ${o.target} failed (${o.target} was up)` });
        }
        return;
      }
      if (o.type !== 'member' || (o.event !== 'suspect' && o.event !== 'dead')) return;
      if (!liveIn(world, o.subject, o.incarnation)) return;
      const field = o.event === 'suspect' ? 'suspicions' : 'deaths';
      counts[o.event === 'suspect' ? 'suspectEvents' : 'deadEvents']++;
      if (o.from === node) (counts.byAccuser[node] ??= { suspicions: 0, deaths: 0 })[field]++;
      const key = `${o.event} ${o.subject} ${o.incarnation}`;
      if (seen.has(key)) return;
      seen.add(key);
      counts[field]++;
      (counts.bySubject[o.subject] ??= { suspicions: 0, deaths: 0 })[field]++;
      if (o.event === 'dead' && deathCulprits.length < CULPRITS) deathCulprits.push({ node, eventIndex: world.eventIndex, atMs: world.nowMs, what: `${node} declared ${o.subject} dead (it was alive)` });
    },
    atEnd() {
      failedBound = bounds.maxFailedProbes !== undefined && counts.failedProbes > bounds.maxFailedProbes ? 'probes' : 'deaths';
      if (bounds.maxFailedProbes !== undefined && counts.failedProbes > bounds.maxFailedProbes) return `${counts.failedProbes} probes of live members failed, above the bound of ${bounds.maxFailedProbes.toFixed(1)}`;
      if (bounds.maxDeathsPerFailedProbe !== undefined) {
        const max = bounds.maxDeathsPerFailedProbe * counts.failedProbes + 2;
        if (counts.deaths > max) return `${counts.deaths} deaths of live members declared after ${counts.failedProbes} failed probes, above the bound of ${max.toFixed(1)}`;
      }
    },
  };
}

/**
 * Bounds on false positives over a faulty phase with independent loss `lossRate` on every message
 * and no other fault: each probe of a live member fails with probability q (probeFailureProbability),
 * so q · probes failed probes are expected (probes ≈ members · duration / period; fewer when Lifeguard
 * slows a node down). The bound is three times that plus 6, a generous Poisson margin. Deaths: a
 * failed probe only starts a suspicion, which the accused refutes unless the accusation or every
 * copy of its refutation is lost for a whole suspicion timeout (at least 5 periods of retries and
 * gossip), so a correct protocol declares far fewer deaths than probes fail: at most a quarter, plus 2.
 */
export function lossBounds(args: { readonly lossRate: number; readonly indirectChecks: number; readonly members: number; readonly durationMs: number; readonly periodMs: number }): Required<Omit<FalsePositiveBounds, 'faultyPhaseOnly'>> & { expectedFailedProbes: number } {
  const q = probeFailureProbability(args.lossRate, args.indirectChecks);
  const probes = (args.members * args.durationMs) / args.periodMs;
  const expected = q * probes;
  return { expectedFailedProbes: expected, maxFailedProbes: 3 * expected + 6, maxDeathsPerFailedProbe: 0.25 };
}
