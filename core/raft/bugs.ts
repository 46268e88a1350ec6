/**
 * Known Raft bugs that a run can switch on (`--bug NAME`), each a one-line description for
 * `--list-bugs`. They are read from the protocol's config, never from a global, so two nodes of
 * one process can run with different bugs.
 */

export const RAFT_BUGS = [
  {
    name: 'commit-previous-term',
    description: 'a leader commits an entry of an earlier term by counting its replicas (the Figure 8 trap of §5.4.2)',
  },
  {
    name: 'vote-without-log-check',
    description: "a voter grants its vote without checking that the candidate's log is at least as up to date as its own (§5.4.1)",
  },
  {
    name: 'votedfor-not-persisted',
    description: 'votedFor is never written to disk, so a node that restarts can vote twice in one term',
  },
  {
    name: 'no-conflict-truncation',
    description: "a follower keeps an entry that conflicts with the leader's (same index, other term) instead of truncating its log there",
  },
  {
    name: 'ignore-higher-term',
    description: 'a leader treats a message of a higher term as one of its own term, so it never steps down and a newer term\'s reply confirms its reads',
  },
  {
    name: 'reply-before-persist',
    description: 'a vote or an AppendEntries acknowledgement is sent before the term, vote or entries it depends on are on disk',
  },
  {
    name: 'apply-before-commit',
    description: 'a node applies log entries to its state machine as soon as it appends them, before they are committed',
  },
  {
    name: 'stale-read',
    description: 'a leader serves reads from its state machine at once, without ReadIndex (no commit wait, no heartbeat round)',
  },
] as const satisfies readonly { readonly name: string; readonly description: string }[];

export type RaftBugName = (typeof RAFT_BUGS)[number]['name'];

export const RAFT_BUG_NAMES: readonly RaftBugName[] = RAFT_BUGS.map((b) => b.name);

export function isRaftBug(name: string): name is RaftBugName {
  return (RAFT_BUG_NAMES as readonly string[]).includes(name);
}

/** Which bugs are on, as booleans read once when a protocol is made (no set lookups on the hot path). */
export interface BugFlags {
  readonly commitPreviousTerm: boolean;
  readonly voteWithoutLogCheck: boolean;
  readonly votedForNotPersisted: boolean;
  readonly noConflictTruncation: boolean;
  readonly ignoreHigherTerm: boolean;
  readonly replyBeforePersist: boolean;
  readonly applyBeforeCommit: boolean;
  readonly staleRead: boolean;
}

export function bugFlags(bugs: readonly string[]): BugFlags {
  for (const b of bugs) if (!isRaftBug(b)) throw new Error(`unknown raft bug '${b}' (known: ${RAFT_BUG_NAMES.join(', ')})`);
  const on = (name: RaftBugName): boolean => bugs.includes(name);
  return {
    commitPreviousTerm: on('commit-previous-term'),
    voteWithoutLogCheck: on('vote-without-log-check'),
    votedForNotPersisted: on('votedfor-not-persisted'),
    noConflictTruncation: on('no-conflict-truncation'),
    ignoreHigherTerm: on('ignore-higher-term'),
    replyBeforePersist: on('reply-before-persist'),
    applyBeforeCommit: on('apply-before-commit'),
    staleRead: on('stale-read'),
  };
}
