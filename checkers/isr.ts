/**
 * Invariant checkers for ISR replication (core/isr), as plain functions over what the kernel shows
 * them: observations as they happen, and the nodes' states and disks at those moments.
 *
 * Safety:
 *   acked-write-durable        with clean elections, no acknowledged acks=all write is ever lost: every
 *                              new leader holds it, no follower truncates it away, the final logs hold it
 *   acked-on-min-isr           an acks=all write is acknowledged only when at least min.insync.replicas
 *                              brokers hold it
 *   consumed-never-truncated   no consumer sees a record that is later truncated: every new leader holds
 *                              what consumers read, no follower truncates it, reads at one offset agree
 *   hw-monotonic               the HW never decreases on the leader of a given leader epoch
 *   isr-log-agreement          every ISR member holds the leader's records below the HW, and an offset
 *                              below the HW never holds two different records (in any epoch)
 *   leader-per-epoch           each partition has at most one leader per leader epoch (brokers and metadata)
 *   fence-before-move          a broker SWIM declared dead (or left, or that restarted) loses its ISR places
 *                              and leaderships only in the committed batch that fences it, after the fence
 *   assignment-replication-factor  every partition's assignment is the hash ring's: exactly
 *                              replication-factor distinct brokers when the ring has that many; the
 *                              replicas hold it, the ISR is within them, the leader within the ISR
 * Liveness:
 *   isr-liveness               after the final heal, an active controller, every partition led by a live
 *                              broker, reassignments done, and the ISR back to the full replica set
 *
 * With unclean leader election on as an option (not the bug), losing data is expected: the
 * checkers that would fire on it skip partitions once they had an unclean election, and
 * `lossMeter` measures what was lost instead (`measureLoss`).
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, RunConfig, Scenario, WorldView } from '../sim/scenario.ts';
import { runWorld, type RunResult } from '../sim/kernel.ts';
import { logFile, parseLogRecord } from '../core/isr/storage.ts';
import { createAssigner, type Assign } from '../core/isr/assignment.ts';
import { isActiveBroker } from '../core/isr/metadata.ts';
import type { ControllerState } from '../core/isr/controller.ts';
import type { BrokerState, IsrObservation, MetadataImage, ReplicaState } from '../core/isr/types.ts';

export interface IsrCheckOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly virtualNodes: number;
  readonly minInsyncReplicas: number;
  /** Unclean elections are on by choice: lost data is measured, not a violation. */
  readonly uncleanAllowed: boolean;
}

// ---------------------------------------------------------------------------------------------
// Reading the world

function obs(o: unknown): IsrObservation | null {
  return typeof o === 'object' && o !== null && typeof (o as { type?: unknown }).type === 'string' ? (o as IsrObservation) : null;
}

function brokerState(n: NodeView): BrokerState | null {
  return n.role === 'broker' && n.status !== 'down' && n.state !== undefined && (n.state as BrokerState).started ? (n.state as BrokerState) : null;
}

function replicaIn(s: BrokerState | null, partition: number): ReplicaState | undefined {
  return s?.replicas.find((r) => r.partition === partition);
}

/**
 * The record id at `offset` of `broker`'s copy of the partition: from its state when it is up
 * (or paused), from its disk when it is down. undefined: no such record; null: it hosts no copy.
 */
function idAt(world: WorldView, broker: NodeId, partition: number, offset: number): string | undefined | null {
  const n = world.node(broker);
  const s = brokerState(n);
  if (s !== null) {
    const r = replicaIn(s, partition);
    return r === undefined ? null : r.log[offset]?.id;
  }
  const file = n.disk[logFile(partition)];
  if (file === undefined || file.length === 0) return null;
  const rec = file[offset];
  return rec === undefined ? undefined : (parseLogRecord(rec, offset)?.id ?? undefined);
}

function activeController(world: WorldView): { id: NodeId; image: MetadataImage } | null {
  for (const n of world.nodes) {
    if (n.role !== 'controller' || n.status !== 'up' || n.state === undefined) continue;
    const s = n.state as ControllerState;
    if (s.activeSinceMs !== null) return { id: n.id, image: s.raft.sm };
  }
  return null;
}

/** The broker leading the partition in the highest leader epoch any live broker knows. */
function currentLeader(world: WorldView, partition: number): { id: NodeId; r: ReplicaState } | null {
  let best: { id: NodeId; r: ReplicaState } | null = null;
  for (const n of world.nodes) {
    const r = replicaIn(brokerState(n), partition);
    if (r !== undefined && r.role === 'leader' && (best === null || r.leaderEpoch > best.r.leaderEpoch)) best = { id: n.id, r };
  }
  return best;
}

/**
 * What records at which offsets a history promises, per partition, each with the leader epoch of
 * the promise: every leader of a later epoch must hold it. The first promise at an offset wins.
 */
interface Promise_ {
  readonly id: string;
  readonly what: string;
  readonly epoch: number;
}

class Ledger {
  private readonly byPartition: Map<number, Map<number, Promise_>> = new Map();
  put(partition: number, offset: number, id: string, what: string, epoch: number): string | null {
    let m = this.byPartition.get(partition);
    if (m === undefined) this.byPartition.set(partition, (m = new Map()));
    const before = m.get(offset);
    if (before === undefined) {
      m.set(offset, { id, what, epoch });
      return null;
    }
    if (before.id === id) {
      if (epoch < before.epoch) m.set(offset, { id, what, epoch });
      return null;
    }
    return `${what} ${id} at offset ${offset} of partition ${partition}, where ${before.what} ${before.id}`;
  }
  get(partition: number, offset: number): Promise_ | undefined {
    return this.byPartition.get(partition)?.get(offset);
  }
  entries(partition: number): [number, Promise_][] {
    return [...(this.byPartition.get(partition) ?? new Map<number, Promise_>()).entries()].sort((a, b) => a[0] - b[0]);
  }
  clear(partition: number): void {
    this.byPartition.delete(partition);
  }
}

/** Partitions that had an unclean election (only counted when unclean elections are allowed). */
export function uncleanTracker(options: Pick<IsrCheckOptions, 'uncleanAllowed'>): { note(o: IsrObservation): void; skip(partition: number): boolean } {
  const unclean = new Set<number>();
  return {
    note(o) {
      if (!options.uncleanAllowed) return;
      // The controller says so when its proposal commits; the new leader says so too, in case that
      // controller lost its leadership before it heard the commit (and so never said it).
      if (o.type === 'uncleanElection' || (o.type === 'partitionLeader' && o.unclean)) unclean.add(o.partition);
    },
    skip: (p) => unclean.has(p),
  };
}

/** A log (the leader of `epoch`, or the last one) must hold every record promised in an earlier epoch. */
function missing(ledger: Ledger, partition: number, log: readonly { id: string }[], epoch: number): string | null {
  for (const [offset, e] of ledger.entries(partition)) {
    if (e.epoch >= epoch) continue;
    const got = log[offset]?.id;
    if (got !== e.id) return `${e.what} ${e.id} at offset ${offset}, but the log has ${got ?? 'nothing'} there`;
  }
  return null;
}

/** What a broker that just became a partition's leader lacks of the ledger's earlier-epoch promises. */
function newLeaderMissing(ledger: Ledger, world: WorldView, node: NodeId, o: Extract<IsrObservation, { type: 'partitionLeader' }>): string | null {
  const r = replicaIn(brokerState(world.node(node)), o.partition);
  return r === undefined ? null : missing(ledger, o.partition, r.log, o.leaderEpoch);
}

/** At the end: the first partition (clean elections only) whose current leader lacks a promise of the ledger. */
function finalLeaderMissing(ledger: Ledger, world: WorldView, options: IsrCheckOptions, unclean: { skip(partition: number): boolean }): { p: number; leader: { id: NodeId; r: ReplicaState }; m: string } | null {
  for (let p = 0; p < options.partitions; p++) {
    if (unclean.skip(p)) continue;
    const leader = currentLeader(world, p);
    if (leader === null) continue; // isr-liveness says so
    const m = missing(ledger, p, leader.r.log, Infinity);
    if (m !== null) return { p, leader, m };
  }
  return null;
}

/** What the records a follower truncated away did to a ledger: the first promised one it removed. */
function truncatedPromise(ledger: Ledger, o: Extract<IsrObservation, { type: 'truncated' }>): string | null {
  if (o.reason !== 'divergence') return null; // the leader has not got them (a deleted replica's records are elsewhere)
  for (let k = 0; k < o.ids.length; k++) {
    const e = ledger.get(o.partition, o.fromOffset + k);
    if (e !== undefined && e.id === o.ids[k] && e.epoch < o.leaderEpoch) return `${o.broker} truncated ${e.what} ${e.id} at offset ${o.fromOffset + k} of partition ${o.partition} to follow the leader of epoch ${o.leaderEpoch}, which lacks it`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Checkers

/** With clean election, no acknowledged acks=all write is ever lost. */
export function ackedWriteDurable(options: IsrCheckOptions): InvariantChecker {
  const acked = new Ledger();
  const unclean = uncleanTracker(options);
  return {
    name: 'acked-write-durable',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o === null) return;
      unclean.note(o);
      switch (o.type) {
        case 'ackedAll':
          if (unclean.skip(o.partition)) return;
          return acked.put(o.partition, o.offset, o.id, 'the acks=all write', o.leaderEpoch) ?? undefined;
        case 'ok':
          if (o.acks !== 'all' || unclean.skip(o.partition)) return;
          return acked.put(o.partition, o.offset, o.id, 'the acks=all write', o.leaderEpoch) ?? undefined;
        case 'partitionLeader': {
          if (unclean.skip(o.partition)) return;
          const m = newLeaderMissing(acked, world, node, o);
          if (m !== null) return `${node} became leader of partition ${o.partition} in epoch ${o.leaderEpoch} without ${m}`;
          return;
        }
        case 'truncated':
          if (unclean.skip(o.partition)) return;
          return truncatedPromise(acked, o) ?? undefined;
        default:
          return;
      }
    },
    atEnd(world) {
      const f = finalLeaderMissing(acked, world, options, unclean);
      if (f !== null) return `at the end, the leader ${f.leader.id} of partition ${f.p} (epoch ${f.leader.r.leaderEpoch}) lacks ${f.m}`;
    },
  };
}

/** An acks=all write is acknowledged only when at least min.insync.replicas brokers hold it. */
export function ackedOnMinIsr(options: IsrCheckOptions): InvariantChecker {
  return {
    name: 'acked-on-min-isr',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o?.type !== 'ackedAll') return;
      const holders: NodeId[] = [];
      for (const n of world.nodes) if (n.role === 'broker' && idAt(world, n.id, o.partition, o.offset) === o.id) holders.push(n.id);
      if (holders.length < options.minInsyncReplicas) {
        return `${node} acknowledged acks=all write ${o.id} at offset ${o.offset} of partition ${o.partition} (epoch ${o.leaderEpoch}, ISR ${o.isr.join(',')}) held by ${holders.length} broker(s) (${holders.join(',') || 'none'}), below min.insync.replicas=${options.minInsyncReplicas}`;
      }
    },
  };
}

/** Consumers never see a record that is later truncated. */
export function consumedNeverTruncated(options: IsrCheckOptions): InvariantChecker {
  const consumed = new Ledger();
  const acked = new Ledger();
  const unclean = uncleanTracker(options);
  return {
    name: 'consumed-never-truncated',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o === null) return;
      unclean.note(o);
      switch (o.type) {
        case 'ackedAll':
          if (!unclean.skip(o.partition)) acked.put(o.partition, o.offset, o.id, 'acknowledged', o.leaderEpoch);
          return;
        case 'consumed': {
          if (unclean.skip(o.partition)) return;
          for (let k = 0; k < o.ids.length; k++) {
            const id = o.ids[k] as string;
            const offset = o.fromOffset + k;
            const clash = consumed.put(o.partition, offset, id, `${o.client} read from ${o.broker} (epoch ${o.leaderEpoch})`, o.leaderEpoch);
            if (clash !== null) return `${o.client} read ${clash} was read before`;
            const a = acked.get(o.partition, offset);
            if (a !== undefined && a.id !== id) return `${o.client} read ${id} at offset ${offset} of partition ${o.partition} from ${o.broker}, where ${a.id} was acknowledged`;
          }
          return;
        }
        case 'partitionLeader': {
          if (unclean.skip(o.partition)) return;
          const m = newLeaderMissing(consumed, world, node, o);
          if (m !== null) return `${node} became leader of partition ${o.partition} in epoch ${o.leaderEpoch} although ${m}`;
          return;
        }
        case 'truncated':
          if (unclean.skip(o.partition)) return;
          return truncatedPromise(consumed, o) ?? undefined;
        default:
          return;
      }
    },
    atEnd(world) {
      const f = finalLeaderMissing(consumed, world, options, unclean);
      if (f !== null) return `at the end, the leader ${f.leader.id} of partition ${f.p} lacks what ${f.m}`;
    },
  };
}

/** The HW never decreases on the leader of a given leader epoch. */
export function hwMonotonic(): InvariantChecker {
  const last = new Map<string, { hw: number; broker: NodeId }>();
  return {
    name: 'hw-monotonic',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o === null) return;
      if (o.type === 'partitionLeader') {
        // A leader (re)starting in an epoch starts from its HW: not below what that epoch showed before.
        const key = `${o.partition}@${o.leaderEpoch}`;
        const before = last.get(key);
        if (before !== undefined && o.hw < before.hw) return `partition ${o.partition} epoch ${o.leaderEpoch}: ${node} leads from HW ${o.hw} after ${before.broker} had ${before.hw}`;
        last.set(key, { hw: o.hw, broker: node });
        return;
      }
      if (o.type !== 'hw') return;
      const key = `${o.partition}@${o.leaderEpoch}`;
      const before = last.get(key);
      if (before !== undefined && o.hw < before.hw) return `partition ${o.partition} epoch ${o.leaderEpoch}: the HW went from ${before.hw} (${before.broker}) down to ${o.hw} (${node})`;
      last.set(key, { hw: o.hw, broker: node });
    },
  };
}

/** Every ISR member holds the leader's records below the HW; no offset below a HW ever holds two different records. */
export function isrLogAgreement(options: IsrCheckOptions): InvariantChecker {
  const committed = new Ledger();
  /** partition@epoch@member -> offsets below this checked already. */
  const checked = new Map<string, number>();
  const unclean = uncleanTracker(options);
  return {
    name: 'isr-log-agreement',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o === null) return;
      unclean.note(o);
      if (o.type !== 'hw' || unclean.skip(o.partition)) return;
      const r = replicaIn(brokerState(world.node(node)), o.partition);
      if (r === undefined) return;
      for (let offset = o.previous; offset < o.hw; offset++) {
        const id = (r.log[offset] as { id: string }).id;
        const clash = committed.put(o.partition, offset, id, `${node} committed (epoch ${o.leaderEpoch})`, o.leaderEpoch);
        if (clash !== null) return `two records committed at one offset: ${clash} was committed before`;
      }
      for (const m of r.isr) {
        if (m === node) continue;
        const key = `${o.partition}@${o.leaderEpoch}@${m}`;
        const from = checked.get(key) ?? 0;
        for (let offset = from; offset < o.hw; offset++) {
          const theirs = idAt(world, m, o.partition, offset);
          if (theirs === null) break; // reassigned away: it no longer hosts the partition
          const mine = (r.log[offset] as { id: string }).id;
          if (theirs !== mine) {
            return `partition ${o.partition} epoch ${o.leaderEpoch}: leader ${node} moved the HW to ${o.hw}, but ISR member ${m} has ${theirs ?? 'nothing'} at offset ${offset} where the leader has ${mine}`;
          }
        }
        checked.set(key, o.hw);
      }
    },
  };
}

/** At most one leader per partition per leader epoch, on the brokers and in the metadata. */
export function leaderPerEpoch(): InvariantChecker {
  const brokers = new Map<string, NodeId>();
  const metadata = new Map<string, NodeId | null>();
  return {
    name: 'leader-per-epoch',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type === 'partitionLeader') {
        const key = `${o.partition}@${o.leaderEpoch}`;
        const other = brokers.get(key);
        if (other !== undefined && other !== node) return `partition ${o.partition} has two leaders in epoch ${o.leaderEpoch}: ${other} and ${node}`;
        brokers.set(key, node);
        return;
      }
      if (o?.type !== 'metadataCommitted') return;
      for (const r of o.records) {
        if (r.type !== 'partitionChange') continue;
        const key = `${r.state.partition}@${r.state.leaderEpoch}`;
        const other = metadata.get(key);
        if (other !== undefined && other !== r.state.leader) {
          return `the metadata names two leaders of partition ${r.state.partition} in epoch ${r.state.leaderEpoch}: ${other ?? 'none'} and ${r.state.leader ?? 'none'}`;
        }
        metadata.set(key, r.state.leader);
      }
    },
  };
}

/**
 * A change made because a broker is gone ("leader b2 fenced", "b2 fenced") comes after that broker's
 * fence (a fenceBroker record, or a registerBroker of a new incarnation, which registers it fenced)
 * in the same committed batch: brokers see the fence and the moves at once, never the moves alone.
 */
export function fenceBeforeMove(): InvariantChecker {
  return {
    name: 'fence-before-move',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'metadataCommitted') return;
      const fenced = new Set<NodeId>();
      for (const r of o.records) {
        if (r.type === 'fenceBroker' || r.type === 'registerBroker') fenced.add(r.broker);
        if (r.type !== 'partitionChange') continue;
        const m = /^(?:leader )?(\S+) fenced$/.exec(r.reason);
        if (m !== null && !fenced.has(m[1] as NodeId)) {
          return `metadata v${o.version} (${node}): partition ${r.state.partition} changed because "${r.reason}" without fencing ${m[1]} first in that batch`;
        }
      }
    },
  };
}

/** Every committed assignment is the hash ring's, with replication-factor distinct brokers when the ring has enough. */
export function assignmentReplicationFactor(options: IsrCheckOptions, assign: Assign = createAssigner(options)): InvariantChecker {
  return {
    name: 'assignment-replication-factor',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o?.type !== 'metadataCommitted') return;
      const n = world.node(node);
      if (n.state === undefined) return;
      const image = (n.state as ControllerState).raft.sm;
      if (image.partitions.length === 0) return;
      const want = Math.min(options.replicationFactor, image.ring.length);
      const ring = image.ring.length > 0 ? assign(image.ring) : [];
      for (const p of image.partitions) {
        const where = `metadata v${image.version}, partition ${p.partition}`;
        const distinct = (xs: readonly NodeId[]) => new Set(xs).size === xs.length;
        if (image.ring.length > 0 && p.target.length !== want) return `${where}: ${p.target.length} assigned brokers (${p.target.join(',')}), not ${want}`;
        if (!distinct(p.target) || !distinct(p.replicas)) return `${where}: a broker twice in ${p.target.join(',')} / ${p.replicas.join(',')}`;
        if (!p.target.every((b) => image.ring.includes(b))) return `${where}: assigned ${p.target.join(',')} outside the ring ${image.ring.join(',')}`;
        const expected = ring[p.partition];
        if (expected !== undefined && expected.join(',') !== p.target.join(',')) return `${where}: assigned ${p.target.join(',')}, the hash ring says ${expected.join(',')}`;
        if (!p.target.every((b) => p.replicas.includes(b)) && p.replicas.length > 0) {
          // Only while a reassignment starts: the target is added to the replicas in the same record.
          return `${where}: replicas ${p.replicas.join(',')} do not hold the assignment ${p.target.join(',')}`;
        }
        if (p.isr.length === 0 || !p.isr.every((b) => p.replicas.includes(b))) return `${where}: ISR ${p.isr.join(',')} not within replicas ${p.replicas.join(',')}`;
        if (p.leader !== null && !p.isr.includes(p.leader)) return `${where}: leader ${p.leader} outside the ISR ${p.isr.join(',')}`;
      }
    },
  };
}

/** After the final heal: an active controller; every partition led, reassigned, with its full ISR. */
export function isrLiveness(options: IsrCheckOptions): InvariantChecker {
  return {
    name: 'isr-liveness',
    kind: 'liveness',
    atEnd(world) {
      const active = activeController(world);
      if (active === null) return 'after the heal, no active controller';
      const image = active.image;
      if (image.partitions.length === 0) return `after the heal, the topic was never created (ring: ${image.ring.join(',') || 'empty'})`;
      const pending: string[] = [];
      for (const b of image.brokers) if (b.fenced && image.ring.includes(b.id)) pending.push(`${b.id} fenced`);
      const want = Math.min(options.replicationFactor, image.ring.length);
      for (const p of image.partitions) {
        const where = `partition ${p.partition}`;
        if (p.leader === null || !isActiveBroker(image, p.leader)) {
          pending.push(`${where} has no live leader`);
          continue;
        }
        if (p.replicas.join(',') !== p.target.join(',')) pending.push(`${where} reassignment unfinished (${p.replicas.join(',')} -> ${p.target.join(',')})`);
        if (p.isr.length < want || p.isr.length !== p.replicas.length) pending.push(`${where} ISR ${p.isr.join(',')} of replicas ${p.replicas.join(',')}`);
        const r = replicaIn(brokerState(world.node(p.leader)), p.partition);
        if (r === undefined || r.role !== 'leader' || r.leaderEpoch !== p.leaderEpoch) pending.push(`${where}: ${p.leader} is not acting as leader of epoch ${p.leaderEpoch}`);
      }
      if (pending.length > 0) return `after the heal (metadata v${image.version} on ${active.id}): ${pending.slice(0, 6).join('; ')}${pending.length > 6 ? `; and ${pending.length - 6} more` : ''}`;
    },
  };
}

export function isrCheckers(options: IsrCheckOptions, assign?: Assign): InvariantChecker[] {
  return [
    leaderPerEpoch(),
    fenceBeforeMove(),
    hwMonotonic(),
    isrLogAgreement(options),
    ackedWriteDurable(options),
    ackedOnMinIsr(options),
    consumedNeverTruncated(options),
    assignmentReplicationFactor(options, assign),
    isrLiveness(options),
  ];
}

// ---------------------------------------------------------------------------------------------
// Measuring data loss (unclean elections)

export interface LossMeasure {
  uncleanElections: number;
  /** Acknowledged writes (by acks) missing at the end from their partition's leader. */
  lostAckedAll: number;
  lostAckedOne: number;
  /** Records consumers read that the final leader doesn't hold. */
  lostConsumed: number;
  /** Records below some replica's HW that it truncated (the brokers' own count). */
  truncatedCommitted: number;
}

/**
 * A checker that never fails: it adds up what a run lost into `into`. Every acknowledged write and
 * every distinct (offset, record) a consumer read counts once, lost when the partition's leader at
 * the end holds something else (or nothing) at its offset: the same rule the clients' own final
 * audit applies (core/isr/clients.ts), whose `metric` observations these numbers can be compared with.
 */
export function lossMeter(options: IsrCheckOptions, into: LossMeasure): InvariantChecker {
  const ackedAll: { p: number; o: number; id: string }[] = [];
  const ackedOne: { p: number; o: number; id: string }[] = [];
  const consumed = new Map<string, { p: number; o: number; id: string }>();
  return {
    name: 'loss-meter',
    kind: 'safety',
    onObservation(_node, observation) {
      const o = obs(observation);
      if (o === null) return;
      if (o.type === 'uncleanElection') into.uncleanElections++;
      else if (o.type === 'ok') (o.acks === 'all' ? ackedAll : ackedOne).push({ p: o.partition, o: o.offset, id: o.id });
      else if (o.type === 'consumed') o.ids.forEach((id, k) => consumed.set(`${o.partition}/${o.fromOffset + k}/${id}`, { p: o.partition, o: o.fromOffset + k, id }));
      else if (o.type === 'truncated' && o.reason !== 'deleted') into.truncatedCommitted += o.committed;
    },
    atEnd(world) {
      const logs: (readonly { id: string }[])[] = [];
      for (let p = 0; p < options.partitions; p++) logs.push(currentLeader(world, p)?.r.log ?? []);
      const lost = (list: Iterable<{ p: number; o: number; id: string }>) => {
        let n = 0;
        for (const e of list) if (logs[e.p]?.[e.o]?.id !== e.id) n++;
        return n;
      };
      into.lostAckedAll += lost(ackedAll);
      into.lostAckedOne += lost(ackedOne);
      into.lostConsumed += lost(consumed.values());
    },
  };
}

export function emptyLoss(): LossMeasure {
  return { uncleanElections: 0, lostAckedAll: 0, lostAckedOne: 0, lostConsumed: 0, truncatedCommitted: 0 };
}

/** Run a config with the loss meter on; the run's own checkers still apply. */
export function measureLoss(scenario: Scenario, config: RunConfig, options: IsrCheckOptions): { result: RunResult; loss: LossMeasure } {
  const loss = emptyLoss();
  const world = scenario.build(config);
  const result = runWorld(config, { ...world, checkers: [...world.checkers, lossMeter(options, loss)] });
  return { result, loss };
}
