/**
 * `npm run sim -- --explore ...`: the explorer's half of the command line (flags are parsed and
 * checked in cli/sim.ts). Prints progress on stderr when it is a terminal, then a summary (or one
 * JSON object with --json); on a violation writes a report that `--replay` re-runs in the kernel.
 */
import { relative } from 'node:path';
import chalk from 'chalk';
import type { ExploreBounds, Scenario } from '../sim/scenario.ts';
import { toolInfo } from '../sim/report.ts';
import { printTable } from '../reports/terminal.ts';
import { commandLine } from '../sim/invocation.ts';
import { configFor } from '../sim/run.ts';
import { exploreScenario, knownBugBounds, resolveBounds, type ExploreOutcome } from '../explore/index.ts';
import type { SearchOrder, SearchProgress } from '../explore/explorer.ts';

export interface ExploreCommand {
  readonly scenario: Scenario;
  /** The user's scenario module (--scenario-file) as given, for the report; null for a built-in scenario. */
  readonly scenarioFile: string | null;
  readonly bug: string | null;
  readonly seed: number;
  readonly bounds: Partial<ExploreBounds>;
  readonly order: SearchOrder;
  readonly symmetry: boolean;
  readonly timeBudgetMs: number | null;
  readonly json: boolean;
  readonly out: string;
}

const rel = (p: string) => relative(process.cwd(), p) || p;
const count = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function orderName(order: SearchOrder): string {
  switch (order) {
    case 'bfs':
      return 'breadth-first';
    case 'dfs':
      return 'depth-first';
    case 'guided':
      return 'guided (new progress first)';
  }
}

export function describeBounds(b: ExploreBounds): string {
  return [
    `depth ${b.depth}`,
    `crashes ${b.crashes}${b.crashes > 0 ? (b.midStep ? ' (between or inside steps)' : ' (between steps)') : ''}`,
    `drops ${b.drops}`,
    `dups ${b.dups}`,
    `inflight ${b.inflight}/link`,
    `commands ${b.commands}`,
    `timers ${b.timers ?? 'any'}`,
    `liveness ${b.liveness ? 'on (each world\'s quiet continuation)' : 'off'}`,
  ].join(', ');
}

/** Bounds as the command-line flags that set them. */
export function boundFlags(b: Partial<ExploreBounds>): string {
  const flags: string[] = [];
  if (b.depth !== undefined) flags.push(`--depth ${b.depth}`);
  if (b.crashes !== undefined) flags.push(`--max-crashes ${b.crashes}`);
  if (b.midStep === true) flags.push('--mid-step');
  if (b.drops !== undefined) flags.push(`--max-drops ${b.drops}`);
  if (b.dups !== undefined) flags.push(`--max-dups ${b.dups}`);
  if (b.inflight !== undefined) flags.push(`--max-inflight ${b.inflight}`);
  if (b.commands !== undefined) flags.push(`--max-commands ${b.commands}`);
  if (b.timers !== undefined && b.timers !== null) flags.push(`--max-timers ${b.timers}`);
  if (b.liveness === true) flags.push('--liveness');
  return flags.join(' ');
}

/** Runs the exploration and prints it; the exit status (0: no violation, 1: a violation). */
export function runExploreCommand(c: ExploreCommand): number {
  const bounds = resolveBounds(c.scenario, c.bounds);
  if (c.bug !== null) {
    const known = knownBugBounds(c.scenario, c.bug);
    const missing = (Object.keys(known) as (keyof ExploreBounds)[]).filter((k) => known[k] !== bounds[k]);
    if (missing.length > 0) {
      console.error(`note: ${c.bug} is known to be found within ${boundFlags(known)}; these bounds are not the defaults, which are the same with or without a bug`);
    }
  }
  const interactive = !c.json && process.stderr.isTTY === true;
  const symmetricNodes = c.symmetry ? (c.scenario.explore?.symmetric?.(configFor(c.scenario, c.seed, c.bug)) ?? []) : [];
  if (c.symmetry && symmetricNodes.length < 2) console.error(`note: scenario ${c.scenario.name} declares no interchangeable nodes${c.bug ? ` with bug ${c.bug}` : ''}: exploring without symmetry reduction`);
  if (!c.json) {
    console.log(`Exploring ${c.scenario.name}${c.bug ? ` (bug: ${c.bug})` : ''}, ${orderName(c.order)}: ${describeBounds(bounds)}`);
  }
  let drawn = false;
  const onProgress = interactive
    ? (p: SearchProgress) => {
        drawn = true;
        const rate = p.unique / Math.max(0.001, p.elapsedMs / 1000);
        process.stderr.write(`\r\x1b[2K  ${count(p.unique)} worlds (${count(Math.round(rate))}/s), ${count(p.explored)} transitions, depth ${p.depth}${c.order === 'guided' ? `, cost ${p.cost}` : ''}, frontier ${count(p.frontier)}, ${(p.elapsedMs / 1000).toFixed(1)} s`);
      }
    : undefined;
  const outcome = exploreScenario(c.scenario, {
    seed: c.seed,
    bug: c.bug,
    bounds: c.bounds,
    order: c.order,
    symmetry: c.symmetry,
    timeBudgetMs: c.timeBudgetMs,
    ...(onProgress ? { onProgress, progressEveryMs: 250 } : {}),
    reportDir: c.out,
    tool: toolInfo(),
    scenarioFile: c.scenarioFile,
  });
  if (drawn) process.stderr.write('\r\x1b[2K');
  const v = outcome.violation;
  if (v !== null && v.replay !== null && !v.replay.same) {
    throw new Error(
      `the kernel's replay of the counterexample found ${v.replay.violation ? `${v.replay.violation.invariant} (${v.replay.violation.message})` : 'no violation'} where the explorer found ${v.invariant} (${v.message}): the explorer and the kernel disagree (report: ${v.reportPath ?? 'none'})`,
    );
  }
  if (c.json) console.log(JSON.stringify(summaryJson(outcome)));
  else printSummary(outcome);
  return v !== null ? 1 : 0;
}

function rate(o: ExploreOutcome): number {
  return Math.round(o.unique / Math.max(0.001, o.elapsedMs / 1000));
}

function exhaustedText(o: ExploreOutcome): string {
  switch (o.stoppedBy) {
    case 'exhausted':
      return o.atDepthBound === 0
        ? 'yes: every reachable world within the fault bounds, none at the depth bound'
        : `yes: every world within the bounds (${count(o.atDepthBound)} at the depth bound, not expanded)`;
    case 'violation':
      return 'no: stopped at the first violation';
    case 'time-budget':
      return 'no: the time budget ran out';
    case 'world-limit':
      return 'no: the world limit was reached';
    case 'memory':
      return 'no: the heap was nearly full (NODE_OPTIONS=--max-old-space-size=MB raises it)';
  }
}

function summaryJson(o: ExploreOutcome) {
  const v = o.violation;
  return {
    mode: 'explore',
    scenario: o.scenario,
    bug: o.bug,
    seed: o.seed,
    order: o.order,
    symmetry: o.symmetry ? o.symmetricNodes : null,
    bounds: o.bounds,
    explored: o.explored,
    unique: o.unique,
    maxDepth: o.maxDepth,
    exhausted: o.exhausted,
    stoppedBy: o.stoppedBy,
    atDepthBound: o.atDepthBound,
    wallMs: Math.round(o.elapsedMs),
    worldsPerSecond: rate(o),
    visitedBytes: o.visitedBytes,
    frontierBytes: o.frontierBytes,
    frontierPeak: o.frontierPeak,
    collisionProbability: o.collisionProbability,
    violations: v
      ? [{ invariant: v.invariant, kind: v.kind, message: v.message, depth: v.depth, continued: v.continued, faults: v.faults, eventIndex: v.replay?.violation?.eventIndex ?? null, atMs: v.replay?.violation?.atMs ?? null, report: v.reportPath }]
      : [],
    counterexample: v ? { depth: v.depth, continued: v.continued, faults: v.faults, path: v.path } : null,
    report: v?.reportPath ?? null,
    replay: v?.reportPath ? commandLine('sim', '--replay', rel(v.reportPath)) : null,
  };
}

function printSummary(o: ExploreOutcome): void {
  const v = o.violation;
  const rows: [string, string][] = [
    ['scenario', `${o.scenario}${o.bug ? `  (bug: ${o.bug})` : ''}, seed ${o.seed}`],
    ['search', `${orderName(o.order)}, symmetry ${o.symmetry ? `over ${o.symmetricNodes.join(', ')}` : 'off'}`],
    ['bounds', describeBounds(o.bounds)],
    ['explored', `${count(o.explored)} transitions`],
    ['unique', `${count(o.unique)} worlds`],
    ['max depth', `${o.maxDepth} (bound ${o.bounds.depth})`],
    ['exhausted', exhaustedText(o)],
    ['wall', `${(o.elapsedMs / 1000).toFixed(1)} s (${count(rate(o))} worlds/s)`],
    ['visited', `64-bit fingerprints, ${mb(o.visitedBytes)}; collision probability ${o.collisionProbability.toPrecision(2)} (distinct x (transitions - distinct) / 2^64, TLC's optimistic estimate)`],
    ...(o.order === 'bfs' ? [['frontier', `at most ${count(o.frontierPeak)} worlds waiting; ${mb(o.frontierBytes)} of levels (8 bytes a world: its parent and its step; made again when expanded)`] as [string, string]] : []),
    ['result', v ? `VIOLATION: ${v.invariant} at depth ${v.depth}` : 'ok: no invariant violated in any world reached'],
  ];
  printTable(rows);
  if (!v) return;
  const f = v.faults;
  console.log('');
  const where = v.continued ? `after ${v.depth} steps, then the heal and the quiet phase` : `after ${v.depth} steps`;
  console.log((process.stdout.isTTY ? chalk.red.bold : (s: string) => s)(`VIOLATION of ${v.invariant} (${v.kind}) ${where}:`));
  for (const line of v.message.split('\n')) console.log(`  ${line}`);
  console.log('');
  console.log(`Counterexample (${v.depth} steps; faults: ${f.crashes} crash(es), ${f.restarts} restart(s), ${f.drops} drop(s), ${f.duplicates} duplicate(s)):`);
  v.path.forEach((line, k) => console.log(k < v.depth ? `  ${String(k + 1).padStart(3)}. ${line}` : `       ${line}`));
  if (v.replay?.violation) console.log(`\nThe kernel's replay of it meets the same violation at event ${v.replay.violation.eventIndex} (trace hash ${v.replay.traceHash}).`);
  if (v.reportPath) {
    console.log(`Report:  ${rel(v.reportPath)}`);
    console.log(`Replay:  ${commandLine('sim', '--replay', rel(v.reportPath))}`);
  }
}
