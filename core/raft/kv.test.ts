import { describe, expect, it } from 'vitest';
import { kvStateMachine as kv, type KvCommand, type KvState } from './kv.ts';

function run(state: KvState, ...commands: KvCommand[]): unknown[] {
  return commands.map((c) => kv.apply(state, c).result);
}

describe('kv state machine', () => {
  it('puts, appends, compares-and-sets and gets', () => {
    const s = kv.init();
    expect(kv.query(s, { op: 'get', key: 'a' })).toEqual({ type: 'value', value: null });
    expect(
      run(
        s,
        { op: 'put', key: 'a', value: '1', client: 'c1', seq: 1 },
        { op: 'append', key: 'a', value: '2', client: 'c1', seq: 2 },
        { op: 'append', key: 'b', value: 'x', client: 'c1', seq: 3 },
        { op: 'cas', key: 'a', expected: '1', value: '9', client: 'c1', seq: 4 },
        { op: 'cas', key: 'a', expected: '12', value: '3', client: 'c1', seq: 5 },
        { op: 'get', key: 'a', client: 'c1', seq: 6 },
      ),
    ).toEqual([
      { type: 'written' },
      { type: 'written' },
      { type: 'written' },
      { type: 'cas', succeeded: false },
      { type: 'cas', succeeded: true },
      { type: 'value', value: '3' },
    ]);
    expect(s.data).toEqual({ a: '3', b: 'x' });
  });

  it('executes a retried sequence number once and answers it from the session', () => {
    const s = kv.init();
    const append: KvCommand = { op: 'append', key: 'k', value: 'x', client: 'c1', seq: 1 };
    expect(run(s, append, append, append)).toEqual([{ type: 'written' }, { type: 'written' }, { type: 'written' }]);
    expect(s.data).toEqual({ k: 'x' });
    const cas: KvCommand = { op: 'cas', key: 'k', expected: 'x', value: 'y', client: 'c1', seq: 2 };
    expect(run(s, cas, cas)).toEqual([{ type: 'cas', succeeded: true }, { type: 'cas', succeeded: true }]); // the cached answer, not a second (failing) cas
    expect(run(s, append)).toEqual([{ type: 'stale' }]); // older than the last executed one
    expect(s.data).toEqual({ k: 'y' });
  });

  it('keeps sessions apart per client', () => {
    const s = kv.init();
    run(s, { op: 'append', key: 'k', value: 'a', client: 'c1', seq: 1 }, { op: 'append', key: 'k', value: 'b', client: 'c2', seq: 1 });
    expect(s.data).toEqual({ k: 'ab' });
  });

  it('snapshots and restores without aliasing, "__proto__" included', () => {
    const s = kv.init();
    run(s, { op: 'put', key: '__proto__', value: 'p', client: 'c1', seq: 1 }, { op: 'put', key: 'k', value: 'v', client: 'c1', seq: 2 });
    expect(Object.getPrototypeOf(s.data)).toBe(Object.prototype);
    const snap = kv.snapshot(s);
    const restored = kv.restore(JSON.parse(JSON.stringify(snap)));
    expect(kv.query(restored, { op: 'get', key: '__proto__' })).toEqual({ type: 'value', value: 'p' });
    expect(kv.query(restored, { op: 'get', key: 'toString' })).toEqual({ type: 'value', value: null });
    kv.apply(restored, { op: 'put', key: 'k', value: 'w', client: 'c1', seq: 3 });
    expect(s.data['k']).toBe('v');
    expect(run(restored, { op: 'put', key: 'k', value: 'z', client: 'c1', seq: 2 })).toEqual([{ type: 'stale' }]);
  });
});
