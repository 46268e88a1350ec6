import { describe, expect, it } from 'vitest';
import { sweepSeeds } from '../sim/run.ts';
import { runWorld } from '../sim/kernel.ts';
import { maxGossipScenario } from './maxgossip.ts';

const SEEDS = 60;

const sweep = (bug: string | null) => sweepSeeds(maxGossipScenario, SEEDS, bug);

describe('maxgossip scenario', () => {
  it(`is clean over ${SEEDS} seeds without a bug`, () => {
    expect(sweep(null)).toEqual([]);
  });

  for (const bug of ['no-persist', 'announce-before-persist', 'no-checksum']) {
    it(`catches the ${bug} bug within ${SEEDS} seeds, with the never-backwards invariant`, () => {
      const failing = sweep(bug);
      expect(failing.length).toBeGreaterThan(0);
      expect(failing.every((f) => f.invariant === 'never-backwards')).toBe(true);
    });
  }

  it('its liveness checker fires when a node is cut off for good', () => {
    const config = { ...maxGossipScenario.configure(1, { next: () => 0, int: () => 0, between: (a: number) => a }, null) };
    const world = maxGossipScenario.build(config);
    // Replace the protocol of one node with one that never listens: it can't catch up after the heal.
    const deaf = { ...world.nodes[0]!.protocol, step: (s: unknown) => ({ state: s, effects: [] }) };
    const nodes = world.nodes.map((n, k) => (k === 0 ? { ...n, protocol: deaf } : n));
    const r = runWorld({ ...config, faults: [] }, { ...world, nodes });
    expect(r.violation?.invariant).toBe('catches-up');
  });
});
