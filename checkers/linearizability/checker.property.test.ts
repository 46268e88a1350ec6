/**
 * Properties of the checker over histories recorded from real executions (generate.ts): operations
 * take effect one at a time against a sequential store, at points 10 apart, and their intervals
 * are stretched at random around their points without overlapping within a client. Such a history
 * is linearizable; with one read changed to a value never written, or to a value overwritten
 * before the read was called, it is not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory, type CheckResult } from './checker.ts';
import { executePlan, randomPlan, type PlannedOp } from './generate.ts';
import type { History, Operation } from './history.ts';

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
  readonly model: 'register' | 'kv';
  readonly clients: number;
  readonly keys: number;
  readonly crashes: boolean;
}
const shapes: Shape[] = [
  { model: 'register', clients: 4, keys: 1, crashes: false },
  { model: 'register', clients: 6, keys: 1, crashes: true },
  { model: 'kv', clients: 5, keys: 3, crashes: false },
  { model: 'kv', clients: 5, keys: 3, crashes: true },
];

const planOf = (s: Shape, maxLength = 40): fc.Arbitrary<PlannedOp[]> =>
  fc.array(plannedOp(s.clients, s.keys, s.crashes), { minLength: 1, maxLength });

const label = (s: Shape): string => `${s.model}, ${s.clients} clients${s.model === 'kv' ? `, ${s.keys} keys` : ''}${s.crashes ? ', with crashes' : ''}`;

const isRead = (o: Operation): boolean => (o.op === 'read' || o.op === 'get') && o.return !== null;
const keyOf = (o: Operation): string | null => ('key' in o ? o.key : null);

function withOutput(h: History, index: number, output: string): History {
  const operations = h.operations.map((o, i) => (i === index ? { ...o, output } : o));
  return { model: h.model, operations } as History;
}

/**
 * A read r, a write w of value v, and a plain write w2 on the same key, with w before w2 before r
 * in real time (strictly: touching counts as concurrent). Values are unique per writing operation
 * and appended tokens never spell a written value, so after w2 nothing can make the key v again.
 */
function staleCandidate(h: History): { read: number; value: string } | null {
  const ops = h.operations;
  const isWrite = (o: Operation): o is Operation & { value: string } => (o.op === 'write' || o.op === 'put') && o.return !== null;
  for (let r = 0; r < ops.length; r++) {
    const read = ops[r]!;
    if (!isRead(read)) continue;
    for (let a = 0; a < ops.length; a++) {
      const w2 = ops[a]!;
      if (!isWrite(w2) || keyOf(w2) !== keyOf(read) || !(w2.return! < read.call)) continue;
      for (let b = 0; b < ops.length; b++) {
        const w = ops[b]!;
        if (isWrite(w) && keyOf(w) === keyOf(read) && w.return! < w2.call && w.value !== w2.value) return { read: r, value: w.value };
      }
    }
  }
  return null;
}

/**
 * The explanation is a heuristic (greedy deletion may settle on another failure that deleting
 * created), so what is checked is what it guarantees: the subset it names fails on its own, with
 * the default budget on these small histories it is minimal, and it names the culprit: the one
 * read the test corrupted, which no correct execution could have returned (a subset without it
 * would blame operations that did nothing wrong).
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
        fc.property(planOf(shape), (plan) => {
          const { history } = executePlan(shape.model, plan, shape.keys);
          expect(checkHistory(history).verdict).toBe('linearizable');
        }),
        { numRuns: 300 },
      );
    });

    it(`are not, with one read changed to a value never written (${label(shape)})`, () => {
      fc.assert(
        fc.property(planOf(shape), fc.nat(), (plan, pick) => {
          const { history } = executePlan(shape.model, plan, shape.keys);
          const reads = history.operations.flatMap((o, i) => (isRead(o) ? [i] : []));
          fc.pre(reads.length > 0);
          const target = reads[pick % reads.length]!;
          const mutated = withOutput(history, target, 'never-written');
          const result = checkHistory(mutated);
          expect(result.verdict).toBe('not-linearizable');
          expectSoundExplanation(mutated, result, target);
        }),
        { numRuns: 200 },
      );
    });

    it(`are not, with one read changed to a value overwritten before it was called (${label(shape)})`, () => {
      // Longer histories with short intervals, so that operations often precede one another.
      const stretched = fc.array(
        plannedOp(shape.clients, shape.keys, shape.crashes).map((p) => ({ ...p, lead: p.lead % 15, lag: p.lag % 15 })),
        { minLength: 12, maxLength: 40 },
      );
      fc.assert(
        fc.property(stretched, (plan) => {
          const { history } = executePlan(shape.model, plan, shape.keys);
          const stale = staleCandidate(history);
          fc.pre(stale !== null);
          const mutated = withOutput(history, stale!.read, stale!.value);
          const result = checkHistory(mutated);
          expect(result.verdict).toBe('not-linearizable');
          expectSoundExplanation(mutated, result, stale!.read);
        }),
        { numRuns: 200 },
      );
    });
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
});
