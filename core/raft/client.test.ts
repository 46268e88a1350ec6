import { describe, expect, it } from 'vitest';
import type { NodeId } from '../contract/protocol.ts';
import { createKvClientProtocol, kvHistory, type KvClientObservation } from './client.ts';
import { createKvRaftProtocol } from './index.ts';
import { awaitLeader, TestDriver } from './testing.ts';

const servers = ['n1', 'n2', 'n3'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDriver = TestDriver<any, any, any, any, any>;

function world(clientConfig: Partial<Parameters<typeof createKvClientProtocol>[0]> = {}, seed = 1): AnyDriver {
  const d: AnyDriver = new TestDriver(seed);
  const server = createKvRaftProtocol({ voters: servers });
  for (const id of servers) d.add(id, server);
  const client = createKvClientProtocol({ servers, ...clientConfig });
  d.add('c1', client);
  return d;
}

function clientObservations(d: AnyDriver): KvClientObservation[] {
  return d.observations.filter((r) => r.node.startsWith('c')).map((r) => r.observation as KvClientObservation);
}

describe('kv client', () => {
  it('runs commanded operations against the leader and records invoke/ok pairs', () => {
    const d = world();
    awaitLeader(d, servers);
    const put = d.command('c1', { type: 'op', op: { op: 'put', key: 'k', value: '1' } });
    const get = d.command('c1', { type: 'op', op: { op: 'get', key: 'k' } });
    const cas = d.command('c1', { type: 'op', op: { op: 'cas', key: 'k', expected: '1', value: '2' } });
    d.runFor(500);
    expect(d.replyTo(put)).toEqual({ type: 'done', opId: 1, outcome: 'ok', output: null });
    expect(d.replyTo(get)).toEqual({ type: 'done', opId: 2, outcome: 'ok', output: '1' });
    expect(d.replyTo(cas)).toEqual({ type: 'done', opId: 3, outcome: 'ok', output: true });
    const kinds = clientObservations(d).map((o) => `${o.kind}:${o.opId}`);
    expect(kinds).toEqual(['invoke:1', 'ok:1', 'invoke:2', 'ok:2', 'invoke:3', 'ok:3']);
  });

  it('follows the NotLeader hint', () => {
    const d = world();
    const leader = awaitLeader(d, servers);
    const first = servers.find((s) => s !== leader) as NodeId;
    d.state('c1').leaderGuess = first;
    d.command('c1', { type: 'op', op: { op: 'put', key: 'k', value: '1' } });
    d.runFor(100);
    const sent = d.delivered.filter((m) => m.from === 'c1').map((m) => m.to);
    expect(sent).toEqual([first, leader]);
    expect(clientObservations(d).at(-1)).toMatchObject({ kind: 'ok', attempts: 2 });
  });

  it('retries a timed-out write elsewhere with the same sequence number, and it executes once', () => {
    const d = world({ requestTimeoutMs: 100 });
    const leader = awaitLeader(d, servers);
    d.state('c1').leaderGuess = leader;
    // Lose the first answer: the write was applied, the client does not know.
    let dropped = 0;
    d.dropIf = (from, to) => from === leader && to === 'c1' && dropped++ === 0;
    d.command('c1', { type: 'op', op: { op: 'append', key: 'k', value: 'x' } });
    d.runFor(1_000);
    const requests = d.delivered.filter((m) => m.from === 'c1').map((m) => m.message.request.command);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(requests.map((r) => `${r.client}/${r.seq}`)).size).toBe(1);
    expect(d.state(leader).sm.data).toEqual({ k: 'x' });
    expect(clientObservations(d).at(-1)).toMatchObject({ kind: 'ok' });
  });

  it('gives up after maxAttempts: info for a write that may have run, fail for a read', () => {
    const d = world({ requestTimeoutMs: 50, maxAttempts: 3 });
    awaitLeader(d, servers);
    d.isolate('c1');
    const w = d.command('c1', { type: 'op', op: { op: 'put', key: 'k', value: '1' } });
    const r = d.command('c1', { type: 'op', op: { op: 'get', key: 'k' } });
    d.runFor(1_000);
    expect(d.replyTo(w)).toEqual({ type: 'done', opId: 1, outcome: 'info' });
    expect(d.replyTo(r)).toEqual({ type: 'done', opId: 2, outcome: 'fail' });
    const obs = clientObservations(d);
    expect(obs.filter((o) => o.kind === 'info')).toEqual([expect.objectContaining({ client: 1, opId: 1, returnMs: null, attempts: 3 })]);
    // After an unknown outcome the client is a new history process.
    expect(obs.filter((o) => o.kind === 'invoke').map((o) => o.client)).toEqual([1, 1001]);
  });

  it('generates a closed-loop random workload from its own PRNG stream, deterministically', () => {
    const histories = [1, 1, 2].map((seed) => {
      const d = world({ workload: { operations: 40, keys: ['a', 'b'], thinkMsMin: 0, thinkMsMax: 20 } }, seed);
      d.runFor(6_000);
      return kvHistory(d.observations.map((r) => r.observation));
    });
    expect(histories[0]!.operations).toHaveLength(40);
    expect(histories[0]).toEqual(histories[1]);
    expect(histories[0]).not.toEqual(histories[2]);
    expect(new Set(histories[0]!.operations.map((o) => o.op))).toEqual(new Set(['get', 'put', 'append', 'cas']));
  });
});

describe('kvHistory', () => {
  it('maps observations onto the checker format', () => {
    const base = { client: 3, atMs: 0 };
    const history = kvHistory([
      { ...base, kind: 'invoke', opId: 1, op: 'put', key: 'k1', value: '4', atMs: 120 },
      { ...base, kind: 'ok', opId: 1, op: 'put', key: 'k1', value: '4', output: null, callMs: 120, returnMs: 135, attempts: 1 },
      { ...base, client: 1, kind: 'invoke', opId: 1, op: 'cas', key: 'k1', expected: '4', value: '7', atMs: 121 },
      { ...base, client: 1, kind: 'info', opId: 1, op: 'cas', key: 'k1', expected: '4', value: '7', callMs: 121, returnMs: null, attempts: 8 },
      { ...base, client: 2, kind: 'invoke', opId: 1, op: 'get', key: 'k1', atMs: 125 },
      { ...base, client: 2, kind: 'ok', opId: 1, op: 'get', key: 'k1', output: '4', callMs: 125, returnMs: 140, attempts: 1 },
      { ...base, client: 2, kind: 'invoke', opId: 2, op: 'get', key: 'k2', atMs: 141 },
      { ...base, client: 2, kind: 'fail', opId: 2, op: 'get', key: 'k2', callMs: 141, returnMs: null, attempts: 8 },
      { ...base, client: 4, kind: 'invoke', opId: 1, op: 'cas', key: 'k2', expected: 'a', value: 'b', atMs: 150 },
      { ...base, client: 4, kind: 'ok', opId: 1, op: 'cas', key: 'k2', expected: 'a', value: 'b', output: false, callMs: 150, returnMs: 160, attempts: 1 },
      { ...base, client: 5, kind: 'invoke', opId: 1, op: 'append', key: 'k2', value: 'z', atMs: 170 }, // never completed
      { kind: 'becameLeader', node: 'n1', term: 1, lastIndex: 0 }, // not a client observation
    ]);
    expect(history).toEqual({
      model: 'kv',
      operations: [
        { client: 3, call: 120, return: 135, op: 'put', key: 'k1', value: '4' },
        { client: 1, call: 121, return: null, op: 'cas', key: 'k1', expected: '4', value: '7' },
        { client: 2, call: 125, return: 140, op: 'get', key: 'k1', output: '4' },
        { client: 4, call: 150, return: 160, op: 'cas', key: 'k2', expected: 'a', value: 'b', output: false },
        { client: 5, call: 170, return: null, op: 'append', key: 'k2', value: 'z' },
      ],
    });
  });
});
