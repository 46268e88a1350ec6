/**
 * The campaign's record (cli/mutants/record.json): per mutant, its verdict and what killed it and
 * how fast. CI samples the recorded kills and fails when one survives now. `--write` merges a run
 * into the record: mutants it ran are replaced, the others kept, so a sharded or partial campaign
 * builds one record.
 */
import { existsSync } from 'node:fs';
import { InputError, readTextInput } from '../../sim/files.ts';

export interface RecordEntry {
  readonly id: string;
  readonly verdict: 'killed' | 'SURVIVED' | 'equivalent' | 'NOT RUN';
  readonly method: string | null;
  readonly invariant: string | null;
  readonly wallMs: number | null;
}

const VERDICTS = new Set(['killed', 'SURVIVED', 'equivalent', 'NOT RUN']);

/** The entries of a record file; a one-line InputError when it is not one. */
export function parseRecord(text: string, path: string): RecordEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`mutant record ${path} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) throw new InputError(`mutant record ${path} must be a list of entries, got ${data === null ? 'null' : typeof data}`);
  data.forEach((e: unknown, k) => {
    const r = e as Partial<RecordEntry> | null;
    const ok =
      typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.verdict === 'string' && VERDICTS.has(r.verdict) &&
      (r.method === null || typeof r.method === 'string') && (r.invariant === null || typeof r.invariant === 'string') && (r.wallMs === null || typeof r.wallMs === 'number');
    if (!ok) throw new InputError(`mutant record ${path}: entry ${k} is not {id, verdict (killed, SURVIVED, equivalent or NOT RUN), method, invariant, wallMs}`);
  });
  return data as RecordEntry[];
}

export function readRecord(path: string): RecordEntry[] {
  return parseRecord(readTextInput(path, 'mutant record'), path);
}

/** `old` with the entries of `run` replacing those of the same mutant, in the order of `order` (then any unknown ids). */
export function mergeRecord(old: readonly RecordEntry[], run: readonly RecordEntry[], order: readonly string[]): RecordEntry[] {
  const byId = new Map(old.map((e) => [e.id, e]));
  for (const e of run) byId.set(e.id, e);
  const rank = new Map(order.map((id, k) => [id, k]));
  return [...byId.values()].sort((a, b) => (rank.get(a.id) ?? Infinity) - (rank.get(b.id) ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The existing record at `path` when there is one, to merge a run into. */
export function recordToMergeInto(path: string): RecordEntry[] {
  return existsSync(path) ? readRecord(path) : [];
}

/** CI's pool: mutants recorded killed within `maxSeconds`, so a sample fits CI's budget. */
export function quickKills(record: readonly RecordEntry[], maxSeconds: number): Set<string> {
  return new Set(record.filter((r) => r.verdict === 'killed' && r.wallMs !== null && r.wallMs <= maxSeconds * 1000).map((r) => r.id));
}
