/**
 * A partition's follower: after a new leader epoch it asks the leader where its own latest epoch
 * ends (OffsetsForLeaderEpoch) and truncates exactly its divergent suffix (KIP-101), asking again
 * when it lacks the epoch the leader answered with (KIP-279); then it fetches, appends what it gets
 * on disk, and fetches again: a fetch's offset promises that everything below it is durable.
 * Rules run only while the replica's role is follower; one request to the leader is in flight.
 */
import { assert } from '../../contract/assert.ts';
import type { NodeId } from '../../contract/protocol.ts';
import { divergence, latestEpoch } from '../epochs.ts';
import type { IsrMessage, ReplicaState } from '../types.ts';
import { append, leo, nextRequestId, replicaOf, send, truncate, type Step } from './context.ts';

export function sendFetch(c: Step, r: ReplicaState): void {
  const requestId = nextRequestId(c.s);
  r.inflight = { requestId, deadlineMs: c.env.nowMs + c.opts.requestTimeoutMs + c.opts.fetchMaxWaitMs };
  send(c, r.leader as NodeId, { type: 'fetch', requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, fetchOffset: leo(r) });
}

export function sendEpochRequest(c: Step, r: ReplicaState): void {
  const requestId = nextRequestId(c.s);
  r.inflight = { requestId, deadlineMs: c.env.nowMs + c.opts.requestTimeoutMs };
  send(c, r.leader as NodeId, { type: 'offsetsForLeaderEpoch', requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, epoch: latestEpoch(r.epochs) });
}

function backOff(c: Step, r: ReplicaState): void {
  r.nextFetchMs = c.env.nowMs + c.opts.fetchBackoffMs;
}

/** Truncation done (or not needed): from now on the follower fetches. */
function startFetching(c: Step, r: ReplicaState): void {
  assert(r.fetchPhase === 'truncating', `isr ${c.s.self}: partition ${r.partition} starts fetching while ${r.fetchPhase}`);
  r.fetchPhase = 'fetching';
  sendFetch(c, r);
}

/** The leader does not have our fetch offset: find the divergence again before fetching more. */
function startTruncating(c: Step, r: ReplicaState): void {
  assert(r.fetchPhase === 'fetching', `isr ${c.s.self}: partition ${r.partition} starts truncating while ${r.fetchPhase}`);
  r.fetchPhase = 'truncating';
  sendEpochRequest(c, r);
}

export function onEpochResponse(c: Step, m: Extract<IsrMessage, { type: 'offsetsForLeaderEpochResponse' }>): void {
  const r = replicaOf(c.s, m.partition);
  // A leader of another epoch answers with its own epoch: such answers are dropped by the epoch check.
  if (r === undefined || r.role !== 'follower' || r.inflight?.requestId !== m.requestId) return;
  if (m.error !== null || m.leaderEpoch !== r.leaderEpoch || r.fetchPhase !== 'truncating') {
    r.inflight = null;
    backOff(c, r);
    return;
  }
  r.inflight = null;
  const d = divergence(r.epochs, leo(r), m);
  truncate(c, r, d.truncateTo, 'divergence');
  if (d.again) {
    sendEpochRequest(c, r);
    return;
  }
  startFetching(c, r);
}

export function onFetchResponse(c: Step, m: Extract<IsrMessage, { type: 'fetchResponse' }>): void {
  const r = replicaOf(c.s, m.partition);
  if (r === undefined || r.role !== 'follower' || r.inflight?.requestId !== m.requestId) return;
  r.inflight = null;
  if (m.leaderEpoch !== r.leaderEpoch || r.fetchPhase !== 'fetching') {
    backOff(c, r);
    return;
  }
  if (m.error !== null) {
    if (m.error === 'offsetOutOfRange') startTruncating(c, r);
    else backOff(c, r);
    return;
  }
  if (m.fetchOffset !== leo(r)) {
    sendFetch(c, r);
    return;
  }
  for (const record of m.records) {
    assert(record.epoch <= r.leaderEpoch, `isr ${c.s.self}: fetched a record of epoch ${record.epoch} in leader epoch ${r.leaderEpoch}`);
    append(c, r, record);
  }
  const hw = Math.min(m.hw, leo(r));
  if (hw > r.hw) r.hw = hw;
  sendFetch(c, r); // after the appends: the fetch offset promises they are on disk
}

/** The follower's periodic work: give up on a request past its deadline, send the next when due. */
export function followerTick(c: Step, r: ReplicaState): void {
  const now = c.env.nowMs;
  if (r.inflight !== null && now >= r.inflight.deadlineMs) r.inflight = null;
  if (r.inflight === null && now >= r.nextFetchMs) {
    if (r.fetchPhase === 'truncating') sendEpochRequest(c, r);
    else sendFetch(c, r);
  }
}
