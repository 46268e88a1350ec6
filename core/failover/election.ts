/**
 * Replica failover elections, after Redis Cluster's (cluster.c: clusterHandleSlaveFailover), with
 * the promotion itself committed through the configuration group's Raft log.
 *
 * A replica whose primary SWIM declares dead waits `500 + random(0..500) + rank * 1000` ms, rank
 * being the number of sibling replicas with a larger replication offset, so the most up-to-date
 * replica usually asks first. It then asks the voters for their vote in a new epoch (one above
 * every epoch it has seen). A voter grants at most one vote per epoch (it persists the epoch
 * before answering), and only to a replica of the shard whose primary, in its committed
 * configuration, is the failed one, that SWIM also suspects (unless the failover is manual), and
 * whose lease has run out. A candidate with votes from a majority has won the epoch and proposes
 * its promotion to the Raft group; the promotion takes effect once committed. A candidate that
 * does not win within the election timeout tries again later, in a higher epoch.
 *
 * Manual failovers (CLUSTER FAILOVER): `default` first asks the primary to stop writes and waits
 * until it has everything the primary has, then runs an election at once; `force` runs the
 * election at once; `takeover` skips the election and proposes the promotion directly (the Raft
 * commit still orders it, and leases still keep the two primaries' writes apart).
 */
import type { NodeId, Rng } from '../contract/protocol.ts';
import type { FailoverKind, ShardId } from '../cluster-config/config.ts';

export interface ElectionOptions {
  /** Redis: 500 ms fixed part of the delay. */
  readonly baseDelayMs: number;
  /** Redis: random(0..500). */
  readonly jitterMs: number;
  /** Redis: 1000 ms per rank. */
  readonly rankDelayMs: number;
  /** A candidacy without a majority by then is abandoned (Redis: failover_auth_timeout). */
  readonly timeoutMs: number;
  /** Before trying again (Redis: twice the timeout). */
  readonly retryMs: number;
  /** A manual failover gives up after this (Redis: CLUSTER_MF_TIMEOUT, 5 s). */
  readonly manualTimeoutMs: number;
  /** How long a voter that saw a legitimate vote request stops renewing the failed primary's lease. */
  readonly blockRenewalsMs: number;
}

export const ELECTION_DEFAULTS: ElectionOptions = {
  baseDelayMs: 500,
  jitterMs: 500,
  rankDelayMs: 1000,
  timeoutMs: 1000,
  retryMs: 2000,
  manualTimeoutMs: 5000,
  blockRenewalsMs: 3000,
};

/** Redis's clusterGetSlaveRank: siblings with a strictly larger offset. */
export function replicaRank(myOffset: number, siblingOffsets: readonly number[]): number {
  let rank = 0;
  for (const o of siblingOffsets) if (o > myOffset) rank++;
  return rank;
}

/** `500 + random(0..500) + rank * 1000` ms with the defaults. */
export function electionDelayMs(rank: number, rng: Rng, o: ElectionOptions): number {
  return o.baseDelayMs + rng.int(o.jitterMs + 1) + rank * o.rankDelayMs;
}

/** The epoch of a new candidacy: above the committed current epoch and every epoch seen in votes. */
export function nextElectionEpoch(currentEpoch: number, seenEpoch: number): number {
  return Math.max(currentEpoch, seenEpoch) + 1;
}

export type ElectionMode = Exclude<FailoverKind, 'takeover'>;

export interface Candidacy {
  readonly shard: ShardId;
  readonly failed: NodeId;
  readonly epoch: number;
  readonly mode: ElectionMode;
  readonly startedAtMs: number;
  votes: NodeId[];
  refusals: NodeId[];
  /** Won, and the promotion proposed (to the Raft group). */
  won: boolean;
}

export type Tally = 'won' | 'lost' | 'pending';

/** Votes from a majority of `voters` win; refusals from a majority (or more) lose. */
export function tally(c: Candidacy, voters: readonly NodeId[]): Tally {
  const majority = Math.floor(voters.length / 2) + 1;
  if (c.votes.length >= majority) return 'won';
  if (voters.length - c.refusals.length < majority) return 'lost';
  return 'pending';
}

/** Record a vote answer; returns the new tally. Answers from non-voters and repeated answers count once. */
export function recordVote(c: Candidacy, from: NodeId, granted: boolean, voters: readonly NodeId[]): Tally {
  if (voters.includes(from) && !c.votes.includes(from) && !c.refusals.includes(from)) (granted ? c.votes : c.refusals).push(from);
  return tally(c, voters);
}

export interface VoteRequest {
  readonly shard: ShardId;
  readonly epoch: number;
  readonly failed: NodeId;
  readonly mode: ElectionMode;
  readonly candidate: NodeId;
}

/** What a voter knows when it decides. */
export interface VoteContext {
  /** The voter's committed configuration: the shard's primary and replicas. */
  readonly primary: NodeId | null;
  readonly replicas: readonly NodeId[];
  /** The voter's SWIM view holds the failed primary suspect or dead. */
  readonly failedSuspected: boolean;
  /** The voter promised the shard's lease to someone, unexpired. */
  readonly leasePromised: boolean;
  /** Just restarted: it may have forgotten a promise. */
  readonly quiet: boolean;
  /** Bug 'double-vote': the epoch check lets a second vote in the same epoch through. */
  readonly doubleVote: boolean;
}

export type VoteRefusal = 'old-epoch' | 'not-the-primary' | 'not-a-replica' | 'primary-not-failed' | 'lease-in-force' | 'restarting';

/** Whether to vote for `r` given the voter's last voted epoch; null grants. */
export function decideVote(lastVoteEpoch: number, r: VoteRequest, ctx: VoteContext): VoteRefusal | null {
  if (ctx.doubleVote ? r.epoch < lastVoteEpoch : r.epoch <= lastVoteEpoch) return 'old-epoch';
  if (ctx.quiet) return 'restarting';
  if (ctx.primary !== r.failed) return 'not-the-primary';
  if (!ctx.replicas.includes(r.candidate)) return 'not-a-replica';
  if (r.mode === 'auto' && !ctx.failedSuspected) return 'primary-not-failed';
  if (ctx.leasePromised) return 'lease-in-force';
  return null;
}

/**
 * A manual failover (default or FORCE) of a live primary can only win once the primary's lease has
 * run out, so a voter that sees a valid one stops renewing that primary's lease for a while. An
 * automatic failover does not need this (a failed primary renews nothing), and must not do it: a
 * false suspicion (SWIM's, after a partition heals) would otherwise cost a healthy primary its lease.
 */
export function blocksRenewals(r: VoteRequest, ctx: VoteContext): boolean {
  return r.mode !== 'auto' && ctx.primary === r.failed && ctx.replicas.includes(r.candidate);
}
