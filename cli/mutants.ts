/**
 * `npm run mutants`: the mutation campaign. Each mutant of the zoo (cli/mutants/zoo/) is applied to
 * a temporary copy of the checkout and judged by the simulation alone (cli/mutants/battery.ts:
 * sweeps, the explorer, property targets; never unit tests). `--patch FILE` judges one unified diff
 * given from outside the same way: exit 0 the simulation caught it, 1 it survived, 2 the patch does
 * not apply or the battery could not run.
 *
 *   npm run mutants                                  every mutant, a table
 *   npm run mutants -- --only raft/vote-ignores-log  one (or a comma list, or a prefix `raft/`)
 *   npm run mutants -- --patch my.diff               a patch from outside: one result line
 *   npm run mutants -- --workers 2 --shard 1/4       this machine's share, two at a time
 *   npm run mutants -- --sample 10 --sample-seed 7 --expect cli/mutants/record.json
 *                                                    CI: a rotating sample of the recorded kills
 *   --budget SECONDS (per mutant, default 600), --json, --write FILE (merges this run into a record:
 *   the mutants it ran are replaced, the others kept). A sample against a record draws from the
 *   kills recorded within 60 s.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarios } from '../scenarios/index.ts';
import { Stream } from '../core/contract/rng.ts';
import { UsageError, checkOutputFile, isEntry, parseCommandLine, readTextInput, runCommand } from './command.ts';
import { printColumns } from '../reports/terminal.ts';
import { applyMutant, applyPatch, makeCopy, MutationError, removeCopy } from './mutants/apply.ts';
import { relevantScenarios } from './mutants/relevant.ts';
import { zoo } from './mutants/zoo/index.ts';
import type { BatteryResult, Mutant } from './mutants/types.ts';
import { mergeRecord, quickKills, readRecord, recordToMergeInto, type RecordEntry } from './mutants/record.ts';

const ROOT = join(import.meta.dirname, '..');
const DEFAULT_BUDGET_S = 600;
/** A sample against a record draws from the kills recorded within this many seconds, so it fits CI. */
const SAMPLE_QUICK_S = 60;

export interface MutantOutcome {
  readonly id: string;
  readonly rule: string;
  readonly mistake: string;
  readonly file: string | null;
  readonly equivalent: string | null;
  /** Null when the battery could not run (the reason is in `error`). */
  readonly result: BatteryResult | null;
  readonly error: string | null;
}

/** Runs the battery on a mutated copy in a child process (the copy's own modules are the mutated ones). */
function runBatteryIn(copy: string, scenarioNames: readonly string[], budgetMs: number): Promise<BatteryResult> {
  const tsx = import.meta.resolve('tsx');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, join(copy, 'cli/mutants/battery.ts'), JSON.stringify({ scenarios: scenarioNames, budgetMs })], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line) as BatteryResult);
      } catch {
        reject(new Error(`the battery ended with ${code} and no result: ${err.trim().split('\n').slice(-3).join(' | ') || 'no output'}`));
      }
    });
  });
}

/** Judges one mutant (or a patch, given as a pseudo-mutant with its file). */
async function judge(m: Mutant | { id: string; patch: string }, budgetMs: number): Promise<MutantOutcome> {
  const copy = makeCopy(ROOT);
  const base = 'patch' in m ? { id: m.id, rule: '(a patch)', mistake: m.patch, equivalent: null } : { id: m.id, rule: m.rule, mistake: m.mistake, equivalent: m.equivalent ?? null };
  try {
    let changed: string[];
    try {
      changed = 'patch' in m ? applyPatch(copy, m.patch) : [applyMutant(copy, m)];
    } catch (e) {
      if (e instanceof MutationError) return { ...base, file: null, result: null, error: e.message };
      throw e;
    }
    const relevant = await relevantScenarios(ROOT, changed, scenarios);
    if (relevant.length === 0) return { ...base, file: changed.join(', '), result: null, error: `no scenario runs ${changed.join(', ')}` };
    try {
      return { ...base, file: changed.join(', '), result: await runBatteryIn(copy, relevant, budgetMs), error: null };
    } catch (e) {
      return { ...base, file: changed.join(', '), result: null, error: (e as Error).message };
    }
  } finally {
    removeCopy(copy);
  }
}

/** Runs `jobs` at most `workers` at a time, in order of submission for the results. */
async function pool<T, R>(items: readonly T[], workers: number, run: (item: T) => Promise<R>, onDone: (r: R, done: number) => void): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, items.length) }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await run(items[k]!);
        onDone(out[k]!, ++done);
      }
    }),
  );
  return out;
}

function verdict(o: MutantOutcome): RecordEntry['verdict'] {
  if (o.result === null) return 'NOT RUN';
  if (o.result.killed) return 'killed';
  return o.equivalent !== null ? 'equivalent' : 'SURVIVED';
}

function row(o: MutantOutcome): string[] {
  const r = o.result;
  return [
    o.id,
    verdict(o),
    r?.method ?? '',
    r?.invariant ?? (o.error ?? ''),
    r === null ? '' : String(r.tries),
    r?.shrunkFaults === null || r?.shrunkFaults === undefined ? '' : String(r.shrunkFaults),
    r === null ? '' : `${(r.wallMs / 1000).toFixed(1)} s`,
  ];
}

/** The zoo mutants an `--only` list names: ids, or prefixes ending in '/'. */
function select(only: string | undefined): Mutant[] {
  if (only === undefined) return [...zoo];
  const wanted = only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out = zoo.filter((m) => wanted.some((w) => (w.endsWith('/') ? m.id.startsWith(w) : m.id === w)));
  const unknown = wanted.filter((w) => !w.endsWith('/') && !zoo.some((m) => m.id === w));
  if (unknown.length > 0) throw new UsageError(`no mutant ${unknown.map((u) => JSON.stringify(u)).join(', ')} (the zoo is listed by --list)`);
  if (out.length === 0) throw new UsageError(`--only ${only} names no mutant`);
  return out;
}


export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      patch: { type: 'string' },
      only: { type: 'string' },
      list: { type: 'boolean' },
      budget: { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
      sample: { type: 'string' },
      'sample-seed': { type: 'string' },
      expect: { type: 'string' },
      write: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(readFileSync(import.meta.filename, 'utf8').split('*/')[0]!.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
    return 0;
  }
  if (values.list) {
    for (const m of zoo) console.log(`${m.id.padEnd(44)} ${m.mistake}`);
    return 0;
  }
  const positive = (text: string | undefined, flag: string, fallback: number) => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const budgetMs = positive(values.budget, '--budget', DEFAULT_BUDGET_S) * 1000;
  const workers = positive(values.workers, '--workers', 1);
  if (values.write !== undefined) checkOutputFile(values.write, '--write');

  if (values.patch !== undefined) {
    for (const flag of ['only', 'shard', 'sample', 'expect', 'write'] as const) if (values[flag] !== undefined) throw new UsageError(`--patch judges one patch: drop --${flag}`);
    readTextInput(values.patch, 'patch');
    const o = await judge({ id: 'patch', patch: join(process.cwd(), values.patch) }, budgetMs);
    if (values.json) console.log(JSON.stringify(o));
    else if (o.result === null) console.error(`mutants: ${o.error ?? 'the battery could not run'}`);
    else {
      const r = o.result;
      console.log(
        r.killed
          ? `caught: ${r.invariant} in ${r.scenario} by ${r.method} after ${r.tries} ${r.method === 'sweep' ? 'seeds' : r.method === 'property' ? 'cases' : 'worlds'}, ${(r.wallMs / 1000).toFixed(1)} s (${r.shrunkFaults ?? '?'} fault events after shrinking; ${r.reproduce})`
          : `survived: no invariant broke in ${(r.wallMs / 1000).toFixed(1)} s (${r.ran.sweepRuns} seeds, ${r.ran.propertyCases} property cases, ${r.ran.exploredWorlds} explored worlds over ${r.scenarios.join(', ')})`,
      );
    }
    return o.result === null ? 2 : o.result.killed ? 0 : 1;
  }

  let chosen = select(values.only);
  if (values.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard must look like I/N with 1 <= I <= N, got ${JSON.stringify(values.shard)}`);
    chosen = chosen.filter((_, k) => k % Number(m[2]) === Number(m[1]) - 1);
  }
  let record: RecordEntry[] | null = null;
  if (values.expect !== undefined) record = readRecord(values.expect);
  if (values.sample !== undefined) {
    const n = positive(values.sample, '--sample', 10);
    const seed = positive(values['sample-seed'], '--sample-seed', 1);
    const killedBefore = record === null ? null : quickKills(record, SAMPLE_QUICK_S);
    const pool0 = chosen.filter((m) => killedBefore === null || killedBefore.has(m.id));
    const rng = new Stream(seed, 'mutants/sample');
    const picked: Mutant[] = [];
    while (picked.length < n && pool0.length > 0) picked.push(pool0.splice(rng.int(pool0.length), 1)[0]!);
    chosen = picked;
    console.log(`sample of ${chosen.length} mutant(s), --sample-seed ${seed}: ${chosen.map((m) => m.id).join(', ')}`);
  }

  const tty = process.stdout.isTTY === true && !values.json;
  const started = performance.now(); // determinism-ok: the campaign's own wall time
  const outcomes = await pool(chosen, workers, (m) => judge(m, budgetMs), (o, done) => {
    if (values.json) return;
    const line = `${String(done).padStart(3)}/${chosen.length}  ${row(o).filter((c) => c !== '').join('  ')}`;
    if (tty) process.stdout.write(`\r\x1b[2K${line}\n`);
    else console.log(line);
  });
  const wallMs = performance.now() - started; // determinism-ok
  const counts = { killed: 0, survived: 0, equivalent: 0, notRun: 0 };
  for (const o of outcomes) {
    const v = verdict(o);
    if (v === 'killed') counts.killed++;
    else if (v === 'equivalent') counts.equivalent++;
    else if (v === 'SURVIVED') counts.survived++;
    else counts.notRun++;
  }
  const regressions = record === null ? [] : outcomes.filter((o) => verdict(o) !== 'killed' && record!.some((r) => r.id === o.id && r.verdict === 'killed'));
  if (values.write !== undefined) {
    const entries: RecordEntry[] = outcomes.map((o) => ({ id: o.id, verdict: verdict(o), method: o.result?.method ?? null, invariant: o.result?.invariant ?? null, wallMs: o.result?.wallMs ?? null }));
    const merged = mergeRecord(recordToMergeInto(values.write), entries, zoo.map((m) => m.id));
    writeFileSync(values.write, `${JSON.stringify(merged, null, 1)}\n`);
  }
  if (values.json) {
    console.log(JSON.stringify({ mutants: outcomes, counts, wallMs: Math.round(wallMs), regressions: regressions.map((o) => o.id) }));
  } else {
    console.log('');
    printColumns(['mutant', 'verdict', 'by', 'invariant', 'tries', 'faults', 'time'], outcomes.map(row));
    const judged = counts.killed + counts.survived;
    console.log(`\n${counts.killed} killed, ${counts.survived} survived, ${counts.equivalent} equivalent, ${counts.notRun} not run; ${judged > 0 ? ((100 * counts.killed) / judged).toFixed(1) : '0'}% of the non-equivalent killed, ${(wallMs / 60000).toFixed(1)} min`);
    for (const o of regressions) console.log(`REGRESSION: ${o.id} was killed before and ${verdict(o).toLowerCase()} now`);
  }
  if (counts.notRun > 0) return 2;
  return regressions.length > 0 || (record === null && counts.survived > 0) ? 1 : 0;
}

if (isEntry(import.meta.url)) runCommand('mutants', main);
