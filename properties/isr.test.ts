/**
 * Each ISR checker fires on the history it forbids (hand-made observations over a hand-made world),
 * and stays quiet on its allowed neighbour. Real runs that break them are in scenarios/isr.test.ts
 * (the known bugs); the liveness checker is shown firing on a real run with a wedged broker.
 */
import { describe, expect, it } from 'vitest';
import type { Env, Input } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { configFor } from '../sim/run.ts';
import { runWorld } from '../sim/kernel.ts';
import {
  ackedOnMinIsr,
  ackedWriteDurable,
  assignmentReplicationFactor,
  consumedNeverTruncated,
  fenceBeforeMove,
  hwMonotonic,
  isrLiveness,
  isrLogAgreement,
  leaderPerEpoch,
  type IsrCheckOptions,
} from '../checkers/isr.ts';
import { isrCrashScenario } from '../scenarios/isr.ts';
import type { IsrObservation, LogRecord, MetadataImage, MetadataRecord, PartitionState } from '../core/isr/types.ts';

const options: IsrCheckOptions = { topic: 'events', partitions: 1, replicationFactor: 3, virtualNodes: 128, minInsyncReplicas: 2, uncleanAllowed: false };

const records = (...ids: string[]): LogRecord[] => ids.map((id) => ({ epoch: 0, id }));

/** A world of brokers each holding a log of partition 0 (and, optionally, a controller with an image). */
function world(logs: Record<string, { log: LogRecord[]; isr?: string[]; role?: string }>, image?: MetadataImage): WorldView {
  const nodes: NodeView[] = Object.entries(logs).map(([id, r]) => ({
    id,
    role: 'broker',
    status: 'up',
    incarnation: 0,
    disk: {},
    state: { started: true, replicas: [{ partition: 0, log: r.log, isr: r.isr ?? Object.keys(logs), role: r.role ?? 'follower', leaderEpoch: 0 }] },
  }));
  if (image !== undefined) nodes.push({ id: 'k1', role: 'controller', status: 'up', incarnation: 0, disk: {}, state: { activeSinceMs: 0, raft: { sm: image } } });
  return { nowMs: 0, eventIndex: 0, phase: 'faulty', nodes, node: (id) => nodes.find((n) => n.id === id)! };
}

/** Feed observations (node, observation) in order; the first violation message, or null. */
function feed(checker: InvariantChecker, w: WorldView, events: [string, IsrObservation][]): string | null {
  for (const [node, o] of events) {
    const m = checker.onObservation?.(node, o, w);
    if (m) return m;
  }
  return checker.atEnd?.(w) || null;
}

const hw = (partition: number, leaderEpoch: number, previous: number, to: number): IsrObservation => ({ type: 'hw', broker: 'b1', partition, leaderEpoch, hw: to, previous });
const leaderOf = (broker: string, leaderEpoch: number, h = 0): IsrObservation => ({ type: 'partitionLeader', broker, partition: 0, leaderEpoch, leo: 0, hw: h, unclean: false });
const acked = (offset: number, id: string, leaderEpoch = 0): IsrObservation => ({ type: 'ackedAll', broker: 'b1', partition: 0, offset, id, leaderEpoch, isr: ['b1', 'b2'] });

describe('ISR checkers fire', () => {
  it('hw-monotonic: a HW going down within one leader epoch', () => {
    const w = world({});
    expect(feed(hwMonotonic(), w, [['b1', hw(0, 1, 0, 5)], ['b1', hw(0, 1, 5, 7)], ['b2', hw(0, 2, 0, 3)]])).toBeNull();
    expect(feed(hwMonotonic(), w, [['b1', hw(0, 1, 0, 5)], ['b1', hw(0, 1, 2, 3)]])).toMatch(/from 5 .* down to 3/);
    // A leader restarting in the same epoch from a lower HW.
    expect(feed(hwMonotonic(), w, [['b1', leaderOf('b1', 1, 0)], ['b1', hw(0, 1, 0, 5)], ['b1', leaderOf('b1', 1, 2)]])).toMatch(/leads from HW 2/);
  });

  it('leader-per-epoch: two brokers leading one epoch, or the metadata naming two', () => {
    const w = world({});
    expect(feed(leaderPerEpoch(), w, [['b1', leaderOf('b1', 1)], ['b2', leaderOf('b2', 2)]])).toBeNull();
    expect(feed(leaderPerEpoch(), w, [['b1', leaderOf('b1', 1)], ['b2', leaderOf('b2', 1)]])).toMatch(/two leaders in epoch 1: b1 and b2/);
    const change = (leader: string): IsrObservation => ({
      type: 'metadataCommitted',
      controller: 'k1',
      version: 3,
      records: [{ type: 'partitionChange', reason: 'test', state: { partition: 0, replicas: [], target: [], isr: [], leader, leaderEpoch: 4, partitionEpoch: 9, unclean: false } }],
    });
    expect(feed(leaderPerEpoch(), w, [['k1', change('b1')], ['k1', change('b3')]])).toMatch(/names two leaders of partition 0 in epoch 4/);
  });

  it('fence-before-move: a partition moved off a broker the batch has not fenced', () => {
    const state: PartitionState = { partition: 0, replicas: ['b1', 'b2', 'b3'], target: ['b1', 'b2', 'b3'], isr: ['b2', 'b3'], leader: 'b2', leaderEpoch: 1, partitionEpoch: 1, unclean: false };
    const batch = (...records: MetadataRecord[]): [string, IsrObservation][] => [['k1', { type: 'metadataCommitted', controller: 'k1', version: 4, records }]];
    const moved: MetadataRecord = { type: 'partitionChange', state, reason: 'leader b1 fenced' };
    expect(feed(fenceBeforeMove(), world({}), batch({ type: 'fenceBroker', broker: 'b1', reason: 'dead' }, moved))).toBeNull();
    expect(feed(fenceBeforeMove(), world({}), batch({ type: 'registerBroker', broker: 'b1', incarnation: 2 }, moved))).toBeNull();
    expect(feed(fenceBeforeMove(), world({}), batch(moved, { type: 'fenceBroker', broker: 'b1', reason: 'dead' }))).toMatch(/without fencing b1 first/);
    expect(feed(fenceBeforeMove(), world({}), batch({ type: 'fenceBroker', broker: 'b3', reason: 'dead' }, moved))).toMatch(/without fencing b1 first/);
  });

  it('acked-write-durable: a new leader without an acknowledged write, or a follower truncating one', () => {
    const w = world({ b1: { log: records('a', 'b') }, b2: { log: records('a') } });
    expect(feed(ackedWriteDurable(options), w, [['b1', acked(1, 'b')], ['b1', leaderOf('b1', 1)]])).toBeNull();
    expect(feed(ackedWriteDurable(options), w, [['b1', acked(1, 'b')], ['b2', leaderOf('b2', 1)]])).toMatch(/b2 became leader .* without the acks=all write b at offset 1/);
    // Acknowledged in epoch 3: a zombie leader of epoch 2 need not have it, but the last leader must.
    const zombie = world({ b1: { log: records('a', 'b') }, b2: { log: records('a'), role: 'leader' } });
    expect(feed(ackedWriteDurable(options), zombie, [['b1', acked(1, 'b', 3)], ['b2', leaderOf('b2', 2)]])).toMatch(/at the end, the leader b2/);
    const truncated: IsrObservation = { type: 'truncated', broker: 'b3', partition: 0, fromOffset: 1, ids: ['b'], committed: 0, reason: 'divergence', leaderEpoch: 1 };
    expect(feed(ackedWriteDurable(options), world({ b1: { log: records('a', 'b'), role: 'leader' } }), [['b1', acked(1, 'b')], ['b3', truncated]])).toMatch(/b3 truncated the acks=all write b/);
    // With unclean elections allowed, a partition that had one is not held to it.
    const unclean: IsrObservation = { type: 'uncleanElection', controller: 'k1', partition: 0, leader: 'b2', leaderEpoch: 1, isr: ['b1'] };
    expect(feed(ackedWriteDurable({ ...options, uncleanAllowed: true }), w, [['b1', acked(1, 'b')], ['k1', unclean], ['b2', leaderOf('b2', 1)]])).toBeNull();
    // ... also when only the new leader tells (the controller lost its leadership before it heard the commit).
    const uncleanLeader: IsrObservation = { ...(leaderOf('b2', 1) as Extract<IsrObservation, { type: 'partitionLeader' }>), unclean: true };
    expect(feed(ackedWriteDurable({ ...options, uncleanAllowed: true }), w, [['b1', acked(1, 'b')], ['b2', uncleanLeader]])).toBeNull();
    expect(feed(ackedWriteDurable(options), w, [['b1', acked(1, 'b')], ['b2', uncleanLeader]])).toMatch(/without the acks=all write b/);
  });

  it('acked-on-min-isr: an acks=all acknowledgement with fewer copies than min.insync.replicas', () => {
    expect(feed(ackedOnMinIsr(options), world({ b1: { log: records('a') }, b2: { log: records('a') } }), [['b1', acked(0, 'a')]])).toBeNull();
    expect(feed(ackedOnMinIsr(options), world({ b1: { log: records('a') }, b2: { log: [] } }), [['b1', acked(0, 'a')]])).toMatch(/held by 1 broker\(s\) \(b1\), below min.insync.replicas=2/);
  });

  it('consumed-never-truncated: a read record truncated away, missing at a new leader, or read twice differently', () => {
    const consumed = (client: string, ids: string[]): IsrObservation => ({ type: 'consumed', client, partition: 0, fromOffset: 0, ids, broker: 'b1', leaderEpoch: 0 });
    const w = world({ b1: { log: records('a', 'b') }, b2: { log: records('a') } });
    expect(feed(consumedNeverTruncated(options), w, [['c1', consumed('c1', ['a', 'b'])], ['b1', leaderOf('b1', 1)]])).toBeNull();
    expect(feed(consumedNeverTruncated(options), w, [['c1', consumed('c1', ['a', 'b'])], ['b2', leaderOf('b2', 1)]])).toMatch(/b2 became leader .* although c1 read/);
    expect(feed(consumedNeverTruncated(options), w, [['c1', consumed('c1', ['a', 'b'])], ['c2', consumed('c2', ['a', 'x'])]])).toMatch(/c2 read .* x at offset 1 .* where c1 read .* b/);
    const truncated: IsrObservation = { type: 'truncated', broker: 'b1', partition: 0, fromOffset: 1, ids: ['b'], committed: 1, reason: 'divergence', leaderEpoch: 1 };
    expect(feed(consumedNeverTruncated(options), w, [['c1', consumed('c1', ['a', 'b'])], ['b1', truncated]])).toMatch(/b1 truncated c1 read .* b at offset 1/);
  });

  it('isr-log-agreement: a HW over records an ISR member lacks, or two records committed at one offset', () => {
    const agree = world({ b1: { log: records('a', 'b'), role: 'leader' }, b2: { log: records('a', 'b') } });
    expect(feed(isrLogAgreement(options), agree, [['b1', hw(0, 0, 0, 2)]])).toBeNull();
    const lacking = world({ b1: { log: records('a', 'b'), role: 'leader' }, b2: { log: records('a') } });
    expect(feed(isrLogAgreement(options), lacking, [['b1', hw(0, 0, 0, 2)]])).toMatch(/ISR member b2 has nothing at offset 1 where the leader has b/);
    const outside = world({ b1: { log: records('a', 'b'), role: 'leader', isr: ['b1'] }, b2: { log: records('a') } });
    expect(feed(isrLogAgreement(options), outside, [['b1', hw(0, 0, 0, 2)]])).toBeNull();
    const checker = isrLogAgreement(options);
    expect(feed(checker, world({ b1: { log: records('a', 'b'), isr: ['b1'] } }), [['b1', hw(0, 0, 0, 2)]])).toBeNull();
    expect(feed(checker, world({ b1: { log: records('a', 'x'), isr: ['b1'] } }), [['b1', hw(0, 1, 1, 2)]])).toMatch(/two records committed at one offset/);
  });

  it('assignment-replication-factor: a partition on too few brokers, or not where the ring puts it', () => {
    const ring = ['b1', 'b2', 'b3'];
    const base: PartitionState = { partition: 0, replicas: [], target: [], isr: [], leader: null, leaderEpoch: 0, partitionEpoch: 0, unclean: false };
    const image = (p: Partial<PartitionState>): MetadataImage => ({ version: 5, brokers: [], ring, partitions: [{ ...base, ...p }] });
    const committed: [string, IsrObservation][] = [['k1', { type: 'metadataCommitted', controller: 'k1', version: 5, records: [] }]];
    const ok = assignmentReplicationFactor(options, () => [['b2', 'b3', 'b1']]);
    expect(feed(ok, world({}, image({ target: ['b2', 'b3', 'b1'], replicas: ['b2', 'b3', 'b1'], isr: ['b2', 'b3'], leader: 'b2' })), committed)).toBeNull();
    const short = assignmentReplicationFactor(options, () => [['b2', 'b3']]);
    expect(feed(short, world({}, image({ target: ['b2', 'b3'], replicas: ['b2', 'b3'], isr: ['b2'], leader: 'b2' })), committed)).toMatch(/2 assigned brokers \(b2,b3\), not 3/);
    expect(feed(ok, world({}, image({ target: ['b1', 'b2', 'b3'], replicas: ['b1', 'b2', 'b3'], isr: ['b2'], leader: 'b2' })), committed)).toMatch(/the hash ring says b2,b3,b1/);
    expect(feed(ok, world({}, image({ target: ['b2', 'b3', 'b1'], replicas: ['b2', 'b3', 'b1'], isr: ['b3'], leader: 'b2' })), committed)).toMatch(/leader b2 outside the ISR/);
  });

  it('isr-liveness: a broker wedged for good keeps a partition from its full ISR', () => {
    const config = configFor(isrCrashScenario, 1);
    const w = isrCrashScenario.build({ ...config, faults: [] });
    // b3 stops answering anything after 2 s, for the rest of the run (a crash the final heal can't mend).
    const nodes = w.nodes.map((n) =>
      n.id !== 'b3'
        ? n
        : { ...n, protocol: { ...n.protocol, step: (s: unknown, input: Input<unknown, unknown>, env: Env) => (env.nowMs > 2000 && input.type !== 'start' ? { state: s, effects: [] } : n.protocol.step(s, input, env)) } },
    );
    const r = runWorld({ ...config, faults: [] }, { ...w, nodes });
    expect(r.violation?.invariant).toBe('isr-liveness');
    expect(r.violation?.message).toMatch(/b3 fenced/);
    const healthy = runWorld({ ...config, faults: [] }, isrCrashScenario.build({ ...config, faults: [] }));
    expect(healthy.violation).toBeNull();
    expect(isrLiveness(options).kind).toBe('liveness');
  });
});
