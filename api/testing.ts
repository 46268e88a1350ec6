/**
 * The test-runner helper: one call in a project's own test file (vitest, node:test, any runner
 * that fails a test on a thrown error) runs a seed sweep or a property run of a scenario. On a
 * failure it writes the report, and the error's message says what broke, where the report is and
 * the command that replays it:
 *
 *   import { assertSeeds, assertProperty } from 'cluster-sim';
 *   import { tokenRing } from './token-ring.ts';
 *
 *   test('no seed breaks the ring', () => { assertSeeds(tokenRing, { seeds: 200, scenarioFile: 'token-ring.ts' }); });
 *   test('generated faults do not either', () => { assertProperty(tokenRing, { numRuns: 100, scenarioFile: 'token-ring.ts' }); });
 *
 * `scenarioFile` names the scenario's module for the report (a path from the directory the tests
 * run in, or `new URL('./token-ring.ts', import.meta.url)`), so that `--replay` finds the
 * scenario again. `expectViolation: true` turns the check around, for a bug switch: the test
 * fails unless some seed (or case) breaks an invariant.
 */
import { AssertionError } from 'node:assert';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../sim/scenario.ts';
import type { Violation } from '../sim/kernel.ts';
import { configFor, runConfig, runSeed, type SweepFailure } from '../sim/run.ts';
import { makeReport, writeReport } from '../sim/report.ts';
import { commandLine } from '../sim/invocation.ts';
import { formatDuration } from '../reports/terminal.ts';
import { checkScenario, describeOutcome, type PropertyOutcome } from '../properties/check.ts';
import { scenarioShape, type CaseShape } from '../properties/arbitraries.ts';

export interface SeedsOptions {
  /** The seeds: a count N (seeds 1..N), a range 'A..B', or a list. Default 100. */
  readonly seeds?: number | string | readonly number[];
  /** A documented bug to switch on (`Scenario.bugs`). */
  readonly bug?: string | null;
  /**
   * Where a failing run's report goes (default reports/out, from the current directory; with
   * `expectViolation`, none); null: no report.
   */
  readonly out?: string | null;
  /** The scenario's module, as a path or a file URL: the report records it so that `--replay` finds the scenario. */
  readonly scenarioFile?: string | URL;
  /** Fail unless some seed breaks an invariant (a bug switch must be caught), instead of failing when one does. */
  readonly expectViolation?: boolean;
}

export interface SeedsOutcome {
  readonly scenario: string;
  readonly bug: string | null;
  /** The seeds run, in order. */
  readonly seeds: readonly number[];
  readonly failures: readonly SweepFailure[];
  /** The first failing seed's violation, its report and the command that replays it. */
  readonly first: { readonly seed: number; readonly violation: Violation; readonly reportPath: string | null; readonly replay: string | null } | null;
}

/** Runs the seeds of a scenario; never throws on a violation (the first failing seed gets a report). */
export function runSeeds(scenario: Scenario, options: SeedsOptions = {}): SeedsOutcome {
  const bug = options.bug ?? null;
  const seeds = seedList(options.seeds ?? 100);
  configFor(scenario, seeds[0] ?? 1, bug); // an unknown bug is an error before any run
  const failures: SweepFailure[] = [];
  let first: SeedsOutcome['first'] = null;
  for (const seed of seeds) {
    const v = runSeed(scenario, seed, bug).violation;
    if (v === null) continue;
    failures.push({ seed, invariant: v.invariant, message: v.message });
    if (first !== null) continue;
    const out = options.out === undefined ? (options.expectViolation === true ? null : 'reports/out') : options.out;
    if (out === null) {
      first = { seed, violation: v, reportPath: null, replay: null };
      continue;
    }
    // Same seed, same code: the traced re-run takes the same path and records its tail for the report.
    const traced = runConfig(scenario, configFor(scenario, seed, bug), { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 400 } });
    const reportPath = writeReport(makeReport(traced, { kind: 'sim' }, undefined, scenarioFileName(options.scenarioFile)), out);
    first = { seed, violation: traced.violation ?? v, reportPath, replay: commandLine('sim', '--replay', shown(reportPath)) };
  }
  return { scenario: scenario.name, bug, seeds, failures, first };
}

/** `runSeeds` for a test: throws an AssertionError naming the failing seed, its report and the replay command. */
export function assertSeeds(scenario: Scenario, options: SeedsOptions = {}): SeedsOutcome {
  const o = runSeeds(scenario, options);
  const what = `${o.scenario}${o.bug ? ` with bug ${o.bug}` : ''}, seeds ${describeSeeds(o.seeds)}`;
  if (options.expectViolation === true) {
    if (o.first === null) throw new AssertionError({ message: `${what}: no seed broke an invariant, so the bug went unnoticed` });
    return o;
  }
  if (o.first !== null) {
    const f = o.first;
    const others = o.failures.length > 1 ? ` (and ${o.failures.length - 1} more failing seed(s): ${o.failures.slice(1, 11).map((x) => x.seed).join(', ')}${o.failures.length > 11 ? ', ...' : ''})` : '';
    throw new AssertionError({
      message: [
        `${what}: seed ${f.seed} broke ${f.violation.invariant} at ${formatDuration(f.violation.atMs)}${others}`,
        `  ${f.violation.message.split('\n').join('\n  ')}`,
        ...(f.reportPath !== null ? [`report: ${shown(f.reportPath)}`, `replay: ${f.replay}`] : [`re-run: ${rerun(o, f.seed, options.scenarioFile)}`]),
      ].join('\n'),
    });
  }
  return o;
}

export interface PropertyCheckOptions {
  /** How the cases are generated; default: `scenarioShape(scenario)` (each case keeps its seed's options). */
  readonly shape?: CaseShape<any>;
  /** Cases to run (default 100). */
  readonly numRuns?: number;
  /** fast-check's seed, to make the run reproducible (default: random, printed on failure). */
  readonly seed?: number;
  readonly bug?: string | null;
  /** Where the shrunk failure's report goes (default reports/out; with `expectViolation`, none); null: no report. */
  readonly out?: string | null;
  readonly scenarioFile?: string | URL;
  /** Fail unless some case breaks an invariant (a bug switch must be caught). */
  readonly expectViolation?: boolean;
}

/**
 * A property run for a test: fast-check generates cases (faults of the shape's kinds, swarm
 * switched), every invariant of the scenario is the property, and a failure is shrunk and written
 * as a report. Throws an AssertionError with the shrunk violation, its report and the replay command.
 */
export function assertProperty(scenario: Scenario, options: PropertyCheckOptions = {}): PropertyOutcome {
  const bug = options.bug ?? null;
  const outcome = checkScenario(scenario, options.shape ?? scenarioShape(scenario), {
    bug,
    numRuns: options.numRuns ?? 100,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    reportDir: options.out === undefined ? (options.expectViolation === true ? null : 'reports/out') : options.out,
    scenarioFile: scenarioFileName(options.scenarioFile),
  });
  if (options.expectViolation === true) {
    if (!outcome.failed) throw new AssertionError({ message: `${scenario.name}${bug ? ` with bug ${bug}` : ''}: no violation in ${outcome.numRuns} generated cases (fast-check seed ${outcome.seed}), so the bug went unnoticed` });
    return outcome;
  }
  if (outcome.failed) throw new AssertionError({ message: describeOutcome({ ...outcome, reportPath: outcome.reportPath === null ? null : shown(outcome.reportPath) }) });
  return outcome;
}

/** The command that runs one seed again, for a failure whose report was not asked for. */
function rerun(o: SeedsOutcome, seed: number, file: string | URL | undefined): string {
  const name = scenarioFileName(file);
  return commandLine('sim', ...(name !== null ? ['--scenario-file', name] : []), '--scenario', o.scenario, '--seed', String(seed), ...(o.bug ? ['--bug', o.bug] : []));
}

function seedList(seeds: number | string | readonly number[]): number[] {
  if (typeof seeds === 'number') {
    if (!Number.isSafeInteger(seeds) || seeds < 1) throw new RangeError(`seeds: a count must be a positive whole number, got ${seeds}`);
    return Array.from({ length: seeds }, (_, k) => k + 1);
  }
  if (typeof seeds === 'string') {
    const m = /^(\d+)\.\.(\d+)$/.exec(seeds.trim());
    if (m === null || Number(m[2]) < Number(m[1])) throw new RangeError(`seeds: a range looks like '1..200', got ${JSON.stringify(seeds)}`);
    return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, k) => Number(m[1]) + k);
  }
  for (const s of seeds) if (!Number.isSafeInteger(s) || s < 0) throw new RangeError(`seeds: every seed must be a non-negative whole number, got ${s}`);
  return [...seeds];
}

function describeSeeds(seeds: readonly number[]): string {
  const contiguous = seeds.every((s, k) => k === 0 || s === seeds[k - 1]! + 1);
  return contiguous && seeds.length > 1 ? `${seeds[0]}..${seeds[seeds.length - 1]}` : seeds.join(', ');
}

/** The scenario file as a report records it: a path from the current directory (a URL becomes one). */
function scenarioFileName(file: string | URL | undefined): string | null {
  if (file === undefined) return null;
  const path = file instanceof URL || file.startsWith('file:') ? fileURLToPath(file) : file;
  return shown(path);
}

/** A path as a person types it here: relative to the current directory when it is inside it. */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r !== '' && !r.startsWith('..') && !r.startsWith('/') ? r : path;
}
