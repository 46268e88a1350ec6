/** Mutants of replica failover: detection, rank, one vote per epoch, quorum, promotion. */
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
];
