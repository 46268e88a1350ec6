/**
 * The speed targets of realistic runs, beside the floors of the same process (`npm run bench --
 * targets`), so that figures taken on a busy machine still compare:
 *
 * - floors: a bare binary-heap event loop, and the kernel with a no-op ping-pong protocol;
 * - the default `cluster` scenario, every checker on, seeds one after another in this process:
 *   simulated seconds per wall second (target 1,000x) and events per second;
 * - a loaded five-node Raft (4 clients, 0-5 ms think time) with every safety checker (target 1,000x);
 * - a sweep through the command line, `--workers 1` and `--workers 2` (target: 2 workers at least
 *   1.8x one on a two-core machine); the sweep's own wall time, worker start included.
 *
 * Wall figures are the best of three repetitions; CPU figures (this thread's and GC's CPU time,
 * from process.cpuUsage) show what a loaded machine takes away. TARGETS_SEEDS=N sets the in-process
 * cluster seeds (default 20), TARGETS_SWEEP=N the command-line sweep's (default 100, 0 skips it).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runWorld } from '../sim/kernel.ts';
import { configFor } from '../sim/run.ts';
import { findScenario } from '../scenarios/index.ts';
import { floorRate, kernelRate, pingPong } from './kernel.bench.ts';
import { timeCluster } from './raft.bench.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Timing {
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

function timed(f: () => { events: number; simulatedMs: number }): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now(); // determinism-ok: wall time of a benchmark
  const r = f();
  const wallMs = performance.now() - start; // determinism-ok
  const used = process.cpuUsage(cpu);
  return { ...r, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function best(runs: number, f: () => Timing): Timing {
  let out: Timing | null = null;
  for (let k = 0; k < runs; k++) {
    const r = f();
    if (out === null || r.wallMs < out.wallMs) out = r;
  }
  return out!;
}

function clusterSeeds(seeds: number): { events: number; simulatedMs: number } {
  const scenario = findScenario('cluster')!;
  let events = 0;
  let simulatedMs = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const config = configFor(scenario, seed);
    const r = runWorld(config, scenario.build(config));
    if (r.violation) throw new Error(`cluster seed ${seed}: ${r.violation.invariant}`);
    events += r.events;
    simulatedMs += r.simulatedMs;
  }
  return { events, simulatedMs };
}

function sweep(seeds: number, workers: number): { wallMs: number; processMs: number } {
  const start = performance.now(); // determinism-ok
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', '--scenario', 'cluster', '--seeds', `1..${seeds}`, '--workers', String(workers), '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const processMs = performance.now() - start; // determinism-ok
  if (r.status !== 0) throw new Error(`sim --workers ${workers} exited ${r.status}: ${r.stderr}`);
  return { wallMs: (JSON.parse(r.stdout) as { wallMs: number }).wallMs, processMs };
}

const line = (name: string, t: Timing, floor: number) =>
  `${name.padEnd(52)} ${(t.simulatedMs / t.wallMs).toFixed(0).padStart(6)}x real time (CPU: ${(t.simulatedMs / t.cpuMs).toFixed(0).padStart(5)}x)  ` +
  `${((t.events / t.wallMs) * 1000).toFixed(0).padStart(8)} events/s, ${((t.events / t.wallMs) * 1000 / floor).toFixed(4)} of the bare heap loop`;

export default function targetsBench(): void {
  const seeds = Number(process.env.TARGETS_SEEDS ?? 20);
  const sweepSeeds = Number(process.env.TARGETS_SWEEP ?? 100);
  floorRate(2, 500_000); // warm-up
  kernelRate(pingPong, 2, 200_000);
  const floors = [0, 1, 2].map(() => floorRate(2, 2_000_000)).sort((a, b) => a.ms - b.ms)[0]!;
  const kernels = [0, 1, 2].map(() => kernelRate(pingPong, 2, 1_000_000)).sort((a, b) => a.ms - b.ms)[0]!;
  const floor = (floors.events / floors.ms) * 1000;
  const kernel = (kernels.events / kernels.ms) * 1000;
  console.log(`${'floor: bare heap loop, 2 in flight'.padEnd(52)} ${(floor / 1e6).toFixed(2)} M events/s`);
  console.log(`${'kernel, no-op ping-pong, 2 nodes'.padEnd(52)} ${(kernel / 1e6).toFixed(2)} M events/s, ${(kernel / floor).toFixed(2)} of the bare heap loop`);

  clusterSeeds(2); // warm-up
  console.log(line(`cluster scenario, seeds 1..${seeds}, every checker`, best(3, () => timed(() => clusterSeeds(seeds))), floor));

  timeCluster(true, 5_000, 'all'); // warm-up
  const raft = best(3, () => timed(() => {
    const r = timeCluster(true, 20_000, 'all');
    return { events: r.events, simulatedMs: 20_000 };
  }));
  console.log(line('raft, 5 servers, 4 clients, every safety checker', raft, floor));

  if (sweepSeeds > 0) {
    const one = sweep(sweepSeeds, 1);
    const two = sweep(sweepSeeds, 2);
    console.log(`${`cluster sweep, seeds 1..${sweepSeeds}, npm run sim --workers 1`.padEnd(52)} ${(one.wallMs / 1000).toFixed(1)} s (${(one.processMs / 1000).toFixed(1)} s with the process's start)`);
    console.log(`${`cluster sweep, seeds 1..${sweepSeeds}, npm run sim --workers 2`.padEnd(52)} ${(two.wallMs / 1000).toFixed(1)} s (${(two.processMs / 1000).toFixed(1)} s with the process's start): ${(one.wallMs / two.wallMs).toFixed(2)}x one worker (${(one.processMs / two.processMs).toFixed(2)}x with the starts)`);
  }
  console.log('targets: cluster and loaded raft at least 1,000x real time; 2 workers at least 1.8x one');
}
