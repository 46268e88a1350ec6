/**
 * Our Figure 16 beside the paper's: `npx tsx bench/raft-fig16-compare.ts` runs the same trials as
 * bench/raft-fig16.bench.ts and prints, per timeout range, the paper's median, p90, p99, max and
 * mean next to ours and the ratio ours / paper. The paper's figures were read off the plotted
 * curves (../shared/external/raft_fig16/, beside this repository; not part of it and not needed
 * by `npm test`).
 *
 *   FIG16_TRIALS=200 npx tsx bench/raft-fig16-compare.ts     fewer trials, a rougher picture
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOTTOM_RANGES, DRIFT_PPM, LATENCY_MS, TOP_RANGES, distribution, measure, rangeName, type Distribution, type TimeoutRange } from './raft-fig16.ts';
import { trialsFor } from './raft-fig16.bench.ts';

interface PaperCurve {
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

const here = dirname(fileURLToPath(import.meta.url));
const file = process.env.FIG16_PAPER ?? join(here, '..', '..', 'shared', 'external', 'raft_fig16', 'fig16_extracted.json');
let paper: Record<string, PaperCurve>;
try {
  paper = JSON.parse(readFileSync(file, 'utf8')) as Record<string, PaperCurve>;
} catch (e) {
  console.error(`raft-fig16-compare: cannot read the paper's curves at ${file} (${(e as Error).message.split('\n')[0]}); set FIG16_PAPER`);
  process.exit(2);
}

const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)}s` : `${x.toFixed(0)}`);
const cell = (ours: number, theirs: number): string => `${ms(theirs).padStart(6)} ${ms(ours).padStart(6)} ${(ours / theirs).toFixed(2).padStart(5)}`;
const stats: readonly [string, keyof Distribution, keyof PaperCurve][] = [
  ['median', 'p50Ms', 'p50'],
  ['p90', 'p90Ms', 'p90'],
  ['p99', 'p99Ms', 'p99'],
  ['max', 'maxMs', 'max'],
  ['mean', 'meanMs', 'mean'],
];

console.log(`Raft paper Figure 16 (LogCabin, 5 servers, broadcast time ~15 ms) vs this simulator (one-way delay ${LATENCY_MS.min}-${LATENCY_MS.max} ms, clocks ±${DRIFT_PPM} ppm)`);
console.log('each statistic: paper, ours, ours/paper; times in ms unless marked s\n');
console.log(`${'curve'.padEnd(18)}${'trials'.padStart(7)} ${stats.map(([name]) => name.padStart(19)).join(' ')}`);
const ratios: number[] = [];
for (const [graph, ranges] of [
  ['top', TOP_RANGES],
  ['bot', BOTTOM_RANGES],
] as const) {
  for (const r of ranges as readonly TimeoutRange[]) {
    const key = `${graph}:${rangeName(r)}`;
    const theirs = paper[key];
    if (theirs === undefined) {
      console.log(`${key.padEnd(18)} (not in ${file})`);
      continue;
    }
    const d = distribution(measure(r, trialsFor(r)));
    const cells = stats.map(([, ours, their]) => {
      ratios.push((d[ours] as number) / (theirs[their] as number));
      return cell(d[ours] as number, theirs[their] as number);
    });
    const notes = [theirs.ymax < 1 ? `paper curve ends at ${(theirs.ymax * 100).toFixed(2)}%` : '', d.unfinished > 0 ? `${d.unfinished} trials without a leader` : ''].filter((x) => x);
    console.log(`${key.padEnd(18)}${String(d.trials).padStart(7)} ${cells.join(' ')}${notes.length > 0 ? `  (${notes.join('; ')})` : ''}`);
  }
}
const logs = ratios.map(Math.log);
console.log(`\ngeometric mean of the ratios: ${Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length).toFixed(2)}`);
