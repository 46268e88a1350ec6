/**
 * The full cluster scenario's speed and what it measures (`npm run bench -- cluster`):
 *
 * 1. seeds per minute on one worker (seeds run in this process, one after another), events and
 *    simulated seconds per seed, and wall time per seed (median and worst);
 * 2. seeds per minute on two workers, through the command line (`npm run sim -- --scenario cluster
 *    --seeds 1..N --workers 2 --json`, in a child process);
 * 3. acknowledged writes lost by failovers under asynchronous replication (the partition scenario,
 *    where a cut-off primary keeps acknowledging until its lease runs out), against none under
 *    synchronous replication.
 *
 * CLUSTER_BENCH_SEEDS=N sets the seeds of parts 1 and 2 (default 100).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { configFor, runSeed } from '../sim/run.ts';
import { clusterScenarios } from '../scenarios/cluster.ts';
import { measureSeed, summarizeLoss } from '../properties/cluster/measure.ts';

const style = { head: [], border: [] };
const root = fileURLToPath(new URL('..', import.meta.url));
const byName = (name: string) => clusterScenarios.find((s) => s.name === name)!;

function oneWorker(seeds: number) {
  const scenario = byName('cluster');
  runSeed(scenario, 1_000_000); // warm-up, not counted
  const walls: number[] = [];
  let events = 0;
  let simulatedMs = 0;
  let violations = 0;
  const started = performance.now(); // determinism-ok: wall time of a benchmark
  for (let seed = 1; seed <= seeds; seed++) {
    const t = performance.now(); // determinism-ok
    const r = runSeed(scenario, seed);
    walls.push(performance.now() - t); // determinism-ok
    events += r.events;
    simulatedMs += r.simulatedMs;
    if (r.violation) violations++;
  }
  const totalMs = performance.now() - started; // determinism-ok
  walls.sort((a, b) => a - b);
  return { seeds, totalMs, events, simulatedMs, violations, medianMs: walls[Math.floor(walls.length / 2)]!, maxMs: walls[walls.length - 1]! };
}

function twoWorkers(seeds: number) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', '--scenario', 'cluster', '--seeds', `1..${seeds}`, '--workers', '2', '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`sim exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { wallMs: number; runs: number; events: number; simulatedMs: number; violations: unknown[] };
  return out;
}

export default async function clusterBench(): Promise<void> {
  const seeds = Number(process.env.CLUSTER_BENCH_SEEDS ?? 100);
  const one = oneWorker(seeds);
  const two = twoWorkers(seeds);
  const speed = new Table({ head: ['cluster scenario', 'seeds', 'seeds/min', 'x real time', 'events/s', 'wall/seed (median, max)', 'events/seed', 'simulated s/seed', 'violations'], style });
  speed.push([
    '1 worker (in process)',
    one.seeds,
    Math.round((one.seeds / one.totalMs) * 60_000),
    Math.round(one.simulatedMs / one.totalMs),
    Math.round((one.events / one.totalMs) * 1000),
    `${one.medianMs.toFixed(0)} ms, ${one.maxMs.toFixed(0)} ms`,
    Math.round(one.events / one.seeds),
    (one.simulatedMs / one.seeds / 1000).toFixed(0),
    one.violations,
  ]);
  speed.push([
    '2 workers (npm run sim --workers 2)',
    two.runs,
    Math.round((two.runs / two.wallMs) * 60_000),
    Math.round(two.simulatedMs / two.wallMs),
    Math.round((two.events / two.wallMs) * 1000),
    `${(two.wallMs / two.runs).toFixed(0)} ms per seed overall`,
    Math.round(two.events / two.runs),
    (two.simulatedMs / two.runs / 1000).toFixed(0),
    two.violations.length,
  ]);
  console.log(speed.toString());

  // The partition scenario draws its replication mode per seed: split its seeds by mode.
  const name = 'cluster-partition';
  const lossSeeds = 60;
  const measured = [];
  for (let seed = 1; seed <= lossSeeds; seed++) {
    const sync = (configFor(byName(name), seed, null).options as { syncReplication: boolean }).syncReplication;
    measured.push({ sync, m: measureSeed(byName(name), seed) });
  }
  const loss = new Table({ head: ['acknowledged writes lost by failovers', 'seeds', 'runs with a failover', 'runs with a loss', 'acked writes', 'lost', 'most in a run', 'linearizability checked', 'violations'], style });
  for (const sync of [false, true]) {
    const runs = measured.filter((x) => x.sync === sync).map((x) => x.m);
    const s = summarizeLoss(name, runs);
    const checked = runs.filter((r) => r.linearizabilitySkipped === null).length;
    loss.push([`${name}, ${sync ? 'synchronous (WAIT all replicas)' : 'asynchronous'}`, s.seeds, s.runsWithPromotion, s.runsWithLoss, s.ackedWrites, `${s.lostAckedWrites} (${((100 * s.lostAckedWrites) / Math.max(1, s.ackedWrites)).toFixed(2)}%)`, s.maxLostInARun, `${checked} of ${s.seeds}`, s.violations]);
  }
  console.log(loss.toString());
}

