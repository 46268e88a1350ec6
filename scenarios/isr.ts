/**
 * ISR replication scenarios (core/isr): a Raft group of 3 metadata controllers (k1-k3), brokers
 * (b1-b5) replicating a topic's partitions, producers (p1, p2) writing with acks=1 and acks=all,
 * and a consumer (c1) reading below the high watermark. Controllers and brokers are the members of
 * one SWIM group, the brokers' failure detector.
 *
 *   isr                 swarm: 3-5 brokers, 2-5 partitions, sometimes a broker joining or leaving;
 *                       swarm faults over controllers and brokers
 *   isr-crash           a broker crashes and stays down until SWIM has declared it dead; another
 *                       one crashes and comes back before SWIM could
 *   isr-false-dead      a broker stalls, then is cut off, each time long enough for SWIM to declare
 *                       it dead while it runs: fenced, its partitions move, it refutes and comes back
 *   isr-slow-follower   a follower stalls for longer than replica.lag.time.max (but not long enough
 *                       for SWIM to declare it dead), three times, then the network slows down:
 *                       followers drop out of the ISR and come back
 *   isr-isolated-leader a broker and a controller are cut off together, a minority
 *   isr-rolling         every broker, then every controller, restarted in turn
 *   isr-power-loss      every broker crashes at once and they restart one by one (KIP-101's story)
 *   isr-join            two brokers join SWIM (replicas move to them), then one leaves (its replicas
 *                       move away, then it leaves SWIM)
 *   isr-lagging-replica the last in-sync replicas die: b3 is cut off from the other brokers (not from
 *                       the controllers, so SWIM keeps it alive) and falls out of every ISR; b1 and b2
 *                       crash; SWIM declares them dead; clean election waits for them to come back
 *   isr-unclean         swarm, with unclean leader election on by choice: what it loses is measured
 *   isr-unclean-loss    isr-lagging-replica with unclean election on: b3 is elected, data is lost, measured
 *
 * In every run the clients audit the logs 1.5 s before the end (final reads from offset 0) and
 * report what is missing as metrics (`acked_writes_lost_unclean`, `acks1_writes_lost`,
 * `consumed_then_lost`). Every option a run uses is drawn from the seed in `configure` and stored
 * in the config, so a report replays alone.
 */
import type { NodeId, Rng } from '../core/contract/protocol.ts';
import type { RunConfig, Scenario, TimedCommand, World } from '../sim/scenario.ts';
import { allFaultKinds, parseFaultScript } from '../sim/faults.ts';
import { defaultClock, nodeIds, swarmConfig } from '../sim/configure.ts';
import { calmNetwork } from '../sim/network.ts';
import {
  ISR_BUGS,
  createAssigner,
  createBrokerProtocol,
  createConsumerProtocol,
  createControllerProtocol,
  createProducerProtocol,
  isIsrBug,
  type Assign,
  type BrokerCommand,
  type IsrConfig,
} from '../core/isr/index.ts';
import { ISR_DEFAULTS } from '../core/isr/config.ts';
import { AUDIT_DEADLINE_MS } from '../core/isr/clients.ts';
import type { RaftCommand } from '../core/raft/types.ts';
import type { MetadataCommand } from '../core/isr/types.ts';
import { isrCheckers, type IsrCheckOptions } from '../checkers/isr.ts';
import { isrRuleCheckers } from '../checkers/isr-rules.ts';

export interface IsrScenarioOptions {
  readonly controllers: readonly NodeId[];
  /** Every broker of the run, sorted; those not in `initialBrokers` wait for a `join`. */
  readonly brokers: readonly NodeId[];
  readonly initialBrokers: readonly NodeId[];
  readonly partitions: number;
  readonly producers: readonly NodeId[];
  readonly consumers: readonly NodeId[];
  readonly opsPerProducer: number;
  readonly acksAllRatio: number;
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  readonly minInsyncReplicas: number;
  readonly replicaLagTimeMaxMs: number;
  readonly uncleanLeaderElection: boolean;
  /**
   * Records per fetch (Kafka's max.partition.fetch.bytes, in records): drawn small in the swarm so
   * followers far behind are common and catch up over many fetches. Absent: the protocol's default.
   */
  readonly maxFetchRecords?: number;
  /** Broker commands (join, leave), and controller commands sent to every controller (only the leader acts). */
  readonly operations: readonly { readonly atMs: number; readonly node: NodeId; readonly command: BrokerCommand | RaftCommand<MetadataCommand> }[];
}

export const ISR_TOPIC = 'events';
/** The clients' final audit starts this long before the end of a run (and is over before it). */
export const AUDIT_LEAD_MS = 1500;
export const ISR_REPLICATION_FACTOR = 3;
export const ISR_VIRTUAL_NODES = 128;
const CONTROLLERS = nodeIds('k', 3);

/** Assigners per topic shape, shared by every run of this process: memos of a pure function. */
const assigners = new Map<string, Assign>();

function assignerFor(partitions: number): Assign {
  const key = `${ISR_TOPIC}/${partitions}`;
  let a = assigners.get(key);
  if (a === undefined) {
    a = createAssigner({ topic: ISR_TOPIC, partitions, replicationFactor: ISR_REPLICATION_FACTOR, virtualNodes: ISR_VIRTUAL_NODES });
    assigners.set(key, a);
  }
  return a;
}

export function checkOptionsOf(o: IsrScenarioOptions): IsrCheckOptions {
  return {
    topic: ISR_TOPIC,
    partitions: o.partitions,
    replicationFactor: ISR_REPLICATION_FACTOR,
    virtualNodes: ISR_VIRTUAL_NODES,
    minInsyncReplicas: o.minInsyncReplicas,
    uncleanAllowed: o.uncleanLeaderElection,
  };
}

/** The servers of a run: controllers and brokers (they take faults; clients don't). */
export function isrServers(o: Pick<IsrScenarioOptions, 'controllers' | 'brokers'>): NodeId[] {
  return [...o.controllers, ...o.brokers].sort();
}

/** The world a config describes. */
export function buildIsrWorld(config: RunConfig): World {
  const o = config.options as unknown as IsrScenarioOptions;
  if (config.bug !== null && !isIsrBug(config.bug)) throw new Error(`unknown isr bug ${config.bug}`);
  const assign = assignerFor(o.partitions);
  const isr: IsrConfig = {
    controllers: o.controllers,
    brokers: o.brokers,
    initialBrokers: o.initialBrokers,
    topic: ISR_TOPIC,
    partitions: o.partitions,
    replicationFactor: ISR_REPLICATION_FACTOR,
    virtualNodes: ISR_VIRTUAL_NODES,
    minInsyncReplicas: o.minInsyncReplicas,
    replicaLagTimeMaxMs: o.replicaLagTimeMaxMs,
    uncleanLeaderElection: o.uncleanLeaderElection,
    ...(o.maxFetchRecords !== undefined ? { maxFetchRecords: o.maxFetchRecords } : {}),
    bug: config.bug as IsrConfig['bug'],
  };
  const controller = createControllerProtocol(isr, assign);
  const broker = createBrokerProtocol(isr);
  const producer = createProducerProtocol({
    brokers: o.brokers,
    partitions: o.partitions,
    operations: o.opsPerProducer,
    acksAllRatio: o.acksAllRatio,
    thinkMsMin: o.thinkMsMin,
    thinkMsMax: o.thinkMsMax,
  });
  const consumer = createConsumerProtocol({ brokers: o.brokers, partitions: o.partitions, pollIntervalMs: 60 });
  const commands: TimedCommand[] = [];
  for (const op of o.operations) {
    if (op.node === 'controllers') for (const k of o.controllers) commands.push({ atMs: op.atMs, node: k, command: op.command });
    else commands.push({ atMs: op.atMs, node: op.node, command: op.command });
  }
  // Jepsen's final reads: every client audits what it was told against the logs, near the end.
  const auditAtMs = config.durationMs + config.quietMs - AUDIT_LEAD_MS;
  if (auditAtMs > config.durationMs && AUDIT_LEAD_MS > AUDIT_DEADLINE_MS) {
    for (const id of [...o.producers, ...o.consumers]) commands.push({ atMs: auditAtMs, node: id, command: { type: 'audit' } });
  }
  return {
    nodes: [
      ...o.controllers.map((id) => ({ id, protocol: controller, faultable: true, role: 'controller' })),
      ...o.brokers.map((id) => ({ id, protocol: broker, faultable: true, role: 'broker' })),
      ...o.producers.map((id) => ({ id, protocol: producer, faultable: false, role: 'client' })),
      ...o.consumers.map((id) => ({ id, protocol: consumer, faultable: false, role: 'client' })),
    ],
    commands,
    checkers: [
      ...isrCheckers(checkOptionsOf(o), assign),
      ...isrRuleCheckers({ uncleanAllowed: o.uncleanLeaderElection, replicaLagTimeMaxMs: o.replicaLagTimeMaxMs, tickIntervalMs: ISR_DEFAULTS.tickIntervalMs }),
    ],
  };
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

function baseOptions(rng: Rng, brokers: number, partitions: number): IsrScenarioOptions {
  const all = nodeIds('b', brokers);
  return {
    controllers: CONTROLLERS,
    brokers: all,
    initialBrokers: all,
    partitions,
    producers: nodeIds('p', 2),
    consumers: ['c1'],
    opsPerProducer: 400,
    acksAllRatio: pick(rng, [0.5, 0.8, 1]),
    thinkMsMin: 10,
    thinkMsMax: 80,
    minInsyncReplicas: 2,
    replicaLagTimeMaxMs: pick(rng, [300, 500]),
    uncleanLeaderElection: false,
    operations: [],
  };
}

const SWARM_DURATION_MS = 6_000;
/**
 * Long enough for the slowest recovery seen after a heal: Lifeguard slows a degraded node's probes
 * up to 8 times, so a controller that suspected a broker just before the heal can hear of its
 * refutation late (test:deep --runs 500 --seed 7, isr case 68: the broker unfenced 4.13 s after the
 * heal; a 4 s quiet phase called that a liveness failure).
 */
const SWARM_QUIET_MS = 6_000;

function swarmOptions(rng: Rng, unclean: boolean): IsrScenarioOptions {
  const initial = 3 + rng.int(3);
  const joining = initial < 5 && rng.next() < 0.35;
  const base = baseOptions(rng, initial + (joining ? 1 : 0), 2 + rng.int(4));
  const operations: IsrScenarioOptions['operations'][number][] = [];
  const initialBrokers = base.brokers.slice(0, initial);
  if (joining) operations.push({ atMs: 500 + rng.int(SWARM_DURATION_MS - 1500), node: base.brokers[initial] as NodeId, command: { type: 'join' } });
  if (initial >= 4 && rng.next() < 0.25) operations.push({ atMs: 500 + rng.int(SWARM_DURATION_MS - 1500), node: pick(rng, initialBrokers), command: { type: 'leave' } });
  operations.sort((a, b) => a.atMs - b.atMs);
  return { ...base, initialBrokers, uncleanLeaderElection: unclean, operations, maxFetchRecords: pick(rng, [2, 5, 50, 50]) };
}

function swarmScenario(name: string, description: string, unclean: boolean): Scenario {
  return {
    name,
    description,
    bugs: ISR_BUGS,
    faultKinds: allFaultKinds,
    configure(seed, rng, bug) {
      const options = swarmOptions(rng, unclean);
      return swarmConfig({
        scenario: name,
        seed,
        bug,
        options: { ...options },
        servers: isrServers(options),
        kinds: allFaultKinds,
        durationMs: SWARM_DURATION_MS,
        quietMs: SWARM_QUIET_MS,
      });
    },
    build: buildIsrWorld,
  };
}

/** A scripted scenario: a fixed cast, a fault script (times in ms, drawn from the seed), a calm network. */
function scripted(args: {
  name: string;
  description: string;
  durationMs: number;
  quietMs: number;
  options: (rng: Rng) => IsrScenarioOptions;
  script: (rng: Rng, o: IsrScenarioOptions) => string;
}): Scenario {
  return {
    name: args.name,
    description: args.description,
    bugs: ISR_BUGS,
    faultKinds: allFaultKinds,
    configure(seed, rng, bug) {
      const options = args.options(rng);
      const script = args.script(rng, options);
      return {
        scenario: args.name,
        seed,
        bug,
        options: { ...options, script },
        network: { base: calmNetwork },
        clock: defaultClock,
        faults: parseFaultScript(script),
        durationMs: args.durationMs,
        quietMs: args.quietMs,
        maxEvents: 5_000_000,
      };
    },
    build: buildIsrWorld,
  };
}

/** `t` ms, shifted by up to `jitter` ms one way or the other. */
const at = (rng: Rng, t: number, jitter = 200): string => `${Math.max(0, t + rng.int(2 * jitter + 1) - jitter)}ms`;

export const isrScenario = swarmScenario(
  'isr',
  'ISR replication: 3 Raft controllers, 3-5 brokers (sometimes one joins or leaves), acks=1/all producers, a consumer; swarm faults',
  false,
);

export const isrUncleanScenario = swarmScenario(
  'isr-unclean',
  'ISR replication with unclean leader election on by choice: swarm faults; the acknowledged writes it loses are measured, not hidden',
  true,
);

export const isrCrashScenario = scripted({
  name: 'isr-crash',
  description: 'broker crash and restart: b1 is down until SWIM has declared it dead (3 s), b2 restarts before SWIM could (400 ms); both come back and catch up',
  durationMs: 7_000,
  quietMs: 4_000,
  options: (rng) => baseOptions(rng, 3, 4),
  script: (rng) => `crash b1 at ${at(rng, 1500)}; restart b1 at ${at(rng, 4500)}; crash b2 at ${at(rng, 5000)}; restart b2 at ${at(rng, 5400, 50)}`,
});

export const isrFalseDeadScenario = scripted({
  name: 'isr-false-dead',
  description: 'a live broker declared dead: b2 stalls for 3 s, later is cut off from everyone for about 3 s; SWIM declares it dead each time, it is fenced, refutes, is unfenced and catches up',
  durationMs: 8_000,
  quietMs: 4_000,
  options: (rng) => baseOptions(rng, 3, 4),
  script: (rng, o) => {
    const rest = isrServers(o).filter((n) => n !== 'b2');
    return [`pause b2 at ${at(rng, 1200)} for 3000ms`, `partition b2 | ${rest.join(',')} at ${at(rng, 4800)} until 7800ms`].join('; ');
  },
});

export const isrSlowFollowerScenario = scripted({
  name: 'isr-slow-follower',
  description: 'a slow follower: b3 stalls past replica.lag.time.max (not long enough for SWIM to declare it dead) three times, then latency spikes; followers leave the ISR and rejoin',
  durationMs: 8_000,
  quietMs: 4_000,
  options: (rng) => ({ ...baseOptions(rng, 3, 4), replicaLagTimeMaxMs: 250 }),
  script: (rng) =>
    [`pause b3 at ${at(rng, 1500)} for 450ms`, `pause b3 at ${at(rng, 3000)} for 450ms`, `pause b3 at ${at(rng, 4500)} for 450ms`, `latency 20..400ms at ${at(rng, 6000)} until 7000ms`].join('; '),
});

export const isrIsolatedLeaderScenario = scripted({
  name: 'isr-isolated-leader',
  description: 'a broker (leading some partitions) and a controller cut off with a minority for 3 s, while clients can still reach both sides',
  durationMs: 7_000,
  quietMs: 4_000,
  options: (rng) => baseOptions(rng, 3, 4),
  script: (rng, o) => {
    const broker = pick(rng, o.brokers);
    const controller = pick(rng, o.controllers);
    const rest = isrServers(o).filter((n) => n !== broker && n !== controller);
    return `partition ${broker},${controller} | ${rest.join(',')} at ${at(rng, 2000)} until ${at(rng, 5000)}`;
  },
});

export const isrRollingScenario = scripted({
  name: 'isr-rolling',
  description: 'rolling restart: every broker, then every controller, crashes and restarts 500 ms later, one every 1.5 s',
  durationMs: 10_500,
  quietMs: 4_000,
  options: (rng) => baseOptions(rng, 3, 4),
  script: (rng, o) =>
    [...o.brokers, ...o.controllers]
      .map((n, k) => {
        const t = 1000 + 1500 * k;
        return `crash ${n} at ${at(rng, t, 100)}; restart ${n} at ${t + 500}ms`;
      })
      .join('; '),
});

export const isrPowerLossScenario = scripted({
  name: 'isr-power-loss',
  description: "power loss (KIP-101's story): every broker crashes within 100 ms, then they restart one by one; the last ISR member must come back with its whole log",
  durationMs: 7_000,
  quietMs: 4_000,
  options: (rng) => baseOptions(rng, 3, 4),
  script: (rng, o) => {
    const order = [...o.brokers];
    for (let k = order.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [order[k], order[j]] = [order[j] as NodeId, order[k] as NodeId];
    }
    const crash = 2500 + rng.int(1000);
    return order.map((b, k) => `crash ${b} at ${crash + rng.int(100)}ms; restart ${b} at ${crash + 1500 + 400 * k}ms`).join('; ');
  },
});

export const isrJoinScenario = scripted({
  name: 'isr-join',
  description: 'broker join and leave through SWIM: b4 joins at 2 s and b5 at 4 s (replicas move to them), then b1 leaves at 6 s (its replicas move away, then it leaves SWIM)',
  durationMs: 8_000,
  quietMs: 5_000,
  options: (rng) => {
    const base = baseOptions(rng, 5, 6);
    return {
      ...base,
      initialBrokers: nodeIds('b', 3),
      operations: [
        { atMs: 2000, node: 'b4', command: { type: 'join' } },
        { atMs: 4000, node: 'b5', command: { type: 'join' } },
        { atMs: 6000, node: 'b1', command: { type: 'leave' } },
      ],
    };
  },
  script: () => '',
});

/**
 * The lagging replica: b3 is cut off from the other brokers (not from the controllers, so SWIM,
 * probing it through them, keeps it alive) and falls out of every ISR; then b1 and b2 crash
 * together. SWIM declares them dead; every partition's ISR is left with dead members only. With
 * clean election the partitions wait for b1 and b2 to come back; with unclean election b3 leads,
 * and what b1 and b2 had acknowledged since b3 fell behind is gone.
 */
function laggingReplica(args: { name: string; description: string; unclean: boolean }): Scenario {
  return scripted({
    name: args.name,
    description: args.description,
    durationMs: 8_000,
    quietMs: 4_000,
    options: (rng) => ({ ...baseOptions(rng, 3, 4), acksAllRatio: 0.8, uncleanLeaderElection: args.unclean }),
    script: (rng) => {
      const crash = at(rng, 4000, 100);
      return [
        'oneway b3 -> b1,b2 at 2000ms',
        'oneway b1,b2 -> b3 at 2000ms',
        `crash b1 at ${crash}; crash b2 at ${crash}`,
        'heal at 6500ms',
        `restart b1 at ${at(rng, 7000, 100)}; restart b2 at ${at(rng, 7000, 100)}`,
      ].join('; ');
    },
  });
}

export const isrLaggingReplicaScenario = laggingReplica({
  name: 'isr-lagging-replica',
  description:
    'the last in-sync replicas die: b3 cut off from b1 and b2 (not from the controllers) leaves every ISR, b1 and b2 crash; clean election waits for them, b3 is never elected',
  unclean: false,
});

export const isrUncleanLossScenario = laggingReplica({
  name: 'isr-unclean-loss',
  description:
    'unclean election losing data, measured: isr-lagging-replica with unclean election on, so once SWIM declares b1 and b2 dead b3 is elected and what they acknowledged since is gone',
  unclean: true,
});

export const isrScenarios: readonly Scenario[] = [
  isrScenario,
  isrCrashScenario,
  isrFalseDeadScenario,
  isrSlowFollowerScenario,
  isrIsolatedLeaderScenario,
  isrRollingScenario,
  isrPowerLossScenario,
  isrJoinScenario,
  isrLaggingReplicaScenario,
  isrUncleanScenario,
  isrUncleanLossScenario,
];
