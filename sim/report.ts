/**
 * The report: one JSON file holding everything a replay needs (the full run config with its
 * fault schedule), the violation with the states it was seen in, the tail of the trace, and the
 * trace hash, plus the tool version and git commit so a stale report is recognised as such.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { oneLine, outputDirError, readTextInput } from './files.ts';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { RunConfig, Scenario } from './scenario.ts';
import type { RunResult, RunStats, Violation } from './kernel.ts';
import type { TraceEntry } from './trace.ts';
import { faultScheduleError } from './faults.ts';
import { conditionsError } from './network.ts';
import { directedScheduleError } from './directed.ts';
import { commandLine, fromSources, packageRoot } from './invocation.ts';

export const REPORT_FORMAT = 'cluster-sim-report';
export const REPORT_VERSION = 1;

export interface ToolInfo {
  readonly name: string;
  readonly version: string;
  /**
   * The git commit of the code that ran, when known: this repository's when run from its sources;
   * from the installed package, the project's (the repository of the current directory), since
   * that is where the scenarios that ran live, next to the lock file that pins this package.
   */
  readonly commit: string | null;
  /** True when the working tree had uncommitted changes: the commit alone may not rebuild the run. */
  readonly dirty: boolean;
}

/** Where a report came from, and how to get it back. */
export type ReportOrigin =
  | { readonly kind: 'sim' }
  | { readonly kind: 'property'; readonly property: string; readonly fastCheck: { readonly seed: number; readonly path: string; readonly numRuns: number }; readonly shrunk: boolean }
  | { readonly kind: 'explore'; readonly depth: number }
  | { readonly kind: 'determinism'; readonly hashes: readonly string[]; readonly divergence: unknown };

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly version: number;
  readonly tool: ToolInfo;
  readonly scenario: string;
  readonly seed: number;
  readonly bug: string | null;
  readonly origin: ReportOrigin;
  /**
   * The user's scenario module the run came from (`--scenario-file`), as it was given; absent for
   * the scenarios built into the tool. A replay loads it again, resolved against the current
   * directory or else the report's own.
   */
  readonly scenarioFile?: string;
  /**
   * The same module as a path from the report's own folder, written with `scenarioFile`: a replay
   * started in another directory finds it there, as long as the report and the module keep their
   * places relative to each other.
   */
  readonly scenarioFileFromReport?: string;
  readonly config: RunConfig;
  readonly violation: Violation;
  readonly traceHash: string;
  readonly events: number;
  readonly simulatedMs: number;
  readonly stats: RunStats;
  /** The last trace entries before the violation (the full trace is a replay away). */
  readonly traceTail: readonly TraceEntry[];
  readonly traceOmitted: number;
  /** The command that replays this report. */
  readonly replay: string;
}

let cachedTool: ToolInfo | undefined;

export function toolInfo(): ToolInfo {
  if (cachedTool) return cachedTool;
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  let commit: string | null = null;
  let dirty = false;
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: fromSources ? root : process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    commit = git('rev-parse', 'HEAD');
    dirty = git('status', '--porcelain', '--untracked-files=no').length > 0;
  } catch {
    commit = null;
  }
  cachedTool = { name: pkg.name, version: pkg.version, commit, dirty };
  return cachedTool;
}

/** `scenarioFile`: the user's scenario module the run came from, as given (`Report.scenarioFile`). */
export function makeReport(result: RunResult, origin: ReportOrigin, tool: ToolInfo = toolInfo(), scenarioFile: string | null = null): Omit<Report, 'replay'> {
  if (!result.violation) throw new Error('makeReport: the run had no violation');
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    tool,
    scenario: result.config.scenario,
    seed: result.config.seed,
    bug: result.config.bug,
    origin,
    ...(scenarioFile !== null ? { scenarioFile } : {}),
    config: result.config,
    violation: result.violation,
    traceHash: result.traceHash,
    events: result.events,
    simulatedMs: result.simulatedMs,
    stats: result.stats,
    traceTail: result.trace,
    traceOmitted: result.traceOmitted,
  };
}

export function reportFileName(r: Pick<Report, 'scenario' | 'seed' | 'bug' | 'traceHash'>): string {
  return `${r.scenario}-seed${r.seed}${r.bug ? `-${r.bug}` : ''}-${r.traceHash.slice(0, 8)}.json`;
}

/** Writes the report under `dir` atomically (temp file, then rename) and returns its path. */
export function writeReport(report: Omit<Report, 'replay'>, dir: string): string {
  const unusable = outputDirError(dir);
  if (unusable !== null) throw new Error(unusable);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, reportFileName(report));
  const shown = relative(process.cwd(), path) || path;
  const module = report.scenarioFile === undefined ? null : resolve(report.scenarioFile);
  const fromReport = module !== null && existsSync(module) ? relative(dirname(resolve(path)), module).split(sep).join('/') : null;
  const full: Report = { ...report, ...(fromReport !== null ? { scenarioFileFromReport: fromReport } : {}), replay: commandLine('sim', '--replay', shown) };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(full, null, 1)}\n`);
  renameSync(tmp, path);
  return path;
}

export class ReportError extends Error {}

/**
 * Reads and validates a report. Anything that is not a report this tool can replay is refused
 * with a `ReportError` whose message names the problem in one line.
 */
export function loadReport(path: string, findScenario: (name: string) => Scenario | undefined): Report {
  return validateReport(readReportData(path), path, findScenario);
}

/** A report file's JSON, not yet validated (to learn its scenario file before its scenario is looked up). */
export function readReportData(path: string): unknown {
  let text: string;
  try {
    text = readTextInput(path, 'report');
  } catch (e) {
    throw new ReportError((e as Error).message);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${path} is not a report: not valid JSON (${oneLine((e as Error).message, 120)})`);
  }
  return data;
}

export function validateReport(data: unknown, path: string, findScenario: (name: string) => Scenario | undefined): Report {
  const fail = (why: string): never => {
    throw new ReportError(`${path}: ${why}`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('not a report: the file holds no JSON object');
  const r = data as Record<string, unknown>;
  if (r.format !== REPORT_FORMAT) fail(`not a ${REPORT_FORMAT} file (format is ${JSON.stringify(r.format)})`);
  if (typeof r.version !== 'number') fail('the report has no version');
  if ((r.version as number) > REPORT_VERSION) fail(`report format version ${r.version} is newer than this tool reads (${REPORT_VERSION}); update the tool`);
  if ((r.version as number) < 1) fail(`unknown report format version ${r.version}`);
  const config = r.config as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null) fail('the report has no run config');
  const c = config as Record<string, unknown>;
  if (typeof c.scenario !== 'string') fail('config.scenario is missing');
  if (r.scenarioFile !== undefined && (typeof r.scenarioFile !== 'string' || r.scenarioFile === '')) fail('scenarioFile must be a file name');
  if (r.scenarioFileFromReport !== undefined && (typeof r.scenarioFileFromReport !== 'string' || r.scenarioFileFromReport === '')) fail('scenarioFileFromReport must be a file name');
  const scenario = findScenario(c.scenario as string) ?? fail(`unknown scenario ${JSON.stringify(c.scenario)} (see --list; for a scenario of your own, --scenario-file PATH names its module)`);
  if (typeof c.seed !== 'number' || !Number.isSafeInteger(c.seed) || (c.seed as number) < 0) fail('config.seed must be a non-negative integer');
  if (c.bug !== null && typeof c.bug !== 'string') fail('config.bug must be a bug name or null');
  if (c.bug !== null && !scenario.bugs.some((b) => b.name === c.bug)) fail(`scenario ${scenario.name} has no bug ${JSON.stringify(c.bug)} (see --list-bugs)`);
  for (const key of ['durationMs', 'quietMs', 'maxEvents'] as const) {
    if (typeof c[key] !== 'number' || !Number.isFinite(c[key]) || (c[key] as number) < 0) fail(`config.${key} must be a non-negative number`);
  }
  if (typeof c.options !== 'object' || c.options === null) fail('config.options must be an object');
  const network = c.network as Record<string, unknown> | undefined;
  if (typeof network !== 'object' || network === null || typeof network.base !== 'object' || network.base === null) fail('config.network.base is missing');
  const baseError = conditionsError(network!.base as object, 'config.network.base');
  if (baseError) fail(baseError);
  const base = network!.base as Record<string, unknown>;
  if (base.latency === undefined || base.lossRate === undefined || base.duplicateRate === undefined || base.reorder === undefined) fail('config.network.base needs lossRate, duplicateRate, latency and reorder');
  const clock = c.clock as Record<string, unknown> | undefined;
  if (typeof clock?.maxSkewMs !== 'number' || typeof clock?.maxDriftPpm !== 'number') fail('config.clock needs maxSkewMs and maxDriftPpm');
  let nodes: string[] = [];
  try {
    nodes = scenario.build(config as unknown as RunConfig).nodes.filter((n) => n.faultable).map((n) => n.id);
  } catch (e) {
    fail(`config.options don't build a ${scenario.name} world: ${(e as Error).message}`);
  }
  const faultError = faultScheduleError(c.faults, nodes);
  if (!faultError && c.lasting !== undefined) {
    const lastingError = faultScheduleError(c.lasting, nodes) ?? ((c.lasting as { type?: unknown }[]).some((f) => f.type !== 'oneway' && f.type !== 'partition' && f.type !== 'network') ? 'only oneway, partition and network faults can last' : null);
    if (lastingError) fail(`config.lasting: ${lastingError}`);
  }
  if (faultError) fail(`config.faults: ${faultError}`);
  const directedError = c.directed === undefined ? null : directedScheduleError(c.directed, (c.faults as unknown[]).length);
  if (directedError) fail(`config.${directedError}`);
  const v = r.violation as Record<string, unknown> | undefined;
  if (typeof v !== 'object' || v === null) fail('the report has no violation');
  if (typeof v!.invariant !== 'string' || typeof v!.eventIndex !== 'number' || typeof v!.atMs !== 'number') fail('violation needs invariant, eventIndex and atMs');
  if (typeof r.traceHash !== 'string' || !/^[0-9a-f]{16}$/.test(r.traceHash)) fail('traceHash must be 16 hex digits');
  // The top-level names are what a person reads; the config is what runs. They must agree.
  for (const key of ['scenario', 'seed', 'bug'] as const) {
    if (r[key] !== undefined && r[key] !== c[key]) fail(`its ${key} ${JSON.stringify(r[key])} disagrees with its config's ${JSON.stringify(c[key])}: the file was edited or is damaged`);
  }
  if (!Array.isArray(r.traceTail)) fail('traceTail must be a list');
  return data as Report;
}
