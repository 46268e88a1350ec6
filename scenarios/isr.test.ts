import { describe, expect, it } from 'vitest';
import { configFor, runSeed } from '../sim/run.ts';
import { runWorld } from '../sim/kernel.ts';
import type { InvariantChecker, Scenario } from '../sim/scenario.ts';
import type { MetadataRecord } from '../core/isr/types.ts';
import { emptyLoss, lossMeter } from '../checkers/isr.ts';
import { RunMetrics } from '../cli/metrics.ts';
import type { RunConfig } from '../sim/scenario.ts';
import {
  buildIsrWorld,
  checkOptionsOf,
  isrCrashScenario,
  isrFalseDeadScenario,
  isrLaggingReplicaScenario,
  isrUncleanLossScenario,
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
    expect(isrScenarios.map((s) => s.name)).toEqual([
      'isr',
      'isr-crash',
      'isr-false-dead',
      'isr-slow-follower',
      'isr-isolated-leader',
      'isr-rolling',
      'isr-power-loss',
      'isr-join',
      'isr-lagging-replica',
      'isr-unclean',
      'isr-unclean-loss',
    ]);
    for (const s of isrScenarios) expect(s.description).not.toMatch(/\n/);
  });

  it.each([isrCrashScenario, isrFalseDeadScenario, isrSlowFollowerScenario, isrIsolatedLeaderScenario, isrRollingScenario, isrJoinScenario].map((s) => [s.name, s] as const))(
    '%s: every invariant holds over 4 seeds',
    (_, scenario) => {
      expect(sweep(scenario, 4)).toEqual([]);
    },
  );

  it('isr-join moves replicas only to the joining brokers and away from the leaving one, and finishes; joins and the leave go through SWIM', () => {
    const config = configFor(isrJoinScenario, 1);
    const world = isrJoinScenario.build(config);
    const targets = new Map<number, readonly string[]>();
    const moves: { added: string[]; removed: string[] }[] = [];
    const story: string[] = [];
    const watch: InvariantChecker = {
      name: 'watch-reassignments',
      kind: 'safety',
      onObservation(node, observation) {
        const o = observation as { type: string; event?: string; subject?: string; records?: readonly MetadataRecord[] };
        // The active controller's view of the brokers' membership, and its decisions about them.
        if (o.type === 'member' && node.startsWith('k') && (o.event === 'joined' || o.event === 'left')) story.push(`${node} swim ${o.event} ${o.subject}`);
        if (o.type !== 'metadataCommitted') return;
        for (const r of o.records ?? []) {
          if (r.type === 'registerBroker' || r.type === 'leaveBroker' || r.type === 'fenceBroker') story.push(`${r.type} ${r.broker}${r.type === 'fenceBroker' ? ` ${r.reason}` : ''}`);
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
    // Each joiner is a SWIM member (to some controller) before it is registered; the leaver is out of
    // the ring first, leaves SWIM once its replicas are gone, and is then fenced as 'left'.
    const first = (line: string) => story.findIndex((l) => l.includes(line));
    for (const b of ['b4', 'b5']) {
      expect(first(`swim joined ${b}`), b).toBeGreaterThanOrEqual(0);
      expect(first(`swim joined ${b}`), b).toBeLessThan(first(`registerBroker ${b}`));
    }
    expect(first('leaveBroker b1')).toBeGreaterThanOrEqual(0);
    expect(first('leaveBroker b1')).toBeLessThan(first('swim left b1'));
    expect(first('swim left b1')).toBeLessThan(first('fenceBroker b1 left'));
  });

  /** The metadata records of a run, and every controller's SWIM events about brokers, in order. */
  function history(config: RunConfig) {
    const world = buildIsrWorld(config);
    const records: { atMs: number; record: MetadataRecord }[] = [];
    const declared: { atMs: number; by: string; event: string; subject: string }[] = [];
    const r = runWorld(config, world, {
      onObservation(node, observation, nowMs) {
        const o = observation as { type: string; event?: string; subject?: string; records?: readonly MetadataRecord[] };
        if (o.type === 'metadataCommitted') for (const record of o.records ?? []) records.push({ atMs: nowMs, record });
        if (o.type === 'member' && node.startsWith('k') && o.subject?.startsWith('b')) declared.push({ atMs: nowMs, by: node, event: o.event!, subject: o.subject });
      },
    });
    return { violation: r.violation, records, declared };
  }
  const fences = (h: ReturnType<typeof history>, broker: string) =>
    h.records.filter((x) => (x.record.type === 'fenceBroker' || x.record.type === 'registerBroker' || x.record.type === 'unfenceBroker') && x.record.broker === broker).map((x) => x.record);

  it('isr-crash: SWIM declares the broker that stays down dead and the controller fences it; the quick restart is never declared dead', () => {
    for (let seed = 1; seed <= 2; seed++) {
      const h = history(configFor(isrCrashScenario, seed));
      expect(h.violation).toBeNull();
      expect(h.declared.some((d) => d.subject === 'b1' && d.event === 'dead')).toBe(true);
      expect(fences(h, 'b1').slice(2)).toEqual([
        { type: 'fenceBroker', broker: 'b1', reason: 'dead' },
        { type: 'registerBroker', broker: 'b1', incarnation: 2 },
        { type: 'unfenceBroker', broker: 'b1' },
      ]);
      // b2 restarts within SWIM's suspicion: no controller declares it dead; its new incarnation fences it briefly.
      expect(h.declared.filter((d) => d.subject === 'b2' && d.event === 'dead')).toEqual([]);
      expect(fences(h, 'b2').slice(2)).toEqual([
        { type: 'registerBroker', broker: 'b2', incarnation: 2 },
        { type: 'unfenceBroker', broker: 'b2' },
      ]);
    }
  });

  it('isr-false-dead: a live broker declared dead is fenced with its moves, refutes, and comes back as the same process', () => {
    for (let seed = 1; seed <= 2; seed++) {
      const config = configFor(isrFalseDeadScenario, seed);
      expect(config.faults.some((f) => f.type === 'crash')).toBe(false);
      const h = history(config);
      expect(h.violation).toBeNull();
      expect(h.declared.filter((d) => d.subject === 'b2' && d.event === 'dead').length).toBeGreaterThan(0);
      // Fenced as dead and unfenced again, twice, always as incarnation 1: the process never restarted.
      expect(fences(h, 'b2').slice(2)).toEqual([
        { type: 'fenceBroker', broker: 'b2', reason: 'dead' },
        { type: 'unfenceBroker', broker: 'b2' },
        { type: 'fenceBroker', broker: 'b2', reason: 'dead' },
        { type: 'unfenceBroker', broker: 'b2' },
      ]);
      // Its partitions moved in the fencing batch (fence-before-move checks the order; isr-liveness, that it is back in every ISR at the end).
      const moved = h.records.filter((x) => x.record.type === 'partitionChange' && /b2 fenced$/.test(x.record.reason));
      expect(moved.length).toBeGreaterThan(0);
    }
  });

  // The bug sweep: each known bug over a bounded number of seeds of one scenario, with the
  // correct code clean on the same seeds, and the invariants expected to catch it.
  const sweeps: { bug: string; scenario: Scenario; seeds: number; invariants: string[] }[] = [
    { bug: 'truncate-to-hw', scenario: isrPowerLossScenario, seeds: 10, invariants: ['acked-write-durable', 'consumed-never-truncated', 'isr-log-agreement'] },
    // SWIM declares nobody dead for a short stall, so the swarm rarely leaves only dead ISR members (4 of its first 200 seeds); the story does every time.
    { bug: 'unclean-election', scenario: isrLaggingReplicaScenario, seeds: 4, invariants: ['acked-write-durable', 'consumed-never-truncated', 'isr-log-agreement'] },
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

  /** A run with the loss meter on, and the clients' audit metrics as `--metrics` would count them. */
  async function lossAndMetrics(scenario: Scenario, seed: number) {
    const config = configFor(scenario, seed);
    const world = scenario.build(config);
    const loss = emptyLoss();
    const metrics = new RunMetrics(scenario.name);
    metrics.startRun(config);
    const result = runWorld(config, { ...world, checkers: [...world.checkers, lossMeter(checkOptionsOf(config.options as unknown as IsrScenarioOptions), loss)] }, {
      onObservation: (node, o, nowMs) => metrics.observe(node, o, nowMs),
    });
    metrics.finishRun(result);
    const counted = (name: string) =>
      Number(new RegExp(`cluster_sim_protocol_total\\{scenario="${scenario.name}",name="${name}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
    const text = await metrics.text();
    return { result, loss, metric: { all: counted('acked_writes_lost_unclean'), one: counted('acks1_writes_lost'), consumed: counted('consumed_then_lost') } };
  }

  it('isr-unclean-loss: an unclean election loses acknowledged writes; the clients measure it as metrics, equal to the checkers\' count', async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const { result, loss, metric } = await lossAndMetrics(isrUncleanLossScenario, seed);
      expect(result.violation, `seed ${seed}`).toBeNull();
      expect(loss.uncleanElections).toBeGreaterThan(0);
      expect(loss.lostAckedAll).toBeGreaterThan(0);
      expect(loss.truncatedCommitted).toBeGreaterThan(0);
      expect(metric).toEqual({ all: loss.lostAckedAll, one: loss.lostAckedOne, consumed: loss.lostConsumed });
    }
  });

  it('isr-unclean: the swarm with unclean elections on by choice never fails a run, and the clients\' audits agree with the checkers\' count', async () => {
    // SWIM declares no one dead for a short stall or partition, so unclean elections are rare in
    // this swarm (18 in its first 200 seeds, 3 acknowledged writes lost); isr-unclean-loss is the story.
    for (let seed = 1; seed <= 10; seed++) {
      const { result, loss, metric } = await lossAndMetrics(isrUncleanScenario, seed);
      expect(result.violation, `seed ${seed}`).toBeNull();
      expect(metric, `seed ${seed}`).toEqual({ all: loss.lostAckedAll, one: loss.lostAckedOne, consumed: loss.lostConsumed });
    }
  });
});
