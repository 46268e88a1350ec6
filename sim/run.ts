/**
 * Running scenarios: expand a seed into a config, build its world, run it. This is the API a
 * user's own test or tool calls; the CLI and the sweep are built on it.
 */
import type { RunConfig, Scenario } from './scenario.ts';
import { runWorld, type RunOptions, type RunResult } from './kernel.ts';
import { Stream } from '../core/contract/rng.ts';

/** The run configuration a seed expands into (the scenario draws its shape from the config stream). */
export function configFor(scenario: Scenario, seed: number, bug: string | null = null): RunConfig {
  if (bug !== null && !scenario.bugs.some((b) => b.name === bug)) {
    throw new Error(`scenario ${scenario.name} has no bug ${JSON.stringify(bug)}`);
  }
  return scenario.configure(seed, new Stream(seed, 'config'), bug);
}

export function runConfig(scenario: Scenario, config: RunConfig, options: RunOptions = {}): RunResult {
  return runWorld(config, scenario.build(config), options);
}

export function runSeed(scenario: Scenario, seed: number, bug: string | null = null, options: RunOptions = {}): RunResult {
  return runConfig(scenario, configFor(scenario, seed, bug), options);
}

export interface SweepFailure {
  readonly seed: number;
  readonly invariant: string;
  readonly message: string;
}

/** Runs seeds 1..`seeds` (or the listed ones) of a scenario and returns the failing ones: the loop every bug-sweep test needs. */
export function sweepSeeds(scenario: Scenario, seeds: number | readonly number[], bug: string | null = null): SweepFailure[] {
  const list = typeof seeds === 'number' ? Array.from({ length: seeds }, (_, k) => k + 1) : seeds;
  const failing: SweepFailure[] = [];
  for (const seed of list) {
    const v = runSeed(scenario, seed, bug).violation;
    if (v) failing.push({ seed, invariant: v.invariant, message: v.message });
  }
  return failing;
}
