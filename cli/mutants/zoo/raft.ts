/**
 * Mutants of Raft (core/raft): elections and votes, AppendEntries on both sides, the commit rule,
 * persistence order, snapshots, single-server membership changes, ReadIndex, PreVote, CheckQuorum,
 * leadership transfer, the leader lease, restart recovery, the key-value store's sessions and the
 * client's retries. None re-creates a `--bug` switch (core/raft/bugs.ts).
 */
import type { Mutant } from '../types.ts';

export const raftMutants: readonly Mutant[] = [
  // ---------------------------------------------------------------------------------------------
  // Elections: RequestVote receiver, quorum, the lease

  {
    id: 'raft/uptodate-by-length',
    rule: 'Raft §5.4.1 (RequestVote receiver 2): a log is more up to date when its last term is later; only with equal last terms does the longer log win',
    in: 'core/raft/log.ts',
    find: 'return candidate.lastTerm > voter.lastTerm ||',
    replace: 'return candidate.lastIndex > voter.lastIndex ||',
    mistake: 'the up-to-date check compares log lengths first, so a longer log with an older last term gets the vote',
  },
  {
    id: 'raft/majority-ceil',
    rule: 'Raft §5.2 and Fig. 2: a candidate needs votes, and an entry replicas, from a majority of the voters, floor(n/2)+1',
    in: 'core/raft/quorum.ts',
    find: 'return Math.floor(voterCount / 2) + 1;',
    replace: 'return Math.ceil(voterCount / 2);',
    mistake: 'the majority is computed as ceil(n/2), which is half, not a majority, of an even number of voters',
  },
  {
    id: 'raft/stale-append-unanswered',
    rule: 'Raft Fig. 2 AppendEntries receiver 1: reply false (with currentTerm) if term < currentTerm, so a stale leader learns the newer term and steps down',
    in: 'core/raft/node.ts',
    find: '// Fig. 2 AppendEntries receiver 1: reply false if term < currentTerm.',
    replace: 'return; // a stale leader\'s request is dropped',
    mistake: 'an AppendEntries or InstallSnapshot of an older term is dropped silently instead of refused with the current term',
  },
  {
    id: 'raft/lease-ignores-transfer',
    rule: 'Raft thesis §3.10 and §4.2.3: a RequestVote sent after TimeoutNow disregards the leader lease, or no transfer could ever win',
    in: 'core/raft/node.ts',
    find: "if (m.type === 'requestVote' && !m.transfer && inLease(c)) return cover(",
    replace: "if (m.type === 'requestVote' && inLease(c)) return cover(",
    mistake: 'the leader lease also swallows the vote requests of a transfer target, so the hand-over only succeeds by disrupting the old leader',
  },
  {
    id: 'raft/prevote-raises-term',
    rule: 'Raft thesis §9.6 (PreVote): a pre-vote request carries the term the sender would campaign in and changes nobody\'s term',
    in: 'core/raft/node.ts',
    find: "const futureTerm = (m.type === 'requestVote' && m.preVote) || (",
    replace: 'const futureTerm = (',
    mistake: 'only a granted pre-vote answer is exempt from the higher-term rule, so a pre-vote request raises the voter\'s term and deposes its leader',
  },
  {
    id: 'raft/election-timer-not-reset',
    rule: 'Raft Fig. 2 Followers: an AppendEntries from the current leader restarts the election timer',
    in: 'core/raft/node.ts',
    find: 's.lastLeaderContactMs = c.env.nowMs;\n  resetElectionTimer(c);',
    replace: 's.lastLeaderContactMs = c.env.nowMs;',
    mistake: 'hearing from the leader renews the lease but does not push the election deadline back, so followers campaign against a live leader',
  },

  // ---------------------------------------------------------------------------------------------
  // Replication: AppendEntries receiver and the leader's progress

  {
    id: 'raft/prev-term-not-checked',
    rule: 'Raft Fig. 2 AppendEntries receiver 2 (consistency check): reply false if the log has no entry at prevLogIndex whose term matches prevLogTerm',
    in: 'core/raft/replication.ts',
    find: 'if (termAt(s.log, prevIndex) !== prevTerm) {',
    replace: 'if (termAt(s.log, prevIndex) === null) {',
    mistake: 'the consistency check only asks that the log reach prevLogIndex, not that the entry there has prevLogTerm',
  },
  {
    id: 'raft/ack-whole-log',
    rule: 'Raft Fig. 2 AppendEntries: on success the follower matches the leader up to prevLogIndex + entries.length, no further (§5.3; what the leader may put in matchIndex)',
    in: 'core/raft/replication.ts',
    find: 'sendAck(c, from, ack(true, lastNew, 0, 0));',
    replace: 'sendAck(c, from, ack(true, lastIndex(s.log), 0, 0));',
    mistake: 'the follower acknowledges its whole log instead of the last entry the request covered, so stale entries past it count as replicated',
  },
  {
    id: 'raft/commit-past-last-new',
    rule: 'Raft Fig. 2 AppendEntries receiver 5: commitIndex = min(leaderCommit, index of last new entry), not the last index of the log',
    in: 'core/raft/replication.ts',
    find: 'const commit = Math.min(m.leaderCommit, lastNew);',
    replace: 'const commit = Math.min(m.leaderCommit, lastIndex(s.log));',
    mistake: 'the follower bounds leaderCommit by its own last log index, so it commits stale entries past what the leader checked',
  },
  {
    id: 'raft/match-from-next-index',
    rule: 'Raft Fig. 2 Leaders 3: on success, matchIndex is what the follower acknowledged; nextIndex is only the optimistic guess of what to send',
    in: 'core/raft/replication.ts',
    find: 'const match = Math.min(m.matchIndex, lastIndex(s.log));',
    replace: 'const match = pr.nextIndex - 1;',
    mistake: 'on a successful answer matchIndex is set to nextIndex - 1, which pipelining has already moved past what this answer acknowledged',
  },
  {
    id: 'raft/truncate-keeps-config',
    rule: 'Raft thesis §4.1: a server uses the latest configuration in its log, so truncating a configuration entry reverts to the previous one',
    in: 'core/raft/replication.ts',
    find: 'if (s.membership.index >= index) setMembership(',
    replace: 'if (s.membership.index > index) setMembership(',
    mistake: 'off by one: when the truncation starts exactly at the configuration entry, the removed configuration stays in force',
  },

  // ---------------------------------------------------------------------------------------------
  // Persistence

  {
    id: 'raft/term-not-persisted',
    rule: 'Raft Fig. 2 "Persistent state on all servers": currentTerm is on stable storage before responding to RPCs, not only votedFor',
    in: 'core/raft/roles.ts',
    find: 's.votedFor = votedFor;\n  persistMeta(c);',
    replace: 's.votedFor = votedFor;\n  if (votedFor !== null) persistMeta(c);',
    mistake: 'the meta file is written only when the node votes, so a newer term learned from a message is lost at a crash',
  },

  // ---------------------------------------------------------------------------------------------
  // Snapshots and InstallSnapshot

  {
    id: 'raft/compaction-log-before-snapshot',
    rule: 'Raft §7 / thesis §5.1: the snapshot is durable before the log entries it covers are discarded',
    in: 'core/raft/snapshot.ts',
    find: "persist(c, { op: 'overwrite', file: SNAPSHOT_FILE, records: [snapshotRecord(snapshot)] });\n  s.log = { snapshotIndex: index, snapshotTerm: term, entries: s.log.entries.slice(index - s.log.snapshotIndex) };\n  persist(c, { op: 'overwrite', file: LOG_FILE, records: s.log.entries.map(logRecord) });",
    replace: "s.log = { snapshotIndex: index, snapshotTerm: term, entries: s.log.entries.slice(index - s.log.snapshotIndex) };\n  persist(c, { op: 'overwrite', file: LOG_FILE, records: s.log.entries.map(logRecord) });\n  persist(c, { op: 'overwrite', file: SNAPSHOT_FILE, records: [snapshotRecord(snapshot)] });",
    mistake: 'the compacted log is written before the snapshot, so a crash between the two loses the entries in between',
  },
  {
    id: 'raft/compact-past-applied',
    rule: 'Raft §7: a server snapshots only what its state machine has applied (committed entries); lastIncludedIndex is the last applied index',
    in: 'core/raft/snapshot.ts',
    find: 'const index = s.lastApplied;',
    replace: 'const index = lastIndex(s.log);',
    mistake: 'the snapshot is labelled with the last log index, so unapplied (even uncommitted) entries are compacted away with a state machine that lacks them',
  },
  {
    id: 'raft/snapshot-term-current',
    rule: 'Raft §7 / Fig. 13: lastIncludedTerm is the term of the entry at lastIncludedIndex',
    in: 'core/raft/snapshot.ts',
    find: 'const term = termAt(s.log, index) as number;',
    replace: 'const term = s.currentTerm;',
    mistake: "the snapshot records the node's current term instead of the term of its last included entry",
  },
  {
    id: 'raft/install-keeps-unmatched-log',
    rule: 'Raft Fig. 13 InstallSnapshot receiver 6-7: keep the entries after the snapshot only if an entry has its last included index and term; otherwise discard the entire log',
    in: 'core/raft/snapshot.ts',
    find: 'const keep = termAt(s.log, snap.index) === snap.term ? s.log.entries.slice(snap.index - s.log.snapshotIndex) : [];',
    replace: 'const keep = s.log.entries.slice(snap.index - s.log.snapshotIndex);',
    mistake: 'the follower keeps the entries after the snapshot without checking that its log matches at the last included index and term',
  },

  // ---------------------------------------------------------------------------------------------
  // Membership, commit, removed leader

  {
    id: 'raft/membership-before-noop',
    rule: "Raft thesis §4.1 with Ongaro's single-server fix (raft-dev 2015): a leader may not change the membership until an entry of its own term is committed",
    in: 'core/raft/membership.ts',
    find: "if (s.commitIndex < l.termStartIndex) return 'no entry of the current term is committed yet';",
    replace: '',
    mistake: "the leader accepts a membership change before its term's no-op is committed, so it may race an uncommitted change of an earlier leader",
  },
  {
    id: 'raft/removed-leader-stays',
    rule: 'Raft thesis §4.2.2: a leader that is not in the configuration steps down once that configuration entry is committed',
    in: 'core/raft/commit.ts',
    find: 'if (!isVoter(s, s.self) && s.membership.index <= commitIndex) {',
    replace: 'if (!isVoter(s, s.self) && s.membership.index < commitIndex) {',
    mistake: 'off by one: a removed leader steps down only when an entry after its removal commits, not when the removal itself commits',
  },

  // ---------------------------------------------------------------------------------------------
  // ReadIndex

  {
    id: 'raft/read-index-before-noop',
    rule: "Raft thesis §6.4 ReadIndex step 1: the read index is the commit index once the leader has committed an entry of its term (the no-op); before that, the leader's commit index may be behind",
    in: 'core/raft/reads.ts',
    find: 'readIndex: Math.max(s.commitIndex, l.termStartIndex)',
    replace: 'readIndex: s.commitIndex',
    mistake: "a new leader serves reads at its commit index without waiting for its term's no-op, so it can miss writes the previous leader committed",
  },
  {
    id: 'raft/read-round-reused',
    rule: 'Raft thesis §6.4 ReadIndex step 3: leadership is confirmed by a round of heartbeats sent after the read arrived',
    in: 'core/raft/reads.ts',
    find: 'l.readSeq += 1;\n  l.pendingReads.push({ node: from, opId, query, readIndex: Math.max(s.commitIndex, l.termStartIndex), readSeq: l.readSeq });',
    replace: 'l.pendingReads.push({ node: from, opId, query, readIndex: Math.max(s.commitIndex, l.termStartIndex), readSeq: l.readSeq });\n  l.readSeq += 1;',
    mistake: 'the read is tagged with the round number before it is bumped, so acknowledgements of an earlier round, sent before the read arrived, confirm it',
  },
  {
    id: 'raft/read-waits-for-commit-not-apply',
    rule: 'Raft thesis §6.4 ReadIndex step 4: the leader answers once its state machine has applied up to the read index',
    in: 'core/raft/reads.ts',
    find: 'r.readIndex > s.lastApplied',
    replace: 'r.readIndex > s.commitIndex',
    mistake: 'a read waits for the commit index to reach the read index, not for the state machine to apply it',
  },

  // ---------------------------------------------------------------------------------------------
  // CheckQuorum and leadership transfer

  {
    id: 'raft/checkquorum-never-clears',
    rule: 'Raft thesis §6.2 and §9.6 (CheckQuorum): a leader steps down if a majority has not answered within an election timeout; each period starts with nobody heard from',
    in: 'core/raft/timers.ts',
    find: 'for (const pr of l.progress) pr.recentActive = false;',
    replace: '',
    mistake: 'recentActive is never cleared after a check, so a follower heard from once counts as active forever and a cut-off leader never steps down',
  },
  {
    id: 'raft/transfer-never-abandoned',
    rule: 'Raft thesis §3.10: a transfer that has not completed within an election timeout is abandoned and the leader takes client requests again',
    in: 'core/raft/timers.ts',
    find: 'if (l.transfer !== null && c.env.nowMs >= l.transfer.deadlineMs) endTransfer(',
    replace: 'if (l.transfer !== null && !l.transfer.timeoutNowSent && c.env.nowMs >= l.transfer.deadlineMs) endTransfer(',
    mistake: 'the transfer deadline is only enforced until TimeoutNow is sent, so a lost TimeoutNow leaves the leader refusing every request for good',
  },

  // ---------------------------------------------------------------------------------------------
  // Restart recovery (storage.ts)

  {
    id: 'raft/torn-record-kept-on-disk',
    rule: 'Restart recovery (amaters WAL policy, storage.ts): the first bad record and everything after it are dropped from the file too, so later appends follow the last good record',
    in: 'core/raft/storage.ts',
    find: "repairs.push({ op: 'truncate', file: LOG_FILE, keep: badAt });",
    replace: "repairs.push({ op: 'truncate', file: LOG_FILE, keep: badAt + 1 });",
    mistake: 'off by one: the repair keeps the torn record in the file, so the entries appended after the restart sit behind it and are dropped at the next restart',
  },
  {
    id: 'raft/checksum-not-verified',
    rule: 'Restart recovery (storage.ts): a record whose CRC-32 does not match its body is corrupt and is not trusted',
    in: 'core/raft/storage.ts',
    find: 'if (crc32Hex(body) !== record.slice(0, 8)) return null;',
    replace: '',
    mistake: 'records are framed with a checksum that is never verified on read, so a corrupted record that still parses is taken as an entry',
  },

  // ---------------------------------------------------------------------------------------------
  // The key-value store's sessions and the client's retries

  {
    id: 'raft/kv-dedup-off-by-one',
    rule: "Raft thesis §6.3: the state machine remembers each client's last executed sequence number and does not execute a command with that number again",
    in: 'core/raft/kv.ts',
    find: 'if (session !== undefined && command.seq <= session.seq) {',
    replace: 'if (session !== undefined && command.seq < session.seq) {',
    mistake: 'the session check uses < instead of <=, so a retry of the last executed command is executed a second time',
  },
  {
    id: 'raft/client-timeout-not-maybe',
    rule: 'Raft thesis §6.3 and the client contract (client.ts): a write whose request timed out may have been appended, so its outcome is unknown, not failed',
    in: 'core/raft/client.ts',
    find: "if (cur.op.op !== 'get' || readMode === 'log') cur.maybeExecuted = true;",
    replace: "if (cur.op.op !== 'get' && readMode === 'log') cur.maybeExecuted = true;",
    mistake: "&& instead of ||: with ReadIndex reads a timed-out write is never marked as possibly executed, so giving up on it reports 'fail' (no effect)",
  },
];
