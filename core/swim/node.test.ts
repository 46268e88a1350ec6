import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../sim/trace.ts';
import { Stream } from '../contract/rng.ts';
import type { Effect, Env, Input } from '../contract/protocol.ts';
import { swim, swimConfig, entryStatus, entryIncarnation, type SwimConfig, type SwimObservation, type SwimReply, type SwimState, type SwimCommand, type SwimTimer } from './node.ts';
import { clusterKey, seal, unseal } from './auth.ts';
import { decode, encode, UNBOUND, type Body, type WireMessage } from './wire.ts';
import { parseSwimTimer } from './types.ts';

type Eff = Effect<Uint8Array, SwimReply, SwimObservation, SwimTimer>;
const universe = ['n1', 'n2', 'n3', 'n4', 'n5'];
const key = clusterKey('cluster-secret');

function node(self: string, over: Partial<SwimConfig> = {}) {
  const protocol = swim(swimConfig({ universe, seeds: ['n1'], ...over }));
  const env = { self, nowMs: 0, rng: new Stream(7, `test/${self}`) } as { self: string; nowMs: number; rng: Stream } & Env;
  let state = protocol.init(self, env);
  const step = (input: Input<Uint8Array, SwimCommand, SwimTimer>, atMs = env.nowMs): Eff[] => {
    env.nowMs = atMs;
    const r = protocol.step(state, input, env);
    state = r.state;
    return [...r.effects];
  };
  return { step, env, get state(): SwimState { return state; } };
}

const frame = (m: WireMessage) => seal(key, encode(m));
const msg = (from: string, to: string, body: Body, over: Partial<WireMessage> = {}): WireMessage =>
  ({ from, to, fromEpoch: 1, fromIncarnation: 1, toIncarnation: 1, seq: 1, ...body, ...over }) as WireMessage;
const sent = (effects: Eff[]) =>
  effects.flatMap((e) => {
    if (e.type !== 'send') return [];
    const opened = unseal(key, e.message);
    const d = opened.ok ? decode(opened.payload) : null;
    return d?.ok ? [{ to: e.to, m: d.value }] : [];
  });
const observed = (effects: Eff[]) => effects.flatMap((e) => (e.type === 'observe' ? [e.observation] : []));
const status = (s: SwimState, id: string) => ({ status: entryStatus(s.view[universe.indexOf(id)]), incarnation: entryIncarnation(s.view[universe.indexOf(id)]) });

describe('swim node', () => {
  it('a bootstrapped member persists its incarnation first, then arms its protocol period', () => {
    const n = node('n2');
    const fx = n.step({ type: 'start', durable: {} });
    expect(fx[0]).toEqual({ type: 'persist', write: { op: 'overwrite', file: 'swim', records: ['1 member'] } });
    expect(fx.some((e) => e.type === 'setTimer' && e.timer === 'tick')).toBe(true);
    expect(n.state.live).toBe(5);
    expect(n.state.members.length).toBe(4);
  });

  it('answers a ping with an ack for the same probe, bound to the sender\'s incarnation', () => {
    const n = node('n2');
    n.step({ type: 'start', durable: {} });
    const fx = n.step({ type: 'message', from: 'n1', message: frame(msg('n1', 'n2', { type: 'ping', probe: 17, updates: [] }, { seq: 17, fromIncarnation: 3 })) });
    const [reply] = sent(fx);
    expect(reply).toMatchObject({ to: 'n1', m: { type: 'ack', probe: 17, toIncarnation: 3, from: 'n2' } });
    expect(status(n.state, 'n1')).toEqual({ status: 'alive', incarnation: 3 }); // a message proves its sender alive at its incarnation
  });

  it('refuses a replay, a tampered copy and garbage without any change of state', () => {
    const n = node('n2');
    n.step({ type: 'start', durable: {} });
    const bytes = frame(msg('n1', 'n2', { type: 'ping', probe: 5, updates: [{ kind: 'suspect', node: 'n3', incarnation: 1, from: 'n1' }] }, { seq: 5 }));
    n.step({ type: 'message', from: 'n1', message: bytes });
    const tampered = bytes.slice();
    tampered[20]! ^= 1;
    for (const [forged, reason] of [[bytes, 'replay'], [tampered, 'bad-mac'], [new Uint8Array([1, 2, 3]), 'truncated'], [new Uint8Array(80), 'bad-mac']] as const) {
      const before = canonicalJson(n.state);
      const fx = n.step({ type: 'message', from: 'n1', message: forged });
      expect(canonicalJson(n.state)).toBe(before);
      expect(observed(fx)).toEqual([expect.objectContaining({ type: 'rejected', reason })]);
      expect(sent(fx)).toEqual([]);
    }
  });

  it('slides a replay window per sender: late but new messages pass, old epochs and far-behind seqs do not', () => {
    const n = node('n2');
    n.step({ type: 'start', durable: {} });
    const nack = (seq: number, fromEpoch = 1) => ({ type: 'message' as const, from: 'n1', message: frame(msg('n1', 'n2', { type: 'nack', probe: 1 }, { seq, fromEpoch, fromIncarnation: fromEpoch })) });
    const reasons = (input: ReturnType<typeof nack>) => observed(n.step(input)).map((o) => (o.type === 'rejected' ? o.reason : o.type));
    expect(reasons(nack(10))).toEqual([]);
    expect(reasons(nack(8))).toEqual([]); // reordered, still inside the window
    expect(reasons(nack(8))).toEqual(['replay']);
    expect(reasons(nack(50))).toEqual([]);
    expect(reasons(nack(10))).toEqual(['too-old']); // 40 behind: outside the 32-wide window
    expect(reasons(nack(1, 2))).toEqual(['member']); // a new life of n1 (epoch 2): the window restarts, and n1 is alive at 2
    expect(reasons(nack(60, 1))).toEqual(['old-epoch']);
  });

  it('refutes a suspicion with a higher incarnation, persisting it before anything goes out', () => {
    const n = node('n2');
    n.step({ type: 'start', durable: {} });
    const fx = n.step({ type: 'message', from: 'n1', message: frame(msg('n1', 'n2', { type: 'ping', probe: 1, updates: [{ kind: 'suspect', node: 'n2', incarnation: 1, from: 'n3' }] })) });
    expect(n.state.incarnation).toBe(2);
    const persistAt = fx.findIndex((e) => e.type === 'persist');
    const sendAt = fx.findIndex((e) => e.type === 'send');
    expect(persistAt).toBeGreaterThanOrEqual(0);
    expect(persistAt).toBeLessThan(sendAt);
    expect(fx[persistAt]).toEqual({ type: 'persist', write: { op: 'overwrite', file: 'swim', records: ['2 member'] } });
    // The refutation rides on the ack.
    expect(sent(fx)[0]!.m).toMatchObject({ type: 'ack', fromIncarnation: 2, updates: expect.arrayContaining([{ kind: 'alive', node: 'n2', incarnation: 2 }]) });
    expect(observed(fx)).toContainEqual(expect.objectContaining({ type: 'self', event: 'refute', incarnation: 2, accused: 1 }));
  });

  it('with the refute-without-bump bug, refutes at the accused incarnation', () => {
    const n = node('n2', { bug: 'refute-without-bump' });
    n.step({ type: 'start', durable: {} });
    n.step({ type: 'message', from: 'n1', message: frame(msg('n1', 'n2', { type: 'ping', probe: 1, updates: [{ kind: 'suspect', node: 'n2', incarnation: 1, from: 'n3' }] })) });
    expect(n.state.incarnation).toBe(1);
  });

  it('restarts above the persisted incarnation and rejoins through the seeds with an unbound join', () => {
    const n = node('n3');
    const fx = n.step({ type: 'start', durable: { swim: ['6 member'] } });
    expect(n.state).toMatchObject({ incarnation: 7, epoch: 7, phase: 'member', live: 1 });
    expect(fx[0]).toEqual({ type: 'persist', write: { op: 'overwrite', file: 'swim', records: ['7 member'] } });
    expect(sent(fx)).toEqual([{ to: 'n1', m: expect.objectContaining({ type: 'sync', reply: true, toIncarnation: UNBOUND, fromIncarnation: 7 }) }]);
  });

  it('refuses a message addressed to an earlier life, and tells the sender its new incarnation without changing state', () => {
    const n = node('n3');
    n.step({ type: 'start', durable: { swim: ['6 member'] } });
    const before = canonicalJson(n.state);
    const fx = n.step({ type: 'message', from: 'n1', message: frame(msg('n1', 'n3', { type: 'ping', probe: 4, updates: [] }, { toIncarnation: 5 })) });
    expect(canonicalJson(n.state)).toBe(before);
    expect(observed(fx)).toContainEqual(expect.objectContaining({ type: 'rejected', reason: 'earlier-life' }));
    expect(sent(fx)).toEqual([{ to: 'n1', m: expect.objectContaining({ type: 'sync', reply: false, updates: [{ kind: 'alive', node: 'n3', incarnation: 7 }] }) }]);
  });

  it('answers a join with its membership and learns nothing from it', () => {
    const n = node('n1');
    n.step({ type: 'start', durable: {} });
    const before = canonicalJson(n.state);
    const fx = n.step({ type: 'message', from: 'n5', message: frame(msg('n5', 'n1', { type: 'sync', reply: true, updates: [{ kind: 'alive', node: 'n5', incarnation: 9 }] }, { toIncarnation: UNBOUND, seq: 0, fromIncarnation: 9 })) });
    expect(canonicalJson(n.state)).toBe(before);
    const [reply] = sent(fx);
    expect(reply!.m).toMatchObject({ type: 'sync', reply: false, toIncarnation: 9 });
    expect((reply!.m as unknown as { updates: unknown[] }).updates).toHaveLength(5);
  });

  it('merges a sync idempotently: a second copy changes nothing', () => {
    const n = node('n2');
    n.step({ type: 'start', durable: {} });
    const sync = frame(msg('n1', 'n2', { type: 'sync', reply: false, updates: [{ kind: 'alive', node: 'n3', incarnation: 4 }, { kind: 'dead', node: 'n4', incarnation: 1, from: 'n1' }, { kind: 'suspect', node: 'n2', incarnation: 1, from: 'n1' }] }, { seq: 0 }));
    n.step({ type: 'message', from: 'n1', message: sync });
    expect(status(n.state, 'n3')).toEqual({ status: 'alive', incarnation: 4 });
    expect(status(n.state, 'n4')).toEqual({ status: 'suspect', incarnation: 1 }); // a remote "dead" is merged as a suspicion
    expect(n.state.incarnation).toBe(2); // refuted
    const before = canonicalJson(n.state);
    n.step({ type: 'message', from: 'n1', message: sync });
    expect(canonicalJson(n.state)).toBe(before);
  });

  it('probes: ping, then ping-reqs through k members after the probe timeout, then suspicion with Lifeguard\'s health penalty', () => {
    const n = node('n1');
    n.step({ type: 'start', durable: {} });
    const fx1 = n.step({ type: 'timer', timer: 'tick' }, 1000);
    const [ping] = sent(fx1);
    expect(ping!.m.type).toBe('ping');
    const target = ping!.to;
    expect(fx1).toContainEqual({ type: 'setTimer', timer: 'probe-timeout', afterMs: 500 });
    const fx2 = n.step({ type: 'timer', timer: 'probe-timeout' }, 1500);
    const reqs = sent(fx2);
    expect(reqs).toHaveLength(3);
    expect(reqs.every((r) => r.m.type === 'ping-req' && r.m.target === target && r.m.nack && r.to !== target)).toBe(true);
    // One relay nacks (it is fine, the target isn't answering); two say nothing: the health score goes up by 2.
    n.step({ type: 'message', from: reqs[0]!.to, message: frame(msg(reqs[0]!.to, 'n1', { type: 'nack', probe: ping!.m.seq })) });
    const fx3 = n.step({ type: 'timer', timer: 'tick' }, 2000);
    expect(n.state.awareness).toBe(2);
    expect(status(n.state, target)).toEqual({ status: 'suspect', incarnation: 1 });
    // Lifeguard: 5 live members, K = suspicionMult - 2 = 3 confirmations wanted, so the timer starts at max = 6 · 5 s.
    expect(fx3).toContainEqual({ type: 'setTimer', timer: `suspect/${target}`, afterMs: 30000 });
    // The next period is scaled by the health multiplier: 1000 ms · (2 + 1).
    expect(fx3).toContainEqual({ type: 'setTimer', timer: 'tick', afterMs: 3000 });
  });

  it('shrinks a suspicion timer with independent confirmations (log(C+1)/log(K+1))', () => {
    const n = node('n1');
    n.step({ type: 'start', durable: {} });
    const suspect = (from: string, seq: number, at: number) =>
      n.step({ type: 'message', from, message: frame(msg(from, 'n1', { type: 'ping', probe: 1, updates: [{ kind: 'suspect', node: 'n5', incarnation: 1, from }] }, { seq })) }, at);
    expect(suspect('n2', 1, 0)).toContainEqual({ type: 'setTimer', timer: 'suspect/n5', afterMs: 30000 });
    // C = 1 of K = 3 after 2 s: 30 - 25 · ln2/ln4 = 17.5 s in all, 15.5 s left.
    expect(suspect('n3', 1, 2000)).toContainEqual({ type: 'setTimer', timer: 'suspect/n5', afterMs: 15500 });
    expect(suspect('n3', 2, 2500).some((e) => e.type === 'setTimer' && e.timer === 'suspect/n5')).toBe(false); // the same confirmer counts once
    // C = 2: 30 - 25 · ln3/ln4 = 10.18780 -> 10187 ms in all, 10187 - 3000 left.
    expect(suspect('n4', 1, 3000)).toContainEqual({ type: 'setTimer', timer: 'suspect/n5', afterMs: 7187 });
    const fx = n.step({ type: 'timer', timer: 'suspect/n5' }, 10187);
    expect(observed(fx)).toContainEqual(expect.objectContaining({ type: 'member', event: 'dead', subject: 'n5', incarnation: 1 }));
  });

  it('leaves gracefully: gossips left for a few periods, then goes silent; a join command starts a new life', () => {
    const n = node('n4', { leavePeriods: 2 });
    n.step({ type: 'start', durable: {} });
    const fx = n.step({ type: 'command', commandId: 1, command: { type: 'leave' } });
    expect(fx).toContainEqual({ type: 'persist', write: { op: 'overwrite', file: 'swim', records: ['1 left'] } });
    expect(n.state.broadcasts[0]).toMatchObject({ kind: 'left', node: 'n4', incarnation: 1 });
    n.step({ type: 'timer', timer: 'tick' }, 1000);
    const last = n.step({ type: 'timer', timer: 'tick' }, 2000);
    expect(n.state.phase).toBe('left');
    expect(last.some((e) => e.type === 'setTimer')).toBe(false); // no next period
    const ping = frame(msg('n1', 'n4', { type: 'ping', probe: 9, updates: [] }, { seq: 9 }));
    expect(observed(n.step({ type: 'message', from: 'n1', message: ping }))).toEqual([expect.objectContaining({ reason: 'not-a-member' })]);
    const joined = n.step({ type: 'command', commandId: 2, command: { type: 'join' } });
    expect(n.state).toMatchObject({ phase: 'member', incarnation: 2, epoch: 2 });
    expect(joined).toContainEqual({ type: 'reply', commandId: 2, reply: { ok: true, phase: 'member', incarnation: 2 } });
  });

  it('takes every timer name it sets apart for the dispatch, and refuses one it never sets', () => {
    expect(parseSwimTimer('tick')).toEqual({ kind: 'tick' });
    expect(parseSwimTimer('probe-timeout')).toEqual({ kind: 'probe-timeout' });
    expect(parseSwimTimer('suspect/n3')).toEqual({ kind: 'suspect', node: 'n3' });
    expect(parseSwimTimer('relay/17')).toEqual({ kind: 'relay', seq: 17 });
    expect(() => parseSwimTimer('election' as SwimTimer)).toThrow(/unknown timer election/);
  });
});
