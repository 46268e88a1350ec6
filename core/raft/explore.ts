/**
 * Raft as the explorer (explore/) should compare it: the `canonical` and `canonicalDisk` hooks
 * of core/contract/protocol.ts, for a Raft server and for the simulated kv client. Attach them to the
 * protocol objects, as scenarios/raft-explore.ts does:
 *
 *   const server = { ...createKvRaftProtocol(cfg), ...raftExploreHooks(cfg) };
 *
 * A Raft state stores absolute times (electionDeadlineMs, electionTimerDueMs, lastLeaderContactMs,
 * the leader's lastQuorumCheckMs and transfer deadline). Two worlds that differ only by when they
 * happen must compare equal, so each time becomes relative to now, and where the protocol only asks
 * "has it passed?" every value on the far side of the threshold becomes one value:
 *
 *   electionDeadlineMs   deadline - now; below TIMER_SLACK_MS (1 ms) the deadline counts as
 *                        passed, and a passed deadline is only ever compared as passed: 0
 *   electionTimerDueMs   due - now, at least 0 (an overdue timer fires now, however late)
 *   lastLeaderContactMs  now - contact, at most electionTimeoutMinMs (the lease has run out)
 *   lastQuorumCheckMs    now - check, at most electionTimeoutMinMs (CheckQuorum is due); without
 *                        CheckQuorum it is never read, and neither is a progress record's recentActive
 *   transfer.deadlineMs  deadline - now, at least 0 (the transfer has timed out)
 *
 * Everything else is kept as it is. Sets of node ids are kept as sorted arrays or as objects keyed
 * by id (the leader's progress), so that symmetry reduction can rename ids and still compare them.
 */
import type { DurableState } from '../contract/protocol.ts';
import { resolveRaftOptions } from './node.ts';
import { unframeRecord } from './storage.ts';
import type { KvClientState } from './client.ts';
import type { KvCommand, KvQuery, KvState } from './kv.ts';
import type { LogEntry, RaftConfig, RaftState } from './types.ts';

const TIMER_SLACK_MS = 1;

/** `canonical`, `canonicalDisk` and `clone` for a Raft server of the key-value store with this config. */
export function raftExploreHooks(config: RaftConfig): {
  canonical: (state: RaftState<KvState, KvCommand, KvQuery>, nowMs: number) => unknown;
  canonicalDisk: (disk: DurableState) => unknown;
  clone: (state: RaftState<KvState, KvCommand, KvQuery>) => RaftState<KvState, KvCommand, KvQuery>;
  progress: (state: RaftState<KvState, KvCommand, KvQuery>) => string;
} {
  const options = resolveRaftOptions(config);
  const leaseMs = options.electionTimeoutMinMs;
  return {
    canonical: (state, nowMs) => raftCanonical(state, nowMs, leaseMs, options.checkQuorum),
    progress: raftProgress,
    canonicalDisk: raftCanonicalDisk,
    clone: (state) => raftClone(state, kvClone),
  };
}

/**
 * A copy of a Raft state that a step may mutate. What node.ts mutates in place is copied: the
 * state object, the log object and its entries array (push, truncate), the state machine (through
 * `cloneSm`), the leader's state, its progress records (matchIndex, nextIndex, ...), its pending
 * reads and writes (push, shift) and its transfer (timeoutNowSent). What it only ever replaces is
 * shared: log entries, the snapshot, the membership, the vote lists, pending read and write records.
 * (The explorer's tests step thousands of worlds with `verifyClones` on to check this.)
 */
export function raftClone<SM, Cmd, Query>(s: RaftState<SM, Cmd, Query>, cloneSm: (sm: SM) => SM): RaftState<SM, Cmd, Query> {
  const l = s.leader;
  return {
    ...s,
    log: { snapshotIndex: s.log.snapshotIndex, snapshotTerm: s.log.snapshotTerm, entries: s.log.entries.slice() },
    sm: cloneSm(s.sm),
    leader:
      l === null
        ? null
        : {
            ...l,
            progress: l.progress.map((p) => ({ ...p })),
            pendingReads: l.pendingReads.slice(),
            pendingWrites: l.pendingWrites.slice(),
            transfer: l.transfer === null ? null : { ...l.transfer },
          },
  };
}

/** The key-value store mutates its two maps (their values it replaces). Spreading keeps a "__proto__" key as data. */
export function kvClone(sm: KvState): KvState {
  return { data: { ...sm.data }, sessions: { ...sm.sessions } };
}

export function raftCanonical(s: RaftState<unknown, unknown, unknown>, nowMs: number, electionTimeoutMinMs: number, checkQuorum = true): unknown {
  const deadline = s.electionDeadlineMs - nowMs;
  const l = s.leader;
  // A fixed-order tuple: no keys to sort. Sets of ids stay sorted arrays (or keys, for progress).
  return [
    s.self,
    s.started,
    s.role,
    s.currentTerm,
    s.votedFor,
    s.log.snapshotIndex,
    s.log.snapshotTerm,
    s.log.entries.map(entryCanonical),
    s.snapshot,
    s.membership.voters,
    s.membership.index,
    s.commitIndex,
    s.lastApplied,
    s.sm,
    s.leaderId,
    s.electionTimeoutMs,
    deadline >= TIMER_SLACK_MS ? deadline : 0,
    s.electionTimerDueMs === null ? null : Math.max(0, s.electionTimerDueMs - nowMs),
    s.lastLeaderContactMs === null ? null : Math.min(electionTimeoutMinMs, nowMs - s.lastLeaderContactMs),
    s.votesGranted,
    s.votesRejected,
    l === null
      ? null
      : [
          // recentActive and lastQuorumCheckMs are read by CheckQuorum only.
          Object.fromEntries(l.progress.map((p) => [p.id, [p.matchIndex, p.nextIndex, p.mode, p.probeSent, checkQuorum && p.recentActive, p.ackedReadSeq]])),
          l.termStartIndex,
          l.readSeq,
          l.pendingReads,
          l.pendingWrites,
          l.pendingConfig,
          l.transfer === null ? null : [l.transfer.target, Math.max(0, l.transfer.deadlineMs - nowMs), l.transfer.commandId, l.transfer.timeoutNowSent],
          checkQuorum ? Math.min(electionTimeoutMinMs, nowMs - l.lastQuorumCheckMs) : 0,
        ],
  ];
}

/** Log entries never change once made (and `raftClone` shares them), so each one's canonical form is made once. */
const entryForms = new WeakMap<object, unknown>();
function entryCanonical(e: LogEntry<unknown>): unknown {
  let form = entryForms.get(e);
  if (form === undefined) {
    const d = e.data;
    form = [e.index, e.term, e.hash, d.type, d.type === 'command' ? d.command : d.type === 'config' ? d.voters : null];
    entryForms.set(e, form);
  }
  return form;
}

/** The disk with its records decoded (a damaged record kept as it is), so node ids inside them can be renamed. */
export function raftCanonicalDisk(disk: DurableState): unknown {
  const out: Record<string, unknown[]> = {};
  for (const file of Object.keys(disk)) out[file] = disk[file]!.map((r) => unframeRecord(r) ?? { damaged: r });
  return out;
}

/**
 * The kv client's state without the call time of the operation in flight: it is only reported in
 * the client's observations (the checkers' history), never compared, so it changes nothing the
 * client does next. Everything else is kept.
 */
/**
 * A Raft server's progress for the explorer's guided search (Protocol.progress): its role, term,
 * vote, the terms of its log and its commit index; a leader's reads waiting and how many peers
 * confirmed the oldest one's round (ReadIndex). Not who it heard from when, nor where a leader
 * thinks its followers' logs end.
 */
export function raftProgress(s: RaftState<unknown, unknown, unknown>): string {
  let terms = '';
  for (const e of s.log.entries) terms += `${e.term},`;
  let reads = '';
  const l = s.leader;
  if (l !== null && l.pendingReads.length > 0) {
    const round = l.pendingReads[0]!.readSeq;
    reads = ` r${l.pendingReads.length}:${l.progress.filter((p) => p.ackedReadSeq >= round).length}`;
  }
  return `${s.role[0]}${s.currentTerm} v${s.votedFor ?? '-'} s${s.log.snapshotIndex}.${s.log.snapshotTerm} [${terms}] c${s.commitIndex}${reads}`;
}

/** A simulated client's progress: the operations it has started, and whether one is under way. */
export function kvClientProgress(s: KvClientState): string {
  return `${s.nextOpId}${s.current === null ? '' : '*'}`;
}

export function kvClientCanonical(s: KvClientState, _nowMs: number): unknown {
  return s.current === null ? s : { ...s, current: { ...s.current, callMs: 0 } };
}
