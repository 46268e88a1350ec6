/**
 * The metadata the controllers replicate with Raft: registered brokers, the hash ring's members,
 * and every partition's replicas, ISR, leader and epochs. Applying is deliberately dumb, in the
 * manner of KRaft's metadata records: the active controller decides and validates, the state
 * machine only replays what was decided. A command applies only if the metadata is still the
 * version the controller decided on (`expectedVersion`), so two controllers that both believe
 * they lead can never both change it.
 *
 * Images are immutable: applying builds a new image and shares what didn't change, so an image
 * can be sent in a message and kept by a broker without copying.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { Json, StateMachine } from '../raft/types.ts';
import type { BrokerRegistration, MetadataCommand, MetadataImage, MetadataQuery, MetadataRecord, MetadataResult, PartitionState } from './types.ts';

export const emptyImage: MetadataImage = { version: 0, brokers: [], ring: [], partitions: [] };

function byId<T extends { readonly id: NodeId }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort();
}

export function brokerOf(image: MetadataImage, id: NodeId): BrokerRegistration | undefined {
  return image.brokers.find((b) => b.id === id);
}

/** Registered, not fenced. */
export function isActiveBroker(image: MetadataImage, id: NodeId): boolean {
  const b = brokerOf(image, id);
  return b !== undefined && !b.fenced;
}

function withBroker(image: MetadataImage, broker: BrokerRegistration): MetadataImage {
  const brokers = image.brokers.filter((b) => b.id !== broker.id);
  brokers.push(broker);
  brokers.sort(byId);
  const inRing = !broker.leaving;
  const ring = inRing ? sortedIds(new Set([...image.ring, broker.id])) : image.ring.filter((id) => id !== broker.id);
  return { ...image, brokers, ring };
}

/** One record applied to an image (the version is the command's business). */
export function applyRecord(image: MetadataImage, record: MetadataRecord): MetadataImage {
  switch (record.type) {
    case 'registerBroker': {
      const before = brokerOf(image, record.broker);
      return withBroker(image, { id: record.broker, incarnation: record.incarnation, fenced: true, leaving: before?.leaving ?? false });
    }
    case 'fenceBroker':
    case 'unfenceBroker':
    case 'leaveBroker': {
      const before = brokerOf(image, record.broker);
      if (before === undefined) throw new Error(`metadata: ${record.type} of unregistered broker ${record.broker}`);
      const after =
        record.type === 'leaveBroker' ? { ...before, leaving: true } : { ...before, fenced: record.type === 'fenceBroker' };
      return withBroker(image, after);
    }
    case 'createTopic':
      if (image.partitions.length > 0) throw new Error('metadata: the topic exists already');
      return { ...image, partitions: record.partitions };
    case 'partitionChange': {
      const p = record.state.partition;
      if (p < 0 || p >= image.partitions.length) throw new Error(`metadata: change of unknown partition ${p}`);
      const partitions = image.partitions.slice();
      partitions[p] = record.state;
      return { ...image, partitions };
    }
    default: {
      const unknown: never = record;
      throw new Error(`metadata: unknown record ${JSON.stringify(unknown)}`);
    }
  }
}

export function applyRecords(image: MetadataImage, records: readonly MetadataRecord[]): MetadataImage {
  let next = image;
  for (const r of records) next = applyRecord(next, r);
  return next;
}

export const metadataStateMachine: StateMachine<MetadataImage, MetadataCommand, MetadataQuery, MetadataResult> = {
  name: 'isr-metadata',
  init: () => emptyImage,
  apply(state, command) {
    if (command.expectedVersion !== state.version) return { state, result: { ok: false, version: state.version } };
    const next = { ...applyRecords(state, command.records), version: state.version + 1 };
    return { state: next, result: { ok: true, version: next.version } };
  },
  query: (state) => ({ ok: true, version: state.version }),
  snapshot: (state) => JSON.parse(JSON.stringify(state)) as Json,
  restore: (snapshot) => JSON.parse(JSON.stringify(snapshot)) as MetadataImage,
};

/** The partition's state with some fields changed and its partition epoch bumped (and leader epoch, when the leader changes). */
export function changePartition(p: PartitionState, change: Partial<Omit<PartitionState, 'partition' | 'leaderEpoch' | 'partitionEpoch'>>): PartitionState {
  const leaderChanged = change.leader !== undefined && change.leader !== p.leader;
  return {
    ...p,
    ...change,
    isr: change.isr !== undefined ? sortedIds(change.isr) : p.isr,
    leaderEpoch: leaderChanged ? p.leaderEpoch + 1 : p.leaderEpoch,
    partitionEpoch: p.partitionEpoch + 1,
    unclean: leaderChanged ? (change.unclean ?? false) : p.unclean,
  };
}
