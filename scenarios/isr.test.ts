import { describe, expect, it } from 'vitest';
import { configFor, runSeed } from '../sim/run.ts';
import { runWorld } from '../sim/kernel.ts';
import type { InvariantChecker, Scenario } from '../sim/scenario.ts';
import type { MetadataRecord } from '../core/isr/types.ts';
import { emptyLoss, measureLoss } from '../properties/isr.ts';
import {
  checkOptionsOf,
  isrCrashScenario,
  isrIsolatedLeaderScenario,
  isrJoinScenario,
  isrPowerLossScenario,
  isrRollingScenario,
  isrScenario,
  isrScenarios,
  isrSlowFollowerScenario,
  isrUncleanScenario,
  type IsrScenarioOptions,
} from './isr.ts';

function sweep(scenario: Scenario, seeds: number, bug: string | null = null) {
  const failing: { seed: number; invariant: string }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSeed(scenario, seed, bug);
    if (r.violation) failing.push({ seed, invariant: r.violation.invariant });
  }
  return failing;
}

describe('isr scenarios', () => {
  it('are listed with a one-line description each', () => {
    expect(isrScenarios.map((s) => s.name)).toEqual(['isr', 'isr-crash', 'isr-slow-follower', 'isr-isolated-leader', 'isr-rolling', 'isr-power-loss', 'isr-join', 'isr-unclean']);
    for (const s of isrScenarios) expect(s.description).not.toMatch(/\n/);
  });

  it.each([isrCrashScenario, isrSlowFollowerScenario, isrIsolatedLeaderScenario, isrRollingScenario, isrJoinScenario].map((s) => [s.name, s] as const))(
    '%s: every invariant holds over 4 seeds',
    (_, scenario) => {
      expect(sweep(scenario, 4)).toEqual([]);
    },
  );

  it('isr-join moves replicas only to the joining brokers and away from the leaving one, and finishes', () => {
    const config = configFor(isrJoinScenario, 1);
    const world = isrJoinScenario.build(config);
    const targets = new Map<number, readonly string[]>();
    const moves: { added: string[]; removed: string[] }[] = [];
    const watch: InvariantChecker = {
      name: 'watch-reassignments',
      kind: 'safety',
      onObservation(_, observation) {
        const o = observation as { type: string; records?: readonly MetadataRecord[] };
        if (o.type !== 'metadataCommitted') return;
        for (const r of o.records ?? []) {
          if (r.type === 'createTopic') for (const p of r.partitions) targets.set(p.partition, p.target);
          if (r.type !== 'partitionChange' || r.reason !== 'reassignment started') continue;
          const old = targets.get(r.state.partition) ?? [];
          moves.push({ added: r.state.target.filter((b) => !old.includes(b)), removed: old.filter((b) => !r.state.target.includes(b)) });
          targets.set(r.state.partition, r.state.target);
        }
      },
    };
    const r = runWorld(config, { ...world, checkers: [...world.checkers, watch] });
    expect(r.violation).toBeNull();
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves) {
      // One replica at a time: a joiner comes in, or the leaver goes out (and the next broker on the ring takes its place).
      expect(m.added.length).toBe(1);
      expect(m.removed.length).toBe(1);
      expect(['b4', 'b5'].includes(m.added[0]!) || m.removed[0] === 'b1').toBe(true);
    }
    expect([...targets.values()].every((t) => !t.includes('b1'))).toBe(true); // nothing stays on the broker that left
  });

  // The bug sweep: each known bug over a bounded number of seeds of one scenario, with the
  // correct code clean on the same seeds, and the invariants expected to catch it.
  const sweeps: { bug: string; scenario: Scenario; seeds: number; invariants: string[] }[] = [
    { bug: 'truncate-to-hw', scenario: isrPowerLossScenario, seeds: 10, invariants: ['acked-write-durable', 'consumed-never-truncated', 'isr-log-agreement'] },
    { bug: 'unclean-election', scenario: isrScenario, seeds: 30, invariants: ['acked-write-durable', 'consumed-never-truncated', 'isr-log-agreement'] },
    { bug: 'ack-below-min-isr', scenario: isrScenario, seeds: 30, invariants: ['acked-on-min-isr'] },
    { bug: 'hw-from-outside-isr', scenario: isrScenario, seeds: 30, invariants: ['isr-log-agreement', 'acked-write-durable', 'consumed-never-truncated'] },
  ];
  const fired = new Set<string>();

  it.each([...new Set(sweeps.map((s) => s.scenario))].map((s) => [s.name, Math.max(...sweeps.filter((x) => x.scenario === s).map((x) => x.seeds)), s] as const))(
    '%s: clean over the seeds the bug sweep uses (1..%i)',
    (_, seeds, scenario) => {
      expect(sweep(scenario, seeds)).toEqual([]);
    },
  );

  it.each(sweeps.map((s) => [s.bug, s] as const))('catches the %s bug', (_, s) => {
    const failing = sweep(s.scenario, s.seeds, s.bug);
    expect(failing.length, `${s.bug} in ${s.scenario.name}, seeds 1..${s.seeds}`).toBeGreaterThan(0);
    for (const f of failing) {
      expect(s.invariants, `seed ${f.seed}`).toContain(f.invariant);
      fired.add(f.invariant);
    }
  });

  it('between them, the bugs fire every data invariant', () => {
    expect([...fired].sort()).toEqual(expect.arrayContaining(['acked-on-min-isr', 'acked-write-durable', 'isr-log-agreement']));
  });

  it('isr-unclean: unclean elections lose acknowledged writes, and the loss is measured instead of failing the run', () => {
    const total = emptyLoss();
    for (let seed = 1; seed <= 20; seed++) {
      const config = configFor(isrUncleanScenario, seed);
      const { result, loss } = measureLoss(isrUncleanScenario, config, checkOptionsOf(config.options as unknown as IsrScenarioOptions));
      expect(result.violation, `seed ${seed}`).toBeNull();
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += loss[k];
    }
    expect(total.uncleanElections).toBeGreaterThan(0);
    expect(total.lostAckedAll).toBeGreaterThan(0);
    expect(total.truncatedCommitted).toBeGreaterThan(0);
  });
});
