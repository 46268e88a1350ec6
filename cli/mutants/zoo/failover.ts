/**
 * Mutants of replica failover (detection, election delay and rank, one vote per epoch, quorum,
 * promotion) and of primary leases (majority of grants, margin, counting from the request's send
 * time, the voters' promises, quiet after a restart, renewals blocked during a failover):
 * core/failover/election.ts, lease.ts and their use in core/clusternode/node.ts.
 */
import type { Mutant } from '../types.ts';

export const failoverMutants: readonly Mutant[] = [
  {
    id: 'failover/quorum-off-by-one',
    rule: 'Redis Cluster failover: a replica wins with votes from a majority of the voters (cluster.c, needed_quorum = size/2+1)',
    in: 'core/failover/election.ts',
    find: 'const majority = Math.floor(voters.length / 2) + 1;',
    replace: 'const majority = Math.floor(voters.length / 2);',
    mistake: 'the majority is computed as half the voters, so a tie wins',
  },
  {
    id: 'failover/vote-same-epoch',
    rule: 'Redis Cluster failover: a voter grants at most one vote per epoch (lastVoteEpoch, persisted before answering)',
    in: 'core/failover/election.ts',
    find: 'if (ctx.doubleVote ? r.epoch < lastVoteEpoch : r.epoch <= lastVoteEpoch) return',
    replace: 'if (r.epoch < lastVoteEpoch) return',
    mistake: 'the epoch check uses < instead of <=, so a voter can vote twice in one epoch',
  },
  {
    id: 'failover/rank-counts-equal',
    rule: 'Redis clusterGetSlaveRank: rank counts siblings with a strictly larger replication offset',
    in: 'core/failover/election.ts',
    find: 'for (const o of siblingOffsets) if (o > myOffset) rank++;',
    replace: 'for (const o of siblingOffsets) if (o < myOffset) rank++;',
    mistake: 'the rank counts siblings that are behind instead of ahead, so the least up-to-date replica asks first',
  },
  {
    id: 'failover/voter-checks-candidate',
    rule: 'A voter grants an automatic failover only if its own failure detector suspects the failed primary (election.ts decideVote; cluster.c clusterSendFailoverAuthIfNeeded refuses unless the master is FAIL)',
    in: 'core/clusternode',
    find: 'failedSuspected: suspects(s, m.failed),',
    replace: 'failedSuspected: suspects(s, from),',
    mistake: 'wrong variable: the voter looks up the candidate (who is alive, it just asked) instead of the failed primary',
  },
  {
    id: 'failover/election-delay-fixed',
    rule: 'Redis failover_auth_time: a replica whose primary failed waits 500 + random(0..500) + rank * 1000 ms before asking for votes, so the most up-to-date replica asks first and replicas rarely split the vote (election.ts electionDelayMs)',
    in: 'core/clusternode',
    find: 'afterMs: delay });',
    replace: 'afterMs: o.election.baseDelayMs });',
    mistake: 'the election timer is armed with the fixed part of the delay only: jitter and rank are computed, logged, and not waited',
  },
  {
    id: 'failover/vote-not-persisted',
    rule: 'A voter persists the epoch it voted in before answering (election.ts; cluster.c clusterSendFailoverAuthIfNeeded saves lastVoteEpoch with CLUSTER_TODO_FSYNC_CONFIG before the reply goes out)',
    in: 'core/clusternode',
    find: 'persist(c, { op: \'overwrite\', file: VOTE_FILE, records: [voteRecord(s.lastVoteEpoch)] });',
    replace: '',
    mistake: 'the vote is recorded in memory only: a voter that restarts has forgotten which epoch it voted in',
  },
  {
    id: 'lease/majority-floor',
    rule: 'lease.ts: the holder counts a lease only once a majority of the voters granted the same request (two leases\' majorities must share a voter)',
    in: 'core/failover',
    find: 'if (p.grants.length * 2 <= voters.length) return false;',
    replace: 'if (p.grants.length < Math.floor(voters.length / 2)) return false;',
    mistake: 'the majority is taken as floor(n/2) grants, so one voter of three (possibly the primary itself) is enough',
  },
  {
    id: 'lease/no-margin',
    rule: 'lease.ts: the holder subtracts a safety margin for clock skew and drift (marginMs) from its lease, so it stops before any voter\'s promise can run out',
    in: 'core/failover',
    find: 'const until = p.sentAtMs + o.leaseMs - o.marginMs;',
    replace: 'const until = p.sentAtMs + o.leaseMs;',
    mistake: 'the margin is forgotten: the holder\'s lease lasts exactly as long as the voters\' promises, as measured on its own clock',
  },
  {
    id: 'lease/extends-from-expiry',
    rule: 'lease.ts: the holder counts its lease from when it sent the request that a majority granted, never from an earlier lease\'s end',
    in: 'core/failover',
    find: 'const until = p.sentAtMs + o.leaseMs - o.marginMs;',
    replace: 'const until = Math.max(h.untilMs, p.sentAtMs) + o.leaseMs - o.marginMs;',
    mistake: 'a renewal extends the current lease by another lease length instead of restarting it from the request\'s send time',
  },
  {
    id: 'lease/renewal-not-extending-promise',
    rule: 'lease.ts decideGrant: granting is a promise ("for leaseMs of my clock I grant this shard to nobody else"), recorded (extended) on every grant, renewals included',
    in: 'core/failover',
    find: 'g.promises[shard] = { node, untilMs: nowMs + o.leaseMs };',
    replace: 'if (p === undefined || p.node !== node) g.promises[shard] = { node, untilMs: nowMs + o.leaseMs };',
    mistake: 'the promise is recorded when the holder changes, not when the same holder renews: the voter forgets it after one lease length while still granting renewals',
  },
  {
    id: 'lease/quiet-forgotten',
    rule: 'lease.ts / node.ts onStart: a voter that restarts may have forgotten its promises, so it grants no lease and no vote for a lease\'s length',
    in: 'core/clusternode',
    find: 'emptyGrantor(fresh ? 0 : c.env.nowMs + o.lease.leaseMs)',
    replace: 'emptyGrantor(0)',
    mistake: 'the restarted voter starts granting leases and votes at once',
  },
  {
    id: 'lease/auto-failover-blocks-renewals',
    rule: 'election.ts blocksRenewals: only a manual failover of a live primary stops the voters renewing its lease; an automatic one must not, or a false suspicion (SWIM after a heal) costs a healthy primary its lease',
    in: 'core/failover',
    find: 'return r.mode !== \'auto\' && ',
    replace: 'return ',
    mistake: 'every valid vote request, automatic ones included, blocks the primary\'s lease renewals',
  },
];
