/**
 * Where the command line finds its scenarios: the ones built into the tool, or, with
 * `--scenario-file PATH`, the ones a user's module exports (and only those: `--scenario NAME` and
 * `--list` then speak of the file's scenarios). A report remembers its file, so a replay finds it.
 */
import { dirname } from 'node:path';
import type { Scenario } from '../sim/scenario.ts';
import { defaultScenarioName, findScenario, scenarios as builtIn } from '../scenarios/index.ts';
import { loadScenarioFile, scenarioFilePath, ScenarioFileError, type ScenarioFile } from '../sim/scenario-file.ts';
import { existsSync } from 'node:fs';
import { UsageError } from './command.ts';
import { readReportData, ReportError, validateReport, type Report } from '../sim/report.ts';

export interface ScenarioSource {
  /** The user's file, or null for the built-in scenarios. */
  readonly file: ScenarioFile | null;
  readonly scenarios: readonly Scenario[];
  /** The scenario run without --scenario: the built-in default, or the file's first. */
  readonly defaultName: string;
  find(name: string): Scenario | undefined;
}

/** What a job needs to find its scenario again in a worker thread: the file as given, and where it is. */
export interface JobScenarioFile {
  readonly given: string;
  readonly path: string;
}

export const builtInScenarios: ScenarioSource = { file: null, scenarios: builtIn, defaultName: defaultScenarioName, find: findScenario };

/** The scenarios of `--scenario-file` (a one-line UsageError when it cannot be loaded), or the built-in ones. */
export async function scenarioSource(given: string | undefined, path?: string): Promise<ScenarioSource> {
  if (given === undefined) return builtInScenarios;
  if (given.trim() === '') throw new UsageError('--scenario-file needs a file name');
  let file: ScenarioFile;
  try {
    file = await loadScenarioFile(given, path);
  } catch (e) {
    if (e instanceof ScenarioFileError) throw new UsageError(e.message);
    throw e;
  }
  return { file, scenarios: file.scenarios, defaultName: file.scenarios[0]!.name, find: (name) => file.scenarios.find((s) => s.name === name) };
}

/**
 * The scenario file a report names, as a path to load: against the current directory first (where
 * the run that wrote it was started, normally), else against the report's own folder (a report
 * copied next to its scenario), else where the report says the file was from its own folder (a
 * replay started in another directory). The first that exists; the current directory's when none
 * does, so the error names where it looked first.
 */
export function reportScenarioFilePath(given: string, reportPath: string, fromReport?: string): string {
  const here = scenarioFilePath(given);
  if (existsSync(here)) return here;
  const beside = scenarioFilePath(given, dirname(reportPath));
  if (existsSync(beside)) return beside;
  const recorded = fromReport === undefined ? null : scenarioFilePath(fromReport, dirname(reportPath));
  return recorded !== null && existsSync(recorded) ? recorded : here;
}

/** The scenario a `--scenario NAME` names in this source, or a one-line error listing what there is. */
export function pickScenario(source: ScenarioSource, name: string | undefined): Scenario {
  const wanted = name ?? source.defaultName;
  const scenario = source.find(wanted);
  if (scenario !== undefined) return scenario;
  if (source.file !== null) {
    throw new UsageError(`scenario file ${source.file.given} has no scenario ${JSON.stringify(wanted)}; it has ${source.scenarios.map((s) => s.name).join(', ')}`);
  }
  throw new UsageError(`unknown scenario ${JSON.stringify(wanted)}; --list shows the scenarios`);
}

/**
 * Reads a report and the scenarios it needs: those of the scenario file it names (or of
 * `override`, a file that moved), else the built-in ones. Every problem is one `ReportError` line.
 */
export async function loadReportScenarios(reportPath: string, override?: string): Promise<{ readonly report: Report; readonly source: ScenarioSource }> {
  const data = readReportData(reportPath);
  const recorded = (data as { scenarioFile?: unknown } | null)?.scenarioFile;
  const fromReport = (data as { scenarioFileFromReport?: unknown } | null)?.scenarioFileFromReport;
  let source = builtInScenarios;
  try {
    if (override !== undefined) source = await scenarioSource(override);
    else if (typeof recorded === 'string' && recorded !== '') source = await scenarioSource(recorded, reportScenarioFilePath(recorded, reportPath, typeof fromReport === 'string' && fromReport !== '' ? fromReport : undefined));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const where = override === undefined && /no such file$/.test(e.message) ? ' (looked in the current directory and the report\'s; --scenario-file PATH says where it is now)' : '';
    throw new ReportError(`${reportPath}: ${e.message}${where}`);
  }
  return { report: validateReport(data, reportPath, source.find), source };
}

/** `loadReportScenarios` for the command line: its errors are usage errors (one line, exit 2). */
export async function loadReportWithScenarios(reportPath: string, override?: string): Promise<{ readonly report: Report; readonly source: ScenarioSource }> {
  try {
    return await loadReportScenarios(reportPath, override);
  } catch (e) {
    if (e instanceof ReportError) throw new UsageError(e.message);
    throw e;
  }
}
