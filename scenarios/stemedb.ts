/**
 * stemedb-cluster scenarios: data nodes owning key ranges (split > 64 MB, merge < 20 MB, handed
 * off by the operator and for colocation), gateways routing a workload by their cached
 * meta-range, gossip spreading descriptors.
 *
 *   stemedb        a story: 4 nodes, 2 gateways, 3 shards. Two clocks pulled apart, the operator
 *                  moving ranges all along, n2 crashing, a partition, a pause.
 *   stemedb-swarm  3-5 nodes, 1-3 gateways, 2-4 shards, replication factor 1-3, and a swarm
 *                  fault plan over the data nodes (every kind but forge).
 *
 * The workload: puts of 1-6 MB or 16-40 MB (virtual sizes), deletes and gets on 8-16 subjects; each subject
 * belongs to one gateway, so its writes have one order. Gateways and their clients are not
 * faultable; the data nodes are.
 */
import type { NodeId, Rng } from '../core/contract/protocol.ts';
import type { ClockConfig, RunConfig, Scenario, TimedCommand, World } from '../sim/scenario.ts';
import { allFaultKinds, parseFaultScript, sortFaults } from '../sim/faults.ts';
import { nodeIds, swarmConfig } from '../sim/configure.ts';
import { calmNetwork } from '../sim/network.ts';
import { Stream } from '../core/contract/rng.ts';
import { SPLIT_THRESHOLD_BYTES, MERGE_THRESHOLD_BYTES } from '../core/hashing/index.ts';
import { STEMEDB_BUGS, isStemeBug, stemeGateway, stemeNode, type GatewayCommand, type StemeConfig } from '../core/stemedb/index.ts';
import { stemedbCheckers } from '../checkers/stemedb.ts';

export interface StemeScenarioOptions {
  readonly nodes: readonly NodeId[];
  readonly gateways: readonly NodeId[];
  readonly shards: number;
  readonly replicationFactor: number;
  /** The workload: operations sent to gateways. */
  readonly ops: readonly { readonly atMs: number; readonly gateway: NodeId; readonly command: GatewayCommand }[];
  /** The operator: `node` hands one of its ranges to `to`. */
  readonly sheds: readonly { readonly atMs: number; readonly node: NodeId; readonly to: NodeId }[];
}

export const STEMEDB_DURATION_MS = 10_000;
const DURATION_MS = STEMEDB_DURATION_MS;
const QUIET_MS = 5_000;
const MB = 1024 * 1024;
/** Wide enough that clock faults make a newer descriptor carry an older timestamp (the 'merge-by-timestamp' bug). */
const stemeClock: ClockConfig = { maxSkewMs: 1000, maxDriftPpm: 200 };

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

/** A workload over `subjectCount` subjects, each owned by one gateway, spread over the faulty phase. */
export function drawWorkload(rng: Rng, gateways: readonly NodeId[], subjectCount: number, opCount: number, durationMs: number): StemeScenarioOptions['ops'] {
  const subjects = Array.from({ length: subjectCount }, (_, k) => `subject/${String.fromCharCode(97 + rng.int(26))}${k}`);
  const ops: { atMs: number; gateway: NodeId; command: GatewayCommand }[] = [];
  for (let k = 0; k < opCount; k++) {
    const index = rng.int(subjects.length);
    const subject = subjects[index]!;
    const gateway = gateways[index % gateways.length]!;
    const atMs = 200 + rng.int(durationMs - 1_000);
    const roll = rng.next();
    const command: GatewayCommand =
      roll < 0.55
        ? { type: 'put', subject, value: `${subject}#${k}`, sizeBytes: (rng.next() < 0.5 ? 1 + rng.int(6) : 16 + rng.int(25)) * MB }
        : roll < 0.8
          ? { type: 'delete', subject }
          : { type: 'get', subject };
    ops.push({ atMs, gateway, command });
  }
  return ops.sort((a, b) => a.atMs - b.atMs);
}

function drawSheds(rng: Rng, nodes: readonly NodeId[], count: number, durationMs: number): StemeScenarioOptions['sheds'] {
  const sheds: { atMs: number; node: NodeId; to: NodeId }[] = [];
  for (let k = 0; k < count; k++) {
    const node = pick(rng, nodes);
    const to = pick(rng, nodes.filter((n) => n !== node));
    sheds.push({ atMs: 300 + rng.int(durationMs - 800), node, to });
  }
  return sheds.sort((a, b) => a.atMs - b.atMs);
}

/** The protocol configuration a run's options describe. */
export function stemeConfigOf(o: StemeScenarioOptions, bug: string | null): StemeConfig {
  if (bug !== null && !isStemeBug(bug)) throw new Error(`unknown stemedb bug ${bug}`);
  return {
    nodes: o.nodes,
    gateways: o.gateways,
    shards: o.shards,
    replicationFactor: o.replicationFactor,
    thresholds: { splitAboveBytes: SPLIT_THRESHOLD_BYTES, mergeBelowBytes: MERGE_THRESHOLD_BYTES },
    tickMs: 100,
    membershipPeriodMs: 200,
    requestTimeoutMs: 250,
    maxAttempts: 12,
    bug,
  };
}

export function buildStemedb(config: RunConfig): World {
  const o = config.options as unknown as StemeScenarioOptions;
  const pc = stemeConfigOf(o, config.bug);
  const node = stemeNode(pc);
  const gateway = stemeGateway(pc);
  const commands: TimedCommand[] = [
    ...o.ops.map((op) => ({ atMs: op.atMs, node: op.gateway, command: op.command })),
    ...o.sheds.map((s) => ({ atMs: s.atMs, node: s.node, command: { type: 'shed', to: s.to } })),
  ].sort((a, b) => a.atMs - b.atMs);
  return {
    nodes: [
      ...o.nodes.map((id) => ({ id, protocol: node, faultable: true, role: 'node' })),
      ...o.gateways.map((id) => ({ id, protocol: gateway, faultable: false, role: 'gateway' })),
    ],
    commands,
    checkers: stemedbCheckers({ shards: o.shards, gateways: o.gateways, commands }),
  };
}

const STORY = `
clock n1 at 500ms skew 700ms drift 100ppm
clock n3 at 500ms skew -700ms drift -100ppm
crash n2 at 3s
restart n2 at 5s
partition n1,n4,g1 | n2,n3,g2 at 6s until 7500ms
pause n3 at 8s for 800ms
clock n4 at 8500ms skew -600ms
`;

/**
 * The rare branches a sweep of 100 seeds must reach, and how often (the fixed fault plan, with
 * the drawn workload, reaches each many times in every block of 100 seeds).
 * Calibrated on correct code over seeds 1..300 (each bar about a third of the fewest times
 * a block of 100 seeds reached it); a plan or code that stops taking a branch fails the sweep.
 */
const STORY_COVERAGE: Readonly<Record<string, number>> = {
  'stemedb/colocation-handoff': 45,
  'stemedb/gateway-avoided-dead-owner': 1400,
  'stemedb/gateway-gave-up': 110,
  'stemedb/gateway-invalidated-dead-owner': 90,
  'stemedb/gateway-late-answer-ignored': 60,
  'stemedb/gateway-no-route': 50,
  'stemedb/gateway-queued-behind-subject': 380,
  'stemedb/gateway-refused-moving': 370,
  'stemedb/gateway-refused-not-owner': 140,
  'stemedb/gateway-refused-stale-version': 110,
  'stemedb/gateway-timeout-retry': 890,
  'stemedb/handoff-finished': 290,
  'stemedb/handoff-resent': 200,
  'stemedb/operator-handoff': 240,
  'stemedb/range-merged': 60,
  'stemedb/range-split': 130,
  'stemedb/recovered-from-disk': 30,
  'stemedb/refused-moving': 370,
  'stemedb/refused-not-owner': 150,
  'stemedb/refused-stale-version': 120,
  'stemedb/shed-declined': 180,
  'stemedb/transfer-ack-stale': 15,
  'stemedb/transfer-duplicate-acked': 15,
  'stemedb/transfer-installed': 290,
  'stemedb/write-duplicate-answered': 40,
};

export const stemedbScenario: Scenario = {
  name: 'stemedb',
  description: 'stemedb story: 4 nodes own ranges (split/merge/handoff), 2 gateways route by gossiped descriptors; skewed clocks, a crash, a partition, a pause',
  bugs: STEMEDB_BUGS,
  faultKinds: allFaultKinds,
  configure(seed, rng, bug) {
    const nodes = nodeIds('n', 4);
    const gateways = nodeIds('g', 2);
    const options: StemeScenarioOptions = {
      nodes,
      gateways,
      shards: 3,
      replicationFactor: 2,
      ops: drawWorkload(rng, gateways, 12, 110, DURATION_MS),
      sheds: drawSheds(rng, nodes, 14, DURATION_MS),
    };
    return {
      scenario: 'stemedb',
      seed,
      bug,
      options: options as unknown as Record<string, unknown>,
      network: { base: calmNetwork },
      clock: stemeClock,
      faults: sortFaults(parseFaultScript(STORY)),
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
      maxEvents: 2_000_000,
    };
  },
  sometimes: { seeds: 100, events: Object.keys(STORY_COVERAGE), atLeast: STORY_COVERAGE },
  build: buildStemedb,
};

/** The knobs of a swarm run, for property tests: the cluster's shape, and a seed for its workload and operator. */
export interface StemeShape {
  readonly nodes: number;
  readonly gateways: number;
  readonly shards: number;
  readonly replicationFactor: number;
  readonly workloadSeed: number;
}

/** Options of a swarm run with the given shape (the workload drawn from its own seed). */
export function stemeOptions(shape: StemeShape): StemeScenarioOptions {
  const rng = new Stream(shape.workloadSeed, 'stemedb/workload');
  const nodes = nodeIds('n', shape.nodes);
  const gateways = nodeIds('g', shape.gateways);
  return {
    nodes,
    gateways,
    shards: shape.shards,
    replicationFactor: Math.min(shape.replicationFactor, shape.nodes),
    ops: drawWorkload(rng, gateways, 8 + rng.int(9), 60 + rng.int(80), DURATION_MS),
    sheds: drawSheds(rng, nodes, 4 + rng.int(12), DURATION_MS),
  };
}

/**
 * The rare branches a sweep of 100 seeds must reach, and how often (the drawn faults reach each
 * in every block of 100 seeds).
 * Calibrated on correct code over seeds 1..300 (each bar about a third of the fewest times
 * a block of 100 seeds reached it); a plan or code that stops taking a branch fails the sweep.
 */
const SWARM_COVERAGE: Readonly<Record<string, number>> = {
  'stemedb/colocation-handoff': 30,
  'stemedb/gateway-avoided-dead-owner': 760,
  'stemedb/gateway-gave-up': 90,
  'stemedb/gateway-invalidated-dead-owner': 40,
  'stemedb/gateway-late-answer-ignored': 180,
  'stemedb/gateway-no-route': 35,
  'stemedb/gateway-queued-behind-subject': 250,
  'stemedb/gateway-refused-moving': 530,
  'stemedb/gateway-refused-not-owner': 110,
  'stemedb/gateway-refused-stale-version': 110,
  'stemedb/gateway-timeout-retry': 500,
  'stemedb/handoff-finished': 210,
  'stemedb/handoff-resent': 190,
  'stemedb/operator-handoff': 170,
  'stemedb/range-merged': 60,
  'stemedb/range-split': 120,
  'stemedb/recovered-from-disk': 30,
  'stemedb/refused-moving': 560,
  'stemedb/refused-not-owner': 110,
  'stemedb/refused-stale-version': 110,
  'stemedb/shed-declined': 120,
  'stemedb/transfer-ack-stale': 35,
  'stemedb/transfer-duplicate-acked': 45,
  'stemedb/transfer-installed': 210,
  'stemedb/write-duplicate-answered': 150,
};

export const stemedbSwarmScenario: Scenario = {
  name: 'stemedb-swarm',
  description: 'stemedb: 3-5 nodes, 1-3 gateways, 2-4 shards, replication 1-3, operator handoffs; swarm faults on the nodes (clock skew up to 1 s)',
  bugs: STEMEDB_BUGS,
  faultKinds: allFaultKinds,
  configure(seed, rng, bug) {
    const options = stemeOptions({ nodes: 3 + rng.int(3), gateways: 1 + rng.int(3), shards: 2 + rng.int(3), replicationFactor: 1 + rng.int(3), workloadSeed: seed });
    return swarmConfig({
      scenario: 'stemedb-swarm',
      seed,
      bug,
      options: { ...options },
      servers: options.nodes,
      kinds: this.faultKinds,
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
      clock: stemeClock,
      maxEvents: 2_000_000,
    });
  },
  sometimes: { seeds: 100, events: Object.keys(SWARM_COVERAGE), atLeast: SWARM_COVERAGE },
  build: buildStemedb,
};

export const stemedbScenarios: readonly Scenario[] = [stemedbScenario, stemedbSwarmScenario];
