import { describe, expect, it } from 'vitest';
import { decide, type AlterRequest, type BrokerMember, type DecideInput, type HeardBroker } from './decide.ts';
import { applyRecords, emptyImage } from './metadata.ts';
import { resolveIsrOptions } from './config.ts';
import type { IsrOptions, MetadataImage, MetadataRecord, PartitionState } from './types.ts';

const brokers = ['b1', 'b2', 'b3', 'b4'];
const opts = (over: Partial<IsrOptions> = {}) => resolveIsrOptions({ controllers: ['k1'], brokers, initialBrokers: ['b1', 'b2', 'b3'], partitions: 2, preferredLeaderCheckMs: 0, ...over });
/**
 * A stand-in for the hash ring, so the tables read plainly: each partition's brokers in a fixed
 * order of preference, the first three in the ring. Without b4 both partitions are on b2,b3,b1;
 * with it, partition 0 is on b4,b2,b3 and partition 1 on b2,b3,b4.
 */
const preference = [
  ['b4', 'b2', 'b3', 'b1'],
  ['b2', 'b3', 'b4', 'b1'],
];
const assign = (ring: readonly string[]) => preference.map((order) => order.filter((b) => ring.includes(b)).slice(0, 3));

const NOW = 10_000;
const heard = (...ids: string[]): HeardBroker[] => ids.map((id) => ({ id, incarnation: 1, leaving: false }));
/** The controller's SWIM view: every broker alive unless said otherwise; 'unknown' leaves it out. */
const view = (over: Record<string, BrokerMember['status'] | 'unknown'> = {}): BrokerMember[] =>
  brokers.flatMap((id) => {
    const status = over[id] ?? 'alive';
    return status === 'unknown' ? [] : [{ id, status }];
  });

/** A partition as the stand-in ring assigns it, in sync, led by its preferred replica, with some fields changed. */
function part(p: Partial<PartitionState> & { partition: number }): PartitionState {
  const assigned = assign(['b1', 'b2', 'b3'])[p.partition]!;
  return { replicas: assigned, target: assigned, isr: ['b1', 'b2', 'b3'], leader: assigned[0]!, leaderEpoch: 0, partitionEpoch: 0, unclean: false, ...p };
}

/** b1..b3 registered and unfenced, the topic created with the given partitions. */
function image(partitions: PartitionState[], extra: MetadataRecord[] = []): MetadataImage {
  const records: MetadataRecord[] = [];
  for (const b of ['b1', 'b2', 'b3']) records.push({ type: 'registerBroker', broker: b, incarnation: 1 }, { type: 'unfenceBroker', broker: b });
  records.push({ type: 'createTopic', partitions }, ...extra);
  return { ...applyRecords(emptyImage, records), version: 7 };
}

const input = (img: MetadataImage, over: Partial<DecideInput> = {}): DecideInput => ({
  image: img,
  heard: heard('b1', 'b2', 'b3'),
  members: view(),
  alters: [],
  nowMs: NOW,
  activeSinceMs: 0,
  membershipSinceMs: 0,
  preferredLeaderCheck: false,
  ...over,
});

const changes = (records: readonly MetadataRecord[]) => records.filter((r) => r.type === 'partitionChange').map((r) => (r as Extract<MetadataRecord, { type: 'partitionChange' }>).state);

describe('what the active controller decides', () => {
  it('registers and unfences brokers, then creates the topic once every initial broker is in', () => {
    const first = decide(input(emptyImage, { heard: heard('b1', 'b2') }), opts(), assign);
    expect(first.records.map((r) => r.type)).toEqual(['registerBroker', 'registerBroker', 'unfenceBroker', 'unfenceBroker']);
    const img = applyRecords(emptyImage, first.records);
    const second = decide(input(img), opts(), assign);
    expect(second.records.map((r) => r.type)).toEqual(['registerBroker', 'unfenceBroker', 'createTopic']);
    const created = second.records[2] as Extract<MetadataRecord, { type: 'createTopic' }>;
    expect(created.partitions[1]).toEqual({ partition: 1, replicas: ['b2', 'b3', 'b1'], target: ['b2', 'b3', 'b1'], isr: ['b1', 'b2', 'b3'], leader: 'b2', leaderEpoch: 0, partitionEpoch: 0, unclean: false });
  });

  it('creates the topic without a missing initial broker once the grace period is over', () => {
    const img = applyRecords(emptyImage, decide(input(emptyImage, { heard: heard('b1', 'b2', 'b4'), activeSinceMs: NOW - 100 }), opts(), assign).records);
    expect(img.partitions).toEqual([]);
    expect(decide(input(img, { heard: heard('b1', 'b2', 'b4'), activeSinceMs: NOW - 100 }), opts(), assign).records).toEqual([]);
    expect(decide(input(img, { heard: heard('b1', 'b2', 'b4'), activeSinceMs: NOW - 5000 }), opts(), assign).records.map((r) => r.type)).toEqual(['createTopic']);
  });

  it('fences a broker SWIM declared dead in the batch that moves it: out of every ISR, its leaderships to the next ISR member', () => {
    const img = image([part({ partition: 0, leader: 'b3', replicas: ['b3', 'b1', 'b2'] }), part({ partition: 1 })]);
    // Heard from or not, a broker SWIM still counts a member (alive, or only suspected) keeps its place.
    const fences = (over: Partial<DecideInput>) => decide(input(img, over), opts(), assign).records.filter((r) => r.type === 'fenceBroker');
    expect(fences({ heard: heard('b1', 'b2') })).toEqual([]);
    expect(fences({ members: view({ b3: 'suspect' }) })).toEqual([]);
    const d = decide(input(img, { members: view({ b3: 'dead' }) }), opts(), assign);
    expect(d.records[0]).toEqual({ type: 'fenceBroker', broker: 'b3', reason: 'dead' });
    expect(changes(d.records)).toEqual([
      part({ partition: 0, replicas: ['b3', 'b1', 'b2'], isr: ['b1', 'b2'], leader: 'b1', leaderEpoch: 1, partitionEpoch: 1 }),
      part({ partition: 1, isr: ['b1', 'b2'], leader: 'b2', partitionEpoch: 1 }),
    ]);
    expect(decide(input(img, { members: view({ b3: 'left' }) }), opts(), assign).records[0]).toEqual({ type: 'fenceBroker', broker: 'b3', reason: 'left' });
  });

  it('unfences a falsely declared broker once SWIM sees it alive again and it registers as the same incarnation', () => {
    const img = image([part({ partition: 0 }), part({ partition: 1 })], [{ type: 'fenceBroker', broker: 'b3', reason: 'dead' }]);
    expect(decide(input(img, { members: view({ b3: 'dead' }) }), opts(), assign).records).toEqual([]);
    // Refuted, but not heard since the declaration (its registration was forgotten): not yet.
    expect(decide(input(img, { heard: heard('b1', 'b2') }), opts(), assign).records).toEqual([]);
    expect(decide(input(img), opts(), assign).records).toEqual([{ type: 'unfenceBroker', broker: 'b3' }]);
  });

  it('fences a broker its SWIM member never heard of only after the grace period of its life and activation (the one fallback)', () => {
    const img = image([part({ partition: 0 }), part({ partition: 1 })]);
    const unknown = view({ b3: 'unknown' });
    expect(decide(input(img, { members: unknown, membershipSinceMs: NOW - 1000 }), opts(), assign).records).toEqual([]);
    expect(decide(input(img, { members: unknown, membershipSinceMs: NOW - 5000, activeSinceMs: NOW - 1000 }), opts(), assign).records).toEqual([]);
    const d = decide(input(img, { members: unknown, membershipSinceMs: NOW - 5000, activeSinceMs: NOW - 5000 }), opts(), assign);
    expect(d.records[0]).toEqual({ type: 'fenceBroker', broker: 'b3', reason: 'unknown' });
  });

  it('registers a broker only once SWIM knows it as a member (a join goes through SWIM)', () => {
    const img = image([part({ partition: 0 }), part({ partition: 1 })]);
    const all = heard('b1', 'b2', 'b3', 'b4');
    expect(decide(input(img, { heard: all, members: view({ b4: 'unknown' }) }), opts(), assign).records).toEqual([]);
    expect(decide(input(img, { heard: all }), opts(), assign).records.slice(0, 2)).toEqual([
      { type: 'registerBroker', broker: 'b4', incarnation: 1 },
      { type: 'unfenceBroker', broker: 'b4' },
    ]);
  });

  it('leaves a partition without a leader when its last ISR member is fenced (clean election)', () => {
    const img = image([part({ partition: 0, isr: ['b3'], leader: 'b3' }), part({ partition: 1 })]);
    const d = decide(input(img, { members: view({ b3: 'dead' }) }), opts(), assign);
    expect(changes(d.records)[0]).toEqual(part({ partition: 0, isr: ['b3'], leader: null, leaderEpoch: 1, partitionEpoch: 1 }));
    expect(d.unclean).toEqual([]);
  });

  it('elects an out-of-sync replica only with unclean election on, and says so', () => {
    const img = image([part({ partition: 0, isr: ['b3'], leader: 'b3' }), part({ partition: 1 })]);
    for (const o of [opts({ uncleanLeaderElection: true }), opts({ bug: 'unclean-election' })]) {
      const d = decide(input(img, { members: view({ b3: 'dead' }) }), o, assign);
      const p0 = changes(d.records).filter((p) => p.partition === 0);
      expect(p0[p0.length - 1]).toEqual(part({ partition: 0, isr: ['b2'], leader: 'b2', leaderEpoch: 2, partitionEpoch: 2, unclean: true }));
      expect(d.unclean).toEqual([{ partition: 0, leader: 'b2', leaderEpoch: 2, isr: ['b3'] }]);
    }
  });

  it('registers a restarted broker (new incarnation) fenced, moves its leaderships, then unfences it', () => {
    const img = image([part({ partition: 0, leader: 'b1' }), part({ partition: 1 })]);
    const restarted = heard('b1', 'b2', 'b3').map((h) => (h.id === 'b1' ? { ...h, incarnation: 2 } : h));
    const d = decide(input(img, { heard: restarted }), opts(), assign);
    expect(d.records.map((r) => r.type)).toEqual(['registerBroker', 'partitionChange', 'partitionChange', 'unfenceBroker']);
    expect(changes(d.records)[0]).toEqual(part({ partition: 0, isr: ['b2', 'b3'], leader: 'b2', leaderEpoch: 1, partitionEpoch: 1 }));
  });

  it('applies an AlterPartition only from the current leader at the current epochs, and only with eligible replicas', () => {
    const img = image([part({ partition: 0, isr: ['b1', 'b2'], leader: 'b1', partitionEpoch: 3 }), part({ partition: 1 })], [{ type: 'fenceBroker', broker: 'b3', reason: 'dead' }]);
    const req = (over: Partial<AlterRequest>): AlterRequest => ({ from: 'b1', requestId: 1, partition: 0, leaderEpoch: 0, partitionEpoch: 3, isr: ['b1'], ...over });
    const d = decide(
      input(img, {
        heard: heard('b1', 'b2'),
        members: view({ b3: 'dead' }),
        activeSinceMs: NOW - 100,
        alters: [req({ partitionEpoch: 2 }), req({ from: 'b2', requestId: 2 }), req({ requestId: 3, isr: ['b1', 'b2', 'b3'] }), req({ requestId: 4 })],
      }),
      opts(),
      assign,
    );
    expect(d.refused.map((r) => [r.request.requestId, r.reason])).toEqual([
      [1, 'stale partition epoch'],
      [2, 'fenced leader epoch'],
      [3, 'ineligible replica (fenced)'],
    ]);
    expect(d.accepted.map((a) => a.requestId)).toEqual([4]);
    expect(changes(d.records)).toEqual([part({ partition: 0, isr: ['b1'], leader: 'b1', partitionEpoch: 4 })]);
  });

  it('reassigns towards the ring: adds the new replica, waits for it to be in sync, then drops the old one and its leadership', () => {
    let img = image([part({ partition: 0, leader: 'b1' }), part({ partition: 1 })]);
    const all = heard('b1', 'b2', 'b3', 'b4');
    let d = decide(input(img, { heard: all }), opts(), assign);
    expect(d.records.map((r) => r.type)).toEqual(['registerBroker', 'unfenceBroker', 'partitionChange', 'partitionChange']);
    img = applyRecords(img, d.records);
    expect(img.partitions[0]).toMatchObject({ replicas: ['b4', 'b2', 'b3', 'b1'], target: ['b4', 'b2', 'b3'], leader: 'b1' });
    expect(img.partitions[1]).toMatchObject({ replicas: ['b2', 'b3', 'b4', 'b1'], target: ['b2', 'b3', 'b4'], leader: 'b2' });
    // Not in sync yet: nothing more.
    expect(decide(input(img, { heard: all }), opts(), assign).records).toEqual([]);
    // b4 joins both ISRs: the reassignments complete, and partition 0's leader b1, reassigned away, hands over.
    img = applyRecords(img, [0, 1].map((p) => ({ type: 'partitionChange' as const, state: { ...img.partitions[p]!, isr: ['b1', 'b2', 'b3', 'b4'], partitionEpoch: img.partitions[p]!.partitionEpoch + 1 }, reason: 'test' })));
    d = decide(input(img, { heard: all }), opts(), assign);
    expect(changes(d.records).map((p) => [p.replicas, p.isr, p.leader, p.leaderEpoch])).toEqual([
      [['b4', 'b2', 'b3'], ['b2', 'b3', 'b4'], 'b4', 1],
      [['b2', 'b3', 'b4'], ['b2', 'b3', 'b4'], 'b2', 0],
    ]);
  });

  it('moves leadership back to the preferred replica when it is in sync', () => {
    const img = image([part({ partition: 0, leader: 'b1' }), part({ partition: 1 })]);
    expect(decide(input(img), opts(), assign).records).toEqual([]);
    const d = decide(input(img, { preferredLeaderCheck: true }), opts(), assign);
    expect(changes(d.records)).toEqual([part({ partition: 0, leader: 'b2', leaderEpoch: 1, partitionEpoch: 1 })]);
  });
});
