/**
 * Raft throughput: events per second of the raft scenario over a range of seeds, with and
 * without its invariant checkers, so the cost of the protocol's steps and the cost of checking
 * them can be told apart.
 */
import { runWorld } from '../sim/kernel.ts';
import { configFor } from '../sim/run.ts';
import { raftScenario } from '../scenarios/raft/index.ts';

const SEEDS = 40;

function measure(withCheckers: boolean): { events: number; ms: number } {
  let events = 0;
  let ms = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const config = configFor(raftScenario, seed);
    const world = raftScenario.build(config);
    const start = performance.now(); // determinism-ok: wall-clock timing of the benchmark itself
    events += runWorld(config, withCheckers ? world : { ...world, checkers: [] }).events;
    ms += performance.now() - start; // determinism-ok: wall-clock timing of the benchmark itself
  }
  return { events, ms };
}

export default function raftBench(): void {
  measure(false); // warm up
  for (const [name, withCheckers] of [
    ['raft scenario, no checkers', false],
    ['raft scenario, every checker', true],
  ] as const) {
    const { events, ms } = measure(withCheckers);
    console.log(`${name.padEnd(32)} ${SEEDS} seeds ${String(events).padStart(9)} events  ${((events / ms) * 1000).toFixed(0).padStart(7)} events/s  ${(ms / SEEDS).toFixed(1)} ms/run`);
  }
}
