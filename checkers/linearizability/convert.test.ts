import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker.ts';
import { ConvertError, fromKnossosMultiRegisterOps, fromKnossosMutexOps, fromKnossosOps, fromPorcupineEtcdLog, fromPorcupineKvLog } from './convert.ts';
import { validateHistory } from './history.ts';

// Small inline samples in the shapes of the Jepsen data sets (the real files are not in the repo).

describe('fromKnossosOps', () => {
  const ops = [
    { process: 0, type: 'invoke', f: 'write', value: 1 },
    { process: 1, type: 'invoke', f: 'cas', value: [0, 5] },
    { process: 'nemesis', type: 'info', f: 'start', value: null },
    { process: 0, type: 'ok', f: 'write', value: 1 },
    { process: 1, type: 'fail', f: 'cas', value: [0, 5] },
    { process: 2, type: 'invoke', f: 'read', value: null },
    { process: 3, type: 'invoke', f: 'write', value: 3 },
    { process: 2, type: 'ok', f: 'read', value: 1 },
    { process: 3, type: 'info', f: 'write', value: 3 },
    { process: 4, type: 'invoke', f: 'read', value: null },
    { process: 4, type: 'ok', f: 'read', value: null },
  ];

  it('drops :fail ops, turns :info into return null, skips the nemesis, writes the initial value first', () => {
    const h = fromKnossosOps(ops, { initial: '0' });
    expect(validateHistory(h)).toBeNull();
    expect(h.operations).toEqual([
      { client: 'init', call: -2, return: -1, op: 'write', value: '0' },
      { client: 0, call: 0, return: 3, op: 'write', value: '1' },
      { client: 2, call: 5, return: 7, op: 'read', output: '1' },
      { client: 3, call: 6, return: null, op: 'write', value: '3' },
      // process 4's ok read of nil is always legal in Knossos' model, so it is dropped.
    ]);
    expect(checkHistory(h).verdict).toBe('linearizable');
  });

  it('keeps an invocation that never completed as return null', () => {
    const h = fromKnossosOps([{ process: 0, type: 'invoke', f: 'cas', value: [1, 2] }], { initial: null });
    expect(h.operations).toEqual([{ client: 0, call: 0, return: null, op: 'cas', expected: '1', value: '2' }]);
  });

  it('reproduces a Knossos verdict: a read of a value never written', () => {
    const bad = [
      { process: 0, type: 'invoke', f: 'read', value: null },
      { process: 0, type: 'ok', f: 'read', value: 3 },
    ];
    expect(checkHistory(fromKnossosOps(bad, { initial: '0' })).verdict).toBe('not-linearizable');
  });

  it('rejects a completion without an invocation', () => {
    expect(() => fromKnossosOps([{ process: 0, type: 'ok', f: 'read', value: 1 }], { initial: null })).toThrow(ConvertError);
  });
});

describe('fromKnossosMutexOps', () => {
  it('drops :fail (the lock was not taken or not released), keeps :info as never returned', () => {
    const ops = [
      { process: 0, type: 'invoke', f: 'acquire' },
      { process: 1, type: 'invoke', f: 'acquire' },
      { process: 0, type: 'ok', f: 'acquire' },
      { process: 1, type: 'fail', f: 'acquire', error: 'already-held' },
      { process: 'nemesis', type: 'info', f: 'start' },
      { process: 0, type: 'invoke', f: 'release' },
      { process: 0, type: 'info', f: 'release' },
      { process: 2, type: 'invoke', f: 'acquire' },
    ];
    const h = fromKnossosMutexOps(ops);
    expect(validateHistory(h)).toBeNull();
    expect(h.operations).toEqual([
      { client: 0, call: 0, return: 2, op: 'acquire' },
      { client: 0, call: 5, return: null, op: 'release' },
      { client: 2, call: 7, return: null, op: 'acquire' },
    ]);
    expect(checkHistory(h).verdict).toBe('linearizable');
  });

  it('reproduces a Knossos verdict: two holders at once', () => {
    const ops = ['acquire', 'acquire'].flatMap((f, p) => [
      { process: p, type: 'invoke', f },
      { process: p, type: 'ok', f },
    ]);
    expect(checkHistory(fromKnossosMutexOps(ops)).verdict).toBe('not-linearizable');
    expect(() => fromKnossosMutexOps([{ process: 0, type: 'invoke', f: 'lock' }])).toThrow('op 0: unsupported :f lock for a mutex');
  });
});

describe('fromKnossosMultiRegisterOps', () => {
  it('writes the initial values first, fills reads from :ok, and leaves nil reads and crashed reads unknown', () => {
    const ops = [
      { process: 0, type: 'invoke', f: 'txn', value: [['read', 'x', null], ['read', 'y', null]] },
      { process: 1, type: 'invoke', f: 'txn', value: [['write', 'y', 2]] },
      { process: 0, type: 'ok', f: 'txn', value: [['read', 'x', 0], ['read', 'y', null]] },
      { process: 1, type: 'info', f: 'txn', value: [['write', 'y', 2]] },
      { process: 2, type: 'invoke', f: 'txn', value: [['read', 'x', null], ['write', 'x', 1]] },
      { process: 2, type: 'fail', f: 'txn', value: [['read', 'x', null], ['write', 'x', 1]] },
      { process: 3, type: 'invoke', f: 'txn', value: [['read', 'y', null], ['write', 'x', 3]] },
    ];
    const h = fromKnossosMultiRegisterOps(ops, { initial: { y: 0, x: 0 } });
    expect(validateHistory(h)).toBeNull();
    expect(h.operations).toEqual([
      { client: 'init', call: -2, return: -1, op: 'txn', value: [['write', 'x', '0'], ['write', 'y', '0']] },
      { client: 0, call: 0, return: 2, op: 'txn', value: [['read', 'x', '0'], ['read', 'y']] },
      { client: 1, call: 1, return: null, op: 'txn', value: [['write', 'y', '2']] },
      { client: 3, call: 6, return: null, op: 'txn', value: [['read', 'y'], ['write', 'x', '3']] },
    ]);
    expect(checkHistory(h).verdict).toBe('linearizable');
  });

  it('reproduces a Knossos verdict: a read of a value never written', () => {
    const ops = [
      { process: 0, type: 'invoke', f: 'txn', value: [['read', 'x', null]] },
      { process: 0, type: 'ok', f: 'txn', value: [['read', 'x', 5]] },
    ];
    expect(checkHistory(fromKnossosMultiRegisterOps(ops, { initial: { x: 0 } })).verdict).toBe('not-linearizable');
  });
});

describe('fromPorcupineEtcdLog', () => {
  const log = [
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 1\t:invoke\t:write\t4',
    'INFO  jepsen.util - 0\t:ok\t:read\tnil',
    'INFO  jepsen.util - 1\t:ok\t:write\t4',
    'INFO  jepsen.util - 2\t:invoke\t:cas\t[4 0]',
    'INFO  jepsen.util - 2\t:fail\t:cas\t[4 0]',
    'INFO  jepsen.util - 3\t:invoke\t:cas\t[4 1]',
    'INFO  jepsen.util - 3\t:info\t:cas\t:timed-out',
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 0\t:fail\t:read\t:timed-out',
    '',
  ].join('\n');

  it('keeps a failed cas as a definite cas that saw another value, and a timed-out cas as return null', () => {
    const h = fromPorcupineEtcdLog(log);
    expect(validateHistory(h)).toBeNull();
    expect(h.operations).toEqual([
      { client: 0, call: 0, return: 2, op: 'read', output: null },
      { client: 1, call: 1, return: 3, op: 'write', value: '4' },
      { client: 2, call: 4, return: 5, op: 'cas', expected: '4', value: '0', output: false },
      { client: 3, call: 6, return: null, op: 'cas', expected: '4', value: '1' },
      // The timed-out read constrains nothing and is dropped.
    ]);
    // The failed cas saw 4 (nothing else was written before it): Porcupine calls this not linearizable.
    expect(checkHistory(h).verdict).toBe('not-linearizable');
  });

  it('names the line of something it cannot read', () => {
    expect(() => fromPorcupineEtcdLog('INFO  jepsen.util - 0\t:invoke\t:read\tnil\ngarbage')).toThrow('line 2: not a Jepsen op line');
  });
});

describe('fromPorcupineKvLog', () => {
  const log = [
    '{:process 0, :type :invoke, :f :get, :key "1", :value nil}',
    '{:process 0, :type :ok, :f :get, :key "1", :value ""}',
    '{:process 1, :type :invoke, :f :append, :key "1", :value "x 1 0 y"}',
    '{:process 1, :type :ok, :f :append, :key "1", :value "x 1 0 y"}',
    '{:process 0, :type :invoke, :f :get, :key "1", :value nil}',
    '{:process 0, :type :ok, :f :get, :key "1", :value "x 1 0 y"}',
    '{:process 1, :type :invoke, :f :put, :key "2", :value "z"}',
    '{:process 1, :type :ok, :f :put, :key "2", :value "z"}',
  ].join('\n');

  it('starts every key at "" with a put before anything else, as Porcupine\'s model does', () => {
    const h = fromPorcupineKvLog(log);
    expect(validateHistory(h)).toBeNull();
    expect(h.operations.slice(0, 2)).toEqual([
      { client: 'init', call: -3, return: -3, key: '1', op: 'put', value: '' },
      { client: 'init', call: -2, return: -2, key: '2', op: 'put', value: '' },
    ]);
    expect(h.operations.slice(2)).toEqual([
      { client: 0, call: 0, return: 1, key: '1', op: 'get', output: '' },
      { client: 1, call: 2, return: 3, key: '1', op: 'append', value: 'x 1 0 y' },
      { client: 0, call: 4, return: 5, key: '1', op: 'get', output: 'x 1 0 y' },
      { client: 1, call: 6, return: 7, key: '2', op: 'put', value: 'z' },
    ]);
    expect(checkHistory(h).verdict).toBe('linearizable');
  });
});
