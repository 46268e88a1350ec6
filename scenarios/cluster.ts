/**
 * Cluster scenarios: Redis-Cluster-style shards (a primary and replicas each) whose configuration
 * lives in one Raft group, with SWIM failure detection, live resharding, replication and failover
 * (core/clusternode), smart clients writing throughout, and the cluster invariants
 * (properties/cluster).
 *
 *   cluster                    the full scenario: 3 shards x 1-2 replicas, a resharding (two
 *                              ranges) and a manual failover while clients write, under the swarm
 *                              fault plan; replication synchronous or not, drawn per seed
 *   cluster-migration          migrations under load, no faults: three ranges moved, one of them back
 *   cluster-migration-crash    the source or the target primary (or both) crashes mid-migration
 *   cluster-failover           a primary crashes; a replica is elected and promoted (asynchronous
 *                              replication: the acknowledged writes it loses are measured)
 *   cluster-failover-sync      the same with synchronous replication: nothing acknowledged is lost
 *   cluster-manual-failover    CLUSTER FAILOVER, FORCE or TAKEOVER on a live primary, sometimes
 *                              sent to two replicas at once
 *   cluster-partition          a primary is cut off with a minority; the majority side fails over,
 *                              and the old primary rejoins as a replica at the heal
 *
 * Every option a run uses is drawn from the seed in `configure` and kept in the config's options.
 */
import type { NodeId, Rng } from '../core/contract/protocol.ts';
import type { RunConfig, Scenario, TimedCommand, World } from '../sim/scenario.ts';
import { allFaultKinds, parseFaultScript, type FaultEvent, type FaultKind } from '../sim/faults.ts';
import { defaultClock, swarmConfig } from '../sim/configure.ts';
import { calmNetwork } from '../sim/network.ts';
import { keySlot, type SlotRange } from '../core/slots/index.ts';
import {
  CLUSTER_BUGS,
  bootstrapConfig,
  createClusterClientProtocol,
  createClusterNodeProtocol,
  createOperatorProtocol,
  evenSlotRanges,
  isClusterBug,
  slotOwnerShard,
  applyConfigCommand,
  type ClusterConfig,
  type ClusterNodeOptions,
  type OperatorCommand,
  type ShardId,
} from '../core/clusternode/index.ts';
import { ELECTION_DEFAULTS } from '../core/failover/election.ts';
import { clusterCheckers } from '../checkers/cluster.ts';
import { clusterRuleCheckers, failoverHappened } from '../checkers/cluster-rules.ts';
import { migrationRuleCheckers } from '../checkers/migration-rules.ts';

export interface ShardLayout {
  readonly id: ShardId;
  readonly primary: NodeId;
  readonly replicas: readonly NodeId[];
}

export interface ReshardStep {
  readonly atMs: number;
  readonly range: SlotRange;
  readonly source: ShardId;
  readonly target: ShardId;
}

export interface FailoverStep {
  readonly atMs: number;
  readonly shard: ShardId;
  readonly mode: 'default' | 'force' | 'takeover';
  readonly race: boolean;
}

export interface ClusterScenarioOptions {
  readonly shards: readonly ShardLayout[];
  /** Every data node, sorted. */
  readonly nodes: readonly NodeId[];
  readonly configVoters: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly operator: NodeId;
  readonly keys: readonly string[];
  readonly opsPerClient: number;
  readonly thinkMsMax: number;
  readonly requestTimeoutMs: number;
  readonly syncReplication: boolean;
  readonly batchSize: number;
  readonly batchIntervalMs: number;
  /** A migration batch not acknowledged within this is sent again (absent in older reports: 400). */
  readonly resendAfterMs?: number;
  readonly reshards: readonly ReshardStep[];
  readonly failovers: readonly FailoverStep[];
  /**
   * The protocols' own knobs, drawn per seed (swarm testing of parameters, so rare paths run: a
   * short lease renewed often, a slow failure detector, one Raft entry per message); absent in
   * reports made before they were drawn, which then run with the values of that time.
   */
  readonly timing?: ClusterTiming;
  /** The run exists to fail a primary over: a promotion must have happened by its end. */
  readonly expectFailover?: boolean;
  /** A named scenario's fault plan, as written. */
  readonly script?: string;
}

export interface ClusterTiming {
  readonly leaseMs: number;
  /** SWIM's protocol period (its probe timeout is half of it). */
  readonly swimPeriodMs: number;
  readonly suspicionMult: number;
  /** The configuration group's Raft: the election timeout's lower end (upper: twice it; heartbeat: a third of it). */
  readonly electionTimeoutMinMs: number;
  readonly snapshotEveryEntries: number;
  readonly maxEntriesPerMessage: number;
}

/** The values every run had before they were drawn per seed. */
export const CLASSIC_TIMING: ClusterTiming = { leaseMs: 1500, swimPeriodMs: 250, suspicionMult: 4, electionTimeoutMinMs: 300, snapshotEveryEntries: 32, maxEntriesPerMessage: 64 };

export const CLUSTER_DURATION_MS = 12_000;
export const CLUSTER_QUIET_MS = 8_000;
const OPERATOR = 'op';

// ---------------------------------------------------------------------------------------------
// Shapes

/** Shard k's primary is n<k>; replicas follow in shard order: 3 shards with [2, 1, 2] replicas give s1 = n1 + n4,n5, s2 = n2 + n6, s3 = n3 + n7,n8. */
export function shardLayout(replicas: readonly number[]): ShardLayout[] {
  const count = replicas.length;
  let next = count + 1;
  return replicas.map((r, k) => {
    const reps: NodeId[] = [];
    for (let j = 0; j < r; j++) reps.push(`n${next++}`);
    return { id: `s${k + 1}`, primary: `n${k + 1}`, replicas: reps };
  });
}

export function layoutNodes(shards: readonly ShardLayout[]): NodeId[] {
  return shards.flatMap((s) => [s.primary, ...s.replicas]).sort();
}

export function initialConfig(shards: readonly ShardLayout[]): ClusterConfig {
  const ranges = evenSlotRanges(shards.length);
  return bootstrapConfig(shards.map((s, k) => ({ ...s, slots: [ranges[k]!] })));
}

/** Keys in groups sharing a hash tag (so a slot holds several): `{u3}a`, `{u3}b`, ... */
export function workloadKeys(groups: number, perGroup: number, offset = 0): string[] {
  const keys: string[] = [];
  for (let g = 0; g < groups; g++) for (let k = 0; k < perGroup; k++) keys.push(`{u${g + offset}}${'abcd'[k]}`);
  return keys;
}

const tagOf = (key: string) => key.slice(0, key.indexOf('}') + 1);

/**
 * A resharding plan: for each chosen key group, move a small range around its slot from its
 * owner (at that point of the plan) to another shard, with `back` also moving the first range
 * home again at the end.
 */
export function planReshards(rng: Rng, config: ClusterConfig, keys: readonly string[], count: number, startMs: number, back: boolean): ReshardStep[] {
  const tags = [...new Set(keys.map(tagOf))];
  const steps: ReshardStep[] = [];
  let c = config;
  const used = new Set<string>();
  for (let k = 0; k < count && used.size < tags.length; k++) {
    let tag = tags[rng.int(tags.length)]!;
    while (used.has(tag)) tag = tags[(tags.indexOf(tag) + 1) % tags.length]!;
    used.add(tag);
    const slot = keySlot(tag);
    const owner = slotOwnerShard(c, slot)!;
    const own = owner.slots.find((r) => slot >= r.start && slot <= r.end)!;
    const range = { start: Math.max(own.start, slot - rng.int(8)), end: Math.min(own.end, slot + rng.int(8)) };
    const others = c.shards.filter((s) => s.id !== owner.id);
    const target = others[rng.int(others.length)]!.id;
    steps.push({ atMs: startMs + k * 1000, range, source: owner.id, target });
    c = applyConfigCommand(applyConfigCommand(c, { op: 'migrate-begin', range, source: owner.id, target, by: 'plan' }).config, { op: 'migrate-finish', migrationId: c.nextMigrationId, by: 'plan' }).config;
  }
  if (back && steps.length > 0) {
    const first = steps[0]!;
    steps.push({ atMs: first.atMs + 4000, range: first.range, source: first.target, target: first.source });
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Building the world

/**
 * A primary's lease: renewed four times a lease, and counted `marginMs` short of the voters'
 * promise: more than twice the largest clock offset (2 x 50 ms) plus drift over the longest lease
 * (200 ppm of 3 s), with slack.
 */
export function leaseOptions(leaseMs: number): { leaseMs: number; renewEveryMs: number; marginMs: number } {
  return { leaseMs, renewEveryMs: Math.round(leaseMs / 3.75), marginMs: 250 };
}

export const LEASE = leaseOptions(CLASSIC_TIMING.leaseMs);

export function nodeOptions(o: ClusterScenarioOptions, bug: string | null): ClusterNodeOptions {
  const t = o.timing ?? CLASSIC_TIMING;
  return {
    nodes: o.nodes,
    configVoters: o.configVoters,
    initialConfig: initialConfig(o.shards),
    syncReplication: o.syncReplication,
    lease: leaseOptions(t.leaseMs),
    election: ELECTION_DEFAULTS,
    migration: { batchSize: o.batchSize, batchIntervalMs: o.batchIntervalMs, resendAfterMs: o.resendAfterMs ?? 400 },
    swim: { protocolPeriodMs: t.swimPeriodMs, probeTimeoutMs: Math.round(t.swimPeriodMs * 0.48), suspicionMult: t.suspicionMult, suspicionMaxTimeoutMult: 3, pushPullPeriods: 20, reconnectPeriods: 4 },
    raft: {
      electionTimeoutMinMs: t.electionTimeoutMinMs,
      electionTimeoutMaxMs: 2 * t.electionTimeoutMinMs,
      heartbeatIntervalMs: Math.round(t.electionTimeoutMinMs / 3),
      snapshotEveryEntries: t.snapshotEveryEntries,
      maxEntriesPerMessage: t.maxEntriesPerMessage,
    },
    tickMs: 100,
    replPingMs: 200,
    replTimeoutMs: 1000,
    configPullMs: 1000,
    proposeTimeoutMs: 400,
    bugs: bug !== null && isClusterBug(bug) && bug !== 'ask-updates-cache' ? [bug] : [],
  };
}

export function buildClusterWorld(config: RunConfig): World {
  const o = config.options as unknown as ClusterScenarioOptions;
  if (config.bug !== null && !isClusterBug(config.bug)) throw new Error(`unknown cluster bug ${config.bug}`);
  const bugs = config.bug !== null && isClusterBug(config.bug) ? [config.bug] : [];
  const node = createClusterNodeProtocol(nodeOptions(o, config.bug));
  const operator = createOperatorProtocol({ voters: o.configVoters, initialConfig: initialConfig(o.shards), tickMs: 100, proposeTimeoutMs: 400, pullEveryMs: 300 });
  const clients = o.clients.map((_, k) =>
    createClusterClientProtocol({
      servers: o.nodes,
      clientNumber: k + 1,
      requestTimeoutMs: o.requestTimeoutMs,
      maxTimeouts: 12,
      maxRedirects: 5,
      workload: { operations: o.opsPerClient, keys: o.keys, thinkMsMin: 5, thinkMsMax: o.thinkMsMax, mix: { get: 4, put: 3, append: 2, cas: 1 }, startAtMs: 200 },
      bugs: bugs.filter((b) => b === 'ask-updates-cache'),
    }),
  );
  const commands: TimedCommand[] = [
    ...o.reshards.map((r) => ({ atMs: r.atMs, node: o.operator, command: { type: 'reshard', range: r.range, source: r.source, target: r.target } satisfies OperatorCommand })),
    ...o.failovers.map((f) => ({ atMs: f.atMs, node: o.operator, command: { type: 'failover', shard: f.shard, mode: f.mode, race: f.race } satisfies OperatorCommand })),
  ].sort((a, b) => a.atMs - b.atMs);
  return {
    nodes: [
      ...o.nodes.map((id) => ({ id, protocol: node, faultable: true, role: 'server' })),
      { id: o.operator, protocol: operator, faultable: false, role: 'operator' },
      ...o.clients.map((id, k) => ({ id, protocol: clients[k]!, faultable: false, role: 'client' })),
    ],
    commands,
    checkers: [
      ...clusterCheckers({ sync: o.syncReplication, bugs, operator: o.operator }),
      ...clusterRuleCheckers(ELECTION_DEFAULTS, o.syncReplication),
      ...migrationRuleCheckers(),
      ...(o.expectFailover === true ? [failoverHappened()] : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Configurations

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

interface Draw {
  readonly replicas?: readonly number[];
  readonly sync?: boolean;
  readonly reshards?: number;
  readonly back?: boolean;
  readonly failover?: boolean;
  readonly failoverModes?: readonly FailoverStep['mode'][];
  readonly raceChance?: number;
}

/** The options a seed expands into (swarm style: shape, replication mode, plan). */
export function drawClusterOptions(rng: Rng, d: Draw = {}): ClusterScenarioOptions {
  const replicas = d.replicas ?? [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(2)];
  const shards = shardLayout(replicas);
  const nodes = layoutNodes(shards);
  // The configuration group: the three initial primaries (as Redis's voters are), or spread over primaries and replicas.
  const spread = rng.next() < 0.5;
  const configVoters = (spread ? [shards[0]!.primary, shards[1]!.replicas[0]!, shards[2]!.replicas[0]!] : shards.map((s) => s.primary)).sort();
  const keys = workloadKeys(5, 2 + rng.int(2));
  const config = initialConfig(shards);
  const reshards = planReshards(rng, config, keys, d.reshards ?? 2, 1500 + rng.int(1500), d.back ?? false);
  const failovers: FailoverStep[] = [];
  if (d.failover ?? true) {
    const shard = pick(rng, shards);
    const race = shard.replicas.length >= 2 && rng.next() < (d.raceChance ?? 0.3);
    failovers.push({ atMs: 3000 + rng.int(5000), shard: shard.id, mode: race ? 'force' : pick(rng, d.failoverModes ?? ['default', 'force', 'takeover']), race });
  }
  return {
    shards,
    nodes,
    configVoters,
    clients: ['c1', 'c2', 'c3'],
    operator: OPERATOR,
    keys,
    opsPerClient: 110 + rng.int(50),
    thinkMsMax: 40 + rng.int(60),
    requestTimeoutMs: pick(rng, [250, 400]),
    syncReplication: d.sync ?? rng.next() < 0.5,
    batchSize: 1 + rng.int(3),
    batchIntervalMs: 150 + rng.int(250),
    reshards,
    failovers,
    timing: {
      leaseMs: pick(rng, [800, 1500, 1500, 3000]),
      swimPeriodMs: pick(rng, [150, 250, 250, 400]),
      suspicionMult: pick(rng, [3, 4, 6]),
      electionTimeoutMinMs: pick(rng, [150, 300, 300, 600]),
      snapshotEveryEntries: pick(rng, [4, 32, 32, 256]),
      maxEntriesPerMessage: pick(rng, [1, 64, 64]),
    },
  };
}

const fullKinds: readonly FaultKind[] = allFaultKinds;

function scriptedConfig(name: string, seed: number, bug: string | null, options: ClusterScenarioOptions, faults: FaultEvent[], network: RunConfig['network'] = { base: calmNetwork }): RunConfig {
  return {
    scenario: name,
    seed,
    bug,
    options: { ...options },
    network,
    clock: defaultClock,
    faults,
    durationMs: CLUSTER_DURATION_MS,
    quietMs: CLUSTER_QUIET_MS,
    maxEvents: 2_000_000,
  };
}

function scenario(name: string, description: string, configure: Scenario['configure'], faultKinds: readonly FaultKind[] = fullKinds): Scenario {
  return { name, description, bugs: CLUSTER_BUGS, faultKinds, configure, build: buildClusterWorld };
}

export const clusterScenario: Scenario = {
  ...scenario(
    'cluster',
    'Redis-Cluster-style: 3 shards x 1-2 replicas, config in Raft, SWIM, live resharding + manual failover while clients write (linearizability, single writer, no key lost); swarm faults',
    (seed, rng, bug) => {
      const options = drawClusterOptions(rng);
      return swarmConfig({ scenario: 'cluster', seed, bug, options: { ...options }, servers: options.nodes, kinds: fullKinds, durationMs: CLUSTER_DURATION_MS, quietMs: CLUSTER_QUIET_MS, maxEvents: 2_000_000 });
    },
  ),
  // The rare branches every 100 seeds of the swarm reach (each 30 or more times in 100 seeds on
  // correct code): a fault plan that stops producing one, or code that stops taking it, fails the sweep.
  sometimes: {
    seeds: 100,
    events: [
      'cluster/moved',
      'cluster/ask',
      'cluster/tryagain',
      'cluster/answer-waits-for-replicas',
      'cluster/psync-partial',
      'cluster/psync-full',
      'cluster/repl-gap',
      'migration/batch-resent',
      'failover/election-lost',
      'failover/vote-refused-lease-in-force',
      'failover/vote-refused-old-epoch',
      'failover/vote-refused-primary-not-failed',
      'failover/vote-refused-restarting',
      'lease/refused-failover-pending',
      'lease/refused-not-primary',
      'lease/refused-promised-to-another',
      'lease/refused-restarting',
    ],
  },
};

export const clusterMigrationScenario: Scenario = {
  ...scenario(
    'cluster-migration',
    'Live migration under load, no faults: three slot ranges move (one of them back) while clients write; the migration pace and link latency drawn per seed',
    (seed, rng, bug) => {
      const options = drawClusterOptions(rng, { replicas: [1, 1, 1], reshards: 2, back: true, failover: false });
      const { network, migration } = drawMigrationPace(rng, options);
      return scriptedConfig('cluster-migration', seed, bug, migration, [], network);
    },
    [],
  ),
  // The migration's rare branches: a batch sent again, and an answer to an earlier batch arriving
  // while the next is on the wire (18 and 150 times in seeds 1-60 on correct code).
  sometimes: { seeds: 100, events: ['migration/batch-resent', 'migration/stale-ack'], atLeast: { 'migration/stale-ack': 5 } },
};

/**
 * Swarm testing of the migration's pace (so its rare paths run without faults): links slower than
 * the resend timeout, and the next batch sent at once, make a batch go out twice and the answer
 * to its first copy arrive while the next batch is on the wire (source.ts batchAcknowledged).
 */
export function drawMigrationPace(rng: Rng, o: ClusterScenarioOptions): { network: RunConfig['network']; migration: ClusterScenarioOptions } {
  // Mostly fast links with a slow tail (now and then one message takes a few hundred ms), some duplicating.
  const tailMeanMs = pick(rng, [0, 30, 60]);
  const duplicateRate = pick(rng, [0, 0.05, 0.1]);
  const resendAfterMs = pick(rng, [400, 100, 100]);
  const batchIntervalMs = rng.next() < 0.5 ? 0 : o.batchIntervalMs;
  const latency = tailMeanMs === 0 ? calmNetwork.latency : { kind: 'exponential' as const, minMs: 1, meanMs: tailMeanMs, maxMs: 400 };
  return {
    network: { base: { ...calmNetwork, latency, duplicateRate } },
    migration: { ...o, resendAfterMs, batchIntervalMs },
  };
}

export const clusterMigrationCrashScenario = scenario(
  'cluster-migration-crash',
  'A migration whose source or target primary (or both) crashes mid-way, and restarts or fails over',
  (seed, rng, bug) => {
    const options = drawClusterOptions(rng, { replicas: [1 + rng.int(2), 1 + rng.int(2), 1 + rng.int(2)], reshards: 1, failover: false });
    const step = options.reshards[0]!;
    const source = options.shards.find((s) => s.id === step.source)!.primary;
    const target = options.shards.find((s) => s.id === step.target)!.primary;
    const who = pick(rng, ['source', 'target', 'both'] as const);
    const at = step.atMs + 100 + rng.int(600);
    const down = pick(rng, [800, 4000]); // a quick restart, or long enough for a failover
    const lines = [
      ...(who !== 'target' ? [`crash ${source} at ${at}ms`, `restart ${source} at ${at + down}ms`] : []),
      ...(who !== 'source' ? [`crash ${target} at ${at + 150}ms`, `restart ${target} at ${at + 150 + down}ms`] : []),
    ];
    const script = lines.join('; ');
    return scriptedConfig('cluster-migration-crash', seed, bug, { ...options, script }, parseFaultScript(script));
  },
  ['crash'],
);

/**
 * How long a primary must stay out for a failover to be owed: its lease runs out or SWIM declares
 * it dead (twice the suspicion time, generously), whichever is later, then a first election
 * (base delay and jitter) and, if that one is refused, a retry. A shorter outage may end with the
 * old primary back and no promotion, which is correct: failover-happened is checked only beyond it.
 */
export function failoverOwedAfterMs(o: ClusterScenarioOptions): number {
  const t = o.timing ?? CLASSIC_TIMING;
  const detectMs = 2 * t.swimPeriodMs * t.suspicionMult;
  const e = ELECTION_DEFAULTS;
  return Math.max(t.leaseMs, detectMs) + e.baseDelayMs + e.jitterMs + e.retryMs + 500;
}

function crashConfig(name: string, sync: boolean) {
  return (seed: number, rng: Rng, bug: string | null): RunConfig => {
    const options = drawClusterOptions(rng, { sync, reshards: 1, failover: false });
    const victim = pick(rng, options.shards).primary;
    const at = 2500 + rng.int(2500);
    const downMs = 5000 + rng.int(2000);
    const script = `crash ${victim} at ${at}ms; restart ${victim} at ${at + downMs}ms`;
    return scriptedConfig(name, seed, bug, { ...options, script, expectFailover: downMs >= failoverOwedAfterMs(options) }, parseFaultScript(script));
  };
}

export const clusterFailoverScenario = scenario(
  'cluster-failover',
  'A primary crashes: SWIM notices, a replica wins the election and is promoted through Raft; asynchronous replication (lost acknowledged writes measured)',
  crashConfig('cluster-failover', false),
  ['crash'],
);

export const clusterFailoverSyncScenario = scenario(
  'cluster-failover-sync',
  'A primary crashes and fails over under synchronous replication (WAIT all replicas): no acknowledged write may be lost',
  crashConfig('cluster-failover-sync', true),
  ['crash'],
);

export const clusterManualFailoverScenario = scenario(
  'cluster-manual-failover',
  'CLUSTER FAILOVER (default, FORCE, TAKEOVER) on a live primary, sometimes sent to two replicas at once; no faults',
  (seed, rng, bug) => {
    const options = drawClusterOptions(rng, { replicas: [2, 1 + rng.int(2), 2], reshards: 1, raceChance: 0.5 });
    return scriptedConfig('cluster-manual-failover', seed, bug, options, []);
  },
  [],
);

export const clusterPartitionScenario = scenario(
  'cluster-partition',
  'A primary is partitioned with a minority: the majority side elects and promotes a replica; the old primary loses its lease and rejoins as a replica',
  (seed, rng, bug) => {
    const options = drawClusterOptions(rng, { replicas: [2, 2, 2], reshards: 1, failover: false });
    const shard = pick(rng, options.shards);
    // The minority: the primary, and perhaps one node of another shard that is not a config voter.
    const extra = options.nodes.filter((n) => !options.configVoters.includes(n) && !shard.replicas.includes(n) && n !== shard.primary);
    const minority = [shard.primary, ...(rng.next() < 0.5 && extra.length > 0 ? [pick(rng, extra)] : [])].sort();
    const majority = options.nodes.filter((n) => !minority.includes(n));
    const at = 2500 + rng.int(2000);
    const outMs = 5000 + rng.int(2000);
    const story = drawPartitionStory(rng, options, minority, at);
    const script = [`partition ${minority.join(',')} | ${majority.join(',')} at ${at}ms until ${at + outMs}ms`, ...story.lines].join('; ');
    // An operator may also force the issue: CLUSTER FAILOVER TAKEOVER on a replica of the cut-off shard, no election.
    const failovers: FailoverStep[] = rng.next() < 0.5 ? [{ atMs: at + 300 + rng.int(1500), shard: shard.id, mode: 'takeover', race: false }] : [];
    const tuned = { ...options, timing: story.timing, failovers };
    const expectFailover = outMs >= failoverOwedAfterMs(tuned) + story.delaysFailoverMs;
    return { ...scriptedConfig('cluster-partition', seed, bug, { ...tuned, script, expectFailover }, parseFaultScript(script)), clock: PARTITION_CLOCK };
  },
  ['partition', 'crash', 'clock'],
);

/**
 * The partition scenario's clocks may step by up to 100 ms: the lease margin (250 ms) still covers
 * two such steps in opposite directions plus drift over the longest lease (lease.ts marginMs).
 */
const PARTITION_CLOCK = { maxSkewMs: 100, maxDriftPpm: 200 };

/**
 * Swarm testing of what happens around the cut (each drawn per seed): the cut-off primary's clock
 * steps back and the majority's config voters' step forward (a lease counted without its margin
 * would then outlast the voters' promises in real time); the majority's config voters blip (crash
 * and restart at once: they forgot their promises, lease.ts); and a long lease with a fast failure
 * detector, so the failover is decided while the old primary's lease still runs.
 */
function drawPartitionStory(rng: Rng, o: ClusterScenarioOptions, minority: readonly NodeId[], at: number): { lines: string[]; timing: ClusterTiming; delaysFailoverMs: number } {
  const voters = o.configVoters.filter((v) => !minority.includes(v));
  const lines: string[] = [];
  const t = o.timing ?? CLASSIC_TIMING;
  const timing = rng.next() < 0.5 ? { ...t, leaseMs: 3000, swimPeriodMs: 150, suspicionMult: 3 } : t;
  if (rng.next() < 0.5) {
    lines.push(...minority.map((n) => `clock ${n} at ${at}ms skew -100ms`), ...voters.map((v) => `clock ${v} at ${at}ms skew 100ms`));
  }
  let delaysFailoverMs = 0;
  if (rng.next() < 0.5) {
    const crashAt = at + 100 + rng.int(400);
    const downMs = 100 + rng.int(300);
    for (const v of voters) lines.push(`crash ${v} at ${crashAt}ms`, `restart ${v} at ${crashAt + downMs}ms`);
    // Restarted voters grant no vote for a lease's length (lease.ts): the failover owed comes that much later.
    delaysFailoverMs = crashAt + downMs - at + timing.leaseMs;
  }
  return { lines, timing, delaysFailoverMs };
}

export const clusterScenarios: readonly Scenario[] = [
  clusterScenario,
  clusterMigrationScenario,
  clusterMigrationCrashScenario,
  clusterFailoverScenario,
  clusterFailoverSyncScenario,
  clusterManualFailoverScenario,
  clusterPartitionScenario,
];
