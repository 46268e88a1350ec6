/**
 * A partition's leader: appends produced records, serves its followers' fetches (holding a fetch
 * that has nothing new), moves the high watermark over the maximal ISR, answers acks=all writes
 * once below it, serves consumers below it, and asks the controller to shrink or grow the ISR
 * (KIP-497). Rules run only while the replica's role is leader.
 */
import { assert } from '../../contract/assert.ts';
import type { NodeId } from '../../contract/protocol.ts';
import { endOffsetForEpoch } from '../epochs.ts';
import { isActiveBroker } from '../metadata.ts';
import type { FetchError, FollowerProgress, IsrMessage, ProduceError, ReplicaState } from '../types.ts';
import { append, leaderHint, leo, maximalIsr, nextRequestId, observe, replicaOf, send, type Step } from './context.ts';

const MAX_WAITING = 10_000;

// ---------------------------------------------------------------------------------------------
// The high watermark and acks=all

/** The HW is the smallest LEO over the maximal ISR; a member not heard from in this epoch holds it. */
export function maybeAdvanceHw(c: Step, r: ReplicaState): void {
  let hw = leo(r);
  for (const id of maximalIsr(r)) {
    if (id === c.s.self) continue;
    const f = r.followers.find((x) => x.id === id);
    if (f === undefined || f.leo < 0) return; // not heard from in this epoch: the HW waits
    hw = Math.min(hw, f.leo);
  }
  raiseHw(c, r, hw);
}

/** The HW only grows, never past the LEO. */
function raiseHw(c: Step, r: ReplicaState, hw: number): void {
  if (hw <= r.hw) return;
  assert(hw <= leo(r), `isr ${c.s.self}: HW ${hw} past LEO ${leo(r)} of partition ${r.partition}`);
  const previous = r.hw;
  r.hw = hw;
  observe(c, { type: 'hw', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, hw, previous });
  completeWaiting(c, r);
  answerParked(c, r);
}

/** acks=all: a write is answered once below the HW, and acknowledged only while the ISR holds min.insync.replicas. */
export function completeWaiting(c: Step, r: ReplicaState): void {
  while (r.waiting.length > 0 && (r.waiting[0] as (typeof r.waiting)[number]).offset < r.hw) {
    const w = r.waiting.shift() as (typeof r.waiting)[number];
    const isr = maximalIsr(r);
    const enough = isr.length >= c.opts.minInsyncReplicas || c.opts.bug === 'ack-below-min-isr';
    if (enough) {
      observe(c, { type: 'ackedAll', broker: c.s.self, partition: r.partition, offset: w.offset, id: w.id, leaderEpoch: r.leaderEpoch, isr });
    }
    send(c, w.client, {
      type: 'produceResponse',
      requestId: w.requestId,
      partition: r.partition,
      offset: enough ? w.offset : null,
      leaderEpoch: r.leaderEpoch,
      error: enough ? null : 'notEnoughReplicasAfterAppend',
      leaderHint: null,
    });
  }
}

export function onProduce(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'produce' }>): void {
  const s = c.s;
  const r = replicaOf(s, m.partition);
  const refuse = (error: ProduceError): void =>
    send(c, from, { type: 'produceResponse', requestId: m.requestId, partition: m.partition, offset: null, leaderEpoch: r?.leaderEpoch ?? -1, error, leaderHint: leaderHint(s, m.partition) });
  if (r === undefined || r.role !== 'leader') return refuse('notLeader');
  if (m.acks === 'all' && r.isr.length < c.opts.minInsyncReplicas && c.opts.bug !== 'ack-below-min-isr') return refuse('notEnoughReplicas');
  if (r.waiting.length >= MAX_WAITING) return refuse('notEnoughReplicas');
  const offset = append(c, r, { epoch: r.leaderEpoch, id: m.id });
  if (m.acks === 'one') {
    send(c, from, { type: 'produceResponse', requestId: m.requestId, partition: m.partition, offset, leaderEpoch: r.leaderEpoch, error: null, leaderHint: null });
  } else {
    r.waiting.push({ client: from, requestId: m.requestId, offset, id: m.id });
  }
  maybeAdvanceHw(c, r);
  answerParked(c, r);
}

// ---------------------------------------------------------------------------------------------
// Followers' fetches and epoch requests

function respondFetch(c: Step, r: ReplicaState, f: FollowerProgress, requestId: number, fetchOffset: number): void {
  const records = r.log.slice(fetchOffset, fetchOffset + c.opts.maxFetchRecords);
  f.sentHw = r.hw;
  f.parked = null;
  send(c, f.id, { type: 'fetchResponse', requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, fetchOffset, records, hw: r.hw, error: null });
}

/** Answer held fetches that now have something to carry: records, or a higher HW. */
function answerParked(c: Step, r: ReplicaState): void {
  for (const f of r.followers) {
    if (f.parked !== null && (f.parked.fetchOffset < leo(r) || f.sentHw < r.hw)) respondFetch(c, r, f, f.parked.requestId, f.parked.fetchOffset);
  }
}

function fetchError(c: Step, to: NodeId, m: { requestId: number; partition: number; leaderEpoch: number; fetchOffset: number }, error: FetchError, epoch: number): void {
  send(c, to, { type: 'fetchResponse', requestId: m.requestId, partition: m.partition, leaderEpoch: epoch, fetchOffset: m.fetchOffset, records: [], hw: 0, error });
}

/** The error for a request that names leader epoch `asked`, or null when this broker leads that epoch. */
function leaderEpochError(r: ReplicaState | undefined, asked: number): FetchError | null {
  if (r === undefined || r.leaderEpoch < asked) return 'unknownLeaderEpoch';
  if (r.leaderEpoch > asked) return 'fencedLeaderEpoch';
  return r.role === 'leader' ? null : 'notLeader';
}

export function onFetch(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'fetch' }>): void {
  const r = replicaOf(c.s, m.partition);
  const error = leaderEpochError(r, m.leaderEpoch);
  if (error !== null || r === undefined) return fetchError(c, from, m, error ?? 'notLeader', r?.leaderEpoch ?? -1);
  const f = r.followers.find((x) => x.id === from);
  if (f === undefined) return fetchError(c, from, m, 'notLeader', r.leaderEpoch);
  if (m.fetchOffset > leo(r)) return fetchError(c, from, m, 'offsetOutOfRange', r.leaderEpoch);
  const now = c.env.nowMs;
  // Kafka's lastCaughtUpTime: caught up now, or caught up to where the leader was at its previous fetch.
  if (m.fetchOffset >= leo(r)) f.lastCaughtUpMs = now;
  else if (m.fetchOffset >= f.leaderLeoAtLastFetch) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
  f.leo = m.fetchOffset;
  f.lastFetchMs = now;
  f.leaderLeoAtLastFetch = leo(r);
  if (c.opts.bug === 'hw-from-outside-isr' && !r.isr.includes(from)) raiseHw(c, r, Math.min(leo(r), m.fetchOffset));
  maybeExpandIsr(c, r, f);
  maybeAdvanceHw(c, r);
  if (m.fetchOffset < leo(r) || f.sentHw < r.hw) respondFetch(c, r, f, m.requestId, m.fetchOffset);
  else f.parked = { requestId: m.requestId, fetchOffset: m.fetchOffset, expiresMs: now + c.opts.fetchMaxWaitMs };
}

export function onOffsetsForLeaderEpoch(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'offsetsForLeaderEpoch' }>): void {
  const r = replicaOf(c.s, m.partition);
  const error = leaderEpochError(r, m.leaderEpoch);
  const answer = r !== undefined && error === null ? endOffsetForEpoch(r.epochs, leo(r), m.epoch) : { epoch: -1, endOffset: 0 };
  send(c, from, { type: 'offsetsForLeaderEpochResponse', requestId: m.requestId, partition: m.partition, leaderEpoch: r?.leaderEpoch ?? -1, ...answer, error });
}

// ---------------------------------------------------------------------------------------------
// ISR changes (KIP-497: asked of the controller, in force once committed)

function caughtUp(c: Step, r: ReplicaState, f: FollowerProgress, nowMs: number): boolean {
  return f.leo === leo(r) || nowMs - f.lastCaughtUpMs <= c.opts.replicaLagTimeMaxMs;
}

function requestIsr(c: Step, r: ReplicaState, isr: NodeId[]): void {
  assert(r.pendingIsr === null, `isr ${c.s.self}: a second ISR change of partition ${r.partition} in flight`);
  const requestId = nextRequestId(c.s);
  r.pendingIsr = { isr, requestId, sentMs: c.env.nowMs };
  observe(c, { type: 'isrChangeRequested', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, from: r.isr, to: isr });
  sendAlter(c, r);
}

function sendAlter(c: Step, r: ReplicaState): void {
  const p = r.pendingIsr;
  if (p === null) return;
  p.sentMs = c.env.nowMs;
  send(c, c.s.controllerGuess, { type: 'alterPartition', requestId: p.requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, partitionEpoch: r.partitionEpoch, isr: p.isr });
}

/** replica.lag.time.max: out with the followers not caught up for that long. */
function maybeShrinkIsr(c: Step, r: ReplicaState): void {
  if (r.pendingIsr !== null) return;
  const now = c.env.nowMs;
  const lagging = r.isr.filter((id) => {
    if (id === c.s.self) return false;
    const f = r.followers.find((x) => x.id === id);
    return f === undefined || !caughtUp(c, r, f, now);
  });
  if (lagging.length > 0) requestIsr(c, r, r.isr.filter((id) => !lagging.includes(id)));
}

/** In with a follower that reached the HW and the start of this leader's epoch (KAFKA-7128), if it is an active broker. */
function maybeExpandIsr(c: Step, r: ReplicaState, f: FollowerProgress): void {
  if (r.pendingIsr !== null || r.isr.includes(f.id)) return;
  if (f.leo < r.hw || f.leo < r.epochStartOffset) return;
  const image = c.s.image;
  if (image === null || !isActiveBroker(image, f.id)) return;
  requestIsr(c, r, [...r.isr, f.id].sort());
}

/** The leader's periodic work: expired held fetches, an unanswered ISR change sent again, the shrink check. */
export function leaderTick(c: Step, r: ReplicaState): void {
  const now = c.env.nowMs;
  for (const f of r.followers) if (f.parked !== null && f.parked.expiresMs <= now) respondFetch(c, r, f, f.parked.requestId, f.parked.fetchOffset);
  if (r.pendingIsr !== null && now - r.pendingIsr.sentMs >= c.opts.requestTimeoutMs) sendAlter(c, r);
  maybeShrinkIsr(c, r);
}

// ---------------------------------------------------------------------------------------------
// Consumers: read below the HW, from the leader only

export function onConsumerFetch(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'consumerFetch' }>): void {
  const s = c.s;
  const r = replicaOf(s, m.partition);
  const base = { type: 'consumerFetchResponse' as const, requestId: m.requestId, partition: m.partition, offset: m.offset };
  if (r === undefined || r.role !== 'leader') {
    send(c, from, { ...base, ids: [], hw: 0, leaderEpoch: r?.leaderEpoch ?? -1, error: 'notLeader', leaderHint: leaderHint(s, m.partition) });
    return;
  }
  if (m.offset > leo(r)) {
    send(c, from, { ...base, ids: [], hw: r.hw, leaderEpoch: r.leaderEpoch, error: 'offsetOutOfRange', leaderHint: null });
    return;
  }
  const ids = r.log.slice(m.offset, Math.min(r.hw, m.offset + c.opts.maxFetchRecords)).map((x) => x.id);
  send(c, from, { ...base, ids, hw: r.hw, leaderEpoch: r.leaderEpoch, error: null, leaderHint: null });
}
