/**
 * A fuzz test of the command lines: fast-check writes argument vectors for `sim`, `report` and
 * `check` from each command's flags (good values, bad values, values that look like options, paths
 * into /proc, /sys, /dev/null and files) and input files (good, truncated, bytes flipped, binary,
 * huge, empty, other JSON, a folder, missing). Every case must end within its time bound with
 * 0, 1 or 2 (`check`: also 3, out of time), print at most one line on stderr when it exits 2,
 * never a stack trace or an internal error, and with --json print one JSON object and nothing else.
 *
 * The cases run in one child process (cli/fuzz-harness.ts), in-process one after another; a case
 * that outlives its bound kills the child and fails the property with that case.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from './jobs.ts';
import { executePlan, randomPlan } from '../checkers/linearizability/generate.ts';
import type { FuzzCase, FuzzCommand, FuzzResult } from './fuzz-harness.ts';

const ROOT = join(import.meta.dirname, '..');
/** Per case; generous, since two test files may share the machine's cores with this one. */
const CASE_BOUND_MS = 60_000;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const dir = mkdtempSync(join(tmpdir(), 'cli-fuzz-'));
const TOOL = { name: 'cluster-sim', version: '0.0.0-fuzz', commit: null, dirty: false };
let goodReport = '';
let goodHistory = '';
let linReport = '';

/** The child that runs cases, restarted after a case it had to be killed for. */
class Harness {
  private child: ChildProcessWithoutNullStreams | null = null;
  private waiting = new Map<number, (r: FuzzResult) => void>();

  private start(): ChildProcessWithoutNullStreams {
    // tsx by its resolved place: worker threads inherit the flag, and the harness works in `dir`.
    const tsx = import.meta.resolve('tsx');
    const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'cli/fuzz-harness.ts'), dir], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const r = JSON.parse(line) as FuzzResult;
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    child.stderr.on('data', () => {});
    this.child = child;
    return child;
  }

  run(c: FuzzCase): Promise<FuzzResult | 'timeout'> {
    const child = this.child ?? this.start();
    return new Promise((resolvePromise) => {
      const timer = setTimeout(() => {
        this.waiting.delete(c.id);
        child.kill('SIGKILL');
        this.child = null;
        resolvePromise('timeout');
      }, CASE_BOUND_MS);
      this.waiting.set(c.id, (r) => {
        clearTimeout(timer);
        resolvePromise(r);
      });
      child.stdin.write(`${JSON.stringify(c)}\n`);
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
  }
}

// --- inputs ------------------------------------------------------------------------------------

type FileKind = 'good' | 'truncated' | 'flipped' | 'binary' | 'huge' | 'empty' | 'other-json' | 'folder' | 'missing';
interface FileSpec {
  readonly base: 'report' | 'history' | 'lin-report';
  readonly kind: FileKind;
  readonly at: number;
  readonly bytes: readonly number[];
  readonly json: unknown;
}

const fileSpec = (bases: readonly FileSpec['base'][]): fc.Arbitrary<FileSpec> =>
  fc.record({
    base: fc.constantFrom(...bases),
    kind: fc.constantFrom<FileKind>('good', 'good', 'truncated', 'flipped', 'binary', 'huge', 'empty', 'other-json', 'folder', 'missing'),
    at: fc.nat(),
    bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 64 }),
    json: fc.json().map((t) => JSON.parse(t) as unknown),
  });

let fileCounter = 0;
function materialize(f: FileSpec): string {
  const path = join(dir, `in-${++fileCounter}.json`);
  const source = readFileSync(f.base === 'report' ? goodReport : f.base === 'history' ? goodHistory : linReport);
  switch (f.kind) {
    case 'good':
      writeFileSync(path, source);
      break;
    case 'truncated':
      writeFileSync(path, source.subarray(0, f.at % source.length));
      break;
    case 'flipped': {
      const copy = Buffer.from(source);
      f.bytes.forEach((b, k) => {
        const at = (f.at + k * 7919) % copy.length;
        copy[at] = copy[at]! ^ (1 + (b % 255));
      });
      writeFileSync(path, copy);
      break;
    }
    case 'binary':
      writeFileSync(path, Buffer.from(f.bytes));
      break;
    case 'huge':
      // About 6 MB of JSON that is no report and no history.
      writeFileSync(path, `[${'{"op":"get","client":1,"call":0,"return":1},'.repeat(140_000)}0]`);
      break;
    case 'empty':
      writeFileSync(path, '');
      break;
    case 'other-json':
      writeFileSync(path, JSON.stringify(f.json));
      break;
    case 'folder':
      mkdirSync(path);
      break;
    case 'missing':
      break;
  }
  return path;
}

/** A file that exists, made for the case (never one of the checkout's: a case may overwrite it). */
function existingFile(): string {
  const path = join(dir, `existing-${++fileCounter}.txt`);
  writeFileSync(path, 'an existing file\n');
  return path;
}

type Out = { kind: 'dir' | 'proc' | 'sys' | 'devnull' | 'file' | 'nested' };
function outPath(o: Out, ext = ''): string {
  switch (o.kind) {
    case 'dir':
      return join(dir, `out-${++fileCounter}${ext}`);
    case 'proc':
      return `/proc/fuzz-${fileCounter}${ext}`;
    case 'sys':
      return `/sys/fuzz${ext}`;
    case 'devnull':
      return `/dev/null/fuzz${ext}`;
    case 'file':
      return existingFile();
    case 'nested':
      return join(dir, `a-${++fileCounter}`, 'b', `c${ext}`);
  }
}
const out = fc.record({ kind: fc.constantFrom<Out['kind']>('dir', 'dir', 'proc', 'sys', 'devnull', 'file', 'nested') });

/** A flag's value: mostly from its own list, sometimes anything (an option, empty, unicode). */
const value = (good: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...good) },
    { weight: 1, arbitrary: fc.constantFrom('', '-1', '--json', '0', '1e3', '99999999999999999999', 'x', '../..', '\u0000', 'ä') },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

type Piece = readonly string[] | ((files: { file(f: FileSpec): string; out(o: Out, ext?: string): string }) => readonly string[]);

const simPieces: fc.Arbitrary<Piece>[] = [
  value(['1', '2', '3', '7', '42']).map((v) => ['--seed', v]),
  value(['maxgossip', 'maxgossip', 'raft-explore', 'swim-explore', 'raft', 'nope']).map((v) => ['--scenario', v]),
  value(['1..2', '2..3', '3..1', '0..0', '1-3', '5..5']).map((v) => ['--seeds', v]),
  value(['1', '2', '0', '300']).map((v) => ['--workers', v]),
  value(['1/2', '2/2', '3/2', '0/1']).map((v) => ['--shard', v]),
  value(['no-persist', 'announce-before-persist', 'votedfor-not-persisted', 'nope']).map((v) => ['--bug', v]),
  value(['crash n1 at 1s', 'crash n1 at 1s; restart n1 at 2s', 'partition n1 | n2 at 1s', 'crash', 'crash n9 at 1s', 'crash n1 at 900s', 'heal at -1s']).map((v) => ['--faults', v]),
  fc.constant(['--json']),
  fc.constant(['--check-determinism']),
  fc.constant(['--list']),
  fc.constant(['--list-bugs']),
  fc.constant(['--help']),
  value(['5', '0', '100']).map((v) => ['--tail', v]),
  out.map((o) => (f) => ['--out', f.out(o)]),
  out.map((o) => (f) => ['--metrics', f.out(o, '.prom')]),
  out.map((o) => (f) => ['--history', f.out(o, '.json')]),
  fileSpec(['report', 'report', 'history']).map((s) => (f) => ['--replay', f.file(s)]),
  // An exploration, always bounded: small depth or a time budget.
  value(['1', '2', '3']).map((d) => ['--explore', '--depth', d]),
  value(['1', '0.5']).map((t) => ['--time-budget', t]),
  fc.constantFrom(['--max-crashes', '1'], ['--max-drops', 'x'], ['--liveness'], ['--symmetry'], ['--dfs'], ['--guided'], ['--mid-step']),
  fc.constantFrom(['--frobnicate'], ['positional'], ['-x'], ['--seed']),
];
const reportPieces: fc.Arbitrary<Piece>[] = [
  fileSpec(['report', 'report', 'lin-report', 'history']).map((s) => (f) => [f.file(s)]),
  out.map((o) => (f) => ['--out', f.out(o, '.html')]),
  value(['100', '2000', '0']).map((v) => ['--window-ms', v]),
  fc.constantFrom(['--help'], ['--frobnicate'], ['extra.json']),
];
const checkPieces: fc.Arbitrary<Piece>[] = [
  fileSpec(['history', 'history', 'lin-report', 'report']).map((s) => (f) => [f.file(s)]),
  value(['5', '0', '0.01']).map((v) => ['--timeout', v]),
  fc.constant(['--json']),
  fc.constant(['--all-keys']),
  out.map((o) => (f) => ['--html', f.out(o, '.html')]),
  fc.constantFrom(['--help'], ['--frobnicate'], ['extra.json']),
];

const caseOf = (command: FuzzCommand, pieces: fc.Arbitrary<Piece>[], first?: fc.Arbitrary<Piece>) =>
  fc.tuple(first ?? fc.constant<Piece>([]), fc.array(fc.oneof(...pieces), { maxLength: 5 })).map(([head, rest]) => ({ command, pieces: [head, ...rest] }));

const fuzzCase = fc.oneof(
  { weight: 3, arbitrary: caseOf('sim', simPieces, fc.constant(['--scenario', 'maxgossip'])) },
  { weight: 1, arbitrary: caseOf('sim', simPieces) },
  { weight: 2, arbitrary: caseOf('report', reportPieces, reportPieces[0]) },
  { weight: 2, arbitrary: caseOf('check', checkPieces, checkPieces[0]) },
);

/** Long runs are not hangs: an exploration is fuzzed only with a small depth or a time budget. */
function bounded(argv: readonly string[]): boolean {
  if (!argv.includes('--explore')) return true;
  const depth = argv[argv.lastIndexOf('--depth') + 1];
  return argv.includes('--time-budget') || (argv.includes('--depth') && ['1', '2', '3'].includes(depth ?? ''));
}

// --- the property --------------------------------------------------------------------------------

const harness = new Harness();

beforeAll(() => {
  const failing = runJob({ scenario: 'maxgossip', seed: 3, bug: 'no-persist', checkpointEvery: 0, reportDir: dir, tool: TOOL, tail: 60 });
  goodReport = failing.reportPath!;
  const lin = runJob({ scenario: 'raft-leader-isolated', seed: 2, bug: 'stale-read', checkpointEvery: 0, reportDir: dir, tool: TOOL, tail: 60 });
  linReport = lin.reportPath!;
  goodHistory = join(dir, 'history.json');
  const plan = randomPlan({ operations: 60, clients: 4, keys: 2, seed: 'fuzz', spread: 3, crashProbability: 0.05 });
  writeFileSync(goodHistory, JSON.stringify(executePlan('kv', plan, 2).history));
}, 120_000);

afterAll(() => harness.close());

describe('every command survives every input', () => {
  it(`ends in time with 0/1/2 (check: 3 too), one line on stderr for 2, never a stack trace (${RUNS} cases)`, async () => {
    let id = 0;
    const tally = new Map<string, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fuzzCase, async ({ command, pieces }) => {
        const files = { file: materialize, out: outPath };
        const argv = pieces.flatMap((p) => (typeof p === 'function' ? p(files) : p));
        fc.pre(bounded(argv));
        const r = await harness.run({ id: ++id, command, argv });
        const what = `${command} ${argv.map((a) => JSON.stringify(a)).join(' ')}`;
        if (r !== 'timeout') tally.set(`${command} exit ${r.code}`, (tally.get(`${command} exit ${r.code}`) ?? 0) + 1);
        expect(r, `${what}: did not end within ${CASE_BOUND_MS} ms`).not.toBe('timeout');
        if (r === 'timeout') return;
        const allowed = command === 'check' ? [0, 1, 2, 3] : [0, 1, 2];
        expect(allowed, `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
        expect(r.stderr, what).not.toMatch(/\n\s+at |internal error/);
        if (r.code === 2) expect(r.stderr.trimEnd().split('\n'), `${what}\n${r.stderr}`).toHaveLength(1);
        if (argv.includes('--json') && !argv.includes('--help') && r.code !== 2) {
          expect(() => JSON.parse(r.stdout), `${what}: stdout is not one JSON object:\n${r.stdout.slice(0, 300)}`).not.toThrow();
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    const counts = [...tally.entries()].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`command-line fuzz: ${id} cases in ${((performance.now() - started) / 1000).toFixed(1)} s (${counts})`);
  }, 900_000);
});
