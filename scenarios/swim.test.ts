import { describe, expect, it } from 'vitest';
import { runConfig, runSeed, sweepSeeds } from '../sim/run.ts';
import { runWorld } from '../sim/kernel.ts';
import type { Scenario } from '../sim/scenario.ts';
import type { AnyProtocol } from '../core/contract/protocol.ts';
import { buildSwim, customSwimRun, swimScenarios, swimCrash, swimForgery, swimLarge, swimLoss, swimPartition } from './swim.ts';

const sweep = sweepSeeds;

describe('swim scenarios without a bug', () => {
  for (const scenario of swimScenarios) {
    const seeds = scenario === swimLarge ? 3 : 6;
    it(`${scenario.name} is clean over ${seeds} seeds`, () => {
      expect(sweep(scenario, seeds, null)).toEqual([]);
    });
  }

  it('replays bit for bit: the same seed gives the same trace hash', () => {
    const a = runSeed(swimForgery, 3);
    const b = runSeed(swimForgery, 3);
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.stats.forgeries).toBeGreaterThan(100);
  });
});

// Each documented bug, the scenario that exposes it, the invariant that must catch it, and a sweep
// the correct protocol passes with the same seeds.
const catches: readonly { bug: string; scenario: Scenario; seeds: number; invariant: string }[] = [
  { bug: 'no-suspicion', scenario: swimLoss, seeds: 16, invariant: 'false-positives' },
  { bug: 'no-ping-req', scenario: swimLoss, seeds: 16, invariant: 'false-positives' },
  { bug: 'refute-without-bump', scenario: swimPartition, seeds: 4, invariant: 'refutation' },
  { bug: 'lower-incarnation-alive', scenario: swimPartition, seeds: 4, invariant: 'incarnations-grow' },
  { bug: 'early-dissemination-stop', scenario: swimLarge, seeds: 6, invariant: 'dissemination' },
  { bug: 'no-mac-check', scenario: swimForgery, seeds: 4, invariant: 'kernel:forgery-accepted' },
];

describe('swim known bugs', () => {
  for (const c of catches) {
    it(`catches ${c.bug} in ${c.scenario.name} within ${c.seeds} seeds with ${c.invariant}, where the correct protocol passes`, () => {
      const failing = sweep(c.scenario, c.seeds, c.bug);
      expect(failing.map((f) => f.invariant)).toContain(c.invariant);
      if (c.scenario !== swimLarge && c.scenario !== swimPartition) expect(sweep(c.scenario, c.seeds, null)).toEqual([]);
    });
  }
});

describe('swim checkers fire on broken protocols', () => {
  const crashRun = customSwimRun({ seed: 1, options: { nodes: 6 }, faults: [{ atMs: 3000, type: 'crash', node: 'n4' }], durationMs: 60_000, quietMs: 10_000 });
  const withProtocol = (wrap: (p: AnyProtocol) => AnyProtocol) => {
    const world = buildSwim(crashRun);
    return { ...world, nodes: world.nodes.map((n) => ({ ...n, protocol: wrap(n.protocol) })), checkers: world.checkers.filter((c) => c.name === 'completeness') };
  };

  it('completeness: a protocol whose suspicions never run out keeps a crashed member alive', () => {
    const r = runWorld(crashRun, withProtocol((p) => ({ ...p, step: (s, input, env) => (input.type === 'timer' && input.timer.startsWith('suspect/') ? { state: s, effects: [] } : p.step(s, input, env)) })));
    expect(r.violation?.invariant).toBe('completeness');
  });

  it('convergence: a member that never listens is never learned about after the heal', () => {
    const world = buildSwim(crashRun);
    const deaf = world.nodes[0]!.protocol;
    const nodes = world.nodes.map((n) => (n.id === 'n2' ? { ...n, protocol: { ...deaf, step: (s: unknown, input: { type: string }, env: never) => (input.type === 'message' ? { state: s, effects: [] } : deaf.step(s, input as never, env)) } } : n));
    const checkers = world.checkers.filter((c) => c.name === 'convergence');
    const r = runWorld(customSwimRun({ seed: 2, options: { nodes: 6 }, durationMs: 20_000, quietMs: 20_000 }), { ...world, nodes, checkers });
    expect(r.violation?.invariant).toBe('convergence');
  });

  it('the crash story: every live member declares the crashed one dead, then welcomes it back with a fresh incarnation', () => {
    const deaths = new Map<string, number>();
    const back = new Set<string>();
    const config = runSeed(swimCrash, 1).config;
    const victim = config.faults.find((f) => f.type === 'crash')!;
    const r = runConfig(swimCrash, config, {
      onObservation(node, o) {
        const m = o as { type: string; event?: string; subject?: string; incarnation?: number };
        if (m.type !== 'member' || m.subject !== (victim as { node: string }).node) return;
        if (m.event === 'dead') deaths.set(node, m.incarnation!);
        if (m.event === 'alive' && m.incarnation! > 1) back.add(node);
      },
    });
    expect(r.violation).toBeNull();
    const others = Number(config.options.nodes) - 1;
    expect(deaths.size).toBe(others);
    expect(back.size).toBe(others);
  });
});
