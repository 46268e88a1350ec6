/**
 * Shrinking a failing run's fault schedule: delta debugging (Zeller's ddmin) over the config's
 * fault events, keeping a subset while the run still breaks the same invariant. What is left is a
 * schedule in which every fault is needed, for a person to read. Used on failures found by seed
 * sweeps, whose schedules are drawn whole (property runs shrink with fast-check instead).
 */
import type { RunConfig, Scenario } from '../sim/scenario.ts';
import { runConfig } from '../sim/run.ts';

export interface Shrunk {
  readonly config: RunConfig;
  /** Runs spent shrinking. */
  readonly runs: number;
  /** False when the run budget ran out before no single fault could be dropped. */
  readonly minimal: boolean;
}

export function shrinkFaults(scenario: Scenario, config: RunConfig, invariant: string, maxRuns = 300): Shrunk {
  let runs = 0;
  const fails = (faults: RunConfig['faults']): boolean | null => {
    if (runs >= maxRuns) return null;
    runs++;
    return runConfig(scenario, { ...config, faults }).violation?.invariant === invariant;
  };
  let current = [...config.faults];
  let chunk = Math.max(1, current.length >> 1);
  for (;;) {
    let dropped = false;
    for (let start = 0; start < current.length; ) {
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      const verdict = fails(candidate);
      if (verdict === null) return { config: { ...config, faults: current }, runs, minimal: false };
      if (verdict) {
        current = candidate;
        dropped = true;
      } else start += chunk;
    }
    if (chunk > 1) chunk >>= 1;
    else if (!dropped) return { config: { ...config, faults: current }, runs, minimal: true };
  }
}
