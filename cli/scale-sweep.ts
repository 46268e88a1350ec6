/**
 * `npm run sweep:deep -- [--seeds 1..10000] [--scenario NAME]... [--shard I/N] [--out DIR] [--json FILE]`:
 * the scale sweep. Every scenario (or the ones named) runs every seed of the range twice, in two
 * independent processes at once (one core each), and the per-seed trace hashes of the two are
 * compared. Correct code must come back with no violation, no mismatch and every required named event reached;
 * each scenario's coverage (the named events and how often) is printed. Prints a table per
 * scenario: seeds, violations (seed and invariant of the first few), hash mismatches, wall time.
 * Exit 0 clean, 1 a violation, a mismatch or a required event not reached, 2 bad usage.
 *
 * In CI, split it over jobs with `--shard I/N` (each job runs its share of every scenario's seeds).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scenarios } from '../scenarios/index.ts';
import { UsageError, isEntry, runCommand } from './command.ts';
import { printColumns } from '../reports/terminal.ts';

const ROOT = join(import.meta.dirname, '..');

interface SweepJson {
  readonly runs: number;
  readonly violations: readonly { readonly seed: number; readonly invariant: string; readonly report?: string | null }[];
  readonly results: readonly { readonly seed: number; readonly traceHash: string }[];
  /** How often each named event (`cover` effect) was reached over the sweep. */
  readonly coverage?: Readonly<Record<string, number>>;
  /** Events the scenario requires that the sweep never reached (a failure of its own). */
  readonly unreached?: readonly unknown[];
}

export interface ScenarioRow {
  readonly scenario: string;
  readonly seeds: number;
  readonly violations: readonly { readonly seed: number; readonly invariant: string }[];
  readonly mismatches: readonly number[];
  readonly wallMs: number;
  readonly coverage: Readonly<Record<string, number>>;
  readonly unreached: readonly string[];
}

/** One sweep in a child process of its own (`sim --json`); resolves with its parsed output. */
function sweepProcess(scenario: string, seeds: string, shard: string | null, out: string): Promise<SweepJson> {
  const args = ['--import', 'tsx', join(ROOT, 'cli/sim.ts'), '--scenario', scenario, '--seeds', seeds, '--workers', '1', '--json', '--out', out];
  if (shard !== null) args.push('--shard', shard);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && code !== 1) return reject(new Error(`${scenario}: the sweep exited ${code}: ${stderr.trim().split('\n')[0] ?? ''}`));
      try {
        resolvePromise(JSON.parse(stdout) as SweepJson);
      } catch {
        reject(new Error(`${scenario}: the sweep printed no JSON: ${stderr.trim().split('\n')[0] ?? ''}`));
      }
    });
  });
}

/** The seeds whose two runs gave different trace hashes (or ran in one process only). */
export function compareHashes(a: SweepJson['results'], b: SweepJson['results']): number[] {
  const other = new Map(b.map((r) => [r.seed, r.traceHash]));
  const seen = new Set<number>();
  const mismatches: number[] = [];
  for (const r of a) {
    seen.add(r.seed);
    if (other.get(r.seed) !== r.traceHash) mismatches.push(r.seed);
  }
  for (const r of b) if (!seen.has(r.seed)) mismatches.push(r.seed);
  return mismatches.sort((x, y) => x - y);
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seeds: { type: 'string', default: '1..10000' },
        scenario: { type: 'string', multiple: true },
        shard: { type: 'string' },
        out: { type: 'string', default: 'reports/out/scale' },
        json: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  if (!/^\d+\.\.\d+$/.test(values.seeds)) throw new UsageError(`--seeds must be A..B, got ${JSON.stringify(values.seeds)}`);
  if (values.shard !== undefined && !/^\d+\/\d+$/.test(values.shard)) throw new UsageError(`--shard must be I/N, got ${JSON.stringify(values.shard)}`);
  const names = values.scenario ?? scenarios.map((s) => s.name);
  for (const name of names) if (!scenarios.some((s) => s.name === name)) throw new UsageError(`unknown scenario ${JSON.stringify(name)}`);
  mkdirSync(values.out, { recursive: true });

  const rows: ScenarioRow[] = [];
  const started = performance.now(); // determinism-ok: the sweep's own wall time
  for (const scenario of names) {
    const t0 = performance.now(); // determinism-ok: wall time
    const [a, b] = await Promise.all([
      sweepProcess(scenario, values.seeds, values.shard ?? null, join(values.out, 'a')),
      sweepProcess(scenario, values.seeds, values.shard ?? null, join(values.out, 'b')),
    ]);
    const row: ScenarioRow = {
      scenario,
      seeds: a.runs,
      violations: a.violations.map((v) => ({ seed: v.seed, invariant: v.invariant })),
      mismatches: compareHashes(a.results, b.results),
      wallMs: performance.now() - t0, // determinism-ok: wall time
      coverage: a.coverage ?? {},
      unreached: (a.unreached ?? []).map((u) => (typeof u === 'string' ? u : JSON.stringify(u))),
    };
    rows.push(row);
    const bad = row.violations.length + row.mismatches.length + row.unreached.length > 0;
    console.log(`${bad ? 'FAIL' : 'ok  '} ${scenario.padEnd(26)} ${String(row.seeds).padStart(6)} seeds  ${row.violations.length} violation(s)${row.violations.length > 0 ? ` (${row.violations.slice(0, 3).map((v) => `${v.seed}:${v.invariant}`).join(', ')})` : ''}  ${row.mismatches.length} mismatch(es)  ${(row.wallMs / 1000).toFixed(0)} s`);
    const events = Object.entries(row.coverage).sort(([x], [y]) => (x < y ? -1 : 1));
    if (events.length > 0) console.log(`     coverage  ${events.map(([e, n]) => `${e} ${n}`).join(', ')}`);
    if (row.unreached.length > 0) console.log(`     NOT REACHED  ${row.unreached.join(', ')}`);
  }
  console.log('');
  printColumns(
    ['scenario', 'seeds', 'violations', 'hash mismatches', 'named events (reached)', 'required not reached', 'wall'],
    rows.map((r) => [r.scenario, String(r.seeds), String(r.violations.length), String(r.mismatches.length), String(Object.keys(r.coverage).length), String(r.unreached.length), `${(r.wallMs / 1000).toFixed(0)} s`]),
  );
  const totalSeeds = rows.reduce((n, r) => n + r.seeds, 0);
  console.log(`${rows.length} scenarios, ${totalSeeds} seeds (each run twice), ${((performance.now() - started) / 60000).toFixed(1)} min`); // determinism-ok: wall time
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ seeds: values.seeds, shard: values.shard ?? null, rows }, null, 2) + '\n');
  return rows.every((r) => r.violations.length === 0 && r.mismatches.length === 0 && r.unreached.length === 0) ? 0 : 1;
}

if (isEntry(import.meta.url)) runCommand('sweep:deep', main);
