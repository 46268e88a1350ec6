import { describe, expect, it } from 'vitest';
import { describeOperation, parseHistory, parseHistoryText, validateHistory, type History } from './history.ts';

const write = { client: 3, call: 120, return: 135, op: 'write', value: '4' };
const cas = { client: 1, call: 121, return: null, op: 'cas', expected: '4', value: '7' };
const read = { client: 2, call: 125, return: 140, op: 'read', output: '4' };

function errorOf(json: unknown): string {
  const result = parseHistory(json);
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

function registerWith(...operations: unknown[]): unknown {
  return { model: 'register', operations };
}

describe('parseHistory accepts', () => {
  it('the example of docs/linearizability.md', () => {
    const result = parseHistory(registerWith(write, cas, read));
    expect(result.ok).toBe(true);
  });

  it('an empty history, string clients, zero-duration and touching operations of one client', () => {
    const ops = [
      { client: 'n1-c1', call: 0, return: 0, op: 'write', value: 'a' },
      { client: 'n1-c1', call: 0, return: 5, op: 'read', output: 'a' },
      { client: 'n1-c1', call: 5, return: null, op: 'read' },
    ];
    expect(parseHistory(registerWith()).ok).toBe(true);
    expect(parseHistory(registerWith(...ops)).ok).toBe(true);
  });

  it('kv operations, including a get of a missing key (null) and a cas that failed', () => {
    const result = parseHistory({
      model: 'kv',
      operations: [
        { client: 1, call: 0, return: 1, key: 'x', op: 'get', output: null },
        { client: 1, call: 2, return: 3, key: 'x', op: 'append', value: 'ab' },
        { client: 1, call: 4, return: 5, key: 'x', op: 'cas', expected: 'zz', value: 'c', output: false },
        { client: 2, call: 0, return: 9, key: 'y', op: 'put', value: '1' },
      ],
    });
    expect(result.ok).toBe(true);
  });
});

describe('parseHistory accepts the other models', () => {
  it('mutex, multi-register, set and fifo-queue operations, returned or not', () => {
    const ok = (model: string, ...operations: unknown[]) => expect(parseHistory({ model, operations })).toMatchObject({ ok: true });
    ok('mutex', { client: 1, call: 0, return: 1, op: 'acquire' }, { client: 1, call: 2, return: null, op: 'release' });
    ok(
      'multi-register',
      { client: 1, call: 0, return: 1, op: 'txn', value: [['read', 'x', null], ['write', 'y', '2'], ['read', 'y']] },
      { client: 2, call: 0, return: null, op: 'txn', value: [['read', 'x'], ['write', 'x', '3']] },
      { client: 3, call: 0, return: 1, op: 'txn', value: [] },
    );
    ok('set', { client: 1, call: 0, return: 1, op: 'add', value: 'a' }, { client: 2, call: 0, return: 1, op: 'read', output: ['a', 'a'] });
    ok('fifo-queue', { client: 1, call: 0, return: 1, op: 'enqueue', value: 'a' }, { client: 2, call: 0, return: 1, op: 'dequeue', output: null });
  });
});

describe('parseHistory rejects, naming the first bad operation', () => {
  it('invalid JSON', () => {
    const result = parseHistoryText('{"model": "register",');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^invalid JSON: /);
  });

  it('a top level that is not a history', () => {
    expect(errorOf([])).toBe('history: expected a JSON object with "model" and "operations", got an array');
    const models = '"register", "kv", "mutex", "multi-register", "set", "fifo-queue"';
    expect(errorOf({ operations: [] })).toBe(`history: missing 'model' (one of ${models})`);
    expect(errorOf({ model: 'queue', operations: [] })).toBe(`history: 'model' must be one of ${models}, got string "queue"`);
    expect(errorOf({ model: 'kv' })).toBe(`history: missing 'operations' (an array)`);
    expect(errorOf({ model: 'kv', operations: {} })).toBe(`history: 'operations' must be an array, got an object`);
    expect(errorOf({ model: 'kv', operations: [], extra: 1 })).toBe(`history: unexpected field 'extra' (allowed: model, operations)`);
  });

  it('an operation that is not an object', () => {
    expect(errorOf(registerWith(write, 42))).toBe('operation 1: expected an object, got number 42');
  });

  it('a return before its call', () => {
    expect(errorOf(registerWith(write, { ...read, call: 135, return: 130 }))).toBe("operation 1: 'return' (130) is before 'call' (135)");
  });

  it('an op the model does not have', () => {
    expect(errorOf(registerWith(write, cas, read, { ...write, op: 'incr' }))).toBe(
      "operation 3: unknown op 'incr' for model register (expected one of read, write, cas)",
    );
    expect(errorOf(registerWith({ ...write, op: 'put' }))).toMatch(/^operation 0: unknown op 'put' for model register/);
    expect(errorOf({ model: 'kv', operations: [{ ...write, key: 'k' }] })).toMatch(/^operation 0: unknown op 'write' for model kv/);
  });

  it('missing fields', () => {
    const { op: _op, ...noOp } = write;
    const { client: _client, ...noClient } = write;
    const { call: _call, ...noCall } = write;
    const { return: _return, ...noReturn } = write;
    const { value: _value, ...noValue } = write;
    const { output: _output, ...noOutput } = read;
    const { expected: _expected, ...noExpected } = cas;
    expect(errorOf(registerWith(noOp))).toBe("operation 0: missing 'op' (one of read, write, cas)");
    expect(errorOf(registerWith(noClient))).toBe("operation 0: missing 'client'");
    expect(errorOf(registerWith(noCall))).toBe("operation 0: missing 'call'");
    expect(errorOf(registerWith(noReturn))).toBe("operation 0: missing 'return' (a number, or null when the operation never returned)");
    expect(errorOf(registerWith(noValue))).toBe("operation 0: missing 'value' (a string)");
    expect(errorOf(registerWith(noOutput))).toBe(
      "operation 0: missing 'output' (a read that returned needs 'output': a string, or null when never written)",
    );
    expect(errorOf(registerWith(noExpected))).toBe("operation 0: missing 'expected' (a string)");
    expect(errorOf(registerWith({ ...cas, return: 130 }))).toBe(
      "operation 0: missing 'output' (a cas that returned needs 'output': true or false)",
    );
    expect(errorOf({ model: 'kv', operations: [{ ...read, op: 'get' }] })).toBe("operation 0: missing 'key' (a string)");
  });

  it('wrong types', () => {
    expect(errorOf(registerWith({ ...write, value: 4 }))).toBe("operation 0: 'value' must be a string, got number 4");
    expect(errorOf(registerWith({ ...write, client: 1.5 }))).toBe("operation 0: 'client' must be an integer or a non-empty string, got number 1.5");
    expect(errorOf(registerWith({ ...write, client: '' }))).toMatch(/^operation 0: 'client' must be an integer or a non-empty string/);
    expect(errorOf(registerWith({ ...write, call: '120' }))).toBe(`operation 0: 'call' must be a finite number, got string "120"`);
    expect(errorOf(registerWith({ ...read, output: 4 }))).toBe(
      "operation 0: 'output' of a read must be a string, or null when never written, got number 4",
    );
    expect(errorOf(registerWith({ ...cas, return: 130, output: 'true' }))).toBe(
      `operation 0: 'output' of a cas must be true or false, got string "true"`,
    );
    expect(errorOf({ model: 'kv', operations: [{ ...write, op: 'put', key: 7 }] })).toBe("operation 0: 'key' must be a string, got number 7");
    expect(errorOf(registerWith({ ...write, op: 7 }))).toBe("operation 0: 'op' must be a string, got number 7");
  });

  it('numbers that are not finite (from code: JSON has none, but 1e999 parses to Infinity)', () => {
    expect(errorOf(registerWith({ ...write, call: Number.NaN }))).toBe("operation 0: 'call' must be a finite number, got NaN");
    expect(errorOf(registerWith({ ...write, return: Infinity }))).toBe(
      "operation 0: 'return' must be a finite number or null, got Infinity",
    );
    const text = '{"model":"register","operations":[{"client":1,"call":1e999,"return":null,"op":"write","value":"x"}]}';
    const result = parseHistoryText(text);
    expect(!result.ok && result.error).toBe("operation 0: 'call' must be a finite number, got Infinity");
  });

  it('an output on an operation that never returned, and fields that do not belong', () => {
    expect(errorOf(registerWith({ ...read, return: null }))).toBe(
      "operation 0: 'output' given but 'return' is null (an operation that never returned has no known output)",
    );
    expect(errorOf(registerWith({ ...write, output: 'x' }))).toBe(
      "operation 0: unexpected field 'output' for write (allowed: op, client, call, return, value)",
    );
    expect(errorOf(registerWith({ ...write, key: 'x' }))).toMatch(/^operation 0: unexpected field 'key' for write/);
  });

  it('a client with overlapping operations, naming both', () => {
    const ops = [write, cas, read, { ...read, client: 3, call: 130, return: 150 }];
    expect(errorOf(registerWith(...ops))).toBe(
      'operation 3: client 3 is still running operation 0 ([120, 135]) when this one is called at 130; a client runs one operation at a time',
    );
  });

  it('an operation after one of the same client that never returned', () => {
    const ops = [cas, { ...write, client: 1, call: 500, return: 510 }];
    expect(errorOf(registerWith(...ops))).toBe(
      'operation 1: client 1 is still running operation 0 (called at 121, never returned) when this one is called at 500; a client runs one operation at a time',
    );
  });

  it('bad operations of the other models', () => {
    const first = (model: string, op: unknown) => errorOf({ model, operations: [{ client: 1, call: 0, return: 1, op: 'acquire' }, op].slice(model === 'mutex' ? 0 : 1) });
    const at = { client: 2, call: 0, return: 1 };
    expect(first('mutex', { ...at, op: 'lock' })).toBe("operation 1: unknown op 'lock' for model mutex (expected one of acquire, release)");
    expect(first('mutex', { ...at, op: 'acquire', output: true })).toBe(
      "operation 1: unexpected field 'output' for acquire (allowed: op, client, call, return)",
    );
    expect(first('set', { ...at, op: 'read', output: 'a' })).toBe(
      `operation 0: 'output' of a read must be an array of strings (the whole set), got string "a"`,
    );
    expect(first('set', { ...at, op: 'read', output: ['a', 1] })).toBe("operation 0: 'output' of a read must be an array of strings (the whole set), got an array");
    expect(first('set', { ...at, op: 'add' })).toBe("operation 0: missing 'value' (a string)");
    expect(first('fifo-queue', { ...at, op: 'dequeue' })).toBe(
      "operation 0: missing 'output' (a dequeue that returned needs 'output': a string, or null when the queue was empty)",
    );
    expect(first('fifo-queue', { ...at, return: null, op: 'dequeue', output: null })).toBe(
      "operation 0: 'output' given but 'return' is null (an operation that never returned has no known output)",
    );
    expect(first('multi-register', { ...at, op: 'txn' })).toBe(
      `operation 0: missing 'value' (an array of micro-ops: ["read", key, value], ["read", key] or ["write", key, value])`,
    );
    expect(first('multi-register', { ...at, op: 'txn', value: [['read', 'x', '1'], ['cas', 'x', '1']] })).toBe(
      `operation 0: micro-op 1 of the txn: unknown function string "cas" (expected "read" or "write")`,
    );
    expect(first('multi-register', { ...at, op: 'txn', value: [['write', 'x']] })).toBe(
      'operation 0: micro-op 0 of the txn: a write needs a value: ["write", "x", value]',
    );
    expect(first('multi-register', { ...at, op: 'txn', value: [{ read: 'x' }] })).toBe(
      'operation 0: micro-op 0 of the txn must be one of ["read", key, value], ["read", key] or ["write", key, value], got an object',
    );
    expect(first('multi-register', { ...at, op: 'txn', value: [['read', 7, '1']] })).toBe('operation 0: micro-op 0 of the txn: the key must be a string, got number 7');
    expect(first('multi-register', { ...at, op: 'txn', value: [['write', 'x', 1]] })).toBe(
      'operation 0: micro-op 0 of the txn: the value written must be a string, got number 1',
    );
    expect(first('multi-register', { ...at, return: null, op: 'txn', value: [['read', 'x', '1']] })).toBe(
      'operation 0: micro-op 0 of the txn: a txn that never returned has no known output; write its read as ["read", "x"]',
    );
  });

  it('reports the first bad operation by index when several are bad', () => {
    expect(errorOf(registerWith(write, { ...read, call: 'x' }, { ...write, op: 'nope' }))).toMatch(/^operation 1: /);
  });

  it('validateHistory reports the same for histories built in code', () => {
    const bad = { model: 'register', operations: [{ ...read, call: 200 }] } as unknown as History;
    expect(validateHistory(bad)).toBe("operation 0: 'return' (140) is before 'call' (200)");
  });
});

describe('describeOperation', () => {
  it('describes each kind for people', () => {
    expect(describeOperation({ client: 1, call: 0, return: 1, op: 'read', output: null })).toBe('read -> null');
    expect(describeOperation({ client: 1, call: 0, return: null, op: 'read' })).toBe('read -> ?');
    expect(describeOperation({ client: 1, call: 0, return: 1, op: 'cas', expected: 'a', value: 'b', output: false })).toBe('cas "a"->"b" -> failed');
    expect(describeOperation({ client: 1, call: 0, return: 1, key: 'k', op: 'append', value: 'x' })).toBe('append ["k"] "x"');
    expect(describeOperation({ client: 1, call: 0, return: 1, op: 'acquire' })).toBe('acquire');
    expect(describeOperation({ client: 1, call: 0, return: 1, op: 'read', output: ['a', 'b'] })).toBe('read -> ["a","b"]');
    expect(describeOperation({ client: 1, call: 0, return: 1, op: 'dequeue', output: null })).toBe('dequeue -> null');
    expect(describeOperation({ client: 1, call: 0, return: null, op: 'txn', value: [['read', 'x'], ['write', 'y', '2']] })).toBe(
      'txn read "x" -> ?, write "y" "2"',
    );
  });
});
