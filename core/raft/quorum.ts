/**
 * Quorum math of Raft, as small pure functions. Everything here counts voters of one configuration
 * (single-server membership changes never need joint quorums).
 */

/** Smallest number of voters that forms a majority of `voterCount` (Raft §5.2). */
export function majority(voterCount: number): number {
  if (!Number.isInteger(voterCount) || voterCount < 1) throw new Error(`majority of ${voterCount} voters`);
  return Math.floor(voterCount / 2) + 1;
}

/** Whether `count` voters out of `voterCount` form a majority. */
export function isQuorum(count: number, voterCount: number): boolean {
  return count >= majority(voterCount);
}

/**
 * The largest value that a majority of `values` (one per voter) is at least: the commit index from
 * the voters' matchIndex (Fig. 2 "Leaders" rule 4 before its term check), or the read sequence a
 * majority has acknowledged (ReadIndex, thesis §6.4). 0 for no voters.
 */
export function quorumValue(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => b - a);
  return sorted[majority(values.length) - 1] as number;
}

export type VoteOutcome = 'won' | 'lost' | 'pending';

/** The state of an election once `granted` and `rejected` voters (disjoint) have answered. */
export function voteOutcome(granted: number, rejected: number, voterCount: number): VoteOutcome {
  if (isQuorum(granted, voterCount)) return 'won';
  if (voterCount - rejected < majority(voterCount)) return 'lost';
  return 'pending';
}
