/**
 * Measurements over runs of the cluster scenarios: how many acknowledged writes failovers lose
 * under asynchronous replication (and that none are lost under synchronous replication), how
 * often linearizability was checked, and how long seeds take.
 */
import type { Scenario } from '../../sim/scenario.ts';
import { configFor } from '../../sim/run.ts';
import { runWorld } from '../../sim/kernel.ts';
import type { LossMeasurement } from '../../checkers/cluster.ts';

export interface SeedMeasurement extends LossMeasurement {
  readonly seed: number;
  readonly violation: string | null;
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  /** Why linearizability was not checked (asynchronous replication with a failover), or null when it was. */
  readonly linearizabilitySkipped: string | null;
  /** Windows the demoted primaries reported (their own count of acknowledged writes beyond the successor's offset). */
  readonly reportedWindows: readonly number[];
}

export function measureSeed(scenario: Scenario, seed: number, bug: string | null = null): SeedMeasurement {
  const config = configFor(scenario, seed, bug);
  const world = scenario.build(config);
  const loss = world.checkers.find((c) => c.name === 'acked-writes-survive') as unknown as { measurement(): LossMeasurement } | undefined;
  const lin = world.checkers.find((c) => c.name === 'linearizable') as unknown as { skippedBecause(): string | null } | undefined;
  const windows: number[] = [];
  const started = performance.now(); // determinism-ok: wall time of a measurement, outside the simulated world
  const r = runWorld(config, world, {
    onObservation(_node, o) {
      const x = o as Record<string, unknown>;
      if (x.type === 'failover' && x.event === 'demoted' && typeof x.lostAckedWrites === 'number') windows.push(x.lostAckedWrites);
    },
  });
  const wallMs = performance.now() - started; // determinism-ok
  const m = loss?.measurement() ?? { ackedWrites: 0, promotions: 0, lostAckedWrites: 0, lost: [] };
  return {
    seed,
    ...m,
    violation: r.violation ? `${r.violation.invariant}: ${r.violation.message}` : null,
    events: r.events,
    simulatedMs: r.simulatedMs,
    wallMs,
    linearizabilitySkipped: lin?.skippedBecause() ?? null,
    reportedWindows: windows,
  };
}

export interface LossSummary {
  readonly scenario: string;
  readonly seeds: number;
  readonly runsWithPromotion: number;
  readonly runsWithLoss: number;
  readonly ackedWrites: number;
  readonly lostAckedWrites: number;
  readonly maxLostInARun: number;
  readonly violations: number;
}

export function summarizeLoss(scenario: string, runs: readonly SeedMeasurement[]): LossSummary {
  return {
    scenario,
    seeds: runs.length,
    runsWithPromotion: runs.filter((r) => r.promotions > 0).length,
    runsWithLoss: runs.filter((r) => r.lostAckedWrites > 0).length,
    ackedWrites: runs.reduce((a, r) => a + r.ackedWrites, 0),
    lostAckedWrites: runs.reduce((a, r) => a + r.lostAckedWrites, 0),
    maxLostInARun: Math.max(0, ...runs.map((r) => r.lostAckedWrites)),
    violations: runs.filter((r) => r.violation !== null).length,
  };
}
