/**
 * One unit of work of the CLI and sweeps: run a seed of a scenario, and on a violation re-run it
 * with the trace tail recorded and write the report. Runs the same in the main thread and in a
 * worker, which is what lets a sweep's results be identical for any number of workers.
 */
import type { RunConfig, Scenario } from '../sim/scenario.ts';
import type { FaultEvent } from '../sim/faults.ts';
import type { RunStats, Violation } from '../sim/kernel.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { configFor, runConfig } from '../sim/run.ts';
import { findScenario } from '../scenarios/index.ts';
import { makeReport, writeReport, type ToolInfo } from '../sim/report.ts';
import { RunMetrics, type MetricsJson } from './metrics.ts';
import { loadScenarioFile, loadedScenarioFile } from '../sim/scenario-file.ts';
import type { JobScenarioFile } from './scenario-source.ts';

export interface Job {
  readonly scenario: string;
  /** The user's scenario module the scenario comes from (`--scenario-file`); absent: a built-in one. */
  readonly scenarioFile?: JobScenarioFile;
  readonly seed: number;
  readonly bug: string | null;
  /** Replaces the seed's swarm schedule (from --faults). */
  readonly faults?: readonly FaultEvent[];
  /** A full config to run as is (a replay); overrides scenario/seed/bug/faults. */
  readonly config?: RunConfig;
  readonly checkpointEvery: number;
  /** Where to write a report on a violation; null: don't write. */
  readonly reportDir: string | null;
  readonly tool: ToolInfo;
  /** Record the trace of events in [from, to) instead of reporting (to locate a divergence). */
  readonly traceWindow?: readonly [number, number];
  /** Trace entries to keep for the report's tail. */
  readonly tail: number;
  /** Collect the run's metrics (--metrics). */
  readonly metrics?: boolean;
}

export interface JobResult {
  readonly seed: number;
  readonly traceHash: string;
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly violation: Violation | null;
  readonly reportPath: string | null;
  /** Why the report of a violation could not be written (the violation stands), or null. */
  readonly reportError: string | null;
  readonly checkpoints: readonly string[];
  readonly swarm: unknown;
  /** The last trace entries before the violation (or the recorded window). */
  readonly trace: readonly TraceEntry[];
  readonly stats: RunStats;
  /** The protocols' own counters, summed over the run: observations `{ type: 'metric', name, value }`. */
  readonly counters: Readonly<Record<string, number>>;
  /** The run's metrics, when the job asked for them. */
  readonly metrics?: MetricsJson;
  /** How often each rare branch (`cover` effect) fired. */
  readonly coverage: Readonly<Record<string, number>>;
}

/** The job's scenario: from its file (loaded before, see `loadJobScenario`) or built in. */
function jobScenario(job: Job): Scenario {
  const name = job.config?.scenario ?? job.scenario;
  const scenario = job.scenarioFile ? loadedScenarioFile(job.scenarioFile.path).scenarios.find((s) => s.name === name) : findScenario(name);
  if (!scenario) throw new Error(`unknown scenario ${name}${job.scenarioFile ? ` in ${job.scenarioFile.given}` : ''}`);
  return scenario;
}

/** Loads the job's scenario file, if it has one, so `runJob` can find its scenario (a worker thread loads it on its first job). */
export async function loadJobScenario(job: Job): Promise<void> {
  if (job.scenarioFile) await loadScenarioFile(job.scenarioFile.given, job.scenarioFile.path);
}

export function jobConfig(job: Job): RunConfig {
  if (job.config) return job.config;
  const scenario = jobScenario(job);
  const config = configFor(scenario, job.seed, job.bug);
  return job.faults ? { ...config, faults: job.faults, options: { ...config.options, swarm: 'replaced by --faults' } } : config;
}

/** Runs a job; with `job.metrics`, also collects the run's metrics (which prom-client hands out asynchronously). */
export async function runJobWithMetrics(job: Job, observe?: Observer): Promise<JobResult> {
  await loadJobScenario(job);
  if (!job.metrics) return runJob(job, observe);
  const metrics = new RunMetrics(job.config?.scenario ?? job.scenario);
  const config = jobConfig(job);
  metrics.startRun(config);
  const result = runJob({ ...job, config }, (node, observation, nowMs) => {
    metrics.observe(node, observation, nowMs);
    observe?.(node, observation, nowMs);
  });
  metrics.finishRun({ ...result, config, stats: result.stats, checkpoints: [], traceOmitted: 0 });
  return { ...result, metrics: await metrics.json() };
}

type Observer = (node: string, observation: unknown, nowMs: number) => void;

export function runJob(job: Job, observe?: Observer): JobResult {
  const scenario = jobScenario(job);
  const config = jobConfig(job);
  const started = performance.now(); // determinism-ok: wall time of the run, outside the simulated world
  const window = job.traceWindow;
  const counters: Record<string, number> = {};
  const result = runConfig(scenario, config, {
    checkpointEvery: job.checkpointEvery,
    trace: window ? { fromEvent: window[0], toEvent: window[1], capacity: Number.MAX_SAFE_INTEGER } : null,
    onObservation: (node, observation, nowMs) => {
      const o = observation as { type?: unknown; name?: unknown; value?: unknown } | null;
      if (o !== null && typeof o === 'object' && o.type === 'metric' && typeof o.name === 'string' && typeof o.value === 'number') {
        counters[o.name] = (counters[o.name] ?? 0) + o.value;
      }
      observe?.(node, observation, nowMs);
    },
  });
  const wallMs = performance.now() - started; // determinism-ok: wall time of the run
  let reportPath: string | null = null;
  let reportError: string | null = null;
  let trace = result.trace;
  if (result.violation && !window) {
    // Same config, same code: the traced re-run takes the same path, and records where it went.
    const traced = runConfig(scenario, config, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: job.tail } });
    if (traced.traceHash !== result.traceHash) {
      throw new Error(`determinism failure: seed ${config.seed} gave trace hash ${result.traceHash}, then ${traced.traceHash} when re-run with tracing`);
    }
    trace = traced.trace;
    if (job.reportDir !== null) {
      // A finding is never lost to an I/O error: the caller prints it and how to re-run it.
      try {
        reportPath = writeReport(makeReport(traced, { kind: 'sim' }, job.tool, job.scenarioFile?.given ?? null), job.reportDir);
      } catch (e) {
        reportError = `${(e as NodeJS.ErrnoException).code ?? (e as Error).message} writing under ${job.reportDir}`;
      }
    }
  }
  return {
    seed: config.seed,
    traceHash: result.traceHash,
    events: result.events,
    simulatedMs: result.simulatedMs,
    wallMs,
    violation: result.violation,
    reportPath,
    reportError,
    checkpoints: result.checkpoints,
    swarm: config.options.swarm ?? null,
    trace,
    stats: result.stats,
    counters: sortedCounters(counters),
    coverage: result.coverage,
  };
}

function sortedCounters(counters: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(counters).sort().map((k) => [k, counters[k]!]));
}

/** The counters of many runs, added up. */
export function sumCounters(results: readonly { readonly counters: Readonly<Record<string, number>> }[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.counters)) sum[k] = (sum[k] ?? 0) + v;
  return sortedCounters(sum);
}
