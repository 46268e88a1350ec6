import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvOperation, MultiRegisterOperation, MutexOperation, QueueOperation, RegisterOperation, SetOperation } from './history.ts';
import { StateTable, compilePartition } from './compile.ts';
import { IMPOSSIBLE, changesNothing, kvKeySpec, multiRegisterSpec, mutexSpec, queueSpec, registerSpec, setSpec, weaken, type Spec } from './spec.ts';
import { NULL_ID, ValueTable } from './values.ts';
import { stepCell, type CellPartition } from './wgl.ts';

// Every operation returned at 1 unless it is built without output (then it never returned).
const t = { client: 1, call: 0, return: 1 };
const open = { client: 1, call: 0, return: null };

/** [state, operation, the state after it or IMPOSSIBLE] */
type Row<S, O> = readonly [S, O, S | typeof IMPOSSIBLE];

function table<S, O>(spec: Spec<S, O>, rows: readonly Row<S, O>[]): void {
  for (const [state, op, after] of rows) {
    const got = spec.step(state, op);
    expect(got === IMPOSSIBLE ? 'impossible' : spec.key(got), `${spec.key(state)} ${JSON.stringify(op)}`).toBe(
      after === IMPOSSIBLE ? 'impossible' : spec.key(after),
    );
  }
}

describe('sequential specifications', () => {
  it('register: reads see the value (null: never written), cas swaps only on a match', () => {
    const rows: Row<string | null, RegisterOperation>[] = [
      [null, { ...t, op: 'read', output: null }, null],
      [null, { ...t, op: 'read', output: '' }, IMPOSSIBLE],
      ['a', { ...t, op: 'read', output: 'a' }, 'a'],
      ['a', { ...t, op: 'read', output: 'b' }, IMPOSSIBLE],
      ['a', { ...open, op: 'read' }, 'a'],
      [null, { ...t, op: 'write', value: 'b' }, 'b'],
      ['a', { ...t, op: 'cas', expected: 'a', value: 'b', output: true }, 'b'],
      ['a', { ...t, op: 'cas', expected: 'x', value: 'b', output: true }, IMPOSSIBLE],
      ['a', { ...t, op: 'cas', expected: 'x', value: 'b', output: false }, 'a'],
      ['a', { ...t, op: 'cas', expected: 'a', value: 'b', output: false }, IMPOSSIBLE],
      [null, { ...t, op: 'cas', expected: '', value: 'b', output: false }, null],
      ['a', { ...open, op: 'cas', expected: 'a', value: 'b' }, 'b'],
      ['a', { ...open, op: 'cas', expected: 'x', value: 'b' }, 'a'],
    ];
    table(registerSpec, rows);
  });

  it('kv key: a register plus append, which starts a missing key from ""', () => {
    const k = { ...t, key: 'k' };
    const rows: Row<string | null, KvOperation>[] = [
      [null, { ...k, op: 'append', value: 'x' }, 'x'],
      ['ab', { ...k, op: 'append', value: 'c' }, 'abc'],
      ['abc', { ...k, op: 'get', output: 'abc' }, 'abc'],
      ['abc', { ...k, op: 'put', value: 'z' }, 'z'],
      [null, { ...k, op: 'get', output: '' }, IMPOSSIBLE],
    ];
    table(kvKeySpec, rows);
  });

  it('mutex: acquire needs it free, release needs it held', () => {
    const rows: Row<'free' | 'held', MutexOperation>[] = [
      ['free', { ...t, op: 'acquire' }, 'held'],
      ['held', { ...t, op: 'acquire' }, IMPOSSIBLE],
      ['held', { ...t, op: 'release' }, 'free'],
      ['free', { ...t, op: 'release' }, IMPOSSIBLE],
      ['held', { ...open, op: 'acquire' }, IMPOSSIBLE],
    ];
    table(mutexSpec, rows);
  });

  it('multi-register: a txn applies its micro-ops in order, at one instant', () => {
    const m = (entries: [string, string][]): ReadonlyMap<string, string> => new Map(entries);
    const txn = (...value: MultiRegisterOperation['value']): MultiRegisterOperation => ({ ...t, op: 'txn', value });
    const rows: Row<ReadonlyMap<string, string>, MultiRegisterOperation>[] = [
      [m([]), txn(['read', 'x', null], ['read', 'y', null]), m([])],
      [m([]), txn(['write', 'x', '1'], ['read', 'x', '1']), m([['x', '1']])],
      [m([]), txn(['read', 'x', '1'], ['write', 'x', '1']), IMPOSSIBLE],
      [m([['x', '1']]), txn(['write', 'y', '2'], ['write', 'x', '3']), m([['x', '3'], ['y', '2']])],
      [m([['x', '1']]), txn(['read', 'x', '1'], ['read', 'y', '2']), IMPOSSIBLE],
      [m([['x', '1']]), txn(['read', 'x'], ['read', 'y']), m([['x', '1']])],
      [m([['x', '1']]), txn(), m([['x', '1']])],
    ];
    table(multiRegisterSpec, rows);
    // The state's key does not depend on the order keys were written in.
    expect(multiRegisterSpec.key(m([['y', '2'], ['x', '1']]))).toBe(multiRegisterSpec.key(m([['x', '1'], ['y', '2']])));
  });

  it('set: add inserts once, read returns exactly the elements, in any order, each once', () => {
    const rows: Row<readonly string[], SetOperation>[] = [
      [[], { ...t, op: 'add', value: 'b' }, ['b']],
      [['b'], { ...t, op: 'add', value: 'a' }, ['a', 'b']],
      [['a', 'b'], { ...t, op: 'add', value: 'a' }, ['a', 'b']],
      [['a', 'b'], { ...t, op: 'read', output: ['b', 'a'] }, ['a', 'b']],
      [['a', 'b'], { ...t, op: 'read', output: ['a'] }, IMPOSSIBLE],
      [['a', 'b'], { ...t, op: 'read', output: ['a', 'b', 'c'] }, IMPOSSIBLE],
      [['a'], { ...t, op: 'read', output: ['a', 'a'] }, IMPOSSIBLE],
      [[], { ...t, op: 'read', output: [] }, []],
    ];
    table(setSpec, rows);
  });

  it('fifo-queue: dequeue takes the head, or returns null and changes nothing when empty', () => {
    const rows: Row<readonly string[], QueueOperation>[] = [
      [[], { ...t, op: 'enqueue', value: 'a' }, ['a']],
      [['a'], { ...t, op: 'enqueue', value: 'b' }, ['a', 'b']],
      [['a', 'b'], { ...t, op: 'dequeue', output: 'a' }, ['b']],
      [['a', 'b'], { ...t, op: 'dequeue', output: 'b' }, IMPOSSIBLE],
      [[], { ...t, op: 'dequeue', output: null }, []],
      [['a'], { ...t, op: 'dequeue', output: null }, IMPOSSIBLE],
      [[], { ...t, op: 'dequeue', output: 'a' }, IMPOSSIBLE],
      [['a', 'b'], { ...open, op: 'dequeue' }, ['b']],
      [[], { ...open, op: 'dequeue' }, []],
    ];
    table(queueSpec, rows);
  });
});

describe('weaken and changesNothing', () => {
  it('forget outputs (a txn keeps its writes, its reads lose their values) and never-returned', () => {
    expect(weaken({ ...t, op: 'dequeue', output: 'a' })).toEqual({ ...open, op: 'dequeue' });
    expect(weaken({ ...t, op: 'cas', expected: 'a', value: 'b', output: true })).toEqual({ ...open, op: 'cas', expected: 'a', value: 'b' });
    expect(weaken({ ...t, op: 'txn', value: [['read', 'x', '1'], ['write', 'y', '2']] })).toEqual({
      ...open,
      op: 'txn',
      value: [['read', 'x'], ['write', 'y', '2']],
    });
  });

  it('tell operations that left the state as they found it', () => {
    expect(changesNothing({ ...t, op: 'dequeue', output: null })).toBe(true);
    expect(changesNothing({ ...t, op: 'dequeue', output: 'a' })).toBe(false);
    expect(changesNothing({ ...t, op: 'cas', expected: 'a', value: 'b', output: false })).toBe(true);
    expect(changesNothing({ ...t, op: 'txn', value: [['read', 'x', '1']] })).toBe(true);
    expect(changesNothing({ ...t, op: 'txn', value: [['read', 'x', '1'], ['write', 'x', '2']] })).toBe(false);
    expect(changesNothing({ ...t, op: 'release' })).toBe(false);
  });
});

describe("the search's compiled cell step (wgl.ts stepCell)", () => {
  // Short strings over two letters, so that appends often spell what a read or cas expects.
  const text = fc.stringMatching(/^[ab]{0,3}$/);
  const state = fc.option(text, { nil: null });
  const kvOp: fc.Arbitrary<KvOperation> = fc.oneof(
    fc.record({ output: fc.option(state, { nil: undefined }) }).map(({ output }): KvOperation =>
      output === undefined ? { ...open, key: 'k', op: 'get' } : { ...t, key: 'k', op: 'get', output },
    ),
    text.map((value): KvOperation => ({ ...t, key: 'k', op: 'put', value })),
    text.map((value): KvOperation => ({ ...t, key: 'k', op: 'append', value })),
    fc.tuple(text, text, fc.option(fc.boolean(), { nil: undefined })).map(([expected, value, output]): KvOperation =>
      output === undefined ? { ...open, key: 'k', op: 'cas', expected, value } : { ...t, key: 'k', op: 'cas', expected, value, output },
    ),
  );

  it('agrees with the kv specification, appended states included', () => {
    fc.assert(
      fc.property(state, fc.array(text, { maxLength: 3 }), kvOp, (start, suffixes, op) => {
        const values = new ValueTable();
        // Reach the start state the way the search does: a literal, then appends (never materialized).
        let id = start === null ? NULL_ID : values.intern(start);
        let expected: string | null = start;
        for (const s of suffixes) {
          id = values.append(id, values.intern(s));
          expected = (expected ?? '') + s;
        }
        const p = compilePartition({ model: 'kv', operations: [op] }, [0], { values, states: new StateTable() }) as CellPartition;
        const next = stepCell(p, values, id, 0);
        const want = kvKeySpec.step(expected, op);
        expect(next === -1 ? 'impossible' : values.get(next)).toEqual(want === IMPOSSIBLE ? 'impossible' : want);
      }),
      { numRuns: 2000 },
    );
  });
});
