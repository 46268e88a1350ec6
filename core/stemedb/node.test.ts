import { describe, expect, it } from 'vitest';
import type { Env } from '../contract/protocol.ts';
import { stemeGateway, stemeNode, type GatewayState, type StemeConfig, type StemeMessage, type StemeNodeState } from './index.ts';

const config: StemeConfig = {
  nodes: ['n1', 'n2'],
  gateways: ['g1'],
  shards: 1,
  replicationFactor: 1,
  thresholds: { splitAboveBytes: 64, mergeBelowBytes: 20 },
  tickMs: 100,
  membershipPeriodMs: 100,
  requestTimeoutMs: 250,
  maxAttempts: 5,
  bug: null,
};
const env = (self: string, nowMs = 0): Env => ({ self, nowMs, rng: { next: () => 0, int: () => 0, between: (a: number) => a } });
const sent = (effects: readonly { type: string; to?: string; message?: unknown }[]) =>
  effects.filter((e) => e.type === 'send' && !(e.message instanceof Uint8Array)).map((e) => ({ to: e.to!, message: e.message as StemeMessage }));

function boot(id: string) {
  const p = stemeNode(config);
  const s0 = p.init(id, env(id));
  return { p, state: p.step(s0, { type: 'start', durable: {} }, env(id)).state as StemeNodeState };
}

describe('a stemedb node fences requests by descriptor version', () => {
  it('serves its range, refuses it while moving and after the handoff, and the gateway follows the fresher map', () => {
    const n1 = boot('n1');
    const n2 = boot('n2');
    const request = (version: number, value: string): StemeMessage => ({ type: 'request', reqId: 1, attempt: 1, op: 'put', subject: 'a', rangeId: 's0', version, value, sizeBytes: 1 });

    // n1 owns s0@1 and serves it.
    let out = n1.p.step(n1.state, { type: 'message', from: 'g1', message: request(1, 'x') }, env('n1'));
    expect(sent(out.effects)).toEqual([{ to: 'g1', message: { type: 'served', reqId: 1, attempt: 1, value: 'x' } }]);

    // The operator moves it to n2: while the transfer is in flight, n1 refuses.
    out = n1.p.step(n1.state, { type: 'command', commandId: 0, command: { type: 'shed', to: 'n2' } }, env('n1'));
    const transfer = sent(out.effects).find((m) => m.message.type === 'transfer')!;
    expect(transfer.to).toBe('n2');
    out = n1.p.step(n1.state, { type: 'message', from: 'g1', message: request(1, 'y') }, env('n1'));
    expect(sent(out.effects)[0]!.message).toMatchObject({ type: 'refused', reason: 'moving' });

    // n2 installs s0@2 (stamped with its clock) and acknowledges; n1 forgets the range.
    out = n2.p.step(n2.state, { type: 'message', from: 'n1', message: transfer.message }, env('n2', 500));
    const ack = sent(out.effects).find((m) => m.message.type === 'transferAck')!;
    expect(n2.state.owned.s0!.desc).toMatchObject({ version: 2, owner: 'n2', timestampMs: 500 });
    expect(n2.state.owned.s0!.data.a!.value).toBe('x');
    n1.p.step(n1.state, { type: 'message', from: 'n2', message: ack.message }, env('n1'));
    expect(n1.state.owned.s0).toBeUndefined();

    // A request at the old version: refused, with the newer descriptor to retry with.
    out = n1.p.step(n1.state, { type: 'message', from: 'g1', message: request(1, 'z') }, env('n1'));
    const refusal = sent(out.effects)[0]!.message;
    expect(refusal).toMatchObject({ type: 'refused', reason: 'not-owner' });
    expect(refusal.type === 'refused' && refusal.descs.map((d) => `${d.id}@${d.version} ${d.owner}`)).toEqual(['s0@2 n2']);

    // A late retransmission of the transfer does not take the range back to version 2 twice.
    out = n2.p.step(n2.state, { type: 'message', from: 'n1', message: transfer.message }, env('n2', 900));
    expect(n2.state.owned.s0!.desc.timestampMs).toBe(500);
    expect(sent(out.effects).map((m) => m.message.type)).toEqual(['transferAck']);

    // The gateway: its request at s0@1 is refused; it merges s0@2 and retries at n2.
    const g = stemeGateway(config);
    const gs: GatewayState = g.step(g.init('g1', env('g1')), { type: 'start', durable: {} }, env('g1')).state;
    const first = g.step(gs, { type: 'command', commandId: 7, command: { type: 'put', subject: 'a', value: 'w', sizeBytes: 1 } }, env('g1'));
    expect(sent(first.effects)[0]).toMatchObject({ to: 'n1', message: { type: 'request', rangeId: 's0', version: 1 } });
    const retry = g.step(gs, { type: 'message', from: 'n1', message: { ...(refusal as Extract<StemeMessage, { type: 'refused' }>), reqId: 7, attempt: 1 } }, env('g1'));
    expect(retry.state.cache.s0!.version).toBe(2);
    expect(sent(retry.effects)[0]).toMatchObject({ to: 'n2', message: { type: 'request', rangeId: 's0', version: 2, attempt: 2 } });
  });

  it('splits a range over the threshold at its median subject, both halves its own', () => {
    const n1 = boot('n1');
    for (const [k, subject] of ['a', 'b', 'c', 'd'].entries()) {
      n1.p.step(n1.state, { type: 'message', from: 'g1', message: { type: 'request', reqId: k + 1, attempt: 1, op: 'put', subject, rangeId: 's0', version: 1, value: subject, sizeBytes: 20 } }, env('n1'));
    }
    n1.p.step(n1.state, { type: 'timer', timer: 'steme/tick' }, env('n1'));
    const out = n1.p.step(n1.state, { type: 'timer', timer: 'steme/tick' }, env('n1', 200)); // maintenance runs every other tick
    const installed = out.effects.flatMap((e) => (e.type === 'observe' && (e.observation as { type: string }).type === 'installed' ? [(e.observation as { desc: { id: string; version: number; startKey: string; endKey: string | null } }).desc] : []));
    expect(installed.map((d) => [d.id, d.version, d.startKey, d.endKey])).toEqual([
      ['s0', 2, '', 'c'],
      ['n1.1', 1, 'c', null],
    ]);
    expect(Object.keys(n1.state.owned.s0!.data)).toEqual(['a', 'b']);
    expect(Object.keys(n1.state.owned['n1.1']!.data)).toEqual(['c', 'd']);
  });
});
