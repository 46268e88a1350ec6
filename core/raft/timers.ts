/**
 * Raft's timers: the election timer of followers and candidates, and the leader's heartbeat.
 *
 * The election timer is armed lazily. Hearing from a leader only moves `electionDeadlineMs`; the
 * timer armed earlier fires, finds the deadline still ahead and re-arms for the rest. Most
 * AppendEntries then cost no timer effect at all.
 */
import { assertNever } from '../contract/assert.ts';
import { cover, mayCampaign, progressOf, type Step } from './context.ts';
import { isQuorum } from './quorum.ts';
import { heartbeat } from './replication.ts';
import { becomeCandidate, becomeFollower, becomePreCandidate } from './roles.ts';
import { endTransfer } from './transfer.ts';
import type { LeaderState } from './types.ts';

export const ELECTION_TIMER = 'election';
export const HEARTBEAT_TIMER = 'heartbeat';
/** Every timer Raft sets: the T of its Protocol, Input and Effect. */
export type RaftTimer = typeof ELECTION_TIMER | typeof HEARTBEAT_TIMER;

const RAFT_TIMERS: Readonly<Record<RaftTimer, true>> = { [ELECTION_TIMER]: true, [HEARTBEAT_TIMER]: true };

/** Whether a name is one of Raft's timers: how a host that runs them under their own names tells them from its own. */
export function isRaftTimer(timer: string): timer is RaftTimer {
  return Object.hasOwn(RAFT_TIMERS, timer);
}

/** An election timer that fires less than this before its deadline counts as on time. */
export const TIMER_SLACK_MS = 1;

export function onTimer<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, timer: RaftTimer): void {
  switch (timer) {
    case ELECTION_TIMER:
      onElectionTimer(c);
      return;
    case HEARTBEAT_TIMER:
      onHeartbeatTimer(c);
      return;
    default:
      assertNever(timer, 'timer');
  }
}

export function redrawElectionTimeout<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  c.s.electionTimeoutMs = c.env.rng.between(c.opts.electionTimeoutMinMs, c.opts.electionTimeoutMaxMs);
}

/** Push the election deadline one timeout into the future (the timer itself is re-armed lazily). */
export function resetElectionTimer<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  c.s.electionDeadlineMs = c.env.nowMs + c.s.electionTimeoutMs;
  armElectionTimer(c);
}

/** Arm the election timer unless one already fires at or before the deadline. */
function armElectionTimer<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  if (s.electionTimerDueMs !== null && s.electionTimerDueMs <= s.electionDeadlineMs) return;
  c.fx.push({ type: 'setTimer', timer: ELECTION_TIMER, afterMs: s.electionDeadlineMs - c.env.nowMs });
  s.electionTimerDueMs = s.electionDeadlineMs;
}

function onElectionTimer<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  s.electionTimerDueMs = null;
  if (s.role === 'leader') return; // cancelled when it became leader; a late firing changes nothing
  // Heard from a leader since the timer was armed: wait for the rest. (A timer may fire a hair
  // early on a drifting clock; re-arming for a sliver would spin, so a sliver counts as expired.)
  if (s.electionDeadlineMs - c.env.nowMs >= TIMER_SLACK_MS) {
    armElectionTimer(c);
    return;
  }
  if (!mayCampaign(s)) {
    resetElectionTimer(c); // not a member (yet, or any more)
    return;
  }
  // Fig. 2 Followers: if election timeout elapses without receiving AppendEntries from the current
  // leader or granting a vote, convert to candidate. Candidates: if it elapses, start a new election.
  if (c.opts.preVote) becomePreCandidate(c);
  else becomeCandidate(c, false);
}

function onHeartbeatTimer<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>): void {
  const s = c.s;
  const l = s.leader;
  if (l === null) return; // cancelled when it stepped down
  c.fx.push({ type: 'setTimer', timer: HEARTBEAT_TIMER, afterMs: c.opts.heartbeatIntervalMs });
  // CheckQuorum (thesis §6.2, §9.6): step down when a majority has not answered within an election timeout.
  if (c.opts.checkQuorum && c.env.nowMs - l.lastQuorumCheckMs >= c.opts.electionTimeoutMinMs && !heardFromQuorum(c, l)) {
    cover(c, 'raft/checkquorum-stepdown');
    becomeFollower(c, s.currentTerm, null);
    return;
  }
  if (l.transfer !== null && c.env.nowMs >= l.transfer.deadlineMs) endTransfer(c, 'leadership transfer timed out');
  // Fig. 2 Leaders 1: repeat empty AppendEntries during idle periods to prevent election timeouts.
  for (const pr of l.progress) heartbeat(c, pr, true);
}

/** Ends a CheckQuorum period: whether a majority (self included) answered during it. */
function heardFromQuorum<SM, Cmd, Query, Result>(c: Step<SM, Cmd, Query, Result>, l: LeaderState<Query>): boolean {
  const s = c.s;
  l.lastQuorumCheckMs = c.env.nowMs;
  let active = 0;
  for (const v of s.membership.voters) if (v === s.self || progressOf(l, v)?.recentActive === true) active++;
  for (const pr of l.progress) pr.recentActive = false;
  return isQuorum(active, s.membership.voters.length);
}
