import { describe, expect, it } from 'vitest';
import type { NodeView, WorldView } from '../sim/scenario.ts';
import { clusterKey, seal } from '../core/swim/auth.ts';
import { encode, type Body, type WireMessage } from '../core/swim/wire.ts';
import type { SwimState } from '../core/swim/types.ts';
import { swimRules } from './swim-rules.ts';

const key = clusterKey('k');

/** A frame as a member sends it. */
function frame(from: string, to: string, seq: number, body: Body): Uint8Array {
  return seal(key, encode({ from, to, fromEpoch: 1, fromIncarnation: 1, toIncarnation: 1, seq, ...body } as WireMessage));
}

// The fields of a member's state the rules read; the rest is left at rest values.
interface Fake {
  id: string;
  probe?: { seq: number; target: string; indirect?: boolean } | null;
  awareness?: number;
  broadcasts?: { node: string; transmits: number }[];
}

function state(f: Fake): SwimState {
  return {
    phase: 'member', incarnation: 1, epoch: 1, seq: 0, awareness: f.awareness ?? 0, members: [], probeCursor: 0, view: [], live: 3,
    probe: f.probe ? { seq: f.probe.seq, target: f.probe.target, indirect: f.probe.indirect ?? false, expectedNacks: 0, nacks: [] } : null,
    relays: [], suspicions: [], broadcasts: (f.broadcasts ?? []).map((b) => ({ kind: 'alive', node: b.node, incarnation: 1, transmits: b.transmits })),
    windows: {}, periods: 0, probes: 0, reconnectCursor: 0, leaveCountdown: 0,
  };
}

function world(nowMs: number, nodes: Fake[]): WorldView {
  const views: NodeView[] = nodes.map((n) => ({ id: n.id, role: 'member', status: 'up', incarnation: 0, disk: {} as NodeView['disk'], state: state(n) }));
  return { nowMs, eventIndex: 0, phase: 'faulty', nodes: views, node: (id) => views.find((v) => v.id === id)! };
}

const config = { probeTimeoutMs: 500, lifeguard: true, suspicion: true };

describe('swim-rules: probe-ends-on-its-ack', () => {
  it('accepts a probe ended by the ack for its number', () => {
    const c = swimRules(config);
    c.onMessage!('delivered', 'b', 'a', frame('b', 'a', 3, { type: 'ack', probe: 7, updates: [] }), world(0, [{ id: 'a', probe: { seq: 7, target: 'b' } }]));
    expect(c.afterEvent!(world(0, [{ id: 'a', probe: null }]))).toBeUndefined();
  });

  it('fires when a late ack of an earlier probe ends the current one', () => {
    const c = swimRules(config);
    c.onMessage!('delivered', 'b', 'a', frame('b', 'a', 3, { type: 'ack', probe: 5, updates: [] }), world(0, [{ id: 'a', probe: { seq: 7, target: 'c' } }]));
    expect(c.afterEvent!(world(0, [{ id: 'a', probe: null }]))).toMatch(/probe-ends-on-its-ack: a ended its probe 7 of c as answered on an ack for probe 5/);
  });

  it('stays quiet when the probe goes on', () => {
    const c = swimRules(config);
    c.onMessage!('delivered', 'b', 'a', frame('b', 'a', 3, { type: 'ack', probe: 5, updates: [] }), world(0, [{ id: 'a', probe: { seq: 7, target: 'c' } }]));
    expect(c.afterEvent!(world(0, [{ id: 'a', probe: { seq: 7, target: 'c' } }]))).toBeUndefined();
  });
});

describe('swim-rules: ping-req-not-to-target', () => {
  it('accepts a ping-req to a third member, and fires on one to the target', () => {
    const c = swimRules(config);
    const w = world(0, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const body: Body = { type: 'ping-req', probe: 7, nack: true, target: 'c', targetIncarnation: 1, updates: [] };
    expect(c.onMessage!('sent', 'a', 'b', frame('a', 'b', 8, body), w)).toBeUndefined();
    expect(c.onMessage!('sent', 'a', 'c', frame('a', 'c', 9, body), w)).toMatch(/ping-req-not-to-target: a asked c to ping c/);
  });
});

describe('swim-rules: relay-acks-after-target', () => {
  const reqBody: Body = { type: 'ping-req', probe: 7, nack: false, target: 'c', targetIncarnation: 1, updates: [] };

  it('accepts an ack relayed when the target answered the relay ping', () => {
    const c = swimRules(config);
    const w = world(0, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    c.onMessage!('delivered', 'a', 'b', frame('a', 'b', 8, reqBody), w);
    expect(c.onMessage!('sent', 'b', 'c', frame('b', 'c', 4, { type: 'ping', probe: 4, updates: [] }), w)).toBeUndefined();
    c.afterEvent!(w);
    c.onMessage!('delivered', 'c', 'b', frame('c', 'b', 2, { type: 'ack', probe: 4, updates: [] }), w);
    expect(c.onMessage!('sent', 'b', 'a', frame('b', 'a', 5, { type: 'ack', probe: 7, updates: [] }), w)).toBeUndefined();
  });

  it('accepts an ack that answers a ping directly', () => {
    const c = swimRules(config);
    const w = world(0, [{ id: 'a' }, { id: 'c' }]);
    c.onMessage!('delivered', 'a', 'c', frame('a', 'c', 8, { type: 'ping', probe: 8, updates: [] }), w);
    expect(c.onMessage!('sent', 'c', 'a', frame('c', 'a', 3, { type: 'ack', probe: 8, updates: [] }), w)).toBeUndefined();
  });

  it('fires on a relay ack sent when the target never answered (the nack timer)', () => {
    const c = swimRules(config);
    const w = world(0, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    c.onMessage!('delivered', 'a', 'b', frame('a', 'b', 8, reqBody), w);
    c.onMessage!('sent', 'b', 'c', frame('b', 'c', 4, { type: 'ping', probe: 4, updates: [] }), w);
    c.afterEvent!(w);
    expect(c.onMessage!('sent', 'b', 'a', frame('b', 'a', 5, { type: 'ack', probe: 7, updates: [] }), w)).toMatch(/relay-acks-after-target: b sent a an ack for its probe 7 in a step that handled no message/);
  });
});

describe('swim-rules: piggyback-fewest-first', () => {
  it('accepts a queue ordered by transmissions, and fires on one ordered the other way', () => {
    const c = swimRules(config);
    const ping = frame('a', 'b', 8, { type: 'ping', probe: 8, updates: [] });
    expect(c.onMessage!('sent', 'a', 'b', ping, world(0, [{ id: 'a', broadcasts: [{ node: 'x', transmits: 0 }, { node: 'y', transmits: 2 }] }, { id: 'b' }]))).toBeUndefined();
    expect(c.onMessage!('sent', 'a', 'b', ping, world(0, [{ id: 'a', broadcasts: [{ node: 'y', transmits: 2 }, { node: 'x', transmits: 1 }] }, { id: 'b' }]))).toMatch(/piggyback-fewest-first: a's retransmit queue holds news of y sent 2 times before news of x sent 1 times/);
  });
});

describe('swim-rules: sync-dead-is-suspect', () => {
  const dead = { type: 'member', event: 'dead', subject: 'c', incarnation: 1, from: 'a', localMs: 0 };

  it('fires on a death declared while merging a sync', () => {
    const c = swimRules(config);
    const w = world(0, [{ id: 'a' }, { id: 'b' }]);
    c.onMessage!('delivered', 'a', 'b', frame('a', 'b', 0, { type: 'sync', reply: false, updates: [{ kind: 'dead', node: 'c', incarnation: 1, from: 'a' }] }), w);
    expect(c.onObservation!('b', dead, w)).toMatch(/sync-dead-is-suspect: b declared c dead at incarnation 1 while merging a sync from a/);
  });

  it('accepts a death announced by gossip on a ping, and any death without suspicion', () => {
    const c = swimRules(config);
    const w = world(0, [{ id: 'a' }, { id: 'b' }]);
    c.onMessage!('delivered', 'a', 'b', frame('a', 'b', 3, { type: 'ping', probe: 3, updates: [{ kind: 'dead', node: 'c', incarnation: 1, from: 'a' }] }), w);
    expect(c.onObservation!('b', dead, w)).toBeUndefined();
    const basic = swimRules({ ...config, suspicion: false });
    basic.onMessage!('delivered', 'a', 'b', frame('a', 'b', 0, { type: 'sync', reply: false, updates: [] }), w);
    expect(basic.onObservation!('b', dead, w)).toBeUndefined();
  });
});

describe('swim-rules: probe-timeout-scaled', () => {
  const ping = frame('a', 'b', 8, { type: 'ping', probe: 8, updates: [] });
  const req = frame('a', 'c', 9, { type: 'ping-req', probe: 8, nack: true, target: 'b', targetIncarnation: 1, updates: [] });

  it('accepts ping-reqs after the timeout stretched by local health', () => {
    const c = swimRules(config);
    c.onMessage!('sent', 'a', 'b', ping, world(1000, [{ id: 'a', probe: { seq: 8, target: 'b' }, awareness: 2 }, { id: 'b' }, { id: 'c' }]));
    expect(c.onMessage!('sent', 'a', 'c', req, world(2500, [{ id: 'a', probe: { seq: 8, target: 'b', indirect: true }, awareness: 2 }, { id: 'b' }, { id: 'c' }]))).toBeUndefined();
  });

  it('fires on ping-reqs after the unstretched timeout at a poor health score', () => {
    const c = swimRules(config);
    c.onMessage!('sent', 'a', 'b', ping, world(1000, [{ id: 'a', probe: { seq: 8, target: 'b' }, awareness: 2 }, { id: 'b' }, { id: 'c' }]));
    expect(c.onMessage!('sent', 'a', 'c', req, world(1500, [{ id: 'a', probe: { seq: 8, target: 'b', indirect: true }, awareness: 2 }, { id: 'b' }, { id: 'c' }]))).toMatch(/probe-timeout-scaled: a sent ping-reqs for its probe 8 500.0 ms after the ping; the probe timeout at local health 2 is 1500 ms/);
  });
});
