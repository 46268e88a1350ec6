import { describe, expect, it } from 'vitest';
import { keySlot } from '../slots/index.ts';
import { applyConfigCommand, bootstrapConfig, evenSlotRanges, type ClusterConfig } from '../cluster-config/config.ts';
import {
  batchAcknowledged,
  batchDeleted,
  batchSent,
  emptyStore,
  execute,
  importRecords,
  lockedKeys,
  nextSourceAction,
  replicasReached,
  routeKey,
  setRecord,
  startOutgoing,
  writeClaims,
  firstSharedSlot,
  countKeysInRange,
  type RouteView,
  type Store,
  type SourceOptions,
} from './index.ts';

const [r1, r2, r3] = evenSlotRanges(3) as [{ start: number; end: number }, { start: number; end: number }, { start: number; end: number }];
const base = bootstrapConfig([
  { id: 's1', primary: 'n1', replicas: ['n4'], slots: [r1] },
  { id: 's2', primary: 'n2', replicas: ['n5'], slots: [r2] },
  { id: 's3', primary: 'n3', replicas: ['n6'], slots: [r3] },
]);
// Two keys sharing a slot through a hash tag, owned by s1.
const tag = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].find((t) => keySlot(`{${t}}`) <= r1.end)!;
const k1 = `{${tag}}1`;
const k2 = `{${tag}}2`;
const slot = keySlot(k1);

function migrating(config: ClusterConfig): ClusterConfig {
  const r = applyConfigCommand(config, { op: 'migrate-begin', range: { start: slot, end: slot }, source: 's1', target: 's2', by: 'test' });
  expect(r.result.ok).toBe(true);
  return r.config;
}

function storeWith(...keys: string[]): Store {
  const s = emptyStore();
  for (const k of keys) setRecord(s, k, { v: `v-${k}`, ver: 1, w: {} });
  return s;
}

const view = (over: Partial<RouteView>): RouteView => ({
  self: 'n1',
  config: base,
  serving: true,
  store: emptyStore(),
  locked: {},
  importingWithoutAsking: false,
  ...over,
});

describe('routing (Redis Cluster specification: MOVED, ASK, ASKING)', () => {
  const cfg = migrating(base);
  it.each([
    ['the owner serves a stable slot', view({}), k1, false, 'serve'],
    ['a non-owner answers MOVED to the owner', view({ self: 'n2' }), k1, false, 'moved n1'],
    ['a replica of the owner answers MOVED to its primary', view({ self: 'n4' }), k1, false, 'moved n1'],
    ['an owner without a lease answers TRYAGAIN', view({ serving: false }), k1, false, 'tryagain'],
    ['a MIGRATING source serves a key it still holds', view({ config: cfg, store: storeWith(k1) }), k1, false, 'serve'],
    ['a MIGRATING source answers ASK for a key it does not hold', view({ config: cfg, store: storeWith(k1) }), k2, false, 'ask n2'],
    ['a MIGRATING source answers TRYAGAIN for a key on the wire', view({ config: cfg, store: storeWith(k1), locked: { [k1]: 1 } }), k1, false, 'tryagain'],
    ['an IMPORTING target serves after ASKING', view({ self: 'n2', config: cfg }), k1, true, 'serve'],
    ['an IMPORTING target answers MOVED without ASKING', view({ self: 'n2', config: cfg }), k1, false, 'moved n1'],
    ['bug importing-without-asking: the target serves without ASKING', view({ self: 'n2', config: cfg, importingWithoutAsking: true }), k1, false, 'serve'],
    ['ASKING at a node that is not the target changes nothing', view({ self: 'n3', config: cfg }), k1, true, 'moved n1'],
  ] as const)('%s', (_, v, key, asking, expected) => {
    const d = routeKey(v, key, asking);
    const text = d.kind === 'moved' || d.kind === 'ask' ? `${d.kind} ${d.node}` : d.kind;
    expect(text).toBe(expected);
    expect(d.slot).toBe(keySlot(key));
  });

  it('after SETSLOT NODE the target owns the slot and the source redirects with MOVED', () => {
    const done = applyConfigCommand(cfg, { op: 'migrate-finish', migrationId: cfg.migrations[0]!.id, by: 'test' }).config;
    expect(routeKey(view({ self: 'n2', config: done }), k1, false).kind).toBe('serve');
    expect(routeKey(view({ config: done }), k1, false)).toMatchObject({ kind: 'moved', node: 'n2' });
  });
});

describe('write claims: at most one node would write a slot without ASKING', () => {
  const cfg = migrating(base);
  it('a source claims a MIGRATING slot only while it holds unlocked keys of it; the target claims nothing', () => {
    const source = view({ config: cfg, store: storeWith(k1) });
    const target = view({ self: 'n2', config: cfg });
    expect(writeClaims(source).holding).toEqual([{ start: slot, end: slot }]);
    expect(writeClaims(source).full.some((r) => slot >= r.start && slot <= r.end)).toBe(false);
    expect(firstSharedSlot(writeClaims(source), writeClaims(target))).toBeNull();
    expect(writeClaims(view({ config: cfg, store: storeWith(k1), locked: { [k1]: 1 } })).holding).toEqual([]);
    expect(writeClaims(view({ config: cfg })).holding).toEqual([]);
  });
  it('bug importing-without-asking: source and target both claim the slot', () => {
    const source = view({ config: cfg, store: storeWith(k1) });
    const target = view({ self: 'n2', config: cfg, importingWithoutAsking: true });
    expect(firstSharedSlot(writeClaims(source), writeClaims(target))).toBe(slot);
  });
  it('a node without a lease, or a replica, claims nothing', () => {
    expect(writeClaims(view({ serving: false }))).toEqual({ full: [], holding: [] });
    expect(writeClaims(view({ self: 'n4' }))).toEqual({ full: [], holding: [] });
  });
});

describe('store: per-key sessions make retried writes exactly-once', () => {
  it('executes put, append and cas, and answers a retry from the session', () => {
    const put = execute(undefined, { op: 'put', key: 'k', value: 'x' }, 1, 1);
    expect(put.record).toMatchObject({ v: 'x', ver: 1 });
    const app = execute(put.record!, { op: 'append', key: 'k', value: 'y' }, 2, 7);
    expect(app.record).toMatchObject({ v: 'xy', ver: 2 });
    const retry = execute(app.record!, { op: 'append', key: 'k', value: 'y' }, 2, 7);
    expect(retry).toEqual({ output: null, record: null, duplicate: true });
    const cas = execute(app.record!, { op: 'cas', key: 'k', expected: 'xy', value: 'z' }, 1, 2);
    expect(cas.output).toBe(true);
    expect(execute(cas.record!, { op: 'cas', key: 'k', expected: 'xy', value: 'z' }, 1, 2)).toMatchObject({ output: true, duplicate: true });
    expect(execute(cas.record!, { op: 'cas', key: 'k', expected: 'nope', value: 'w' }, 3, 1)).toEqual({ output: false, record: null, duplicate: false });
    expect(execute(cas.record!, { op: 'get', key: 'k' }, 3, 2).output).toBe('z');
  });
});

describe('source side of a migration', () => {
  const o: SourceOptions = { batchSize: 1, batchIntervalMs: 100, resendAfterMs: 500, exitEarly: false };
  const range = { start: slot, end: slot };

  it('streams batches, deletes on acknowledgement, and proposes the finish only when the range is empty', () => {
    const store = storeWith(k1, k2);
    const m = startOutgoing(1, range, 's2', 0);
    const a1 = nextSourceAction(m, store, 0, o);
    expect(a1).toEqual({ kind: 'send', keys: [k1] });
    const b1 = batchSent(m, [k1], 'n2', 0);
    expect(lockedKeys(m)).toEqual([k1]);
    expect(nextSourceAction(m, store, 100, o).kind).toBe('idle');
    expect(nextSourceAction(m, store, 500, o).kind).toBe('resend');
    expect(batchAcknowledged(m, b1 + 1)).toBeNull();
    expect(batchAcknowledged(m, b1)).toEqual([k1]);
    setRecord(store, k1, null);
    batchDeleted(m, [k1], 7, true, 600, o);
    expect(lockedKeys(m)).toEqual([k1]); // settling: replicas don't have the deletion yet
    expect(replicasReached(m, 6)).toBe(false);
    expect(replicasReached(m, 7)).toBe(true);
    expect(lockedKeys(m)).toEqual([]);
    expect(nextSourceAction(m, store, 650, o).kind).toBe('idle'); // paced
    expect(nextSourceAction(m, store, 700, o)).toEqual({ kind: 'send', keys: [k2] });
    batchSent(m, [k2], 'n2', 700);
    batchAcknowledged(m, m.batch);
    setRecord(store, k2, null);
    batchDeleted(m, [k2], 8, false, 710, o);
    expect(countKeysInRange(store, range)).toBe(0);
    expect(nextSourceAction(m, store, 810, o).kind).toBe('finish');
  });

  it("bug migrating-exit-early: proposes the finish before the last batch", () => {
    const store = storeWith(k1);
    const m = startOutgoing(1, range, 's2', 0);
    expect(nextSourceAction(m, store, 0, { ...o, exitEarly: true }).kind).toBe('finish');
    expect(nextSourceAction(m, store, 0, o).kind).toBe('send');
  });
});

describe('target side of a migration', () => {
  it('takes missing keys, keeps its own copy unless the incoming one is newer', () => {
    const store = storeWith(k1);
    const out = importRecords(store, [
      [k1, { v: 'old', ver: 1, w: {} }],
      [k2, { v: 'new', ver: 3, w: {} }],
    ]);
    expect(out.kept).toEqual([k1]);
    expect(out.applied.map(([k]) => k)).toEqual([k2]);
    const newer = importRecords(store, [[k1, { v: 'newer', ver: 2, w: {} }]]);
    expect(newer.applied.length).toBe(1);
    expect(store.records[k1]!.v).toBe('newer');
  });
});
