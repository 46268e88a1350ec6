/**
 * fast-check arbitraries for what a run is made of: the cluster shape and workload (per
 * scenario), the network's loss and latency, and a fault schedule. Swarm testing is built in:
 * every case also draws which fault kinds are switched on, and faults of the other kinds drop out.
 *
 * The representation is chosen to shrink well: a schedule is a flat list of independent fault
 * events (a crash needs no matching restart, since the final heal restarts everyone; a partition
 * needs no heal), times are integers of milliseconds, and a partition is a bit mask over the
 * largest cluster, so fast-check can delete events, move them earlier and flatten them one field
 * at a time.
 *
 * A target whose bug needs a choreography that independent events hardly ever line up (the
 * Figure 8 trap of Raft, a voter that restarts between two candidates' requests) gives its
 * shape a `faults` arbitrary of its own: it replaces the generic schedule (a list of `faultArb`
 * events) and draws the raw material of that story (partitions that cut a node off with a
 * minority, crash/restart flickers a few milliseconds apart) as fast-check values, so a failure
 * still shrinks by deleting pieces, moving them earlier and simplifying their fields. With it,
 * every kind in `kinds` is switched on in every case: the schedule is the target's to choose,
 * and the swarm switches would only knock out pieces the story needs. Its events must belong
 * to those kinds (`kindsOf`), or they drop out like any switched-off fault. Such a schedule often
 * needs only a few seconds: `phases` then shortens the target's runs, to keep CI cheap.
 * (properties/raft/story-shapes.ts has two such targets.)
 */
import fc from 'fast-check';
import type { NodeId } from '../core/contract/protocol.ts';
import type { RunConfig, Scenario } from '../sim/scenario.ts';
import { sortFaults, type FaultEvent, type FaultKind } from '../sim/faults.ts';
import type { LinkConditions } from '../sim/network.ts';
import { configFor } from '../sim/run.ts';

export interface CaseShape<O extends object = Record<string, unknown>> {
  /** The scenario's own options: cluster shape, workload size. */
  readonly options: fc.Arbitrary<O>;
  /**
   * The servers faults may target, for given options. Absent: the faultable nodes of the world
   * each case's config builds (the scenario's `build` is then called once more per case).
   */
  servers?(options: O): NodeId[];
  /** The servers of the largest cluster the options can describe: faults are drawn over these. */
  readonly maxServers: readonly NodeId[];
  readonly kinds: readonly FaultKind[];
  /** Length of the faulty phase the schedule covers. */
  readonly durationMs: number;
  /** At most this many fault events (before the swarm switches drop some). */
  readonly maxFaults?: number;
  /**
   * The faulty phase's link conditions for given options, when a scenario's checkers depend on
   * them (e.g. false positives bounded by the loss rate); otherwise they are generated.
   */
  networkFor?(options: O): Partial<LinkConditions>;
  /**
   * The fault schedule, replacing the generic one (up to `maxFaults` events of `faultArb` over
   * `maxServers`); every kind in `kinds` is then on in every case. See the header.
   */
  readonly faults?: fc.Arbitrary<readonly FaultEvent[]>;
  /**
   * The run's faulty and quiet phases, when the target's cases should be shorter than the
   * scenario's own runs (a target whose schedule needs only a few seconds, to keep CI cheap);
   * otherwise the scenario's config decides.
   */
  readonly phases?: { readonly durationMs: number; readonly quietMs: number };
}

/**
 * The faulty phase's link conditions a case draws. Each is drawn only when the shape names its
 * fault kind ('loss', 'duplicate', 'latency'); one left out keeps the scenario's own base value,
 * so a shape that leaves out duplication never sees a duplicate.
 */
export interface NetworkCase {
  readonly lossRate?: number;
  readonly duplicateRate?: number;
  readonly latencyMaxMs?: number;
}

export interface RunCase<O extends object = Record<string, unknown>> {
  readonly seed: number;
  readonly options: O;
  /** The fault kinds this case switched on. */
  readonly enabled: readonly FaultKind[];
  readonly network: NetworkCase;
  readonly faults: readonly FaultEvent[];
}

/** Which swarm switch a fault event belongs to. Restarts and heals follow the kinds that need them. */
export function kindsOf(f: FaultEvent): readonly FaultKind[] {
  switch (f.type) {
    case 'crash':
      return [f.landing === 'mid-step' ? 'disk' : 'crash'];
    case 'restart':
      return ['crash', 'disk'];
    case 'partition':
      return ['partition'];
    case 'oneway':
      return ['oneway'];
    case 'heal':
      return ['partition', 'oneway'];
    case 'pause':
      return ['pause'];
    case 'clock':
      return ['clock'];
    case 'forge':
      return ['forge'];
    case 'network': {
      const c = f.conditions;
      const kinds: FaultKind[] = [];
      if (c.lossRate !== undefined) kinds.push('loss');
      if (c.duplicateRate !== undefined) kinds.push('duplicate');
      if (c.latency !== undefined) kinds.push('latency');
      return kinds.length > 0 ? kinds : ['loss', 'duplicate', 'latency'];
    }
  }
}

export function faultArb(nodes: readonly NodeId[], durationMs: number, kinds: readonly FaultKind[]): fc.Arbitrary<FaultEvent> {
  const atMs = fc.integer({ min: 0, max: Math.max(0, durationMs - 1) });
  const node = fc.constantFrom(...nodes);
  const mask = fc.array(fc.boolean(), { minLength: nodes.length, maxLength: nodes.length });
  const byKind: Partial<Record<FaultKind, fc.Arbitrary<FaultEvent>[]>> = {
    crash: [
      fc.record({ atMs, type: fc.constant('crash' as const), node }),
      fc.record({ atMs, type: fc.constant('restart' as const), node }),
    ],
    disk: [
      fc.record({ atMs, type: fc.constant('crash' as const), node, landing: fc.constant('mid-step' as const), writeFault: fc.constantFrom('none' as const, 'lost' as const, 'torn' as const, 'corrupt' as const) }),
      fc.record({ atMs, type: fc.constant('restart' as const), node }),
    ],
    partition: [
      fc.record({ atMs, mask }).map(({ atMs, mask }) => ({ atMs, type: 'partition' as const, groups: [nodes.filter((_, k) => mask[k]), nodes.filter((_, k) => !mask[k])] })),
      fc.record({ atMs, type: fc.constant('heal' as const) }),
    ],
    oneway: [
      fc.record({ atMs, from: node, mask }).map(({ atMs, from, mask }) => ({ atMs, type: 'oneway' as const, from: [from], to: nodes.filter((n, k) => mask[k] && n !== from) })),
      fc.record({ atMs, type: fc.constant('heal' as const) }),
    ],
    pause: [fc.record({ atMs, type: fc.constant('pause' as const), node, durationMs: fc.integer({ min: 1, max: 3000 }) })],
    clock: [fc.record({ atMs, type: fc.constant('clock' as const), node, skewMs: fc.integer({ min: -1000, max: 1000 }), driftPpm: fc.integer({ min: -1000, max: 1000 }) })],
    loss: [fc.record({ atMs, lossRate: fc.integer({ min: 0, max: 60 }) }).map(({ atMs, lossRate }) => ({ atMs, type: 'network' as const, conditions: { lossRate: lossRate / 100 } }))],
    duplicate: [fc.record({ atMs, rate: fc.integer({ min: 0, max: 40 }) }).map(({ atMs, rate }) => ({ atMs, type: 'network' as const, conditions: { duplicateRate: rate / 100 } }))],
    latency: [
      fc.record({ atMs, meanMs: fc.integer({ min: 2, max: 200 }) }).map(({ atMs, meanMs }) => ({
        atMs,
        type: 'network' as const,
        conditions: { latency: { kind: 'exponential' as const, minMs: 1, meanMs, maxMs: meanMs * 10 } } satisfies Partial<LinkConditions>,
      })),
    ],
    forge: [
      fc.record({ atMs, node, from: node, mode: fc.constantFrom('replay' as const, 'tamper' as const, 'garbage' as const) }).map(({ atMs, node, from, mode }) => ({ atMs, type: 'forge' as const, node, from, mode })),
    ],
  };
  const arbs = kinds.flatMap((k) => byKind[k] ?? []);
  const networkBack = fc.record({ atMs, type: fc.constant('network' as const), conditions: fc.constant({}) });
  if (kinds.some((k) => k === 'loss' || k === 'duplicate' || k === 'latency')) arbs.push(networkBack);
  if (arbs.length === 0) throw new Error('faultArb: no fault kinds');
  return fc.oneof(...arbs);
}

export function runCaseArb<O extends object>(shape: CaseShape<O>): fc.Arbitrary<RunCase<O>> {
  return fc.record({
    seed: fc.nat({ max: 2 ** 31 - 1 }),
    options: shape.options,
    enabled: shape.faults !== undefined ? fc.constant([...shape.kinds]) : fc.subarray([...shape.kinds]),
    network: networkCaseArb(shape.kinds),
    faults:
      shape.faults ??
      (shape.kinds.length === 0 ? fc.constant([]) : fc.array(faultArb(shape.maxServers, shape.durationMs, shape.kinds), { maxLength: shape.maxFaults ?? 60, size: 'large' })),
  });
}

/** The case's base link conditions: only those of the fault kinds named (see `NetworkCase`). */
export function networkCaseArb(kinds: readonly FaultKind[]): fc.Arbitrary<NetworkCase> {
  // The fields keep their order, so a shape naming all three kinds draws the cases it always drew.
  return fc.record({
    ...(kinds.includes('loss') ? { lossRate: fc.integer({ min: 0, max: 20 }).map((p) => p / 100) } : {}),
    ...(kinds.includes('duplicate') ? { duplicateRate: fc.integer({ min: 0, max: 10 }).map((p) => p / 100) } : {}),
    ...(kinds.includes('latency') ? { latencyMaxMs: fc.integer({ min: 1, max: 30 }) } : {}),
  });
}

/**
 * The faults of a case that apply: those of the switched-on kinds whose nodes exist in this
 * case's cluster (a partition keeps its groups' existing members, if both sides still have one).
 */
export function applicableFaults(c: RunCase, servers: readonly NodeId[]): FaultEvent[] {
  const exists = new Set(servers);
  const out: FaultEvent[] = [];
  for (const f of c.faults) {
    if (!kindsOf(f).some((k) => c.enabled.includes(k))) continue;
    switch (f.type) {
      case 'partition': {
        const groups = f.groups.map((g) => g.filter((n) => exists.has(n))).filter((g) => g.length > 0);
        if (groups.length >= 2) out.push({ ...f, groups });
        break;
      }
      case 'oneway': {
        const to = f.to.filter((n) => exists.has(n));
        if (exists.has(f.from[0]!) && to.length > 0) out.push({ ...f, to });
        break;
      }
      case 'forge':
        if (exists.has(f.node) && exists.has(f.from) && f.node !== f.from) out.push(f);
        break;
      case 'crash':
      case 'restart':
      case 'pause':
      case 'clock':
        if (exists.has(f.node)) out.push(f);
        break;
      case 'heal':
      case 'network':
        out.push(f);
        break;
    }
  }
  return sortFaults(out);
}

/** The run config a case describes: the scenario's config for the seed, with the case's shape, network and faults. */
export function caseConfig<O extends object>(scenario: Scenario, shape: CaseShape<O>, c: RunCase<O>, bug: string | null): RunConfig {
  const base = configFor(scenario, c.seed, bug);
  // The case's network conditions hold for the faulty phase: they are a fault event at 0 ms, so
  // the final heal restores the scenario's calm base and liveness is judged on a calm network.
  const drawn = shape.networkFor?.(c.options) ?? networkConditions(c.network);
  const conditions: FaultEvent[] = Object.keys(drawn).length > 0 ? [{ atMs: 0, type: 'network', conditions: drawn }] : [];
  const options = { ...base.options, ...c.options, swarm: { enabled: c.enabled, source: 'property' } };
  const servers = shape.servers?.(c.options) ?? faultableNodes(scenario, { ...base, options });
  const faults = applicableFaults(c as unknown as RunCase, servers);
  return {
    ...base,
    options,
    faults: [...conditions, ...faults],
    ...(shape.phases !== undefined ? { durationMs: shape.phases.durationMs, quietMs: shape.phases.quietMs } : {}),
  };
}

/** The link conditions a case drew, as a network change (fields it did not draw are left out). */
function networkConditions(n: NetworkCase): Partial<LinkConditions> {
  return {
    ...(n.lossRate !== undefined ? { lossRate: n.lossRate } : {}),
    ...(n.duplicateRate !== undefined ? { duplicateRate: n.duplicateRate } : {}),
    ...(n.latencyMaxMs !== undefined ? { latency: { kind: 'uniform' as const, minMs: Math.min(1, n.latencyMaxMs), maxMs: n.latencyMaxMs } } : {}),
  };
}

function faultableNodes(scenario: Scenario, config: RunConfig): NodeId[] {
  return scenario.build(config).nodes.filter((n) => n.faultable).map((n) => n.id);
}

/**
 * A shape for any scenario, for a property run without a shape of its own: each case keeps the
 * options its seed gives, faults may strike every faultable node of its world (over the nodes
 * seeds 0-15 ever give), of the scenario's fault kinds, over the longest faulty phase of those
 * seeds (a fault past a case's own end never happens).
 */
export function scenarioShape(scenario: Scenario, { sampleSeeds = 16, maxFaults = 60 } = {}): CaseShape<Record<string, never>> {
  const servers = new Set<NodeId>();
  let durationMs = 0;
  for (let seed = 0; seed < sampleSeeds; seed++) {
    const config = configFor(scenario, seed);
    for (const id of faultableNodes(scenario, config)) servers.add(id);
    durationMs = Math.max(durationMs, config.durationMs);
  }
  // Without a faultable node, only the network's conditions can change.
  const kinds = servers.size > 0 ? scenario.faultKinds : scenario.faultKinds.filter((k) => k === 'loss' || k === 'duplicate' || k === 'latency');
  return {
    options: fc.constant({}),
    maxServers: [...servers].sort(),
    kinds,
    durationMs,
    maxFaults,
  };
}
