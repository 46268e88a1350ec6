import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker.ts';
import type { History } from './history.ts';
import { longestPartialLinearization } from './partial.ts';

const all = (h: History) => h.operations.map((_, i) => i);

describe('longestPartialLinearization', () => {
  it('places every operation of a linearizable register history, with the state after each', () => {
    const h: History = {
      model: 'register',
      operations: [
        { client: 0, call: 0, return: 10, op: 'write', value: 'a' },
        { client: 1, call: 5, return: 20, op: 'read', output: 'a' },
        { client: 0, call: 12, return: 30, op: 'write', value: 'b' },
        { client: 1, call: 25, return: 40, op: 'read', output: 'b' },
      ],
    };
    const p = longestPartialLinearization(h, all(h));
    expect(p.complete).toBe(true);
    expect(p.order).toEqual([0, 1, 2, 3]);
    expect(p.states).toHaveLength(4);
    expect(p.states[1]).toBe(p.states[0]);
    expect(p.states[2]).not.toBe(p.states[1]);
    expect(p.stuck).toEqual([]);
    expect(checkHistory(h).verdict).toBe('linearizable');
  });

  it('stops where a stale read cannot come next, and names it and the state it contradicts', () => {
    const h: History = {
      model: 'register',
      operations: [
        { client: 0, call: 0, return: 10, op: 'write', value: 'a' },
        { client: 0, call: 20, return: 30, op: 'write', value: 'b' },
        { client: 1, call: 40, return: 50, op: 'read', output: 'a' },
      ],
    };
    const p = longestPartialLinearization(h, all(h));
    expect(p.complete).toBe(false);
    expect(p.exhausted).toBe(false);
    expect(p.order).toEqual([0, 1]);
    expect(p.stuck).toEqual([2]);
    expect(p.states[1]).toContain('b');
    expect(checkHistory(h).verdict).toBe('not-linearizable');
  });

  it('works on one key of a kv history (indices into the whole history) and may leave out an operation that never returned', () => {
    const h: History = {
      model: 'kv',
      operations: [
        { client: 'c1', call: 0, return: 10, key: 'x', op: 'put', value: '1' },
        { client: 'c2', call: 1, return: 11, key: 'y', op: 'put', value: '9' },
        { client: 'c3', call: 12, return: null, key: 'x', op: 'put', value: '2' },
        { client: 'c1', call: 20, return: 30, key: 'x', op: 'get', output: '1' },
      ],
    };
    const p = longestPartialLinearization(h, [0, 2, 3]);
    expect(p.complete).toBe(true);
    expect(p.order).toContain(0);
    expect(p.order).toContain(3);
    expect(p.order.indexOf(0)).toBeLessThan(p.order.indexOf(3));
    expect(p.order).not.toContain(1);
  });

  it('is bounded: a tiny step budget stops the search and says so', () => {
    const ops = Array.from({ length: 8 }, (_, k) => ({ client: k, call: 0, return: 100, op: 'write' as const, value: `v${k}` }));
    const h: History = { model: 'register', operations: [...ops, { client: 9, call: 200, return: 210, op: 'read', output: 'none' }] };
    const p = longestPartialLinearization(h, all(h), 5);
    expect(p.complete).toBe(false);
    expect(p.exhausted).toBe(true);
  });
});
