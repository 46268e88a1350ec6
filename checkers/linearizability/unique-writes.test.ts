/**
 * The unique-writes fast path: its verdicts on hand-made histories, and that it gives exactly the
 * search's verdict on generated ones (recorded executions, corrupted ones, and arbitrary ones,
 * which are often not linearizable).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker.ts';
import { corrupt } from './corrupt.ts';
import { executePlan, type PlannedOp } from './generate.ts';
import type { History, KvOperation, RegisterOperation } from './history.ts';
import { decideUniqueWrites } from './unique-writes.ts';

type Span = readonly [number, number | null];
let nextClient = 0;
const w = (value: string, [call, ret]: Span): RegisterOperation => ({ client: nextClient++, call, return: ret, op: 'write', value });
const r = (output: string | null, [call, ret]: readonly [number, number]): RegisterOperation => ({ client: nextClient++, call, return: ret, op: 'read', output });
const fast = (...ops: RegisterOperation[]) => decideUniqueWrites(ops, ops.map((_, i) => i));

describe('decideUniqueWrites', () => {
  it('accepts what a register could have done', () => {
    expect(fast()).toBe('linearizable');
    expect(fast(r(null, [0, 1]), w('a', [2, 3]), r('a', [4, 5]))).toBe('linearizable');
    // Concurrent writes, each read by a read that overlaps it: either order.
    expect(fast(w('a', [0, 10]), w('b', [0, 10]), r('a', [1, 2]), r('b', [3, 4]))).toBe('linearizable');
    // Touching operations are concurrent: the read may come first.
    expect(fast(w('a', [0, 5]), r(null, [5, 6]))).toBe('linearizable');
    // A crashed write that someone read took effect; one nobody read may never have.
    expect(fast(w('a', [0, null]), r('a', [10, 20]))).toBe('linearizable');
    expect(fast(w('a', [0, 1]), w('b', [2, null]), r('a', [10, 20]))).toBe('linearizable');
  });

  it('rejects what no register could have done', () => {
    // A value nobody wrote; a read that returned before its write was called.
    expect(fast(w('a', [0, 1]), r('b', [2, 3]))).toBe('not-linearizable');
    expect(fast(r('a', [0, 1]), w('a', [2, 3]))).toBe('not-linearizable');
    expect(fast(r('a', [0, 1]), w('a', [2, null]))).toBe('not-linearizable');
    // Null after a write completed: the initial cluster must come first.
    expect(fast(w('a', [0, 1]), r(null, [2, 3]))).toBe('not-linearizable');
    // Two forward clusters that overlap: new, then old (the inversion).
    expect(fast(w('a', [0, 1]), w('b', [2, 20]), r('b', [3, 4]), r('a', [5, 6]))).toBe('not-linearizable');
    // A backward cluster (all of it concurrent) inside a forward one.
    expect(fast(w('a', [0, 1]), r('a', [10, 11]), w('b', [4, 7]), r('b', [5, 6]))).toBe('not-linearizable');
  });

  it('leaves to the search what it cannot decide: a value written twice, a cas, an append', () => {
    expect(fast(w('a', [0, 1]), w('a', [2, 3]))).toBe('undecided');
    expect(fast({ client: 1, call: 0, return: 1, op: 'cas', expected: 'a', value: 'b', output: false })).toBe('undecided');
    const append: KvOperation = { client: 1, call: 0, return: 1, key: 'k', op: 'append', value: 'x' };
    expect(decideUniqueWrites([append], [0])).toBe('undecided');
  });
});

/** Arbitrary histories: clients run reads and writes back to back; reads return any written value, null, or a value never written. */
const arbitraryHistory = (model: 'register' | 'kv'): fc.Arbitrary<History> =>
  fc
    .array(
      fc.record({
        start: fc.nat({ max: 10 }),
        ops: fc.array(
          fc.record({ write: fc.boolean(), key: fc.nat({ max: 1 }), duration: fc.nat({ max: 12 }), gap: fc.nat({ max: 4 }), pick: fc.nat(), crash: fc.nat({ max: 7 }) }),
          { minLength: 1, maxLength: 5 },
        ),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((clients) => {
      const written: { key: string; value: string }[] = [];
      const ops: (RegisterOperation | KvOperation)[] = [];
      clients.forEach((c, client) => {
        let t = c.start;
        c.ops.forEach((p, k) => {
          const key = model === 'kv' ? `k${p.key}` : '';
          const last = k === c.ops.length - 1;
          // Only a client's last operation may never return; a crashed read would be dropped anyway.
          const ret = last && p.write && p.crash === 0 ? null : t + p.duration;
          const timing = { client, call: t, return: ret };
          if (p.write) {
            const value = `v${ops.length}`;
            written.push({ key, value });
            ops.push(model === 'kv' ? { ...timing, key, op: 'put', value } : { ...timing, op: 'write', value });
          } else {
            // Filled in below, once every written value is known.
            ops.push(model === 'kv' ? { ...timing, key, op: 'get', output: `#${p.pick}` } : { ...timing, op: 'read', output: `#${p.pick}` });
          }
          t += p.duration + p.gap;
        });
      });
      const operations = ops.map((o) => {
        if (o.op !== 'read' && o.op !== 'get') return o;
        const pick = Number(String(o.output).slice(1));
        const candidates = written.filter((v) => !('key' in o) || v.key === o.key).map((v) => v.value);
        const choices = [...candidates, null, null, 'never-written'];
        return { ...o, output: choices[pick % choices.length]! };
      });
      return { model, operations } as History;
    });

const readWritePlan = (crashes: boolean, short: boolean): fc.Arbitrary<PlannedOp[]> =>
  fc.array(
    fc.record({
      client: fc.nat({ max: 4 }),
      key: fc.nat({ max: 2 }),
      kind: fc.constantFrom<PlannedOp['kind']>('read', 'write'),
      casHit: fc.boolean(),
      pick: fc.nat(),
      lead: fc.nat({ max: short ? 14 : 60 }),
      lag: fc.nat({ max: short ? 14 : 60 }),
      crash: crashes ? fc.constantFrom<PlannedOp['crash']>('none', 'none', 'none', 'none', 'applied', 'lost') : fc.constant<PlannedOp['crash']>('none'),
    }),
    { minLength: 1, maxLength: 40 },
  );

function expectSameVerdicts(h: History): 'linearizable' | 'not-linearizable' {
  const quick = checkHistory(h, { explain: false });
  const searched = checkHistory(h, { explain: false, fastPath: false });
  expect(searched.decidedBy.uniqueWrites).toBe(0);
  // Every partition of these histories has unique writes: the search never runs.
  expect(quick.steps).toBe(0);
  expect(quick.verdict).toBe(searched.verdict);
  expect(quick.perKey?.map((k) => k.verdict)).toEqual(searched.perKey?.map((k) => k.verdict));
  return quick.verdict === 'not-linearizable' ? 'not-linearizable' : 'linearizable';
}

describe('the fast path gives the search verdict exactly', () => {
  for (const model of ['register', 'kv'] as const) {
    it(`on arbitrary histories (${model})`, () => {
      const seen = new Set<string>();
      fc.assert(
        fc.property(arbitraryHistory(model), (h) => {
          seen.add(expectSameVerdicts(h));
        }),
        { numRuns: 3000 },
      );
      expect([...seen].sort()).toEqual(['linearizable', 'not-linearizable']);
    });

    it(`on recorded executions, with crashes, and with one read corrupted (${model})`, () => {
      fc.assert(
        fc.property(readWritePlan(true, false), readWritePlan(false, true), fc.nat(), (plan, shortPlan, pick) => {
          const keys = model === 'kv' ? 3 : 1;
          expect(expectSameVerdicts(executePlan(model, plan, keys).history)).toBe('linearizable');
          for (const [p, kind] of [[plan, 'never-written'], [shortPlan, 'stale']] as const) {
            const corrupted = corrupt(executePlan(model, p, keys).history, kind, pick);
            if (corrupted !== null) expect(expectSameVerdicts(corrupted.history)).toBe('not-linearizable');
          }
        }),
        { numRuns: 500 },
      );
    });
  }
});
