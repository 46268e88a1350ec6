/**
 * Memory against run length: a run's live heap must hold steady however long it runs, or a long
 * soak (or a sweep of long seeds) ends in an out-of-memory crash that says nothing about the
 * protocol. Each case runs in a child process started with --expose-gc; at every tenth of its
 * events a checker forces a full collection and reads the heap that is still live. The table
 * prints those ten readings and the growth from the second tenth to the last (the first tenth
 * includes start-up: the scenario's world, compiled code, warm caches).
 *
 *   npm run bench -- memory                     every case, 10^8 events for the long one
 *   MEMORY_BENCH_EVENTS=1e7 npm run bench -- memory   shorter
 *
 * Cases: an idle five-node Raft (heartbeats) with every safety checker, the long one; SWIM with
 * Lifeguard on 50 members under message loss; the default `cluster` scenario's world, its faults
 * over in the first 20 s, then running on. Histories that a checker must keep whole (a
 * linearizability history grows with each client operation) are not in these worlds: the idle
 * Raft has no clients, and the cluster case's clients stop with their workload.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { runWorld } from '../sim/kernel.ts';
import { configFor } from '../sim/run.ts';
import type { InvariantChecker, RunConfig, World } from '../sim/scenario.ts';
import { findScenario } from '../scenarios/index.ts';
import { cluster } from './raft.bench.ts';

const LONG = Number(process.env.MEMORY_BENCH_EVENTS ?? 1e8);

interface Case {
  readonly name: string;
  readonly events: number;
  readonly make: (events: number) => { config: RunConfig; world: World };
}

function idleRaft(events: number): { config: RunConfig; world: World } {
  // No clients: the history a linearizability check keeps grows with each operation, by design.
  const { config, world } = cluster(false, 1e12, 'all');
  return { config: { ...config, maxEvents: events }, world };
}

/** A built-in scenario's seed 1, run on past its planned end (faults and commands as planned, then none). */
function scenarioCase(name: string): (events: number) => { config: RunConfig; world: World } {
  return (events) => {
    const sc = findScenario(name)!;
    const planned = configFor(sc, 1, null);
    const config: RunConfig = { ...planned, durationMs: 1e12, quietMs: 0, maxEvents: events };
    const world = sc.build(planned);
    // Liveness is judged at the end of a quiet phase this run never reaches: safety checkers only.
    return { config, world: { ...world, checkers: world.checkers.filter((c) => c.kind === 'safety') } };
  };
}

const CASES: readonly Case[] = [
  { name: 'raft, 5 servers idle, every safety checker', events: LONG, make: idleRaft },
  { name: 'swim-loss (Lifeguard, message loss)', events: Math.min(LONG, 5e6), make: scenarioCase('swim-loss') },
  { name: 'cluster (default scenario, run on)', events: Math.min(LONG, 1e7), make: scenarioCase('cluster') },
];

interface ChildResult {
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  /** Live heap after a full collection at each tenth of the run, MB. */
  readonly liveMB: readonly number[];
  readonly maxRssMB: number;
  readonly violation: string | null;
}

function child(k: number): ChildResult {
  const c = CASES[k]!;
  // The event budget ends the run (a 'budget' stop, not a violation).
  const { config, world } = c.make(c.events);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the memory bench child needs --expose-gc');
  const live: number[] = [];
  const every = Math.max(1, Math.floor(c.events / 10));
  let n = 0;
  const probe: InvariantChecker = {
    name: 'memory-probe',
    kind: 'safety',
    afterEvent() {
      if (++n % every === 0) {
        gc();
        live.push(process.memoryUsage().heapUsed / 2 ** 20);
      }
    },
  };
  const t0 = performance.now();
  const r = runWorld(config, { ...world, checkers: [...world.checkers, probe] });
  return { events: r.events, simulatedMs: r.simulatedMs, wallMs: performance.now() - t0, liveMB: live, maxRssMB: process.resourceUsage().maxRSS / 1024, violation: r.violation && r.violation.kind !== 'budget' ? `${r.violation.invariant}: ${r.violation.message}` : null };
}

export default function memoryBench(): void {
  const self = fileURLToPath(import.meta.url);
  const table = new Table({ head: ['case', 'events', 'simulated', 'wall s', 'live heap after GC at each tenth (MB)', 'growth 2/10 → 10/10', 'peak RSS MB'] });
  for (let k = 0; k < CASES.length; k++) {
    const c = CASES[k]!;
    const run = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, self], { env: { ...process.env, MEMORY_BENCH_CHILD: String(k) }, encoding: 'utf8', maxBuffer: 1 << 20 });
    const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
    if (run.status !== 0 || line === undefined) {
      table.push([c.name, c.events.toExponential(0), '', `failed: ${(run.stderr || '').split('\n').find((l) => l.trim()) ?? `exit ${run.status}`}`, '', '', '']);
      continue;
    }
    const r = JSON.parse(line) as ChildResult;
    const growth = r.liveMB.length >= 3 ? `${(r.liveMB[r.liveMB.length - 1]! - r.liveMB[1]!).toFixed(1)} MB` : '-';
    table.push([
      c.name + (r.violation ? ` (stopped: ${r.violation.slice(0, 60)})` : ''),
      r.events.toLocaleString('en-US'),
      `${(r.simulatedMs / 3_600_000).toFixed(1)} h`,
      (r.wallMs / 1000).toFixed(0),
      r.liveMB.map((m) => m.toFixed(1)).join(' '),
      growth,
      r.maxRssMB.toFixed(0),
    ]);
  }
  console.log('Memory against run length: live heap after a full GC at each tenth of a run (child processes, --expose-gc).');
  console.log(table.toString());
}

if (process.env.MEMORY_BENCH_CHILD !== undefined) {
  console.log(JSON.stringify(child(Number(process.env.MEMORY_BENCH_CHILD))));
}
