/**
 * Property checks over whole runs: fast-check generates run cases (cluster shape, network,
 * swarm-switched fault schedule), the kernel runs each, and every invariant of the scenario is
 * the property. A failure is shrunk by fast-check to a minimal case, re-run with its trace
 * recorded, and written as a report that `npm run sim -- --replay` reproduces.
 */
import fc from 'fast-check';
import type { Scenario } from '../sim/scenario.ts';
import type { RunConfig } from '../sim/scenario.ts';
import type { Violation } from '../sim/kernel.ts';
import { runConfig } from '../sim/run.ts';
import { caseConfig, runCaseArb, type CaseShape, type RunCase } from './arbitraries.ts';
import { makeReport, toolInfo, writeReport } from '../sim/report.ts';
import { commandLine } from '../sim/invocation.ts';

export interface PropertyOptions {
  readonly bug?: string | null;
  readonly numRuns: number;
  /** fast-check's seed (to reproduce a property run); random when absent. */
  readonly seed?: number;
  readonly path?: string;
  /** Where the report of a failure goes; null: no report. */
  readonly reportDir?: string | null;
  /** The user's scenario module the scenario comes from, as given: the report records it for the replay. */
  readonly scenarioFile?: string | null;
}

export interface PropertyOutcome {
  readonly scenario: string;
  readonly bug: string | null;
  readonly failed: boolean;
  /** Cases run up to and including the first failing one (all of them when none failed). */
  readonly numRuns: number;
  readonly numShrinks: number;
  readonly seed: number;
  readonly path: string | null;
  /** The shrunk failing case's run config and its violation. */
  readonly config: RunConfig | null;
  readonly violation: Violation | null;
  readonly reportPath: string | null;
}

export function checkScenario<O extends object>(scenario: Scenario, shape: CaseShape<O>, options: PropertyOptions): PropertyOutcome {
  const bug = options.bug ?? null;
  const toConfig = (c: RunCase<O>) => caseConfig(scenario, shape, c, bug);
  const property = fc.property(runCaseArb(shape), (c) => runConfig(scenario, toConfig(c)).violation === null);
  const details = fc.check(property, {
    numRuns: options.numRuns,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: false,
  });
  if (!details.failed || details.counterexample === null) {
    return { scenario: scenario.name, bug, failed: false, numRuns: details.numRuns, numShrinks: 0, seed: details.seed, path: null, config: null, violation: null, reportPath: null };
  }
  const config = toConfig(details.counterexample[0]);
  const traced = runConfig(scenario, config, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 400 } });
  let reportPath: string | null = null;
  if (traced.violation && options.reportDir !== null) {
    reportPath = writeReport(
      makeReport(traced, {
        kind: 'property',
        property: `${scenario.name}: every invariant holds`,
        fastCheck: { seed: details.seed, path: details.counterexamplePath ?? '', numRuns: details.numRuns },
        shrunk: true,
      }, toolInfo(), options.scenarioFile ?? null),
      options.reportDir ?? 'reports/out',
    );
  }
  return {
    scenario: scenario.name,
    bug,
    failed: true,
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    seed: details.seed,
    path: details.counterexamplePath,
    config,
    violation: traced.violation,
    reportPath,
  };
}

/** One line for a person: what failed, how small the case got, and how to get it back. */
export function describeOutcome(o: PropertyOutcome): string {
  if (!o.failed) return `${o.scenario}${o.bug ? ` (bug ${o.bug})` : ''}: ${o.numRuns} cases, no violation`;
  return [
    `${o.scenario}${o.bug ? ` (bug ${o.bug})` : ''}: ${o.violation?.invariant ?? '?'} after ${o.numRuns} cases; shrunk ${o.numShrinks} times to ${o.config?.faults.length ?? '?'} fault events`,
    `  ${o.violation?.message ?? ''}`,
    ...(o.reportPath ? [`  replay: ${commandLine('sim', '--replay', o.reportPath)}`] : []),
    `  fast-check: { seed: ${o.seed}, path: "${o.path ?? ''}" }`,
  ].join('\n');
}
