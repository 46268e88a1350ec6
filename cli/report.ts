/**
 * `npm run report -- FILE [--out OUT.html] [--window-ms N]`: re-run a report's config with the
 * whole trace recorded, check the trace hash against the report's, print the violation and the
 * trace before it, and write the HTML page (default: next to the report, FILE with .html).
 * Exit 0: the page was written; 2: bad usage or a broken or foreign report (one line, no stack
 * trace); 3: an internal error.
 */
import { statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { findScenario } from '../scenarios/index.ts';
import { REPORT_FORMAT, REPORT_VERSION, type Report, type ToolInfo } from '../sim/report.ts';
import type { RunConfig } from '../sim/scenario.ts';
import type { Scenario } from '../sim/scenario.ts';
import { commandPrefix } from '../sim/invocation.ts';
import { loadReportWithScenarios } from './scenario-source.ts';
import { formatEntry, formatDuration } from '../reports/terminal.ts';
import { DEFAULT_WINDOW_MS, renderReportHtml } from '../reports/html.ts';
import { recordRun, type RecordedRun } from '../reports/replay.ts';
import type { RunResult } from '../sim/kernel.ts';
import { UsageError, checkOutputFile, parseCommandLine, runCommand, isEntry, writeOutputFile } from './command.ts';


const help = `Usage: ${commandPrefix('report')} FILE [--out OUT.html] [--window-ms N] [--scenario-file PATH]

Re-runs the report FILE with the whole trace recorded, checks that the run's trace hash is the
report's, prints the violation and the trace entries before it, and writes a single-file HTML page
with a space-time diagram of the run (nothing in it is fetched from the network).

Options:
  --out OUT.html     where to write the page (default: FILE with .html instead of .json; a directory: the
                     page goes there under that name)
  --window-ms N      draw the last N ms before the violation in full detail (default: ${DEFAULT_WINDOW_MS})
  --scenario-file PATH  the scenario module the report's run came from, when it is no longer where the
                     report says (a report of a user's scenario remembers its file)
  -h, --help         this text

Exit status: 0 the page was written, 2 bad usage or a broken or foreign report.`;

const TAIL_SHOWN = 20;

/** A report's page: the report replayed with everything the page draws, rendered. Throws a UsageError when its config does not run. */
export function reportPage(report: Report, file: string, windowMs = DEFAULT_WINDOW_MS, scenario: Scenario = findScenario(report.config.scenario)!): { html: string; result: RunResult } {
  let recorded: RecordedRun;
  try {
    recorded = recordRun(scenario, report.config);
  } catch (e) {
    throw new UsageError(`${file}: its config does not run: ${(e as Error).message.split('\n')[0]}`);
  }
  const result = recorded.result;
  const html = renderReportHtml(report, result.trace, {
    windowMs,
    replay: { traceHash: result.traceHash, violation: result.violation },
    reportPath: rel(file),
    nodeRoles: recorded.nodeRoles,
    traceOmitted: result.traceOmitted,
    lanes: recorded.lanes,
    hooks: recorded.hooks,
    invariants: recorded.invariants,
  });
  return { html, result };
}

/**
 * One run's page, drawn from a fresh recording of `config`: a report's page when it fails, a
 * passing run's page (no story, the end of the run in focus) when it does not. `replay` is the
 * command that re-runs it.
 */
export function runPage(scenario: Scenario, config: RunConfig, tool: ToolInfo, replay: string, windowMs = DEFAULT_WINDOW_MS): { html: string; result: RunResult } {
  const recorded = recordRun(scenario, config);
  const r = recorded.result;
  const page = {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    tool,
    scenario: config.scenario,
    seed: config.seed,
    bug: config.bug,
    origin: { kind: 'sim' },
    config,
    violation: r.violation,
    traceHash: r.traceHash,
    events: r.events,
    simulatedMs: r.simulatedMs,
    stats: r.stats,
    traceTail: [],
    traceOmitted: r.traceOmitted,
    replay,
  } as const;
  const html = renderReportHtml(page, r.trace, { windowMs, nodeRoles: recorded.nodeRoles, traceOmitted: r.traceOmitted, lanes: recorded.lanes, hooks: recorded.hooks, invariants: recorded.invariants });
  return { html, result: r };
}

function rel(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') ? r : path;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function parseWindow(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--window-ms must be a positive number of milliseconds, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--window-ms must be a positive number of milliseconds, got ${text}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine({
    args: argv,
    options: {
      out: { type: 'string' },
      'window-ms': { type: 'string' },
      'scenario-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const v = parsed.values;
  if (v.help) {
    console.log(help);
    return 0;
  }
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError(`give the report to render: ${commandPrefix('report')} FILE (see --help)`);
  if (files.length > 1) throw new UsageError(`one report at a time, got ${files.length}: ${files.join(' ')}`);
  const file = files[0]!;
  const windowMs = v['window-ms'] === undefined ? DEFAULT_WINDOW_MS : parseWindow(v['window-ms']);
  const besideReport = file.endsWith('.json') ? `${file.slice(0, -'.json'.length)}.html` : `${file}.html`;
  // --out DIR (an existing directory) puts the page there under the report's name.
  const out = v.out === undefined ? besideReport : isDirectory(v.out) ? join(v.out, basename(besideReport)) : v.out;
  if (out === file) throw new UsageError(`--out ${out} would overwrite the report`);
  checkOutputFile(out, '--out');

  const { report, source } = await loadReportWithScenarios(file, v['scenario-file']);
  const { html, result } = reportPage(report, file, windowMs, source.find(report.config.scenario)!);

  const violation = report.violation;
  const lines: string[] = [];
  lines.push(`Report ${rel(file)}: scenario ${report.scenario}, seed ${report.seed}${report.bug ? `, bug ${report.bug}` : ''}`);
  lines.push(`  made by ${report.tool.name} ${report.tool.version}${report.tool.commit ? ` at commit ${report.tool.commit.slice(0, 10)}${report.tool.dirty ? ' (dirty)' : ''}` : ''}`);
  lines.push('', `VIOLATION of ${violation.invariant} (${violation.kind}) at ${formatDuration(violation.atMs)}, event ${violation.eventIndex}:`, `  ${violation.message}`);
  const before = result.trace.filter((e) => e.i <= violation.eventIndex).slice(-TAIL_SHOWN);
  if (before.length > 0) {
    lines.push('', `Last ${before.length} trace entries before it:`);
    for (const e of before) lines.push(`  ${formatEntry(e)}`);
  }
  const sameHash = result.traceHash === report.traceHash;
  const rv = result.violation;
  const sameViolation = rv !== null && rv.invariant === violation.invariant && rv.eventIndex === violation.eventIndex;
  lines.push('');
  if (sameHash) lines.push(`Replay: the same trace hash ${result.traceHash}${sameViolation ? ' and the same violation' : ''}`);
  console.log(lines.join('\n'));
  if (!sameHash) {
    console.error(`warning: the replay gave trace hash ${result.traceHash}, the report has ${report.traceHash}: the code changed since the report was made; the page shows today's run`);
  }
  if (!sameViolation) {
    console.error(`warning: the replay ${rv ? `ended with ${rv.invariant} at event ${rv.eventIndex}` : 'found no violation'}, the report has ${violation.invariant} at event ${violation.eventIndex}`);
  }

  writeOutputFile(out, html, 'report');
  console.log(`HTML:   ${rel(out)}`);
  return 0;
}

if (isEntry(import.meta.url)) runCommand('report', main);
