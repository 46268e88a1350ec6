/**
 * `npm run check -- FILE [--timeout SECONDS] [--json] [--html OUT.html] [--all-keys]`
 *
 * Checks one history file (format: README.md) and prints the verdict; when it is not
 * linearizable, the smallest set of operations per failing key that cannot be ordered, and a
 * timeline of them. Exit status: 0 linearizable, 1 not linearizable, 2 bad input or usage (one
 * line on stderr, never a stack trace), 3 unknown (the time budget ran out).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import chalk, { Chalk } from 'chalk';
import { checkHistory, type CheckResult } from './checker.ts';
import { parseHistoryText, type History } from './history.ts';
import { contextAround, renderHtml, renderTimeline } from './render.ts';

const EXIT_LINEARIZABLE = 0;
const EXIT_NOT_LINEARIZABLE = 1;
const EXIT_BAD_INPUT = 2;
const EXIT_UNKNOWN = 3;
const DEFAULT_TIMEOUT_SECONDS = 60;
const TIMELINE_OPERATIONS = 24;

const USAGE = `usage: npm run check -- FILE [--timeout SECONDS] [--json] [--html OUT.html] [--all-keys]
  --timeout SECONDS  wall-clock budget for the check (default ${DEFAULT_TIMEOUT_SECONDS}; 0 = none); exit 3 when it runs out
  --json             print one JSON object instead of text
  --html OUT.html    also write a standalone HTML timeline
  --all-keys         kv: keep checking after a failing key, to report every failing key
exit status: 0 linearizable, 1 not linearizable, 2 bad input, 3 unknown (out of time)`;

class UsageError extends Error {}

interface Args {
  readonly file: string;
  readonly timeoutMs: number | undefined;
  readonly json: boolean;
  readonly html: string | undefined;
  readonly allKeys: boolean;
}

function parseCommandLine(argv: readonly string[]): Args | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
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
  } catch (e) {
    // parseArgs' messages are one line and name the flag, e.g. "Unknown option '--foo'".
    throw new UsageError(e instanceof Error ? e.message.split(/\n|\. /)[0]! : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('missing FILE (the history to check)');
  if (positionals.length > 1) throw new UsageError(`expected one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  const seconds = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
  if (values.timeout !== undefined && (values.timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0)) {
    throw new UsageError(`--timeout must be a number of seconds >= 0, got '${values.timeout}'`);
  }
  if (values.html !== undefined && values.html.trim() === '') throw new UsageError('--html needs a file name');
  return {
    file: positionals[0]!,
    timeoutMs: seconds === 0 ? undefined : seconds * 1000,
    json: values.json,
    html: values.html,
    allKeys: values['all-keys'],
  };
}

function readHistory(file: string): History {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(e));
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  const parsed = parseHistoryText(text);
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

function main(argv: readonly string[]): number {
  const args = parseCommandLine(argv);
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

let status: number;
try {
  status = main(process.argv.slice(2));
} catch (e) {
  // Bad input and usage are expected; anything else is a bug, but still one line, never a trace.
  const message = e instanceof Error ? e.message : String(e);
  console.error(e instanceof UsageError ? `check: ${message}` : `check: internal error: ${message}`);
  status = EXIT_BAD_INPUT;
}
process.exitCode = status;
