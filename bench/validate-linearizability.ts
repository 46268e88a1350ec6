/**
 * `npx tsx bench/validate-linearizability.ts [--timeout SECONDS] [--verbose]`
 *
 * Runs the checker on real Jepsen histories with verdicts that nobody on this project produced:
 * Porcupine's etcd logs and kv files, and Knossos' cas-register, multi-register and mutex files
 * (plus the tiny histories of Knossos' tests), converted with the semantics of the checker each
 * came with (see convert.ts).
 * Prints, per set, how many verdicts match and the time taken, and every mismatch. Reads
 * ../shared/external beside the project, so it is not part of `npm test`. Exit 0 when all match.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { checkHistory, type CheckResult } from '../checkers/linearizability/checker.ts';
import {
  fromKnossosMultiRegisterOps,
  fromKnossosMutexOps,
  fromKnossosOps,
  fromPorcupineEtcdLog,
  fromPorcupineKvLog,
} from '../checkers/linearizability/convert.ts';
import type { History } from '../checkers/linearizability/history.ts';

const here = dirname(fileURLToPath(import.meta.url));
const external = resolve(here, '../../shared/external');

const { values: flags } = parseArgs({
  options: { timeout: { type: 'string', default: '120' }, verbose: { type: 'boolean', default: false } },
});
const timeoutMs = Number(flags.timeout) * 1000;
if (!(timeoutMs > 0)) {
  console.error(`validate-linearizability: --timeout must be a positive number of seconds, got ${flags.timeout}`);
  process.exit(2);
}
if (!existsSync(external)) {
  console.error(`validate-linearizability: ${external} not found (the external data sits beside the project, not in it)`);
  process.exit(2);
}

interface Case {
  readonly set: string;
  readonly name: string;
  readonly expected: boolean;
  readonly load: () => History;
}

const cases: Case[] = [];

const porcupine = JSON.parse(readFileSync(join(external, 'porcupine/verdicts.json'), 'utf8')) as {
  verdicts: Record<string, boolean>;
};
for (const [path, expected] of Object.entries(porcupine.verdicts)) {
  const file = join(external, 'porcupine', path);
  const set = path.startsWith('kv/') ? 'porcupine kv' : 'porcupine etcd';
  const convert = path.startsWith('kv/') ? fromPorcupineKvLog : fromPorcupineEtcdLog;
  cases.push({ set, name: path, expected, load: () => convert(readFileSync(file, 'utf8')) });
}

interface KnossosEntry {
  readonly linearizable: boolean;
  readonly json: string;
  readonly model: string;
  readonly initial: unknown;
}
interface KnossosInline {
  readonly name: string;
  readonly model: string;
  readonly initial: unknown;
  readonly linearizable: boolean;
  readonly history: unknown[];
}
const knossos = JSON.parse(readFileSync(join(external, 'knossos/verdicts.json'), 'utf8')) as {
  files: Record<string, KnossosEntry>;
  inline_from_tests: KnossosInline[];
};
const skipped: string[] = [];
const initialOf = (v: unknown): string | null => (v === null ? null : String(v));
const readOps = (file: string): unknown[] => JSON.parse(readFileSync(file, 'utf8')) as unknown[];
for (const [path, entry] of Object.entries(knossos.files)) {
  const file = join(external, 'knossos', entry.json);
  if (entry.model === 'multi-register') {
    const initial = entry.initial as Record<string, unknown>;
    cases.push({ set: 'knossos multi-register', name: path, expected: entry.linearizable, load: () => fromKnossosMultiRegisterOps(readOps(file), { initial }) });
    continue;
  }
  if (entry.model === 'mutex') {
    // Knossos' mutex starts free ("unlocked"), as ours does.
    if (entry.initial !== 'unlocked') throw new Error(`${path}: a mutex starting ${String(entry.initial)}`);
    cases.push({ set: 'knossos mutex', name: path, expected: entry.linearizable, load: () => fromKnossosMutexOps(readOps(file)) });
    continue;
  }
  if (entry.model !== 'cas-register') {
    skipped.push(`knossos ${path} (model ${entry.model}: not one of ours)`);
    continue;
  }
  cases.push({
    set: 'knossos cas-register',
    name: path,
    expected: entry.linearizable,
    load: () => fromKnossosOps(JSON.parse(readFileSync(file, 'utf8')) as unknown[], { initial: initialOf(entry.initial) }),
  });
  // Knossos' README: the verdicts hold with an initial nil as well (the rethink tests use nil).
  cases.push({
    set: 'knossos cas-register, initial nil',
    name: path,
    expected: entry.linearizable,
    load: () => fromKnossosOps(JSON.parse(readFileSync(file, 'utf8')) as unknown[], { initial: null }),
  });
}
for (const t of knossos.inline_from_tests) {
  cases.push({
    set: 'knossos inline tests',
    name: t.name,
    expected: t.linearizable,
    load: () => fromKnossosOps(t.history, { initial: initialOf(t.initial) }),
  });
}

interface SetTotals {
  matches: number;
  total: number;
  ms: number;
  slowest: { name: string; ms: number };
}
const totals = new Map<string, SetTotals>();
const mismatches: string[] = [];
const started = performance.now(); // determinism-ok: CLI wall-clock budget
for (const c of cases) {
  const t0 = performance.now(); // determinism-ok: CLI wall-clock budget
  let result: CheckResult | null = null;
  let error: string | null = null;
  try {
    result = checkHistory(c.load(), { timeoutMs, explain: false });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const ms = performance.now() - t0; // determinism-ok: CLI wall-clock budget
  const got = result?.verdict ?? `error: ${error}`;
  const want = c.expected ? 'linearizable' : 'not-linearizable';
  const t = totals.get(c.set) ?? { matches: 0, total: 0, ms: 0, slowest: { name: '', ms: -1 } };
  t.total++;
  t.ms += ms;
  if (ms > t.slowest.ms) t.slowest = { name: c.name, ms };
  if (got === want) t.matches++;
  else mismatches.push(`${c.set}: ${c.name}: expected ${want}, got ${got}`);
  totals.set(c.set, t);
  if (flags.verbose) console.log(`${got === want ? 'ok  ' : 'FAIL'} ${c.name} ${got} ${ms.toFixed(1)} ms (${result?.steps ?? 0} steps)`);
}
const totalMs = performance.now() - started; // determinism-ok: CLI wall-clock budget

const table = new Table({ head: ['set', 'matches', 'time (total)', 'slowest'] });
let matches = 0;
for (const [set, t] of totals) {
  matches += t.matches;
  table.push([set, `${t.matches}/${t.total}`, `${t.ms.toFixed(0)} ms`, `${t.slowest.name} ${t.slowest.ms.toFixed(0)} ms`]);
}
console.log(table.toString());
console.log(`all: ${matches}/${cases.length} verdicts match, ${(totalMs / 1000).toFixed(2)} s (conversion included)`);
for (const s of skipped) console.log(`skipped: ${s}`);
for (const m of mismatches) console.log(`MISMATCH ${m}`);
process.exit(mismatches.length === 0 ? 0 : 1);
