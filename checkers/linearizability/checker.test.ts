import { describe, expect, it } from 'vitest';
import { checkHistory, type CheckResult } from './checker.ts';
import { HistoryError, type History, type KvOperation, type RegisterOperation } from './history.ts';

// Builders for hand-made histories: [call, return] with return null = never returned.
type Span = readonly [number, number | null];
let nextClient = 0;
const fresh = (): number => nextClient++;
const w = (value: string, [call, ret]: Span, client = fresh()): RegisterOperation => ({ client, call, return: ret, op: 'write', value });
const r = (output: string | null, [call, ret]: readonly [number, number], client = fresh()): RegisterOperation => ({
  client,
  call,
  return: ret,
  op: 'read',
  output,
});
const cas = (expected: string, value: string, output: boolean | null, [call, ret]: Span, client = fresh()): RegisterOperation =>
  ret === null || output === null
    ? { client, call, return: null, op: 'cas', expected, value }
    : { client, call, return: ret, op: 'cas', expected, value, output };
const register = (...operations: RegisterOperation[]): History => ({ model: 'register', operations });
const verdict = (h: History): CheckResult['verdict'] => checkHistory(h).verdict;

/** Porcupine's register starts at "0"; ours starts at null, so "0" is written before anything else. */
const initially0 = (): RegisterOperation => w('0', [-10, -5]);

describe("Porcupine's register cases (initial 0, written first)", () => {
  it('put(100) [0,100]; get->100 [25,75]; get->0 [30,60] is linearizable', () => {
    expect(verdict(register(initially0(), w('100', [0, 100]), r('100', [25, 75]), r('0', [30, 60])))).toBe('linearizable');
  });

  it('put(200) [0,100]; get->200 [10,30]; get->0 [40,90] is not', () => {
    expect(verdict(register(initially0(), w('200', [0, 100]), r('200', [10, 30]), r('0', [40, 90])))).toBe('not-linearizable');
  });

  it('zero-duration: put(100)[0,100], get->100 [25,75], get->0 [30,30], get->0 [30,30] is linearizable', () => {
    const h = register(initially0(), w('100', [0, 100]), r('100', [25, 75]), r('0', [30, 30]), r('0', [30, 30]));
    expect(verdict(h)).toBe('linearizable');
  });

  it('zero-duration: put(200)[0,100], get->200 [10,10], get->200 [10,10], get->0 [40,90] is not', () => {
    const h = register(initially0(), w('200', [0, 100]), r('200', [10, 10]), r('200', [10, 10]), r('0', [40, 90]));
    expect(verdict(h)).toBe('not-linearizable');
  });
});

describe('classic register histories', () => {
  it('the empty history and a read of null before any write are linearizable', () => {
    expect(verdict(register())).toBe('linearizable');
    expect(verdict(register(r(null, [0, 1]), w('a', [2, 3])))).toBe('linearizable');
  });

  it('a read of a value nobody wrote is not', () => {
    expect(verdict(register(w('a', [0, 1]), r('b', [2, 3])))).toBe('not-linearizable');
  });

  it('a read of null after a completed write is not (null means never written)', () => {
    expect(verdict(register(w('a', [0, 1]), r(null, [2, 3])))).toBe('not-linearizable');
  });

  it('a read concurrent with a write may see either value', () => {
    expect(verdict(register(w('a', [0, 1]), w('b', [2, 10]), r('a', [3, 4]), r('b', [5, 6])))).toBe('linearizable');
  });

  it('new then old across two readers is not (the new-old inversion)', () => {
    expect(verdict(register(w('a', [0, 1]), w('b', [2, 20]), r('b', [3, 4]), r('a', [5, 6])))).toBe('not-linearizable');
  });

  it('sequential reads must follow the last completed write', () => {
    expect(verdict(register(w('a', [0, 1]), w('b', [2, 3]), r('a', [4, 5])))).toBe('not-linearizable');
  });

  it('operations that merely touch (return == next call) count as concurrent', () => {
    expect(verdict(register(w('a', [0, 5]), r(null, [5, 6])))).toBe('linearizable');
  });

  it('a cas that swapped needs the expected value; one that failed needs a different one', () => {
    expect(verdict(register(w('0', [0, 1]), cas('0', '1', true, [2, 3]), r('1', [4, 5])))).toBe('linearizable');
    expect(verdict(register(w('0', [0, 1]), cas('5', '1', true, [2, 3])))).toBe('not-linearizable');
    expect(verdict(register(w('0', [0, 1]), cas('5', '1', false, [2, 3]), r('0', [4, 5])))).toBe('linearizable');
    // A failed cas is still a definite operation: with nothing concurrent, it saw "0" == expected.
    expect(verdict(register(w('0', [0, 1]), cas('0', '1', false, [2, 3])))).toBe('not-linearizable');
    // ...but a concurrent write lets it see something else.
    expect(verdict(register(w('0', [0, 1]), cas('0', '1', false, [2, 3]), w('2', [2, 3]), r('0', [4, 5])))).toBe('not-linearizable');
    expect(verdict(register(w('0', [0, 1]), cas('0', '1', false, [2, 6]), w('2', [2, 3]), w('0', [4, 5]), r('0', [7, 8])))).toBe(
      'linearizable',
    );
  });
});

describe('operations that never returned (return: null)', () => {
  it('must be assumed to have happened when a read saw their value', () => {
    expect(verdict(register(w('1', [0, null]), r('1', [10, 20])))).toBe('linearizable');
  });

  it('may also never happen', () => {
    expect(verdict(register(w('0', [0, 5]), w('1', [6, null]), r('0', [10, 20]), r('0', [30, 40])))).toBe('linearizable');
  });

  it('cannot happen before their call', () => {
    expect(verdict(register(r('1', [0, 10]), w('1', [20, null])))).toBe('not-linearizable');
  });

  it('cannot be undone once seen', () => {
    expect(verdict(register(w('1', [0, null]), r('1', [10, 20]), r(null, [30, 40])))).toBe('not-linearizable');
  });

  it('take effect at most once', () => {
    const h = register(w('a', [0, null]), w('b', [0, null]), r('a', [10, 20]), r('b', [30, 40]), r('a', [50, 60]));
    expect(verdict(h)).toBe('not-linearizable');
  });

  it('may take effect long after their call, after later operations of other clients', () => {
    const h = register(w('a', [0, null]), w('b', [10, 20]), r('b', [30, 40]), r('a', [50, 60]));
    expect(verdict(h)).toBe('linearizable');
  });

  it('a crashed cas applies only if the register held its expected value', () => {
    expect(verdict(register(w('0', [0, 1]), cas('0', '1', null, [2, null]), r('1', [10, 20])))).toBe('linearizable');
    expect(verdict(register(w('0', [0, 1]), cas('5', '1', null, [2, null]), r('1', [10, 20])))).toBe('not-linearizable');
  });

  it('a read that never returned constrains nothing', () => {
    const h = register(w('a', [0, 1]), { client: fresh(), call: 2, return: null, op: 'read' });
    expect(verdict(h)).toBe('linearizable');
  });
});

describe('kv histories', () => {
  const op = (o: KvOperation): KvOperation => o;
  const kv = (...operations: KvOperation[]): History => ({ model: 'kv', operations });
  let c = 100;
  const get = (key: string, output: string | null, [call, ret]: readonly [number, number]): KvOperation =>
    op({ client: c++, call, return: ret, key, op: 'get', output });
  const put = (key: string, value: string, [call, ret]: Span): KvOperation => op({ client: c++, call, return: ret, key, op: 'put', value });
  const append = (key: string, value: string, [call, ret]: Span): KvOperation =>
    op({ client: c++, call, return: ret, key, op: 'append', value });

  it('keys are independent: an order that is impossible for one register is fine for two keys', () => {
    const h = kv(put('x', '1', [0, 1]), put('y', '1', [0, 1]), put('x', '2', [2, 10]), put('y', '2', [2, 10]), get('x', '2', [3, 4]), get('y', '1', [5, 6]));
    const result = checkHistory(h);
    expect(result.verdict).toBe('linearizable');
    expect(result.perKey?.map((k) => [k.key, k.verdict])).toEqual([
      ['x', 'linearizable'],
      ['y', 'linearizable'],
    ]);
  });

  it('a missing key reads as null; appending to it starts from ""', () => {
    expect(verdict(kv(get('x', null, [0, 1]), append('x', 'a', [2, 3]), append('x', 'b', [4, 5]), get('x', 'ab', [6, 7])))).toBe(
      'linearizable',
    );
    expect(verdict(kv(append('x', 'a', [2, 3]), get('x', '', [4, 5])))).toBe('not-linearizable');
  });

  it('concurrent appends land in some order, each once', () => {
    expect(verdict(kv(append('x', 'a', [0, 10]), append('x', 'b', [0, 10]), get('x', 'ba', [11, 12])))).toBe('linearizable');
    expect(verdict(kv(append('x', 'a', [0, 10]), append('x', 'b', [0, 10]), get('x', 'abab', [11, 12])))).toBe('not-linearizable');
    expect(verdict(kv(append('x', 'a', [0, 10]), append('x', 'b', [0, 10]), get('x', 'b', [5, 6]), get('x', 'ab', [11, 12])))).toBe(
      'not-linearizable',
    );
  });

  it('a crashed append may land later, or never', () => {
    expect(verdict(kv(put('x', 'p', [0, 1]), append('x', 'a', [2, null]), get('x', 'p', [3, 4]), get('x', 'pa', [5, 6])))).toBe('linearizable');
    expect(verdict(kv(put('x', 'p', [0, 1]), append('x', 'a', [2, null]), get('x', 'p', [3, 4]), get('x', 'p', [5, 6])))).toBe('linearizable');
  });

  it('an appended string equal to a put value reads the same', () => {
    expect(verdict(kv(append('x', 'ab', [0, 1]), append('x', 'c', [2, 3]), get('x', 'abc', [4, 5]), put('y', 'abc', [0, 1])))).toBe('linearizable');
    expect(verdict(kv(append('x', 'a', [0, 1]), append('x', 'bc', [2, 3]), put('x', 'abc', [2, 3]), get('x', 'abc', [4, 5])))).toBe('linearizable');
  });

  it('cas on a missing key sees null, which no expected string equals', () => {
    const casX = (output: boolean): KvOperation => ({ client: c++, call: 0, return: 1, key: 'x', op: 'cas', expected: '', value: 'v', output });
    expect(verdict(kv(casX(false)))).toBe('linearizable');
    expect(verdict(kv(casX(true)))).toBe('not-linearizable');
  });

  it('by default stops at the first failing key (smallest first) and reports the rest as skipped', () => {
    const h = kv(
      get('big', 'nope', [0, 1]),
      put('big', 'a', [2, 3]),
      get('small', 'nope', [0, 1]),
      put('ok', 'a', [0, 1]),
      get('ok', 'a', [2, 3]),
      get('ok', 'a', [4, 5]),
    );
    const first = checkHistory(h);
    expect(first.verdict).toBe('not-linearizable');
    // 'small' (one operation) is searched first and fails; the others need not be searched.
    expect(first.perKey?.map((k) => [k.key, k.verdict])).toEqual([
      ['big', 'skipped'],
      ['ok', 'skipped'],
      ['small', 'not-linearizable'],
    ]);
    const all = checkHistory(h, { allKeys: true });
    expect(all.perKey?.map((k) => k.verdict)).toEqual(['not-linearizable', 'linearizable', 'not-linearizable']);
    expect(all.explanation?.failures.map((f) => f.key)).toEqual(['big', 'small']);
  });
});

describe('explanations', () => {
  it('name the smallest set of operations whose outcomes cannot all hold, never blaming a write for being absent', () => {
    // The stale read of "0": the read of "200" pins the write of "200" before 30, so the write of
    // "200" itself is not needed (left undecided, it still has to come before 30).
    const h = register(w('0', [-10, -5], 9), w('200', [0, 100], 0), r('200', [10, 30], 1), r('0', [40, 90], 2), w('x', [200, 300], 3));
    const result = checkHistory(h);
    expect(result.explanation?.failures).toEqual([{ key: null, operations: [0, 2, 3], minimal: true }]);
    expect(result.explanation?.text).toContain('these 3 operations cannot all have had the outcomes they had');
    expect(result.explanation?.text).toContain('op 3  client 2  [40, 90]   read -> "0"');
  });

  it('do not take a put of a prefix for the source of a value on a key with appends', () => {
    // After the append of "c" completed, "ab" cannot be read again; a put of "a" is no source of
    // "ab" (no append added the "b"), so the explanation is not "put a, get -> ab".
    const kv = (ops: KvOperation[]): History => ({ model: 'kv', operations: ops });
    const h = kv([
      { client: 1, call: 0, return: 1, key: 'k', op: 'put', value: 'a' },
      { client: 1, call: 2, return: 3, key: 'k', op: 'put', value: 'ab' },
      { client: 2, call: 4, return: 5, key: 'k', op: 'get', output: 'ab' },
      { client: 1, call: 6, return: 8, key: 'k', op: 'append', value: 'c' },
      { client: 2, call: 9, return: 10, key: 'k', op: 'get', output: 'ab' },
    ]);
    const failure = checkHistory(h).explanation!.failures[0]!;
    expect(failure.operations).toContain(4);
    expect(failure.operations).toContain(3);
    expect(failure.operations).not.toContain(0);
  });

  it('single out a read of a value nobody wrote', () => {
    const h = register(w('a', [0, 10]), r('a', [1, 2]), r('zzz', [3, 4]), w('b', [5, 6]));
    expect(checkHistory(h).explanation?.failures).toEqual([{ key: null, operations: [2], minimal: true }]);
  });

  it('are not minimal when their budget runs out, but still a failing set', () => {
    const h = register(w('0', [-10, -5]), w('200', [0, 100]), r('200', [10, 30]), r('0', [40, 90]), w('x', [200, 300]));
    const result = checkHistory(h, { explainBudget: 1 });
    expect(result.explanation?.failures[0]?.minimal).toBe(false);
    expect(result.explanation?.failures[0]?.operations.length).toBeGreaterThanOrEqual(4);
  });

  it('can be switched off', () => {
    expect(checkHistory(register(r('x', [0, 1])), { explain: false }).explanation).toBeUndefined();
  });
});

describe('limits', () => {
  /**
   * 16 concurrent writes and a read of a value none wrote: the search must visit ~2^16 * 16
   * configurations. Two of the writes write the same value, so the unique-writes check (which
   * would decide it at once) does not apply.
   */
  const hard = (): History => {
    const ops: RegisterOperation[] = [];
    for (let k = 0; k < 16; k++) ops.push(w(`v${Math.min(k, 14)}`, [0, 100]));
    ops.push(r('nope', [200, 210]));
    return register(...ops);
  };

  it('a step budget makes the verdict unknown, deterministically', () => {
    const a = checkHistory(hard(), { budget: 5000 });
    const b = checkHistory(hard(), { budget: 5000 });
    expect(a.verdict).toBe('unknown');
    expect(a.exhausted).toBe('budget');
    expect(a.steps).toBe(5000);
    expect(b).toEqual(a);
  });

  it('a wall-clock timeout (here an injected clock) makes it unknown too', () => {
    let now = 0;
    const result = checkHistory(hard(), { timeoutMs: 5, clock: () => now++ });
    expect(result.verdict).toBe('unknown');
    expect(result.exhausted).toBe('timeout');
  });

  it('a failing small key settles the verdict even when a big key runs out of budget', () => {
    const big = hard().operations.map((o, i): KvOperation =>
      o.op === 'write' ? { ...o, client: i, key: 'big', op: 'put' } : { client: i, call: o.call, return: 210, key: 'big', op: 'get', output: 'nope' },
    );
    const small: KvOperation = { client: 99, call: 0, return: 1, key: 'small', op: 'get', output: 'never' };
    const result = checkHistory({ model: 'kv', operations: [...big, small] }, { budget: 1000, allKeys: true });
    expect(result.verdict).toBe('not-linearizable');
    expect(result.perKey?.map((k) => [k.key, k.verdict])).toEqual([
      ['big', 'unknown'],
      ['small', 'not-linearizable'],
    ]);
  });

  it('step counts are deterministic', () => {
    const h = register(initially0(), w('100', [0, 100]), r('100', [25, 75]), r('0', [30, 60]));
    expect(checkHistory(h).steps).toBe(checkHistory(h).steps);
  });
});

it('throws HistoryError on a malformed history built in code', () => {
  const bad = register({ client: 1, call: 5, return: 1, op: 'write', value: 'a' });
  expect(() => checkHistory(bad)).toThrow(HistoryError);
  expect(() => checkHistory(bad)).toThrow("operation 0: 'return' (1) is before 'call' (5)");
});
