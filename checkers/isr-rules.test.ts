import { describe, expect, it } from 'vitest';
import type { NodeView, WorldView } from '../sim/scenario.ts';
import { isrHoldsCommitted } from './isr-rules.ts';

// Brokers hosting partition 0; only the fields the checker reads.
interface FakeReplica {
  role: 'leader' | 'follower';
  log: string[];
  hw?: number;
  epoch?: number;
  isr?: string[];
  pendingIsr?: string[];
}

function world(brokers: Record<string, FakeReplica>): WorldView {
  const views: NodeView[] = Object.keys(brokers).sort().map((id) => {
    const r = brokers[id]!;
    return {
      id,
      role: 'broker',
      status: 'up',
      incarnation: 0,
      disk: {} as NodeView['disk'],
      state: {
        started: true,
        replicas: [{ partition: 0, role: r.role, leaderEpoch: r.epoch ?? 1, log: r.log.map((x) => ({ id: x })), hw: r.hw ?? 0, isr: r.isr ?? [], pendingIsr: r.pendingIsr === undefined ? null : { isr: r.pendingIsr, requestId: 1, sentMs: 0 } }],
      },
    };
  });
  return { nowMs: 0, eventIndex: 0, phase: 'faulty', nodes: views, node: (id) => views.find((v) => v.id === id)! };
}

describe('isr-holds-committed', () => {
  it('stays quiet while every ISR member holds what was committed', () => {
    const c = isrHoldsCommitted(() => false);
    expect(c.afterEvent!(world({ b1: { role: 'leader', log: ['a', 'b', 'c'], hw: 2, isr: ['b1', 'b2'] }, b2: { role: 'follower', log: ['a', 'b'] } }))).toBeUndefined();
  });

  it('fires when a new leader whose HW lags admits a follower lacking a record its predecessor committed', () => {
    const c = isrHoldsCommitted(() => false);
    // Epoch 1: b1 leads and commits a, b, c (HW 3).
    c.afterEvent!(world({ b1: { role: 'leader', log: ['a', 'b', 'c'], hw: 3, isr: ['b1', 'b2'] }, b2: { role: 'follower', log: ['a', 'b', 'c'] }, b3: { role: 'follower', log: ['a'] } }));
    // Epoch 2: b2 leads with HW 1 (it had not heard of 3) and asks to take b3 (LEO 1 >= HW 1) in.
    const w = world({ b1: { role: 'follower', log: ['a', 'b', 'c'] }, b2: { role: 'leader', epoch: 2, log: ['a', 'b', 'c'], hw: 1, isr: ['b2'], pendingIsr: ['b2', 'b3'] }, b3: { role: 'follower', log: ['a'] } });
    expect(c.afterEvent!(w)).toMatch(/b3 is in leader b2's ISR as asked but has nothing at offset 1, where b was committed/);
  });
});
