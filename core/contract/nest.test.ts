import { describe, expect, it } from 'vitest';
import type { Effect, Env, Protocol } from './protocol.ts';
import { nest } from './nest.ts';
import { Stream } from './rng.ts';

type Tick = 'tick' | `retry/${string}`;
const inner: Protocol<{ n: number }, { hello: number }, 'ping', 'pong', { saw: number }, Tick> = {
  name: 'inner',
  init: () => ({ n: 0 }),
  step(s, input) {
    const fx: Effect<{ hello: number }, 'pong', { saw: number }, Tick>[] = [];
    switch (input.type) {
      case 'start':
        s.n = input.durable['count']?.length ?? 0;
        fx.push({ type: 'setTimer', timer: 'tick', afterMs: 5 });
        break;
      case 'timer':
        fx.push({ type: 'persist', write: { op: 'append', file: 'count', record: input.timer } }, { type: 'send', to: 'b', message: { hello: s.n } });
        fx.push({ type: 'cancelTimer', timer: 'retry/x' });
        break;
      case 'message':
        fx.push({ type: 'observe', observation: { saw: input.message.hello } });
        break;
      case 'command':
        fx.push({ type: 'reply', commandId: input.commandId, reply: 'pong' });
        break;
    }
    return { state: s, effects: fx };
  },
};
const env: Env = { self: 'a', nowMs: 0, rng: new Stream(1, 'node/a') };

describe('nest', () => {
  const n = nest(inner, {
    name: 'in',
    wrap: (m) => ({ t: 'in' as const, m }),
    unwrap: (m: { t: string; m: { hello: number } }) => (m.t === 'in' ? m.m : undefined),
    surface: (o) => (o.saw > 1 ? { type: 'inner-saw', value: o.saw } : undefined),
  });

  it('puts the inner timers and files under its name, wraps its messages, and keeps its replies', () => {
    const out: Effect<{ t: string; m: { hello: number } }, unknown, { type: string; value: number }, string>[] = [];
    const started = n.step(n.init('a', env), n.start({ 'in/count': ['x', 'y'], other: ['z'] }), env, out);
    expect(started.state.n).toBe(2);
    expect(out).toEqual([{ type: 'setTimer', timer: 'in/tick', afterMs: 5 }]);
    const timer = 'in/tick';
    expect(n.owns(timer)).toBe(true);
    expect(n.owns('tick')).toBe(false);
    out.length = 0;
    n.step(started.state, { type: 'timer', timer: n.timer(timer) }, env, out);
    expect(out).toEqual([
      { type: 'persist', write: { op: 'append', file: 'in/count', record: 'tick' } },
      { type: 'send', to: 'b', message: { t: 'in', m: { hello: 2 } } },
      { type: 'cancelTimer', timer: 'in/retry/x' },
    ]);
    out.length = 0;
    const answered = n.step(started.state, { type: 'command', commandId: 7, command: 'ping' }, env, out);
    expect(answered.replies).toEqual([{ commandId: 7, reply: 'pong' }]);
    expect(out).toEqual([]);
  });

  it('surfaces only the observations the outer chooses, and returns them all', () => {
    const out: Effect<{ t: string; m: { hello: number } }, unknown, { type: string; value: number }, string>[] = [];
    const one = n.step({ n: 0 }, { type: 'message', from: 'b', message: n.message({ t: 'in', m: { hello: 1 } })! }, env, out);
    expect(one.observations).toEqual([{ saw: 1 }]);
    expect(out).toEqual([]);
    n.step({ n: 0 }, { type: 'message', from: 'b', message: { hello: 3 } }, env, out);
    expect(out).toEqual([{ type: 'observe', observation: { type: 'inner-saw', value: 3 } }]);
    expect(n.message({ t: 'other', m: { hello: 1 } })).toBeUndefined();
  });
  it('keeps the inner names as they are with empty prefixes, owning only the timers isTimer names', () => {
    const bare = nest(inner, {
      name: 'in',
      timerPrefix: '',
      filePrefix: '',
      isTimer: (t) => t === 'tick' || t.startsWith('retry/'),
      wrap: (m) => m,
      unwrap: (m: { hello: number }) => m,
      surface: (o) => o,
    });
    const out: Effect<{ hello: number }, unknown, { saw: number }, string>[] = [];
    const durable = { count: ['x'], other: ['z'] };
    const started = bare.start(durable);
    expect(started).toEqual({ type: 'start', durable });
    const s = bare.step(bare.init('a', env), started, env, out).state;
    bare.step(s, { type: 'timer', timer: 'tick' }, env, out);
    expect(out).toEqual([
      { type: 'setTimer', timer: 'tick', afterMs: 5 },
      { type: 'persist', write: { op: 'append', file: 'count', record: 'tick' } },
      { type: 'send', to: 'b', message: { hello: 1 } },
      { type: 'cancelTimer', timer: 'retry/x' },
    ]);
    expect(bare.owns('tick')).toBe(true);
    expect(bare.owns('retry/7')).toBe(true);
    expect(bare.owns('outer')).toBe(false);
  });

  it('hands the replies to a sink that takes them, in place', () => {
    const seq: string[] = [];
    const r = n.step({ n: 0 }, { type: 'command', commandId: 3, command: 'ping' }, env, {
      push: (e) => seq.push(e.type),
      reply: (commandId, reply) => seq.push(`reply ${commandId} ${reply}`),
    });
    expect(seq).toEqual(['reply 3 pong']);
    expect(r.replies).toEqual([]);
  });

  it('refuses an empty timer prefix without isTimer', () => {
    expect(() => nest(inner, { name: 'in', timerPrefix: '', wrap: (m) => m, unwrap: (m: { hello: number }) => m, surface: (o) => o })).toThrow(/isTimer/);
  });
});
