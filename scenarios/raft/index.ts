/**
 * Raft scenarios: a replicated key-value store (core/raft) under swarm faults, with clients
 * running a random workload whose history must be linearizable.
 *
 *   raft             3-5 servers, 2-4 clients, a few leadership transfers; 10 s of faults, 5 s quiet
 *   raft-membership  5 servers of which 3 start as voters; servers are added and removed one at
 *                    a time while the faults run
 *
 * Named scenarios that each tell one story in a fault script (leader crash, leader isolated,
 * flapping partitions, restart storms, torn writes, snapshot catch-up, Figure 8, double votes)
 * are in stories.ts; they build their worlds with `buildRaftWorld` below.
 *
 * Every option a run uses is drawn from the seed in `configure` and stored in the config's
 * options (swarm testing): cluster size, snapshot interval, batch size, PreVote and CheckQuorum
 * on or off, how clients read, and the operator's schedule.
 */
import type { NodeId, Rng } from '../../core/contract/protocol.ts';
import type { LastingFault, RunConfig, Scenario, TimedCommand, World } from '../../sim/scenario.ts';
import { allFaultKinds } from '../../sim/faults.ts';
import { nodeIds, swarmConfig } from '../../sim/configure.ts';
import { RAFT_BUGS, createKvClientProtocol, createKvRaftProtocol, isRaftBug, type RaftCommand } from '../../core/raft/index.ts';
import type { KvCommand } from '../../core/raft/kv.ts';
import { raftCheckers, snapshotInstalled } from '../../checkers/raft.ts';

export interface RaftScenarioOptions {
  /** All servers, sorted. */
  readonly servers: readonly NodeId[];
  /** The bootstrap voters (the rest join through membership changes). */
  readonly voters: readonly NodeId[];
  readonly clients: readonly NodeId[];
  /** Per client, the weights of its operation kinds (some clients mostly read: they notice stale reads). */
  readonly clientMixes: readonly { readonly get: number; readonly put: number; readonly append: number; readonly cas: number }[];
  readonly opsPerClient: number;
  /** How long a client waits for an answer before it tries the next server. */
  readonly requestTimeoutMs: number;
  readonly keys: readonly string[];
  readonly snapshotEveryEntries: number;
  readonly maxEntriesPerMessage: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly readMode: 'readIndex' | 'log';
  /** Operator commands, sent to every server at `atMs` (only the leader acts on them). */
  readonly operations: readonly { readonly atMs: number; readonly command: RaftCommand<KvCommand> }[];
  /** Election timing (Raft's defaults when absent: 150-300 ms, heartbeat 50 ms). */
  readonly electionTimeoutMinMs?: number;
  readonly electionTimeoutMaxMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Longest pause of a client between two operations (default 150 ms). */
  readonly thinkMsMax?: number;
  /** A named scenario's fault plan in the script form it was written in (sim/faults.ts), for people reading a report. */
  readonly script?: string;
  /** Servers that must have installed a snapshot sent by a leader by the end of the run (a named scenario's goal). */
  readonly expectSnapshotInstalled?: readonly NodeId[];
  /** Servers that lasting faults (`RunConfig.lasting`) impair after the heal: liveness is asked of the others. */
  readonly impaired?: readonly NodeId[];
}

const DURATION_MS = 10_000;
const QUIET_MS = 5_000;
const faultKinds = allFaultKinds; // every kind but `forge`: Raft messages are not authenticated

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

function drawOptions(rng: Rng, membership: boolean): RaftScenarioOptions {
  const servers = nodeIds('n', membership ? 5 : 3 + rng.int(3));
  const voters = membership ? servers.slice(0, 3) : servers;
  const clients = nodeIds('c', 2 + rng.int(3));
  const operations: { atMs: number; command: RaftCommand<KvCommand> }[] = [];
  const count = membership ? 4 + rng.int(5) : rng.int(4);
  for (let k = 0; k < count; k++) {
    const atMs = 500 + rng.int(DURATION_MS - 1_000);
    const node = pick(rng, servers);
    const command: RaftCommand<KvCommand> = membership
      ? rng.next() < 0.5
        ? { type: 'addServer', node }
        : { type: 'removeServer', node }
      : { type: 'transferLeadership', to: node };
    operations.push({ atMs, command });
  }
  operations.sort((a, b) => a.atMs - b.atMs);
  return {
    servers,
    voters,
    clients,
    clientMixes: clients.map(() => (rng.next() < 0.3 ? { get: 1, put: 0, append: 0, cas: 0 } : { get: 4, put: 3, append: 1, cas: 2 })),
    requestTimeoutMs: pick(rng, [150, 300, 500]),
    opsPerClient: 60 + rng.int(60),
    keys: ['a', 'b', 'c'].slice(0, 1 + rng.int(3)),
    snapshotEveryEntries: pick(rng, [0, 5, 20, 100]),
    maxEntriesPerMessage: pick(rng, [1, 3, 64]),
    preVote: rng.next() < 0.5,
    checkQuorum: rng.next() < 0.5,
    readMode: rng.next() < 0.8 ? 'readIndex' : 'log',
    operations,
    // Swarm of timing: tight and loose elections (heartbeat a third of the shortest timeout), busy
    // and idle clients, so rare interleavings (a heartbeat racing an election) come up.
    ...timing(rng),
  };
}

function timing(rng: Rng): Pick<RaftScenarioOptions, 'electionTimeoutMinMs' | 'electionTimeoutMaxMs' | 'heartbeatIntervalMs' | 'thinkMsMax'> {
  const min = pick(rng, [100, 150, 150, 300]);
  return { electionTimeoutMinMs: min, electionTimeoutMaxMs: 2 * min, heartbeatIntervalMs: Math.round(min / 3), thinkMsMax: pick(rng, [20, 150, 150, 400]) };
}

function configure(name: string, membership: boolean) {
  return (seed: number, rng: Rng, bug: string | null): RunConfig => {
    const options = drawOptions(rng, membership);
    return swarmConfig({
      scenario: name,
      seed,
      bug,
      options: { ...options },
      servers: options.servers,
      kinds: faultKinds,
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
    });
  };
}

/** The world a config describes: servers, clients, the operator's commands and every Raft checker. */
export function buildRaftWorld(config: RunConfig): World {
  const o = config.options as unknown as RaftScenarioOptions;
  if (config.bug !== null && !isRaftBug(config.bug)) throw new Error(`unknown raft bug ${config.bug}`);
  const server = createKvRaftProtocol({
    voters: o.voters,
    snapshotEveryEntries: o.snapshotEveryEntries,
    maxEntriesPerMessage: o.maxEntriesPerMessage,
    preVote: o.preVote,
    checkQuorum: o.checkQuorum,
    ...(o.electionTimeoutMinMs !== undefined ? { electionTimeoutMinMs: o.electionTimeoutMinMs } : {}),
    ...(o.electionTimeoutMaxMs !== undefined ? { electionTimeoutMaxMs: o.electionTimeoutMaxMs } : {}),
    ...(o.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: o.heartbeatIntervalMs } : {}),
    bugs: config.bug === null ? [] : [config.bug],
  });
  const client = (k: number) =>
    createKvClientProtocol({
      servers: o.servers,
      readMode: o.readMode,
      requestTimeoutMs: o.requestTimeoutMs,
      maxAttempts: 10,
      workload: { operations: o.opsPerClient, keys: o.keys, thinkMsMin: 10, thinkMsMax: o.thinkMsMax ?? 150, mix: o.clientMixes[k] ?? { get: 4, put: 3, append: 1, cas: 2 } },
    });
  const commands: TimedCommand[] = [];
  for (const op of o.operations) for (const node of o.servers) commands.push({ atMs: op.atMs, node, command: op.command });
  return {
    nodes: [
      ...o.servers.map((id) => ({ id, protocol: server, faultable: true, role: 'server' })),
      ...o.clients.map((id, k) => ({ id, protocol: client(k), faultable: false, role: 'client' })),
    ],
    commands,
    checkers: [
      ...raftCheckers({ durationMs: config.durationMs, quietMs: config.quietMs, impaired: o.impaired ?? [] }),
      ...(o.expectSnapshotInstalled ?? []).map((node) => snapshotInstalled(node)),
    ],
  };
}

/**
 * What one server suffers for good after the heal (the liveness mode with lasting faults): it can
 * send nothing, hear nothing, or is cut off (impaired: the others, a majority, must still elect a
 * leader among themselves, commit and apply); or its links lose a third or more of the messages,
 * or are slow (it stays a member in full, and may lead: everyone must make progress).
 */
function drawLasting(rng: Rng, servers: readonly NodeId[]): { lasting: LastingFault[]; impaired: NodeId[] } {
  const x = pick(rng, servers);
  const others = servers.filter((s) => s !== x);
  const links = (conditions: LastingFault & { type: 'network' }) => [conditions, { ...conditions, links: { from: ['*'], to: [x] } }];
  switch (rng.int(5)) {
    case 0:
      return { lasting: [{ atMs: 0, type: 'oneway', from: [x], to: others }], impaired: [x] };
    case 1:
      return { lasting: [{ atMs: 0, type: 'oneway', from: others, to: [x] }], impaired: [x] };
    case 2:
      return { lasting: [{ atMs: 0, type: 'partition', groups: [[x], others] }], impaired: [x] };
    case 3:
      return { lasting: links({ atMs: 0, type: 'network', conditions: { lossRate: 0.3 + 0.2 * rng.next() }, links: { from: [x], to: ['*'] } }), impaired: [] };
    default:
      return { lasting: links({ atMs: 0, type: 'network', conditions: { latency: { kind: 'uniform', minMs: 100, maxMs: 300 } }, links: { from: [x], to: ['*'] } }), impaired: [] };
  }
}

export const raftLastingScenario: Scenario = {
  name: 'raft-lasting',
  description: 'Raft key-value store with CheckQuorum and PreVote, then a lasting fault after the heal: one server cannot send, cannot hear, is cut off, or has lossy or slow links for good; the others must make progress',
  bugs: RAFT_BUGS,
  faultKinds,
  configure(seed, rng, bug) {
    // CheckQuorum and PreVote on: without them Raft does not promise progress here (a leader that
    // hears nobody but is heard by all keeps its followers forever; a server that hears nobody
    // keeps raising the term).
    const options = { ...drawOptions(rng, false), checkQuorum: true, preVote: true };
    const { lasting, impaired } = drawLasting(rng, options.servers);
    const config = swarmConfig({ scenario: 'raft-lasting', seed, bug, options: { ...options, impaired }, servers: options.servers, kinds: faultKinds, durationMs: DURATION_MS, quietMs: 8_000 });
    return { ...config, lasting };
  },
  build: buildRaftWorld,
};

export const raftScenario: Scenario = {
  name: 'raft',
  description: 'Raft key-value store: 3-5 servers, 2-4 clients (linearizability checked), leader transfers; swarm faults incl. torn writes',
  bugs: RAFT_BUGS,
  faultKinds,
  configure: configure('raft', false),
  build: buildRaftWorld,
  // The rare branches of Figure 2 and the thesis that 100 seeds reach (each 20 or more times on
  // correct code): a rule that stops being exercised, or a transfer that can never win, fails a sweep.
  sometimes: {
    seeds: 100,
    events: [
      'raft/vote-refused-stale-log',
      'raft/vote-refused-already-voted',
      'raft/prevote-refused',
      'raft/vote-ignored-in-lease',
      'raft/append-rejected-mismatch',
      'raft/append-skipped-committed',
      'raft/truncated-conflict',
      'raft/snapshot-sent',
      'raft/snapshot-installed',
      'raft/stale-term-refused',
      'raft/checkquorum-stepdown',
      'raft/leader-stepped-down',
      'raft/read-confirmed',
      'raft/transfer-timeout-now',
      'raft/transfer-won',
    ],
    // 74-87 wins of 80-104 TimeoutNows per 100 seeds on correct code: a transfer that can rarely win is broken.
    atLeast: { 'raft/transfer-won': 20 },
  },
};

export const raftMembershipScenario: Scenario = {
  name: 'raft-membership',
  description: 'Raft key-value store with single-server membership changes: 5 servers, 3 voters at first; swarm faults',
  bugs: RAFT_BUGS,
  faultKinds,
  configure: configure('raft-membership', true),
  build: buildRaftWorld,
};
