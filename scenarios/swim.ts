/**
 * SWIM + Lifeguard scenarios (core/swim). Each tells one story over 5 to 9 nodes with 1000 ms
 * protocol periods: 60 s of faults, then a quiet phase after the kernel's final heal as long as
 * the protocol needs to settle (`settleBoundMs`, 50 s for up to 9 members). Every one has
 * forged messages sprinkled in (replays, tampered copies, garbage), which the kernel checks bounce
 * off, and all six documented bugs.
 */
import type { NodeId, Rng } from '../core/contract/protocol.ts';
import type { InvariantChecker, RunConfig, Scenario, TimedCommand, World } from '../sim/scenario.ts';
import { allFaultKinds, sortFaults, type FaultEvent, type FaultKind, type ForgeMode } from '../sim/faults.ts';
import { defaultClock, nodeIds, swarmConfig } from '../sim/configure.ts';
import { calmNetwork, type LinkOverride, type NetworkConfig } from '../sim/network.ts';
import { pushPullScale, suspicionTimeoutMaxMs, suspicionTimeoutMinMs, swim, swimBugs, swimConfig, type SwimBug, type SwimConfig } from '../core/swim/index.ts';
import { swimRules } from '../checkers/swim-rules.ts';
import { completeness, convergence, dissemination, falsePositives, incarnationsGrow, lossBounds, refutation, type FalsePositiveBounds } from '../checkers/swim.ts';

const DURATION_MS = 60_000;
const PERIOD_MS = 1000;

/** What a swim run's `options` hold: the cluster's shape and the protocol's knobs. */
export interface SwimOptions {
  readonly nodes: number;
  /** The first `initial` nodes form the cluster at boot; the rest wait for a `join` command. */
  readonly initial: number;
  readonly seeds: readonly NodeId[];
  readonly joins: readonly { readonly node: NodeId; readonly atMs: number }[];
  readonly leaves: readonly { readonly node: NodeId; readonly atMs: number }[];
  readonly lifeguard: boolean;
  readonly suspicion: boolean;
  readonly periodMs: number;
  readonly pushPullPeriods: number;
  readonly reconnectPeriods: number;
  /** Loss on every link during the faulty phase (for the false-positive bounds), if the scenario sets one. */
  readonly lossRate: number | null;
  /** Check false positives against the loss bounds. */
  readonly checkFalsePositives: boolean;
  /** Check that news of a death spreads epidemically (connected runs of a few dozen members). */
  readonly checkDissemination: boolean;
  /** Protocol knobs drawn per seed (swim-params); absent: the defaults. */
  readonly tuning?: SwimTuning;
}

/** The knobs swarm testing varies; the probe timeout as a fraction of the period. */
export type SwimTuning = Partial<Pick<SwimConfig, 'indirectChecks' | 'maxPiggyback' | 'retransmitMult' | 'suspicionMult' | 'suspicionMaxTimeoutMult'>> & { readonly probeTimeoutFraction?: number };

export const swimBugInfo = swimBugs;

export function swimOptions(over: Partial<SwimOptions> & Pick<SwimOptions, 'nodes'>): SwimOptions {
  const ids = nodeIds('n', over.nodes);
  return {
    initial: over.nodes,
    seeds: ids.slice(0, 2),
    joins: [],
    leaves: [],
    lifeguard: true,
    suspicion: true,
    periodMs: PERIOD_MS,
    pushPullPeriods: 10,
    reconnectPeriods: 2,
    lossRate: null,
    checkFalsePositives: false,
    checkDissemination: false,
    ...over,
  };
}

/** The protocol configuration a run's options describe. */
export function protocolConfig(o: SwimOptions, bug: string | null): SwimConfig {
  const universe = nodeIds('n', o.nodes);
  const { probeTimeoutFraction, ...tuning } = o.tuning ?? {};
  return swimConfig({
    ...tuning,
    universe,
    seeds: o.seeds,
    initialMembers: universe.slice(0, o.initial),
    protocolPeriodMs: o.periodMs,
    probeTimeoutMs: o.periodMs * (probeTimeoutFraction ?? 0.5),
    lifeguard: o.lifeguard,
    suspicion: o.suspicion,
    pushPullPeriods: o.pushPullPeriods,
    reconnectPeriods: o.reconnectPeriods,
    bug: bug as SwimBug | null,
  });
}

/**
 * How long after the heal a live member may still be wrongly suspected, or declared dead,
 * somewhere, with no fault left: a probe begun before the heal ends at its prober's next period,
 * which Lifeguard stretches up to `awarenessMax` times; a suspicion it raises lasts at most the
 * largest suspicion timeout unless the refutation arrives; the death or the refutation then
 * reaches everyone by piggybacking or, failing that, by one anti-entropy round; plus two periods.
 * The quiet phase lasts this long, so the convergence checker judges a group that had the time to
 * settle (a 30 s quiet phase met suspicions raised just after the heal, which a 30 s timeout
 * outlived: swim-loss seeds 5700 and 7755 of a 10,000-seed sweep).
 */
export function settleBoundMs(o: SwimOptions): number {
  const c = protocolConfig(o, null);
  const T = c.protocolPeriodMs;
  const minMs = suspicionTimeoutMinMs(c.suspicionMult, o.nodes, T);
  const suspicionMs = c.lifeguard ? suspicionTimeoutMaxMs(c.suspicionMaxTimeoutMult, minMs) : minMs;
  const probeMs = T * (c.lifeguard ? c.awarenessMax : 1);
  const antiEntropyMs = c.pushPullPeriods > 0 ? pushPullScale(c.pushPullPeriods, o.nodes) * T : 0;
  return probeMs + suspicionMs + antiEntropyMs + 2 * T;
}

/** Forgeries at about `perSecond`, on random links, of random kinds. */
function forgeries(rng: Rng, ids: readonly NodeId[], durationMs: number, perSecond: number): FaultEvent[] {
  const out: FaultEvent[] = [];
  const count = Math.round((durationMs / 1000) * perSecond);
  const modes: readonly ForgeMode[] = ['replay', 'tamper', 'garbage'];
  for (let k = 0; k < count; k++) {
    const node = ids[rng.int(ids.length)]!;
    const others = ids.filter((id) => id !== node);
    out.push({ atMs: Math.round(rng.next() * durationMs * 0.98), type: 'forge', node, from: others[rng.int(others.length)]!, mode: modes[rng.int(3)]! });
  }
  return out;
}

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

/** `count` distinct items of `xs`. */
export function sample<T>(rng: Rng, xs: readonly T[], count: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out;
}

export interface Story {
  readonly options: SwimOptions;
  readonly faults: FaultEvent[];
  readonly network?: NetworkConfig;
  readonly durationMs?: number;
  readonly quietMs?: number;
}

export function run(name: string, seed: number, bug: string | null, story: Story, rng: Rng): RunConfig {
  const ids = nodeIds('n', story.options.nodes);
  const durationMs = story.durationMs ?? DURATION_MS;
  return {
    scenario: name,
    seed,
    bug,
    options: story.options as unknown as Record<string, unknown>,
    network: story.network ?? { base: calmNetwork },
    clock: defaultClock,
    faults: sortFaults([...story.faults, ...forgeries(rng, ids, durationMs, 0.5)]),
    durationMs,
    quietMs: story.quietMs ?? settleBoundMs(story.options),
    maxEvents: 2_000_000,
  };
}

/** Nodes, timed join/leave commands and checkers for a run. */
export function buildSwim(config: RunConfig): World {
  const o = config.options as unknown as SwimOptions;
  const pc = protocolConfig(o, config.bug);
  const protocol = swim(pc);
  const commands: TimedCommand[] = [
    ...o.joins.map((j) => ({ atMs: j.atMs, node: j.node, command: { type: 'join' } })),
    ...o.leaves.map((l) => ({ atMs: l.atMs, node: l.node, command: { type: 'leave' } })),
  ].sort((a, b) => a.atMs - b.atMs);
  const checkers: InvariantChecker[] = [incarnationsGrow(), completeness(pc), refutation(pc), convergence(pc)];
  // The rules judged from causes need a send to leave in the step that made it: no disk latency.
  if (config.disk === undefined) checkers.push(swimRules({ probeTimeoutMs: pc.probeTimeoutMs, lifeguard: pc.lifeguard, suspicion: pc.suspicion && pc.bug !== 'no-suspicion' }));
  if (o.checkDissemination) checkers.push(dissemination(pc));
  if (o.checkFalsePositives && o.lossRate !== null) {
    const b = lossBounds({ lossRate: o.lossRate, indirectChecks: pc.indirectChecks, members: o.initial, durationMs: config.durationMs, periodMs: o.periodMs });
    const bounds: FalsePositiveBounds = { maxFailedProbes: b.maxFailedProbes, maxDeathsPerFailedProbe: b.maxDeathsPerFailedProbe, faultyPhaseOnly: true };
    checkers.push(falsePositives(bounds));
  }
  return { nodes: pc.universe.map((id) => ({ id, protocol, faultable: true, role: 'member' })), commands, checkers };
}

function scenario(name: string, description: string, faultKinds: readonly FaultKind[], story: (rng: Rng, seed: number) => Story): Scenario {
  return {
    name,
    description,
    bugs: swimBugInfo,
    faultKinds,
    configure(seed, rng, bug) {
      return run(name, seed, bug, story(rng, seed), rng);
    },
    build: buildSwim,
  };
}

export const size = (rng: Rng, min = 5, max = 9) => min + rng.int(max - min + 1);
export const at = (rng: Rng, fromMs: number, toMs: number) => Math.round(fromMs + rng.next() * (toMs - fromMs));

export const swimCrash = scenario(
  'swim-crash',
  'SWIM: 5-9 members; one crashes at 3-12 s and stays down through the faulty phase, then restarts and rejoins',
  ['crash', 'forge'],
  (rng) => {
    const nodes = size(rng);
    const victim = pick(rng, nodeIds('n', nodes));
    return { options: swimOptions({ nodes }), faults: [{ atMs: at(rng, 3000, 12_000), type: 'crash', node: victim }] };
  },
);

export const swimCrashMany = scenario(
  'swim-crash-many',
  'SWIM: 6-9 members; 2-4 crash at 3-20 s, one of them restarts at 40 s with a fresh incarnation',
  ['crash', 'forge'],
  (rng) => {
    const nodes = size(rng, 6, 9);
    const victims = sample(rng, nodeIds('n', nodes), 2 + rng.int(Math.min(3, nodes - 5)));
    const faults: FaultEvent[] = victims.map((node) => ({ atMs: at(rng, 3000, 20_000), type: 'crash', node }));
    faults.push({ atMs: 40_000, type: 'restart', node: victims[0]! });
    return { options: swimOptions({ nodes }), faults };
  },
);

export const swimLarge = scenario(
  'swim-large',
  'SWIM: 24-40 members, 1-2 crash at 3-8 s and stay down; news of each death must spread epidemically (30 s faulty, 30 s quiet)',
  ['crash', 'forge'],
  (rng) => {
    const nodes = size(rng, 24, 40);
    const victims = sample(rng, nodeIds('n', nodes), 1 + rng.int(2));
    return {
      options: swimOptions({ nodes, checkDissemination: true }),
      faults: victims.map((node) => ({ atMs: at(rng, 3000, 8000), type: 'crash', node })),
      durationMs: 30_000,
      // At least one anti-entropy round after the heal: past 32 members push-pull comes every 20
      // periods (memberlist's pushPullScale), and a member that missed a refutation may hear of it
      // only then (test:deep --runs 500 --seed 7, swim-large case 159: 21.3 s after the heal).
      quietMs: 30_000,
    };
  },
);

export const swimLoss = scenario(
  'swim-loss',
  'SWIM: 5-9 members under 0/5/10/20/30% message loss for the faulty phase; false positives checked against the loss bound',
  ['loss', 'forge'],
  (rng) => {
    const nodes = size(rng);
    const lossRate = pick(rng, [0, 0.05, 0.1, 0.2, 0.3]);
    return {
      options: swimOptions({ nodes, lossRate, checkFalsePositives: true }),
      faults: lossRate > 0 ? [{ atMs: 0, type: 'network', conditions: { lossRate } }] : [],
    };
  },
);

export const swimSlow = scenario(
  'swim-slow',
  'SWIM: 5-9 members; one is CPU-starved: stalls of 0.2-1.5 s, 0.3-1.5 s apart, for the whole faulty phase (the Lifeguard case)',
  ['pause', 'forge'],
  (rng) => {
    const nodes = size(rng);
    const slow = pick(rng, nodeIds('n', nodes));
    const faults: FaultEvent[] = [];
    for (let t = at(rng, 1000, 3000); t < DURATION_MS - 1000; t += at(rng, 300, 1500)) faults.push({ atMs: t, type: 'pause', node: slow, durationMs: at(rng, 200, 1500) });
    return { options: swimOptions({ nodes }), faults };
  },
);

export const swimPartition = scenario(
  'swim-partition',
  'SWIM: 6-9 members split in two for 10-30 s (longer than the suspicion timeout), healed, then split again briefly',
  ['partition', 'forge'],
  (rng) => {
    const nodes = size(rng, 6, 9);
    const ids = nodeIds('n', nodes);
    const side = sample(rng, ids, 1 + rng.int(nodes - 2));
    const other = ids.filter((id) => !side.includes(id));
    const t1 = at(rng, 3000, 10_000);
    const t2 = t1 + at(rng, 10_000, 30_000);
    const t3 = Math.min(DURATION_MS - 8000, t2 + at(rng, 5000, 10_000));
    const side2 = sample(rng, ids, 1 + rng.int(nodes - 2));
    return {
      options: swimOptions({ nodes }),
      faults: [
        { atMs: t1, type: 'partition', groups: [side, other] },
        { atMs: t2, type: 'heal' },
        { atMs: t3, type: 'partition', groups: [side2, ids.filter((id) => !side2.includes(id))] },
        { atMs: t3 + at(rng, 1000, 4000), type: 'heal' },
      ],
    };
  },
);

export const swimChurn = scenario(
  'swim-churn',
  'SWIM: 5-6 founding members; 2-3 more join through the seeds, 1-2 leave gracefully, one crashes and restarts, one leaver rejoins',
  ['crash', 'forge'],
  (rng) => {
    const initial = 5 + rng.int(2);
    const joiners = 2 + rng.int(2);
    const nodes = initial + joiners;
    const ids = nodeIds('n', nodes);
    const founders = ids.slice(0, initial);
    const joins = ids.slice(initial).map((node) => ({ node, atMs: at(rng, 2000, 30_000) }));
    const leavers = sample(rng, founders.slice(2), 1 + rng.int(2)); // the seeds stay
    const leaves = leavers.map((node) => ({ node, atMs: at(rng, 5000, 35_000) }));
    const back = leaves[0]!;
    joins.push({ node: back.node, atMs: back.atMs + at(rng, 8000, 15_000) });
    const crasher = pick(rng, founders.filter((id) => !leavers.includes(id)));
    const crashAt = at(rng, 5000, 30_000);
    return {
      options: swimOptions({ nodes, initial, joins, leaves }),
      faults: [
        { atMs: crashAt, type: 'crash', node: crasher },
        { atMs: crashAt + at(rng, 2000, 15_000), type: 'restart', node: crasher },
      ],
    };
  },
);

export const swimRestart = scenario(
  'swim-restart',
  'SWIM: 5-8 members crash and restart over and over (down 0.5-8 s; some crashes land mid-step and lose the write): rejoin with a fresh incarnation',
  ['crash', 'disk', 'forge'],
  (rng) => {
    const nodes = size(rng, 5, 8);
    const ids = nodeIds('n', nodes);
    const faults: FaultEvent[] = [];
    const downUntil = new Map<NodeId, number>();
    for (let t = at(rng, 1000, 3000); t < DURATION_MS - 10_000; t += at(rng, 1000, 4000)) {
      const up = ids.filter((id) => (downUntil.get(id) ?? 0) < t);
      if (ids.length - up.length >= Math.floor((nodes - 1) / 2)) continue;
      const node = pick(rng, up);
      const back = t + at(rng, 500, 8000);
      downUntil.set(node, back);
      faults.push(rng.next() < 0.3 ? { atMs: t, type: 'crash', node, landing: 'mid-step', writeFault: 'lost' } : { atMs: t, type: 'crash', node });
      faults.push({ atMs: back, type: 'restart', node });
    }
    return { options: swimOptions({ nodes }), faults };
  },
);

export const swimForgery = scenario(
  'swim-forgery',
  'SWIM: 5-7 members under a forging attacker (5 replays, tampered copies or garbage per second) while two members restart',
  ['forge', 'crash'],
  (rng) => {
    const nodes = size(rng, 5, 7);
    const ids = nodeIds('n', nodes);
    const faults: FaultEvent[] = forgeries(rng, ids, DURATION_MS, 5);
    for (const node of sample(rng, ids, 2)) {
      const t = at(rng, 5000, 40_000);
      faults.push({ atMs: t, type: 'crash', node }, { atMs: t + at(rng, 1000, 6000), type: 'restart', node });
    }
    return { options: swimOptions({ nodes }), faults };
  },
);

export const swimSwarm: Scenario = {
  name: 'swim-swarm',
  description: 'SWIM: 5-9 members under a swarm fault plan (every kind, forgeries included, on or off per seed)',
  bugs: swimBugInfo,
  faultKinds: [...allFaultKinds, 'forge'],
  configure(seed, rng, bug) {
    const nodes = size(rng);
    return swarmConfig({
      scenario: 'swim-swarm',
      seed,
      bug,
      options: swimOptions({ nodes }) as unknown as Record<string, unknown>,
      servers: nodeIds('n', nodes),
      kinds: this.faultKinds,
      durationMs: DURATION_MS,
      quietMs: settleBoundMs(swimOptions({ nodes })),
      maxEvents: 2_000_000,
    });
  },
  build: buildSwim,
};

export const swimScenarios: readonly Scenario[] = [swimCrash, swimCrashMany, swimLarge, swimLoss, swimSlow, swimPartition, swimChurn, swimRestart, swimForgery, swimSwarm];

/** For tests and benchmarks: a run config with explicit options and faults (no forgeries added). */
export function customSwimRun(args: {
  readonly seed: number;
  readonly bug?: string | null;
  readonly options: Partial<SwimOptions> & Pick<SwimOptions, 'nodes'>;
  readonly faults?: readonly FaultEvent[];
  readonly durationMs?: number;
  readonly quietMs?: number;
  readonly overrides?: readonly LinkOverride[];
  readonly maxEvents?: number;
}): RunConfig {
  return {
    scenario: 'swim-custom',
    seed: args.seed,
    bug: args.bug ?? null,
    options: swimOptions(args.options) as unknown as Record<string, unknown>,
    network: { base: calmNetwork, ...(args.overrides ? { overrides: args.overrides } : {}) },
    clock: defaultClock,
    faults: sortFaults(args.faults ?? []),
    durationMs: args.durationMs ?? DURATION_MS,
    quietMs: args.quietMs ?? settleBoundMs(swimOptions(args.options)),
    maxEvents: args.maxEvents ?? 50_000_000,
  };
}
