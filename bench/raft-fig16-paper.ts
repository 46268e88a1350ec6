/**
 * The paper's Figure 16 as data, for the scripts that compare against it: the curves extracted from
 * the figure (../shared/external/raft_fig16/, beside this repository; not part of it, and never
 * needed by `npm test`), and the Kolmogorov–Smirnov distance of a sample to a curve.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PaperCurve {
  readonly min: number;
  readonly p10: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  /** Highest cumulative fraction the plotted curve reaches (below 1: its tail is off the plot). */
  readonly ymax: number;
}

/** A plotted cumulative curve: [ms, cumulative fraction] vertices, sorted by fraction. */
export type PaperPoints = readonly (readonly [number, number])[];

const here = dirname(fileURLToPath(import.meta.url));
const folder = process.env.FIG16_PAPER_DIR ?? join(here, '..', '..', 'shared', 'external', 'raft_fig16');

function load<T>(file: string): T {
  const path = join(folder, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    console.error(`raft-fig16: cannot read the paper's curves at ${path} (${(e as Error).message.split('\n')[0]}); set FIG16_PAPER_DIR`);
    process.exit(2);
  }
}

export function paperCurves(): Record<string, PaperCurve> {
  return load('fig16_extracted.json');
}

export function paperPoints(): Record<string, PaperPoints> {
  return load('fig16_points.json');
}

/**
 * The Kolmogorov–Smirnov distance between a sample (null: never happened, as +infinity) and a
 * plotted cumulative curve: the largest vertical gap between the two step functions, right limits
 * and left limits at every jump of either.
 */
export function ksDistance(sample: readonly (number | null)[], curve: PaperPoints): number {
  const xs = sample.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const n = sample.length;
  const pts = [...curve].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  // The curve's value at x (right-continuous) and just before x.
  const curveAt = (x: number, strict: boolean): number => {
    let f = 0;
    for (const [ms, frac] of pts) {
      if (strict ? ms >= x : ms > x) break;
      f = Math.max(f, frac);
    }
    return f;
  };
  const sampleAt = (x: number, strict: boolean): number => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? xs[mid]! < x : xs[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo / n;
  };
  let d = 0;
  for (const x of [...xs, ...pts.map((p) => p[0])]) {
    d = Math.max(d, Math.abs(sampleAt(x, false) - curveAt(x, false)), Math.abs(sampleAt(x, true) - curveAt(x, true)));
  }
  return d;
}
