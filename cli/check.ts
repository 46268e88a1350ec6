/**
 * `npm run check -- FILE [--timeout SECONDS] [--json] [--html OUT.html] [--all-keys]`
 *
 * Checks one history file (format: docs/linearizability.md) and prints the verdict; when it is not
 * linearizable, the smallest set of operations per failing key that cannot be ordered, and a
 * timeline of them. Exit status: 0 linearizable, 1 not linearizable, 2 bad input or usage (one
 * line on stderr, never a stack trace), 3 unknown (the time budget ran out).
 */
import { writeFileSync } from 'node:fs';
import chalk, { Chalk } from 'chalk';
import { checkHistory, type CheckResult } from '../checkers/linearizability/checker.ts';
import { parseHistory, type History } from '../checkers/linearizability/history.ts';
import { evidenceHistory } from '../checkers/linearizability/evidence.ts';
import { UsageError, checkOutputFile, oneLine, parseCommandLine, readTextInput, runCommand, isEntry } from './command.ts';
import { contextAround, renderHtml, renderTimeline } from '../checkers/linearizability/render.ts';
import { commandPrefix } from '../sim/invocation.ts';

const EXIT_LINEARIZABLE = 0;
const EXIT_NOT_LINEARIZABLE = 1;
const EXIT_UNKNOWN = 3;
const DEFAULT_TIMEOUT_SECONDS = 60;
const TIMELINE_OPERATIONS = 24;

const USAGE = `usage: ${commandPrefix('check')} FILE [--timeout SECONDS] [--json] [--html OUT.html] [--all-keys]
  FILE               a history (docs/linearizability.md's format: model register, kv, mutex, multi-register, set or
                     fifo-queue; \`${commandPrefix('sim')} --history FILE\` writes one), or a report of a
                     linearizability violation, whose failing key's history it checks again
  --timeout SECONDS  wall-clock budget for the check (default ${DEFAULT_TIMEOUT_SECONDS}; 0 = none); exit 3 when it runs out
  --json             print one JSON object instead of text
  --html OUT.html    also write a standalone HTML timeline
  --all-keys         kv: keep checking after a failing key, to report every failing key
exit status: 0 linearizable, 1 not linearizable, 2 bad input, 3 unknown (out of time)`;

interface Args {
  readonly file: string;
  readonly timeoutMs: number | undefined;
  readonly json: boolean;
  readonly html: string | undefined;
  readonly allKeys: boolean;
}

function parseArgv(argv: readonly string[]): Args | 'help' {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      'all-keys': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('missing FILE (the history to check)');
  if (positionals.length > 1) throw new UsageError(`expected one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  const seconds = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
  if (values.timeout !== undefined && (values.timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0)) {
    throw new UsageError(`--timeout must be a number of seconds >= 0, got '${values.timeout}'`);
  }
  if (values.html !== undefined) checkOutputFile(values.html, '--html');
  return {
    file: positionals[0]!,
    timeoutMs: seconds === 0 ? undefined : seconds * 1000,
    json: values.json,
    html: values.html,
    allKeys: values['all-keys'],
  };
}

/** A history file, or the history a report's linearizability violation carries. */
function readHistory(file: string): History {
  const text = readTextInput(file, 'history');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: invalid JSON: ${oneLine(e instanceof Error ? e.message : String(e), 120)}`);
  }
  if (typeof json === 'object' && json !== null && (json as { format?: unknown }).format === 'cluster-sim-report') {
    const violation = (json as { violation?: unknown }).violation;
    const carried = typeof violation === 'object' && violation !== null ? evidenceHistory(violation) : null;
    if (carried === null) throw new UsageError(`${file} is a report whose violation carries no history (only linearizability violations do)`);
    json = carried;
  }
  const parsed = parseHistory(json);
  if (!parsed.ok) throw new UsageError(`${file}: ${parsed.error}`);
  return parsed.history;
}

function exitCode(result: CheckResult): number {
  switch (result.verdict) {
    case 'linearizable':
      return EXIT_LINEARIZABLE;
    case 'not-linearizable':
      return EXIT_NOT_LINEARIZABLE;
    case 'unknown':
      return EXIT_UNKNOWN;
  }
}

function printText(file: string, history: History, result: CheckResult, elapsedMs: number): void {
  const color = process.stdout.isTTY === true && chalk.level > 0;
  const c = new Chalk({ level: color ? chalk.level : 0 });
  const clients = new Set(history.operations.map((o) => `${typeof o.client}:${o.client}`)).size;
  console.log(`${file}: ${history.model}, ${history.operations.length} operations, ${clients} clients`);
  const verdict =
    result.verdict === 'linearizable'
      ? c.green.bold('LINEARIZABLE')
      : result.verdict === 'not-linearizable'
        ? c.red.bold('NOT LINEARIZABLE')
        : c.yellow.bold(`UNKNOWN (${result.exhausted === 'memory' ? 'the search ran out of memory' : 'the time budget ran out'})`);
  console.log(`verdict: ${verdict}  (${result.steps} search steps, ${elapsedMs.toFixed(0)} ms)`);
  const { uniqueWrites } = result.decidedBy;
  if (uniqueWrites > 0) {
    const which = result.perKey === undefined ? 'the register' : `${uniqueWrites} of ${result.perKey.length} keys`;
    console.log(`unique writes: ${which} decided without a search (every value written once, no cas or append)`);
  }
  if (result.perKey !== undefined) {
    const count = (v: string): number => result.perKey!.filter((k) => k.verdict === v).length;
    const parts = [
      `${count('linearizable')} linearizable`,
      `${count('not-linearizable')} not linearizable`,
      ...(count('unknown') > 0 ? [`${count('unknown')} unknown`] : []),
      ...(count('skipped') > 0 ? [`${count('skipped')} not checked (verdict already settled; --all-keys checks them)`] : []),
    ];
    console.log(`keys: ${result.perKey.length}: ${parts.join(', ')}`);
  }
  if (result.explanation === undefined) return;
  console.log('');
  console.log(result.explanation.text);
  const columns = process.stdout.columns ?? 100;
  for (const f of result.explanation.failures) {
    const shown = contextAround(history, f.operations, TIMELINE_OPERATIONS);
    console.log('');
    console.log(`timeline${f.key === null ? '' : ` of key ${JSON.stringify(f.key)}`} (offending operations marked${color ? ' in red' : " with '*' and '!'"}):`);
    console.log(renderTimeline(history, shown, { width: Math.max(40, Math.min(100, columns - 20)), color, highlight: new Set(f.operations) }));
  }
}

export function main(argv: string[]): number {
  const args = parseArgv(argv);
  if (args === 'help') {
    console.log(USAGE);
    return EXIT_LINEARIZABLE;
  }
  const history = readHistory(args.file);
  const started = performance.now(); // determinism-ok: CLI wall-clock budget
  const result = checkHistory(history, {
    allKeys: args.allKeys,
    ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs, clock: () => performance.now() }), // determinism-ok: CLI wall-clock budget
  });
  const elapsedMs = performance.now() - started; // determinism-ok: CLI wall-clock budget
  if (args.html !== undefined) {
    try {
      writeFileSync(args.html, renderHtml(history, result, { title: args.file }));
    } catch (e) {
      throw new UsageError(`cannot write ${args.html}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  if (args.json) {
    console.log(
      JSON.stringify({
        file: args.file,
        model: history.model,
        operations: history.operations.length,
        verdict: result.verdict,
        steps: result.steps,
        decidedBy: result.decidedBy,
        elapsedMs: Math.round(elapsedMs),
        ...(result.exhausted === undefined ? {} : { exhausted: result.exhausted }),
        ...(result.perKey === undefined ? {} : { perKey: result.perKey }),
        ...(result.explanation === undefined ? {} : { failures: result.explanation.failures, explanation: result.explanation.text }),
        ...(args.html === undefined ? {} : { html: args.html }),
      }),
    );
  } else {
    printText(args.file, history, result, elapsedMs);
    if (args.html !== undefined) console.log(`\nHTML timeline written to ${args.html}`);
  }
  return exitCode(result);
}

if (isEntry(import.meta.url)) runCommand('check', main);
