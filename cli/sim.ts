/**
 * `npm run sim -- ...`: run a seed, sweep seeds (in parallel, or this machine's shard), replay a
 * report, list scenarios and known bugs. Exit 0: no violation; 1: a violation (report written,
 * path and replay command printed); 2: bad usage or bad input (one line, no stack trace).
 */
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import chalk from 'chalk';
import Table from 'cli-table3';
import { defaultScenarioName } from '../scenarios/index.ts';
import { coverageShortfall, type Scenario } from '../sim/scenario.ts';
import { FaultScriptError, faultScheduleError, formatFault, parseFaultScript, type FaultEvent } from '../sim/faults.ts';
import { configFor, runConfig } from '../sim/run.ts';
import { jobConfig, runJob, runJobWithMetrics, sumCounters, type Job, type JobResult } from './jobs.ts';
import { runPage } from './report.ts';
import { sumMetrics } from './metrics.ts';
import { WorkerPool } from './pool.ts';
import { determinismSample, locateDivergence, type Divergence } from './determinism.ts';
import { toolInfo, writeReport, makeReport } from '../sim/report.ts';
import { formatEntry, formatDuration, compactJson, printTable } from '../reports/terminal.ts';
import { runExploreCommand } from './explore.ts';
import type { ExploreBounds } from '../sim/scenario.ts';
import { UsageError, checkOutputDir, checkOutputFile, parseCommandLine, runCommand, isEntry, writeOutputFile } from './command.ts';
import { historyCollector, writeHistory } from './history-export.ts';
import { pickScenario, loadReportWithScenarios, scenarioSource, type JobScenarioFile, type ScenarioSource } from './scenario-source.ts';
import { commandLine, commandPrefix } from '../sim/invocation.ts';
import { writeSweepPage } from './sweep-page.ts';


const sim = commandPrefix('sim');
const help = `Usage: ${sim} [options]

Run one seed:        ${sim} --seed 42 [--scenario NAME] [--bug NAME]
Your own scenario:   ${sim} --scenario-file my-protocol.ts --seed 1   (and with any of the forms below)
Sweep seeds:         ${sim} --seeds 1..1000 [--workers 2] [--shard 1/4] [--check-determinism]
Replay a report:     ${sim} --replay reports/out/FILE.json
Explore:             ${sim} --explore --scenario raft-explore [--bug NAME] [--depth N] [--max-crashes N] ...
List:                ${sim} --list | --list-bugs [--scenario NAME]

Options:
  --seed N               the seed (a non-negative integer); without it a random one is chosen and printed
  --scenario NAME        the scenario to run (default: ${defaultScenarioName}, or the scenario file's first); --list shows them
  --scenario-file PATH   run the scenarios a TypeScript or JavaScript module of yours exports (a default
                         export, an array \`scenarios\`, or named exports); reports remember the file
  --list                 list the scenarios, one line each
  --seeds A..B           sweep seeds A to B (inclusive)
  --workers N            run a sweep on N worker threads (results are identical for any N)
  --shard I/N            run only this machine's share of the sweep: every N-th seed, starting at the I-th (1-based)
  --replay FILE          re-run a report; says whether the same violation and trace hash came back
  --bug NAME             switch on a known, documented protocol bug
  --list-bugs            list the known bugs of each scenario (or of --scenario)
  --check-determinism    re-run every seed of the sweep in another worker and compare trace hashes
                         (without it, a sample of about 5% is re-run)
  --faults SCRIPT        replace the seed's swarm fault plan by a script, e.g. "crash n2 at 3s; restart n2 at 5s"
  --json                 print one JSON object instead of tables
  --out DIR              where reports go (default: reports/out/)
  --tail N               trace entries kept in a report and shown before a violation (default: 400 / 15 shown)
  --metrics FILE         write the run's or the sweep's counters and histograms in the Prometheus text format
  --history FILE         write the run's client history in the linearizability checker's format (one run only)
  --html FILE            with --seeds: write the sweep's page (failures by invariant, every seed, coverage of the
                         named events, the slowest seeds), and the report pages of up to 10 failing seeds;
                         with one seed: the run's page, passing or failing (lanes, messages, client operations)
  -h, --help             this text

Exhaustive exploration (a bounded model checker over the same step functions; docs/explorer.md):
  --explore              explore every world of the scenario within the bounds (breadth-first: the
                         first counterexample is a shortest one); a violation is a report --replay re-runs
  --depth N              steps from the initial world (default: the scenario's, for its bug)
  --max-crashes N        crashes (each may be followed by a restart)
  --mid-step             crashes may also land inside a step, after some of its effects (the write in flight lost)
  --max-drops N          messages lost
  --max-dups N           messages delivered twice
  --max-inflight N       messages in flight per link (a send beyond it is lost, a full buffer)
  --max-commands N       commands of the scenario (client or operator) delivered
  --max-timers N         timer firings on a path, every node's together (default: any number)
  --liveness             also judge liveness: every world reached runs on in the kernel through the heal
                         and the quiet phase, and every checker judges that run (several times slower;
                         not with --symmetry)
  --time-budget SECONDS  stop after this long (the summary then says the space was not exhausted)
  --dfs                  depth-first instead of breadth-first
  --guided               worlds that reach a new combination of the nodes' progress (role, term,
                         log, commit point) first: finds deeper counterexamples, not the shortest
  --symmetry             symmetry reduction over the nodes the scenario declares interchangeable

Exit status: 0 no violation, 1 a violation (a report was written), 2 bad usage or bad input.`;

interface Options {
  /** The user's scenario module (--scenario-file), or null for a built-in scenario. */
  scenarioFile: JobScenarioFile | null;
  seed: number | null;
  seeds: { from: number; to: number } | null;
  scenario: Scenario;
  bug: string | null;
  workers: number;
  shard: { index: number; count: number } | null;
  checkDeterminism: boolean;
  faults: FaultEvent[] | null;
  json: boolean;
  out: string;
  tail: number;
  metrics: string | null;
  /** Where to write the run's client history (--history), or null. */
  history: string | null;
  /** Where to write the sweep's page, or the one run's page (--html), or null. */
  html: string | null;
}

const CHECKPOINT_EVERY = 1000;

function parseIntArg(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${what} must be between ${min} and ${max}, got ${text}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine({
      args: argv,
      options: {
        seed: { type: 'string' },
        scenario: { type: 'string' },
        list: { type: 'boolean' },
        seeds: { type: 'string' },
        workers: { type: 'string' },
        shard: { type: 'string' },
        replay: { type: 'string' },
        bug: { type: 'string' },
        'list-bugs': { type: 'boolean' },
        'check-determinism': { type: 'boolean' },
        faults: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        tail: { type: 'string' },
        metrics: { type: 'string' },
        html: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        explore: { type: 'boolean' },
        depth: { type: 'string' },
        'max-crashes': { type: 'string' },
        'mid-step': { type: 'boolean' },
        'max-drops': { type: 'string' },
        'max-dups': { type: 'string' },
        'max-inflight': { type: 'string' },
        'max-commands': { type: 'string' },
        'max-timers': { type: 'string' },
        liveness: { type: 'boolean' },
        'time-budget': { type: 'string' },
        dfs: { type: 'boolean' },
        guided: { type: 'boolean' },
        symmetry: { type: 'boolean' },
        history: { type: 'string' },
        'scenario-file': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  const v = parsed.values;
  if (v.help) {
    console.log(help);
    return 0;
  }
  // A report names its own scenario file; --scenario-file with --replay gives one that moved.
  const replaying = v.replay !== undefined && !v.list && !v['list-bugs'] && !v.explore;
  const source = replaying ? null : await scenarioSource(v['scenario-file']);
  const scenarios = source?.scenarios ?? [];
  const explorable = () => scenarios.filter((s) => s.explore !== undefined).map((s) => s.name).join(', ') || 'none (a scenario is explorable when it declares `explore`, even `explore: {}`)';
  if (v.explore && v.scenario === undefined && source?.file == null) {
    throw new UsageError(`--explore needs --scenario: the explorable scenarios are ${explorable()}`);
  }
  const scenario = source !== null ? pickScenario(source, v.scenario) : null!;
  if (v.list) return list(source!, v.json ?? false);
  if (v['list-bugs']) return listBugs(v.scenario ? [scenario] : scenarios, v.json ?? false);
  const scenarioFile: JobScenarioFile | null = source?.file ? { given: source.file.given, path: source.file.path } : null;
  const out = resolve(v.out ?? 'reports/out');
  checkOutputDir(v.out ?? 'reports/out', '--out');
  const json = v.json ?? false;
  const history = v.history !== undefined ? resolve(v.history) : null;
  if (history !== null) {
    checkOutputFile(v.history!, '--history');
    if (v.explore || v.seeds !== undefined) throw new UsageError('--history writes the history of one run: give --seed or --replay, not --seeds or --explore');
  }
  const tail = v.tail !== undefined ? parseIntArg(v.tail, '--tail', 1, 1_000_000) : 400;
  const exploreOnly = ['depth', 'max-crashes', 'mid-step', 'max-drops', 'max-dups', 'max-inflight', 'max-commands', 'max-timers', 'liveness', 'time-budget', 'dfs', 'guided', 'symmetry'] as const;
  if (v.explore) {
    if (scenario.explore === undefined) {
      throw new UsageError(`scenario ${scenario.name} has no model for --explore; the explorable scenarios are ${explorable()}`);
    }
    for (const flag of ['replay', 'seeds', 'workers', 'shard', 'check-determinism', 'faults', 'html'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--explore makes its own schedules: drop --${flag}`);
    }
    const bug = v.bug ?? null;
    if (bug !== null && !scenario.bugs.some((b) => b.name === bug)) {
      throw new UsageError(`scenario ${scenario.name} has no bug ${JSON.stringify(bug)}; --list-bugs --scenario ${scenario.name} shows its bugs`);
    }
    const bounds: { -readonly [K in keyof ExploreBounds]?: ExploreBounds[K] } = {};
    if (v.depth !== undefined) bounds.depth = parseIntArg(v.depth, '--depth', 1, 1_000);
    if (v['max-crashes'] !== undefined) bounds.crashes = parseIntArg(v['max-crashes'], '--max-crashes', 0, 100);
    if (v['mid-step']) bounds.midStep = true;
    if (v['max-drops'] !== undefined) bounds.drops = parseIntArg(v['max-drops'], '--max-drops', 0, 1_000);
    if (v['max-dups'] !== undefined) bounds.dups = parseIntArg(v['max-dups'], '--max-dups', 0, 1_000);
    if (v['max-inflight'] !== undefined) bounds.inflight = parseIntArg(v['max-inflight'], '--max-inflight', 1, 1_000);
    if (v['max-commands'] !== undefined) bounds.commands = parseIntArg(v['max-commands'], '--max-commands', 0, 30);
    if (v['max-timers'] !== undefined) bounds.timers = parseIntArg(v['max-timers'], '--max-timers', 0, 1_000_000);
    if (v.liveness) bounds.liveness = true;
    if (v.liveness && v.symmetry) throw new UsageError('--liveness and --symmetry do not go together: a world and its permutations go on differently after the heal (node streams are named)');
    if (v.dfs && v.guided) throw new UsageError('--dfs and --guided are two search orders: give one');
    let timeBudgetMs: number | null = null;
    if (v['time-budget'] !== undefined) {
      const text = v['time-budget'];
      if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0)) throw new UsageError(`--time-budget must be a positive number of seconds, got ${JSON.stringify(text)}`);
      timeBudgetMs = Number(text) * 1000;
    }
    const seed = v.seed !== undefined ? parseIntArg(v.seed, '--seed', 0) : 0;
    return runExploreCommand({ scenario, scenarioFile: scenarioFile?.given ?? null, bug, seed, bounds, order: v.dfs ? 'dfs' : v.guided ? 'guided' : 'bfs', symmetry: v.symmetry ?? false, timeBudgetMs, json: v.json ?? false, out: resolve(v.out ?? 'reports/out') });
  }
  for (const flag of exploreOnly) if (v[flag] !== undefined) throw new UsageError(`--${flag} is a bound of an exploration: give --explore too`);
  if (v.replay !== undefined) {
    for (const flag of ['seed', 'seeds', 'bug', 'faults', 'shard', 'scenario', 'html'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--replay takes its ${flag === 'faults' ? 'fault schedule' : flag} from the report; drop --${flag}`);
    }
    return replay(v.replay, v['scenario-file'], json, out, tail, history);
  }
  if (v.seed !== undefined && v.seeds !== undefined) throw new UsageError('give either --seed or --seeds, not both');
  const bug = v.bug ?? null;
  if (bug !== null && !scenario.bugs.some((b) => b.name === bug)) {
    throw new UsageError(`scenario ${scenario.name} has no bug ${JSON.stringify(bug)}; --list-bugs --scenario ${scenario.name} shows its bugs`);
  }
  let seeds: Options['seeds'] = null;
  if (v.seeds !== undefined) {
    const m = /^(\d+)\.\.(\d+)$/.exec(v.seeds);
    if (!m) throw new UsageError(`--seeds must look like A..B (e.g. 1..100), got ${JSON.stringify(v.seeds)}`);
    const from = parseIntArg(m[1]!, '--seeds start', 0);
    const to = parseIntArg(m[2]!, '--seeds end', 0);
    if (to < from) throw new UsageError(`--seeds ${v.seeds}: the end is before the start`);
    if (to - from >= 10_000_000) throw new UsageError('--seeds: at most 10,000,000 seeds in one sweep');
    seeds = { from, to };
  }
  let shard: Options['shard'] = null;
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    if (!m) throw new UsageError(`--shard must look like I/N (e.g. 2/4), got ${JSON.stringify(v.shard)}`);
    const count = parseIntArg(m[2]!, '--shard N', 1, 100_000);
    const index = parseIntArg(m[1]!, '--shard I', 1, count);
    if (!seeds) throw new UsageError('--shard splits a sweep: give --seeds A..B too');
    shard = { index, count };
  }
  const workers = v.workers !== undefined ? parseIntArg(v.workers, '--workers', 1, 256) : 1;
  let faults: FaultEvent[] | null = null;
  if (v.faults !== undefined) {
    try {
      faults = parseFaultScript(v.faults);
    } catch (e) {
      if (e instanceof FaultScriptError) throw new UsageError(e.message);
      throw e;
    }
    const probe = configFor(scenario, v.seed !== undefined && /^\d+$/.test(v.seed) ? Number(v.seed) : seeds?.from ?? 0, bug);
    const servers = scenario.build(probe).nodes.filter((n) => n.faultable).map((n) => n.id);
    const err = faultScheduleError(faults, servers);
    if (err) throw new UsageError(`--faults: ${err} (this scenario's servers: ${servers.join(', ')})`);
    const late = faults.find((f) => f.atMs >= probe.durationMs);
    if (late !== undefined) {
      throw new UsageError(`--faults: '${formatFault(late)}' comes at or after the end of the faulty phase (${formatDuration(probe.durationMs)}), where the final heal clears every fault: it would never happen`);
    }
  }
  let seed: number | null = null;
  if (v.seed !== undefined) seed = parseIntArg(v.seed, '--seed', 0);
  if (v.metrics !== undefined) checkOutputFile(v.metrics, '--metrics');
  const metrics = v.metrics !== undefined ? resolve(v.metrics) : null;
  if (v.html !== undefined) {
    checkOutputFile(v.html, '--html');
  }
  const html = v.html !== undefined ? resolve(v.html) : null;
  const options: Options = { scenarioFile, seed, seeds, scenario, bug, workers, shard, checkDeterminism: v['check-determinism'] ?? false, faults, json, out, tail, metrics, history, html };
  if (seeds) return sweep(options);
  if (seed === null) {
    seed = randomInt(0, 2 ** 31);
    if (!json) console.log(`No --seed given: chose seed ${seed} (run it again with --seed ${seed}).`);
  }
  return single({ ...options, seed });
}

function list(source: ScenarioSource, json: boolean): number {
  const scenarios = source.scenarios;
  if (json) {
    console.log(JSON.stringify({ scenarios: scenarios.map((s) => ({ name: s.name, description: s.description, bugs: s.bugs.map((b) => b.name), default: s.name === source.defaultName })) }));
    return 0;
  }
  const width = Math.max(...scenarios.map((s) => s.name.length));
  for (const s of scenarios) console.log(`${s.name.padEnd(width)}  ${s.description}${s.name === source.defaultName ? ' (default)' : ''}`);
  return 0;
}

function listBugs(which: readonly Scenario[], json: boolean): number {
  if (json) {
    console.log(JSON.stringify({ scenarios: which.map((s) => ({ name: s.name, bugs: s.bugs })) }));
    return 0;
  }
  for (const s of which) {
    console.log(`${s.name}:`);
    if (s.bugs.length === 0) console.log('  (no known bugs)');
    const width = Math.max(0, ...s.bugs.map((b) => b.name.length));
    for (const b of s.bugs) console.log(`  ${b.name.padEnd(width)}  ${b.description}`);
  }
  return 0;
}

function makeJob(o: Options, seed: number): Job {
  return {
    scenario: o.scenario.name,
    ...(o.scenarioFile !== null ? { scenarioFile: o.scenarioFile } : {}),
    seed,
    bug: o.bug,
    ...(o.faults ? { faults: o.faults } : {}),
    checkpointEvery: CHECKPOINT_EVERY,
    reportDir: o.out,
    tool: toolInfo(),
    tail: o.tail,
    metrics: o.metrics !== null,
  };
}

const tty = () => process.stdout.isTTY === true;

/** The command that re-runs a job from scratch, for when its report could not be written. */
function rerunCommand(o: Pick<Options, 'scenario' | 'scenarioFile' | 'bug' | 'faults'>, seed: number): string {
  return commandLine(
    'sim',
    ...(o.scenarioFile !== null ? ['--scenario-file', o.scenarioFile.given] : []),
    ...['--scenario', o.scenario.name, '--seed', String(seed)],
    ...(o.bug ? ['--bug', o.bug] : []),
    ...(o.faults ? ['--faults', o.faults.map(formatFault).join('; ')] : []),
  );
}

function violationLines(r: JobResult, shown: number, rerun: string | null = null): string[] {
  const v = r.violation!;
  const lines = [
    '',
    (tty() ? chalk.red.bold : (s: string) => s)(`VIOLATION of ${v.invariant} (${v.kind}) at ${formatDuration(v.atMs)}, event ${v.eventIndex}:`),
    `  ${v.message}`,
  ];
  if (r.trace.length > 0) {
    lines.push('', `Last ${Math.min(shown, r.trace.length)} trace entries before it:`);
    for (const e of r.trace.slice(-shown)) lines.push(`  ${formatEntry(e)}`);
  }
  if (r.reportPath) {
    lines.push('', `Report:  ${rel(r.reportPath)}`, `Replay:  ${commandLine('sim', '--replay', rel(r.reportPath))}`, `HTML:    ${commandLine('report', rel(r.reportPath))}`);
  } else if (r.reportError !== null) {
    lines.push('', `Report:  NOT WRITTEN (${r.reportError})`);
    if (rerun !== null) lines.push(`Re-run:  ${rerun}`);
  }
  return lines;
}

function rel(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

async function single(o: Options & { seed: number }): Promise<number> {
  const job = makeJob(o, o.seed);
  const recorder = o.history !== null ? historyCollector() : null;
  const result = await runJobWithMetrics(job, recorder?.observe);
  const historyOps = recorder !== null ? writeRunHistory(o.history!, recorder.history()) : null;
  if (o.metrics !== null) await writeMetrics(o.metrics, [result]);
  const replayCommand = result.reportPath ? commandLine('sim', '--replay', rel(result.reportPath)) : rerunCommand(o, o.seed);
  if (o.html !== null) writeRunPage(o.html, runPage(o.scenario, jobConfig(job), job.tool, replayCommand).html);
  let divergence: Divergence | null = null;
  if (o.checkDeterminism) {
    const pool = new WorkerPool(1, { scenarioFile: o.scenarioFile !== null });
    try {
      const again = await pool.runOn(0, { ...job, reportDir: null });
      if (again.traceHash !== result.traceHash) {
        divergence = await locateDivergence(job, result, again, async (j) => runJob(j), (j) => pool.runOn(0, j));
      }
    } finally {
      await pool.close();
    }
  }
  const config = configFor(o.scenario, o.seed, o.bug);
  if (o.json) {
    console.log(
      JSON.stringify({
        scenario: o.scenario.name,
        seed: o.seed,
        bug: o.bug,
        traceHash: result.traceHash,
        events: result.events,
        simulatedMs: result.simulatedMs,
        wallMs: Math.round(result.wallMs),
        violations: result.violation ? [violationSummary(result)] : [],
        counters: result.counters,
        report: result.reportPath,
        replay: result.reportPath ? commandLine('sim', '--replay', rel(result.reportPath)) : result.violation ? rerunCommand(o, o.seed) : null,
        ...(result.reportError !== null ? { reportError: result.reportError } : {}),
        ...(historyOps !== null ? { history: { file: o.history, operations: historyOps } } : {}),
        ...(o.html !== null ? { page: o.html } : {}),
        ...(o.checkDeterminism ? { determinism: divergence ? { ok: false, divergence } : { ok: true } } : {}),
      }),
    );
  } else {
    const faults = o.faults ?? config.faults;
    printTable([
      ['scenario', `${o.scenario.name}${o.bug ? `  (bug: ${o.bug})` : ''}`],
      ['seed', String(o.seed)],
      ['options', compactJson(config.options, 100)],
      ['faults', `${faults.length} events${faults.length > 0 ? `, first: ${faults.slice(0, 3).map(formatFault).join('; ')}` : ''}`],
      ['events', result.events.toLocaleString('en-US')],
      ['simulated', formatDuration(result.simulatedMs)],
      ['wall', `${result.wallMs.toFixed(0)} ms (${Math.round(result.simulatedMs / Math.max(result.wallMs, 0.001))}x real time, ${Math.round(result.events / Math.max(result.wallMs, 0.001))}k events/s)`],
      ['trace hash', result.traceHash],
      ...countersRow(result.counters),
      ['result', result.violation ? `VIOLATION: ${result.violation.invariant}` : 'ok: no invariant violated'],
      ...(o.checkDeterminism ? [['determinism', divergence ? 'MISMATCH' : 'same trace hash in a second worker'] as [string, string]] : []),
    ]);
    if (historyOps !== null) console.log(`history     ${historyOps} client operations written to ${rel(o.history!)} (${commandLine('check', rel(o.history!))})`);
    if (o.html !== null) console.log(`page        ${rel(o.html)}`);
    if (result.violation) for (const line of violationLines(result, 15, rerunCommand(o, o.seed))) console.log(line);
    if (divergence) printDivergence(divergence);
  }
  return result.violation || divergence ? 1 : 0;
}

/** Writes a run's page (temp file, then rename). */
function writeRunPage(path: string, html: string): void {
  writeOutputFile(path, html, '--html');
}

/** Writes the run's client history; the number of operations in it. */
function writeRunHistory(path: string, history: ReturnType<ReturnType<typeof historyCollector>['history']>): number {
  writeHistory(path, history);
  return history.operations.length;
}

/** Writes the runs' metrics, summed, in the Prometheus text format (temp file, then rename). */
async function writeMetrics(path: string, results: readonly JobResult[]): Promise<void> {
  writeOutputFile(path, await sumMetrics(results.map((r) => r.metrics ?? [])), '--metrics');
}

/** The protocols' own counters (e.g. acknowledged writes a failover lost), as a summary row when there are any. */
function countersRow(counters: Readonly<Record<string, number>>): [string, string][] {
  const entries = Object.entries(counters);
  return entries.length === 0 ? [] : [['counters', entries.map(([k, v]) => `${k}=${v}`).join(', ')]];
}

function violationSummary(r: JobResult) {
  const v = r.violation!;
  return { seed: r.seed, invariant: v.invariant, kind: v.kind, message: v.message, atMs: v.atMs, eventIndex: v.eventIndex, report: r.reportPath };
}

function printDivergence(d: Divergence): void {
  console.log('');
  console.log(`DETERMINISM FAILURE: seed ${d.seed} gave trace hash ${d.hashes[0]} and then ${d.hashes[1]} in another worker.`);
  if (d.eventIndex === null) console.log('  The traces agree event by event; only the final node states differ.');
  else {
    console.log(`  First divergence at event ${d.eventIndex}:`);
    console.log(`    first run:  ${d.first ? formatEntry(d.first) : '(trace ended)'}`);
    console.log(`    second run: ${d.second ? formatEntry(d.second) : '(trace ended)'}`);
  }
}

async function sweep(options: Options): Promise<number> {
  let o = options;
  const all: number[] = [];
  for (let s = o.seeds!.from; s <= o.seeds!.to; s++) all.push(s);
  const seeds = o.shard ? all.filter((_, k) => k % o.shard!.count === o.shard!.index - 1) : all;
  const jobs = seeds.map((s) => makeJob(o, s));
  if (o.workers > Math.max(1, jobs.length)) {
    console.error(`note: --workers ${o.workers} capped at ${Math.max(1, jobs.length)}, the number of seeds to run`);
    o = { ...o, workers: Math.max(1, jobs.length) };
  }
  const started = performance.now(); // determinism-ok: wall time of the sweep, outside the simulated world
  const sample = new Set(determinismSample(seeds, o.checkDeterminism));
  // The check re-runs a seed in a different worker from the one that ran it first.
  const pool = new WorkerPool(Math.max(o.workers, sample.size > 0 ? 2 : 1), { scenarioFile: o.scenarioFile !== null });
  const mainWorkers = o.workers;
  let done = 0;
  let failing = 0;
  const progress = !o.json && process.stdout.isTTY === true && process.stderr.isTTY === true;
  const draw = () => {
    const width = 30;
    const filled = Math.round((done / Math.max(1, jobs.length)) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${jobs.length} seeds, ${failing} failing `);
  };
  let results: { result: JobResult; worker: number }[];
  const divergences: Divergence[] = [];
  try {
    const mainPool = { runAll: (js: readonly Job[], cb: (i: number, r: JobResult) => void) => runLanes(pool, mainWorkers, js, cb) };
    results = await mainPool.runAll(jobs, (_, r) => {
      done++;
      if (r.violation) failing++;
      if (progress) draw();
    });
    if (progress) process.stderr.write('\n');
    const checks = results.filter(({ result }) => sample.has(result.seed));
    await Promise.all(
      checks.map(async ({ result, worker }) => {
        const job = jobs[seeds.indexOf(result.seed)]!;
        const other = (worker + 1) % pool.size;
        const again = await pool.runOn(other, { ...job, reportDir: null });
        if (again.traceHash !== result.traceHash) {
          const d = await locateDivergence(job, result, again, (j) => pool.runOn(worker, j), (j) => pool.runOn(other, j));
          divergences.push(d);
          const config = configFor(o.scenario, result.seed, o.bug);
          const report = makeReport(
            { config, traceHash: result.traceHash, events: result.events, simulatedMs: result.simulatedMs, stats: emptyStats(), trace: [], traceOmitted: 0, checkpoints: [], coverage: {},
              violation: { invariant: 'kernel:determinism', kind: 'crash', message: `trace hash ${result.traceHash} then ${again.traceHash} in another worker; first divergence at event ${d.eventIndex ?? 'end'}`, atMs: d.first?.t ?? result.simulatedMs, eventIndex: d.eventIndex ?? result.events, states: {} } },
            { kind: 'determinism', hashes: [result.traceHash, again.traceHash], divergence: d },
          );
          writeReport(report, o.out);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  divergences.sort((a, b) => a.seed - b.seed);
  const wallMs = performance.now() - started; // determinism-ok: wall time of the sweep
  if (o.metrics !== null) await writeMetrics(o.metrics, results.map(({ result }) => result));
  const failures = results.filter(({ result }) => result.violation).map(({ result }) => result);
  const coverage = sumCoverage(results.map(({ result }) => result.coverage));
  const unreached = unreachedEvents(o.scenario, coverage, results.length);
  const events = results.reduce((s, { result }) => s + result.events, 0);
  const simulated = results.reduce((s, { result }) => s + result.simulatedMs, 0);
  const page =
    o.html === null
      ? null
      : writeSweepPage(o.html, {
          scenario: o.scenario,
          bug: o.bug,
          seeds: o.seeds!,
          shard: o.shard ? `${o.shard.index}/${o.shard.count}` : null,
          workers: o.workers,
          wallMs,
          results: results.map(({ result }) => result),
          mismatches: divergences.map((d) => d.seed),
          checked: sample.size,
        });
  if (o.json) {
    console.log(
      JSON.stringify({
        scenario: o.scenario.name,
        bug: o.bug,
        seeds: o.seeds,
        shard: o.shard ? `${o.shard.index}/${o.shard.count}` : null,
        workers: o.workers,
        runs: results.length,
        events,
        simulatedMs: simulated,
        wallMs: Math.round(wallMs),
        violations: failures.map(violationSummary),
        counters: sumCounters(results.map(({ result }) => result)),
        determinism: { checked: sample.size, mismatches: divergences },
        coverage,
        unreached,
        page: o.html,
        results: results.map(({ result }) => ({ seed: result.seed, traceHash: result.traceHash, events: result.events, simulatedMs: result.simulatedMs, violation: result.violation?.invariant ?? null })),
      }),
    );
  } else {
    printTable([
      ['scenario', `${o.scenario.name}${o.bug ? `  (bug: ${o.bug})` : ''}`],
      ['seeds', `${o.seeds!.from}..${o.seeds!.to}${o.shard ? `, shard ${o.shard.index}/${o.shard.count}: ${seeds.length} seeds` : ''}`],
      ['workers', String(o.workers)],
      ['runs', String(results.length)],
      ['events', events.toLocaleString('en-US')],
      ['simulated', `${formatDuration(simulated)} in all, ${formatDuration(simulated / Math.max(1, results.length))} per seed`],
      ['wall', `${(wallMs / 1000).toFixed(1)} s (${(results.length / (wallMs / 60000)).toFixed(0)} seeds/min)`],
      ['violations', failures.length === 0 ? 'none' : `${failures.length} seed(s)`],
      ...countersRow(sumCounters(results.map(({ result }) => result))),
      ['determinism', `${sample.size} seed(s) re-run in another worker: ${divergences.length === 0 ? 'same trace hashes' : `${divergences.length} MISMATCH(ES)`}`],
      ...(Object.keys(coverage).length > 0 ? [['coverage', Object.entries(coverage).map(([k, n]) => `${k} ${n}`).join(', ')] as [string, string]] : []),
      ...(unreached.length > 0 ? [['NOT REACHED', `${unreached.join(', ')} (the scenario requires them in a sweep of ${o.scenario.sometimes!.seeds}+ seeds)`] as [string, string]] : []),
    ]);
    if (failures.length > 0) {
      console.log('');
      const shown = tty() ? 50 : 20;
      const rows = failures.slice(0, shown).map((r) => [String(r.seed), r.violation!.invariant, formatDuration(r.violation!.atMs), r.reportPath ? rel(r.reportPath) : '']);
      if (tty()) {
        const table = new Table({ head: ['seed', 'invariant', 'at', 'report'], style: { head: [], border: [] } });
        table.push(...rows);
        console.log(table.toString());
      } else for (const row of rows) console.log(row.join('  '));
      if (failures.length > shown) console.log(`... and ${failures.length - shown} more (reports in ${rel(o.out)})`);
      const first = failures[0]!;
      console.log('');
      console.log(`First failing seed ${first.seed}: ${first.violation!.message}`);
      if (first.reportPath !== null) console.log(`Replay:  ${commandLine('sim', '--replay', rel(first.reportPath))}`);
      else console.log(`Report:  NOT WRITTEN (${first.reportError ?? 'no report folder'}); re-run: ${rerunCommand(o, first.seed)}`);
    }
    if (o.html !== null && page !== null) {
      console.log('');
      console.log(`Sweep page: ${rel(o.html)}${page.pages > 0 ? ` (and the report pages of ${page.pages} failing seed${page.pages === 1 ? '' : 's'})` : ''}`);
      for (const f of page.failed) console.error(`warning: no report page for ${f}`);
    }
    for (const d of divergences.slice(0, 3)) printDivergence(d);
    if (divergences.length > 3) console.log(`... and ${divergences.length - 3} more determinism failures (reports in ${rel(o.out)})`);
  }
  return failures.length > 0 || divergences.length > 0 || unreached.length > 0 ? 1 : 0;
}

/** Counts of every `cover` event over many runs, by event name. */
function sumCoverage(all: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of all) for (const [k, n] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + n;
  return Object.fromEntries(Object.keys(sum).sort().map((k) => [k, sum[k]!]));
}

/** The events the scenario requires of a sweep this long that it never reached. */
export function unreachedEvents(scenario: Scenario, coverage: Readonly<Record<string, number>>, runs: number): string[] {
  return coverageShortfall(scenario.sometimes, coverage, runs);
}

/** Runs jobs on the first `lanes` workers of the pool (the rest are kept for the determinism check). */
async function runLanes(pool: WorkerPool, lanes: number, jobs: readonly Job[], onDone: (i: number, r: JobResult) => void) {
  const out: { result: JobResult; worker: number }[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, pool.size) }, async (_, w) => {
      while (next < jobs.length) {
        const index = next++;
        const result = await pool.runOn(w, jobs[index]!);
        out[index] = { result, worker: w };
        onDone(index, result);
      }
    }),
  );
  return out;
}

function emptyStats() {
  return { messagesSent: 0, messagesDelivered: 0, messagesDropped: 0, messagesDuplicated: 0, timersFired: 0, commands: 0, replies: 0, observations: 0, writes: 0, crashes: 0, restarts: 0, pauses: 0, forgeries: 0 };
}

async function replay(file: string, scenarioFileOverride: string | undefined, json: boolean, out: string, tail: number, history: string | null): Promise<number> {
  const { report, source } = await loadReportWithScenarios(file, scenarioFileOverride);
  const tool = toolInfo();
  const notes: string[] = [];
  if (report.tool.commit && tool.commit && report.tool.commit !== tool.commit) {
    notes.push(`the report was made at commit ${report.tool.commit.slice(0, 10)}, this is ${tool.commit.slice(0, 10)}: changed code may take a different path`);
  }
  if (report.tool.dirty) notes.push('the report was made with uncommitted changes: its commit alone may not rebuild the run');
  const scenario = source.find(report.config.scenario)!;
  const started = performance.now(); // determinism-ok: wall time of the replay
  const recorder = history !== null ? historyCollector() : null;
  const result = runConfig(scenario, report.config, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: tail }, ...(recorder ? { onObservation: recorder.observe } : {}) });
  const wallMs = performance.now() - started; // determinism-ok
  const historyOps = recorder !== null ? writeRunHistory(history!, recorder.history()) : null;
  const v = result.violation;
  const sameViolation = v !== null && v.invariant === report.violation.invariant && v.eventIndex === report.violation.eventIndex;
  const sameHash = result.traceHash === report.traceHash;
  let verdict: string;
  if (sameViolation && sameHash) verdict = `reproduced: the same violation (${v!.invariant} at event ${v!.eventIndex}, ${formatDuration(v!.atMs)}) and the same trace hash ${result.traceHash}`;
  else if (sameViolation) verdict = `the same violation came back (${v!.invariant} at event ${v!.eventIndex}) but the trace hash differs: ${result.traceHash}, report has ${report.traceHash}`;
  else if (v) verdict = `a different violation: ${v.invariant} at event ${v.eventIndex} (the report has ${report.violation.invariant} at event ${report.violation.eventIndex}); trace hash ${result.traceHash}${sameHash ? ' (same)' : `, report has ${report.traceHash}`}`;
  else verdict = `no violation: the run is clean now (trace hash ${result.traceHash}, the report has ${report.traceHash})`;
  let newReport: string | null = null;
  if (v && !sameViolation) newReport = writeReport(makeReport(result, { kind: 'sim' }, toolInfo(), source.file?.given ?? null), out);
  if (json) {
    console.log(
      JSON.stringify({
        replayOf: file,
        scenario: report.config.scenario,
        seed: report.config.seed,
        bug: report.config.bug,
        traceHash: result.traceHash,
        expectedTraceHash: report.traceHash,
        sameTraceHash: sameHash,
        sameViolation,
        events: result.events,
        simulatedMs: result.simulatedMs,
        wallMs: Math.round(wallMs),
        violations: v ? [{ invariant: v.invariant, kind: v.kind, message: v.message, atMs: v.atMs, eventIndex: v.eventIndex }] : [],
        report: newReport,
        notes,
        ...(historyOps !== null ? { history: { file: history, operations: historyOps } } : {}),
      }),
    );
  } else {
    for (const note of notes) console.error(`note: ${note}`);
    console.log(`Replay of ${file} (scenario ${report.config.scenario}, seed ${report.config.seed}${report.config.bug ? `, bug ${report.config.bug}` : ''}):`);
    console.log(`  ${verdict}`);
    if (historyOps !== null) console.log(`  ${historyOps} client operations written to ${rel(history!)} (${commandLine('check', rel(history!))})`);
    if (v) {
      const r: JobResult = { seed: report.config.seed, traceHash: result.traceHash, events: result.events, simulatedMs: result.simulatedMs, wallMs, violation: v, reportPath: newReport, reportError: null, checkpoints: [], swarm: null, trace: result.trace, stats: result.stats, counters: {}, coverage: result.coverage };
      for (const line of violationLines(r, 15)) console.log(line);
    }
  }
  return v ? 1 : 0;
}

if (isEntry(import.meta.url)) runCommand('sim', main);
