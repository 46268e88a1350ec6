import { describe, expect, it } from 'vitest';
import type { Env, Rng } from '../contract/protocol.ts';
import { applyConfigCommand, bootstrapConfig, evenSlotRanges } from '../cluster-config/config.ts';
import { createClusterClientProtocol, type ClusterClientState } from './client.ts';
import { createClusterNodeProtocol } from './node.ts';
import { entryRecord, recoverData, snapshotRecord, streamRecord } from './storage.ts';
import { emptyStore, setRecord } from '../migration/store.ts';
import { ELECTION_DEFAULTS } from '../failover/election.ts';
import type { ClusterMessage, ClusterNodeOptions } from './types.ts';
import { keySlot } from '../slots/index.ts';

const rng: Rng = { next: () => 0.25, int: (n) => Math.floor(0.25 * n), between: (a) => a };
const env = (self: string, nowMs = 0): Env => ({ self, nowMs, rng });

describe('data file', () => {
  it('replays a snapshot, entries and stream changes, and drops a torn tail', () => {
    const store = emptyStore();
    setRecord(store, 'a', { v: '1', ver: 1, w: {} });
    const records = [
      snapshotRecord('n1@1', 1, store),
      entryRecord({ o: 2, k: 'b', r: { v: '2', ver: 1, w: {} } }),
      streamRecord('n4@5', 2),
      entryRecord({ o: 3, k: 'a', r: null }),
      entryRecord({ o: 4, k: 'c', r: { v: '3', ver: 1, w: {} } }).slice(0, 20),
    ];
    const r = recoverData(records)!;
    expect(r).toMatchObject({ replId: 'n4@5', offset: 3, dropped: 1 });
    expect(Object.keys(r.store.records)).toEqual(['b']);
    expect(recoverData([])).toBeNull();
    // An entry out of sequence ends the replay too.
    expect(recoverData([snapshotRecord('x', 0, emptyStore()), entryRecord({ o: 5, k: 'k', r: null })])!.dropped).toBe(1);
  });
});

describe('smart client', () => {
  const key = '{u0}a';
  const slot = keySlot(key);
  const make = (bugs: readonly 'ask-updates-cache'[] = []) =>
    createClusterClientProtocol({
      servers: ['n1', 'n2', 'n3'],
      clientNumber: 1,
      requestTimeoutMs: 300,
      maxTimeouts: 3,
      maxRedirects: 5,
      workload: { operations: 1, keys: [key], thinkMsMin: 1, thinkMsMax: 1, mix: { get: 1, put: 0, append: 0, cas: 0 }, startAtMs: 0 },
      bugs,
    });
  const sends = (fx: readonly { type: string }[]) => fx.filter((e) => e.type === 'send') as unknown as { to: string; message: Extract<ClusterMessage, { t: 'req' }> }[];

  function begin(bugs: readonly 'ask-updates-cache'[] = []) {
    const p = make(bugs);
    let s: ClusterClientState = p.init('c1', env('c1'));
    s = p.step(s, { type: 'start', durable: {} }, env('c1')).state;
    const r = p.step(s, { type: 'timer', timer: 'think' }, env('c1', 10));
    return { p, s: r.state, first: sends(r.effects)[0]! };
  }

  it('follows MOVED and caches it; follows ASK once with ASKING and does not cache it', () => {
    const { p, s, first } = begin();
    expect(first.message.asking).toBe(false);
    const moved = p.step(s, { type: 'message', from: first.to, message: { t: 'res', send: first.message.send, r: { k: 'moved', slot, node: 'n2' }, cv: 3 } }, env('c1', 11));
    expect(moved.state.cache[String(slot)]).toEqual(['n2', 3]);
    const toOwner = sends(moved.effects)[0]!;
    expect(toOwner.to).toBe('n2');
    const ask = p.step(moved.state, { type: 'message', from: 'n2', message: { t: 'res', send: toOwner.message.send, r: { k: 'ask', slot, node: 'n3' }, cv: 3 } }, env('c1', 12));
    const toTarget = sends(ask.effects)[0]!;
    expect(toTarget).toMatchObject({ to: 'n3', message: { asking: true } });
    expect(ask.state.cache[String(slot)]).toEqual(['n2', 3]);
    const ok = p.step(ask.state, { type: 'message', from: 'n3', message: { t: 'res', send: toTarget.message.send, r: { k: 'ok', out: null, shard: 's3', replId: 'n3@3', offset: 0 }, cv: 3 } }, env('c1', 13));
    const obs = ok.effects.filter((e) => e.type === 'observe').map((e) => (e as { observation: Record<string, unknown> }).observation);
    expect(obs.find((o) => o.kind === 'ok')).toMatchObject({ redirects: 2, stableRedirects: 2, output: null });
  });

  it("bug ask-updates-cache: ASK rewrites the slot's cache entry", () => {
    const { p, s, first } = begin(['ask-updates-cache']);
    const ask = p.step(s, { type: 'message', from: first.to, message: { t: 'res', send: first.message.send, r: { k: 'ask', slot, node: 'n3' }, cv: 4 } }, env('c1', 11));
    expect(ask.state.cache[String(slot)]).toEqual(['n3', 4]);
  });

  it('a MOVED from an older configuration does not overwrite a newer cache entry', () => {
    const { p, s, first } = begin();
    const a = p.step(s, { type: 'message', from: first.to, message: { t: 'res', send: first.message.send, r: { k: 'moved', slot, node: 'n2' }, cv: 5 } }, env('c1', 11));
    const next = sends(a.effects)[0]!;
    const b = p.step(a.state, { type: 'message', from: 'n2', message: { t: 'res', send: next.message.send, r: { k: 'moved', slot, node: 'n1' }, cv: 4 } }, env('c1', 12));
    expect(b.state.cache[String(slot)]).toEqual(['n2', 5]);
    expect(sends(b.effects)[0]!.to).toBe('n1');
  });
});

describe('cluster node', () => {
  const [r1, r2] = evenSlotRanges(2) as [{ start: number; end: number }, { start: number; end: number }];
  const config = bootstrapConfig([
    { id: 's1', primary: 'n1', replicas: ['n3'], slots: [r1] },
    { id: 's2', primary: 'n2', replicas: ['n4'], slots: [r2] },
  ]);
  const options: ClusterNodeOptions = {
    nodes: ['n1', 'n2', 'n3', 'n4'],
    configVoters: ['n1', 'n2', 'n3'],
    initialConfig: config,
    syncReplication: false,
    lease: { leaseMs: 1500, renewEveryMs: 400, marginMs: 250 },
    election: ELECTION_DEFAULTS,
    migration: { batchSize: 1, batchIntervalMs: 100, resendAfterMs: 400 },
    swim: {},
    raft: {},
    tickMs: 100,
    replPingMs: 200,
    replTimeoutMs: 1000,
    configPullMs: 1000,
    proposeTimeoutMs: 400,
    bugs: [],
  };
  const node = createClusterNodeProtocol(options);
  const started = (self: string) => node.step(node.init(self, env(self)), { type: 'start', durable: {} }, env(self));

  it('boots as its shard primary and asks the voters for a lease; a replica asks its primary to sync', () => {
    const p = started('n1');
    const leaseReqs = p.effects.filter((e) => e.type === 'send' && (e.message as ClusterMessage).t === 'lease-req').map((e) => (e as { to: string }).to);
    expect(leaseReqs).toEqual(['n1', 'n2', 'n3']);
    expect(p.effects).toContainEqual({ type: 'observe', observation: { type: 'role', role: 'primary', epoch: 1, shard: 's1', node: 'n1' } });
    const r = started('n3');
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'send', to: 'n1', message: expect.objectContaining({ t: 'psync' }) }));
  });

  it('answers CLUSTER FAILOVER through core/cluster: refused on a primary, accepted on a replica', () => {
    const primary = started('n1').state;
    const onPrimary = node.step(primary, { type: 'command', commandId: 1, command: { type: 'admin', argv: ['CLUSTER', 'FAILOVER'] } }, env('n1', 5));
    expect(onPrimary.effects).toContainEqual({ type: 'reply', commandId: 1, reply: { type: 'error', message: 'ERR You should send CLUSTER FAILOVER to a replica' } });
    const replica = started('n3').state;
    const onReplica = node.step(replica, { type: 'command', commandId: 2, command: { type: 'admin', argv: ['CLUSTER', 'FAILOVER', 'TAKEOVER'] } }, env('n3', 5));
    expect(onReplica.effects).toContainEqual({ type: 'reply', commandId: 2, reply: { type: 'simple', value: 'OK' } });
    // TAKEOVER skips the election: the promotion goes straight to the configuration group.
    expect(onReplica.effects).toContainEqual(expect.objectContaining({ type: 'send', message: expect.objectContaining({ t: 'raft', m: expect.objectContaining({ type: 'clientRequest' }) }) }));
    const refused = node.step(replica, { type: 'command', commandId: 3, command: { type: 'admin', argv: ['CLUSTER', 'SETSLOT', '1', 'NODE', 'n2'] } }, env('n3', 5));
    expect(refused.effects).toContainEqual(expect.objectContaining({ type: 'reply', commandId: 3, reply: expect.objectContaining({ type: 'error' }) }));
  });

  it('a promotion reports how far the replica had got in the stream it followed when it took over, not at its election', () => {
    // n3 was elected at offset 11 of n1's stream and took one more write (12) before the promotion
    // reached it: the promotion must say 12, or a checker counts write 12 as lost (deep run, seed 7).
    const replica = structuredClone(started('n3').state);
    replica.repl.replId = 'n1@1';
    replica.repl.offset = 12;
    const promote = (fromReplId: string) =>
      applyConfigCommand(config, { op: 'promote', shard: 's1', node: 'n3', failed: 'n1', electionEpoch: 3, fromReplId, offset: 11, mode: 'auto' }).config;
    const promotedAt = (fromReplId: string) => {
      const r = node.step(structuredClone(replica), { type: 'message', from: 'n2', message: { t: 'cfg', config: promote(fromReplId) } }, env('n3', 50));
      const o = r.effects.map((e) => (e.type === 'observe' ? (e.observation as { event?: string; offset?: number }) : null)).find((x) => x?.event === 'promoted');
      return o?.offset;
    };
    expect(promotedAt('n1@1')).toBe(12);
    // Had it followed another stream since its election, only the election's offset in the old stream is known.
    expect(promotedAt('n1@0')).toBe(11);
  });

  it('answers a request with MOVED, or TRYAGAIN while it holds no lease', () => {
    const primary = started('n1').state;
    const otherKey = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => keySlot(k) >= r2.start)!;
    const mine = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => keySlot(k) <= r1.end)!;
    const moved = node.step(primary, { type: 'message', from: 'c1', message: { t: 'req', send: 1, asking: false, op: { op: 'get', key: otherKey }, client: 1, seq: 1 } }, env('n1', 5));
    expect(moved.effects).toContainEqual(expect.objectContaining({ type: 'send', to: 'c1', message: expect.objectContaining({ r: { k: 'moved', slot: keySlot(otherKey), node: 'n2' } }) }));
    const noLease = node.step(moved.state, { type: 'message', from: 'c1', message: { t: 'req', send: 2, asking: false, op: { op: 'get', key: mine }, client: 1, seq: 2 } }, env('n1', 6));
    expect(noLease.effects).toContainEqual(expect.objectContaining({ type: 'send', to: 'c1', message: expect.objectContaining({ r: { k: 'tryagain', slot: keySlot(mine), reason: 'not-serving' } }) }));
  });
});
