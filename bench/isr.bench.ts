/**
 * ISR replication: simulated time per wall time of the `isr` swarm scenario over a range of seeds,
 * with and without its invariant checkers, and seeds per minute (one thread).
 */
import { runWorld } from '../sim/kernel.ts';
import { configFor } from '../sim/run.ts';
import { isrScenario } from '../scenarios/isr.ts';

const SEEDS = 40;

function measure(withCheckers: boolean): { events: number; simulatedMs: number; ms: number } {
  let events = 0;
  let simulatedMs = 0;
  let ms = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const config = configFor(isrScenario, seed);
    const world = isrScenario.build(config);
    const start = performance.now(); // determinism-ok: wall-clock timing of the benchmark itself
    const r = runWorld(config, withCheckers ? world : { ...world, checkers: [] });
    ms += performance.now() - start; // determinism-ok: wall-clock timing of the benchmark itself
    events += r.events;
    simulatedMs += r.simulatedMs;
  }
  return { events, simulatedMs, ms };
}

export default function isrBench(): void {
  measure(true); // warm up
  for (const [name, withCheckers] of [
    ['isr swarm, no checkers', false],
    ['isr swarm, every checker', true],
  ] as const) {
    const { events, simulatedMs, ms } = measure(withCheckers);
    console.log(
      `${name.padEnd(26)} ${SEEDS} seeds ${String(events).padStart(8)} events  ${((events / ms) * 1000).toFixed(0).padStart(7)} events/s  ` +
        `${(simulatedMs / ms).toFixed(0).padStart(4)}x real time  ${(ms / SEEDS).toFixed(1).padStart(6)} ms/seed  ${((60_000 * SEEDS) / ms).toFixed(0).padStart(5)} seeds/min`,
    );
  }
}
