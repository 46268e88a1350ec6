/**
 * Mutants of ISR replication (core/isr): the high watermark, ISR shrink and grow, leader epochs and
 * follower truncation (KIP-101/279), acks=all and min.insync.replicas, unclean election, and the
 * controller's decisions (decide.ts), fencing included.
 */
import type { Mutant } from '../types.ts';

export const isrMutants: readonly Mutant[] = [
  {
    id: 'isr/hw-off-by-one',
    rule: "Kafka replication (core/isr/README.md, Replication): HW = smallest LEO over the maximal ISR, a follower's LEO being its fetch offset (the first offset it lacks), so every offset below the HW is on every ISR member",
    in: 'core/isr',
    find: 'hw = Math.min(hw, f.leo);',
    replace: 'hw = Math.min(hw, f.leo + 1);',
    mistake: "the HW takes a follower's fetch offset plus one, as if the fetch offset were the last offset it holds",
  },
  {
    id: 'isr/follower-hw-uncapped',
    rule: "Kafka follower (ReplicaFetcherThread; core/isr/broker/follower.ts onFetchResponse): a follower's HW is min(the leader's HW in the fetch response, its own LEO), never past the end of its own log",
    in: 'core/isr',
    find: 'const hw = Math.min(m.hw, leo(r));',
    replace: 'const hw = m.hw;',
    mistake: "the follower adopts the leader's HW as it is, past its own LEO when it is still behind",
  },
  {
    id: 'isr/hw-ignores-adding-member',
    rule: "KIP-497 / Kafka Partition.maximalIsr (core/isr/README.md: HW = smallest LEO over the maximal ISR, the committed ISR plus a member being added): once the expansion commits the new member is electable, so the HW already waits for it",
    in: 'core/isr',
    find: 'for (const id of maximalIsr(r)) {',
    replace: 'for (const id of r.isr) {',
    mistake: 'the HW is computed over the committed ISR only, so it runs ahead of a member whose expansion is in flight',
  },
  {
    id: 'isr/lag-since-last-fetch',
    rule: 'replica.lag.time.max.ms (KIP-16 semantics, Kafka lastCaughtUpTimeMs): a follower stays in the ISR only if it was caught up to the leader within the last replica.lag.time.max; fetching alone does not keep it in',
    in: 'core/isr',
    find: 'nowMs - f.lastCaughtUpMs <= c.opts.replicaLagTimeMaxMs',
    replace: 'nowMs - f.lastFetchMs <= c.opts.replicaLagTimeMaxMs',
    mistake: 'the lag is measured since the follower last fetched, so a follower that fetches steadily but never catches up is never dropped from the ISR',
  },
  {
    id: 'isr/expand-before-epoch-start',
    rule: "KAFKA-7128 (core/isr/README.md): a follower joins the ISR only once it reached the HW and the start offset of the leader's current epoch, else a new leader whose HW lags can admit a follower lacking records the previous leader committed",
    in: 'core/isr',
    find: 'if (f.leo < r.hw || f.leo < r.epochStartOffset) return;',
    replace: 'if (f.leo < r.hw) return;',
    mistake: "the ISR expansion checks the follower against the HW only, forgetting the start of the leader's epoch",
  },
  {
    id: 'isr/epoch-answer-below-asked',
    rule: 'KIP-101 OffsetsForLeaderEpoch (core/isr/epochs.ts endOffsetForEpoch): the answer is the largest epoch at or below the requested one that the log has, with the offset where it ends',
    in: 'core/isr',
    find: '.epoch > asked) k--;',
    replace: '.epoch >= asked) k--;',
    mistake: 'the epoch-cache lookup skips the requested epoch itself (>= instead of >) and answers with the epoch before it',
  },
  {
    id: 'isr/truncate-ignores-own-epoch-end',
    rule: "KIP-279 (core/isr/epochs.ts divergence): when the leader answers with an epoch the follower also has, the follower truncates to the smaller of the leader's end offset for it and its own, since what it wrote after its own end of that epoch belongs to later epochs the leader never had",
    in: 'core/isr',
    find: 'truncateTo: Math.min(answer.endOffset, mine.endOffset, leo)',
    replace: 'truncateTo: Math.min(answer.endOffset, leo)',
    mistake: "the follower truncates to the leader's end offset alone, keeping the records of its own later epochs below it",
  },
  {
    id: 'isr/ack-at-hw',
    rule: 'acks=all (core/isr/README.md, Replication): a write is acknowledged once its offset is below the HW (offset < HW), i.e. once every member of the ISR holds it',
    in: 'core/isr',
    find: '.offset < r.hw) {',
    replace: '.offset <= r.hw) {',
    mistake: 'waiting acks=all writes are answered when their offset reaches the HW (<=), one record too early',
  },
  {
    id: 'isr/min-isr-counts-replicas',
    rule: 'min.insync.replicas (Kafka Partition.checkEnoughReplicasReachOffset): an acks=all write is acknowledged only while the (maximal) ISR has at least min.insync.replicas members, else NotEnoughReplicasAfterAppend',
    in: 'core/isr',
    find: 'const isr = maximalIsr(r);',
    replace: 'const isr = r.replicas;',
    mistake: 'the after-append check counts the assigned replicas instead of the ISR',
  },
  {
    id: 'isr/unclean-keeps-old-isr',
    rule: 'Kafka unclean leader election (PartitionChangeBuilder, KIP-106): the out-of-sync replica elected becomes the only ISR member (ISR = [leader]); a leader is always in its ISR',
    in: 'core/isr',
    find: "change(p, { leader: any, isr: [any], unclean: true }, 'unclean election');",
    replace: "change(p, { leader: any, unclean: true }, 'unclean election');",
    mistake: 'the unclean election changes the leader but keeps the old ISR of dead members',
  },
  {
    id: 'isr/restart-keeps-leadership',
    rule: 'KRaft broker epochs (KIP-631; core/isr/README.md, decide.ts step 1): a broker registering a new incarnation is a new process: registered fenced, its ISR places and leaderships moved, and only then unfenced',
    in: 'core/isr',
    find: 'if (reg !== undefined) afterFence(h.id);',
    replace: '',
    mistake: "the re-registration of a restarted broker replaces its registration but leaves its previous life's ISR places and leaderships in place",
  },
  {
    id: 'isr/moves-before-fence',
    rule: "core/isr/README.md 'Dead fences before anything moves': a dead declaration is committed as one batch, the fenceBroker record first, then the ISR and leadership changes it causes",
    in: 'core/isr',
    find: "emit({ type: 'fenceBroker', broker: reg.id, reason });",
    replace: "afterFence(reg.id);\n    emit({ type: 'fenceBroker', broker: reg.id, reason });",
    mistake: "the dead broker's ISR places and leaderships are moved before its fence record is emitted",
  },
];
