/**
 * Helpers scenarios use to expand a seed into a `RunConfig`: swarm fault plans over the servers,
 * with the network and clock bounds every run prints.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { ClockConfig, RunConfig } from './scenario.ts';
import { swarmFaults, type FaultKind } from './faults.ts';
import { calmNetwork, type NetworkConfig } from './network.ts';
import { Stream } from '../core/contract/rng.ts';

export const defaultClock: ClockConfig = { maxSkewMs: 50, maxDriftPpm: 200 };

export interface SwarmConfigArgs {
  readonly scenario: string;
  readonly seed: number;
  readonly bug: string | null;
  readonly options: Readonly<Record<string, unknown>>;
  /** Nodes the fault plan may target. */
  readonly servers: readonly NodeId[];
  readonly kinds: readonly FaultKind[];
  readonly durationMs: number;
  readonly quietMs: number;
  readonly network?: NetworkConfig;
  readonly clock?: ClockConfig;
  readonly maxEvents?: number;
  readonly maxDown?: number;
}

export function swarmConfig(args: SwarmConfigArgs): RunConfig {
  const clock = args.clock ?? defaultClock;
  const plan = swarmFaults(new Stream(args.seed, 'faults/plan'), {
    nodes: [...args.servers].sort(),
    durationMs: args.durationMs,
    kinds: args.kinds,
    clock,
    ...(args.maxDown !== undefined ? { maxDown: args.maxDown } : {}),
  });
  return {
    scenario: args.scenario,
    seed: args.seed,
    bug: args.bug,
    options: { ...args.options, swarm: { enabled: plan.enabled, ratePerSecond: +plan.ratePerSecond.toFixed(3) } },
    network: args.network ?? { base: calmNetwork },
    clock,
    faults: plan.faults,
    durationMs: args.durationMs,
    quietMs: args.quietMs,
    maxEvents: args.maxEvents ?? 5_000_000,
  };
}

/** Node ids n1..nN, in the kernel's (lexicographic) order. */
export function nodeIds(prefix: string, count: number): NodeId[] {
  return Array.from({ length: count }, (_, k) => `${prefix}${k + 1}`).sort();
}
