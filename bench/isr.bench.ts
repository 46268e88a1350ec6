/**
 * ISR replication: simulated time per wall time of the `isr` swarm scenario over a range of seeds,
 * with and without its invariant checkers, and seeds per minute (one thread); then how fast SWIM
 * gets a crashed broker fenced and a falsely declared one back (`isr-crash`, `isr-false-dead`).
 */
import { runWorld } from '../sim/kernel.ts';
import { configFor } from '../sim/run.ts';
import type { MetadataRecord } from '../core/isr/types.ts';
import { isrCrashScenario, isrFalseDeadScenario, isrScenario } from '../scenarios/isr.ts';

const SEEDS = 40;
const DETECTION_SEEDS = 20;

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

/** When things happened to one broker in one run: SWIM's first dead and alive news at a controller, and its fence records. */
function timeline(scenario: typeof isrCrashScenario, seed: number, broker: string) {
  const config = configFor(scenario, seed);
  const world = scenario.build(config);
  const at: { dead: number[]; alive: number[]; fenced: number[]; unfenced: number[] } = { dead: [], alive: [], fenced: [], unfenced: [] };
  runWorld(config, { ...world, checkers: [] }, {
    onObservation(node, observation, nowMs) {
      const o = observation as { type: string; event?: string; subject?: string; records?: readonly MetadataRecord[] };
      if (o.type === 'member' && node.startsWith('k') && o.subject === broker && (o.event === 'dead' || o.event === 'alive')) at[o.event].push(nowMs);
      if (o.type !== 'metadataCommitted') return;
      for (const r of o.records ?? []) {
        if (r.type === 'fenceBroker' && r.broker === broker) at.fenced.push(nowMs);
        if (r.type === 'unfenceBroker' && r.broker === broker) at.unfenced.push(nowMs);
      }
    },
  });
  return { config, at };
}

const fmt = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return s.length === 0 ? 'n/a' : `median ${q(0.5).toFixed(0).padStart(5)} ms  min ${s[0]!.toFixed(0).padStart(5)}  max ${s[s.length - 1]!.toFixed(0).padStart(5)}  (${s.length} runs)`;
};
const firstAfter = (xs: number[], t: number): number | undefined => xs.find((x) => x >= t);

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

  // A crash: from the crash to a controller's SWIM member declaring it dead, and to the fence committed.
  const declared: number[] = [];
  const fenced: number[] = [];
  for (let seed = 1; seed <= DETECTION_SEEDS; seed++) {
    const { config, at } = timeline(isrCrashScenario, seed, 'b1');
    const crash = config.faults.find((f) => f.type === 'crash' && f.node === 'b1')!.atMs;
    const d = firstAfter(at.dead, crash);
    const f = firstAfter(at.fenced, crash);
    if (d !== undefined) declared.push(d - crash);
    if (f !== undefined) fenced.push(f - crash);
  }
  console.log(`isr-crash   crash -> SWIM dead at a controller   ${fmt(declared)}`);
  console.log(`isr-crash   crash -> fence committed             ${fmt(fenced)}`);

  // A stall: from its start to the fence, and from its end (the broker runs again) to the unfence.
  const stallFenced: number[] = [];
  const back: number[] = [];
  for (let seed = 1; seed <= DETECTION_SEEDS; seed++) {
    const { config, at } = timeline(isrFalseDeadScenario, seed, 'b2');
    const pause = config.faults.find((f) => f.type === 'pause' && f.node === 'b2');
    if (pause === undefined || pause.type !== 'pause') continue;
    const f = firstAfter(at.fenced, pause.atMs);
    const u = firstAfter(at.unfenced, pause.atMs + pause.durationMs);
    if (f !== undefined) stallFenced.push(f - pause.atMs);
    if (u !== undefined) back.push(u - (pause.atMs + pause.durationMs));
  }
  console.log(`isr-false-dead  stall starts -> fence committed  ${fmt(stallFenced)}`);
  console.log(`isr-false-dead  stall ends -> unfence committed  ${fmt(back)}`);
}
