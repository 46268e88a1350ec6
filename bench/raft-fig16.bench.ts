/**
 * Figure 16 of the Raft paper on the simulator: the time to elect a new leader after the leader
 * crashes, five servers, for the paper's election timeout ranges (top graph: how much
 * randomness; bottom graph: how large). The set-up and its reasons are in bench/raft-fig16.ts;
 * `npx tsx bench/raft-fig16-compare.ts` prints these figures beside the paper's.
 *
 *   npx tsx bench/run.ts fig16            FIG16_TRIALS=200 to run fewer trials per range
 */
import { BOTTOM_RANGES, TOP_RANGES, currentSetup, describeSetup, distribution, measure, rangeName, type Distribution, type TimeoutRange } from './raft-fig16.ts';

/** Trials per range: the paper ran 1000 (100 for 150-150 ms, whose trials last up to minutes of simulated time). */
export function trialsFor(r: TimeoutRange): number {
  const n = Number(process.env.FIG16_TRIALS ?? 1000);
  return r.minMs === r.maxMs ? Math.max(1, Math.round(n / 10)) : n;
}

export function row(name: string, d: Distribution, wallMs: number): string {
  const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)}s` : x.toFixed(0)).padStart(7);
  return [
    name.padEnd(12),
    String(d.trials).padStart(7),
    `${(d.twoEligible * 100).toFixed(0)}%`.padStart(6),
    ms(d.minMs), ms(d.p10Ms), ms(d.p25Ms), ms(d.p50Ms), ms(d.p75Ms), ms(d.p90Ms), ms(d.p99Ms), ms(d.maxMs), ms(d.meanMs),
    d.unfinished > 0 ? `  ${d.unfinished} without a leader` : '',
    `  ${(wallMs / 1000).toFixed(1)} s`,
  ].join('');
}

export const HEADER = `${'range'.padEnd(12)}${'trials'.padStart(7)}${'2elig'.padStart(6)}${['min', 'p10', 'p25', 'p50', 'p75', 'p90', 'p99', 'max', 'mean'].map((h) => h.padStart(7)).join('')}  wall`;

export default function raftFig16Bench(): void {
  console.log(`five servers, heartbeat = min timeout / 2, no PreVote, no CheckQuorum; ${describeSetup(currentSetup())}`);
  console.log('downtime in ms from the leader crash to a server hearing from the new leader; 2elig: trials with exactly two survivors able to win');
  for (const [title, ranges] of [
    ['top: randomness of the timeout', TOP_RANGES],
    ['bottom: scale of the timeout', BOTTOM_RANGES],
  ] as const) {
    console.log(`\n${title}\n${HEADER}`);
    for (const r of ranges) {
      const started = performance.now(); // determinism-ok: wall-clock timing of the benchmark itself
      const d = distribution(measure(r, trialsFor(r)));
      console.log(row(rangeName(r), d, performance.now() - started)); // determinism-ok: wall-clock timing
    }
  }
}
