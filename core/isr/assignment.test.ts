import { describe, expect, it } from 'vitest';
import { assignmentMoves, createAssigner } from './assignment.ts';

const assign = createAssigner({ topic: 'events', partitions: 24, replicationFactor: 3, virtualNodes: 128 });
const ring = (n: number) => Array.from({ length: n }, (_, k) => `b${k + 1}`);

describe('partition assignment from the hash ring', () => {
  it('gives every partition replication-factor distinct brokers, or every broker when there are fewer', () => {
    for (const n of [1, 2, 3, 4, 5, 7]) {
      for (const replicas of assign(ring(n))) {
        expect(new Set(replicas).size).toBe(replicas.length);
        expect(replicas.length).toBe(Math.min(3, n));
        expect(replicas.every((b) => ring(n).includes(b))).toBe(true);
      }
    }
  });

  it('is a function of the ring members alone, not their order', () => {
    expect(assign(['b3', 'b1', 'b2'])).toEqual(assign(['b1', 'b2', 'b3']));
  });

  it('moves replicas only to a joining broker, at most one per partition', () => {
    for (const n of [3, 4, 5, 6]) {
      const before = assign(ring(n));
      const after = assign(ring(n + 1));
      const joiner = `b${n + 1}`;
      for (let p = 0; p < before.length; p++) {
        const added = after[p]!.filter((b) => !before[p]!.includes(b));
        expect(added.every((b) => b === joiner)).toBe(true);
        expect(added.length).toBeLessThanOrEqual(1);
        // The joiner is inserted into the clockwise walk: the others keep their order.
        expect(after[p]!.filter((b) => b !== joiner)).toEqual(before[p]!.slice(0, after[p]!.filter((b) => b !== joiner).length));
      }
      const moves = assignmentMoves(before, after);
      expect(moves.added).toBe(moves.removed);
      expect(moves.added).toBe(after.filter((r) => r.includes(joiner)).length);
    }
  });

  it('moves only the replicas of a leaving broker', () => {
    const before = assign(ring(5));
    const after = assign(ring(5).filter((b) => b !== 'b2'));
    for (let p = 0; p < before.length; p++) {
      const removed = before[p]!.filter((b) => !after[p]!.includes(b));
      expect(removed).toEqual(before[p]!.includes('b2') ? ['b2'] : []);
    }
    expect(assignmentMoves(before, after).removed).toBe(before.filter((r) => r.includes('b2')).length);
  });

  it('spreads the replicas: with 128 virtual nodes no broker holds more than twice its share', () => {
    const partitions = createAssigner({ topic: 'events', partitions: 256, replicationFactor: 3, virtualNodes: 128 })(ring(5));
    const load = new Map<string, number>();
    for (const replicas of partitions) for (const b of replicas) load.set(b, (load.get(b) ?? 0) + 1);
    const fair = (256 * 3) / 5;
    for (const b of ring(5)) expect(load.get(b)!).toBeLessThan(2 * fair);
    for (const b of ring(5)) expect(load.get(b)!).toBeGreaterThan(fair / 2);
  });
});
