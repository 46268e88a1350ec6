/**
 * Properties of the checker over histories recorded from real executions (generate.ts): operations
 * take effect one at a time against a sequential store, at points 10 apart, and their intervals
 * are stretched at random around their points without overlapping within a client. Such a history
 * is linearizable, for every model; with one observation changed so that no correct execution
 * could have produced it (corrupt.ts: a read of a value never written or overwritten before the
 * read was called, a second holder of a mutex, a set read missing an element, an element dequeued
 * twice, ...), it is not, and the explanation names the changed operation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory, type CheckResult } from './checker.ts';
import { CORRUPTIONS, corrupt, type CorruptionKind } from './corrupt.ts';
import { executePlan, randomPlan, type PlannedOp } from './generate.ts';
import type { History, ModelName } from './history.ts';

const plannedOp = (clients: number, keys: number, crashes: boolean): fc.Arbitrary<PlannedOp> =>
  fc.record({
    client: fc.nat({ max: clients - 1 }),
    key: fc.nat({ max: keys - 1 }),
    kind: fc.constantFrom<PlannedOp['kind']>('read', 'write', 'cas', 'append'),
    casHit: fc.boolean(),
    pick: fc.nat(),
    lead: fc.nat({ max: 60 }),
    lag: fc.nat({ max: 60 }),
    crash: crashes
      ? fc.oneof(
          { weight: 8, arbitrary: fc.constant<PlannedOp['crash']>('none') },
          { weight: 1, arbitrary: fc.constant<PlannedOp['crash']>('applied') },
          { weight: 1, arbitrary: fc.constant<PlannedOp['crash']>('lost') },
        )
      : fc.constant<PlannedOp['crash']>('none'),
  });

interface Shape {
  readonly model: ModelName;
  readonly clients: number;
  readonly keys: number;
  readonly crashes: boolean;
}
const shapes: Shape[] = [
  { model: 'register', clients: 4, keys: 1, crashes: false },
  { model: 'register', clients: 6, keys: 1, crashes: true },
  { model: 'kv', clients: 5, keys: 3, crashes: false },
  { model: 'kv', clients: 5, keys: 3, crashes: true },
  { model: 'mutex', clients: 4, keys: 1, crashes: false },
  { model: 'mutex', clients: 4, keys: 1, crashes: true },
  { model: 'multi-register', clients: 4, keys: 3, crashes: false },
  { model: 'multi-register', clients: 4, keys: 3, crashes: true },
  { model: 'set', clients: 4, keys: 1, crashes: false },
  { model: 'set', clients: 4, keys: 1, crashes: true },
  { model: 'fifo-queue', clients: 4, keys: 1, crashes: false },
  { model: 'fifo-queue', clients: 4, keys: 1, crashes: true },
];

/** Corruptions that need one operation to precede another: longer histories with short intervals. */
const NEEDS_ORDER: ReadonlySet<CorruptionKind> = new Set(['stale', 'second-holder', 'lost-element']);

const planOf = (s: Shape, kind: CorruptionKind | null): fc.Arbitrary<PlannedOp[]> =>
  kind !== null && NEEDS_ORDER.has(kind)
    ? fc.array(
        plannedOp(s.clients, s.keys, s.crashes).map((p) => ({ ...p, lead: p.lead % 15, lag: p.lag % 15 })),
        { minLength: 12, maxLength: 40 },
      )
    : fc.array(plannedOp(s.clients, s.keys, s.crashes), { minLength: 1, maxLength: 40 });

const label = (s: Shape): string => `${s.model}, ${s.clients} clients${s.keys > 1 ? `, ${s.keys} keys` : ''}${s.crashes ? ', with crashes' : ''}`;

/**
 * What the explanation guarantees: the subset it names fails on its own, with the default budget
 * on these small histories it is minimal, and it names the culprit: the one operation the test
 * corrupted, which no correct execution could have produced (a subset without it would blame
 * operations that did nothing wrong).
 */
function expectSoundExplanation(h: History, result: CheckResult, corrupted: number): void {
  const failures = result.explanation?.failures ?? [];
  expect(failures.length).toBe(1);
  for (const f of failures) {
    expect(f.minimal).toBe(true);
    expect(f.operations).toContain(corrupted);
    const subset = { model: h.model, operations: f.operations.map((i) => h.operations[i]!) } as History;
    expect(checkHistory(subset, { explain: false }).verdict).toBe('not-linearizable');
  }
}

describe('histories of real executions', () => {
  for (const shape of shapes) {
    it(`are linearizable (${label(shape)})`, () => {
      fc.assert(
        fc.property(planOf(shape, null), (plan) => {
          const { history } = executePlan(shape.model, plan, shape.keys);
          expect(checkHistory(history).verdict).toBe('linearizable');
        }),
        { numRuns: 300 },
      );
    });

    for (const kind of CORRUPTIONS[shape.model]) {
      it(`are not, with one observation corrupted: ${kind} (${label(shape)})`, () => {
        fc.assert(
          fc.property(planOf(shape, kind), fc.nat(), (plan, pick) => {
            const { history } = executePlan(shape.model, plan, shape.keys);
            const corrupted = corrupt(history, kind, pick);
            fc.pre(corrupted !== null);
            const result = checkHistory(corrupted!.history);
            expect(result.verdict).toBe('not-linearizable');
            expectSoundExplanation(corrupted!.history, result, corrupted!.culprit);
          }),
          { numRuns: 200 },
        );
      });
    }
  }
});

describe('bigger seeded executions (the benchmark generator)', () => {
  it('are linearizable, with heavy concurrency and crashes', () => {
    for (const seed of ['a', 'b', 'c']) {
      const plan = randomPlan({ operations: 400, clients: 8, keys: 4, seed, spread: 4, crashProbability: 0.03 });
      expect(checkHistory(executePlan('kv', plan, 4).history).verdict).toBe('linearizable');
      expect(checkHistory(executePlan('register', plan).history).verdict).toBe('linearizable');
    }
  });

  it('of the other models are linearizable too', () => {
    for (const seed of ['a', 'b']) {
      const plan = randomPlan({ operations: 200, clients: 6, keys: 3, seed, spread: 2, crashProbability: 0.03 });
      for (const model of ['mutex', 'multi-register', 'set'] as const) {
        expect(checkHistory(executePlan(model, plan, 3).history).verdict, `${model} ${seed}`).toBe('linearizable');
      }
      // No crashes for the queue at this size: a dequeue that never returned may take the head at
      // any point after its call, and each such choice is ruled out only when a later dequeue
      // misses the element it took, which can be far later (seed b: millions of steps).
      const steady = randomPlan({ operations: 200, clients: 6, keys: 3, seed, spread: 2 });
      expect(checkHistory(executePlan('fifo-queue', steady, 3).history).verdict, `fifo-queue ${seed}`).toBe('linearizable');
    }
  });
});
