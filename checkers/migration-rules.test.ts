import { describe, expect, it } from 'vitest';
import type { NodeView, WorldView } from '../sim/scenario.ts';
import { handoverOnTargetReplicas, keyVersionRules } from './migration-rules.ts';

// Two shards: s1 (source, primary a) and s2 (target, primary t with replicas u and v); only the
// fields the checkers read.
const config = {
  version: 3,
  shards: [
    { id: 's1', primary: 'a', replicas: [] },
    { id: 's2', primary: 't', replicas: ['u', 'v'] },
  ],
};

function world(stores: Record<string, Record<string, number>>, opts: { steps?: number; replId?: string } = {}): WorldView {
  const views: NodeView[] = Object.keys(stores).sort().map((id) => ({
    id,
    role: 'server',
    status: 'up',
    incarnation: 0,
    disk: {} as NodeView['disk'],
    state: {
      self: id,
      started: true,
      steps: opts.steps ?? 1,
      config,
      repl: { replId: opts.replId ?? `${id}@1` },
      store: { records: Object.fromEntries(Object.entries(stores[id]!).map(([k, ver]) => [k, { v: 'x', ver, w: {} }])), index: {} },
    },
  }));
  return { nowMs: 0, eventIndex: 0, phase: 'faulty', nodes: views, node: (id) => views.find((v) => v.id === id)! };
}

const handover = { type: 'migration', event: 'handed-over', mig: 1, batch: 2, keys: ['k1', 'k2'], from: 's1', to: 's2', acker: 't' };

describe('handover-on-target-replicas', () => {
  it('stays quiet when every up replica of the target holds the batch', () => {
    const w = world({ a: {}, t: { k1: 1, k2: 1 }, u: { k1: 1, k2: 1 }, v: { k1: 1, k2: 2 } });
    expect(handoverOnTargetReplicas().onObservation!('a', handover, w)).toBeUndefined();
  });

  it('fires when a replica of the target lacks a key the source deleted', () => {
    const w = world({ a: {}, t: { k1: 1, k2: 1 }, u: { k1: 1, k2: 1 }, v: { k1: 1 } });
    expect(handoverOnTargetReplicas().onObservation!('a', handover, w)).toMatch(/replica v does not hold key k2/);
  });
});

describe('handover-keeps-newest', () => {
  it('stays quiet when the target holds the source’s version or a newer one, fires on an older one', () => {
    const [keeps, forward] = keyVersionRules();
    forward!.afterEvent!(world({ a: { k1: 4, k2: 2 }, t: {} }));
    expect(keeps!.onObservation!('a', handover, world({ a: {}, t: { k1: 4, k2: 3 } }))).toBeUndefined();
    expect(keeps!.onObservation!('a', handover, world({ a: {}, t: { k1: 3, k2: 2 } }))).toMatch(/key k1 at version 4, .* holds version 3/);
  });
});

describe('primary-versions-forward', () => {
  it('fires when a primary’s key goes back to an older version within one stream', () => {
    const [, forward] = keyVersionRules();
    expect(forward!.afterEvent!(world({ t: { k1: 5 } }, { steps: 1 }))).toBeUndefined();
    expect(forward!.afterEvent!(world({ t: { k1: 6 } }, { steps: 2 }))).toBeUndefined();
    expect(forward!.afterEvent!(world({ t: { k1: 4 } }, { steps: 3 }))).toMatch(/had key k1 at version 6 and now at 4/);
  });

  it('stays quiet when a key is deleted and comes back older, or a new stream begins', () => {
    const [, forward] = keyVersionRules();
    forward!.afterEvent!(world({ t: { k1: 5 } }, { steps: 1 }));
    expect(forward!.afterEvent!(world({ t: {} }, { steps: 2 }))).toBeUndefined();
    expect(forward!.afterEvent!(world({ t: { k1: 2 } }, { steps: 3 }))).toBeUndefined();
    expect(forward!.afterEvent!(world({ t: { k1: 1 } }, { steps: 4, replId: 't@2' }))).toBeUndefined();
  });
});
