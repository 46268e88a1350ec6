/**
 * Raft throughput: how much faster than real time the simulator runs a five-node cluster, idle
 * (heartbeats only) and loaded (clients writing and reading as fast as they get answers), with
 * and without the invariant checkers; then events per second of the `raft` scenario's swarm runs.
 * Target: an idle five-node cluster at least 5,000 times faster than real time.
 *
 * Each figure is the best of three repetitions after a warm-up, so a busy machine shows less.
 */
import { runWorld } from '../sim/kernel.ts';
import { configFor } from '../sim/run.ts';
import { nodeIds } from '../sim/configure.ts';
import { calmNetwork } from '../sim/network.ts';
import type { InvariantChecker, RunConfig, World } from '../sim/scenario.ts';
import { createKvClientProtocol, createKvRaftProtocol } from '../core/raft/index.ts';
import { raftCheckers } from '../checkers/raft.ts';
import { raftScenario } from '../scenarios/raft/index.ts';

const SERVERS = nodeIds('n', 5);
const CLIENTS = nodeIds('c', 4);
const SEEDS = 40;

type Checkers = 'none' | 'cheap' | 'all';

/** Five servers (and, loaded, four clients writing and reading as fast as they are answered), calm network, no faults. */
export function cluster(loaded: boolean, durationMs: number, checkers: Checkers): { config: RunConfig; world: World } {
  const config: RunConfig = {
    scenario: 'raft-bench',
    seed: 1,
    bug: null,
    options: {},
    network: { base: calmNetwork },
    clock: { maxSkewMs: 0, maxDriftPpm: 0 },
    faults: [],
    durationMs,
    quietMs: 0,
    maxEvents: 100_000_000,
  };
  const server = createKvRaftProtocol({ voters: SERVERS });
  const client = createKvClientProtocol({
    servers: SERVERS,
    workload: { operations: 1_000_000, keys: ['a', 'b', 'c', 'd'], thinkMsMin: 0, thinkMsMax: 5 },
  });
  // No quiet phase here, so no liveness checker: every safety checker, the history check included.
  const all: InvariantChecker[] = raftCheckers({ durationMs, quietMs: 0 }).filter((c) => c.kind === 'safety');
  const world: World = {
    nodes: [
      ...SERVERS.map((id) => ({ id, protocol: server, faultable: true, role: 'server' })),
      ...(loaded ? CLIENTS.map((id) => ({ id, protocol: client, faultable: false, role: 'client' })) : []),
    ],
    commands: [],
    // 'cheap': every per-event and per-observation checker, without the end-of-run history check.
    checkers: checkers === 'none' ? [] : checkers === 'cheap' ? all.filter((c) => c.name !== 'linearizable') : all,
  };
  return { config, world };
}

function best<T extends { wallMs: number }>(runs: number, f: () => T): T {
  let out: T | null = null;
  for (let k = 0; k < runs; k++) {
    const r = f();
    if (out === null || r.wallMs < out.wallMs) out = r;
  }
  return out as T;
}

export function timeCluster(loaded: boolean, simulatedMs: number, checkers: Checkers): { events: number; wallMs: number; ops: number } {
  const { config, world } = cluster(loaded, simulatedMs, checkers);
  let ops = 0;
  const start = performance.now(); // determinism-ok: wall-clock timing of the benchmark itself
  const r = runWorld(config, world, { onObservation: (_, o) => void ((o as { kind?: string }).kind === 'ok' && ops++) });
  const wallMs = performance.now() - start; // determinism-ok: wall-clock timing of the benchmark itself
  if (r.violation !== null) throw new Error(`raft bench: ${r.violation.invariant}: ${r.violation.message}`);
  return { events: r.events, wallMs, ops };
}

function scenarioSweep(withCheckers: boolean): { events: number; wallMs: number } {
  let events = 0;
  let wallMs = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const config = configFor(raftScenario, seed);
    const world = raftScenario.build(config);
    const start = performance.now(); // determinism-ok: wall-clock timing of the benchmark itself
    events += runWorld(config, withCheckers ? world : { ...world, checkers: [] }).events;
    wallMs += performance.now() - start; // determinism-ok: wall-clock timing of the benchmark itself
  }
  return { events, wallMs };
}

export default function raftBench(): void {
  const rows: [string, boolean, number, Checkers][] = [
    ['idle, no checkers', false, 600_000, 'none'],
    ['idle, every safety checker', false, 600_000, 'all'],
    ['loaded, no checkers', true, 20_000, 'none'],
    ['loaded, safety checkers but linearizable', true, 20_000, 'cheap'],
    ['loaded, every safety checker', true, 20_000, 'all'],
  ];
  timeCluster(false, 600_000, 'none'); // warm-up
  timeCluster(true, 20_000, 'none');
  console.log('five servers (150-300 ms election timeout, 50 ms heartbeat), calm network (1-5 ms); loaded: 4 clients, 0-5 ms think time');
  for (const [name, loaded, simulatedMs, checkers] of rows) {
    const { events, wallMs, ops } = best(3, () => timeCluster(loaded, simulatedMs, checkers));
    const speed = simulatedMs / wallMs;
    console.log(
      `${name.padEnd(41)} ${(simulatedMs / 1000).toFixed(0).padStart(4)} s simulated in ${wallMs.toFixed(0).padStart(5)} ms: ` +
        `${speed.toFixed(0).padStart(6)}x real time  ${((events / wallMs) * 1000).toFixed(0).padStart(8)} events/s` +
        (loaded ? `  ${((ops / simulatedMs) * 1000).toFixed(0)} client ops per simulated s` : ''),
    );
  }
  scenarioSweep(false); // warm-up
  for (const [name, withCheckers] of [
    ['raft scenario, no checkers', false],
    ['raft scenario, every checker', true],
  ] as const) {
    const { events, wallMs } = best(3, () => scenarioSweep(withCheckers));
    console.log(`${name.padEnd(41)} ${SEEDS} seeds ${String(events).padStart(9)} events  ${((events / wallMs) * 1000).toFixed(0).padStart(8)} events/s  ${(wallMs / SEEDS).toFixed(1)} ms/run`);
  }
}
