/**
 * Replaying a report from code, as `--replay` does: the report's config runs again in the kernel
 * (with its scenario file loaded, when the report names one), and the outcome says whether the
 * same violation at the same event and the same trace hash came back.
 */
import type { RunResult } from '../sim/kernel.ts';
import type { Report } from '../sim/report.ts';
import type { Scenario } from '../sim/scenario.ts';
import { runConfig } from '../sim/run.ts';

export interface ReplayOptions {
  /** The scenario module, when it is no longer where the report says (as `--scenario-file` with `--replay`). */
  readonly scenarioFile?: string;
  /** Trace entries to keep from the replay's end (default 400). */
  readonly traceTail?: number;
}

export interface ReplayOutcome {
  readonly report: Report;
  readonly scenario: Scenario;
  readonly result: RunResult;
  /** The same invariant broke at the same event. */
  readonly sameViolation: boolean;
  readonly sameTraceHash: boolean;
}

/** Replays a report; a report that cannot be read, or whose scenario cannot be found, throws a one-line `ReportError`. */
export async function replayReport(path: string, options: ReplayOptions = {}): Promise<ReplayOutcome> {
  // Loaded here, not at the top: it brings every built-in scenario, which a project's own code never needs.
  const { loadReportScenarios } = await import('../cli/scenario-source.ts');
  const { report, source } = await loadReportScenarios(path, options.scenarioFile);
  const scenario = source.find(report.config.scenario)!;
  const result = runConfig(scenario, report.config, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: options.traceTail ?? 400 } });
  const v = result.violation;
  return {
    report,
    scenario,
    result,
    sameViolation: v !== null && v.invariant === report.violation.invariant && v.eventIndex === report.violation.eventIndex,
    sameTraceHash: result.traceHash === report.traceHash,
  };
}
