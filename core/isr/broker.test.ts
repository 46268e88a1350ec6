/**
 * One broker stepped by hand: metadata in, produce/fetch/epoch requests in, effects out.
 */
import { describe, expect, it } from 'vitest';
import type { Effect, Env, Input } from '../contract/protocol.ts';
import { applyDiskWrite } from '../contract/disk.ts';
import { Stream } from '../contract/rng.ts';
import { createBrokerProtocol, type BrokerTimers } from './broker.ts';
import { applyRecords, emptyImage } from './metadata.ts';
import { BROKER_FILE, HW_FILE, brokerRecord, hwRecord, logFile, logRecord } from './storage.ts';
import { SWIM_FILE } from './membership.ts';
import type { BrokerCommand, BrokerObservation, BrokerState, IsrConfig, IsrMessage, MetadataImage, MetadataRecord, PartitionState } from './types.ts';

type Fx = Effect<IsrMessage, unknown, BrokerObservation>;
type BrokerInput = Input<IsrMessage, never, BrokerTimers>;

function harness(self: string, config: Partial<IsrConfig> = {}, disk: Record<string, string[]> = {}) {
  const protocol = createBrokerProtocol({ controllers: ['k1'], brokers: ['b1', 'b2', 'b3'], partitions: 1, minInsyncReplicas: 2, replicaLagTimeMaxMs: 300, ...config });
  const env = { self, nowMs: 0, rng: new Stream(1, `node/${self}`) } as Env & { nowMs: number };
  let state = protocol.init(self, env);
  const step = (input: BrokerInput): Fx[] => {
    const r = protocol.step(state, input, env);
    state = r.state;
    for (const e of r.effects) if (e.type === 'persist') applyDiskWrite(disk, e.write);
    return r.effects as Fx[];
  };
  step({ type: 'start', durable: structuredClone(disk) });
  return {
    disk,
    get state(): BrokerState {
      return state;
    },
    at(ms: number) {
      env.nowMs = ms;
      return this;
    },
    msg: (from: string, message: IsrMessage) => step({ type: 'message', from, message }),
    bytes: (from: string, message: Uint8Array) => step({ type: 'message', from, message: message as unknown as IsrMessage }),
    command: (commandId: number, command: BrokerCommand) => step({ type: 'command', commandId, command } as unknown as BrokerInput),
    timer: (timer: BrokerTimers) => step({ type: 'timer', timer }),
    restart: () => step({ type: 'start', durable: structuredClone(disk) }),
  };
}

const sent = (fx: Fx[], type: IsrMessage['type']) => fx.filter((e) => e.type === 'send' && e.message.type === type).map((e) => (e as Extract<Fx, { type: 'send' }>).message);
const seen = (fx: Fx[], type: BrokerObservation['type']) => fx.filter((e) => e.type === 'observe' && e.observation.type === type).map((e) => (e as Extract<Fx, { type: 'observe' }>).observation);

function imageWith(p: Partial<PartitionState>, version = 1, incarnation = 1): MetadataImage {
  const records: MetadataRecord[] = [];
  for (const b of ['b1', 'b2', 'b3']) records.push({ type: 'registerBroker', broker: b, incarnation }, { type: 'unfenceBroker', broker: b });
  const state: PartitionState = { partition: 0, replicas: ['b1', 'b2', 'b3'], target: ['b1', 'b2', 'b3'], isr: ['b1', 'b2', 'b3'], leader: 'b1', leaderEpoch: 0, partitionEpoch: 0, unclean: false, ...p };
  return { ...applyRecords(emptyImage, [...records, { type: 'createTopic', partitions: [state] }]), version };
}

const produce = (requestId: number, id: string, acks: 'one' | 'all'): IsrMessage => ({ type: 'produce', requestId, partition: 0, id, acks });
const fetch = (requestId: number, fetchOffset: number, leaderEpoch = 0): IsrMessage => ({ type: 'fetch', requestId, partition: 0, leaderEpoch, fetchOffset });

describe('a partition leader', () => {
  it('acknowledges acks=1 at once and acks=all once every ISR member has the record (the HW passed it)', () => {
    const b = harness('b1');
    b.msg('k1', { type: 'metadataPush', image: imageWith({ isr: ['b1', 'b2'] }) });
    const one = b.msg('p1', produce(1, 'p1-1', 'one'));
    expect(sent(one, 'produceResponse')).toEqual([expect.objectContaining({ offset: 0, error: null })]);
    // Persisted before the answer.
    expect(one.findIndex((e) => e.type === 'persist')).toBeLessThan(one.findIndex((e) => e.type === 'send'));
    expect(sent(b.msg('p1', produce(2, 'p1-2', 'all')), 'produceResponse')).toEqual([]);
    // b3 is outside the ISR: its fetch moves nothing (it asks for b3 to join, which then counts too).
    const b3 = b.msg('b3', fetch(1, 2));
    expect(sent(b3, 'produceResponse')).toEqual([]);
    expect(sent(b3, 'alterPartition')).toEqual([expect.objectContaining({ isr: ['b1', 'b2', 'b3'] })]);
    const caughtUp = b.msg('b2', fetch(1, 2));
    expect(seen(caughtUp, 'hw')).toEqual([expect.objectContaining({ hw: 2, previous: 0 })]);
    expect(sent(caughtUp, 'produceResponse')).toEqual([expect.objectContaining({ requestId: 2, offset: 1, error: null })]);
    expect(seen(caughtUp, 'ackedAll')).toEqual([expect.objectContaining({ offset: 1, id: 'p1-2', isr: ['b1', 'b2', 'b3'] })]);
  });

  it('refuses acks=all with NotEnoughReplicas when the ISR is below min.insync.replicas (unless the bug is on)', () => {
    const b = harness('b1');
    b.msg('k1', { type: 'metadataPush', image: imageWith({ isr: ['b1'] }) });
    expect(sent(b.msg('p1', produce(1, 'p1-1', 'all')), 'produceResponse')).toEqual([expect.objectContaining({ offset: null, error: 'notEnoughReplicas' })]);
    expect(b.state.replicas[0]!.log).toEqual([]);
    const bugged = harness('b1', { bug: 'ack-below-min-isr' });
    bugged.msg('k1', { type: 'metadataPush', image: imageWith({ isr: ['b1'] }) });
    const fx = bugged.msg('p1', produce(1, 'p1-1', 'all'));
    expect(sent(fx, 'produceResponse')).toEqual([expect.objectContaining({ offset: 0, error: null })]);
    expect(seen(fx, 'ackedAll')).toHaveLength(1);
  });

  it('advances the HW from a follower outside the ISR only with the hw-from-outside-isr bug', () => {
    for (const bug of [null, 'hw-from-outside-isr'] as const) {
      const b = harness('b1', { bug });
      b.msg('k1', { type: 'metadataPush', image: imageWith({ isr: ['b1', 'b2'] }) });
      b.msg('p1', produce(1, 'p1-1', 'all'));
      b.msg('b3', fetch(1, 1));
      expect(b.state.replicas[0]!.hw).toBe(bug === null ? 0 : 1);
    }
  });

  it('asks the controller to shrink the ISR after replica.lag.time.max, and to grow it back once the follower reached the HW', () => {
    const b = harness('b1');
    b.msg('k1', { type: 'metadataPush', image: imageWith({}) });
    b.at(10).msg('b2', fetch(1, 0));
    b.at(10).msg('b3', fetch(1, 0));
    b.at(20).msg('p1', produce(1, 'p1-1', 'one'));
    b.at(100).msg('b2', fetch(2, 1));
    const shrink = b.at(400).timer('tick');
    expect(sent(shrink, 'alterPartition')).toEqual([expect.objectContaining({ isr: ['b1', 'b2'], leaderEpoch: 0, partitionEpoch: 0 })]);
    b.msg('k1', { type: 'alterPartitionResponse', requestId: (sent(shrink, 'alterPartition')[0] as { requestId: number }).requestId, partition: 0, ok: true, state: { ...imageWith({}).partitions[0]!, isr: ['b1', 'b2'], partitionEpoch: 1 } });
    expect(b.state.replicas[0]!.isr).toEqual(['b1', 'b2']);
    const grow = b.at(450).msg('b3', fetch(2, 1));
    expect(sent(grow, 'alterPartition')).toEqual([expect.objectContaining({ isr: ['b1', 'b2', 'b3'], partitionEpoch: 1 })]);
  });

  it('answers OffsetsForLeaderEpoch with where the asked epoch ends in its log', () => {
    const b = harness('b1');
    b.msg('k1', { type: 'metadataPush', image: imageWith({}) });
    b.msg('p1', produce(1, 'a', 'one'));
    b.msg('p1', produce(2, 'b', 'one'));
    b.msg('k1', { type: 'metadataPush', image: imageWith({ leaderEpoch: 3, partitionEpoch: 1 }, 2) });
    b.msg('p1', produce(3, 'c', 'one'));
    const fx = b.msg('b2', { type: 'offsetsForLeaderEpoch', requestId: 9, partition: 0, leaderEpoch: 3, epoch: 1 });
    expect(sent(fx, 'offsetsForLeaderEpochResponse')).toEqual([expect.objectContaining({ epoch: 0, endOffset: 2, error: null })]);
    const stale = b.msg('b2', { type: 'offsetsForLeaderEpoch', requestId: 10, partition: 0, leaderEpoch: 2, epoch: 1 });
    expect(sent(stale, 'offsetsForLeaderEpochResponse')).toEqual([expect.objectContaining({ error: 'fencedLeaderEpoch' })]);
  });

  it('serves consumers only what is below the HW', () => {
    const b = harness('b1');
    b.msg('k1', { type: 'metadataPush', image: imageWith({ isr: ['b1', 'b2'] }) });
    b.msg('p1', produce(1, 'a', 'one'));
    b.msg('p1', produce(2, 'b', 'one'));
    b.msg('b2', fetch(1, 1));
    const fx = b.msg('c1', { type: 'consumerFetch', requestId: 1, partition: 0, offset: 0 });
    expect(sent(fx, 'consumerFetchResponse')).toEqual([expect.objectContaining({ ids: ['a'], hw: 1 })]);
  });
});

describe('a follower', () => {
  const diverged = () => ({ [logFile(0)]: [logRecord(0, { epoch: 0, id: 'a' }), logRecord(1, { epoch: 0, id: 'b' }), logRecord(2, { epoch: 0, id: 'x' })], [HW_FILE]: [hwRecord({ '0': 1 })] });

  it('truncates exactly its divergent suffix on the leader\'s OffsetsForLeaderEpoch answer, then fetches', () => {
    const b = harness('b2', {}, diverged());
    const follow = b.msg('k1', { type: 'metadataPush', image: imageWith({ leaderEpoch: 1 }) });
    expect(sent(follow, 'offsetsForLeaderEpoch')).toEqual([expect.objectContaining({ leaderEpoch: 1, epoch: 0 })]);
    const requestId = (sent(follow, 'offsetsForLeaderEpoch')[0] as { requestId: number }).requestId;
    const fx = b.msg('b1', { type: 'offsetsForLeaderEpochResponse', requestId, partition: 0, leaderEpoch: 1, epoch: 0, endOffset: 2, error: null });
    expect(seen(fx, 'truncated')).toEqual([expect.objectContaining({ fromOffset: 2, ids: ['x'], committed: 0, reason: 'divergence' })]);
    expect(sent(fx, 'fetch')).toEqual([expect.objectContaining({ fetchOffset: 2, leaderEpoch: 1 })]);
    expect(b.disk[logFile(0)]).toHaveLength(2);
  });

  it('with the truncate-to-hw bug, drops everything above its HW checkpoint at restart instead', () => {
    const b = harness('b2', { bug: 'truncate-to-hw' }, diverged());
    expect(b.state.replicas[0]!.log.map((r) => r.id)).toEqual(['a']);
    expect(b.disk[logFile(0)]).toHaveLength(1);
  });

  it('appends fetched records to disk before fetching again, and takes the HW from the leader', () => {
    const b = harness('b2');
    const follow = b.msg('k1', { type: 'metadataPush', image: imageWith({}) });
    const epochReq = sent(follow, 'offsetsForLeaderEpoch')[0] as { requestId: number };
    const f1 = b.msg('b1', { type: 'offsetsForLeaderEpochResponse', requestId: epochReq.requestId, partition: 0, leaderEpoch: 0, epoch: -1, endOffset: 0, error: null });
    const req = sent(f1, 'fetch')[0] as { requestId: number };
    const fx = b.msg('b1', { type: 'fetchResponse', requestId: req.requestId, partition: 0, leaderEpoch: 0, fetchOffset: 0, records: [{ epoch: 0, id: 'a' }, { epoch: 0, id: 'b' }], hw: 1, error: null });
    const kinds = fx.map((e) => (e.type === 'send' ? `send:${e.message.type}` : e.type));
    expect(kinds).toEqual(['persist', 'persist', 'send:fetch']);
    expect(sent(fx, 'fetch')).toEqual([expect.objectContaining({ fetchOffset: 2 })]);
    expect(b.state.replicas[0]!.hw).toBe(1);
  });
});

describe('a broker restarting', () => {
  it('keeps its log up to a torn record, bumps its incarnation, and acts on no metadata of its previous life', () => {
    const disk = { [logFile(0)]: [logRecord(0, { epoch: 0, id: 'a' }), logRecord(1, { epoch: 0, id: 'b' }).slice(0, 12)] };
    const b = harness('b1', {}, disk);
    expect(b.state.replicas[0]!.log.map((r) => r.id)).toEqual(['a']);
    expect(b.disk[logFile(0)]).toHaveLength(1);
    expect(b.state.incarnation).toBe(1);
    b.restart();
    expect(b.state.incarnation).toBe(2);
    // An image that registers incarnation 1 only: stored, not acted on.
    const fx = b.msg('k1', { type: 'metadataPush', image: imageWith({}) });
    expect(seen(fx, 'partitionLeader')).toEqual([]);
    expect(seen(b.msg('k1', { type: 'metadataPush', image: imageWith({ leaderEpoch: 1 }, 2, 2) }), 'partitionLeader')).toHaveLength(1);
  });
});

describe("a broker's SWIM member", () => {
  const bytesSent = (fx: Fx[]) => fx.filter((e) => e.type === 'send' && (e.message as unknown) instanceof Uint8Array);
  const timers = (fx: Fx[]) => fx.filter((e) => e.type === 'setTimer').map((e) => (e as Extract<Fx, { type: 'setTimer' }>).timer);

  it('runs inside the broker: its timers under swim/, its datagrams as bytes, garbage refused without touching the broker', () => {
    const b = harness('b1');
    expect(b.state.swim.phase).toBe('member');
    expect(b.disk[SWIM_FILE]).toEqual(['1 member']);
    const tick = b.timer('swim/tick');
    expect(bytesSent(tick)).toHaveLength(1);
    expect(timers(tick)).toEqual(expect.arrayContaining(['swim/probe-timeout', 'swim/tick']));
    const before = JSON.stringify({ ...b.state, swim: null });
    const fx = b.bytes('b2', new Uint8Array([1, 2, 3]));
    expect(fx).toEqual([{ type: 'observe', observation: expect.objectContaining({ type: 'rejected', from: 'b2' }) }]);
    expect(JSON.stringify({ ...b.state, swim: null })).toBe(before);
  });

  it('joins SWIM with the cluster (persisted first), then registers; idle before', () => {
    const b = harness('b4', { brokers: ['b1', 'b2', 'b3', 'b4'], initialBrokers: ['b1', 'b2', 'b3'] });
    expect(b.state.swim.phase).toBe('idle');
    expect(sent(b.timer('registration'), 'brokerRegistration')).toEqual([]);
    const fx = b.command(7, { type: 'join' });
    expect(b.state.swim.phase).toBe('member');
    expect(bytesSent(fx).map((e) => (e as { to: string }).to).sort()).toEqual(['b1', 'b2', 'b3', 'k1']); // a join to every seed
    const kinds = fx.map((e) => (e.type === 'persist' ? `persist:${e.write.file}` : e.type === 'send' ? 'send' : e.type));
    expect(kinds.indexOf(`persist:${SWIM_FILE}`)).toBeLessThan(kinds.indexOf(`persist:${BROKER_FILE}`));
    expect(kinds.indexOf(`persist:${BROKER_FILE}`)).toBeLessThan(kinds.indexOf('reply'));
    expect(sent(fx, 'brokerRegistration')).toEqual([expect.objectContaining({ incarnation: 1, leaving: false })]);
  });

  it('joins SWIM at restart when the broker had joined but its member had not (a crash between the two writes)', () => {
    const disk = { [BROKER_FILE]: [brokerRecord({ incarnation: 1, joined: true, leaving: false })] };
    const b = harness('b4', { brokers: ['b1', 'b2', 'b3', 'b4'], initialBrokers: ['b1', 'b2', 'b3'] }, disk);
    expect(b.state.swim.phase).toBe('member');
  });

  it('leaves SWIM only once the committed metadata has moved every replica away, and then stops registering', () => {
    const b = harness('b3');
    b.msg('k1', { type: 'metadataPush', image: imageWith({}) });
    const leave = b.command(3, { type: 'leave' });
    expect(sent(leave, 'brokerRegistration')).toEqual([expect.objectContaining({ leaving: true })]);
    const leaving = (version: number, p: Partial<PartitionState>): MetadataImage => ({ ...applyRecords(imageWith(p), [{ type: 'leaveBroker', broker: 'b3' }]), version });
    // Out of the ring, but still a replica: it keeps serving, and stays a SWIM member.
    b.msg('k1', { type: 'metadataPush', image: leaving(2, { partitionEpoch: 1 }) });
    expect(b.state.swim.phase).toBe('member');
    // Reassigned away: its copy goes, then it leaves SWIM.
    const gone = b.msg('k1', { type: 'metadataPush', image: leaving(3, { replicas: ['b1', 'b2'], target: ['b1', 'b2'], isr: ['b1', 'b2'], partitionEpoch: 2 }) });
    expect(seen(gone, 'truncated')).toEqual([]); // nothing was written to it
    expect(b.state.replicas).toEqual([]);
    expect(b.state.swim.phase).toBe('leaving');
    expect(gone).toContainEqual({ type: 'observe', observation: expect.objectContaining({ type: 'self', event: 'leave' }) });
    expect(sent(b.timer('registration'), 'brokerRegistration')).toEqual([]);
  });
});
