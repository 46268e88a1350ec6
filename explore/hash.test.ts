import { describe, expect, it } from 'vitest';
import type { Protocol } from '../core/contract/protocol.ts';
import type { RunConfig, Scenario } from '../sim/scenario.ts';
import { calmNetwork } from '../sim/network.ts';
import { configFor } from '../sim/run.ts';
import { FingerprintSet, HashSet64, collisionProbability, hashValue, type Hash64 } from './hash.ts';
import { Model, type XWorld } from './model.ts';
import { resolveBounds } from './index.ts';

/**
 * n1 and n2 each send one 'x' to n3 when they start and arm a timer 'tick' (10 ms); n3 counts what
 * it got (or, with `ordered`, keeps the senders in order of arrival).
 */
function fanIn(ordered: boolean, reorder: boolean): Scenario {
  const protocol: Protocol<{ got: string[]; count: number }, 'x', never, never, never> = {
    name: 'fan-in',
    init: () => ({ got: [], count: 0 }),
    step(state, input, env) {
      switch (input.type) {
        case 'start':
          return { state, effects: env.self === 'n3' ? [] : [{ type: 'send', to: 'n3', message: 'x' }, { type: 'setTimer', timer: 'tick', afterMs: 10 }] };
        case 'message':
          state.count++;
          if (ordered) state.got.push(input.from);
          return { state, effects: [] };
        default:
          return { state, effects: [] };
      }
    },
  };
  const config: RunConfig = {
    scenario: 'fan-in', seed: 0, bug: null, options: {}, network: { base: { ...calmNetwork, latency: { kind: 'constant', ms: 0 }, reorder } },
    clock: { maxSkewMs: 0, maxDriftPpm: 0 }, faults: [], durationMs: 100, quietMs: 0, maxEvents: 1000,
  };
  return {
    name: 'fan-in', description: 'test', bugs: [], faultKinds: [],
    configure: () => config,
    build: () => ({ nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, protocol, faultable: true, role: 'server' })), commands: [], checkers: [] }),
    explore: { symmetric: () => ['n1', 'n2'] },
  };
}

function modelOf(scenario: Scenario, symmetry = false): Model {
  const config = configFor(scenario, 0, null);
  return new Model(scenario, config, resolveBounds(scenario, { depth: 10 }), symmetry ? [...scenario.explore!.symmetric!(config)] : null);
}

/** The child of `w` reached by the first transition whose description matches. */
function step(model: Model, w: XWorld, pick: (c: XWorld) => boolean): XWorld {
  const out: XWorld[] = [];
  model.expand(w, out);
  const child = out.find(pick);
  if (!child) throw new Error('no such transition');
  model.hash(child);
  return child;
}

const delivery = (from: number) => (c: XWorld) => {
  const via = c.via;
  return via?.type === 'deliver' && !via.keep && c.parent!.inflight.find((m) => m.id === via.msg)?.from === from;
};
const timer = (node: number) => (c: XWorld) => c.via?.type === 'timer' && c.via.node === node;

describe('the canonical world hash', () => {
  it('is equal for equal worlds reached in different orders, and differs for different worlds', () => {
    const counting = modelOf(fanIn(false, true));
    const root = counting.root();
    const ab = step(counting, step(counting, root, delivery(0)), delivery(1));
    const ba = step(counting, step(counting, root, delivery(1)), delivery(0));
    expect([ab.h1, ab.h2]).toEqual([ba.h1, ba.h2]);
    const one = step(counting, root, delivery(0));
    expect([one.h1, one.h2]).not.toEqual([ab.h1, ab.h2]);

    // When n3 keeps the order of arrival, the two orders are different worlds.
    const ordered = modelOf(fanIn(true, true));
    const r2 = ordered.root();
    const ab2 = step(ordered, step(ordered, r2, delivery(0)), delivery(1));
    const ba2 = step(ordered, step(ordered, r2, delivery(1)), delivery(0));
    expect([ab2.h1, ab2.h2]).not.toEqual([ba2.h1, ba2.h2]);
  });

  it('compares times relative to now: firing two timers in either order (time moves to 10 ms) gives one world', () => {
    const model = modelOf(fanIn(false, true));
    const root = model.root();
    const x = step(model, step(model, root, timer(0)), timer(1));
    const y = step(model, step(model, root, timer(1)), timer(0));
    expect(x.now).toBe(10);
    expect([x.h1, x.h2]).toEqual([y.h1, y.h2]);
    // One timer fired is another world than none or both.
    const one = step(model, root, timer(0));
    model.hash(root);
    expect(new Set([root, one, x].map((w) => `${w.h1}/${w.h2}`)).size).toBe(3);
  });

  it('hashes values canonically: object keys in any order, arrays in their order', () => {
    const a: Hash64 = { h1: 0, h2: 0 };
    const b: Hash64 = { h1: 0, h2: 0 };
    hashValue({ k: [1, 2], s: 'n1' }, a);
    hashValue({ s: 'n1', k: [1, 2] }, b);
    expect(a).toEqual(b); // object keys never matter
    hashValue({ s: 'n1', k: [2, 1] }, b);
    expect(a).not.toEqual(b); // array order does
  });

  it('with symmetry, worlds that differ only by which of the interchangeable nodes did what hash equally', () => {
    const plain = modelOf(fanIn(true, true));
    const sym = modelOf(fanIn(true, true), true);
    for (const [model, same] of [[plain, false], [sym, true]] as const) {
      const root = model.root();
      const fromN1 = step(model, root, delivery(0));
      const fromN2 = step(model, root, delivery(1));
      expect(fromN1.h1 === fromN2.h1 && fromN1.h2 === fromN2.h2).toBe(same);
    }
  });
});

describe('HashSet64', () => {
  it('stores and finds 64-bit hashes with a value, and grows', () => {
    const set = new HashSet64(2);
    for (let k = 0; k < 1000; k++) set.set(k * 7919, k ^ 0x5bd1e995, k % 50);
    expect(set.size).toBe(1000);
    for (let k = 0; k < 1000; k++) expect(set.find(k * 7919, k ^ 0x5bd1e995)).toBe(k % 50);
    expect(set.find(1, 1)).toBe(-1);
    set.set(0, 0, 3); // the empty marker is stored as (0, 1)
    expect(set.find(0, 0)).toBe(3);
    set.set(7919, 1 ^ 0x5bd1e995, 49);
    expect(set.find(7919, 1 ^ 0x5bd1e995)).toBe(49);
    expect(set.size).toBe(1001);
  });
});

describe('FingerprintSet', () => {
  it('adds 64-bit fingerprints once each, grows, and takes (0, 0) too', () => {
    const set = new FingerprintSet(2);
    for (let k = 0; k < 10_000; k++) expect(set.add(k * 7919, k ^ 0x5bd1e995)).toBe(true);
    for (let k = 0; k < 10_000; k++) expect(set.add(k * 7919, k ^ 0x5bd1e995)).toBe(false);
    expect(set.size).toBe(10_000);
    for (let k = 0; k < 10_000; k++) expect(set.has(k * 7919, k ^ 0x5bd1e995)).toBe(true);
    expect(set.has(1, 1)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.has(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.size).toBe(10_001);
    // 8 bytes a slot, at most 3/4 full.
    expect(set.bytes).toBeLessThanOrEqual((10_001 * 8 * 4) / 3 * 2);
  });

  it("estimates the collision probability as TLC does: distinct x (transitions - distinct) / 2^64", () => {
    expect(collisionProbability(1, 1)).toBe(0);
    expect(collisionProbability(2 ** 20, 2 ** 21)).toBeCloseTo(2 ** 40 / 2 ** 64, 20);
    expect(collisionProbability(1e8, 3e8)).toBeCloseTo((1e8 * 2e8) / 2 ** 64, 12);
  });
});
