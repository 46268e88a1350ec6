/**
 * What the active controller decides, as one pure function: given the committed metadata, the
 * brokers' registrations it has heard, its SWIM member's view of them, the AlterPartition requests
 * and the time, the metadata records to propose next. In the order a controller must consider them:
 *
 *   1. registrations: a broker SWIM knows alive, heard with a new incarnation, is registered
 *      fenced, and loses its ISR places and leaderships (a restarted broker is a new process:
 *      KRaft does the same); a broker asking to leave goes out of the ring
 *   2. failure detection: a registered broker SWIM declared dead (or left) is fenced, leaves every
 *      ISR (unless it is the last member) and loses its leaderships, in the same batch: the fence
 *      is committed with, never after, the moves. The one fallback: a broker this controller's
 *      SWIM member has never heard of, unknownMemberGraceMs into its life, is fenced as well
 *   3. unfencing: a fenced broker SWIM says is alive (it refuted a false declaration, or came back)
 *      and heard from with its current incarnation
 *   4. topic creation, once enough brokers are in the ring
 *   5. AlterPartition from partition leaders: ISR shrinks and expansions, checked against the
 *      leader epoch and partition epoch they were computed from
 *   6. leader elections for partitions without a live leader: clean (first replica in the ISR and
 *      unfenced), or, only with unclean election on, any unfenced replica
 *   7. reassignment towards the hash ring's assignment: add the new replicas, wait until every
 *      one of them is in the ISR, then drop the old ones (the leader too, electing a new one)
 *   8. preferred leader: move leadership back to the first replica when it is in the ISR
 *
 * Records are applied to a draft as they are made, so a batch is consistent with itself.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { MemberStatus } from '../swim/node.ts';
import type { Assign } from './assignment.ts';
import { applyRecord, brokerOf, changePartition, isActiveBroker, sortedIds } from './metadata.ts';
import type { IsrOptions, MetadataImage, MetadataRecord, PartitionState } from './types.ts';

/** A broker's registration as the active controller last heard it. */
export interface HeardBroker {
  readonly id: NodeId;
  readonly incarnation: number;
  readonly leaving: boolean;
}

/** A broker as the controller's SWIM member sees it; a broker it has never heard of is absent. */
export interface BrokerMember {
  readonly id: NodeId;
  readonly status: MemberStatus;
}

export interface AlterRequest {
  readonly from: NodeId;
  readonly requestId: number;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly isr: readonly NodeId[];
}

export interface DecideInput {
  readonly image: MetadataImage;
  /** Registrations heard since this controller became active (and since SWIM last declared the broker dead), sorted by id. */
  readonly heard: readonly HeardBroker[];
  /** The controller's SWIM view of the brokers, sorted by id. */
  readonly members: readonly BrokerMember[];
  readonly alters: readonly AlterRequest[];
  readonly nowMs: number;
  /** When this controller became active. */
  readonly activeSinceMs: number;
  /** When this controller's SWIM member began its current life (its view starts empty after a restart). */
  readonly membershipSinceMs: number;
  /** Whether to consider preferred-leader moves now. */
  readonly preferredLeaderCheck: boolean;
}

export interface Decision {
  readonly records: MetadataRecord[];
  /** AlterPartition requests turned into records: answer them once committed. */
  readonly accepted: AlterRequest[];
  /** Requests refused now (stale epochs, ineligible replicas): answer them at once. */
  readonly refused: { readonly request: AlterRequest; readonly reason: string }[];
  /** Unclean elections in `records`, with the ISR they replaced. */
  readonly unclean: { readonly partition: number; readonly leader: NodeId; readonly leaderEpoch: number; readonly isr: readonly NodeId[] }[];
}

function sameList(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function decide(input: DecideInput, opts: IsrOptions, assign: Assign): Decision {
  let img = input.image;
  const records: MetadataRecord[] = [];
  const accepted: AlterRequest[] = [];
  const refused: { request: AlterRequest; reason: string }[] = [];
  const unclean: Decision['unclean'][number][] = [];
  const emit = (r: MetadataRecord): void => {
    records.push(r);
    img = applyRecord(img, r);
  };
  const change = (p: PartitionState, to: Parameters<typeof changePartition>[1], reason: string): void => {
    emit({ type: 'partitionChange', state: changePartition(p, to), reason });
  };
  const alive = (id: NodeId): boolean => isActiveBroker(img, id);
  const part = (k: number): PartitionState => img.partitions[k] as PartitionState;
  const heardOf = (id: NodeId): HeardBroker | undefined => input.heard.find((h) => h.id === id);
  const statusOf = (id: NodeId): MemberStatus | null => input.members.find((m) => m.id === id)?.status ?? null;
  /** SWIM counts it a member: alive, or suspected but not declared dead. */
  const swimLive = (id: NodeId): boolean => {
    const st = statusOf(id);
    return st === 'alive' || st === 'suspect';
  };
  const unknownTooLong = input.nowMs - Math.max(input.activeSinceMs, input.membershipSinceMs) > opts.unknownMemberGraceMs;

  /** A broker is gone (fenced or restarted): out of every ISR it isn't the last member of, and its leaderships elsewhere. */
  const afterFence = (b: NodeId): void => {
    for (let k = 0; k < img.partitions.length; k++) {
      const p = part(k);
      const isr = p.isr.includes(b) && p.isr.length > 1 ? p.isr.filter((x) => x !== b) : p.isr;
      if (p.leader === b) {
        const next = p.replicas.find((r) => r !== b && isr.includes(r) && alive(r)) ?? null;
        change(p, { isr, leader: next }, `leader ${b} fenced`);
      } else if (isr !== p.isr) {
        change(p, { isr }, `${b} fenced`);
      }
    }
  };

  // 1. Registrations and leaving: only of brokers that SWIM knows as members (a join goes through SWIM).
  for (const h of input.heard) {
    if (!swimLive(h.id)) continue;
    const reg = brokerOf(img, h.id);
    if (reg === undefined || reg.incarnation < h.incarnation) {
      emit({ type: 'registerBroker', broker: h.id, incarnation: h.incarnation });
      if (reg !== undefined) afterFence(h.id);
    }
    const now = brokerOf(img, h.id);
    if (now !== undefined && now.incarnation === h.incarnation && h.leaving && !now.leaving) emit({ type: 'leaveBroker', broker: h.id });
  }

  // 2. Failure detection: SWIM's dead and left, and the fallback for a broker SWIM never heard of.
  for (const reg of img.brokers) {
    if (reg.fenced) continue;
    const st = statusOf(reg.id);
    const reason = st === 'dead' ? 'dead' : st === 'left' ? 'left' : st === null && unknownTooLong ? 'unknown' : null;
    if (reason === null) continue;
    emit({ type: 'fenceBroker', broker: reg.id, reason });
    afterFence(reg.id);
  }

  // 3. Unfencing: alive to SWIM, and registered as the incarnation it runs now.
  for (const reg of img.brokers) {
    const h = heardOf(reg.id);
    if (reg.fenced && swimLive(reg.id) && h !== undefined && h.incarnation === reg.incarnation) emit({ type: 'unfenceBroker', broker: reg.id });
  }

  // 4. Topic creation.
  if (img.partitions.length === 0) {
    const activeRing = img.ring.filter(alive);
    const everyone = opts.initialBrokers.every((b) => activeRing.includes(b));
    const waited = input.nowMs - input.activeSinceMs >= opts.topicCreateGraceMs;
    if (activeRing.length >= opts.replicationFactor && (everyone || waited)) {
      const targets = assign(img.ring);
      const partitions: PartitionState[] = [];
      for (let k = 0; k < opts.partitions; k++) {
        const target = [...(targets[k] ?? [])];
        const live = target.filter(alive);
        const isr = sortedIds(live.length > 0 ? live : target);
        partitions.push({ partition: k, replicas: target, target, isr, leader: live[0] ?? null, leaderEpoch: 0, partitionEpoch: 0, unclean: false });
      }
      emit({ type: 'createTopic', partitions });
    }
  }

  // 5. AlterPartition.
  for (const req of input.alters) {
    const p = img.partitions[req.partition];
    const reason =
      p === undefined
        ? 'unknown partition'
        : req.from !== p.leader || req.leaderEpoch !== p.leaderEpoch
          ? 'fenced leader epoch'
          : req.partitionEpoch !== p.partitionEpoch
            ? 'stale partition epoch'
            : !req.isr.includes(req.from)
              ? 'the leader must stay in the ISR'
              : !req.isr.every((r) => p.replicas.includes(r))
                ? 'not a replica'
                : !req.isr.every((r) => p.isr.includes(r) || alive(r))
                  ? 'ineligible replica (fenced)'
                  : null;
    if (reason !== null || p === undefined) {
      refused.push({ request: req, reason: reason ?? 'unknown partition' });
      continue;
    }
    if (sameList(sortedIds(req.isr), p.isr)) {
      refused.push({ request: req, reason: 'no change' });
      continue;
    }
    change(p, { isr: req.isr }, `AlterPartition from ${req.from}`);
    accepted.push(req);
  }

  // 6. Elections.
  for (let k = 0; k < img.partitions.length; k++) {
    const p = part(k);
    if (p.leader !== null && alive(p.leader)) continue;
    const clean = p.replicas.find((r) => p.isr.includes(r) && alive(r));
    if (clean !== undefined) {
      change(p, { leader: clean }, 'clean election');
    } else if (opts.uncleanLeaderElection || opts.bug === 'unclean-election') {
      const any = p.replicas.find(alive);
      if (any !== undefined) {
        change(p, { leader: any, isr: [any], unclean: true }, 'unclean election');
        unclean.push({ partition: k, leader: any, leaderEpoch: part(k).leaderEpoch, isr: p.isr });
      } else if (p.leader !== null) {
        change(p, { leader: null }, 'no live replica');
      }
    } else if (p.leader !== null) {
      change(p, { leader: null }, 'no live ISR member');
    }
  }

  // 7. Reassignment towards the ring's assignment.
  if (img.partitions.length > 0 && img.ring.length > 0) {
    const targets = assign(img.ring);
    for (let k = 0; k < img.partitions.length; k++) {
      const p = part(k);
      const target = targets[k] ?? [];
      if (!sameList(target, p.target)) {
        // Start: the new replicas join (they fetch as followers); the old ones stay until then.
        const replicas = [...target, ...p.replicas.filter((r) => !target.includes(r))];
        change(p, { target: [...target], replicas }, 'reassignment started');
        continue;
      }
      if (sameList(p.replicas, target) || !target.every((r) => p.isr.includes(r))) continue;
      // Complete: every new replica is in sync; drop the old ones.
      const isr = p.isr.filter((r) => target.includes(r));
      const leader = p.leader !== null && target.includes(p.leader) ? p.leader : (target.find((r) => isr.includes(r) && alive(r)) ?? null);
      if (leader === null) continue;
      change(p, { replicas: [...target], isr, leader }, 'reassignment completed');
    }
  }

  // 8. Preferred leader.
  if (input.preferredLeaderCheck) {
    for (let k = 0; k < img.partitions.length; k++) {
      const p = part(k);
      const preferred = p.replicas[0];
      if (preferred === undefined || p.leader === preferred || p.leader === null) continue;
      if (p.isr.includes(preferred) && alive(preferred)) change(p, { leader: preferred }, 'preferred leader');
    }
  }

  return { records, accepted, refused, unclean };
}
