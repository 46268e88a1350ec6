/**
 * A replica's role in its partition: leader, follower or none. The role changes only here, and only
 * when committed metadata brings a new leader epoch (Kafka's LeaderAndIsr with a higher epoch):
 * `enterLeaderEpoch` takes the epoch and its leader, then `becomeLeader`, `becomeFollower` or
 * `becomeNone`, each asserting the epoch's leader is what the role needs. Every change fails the
 * acks=all writes still waiting (their outcome is unknown) and drops the other role's state.
 */
import { assert } from '../../contract/assert.ts';
import type { NodeId } from '../../contract/protocol.ts';
import type { FollowerProgress, PartitionState, ProduceError, ReplicaState } from '../types.ts';
import { leo, observe, send, truncate, type Step } from './context.ts';
import { sendEpochRequest, sendFetch } from './follower.ts';
import { completeWaiting, maybeAdvanceHw } from './leader.ts';

/** A new leader epoch of the partition, from committed metadata: the replica takes the role it gives. */
export function enterLeaderEpoch(c: Step, r: ReplicaState, ps: PartitionState): void {
  assert(ps.leaderEpoch > r.leaderEpoch, `isr ${c.s.self}: partition ${r.partition} leader epoch ${ps.leaderEpoch} after ${r.leaderEpoch}`);
  r.leaderEpoch = ps.leaderEpoch;
  r.leader = ps.leader;
  if (ps.leader === c.s.self) becomeLeader(c, r, ps.unclean);
  else if (ps.leader !== null) becomeFollower(c, r);
  else becomeNone(c, r);
}

/** `unclean`: the controller elected this replica from outside the ISR (unclean election on). */
function becomeLeader(c: Step, r: ReplicaState, unclean: boolean): void {
  assert(r.leader === c.s.self, `isr ${c.s.self}: becomes leader of partition ${r.partition} led by ${r.leader}`);
  failWaiting(c, r, 'leadershipLost');
  r.role = 'leader';
  r.epochStartOffset = leo(r);
  r.followers = [];
  r.inflight = null;
  syncFollowers(c, r);
  observe(c, { type: 'partitionLeader', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, leo: leo(r), hw: r.hw, unclean });
  maybeAdvanceHw(c, r);
  completeWaiting(c, r);
}

function becomeFollower(c: Step, r: ReplicaState): void {
  assert(r.leader !== null, `isr ${c.s.self}: follows nobody in partition ${r.partition}`);
  assert(r.leader !== c.s.self, `isr ${c.s.self}: follows itself in partition ${r.partition}`);
  failWaiting(c, r, 'leadershipLost');
  r.role = 'follower';
  r.followers = [];
  r.inflight = null;
  observe(c, { type: 'partitionFollower', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, leader: r.leader as NodeId });
  if (c.opts.bug === 'truncate-to-hw') {
    truncate(c, r, r.hw, 'high-watermark');
    r.fetchPhase = 'fetching';
    sendFetch(c, r);
    return;
  }
  // KIP-101: ask the leader where our latest epoch ends before fetching anything.
  r.fetchPhase = 'truncating';
  sendEpochRequest(c, r);
}

function becomeNone(c: Step, r: ReplicaState): void {
  assert(r.leader === null, `isr ${c.s.self}: idle in partition ${r.partition} led by ${r.leader}`);
  failWaiting(c, r, 'leadershipLost');
  r.role = 'none';
  r.followers = [];
  r.inflight = null;
}

/** Answers every acks=all write still waiting with `error` (the replica is no longer the leader they waited on, or is gone). */
export function failWaiting(c: Step, r: ReplicaState, error: ProduceError): void {
  for (const w of r.waiting) {
    send(c, w.client, { type: 'produceResponse', requestId: w.requestId, partition: r.partition, offset: null, leaderEpoch: r.leaderEpoch, error, leaderHint: r.leader === c.s.self ? null : r.leader });
  }
  r.waiting = [];
}

function newProgress(id: NodeId, r: ReplicaState, nowMs: number): FollowerProgress {
  return { id, leo: -1, lastFetchMs: nowMs, leaderLeoAtLastFetch: leo(r), lastCaughtUpMs: nowMs, sentHw: -1, parked: null };
}

/** The leader's follower list, after the replica set changed: known followers keep their progress. */
export function syncFollowers(c: Step, r: ReplicaState): void {
  const ids = r.replicas.filter((id) => id !== c.s.self);
  r.followers = ids.map((id) => r.followers.find((f) => f.id === id) ?? newProgress(id, r, c.env.nowMs));
}
