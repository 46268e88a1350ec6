/**
 * The determinism self-check: a seed re-run elsewhere must give the same trace hash. When it
 * doesn't, find the first event where the two runs part: compare the hash checkpoints to find the
 * first window that differs, re-run that window with tracing on both sides, and diff the entries.
 */
import type { Job, JobResult } from './jobs.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { hashString } from '../sim/trace.ts';

export interface Divergence {
  readonly seed: number;
  readonly hashes: readonly [string, string];
  /** The first event index whose trace differs, or null if only the final states differ. */
  readonly eventIndex: number | null;
  readonly first: TraceEntry | null;
  readonly second: TraceEntry | null;
}

/** Seeds a sweep re-runs by default: about one in twenty, picked by a hash of the seed, at least one. */
export function determinismSample(seeds: readonly number[], all: boolean): number[] {
  if (all) return [...seeds];
  const picked = seeds.filter((s) => (hashString(String(s)) >>> 0) % 20 === 0);
  return picked.length > 0 || seeds.length === 0 ? picked : [seeds[0]!];
}

/** The window of events [from, to) that holds the first differing checkpoint. */
export function divergentWindow(a: readonly string[], b: readonly string[], every: number): [number, number] {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return [k * every, (k + 1) * every];
  return [n * every, Number.MAX_SAFE_INTEGER];
}

export async function locateDivergence(
  job: Job,
  a: JobResult,
  b: JobResult,
  runA: (job: Job) => Promise<JobResult>,
  runB: (job: Job) => Promise<JobResult>,
): Promise<Divergence> {
  const window = divergentWindow(a.checkpoints, b.checkpoints, job.checkpointEvery);
  const windowJob: Job = { ...job, traceWindow: window, reportDir: null };
  const [ta, tb] = await Promise.all([runA(windowJob), runB(windowJob)]);
  const n = Math.max(ta.trace.length, tb.trace.length);
  for (let k = 0; k < n; k++) {
    const ea = ta.trace[k] ?? null;
    const eb = tb.trace[k] ?? null;
    if (JSON.stringify(ea) !== JSON.stringify(eb)) {
      return { seed: job.seed, hashes: [a.traceHash, b.traceHash], eventIndex: (ea ?? eb)?.i ?? null, first: ea, second: eb };
    }
  }
  return { seed: job.seed, hashes: [a.traceHash, b.traceHash], eventIndex: null, first: null, second: null };
}
