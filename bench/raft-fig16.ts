/**
 * Figure 16 of the Raft paper (Ongaro & Ousterhout 2014, extended version, §9.3; Ongaro's thesis,
 * chapter 9): the time to detect and replace a crashed leader, for several election timeout
 * ranges, measured on the simulator.
 *
 * The paper's set-up, as followed here:
 * - five servers, plain Raft: no PreVote (it adds a round trip to every election) and no
 *   CheckQuorum (it only matters for a leader that is alive); the vote lease (thesis §4.2.3)
 *   stays on, as LogCabin had it: by the time a candidate asks, its voters last heard from the
 *   dead leader about an election timeout ago, so it seldom matters;
 * - the heartbeat interval is half the minimum election timeout;
 * - the leader's heartbeats go out together, and the leader crashes at a uniformly random time
 *   within its heartbeat interval (so the smallest possible downtime is about half the minimum
 *   election timeout);
 * - the servers' logs differ in length, so that two of the four survivors cannot become leader:
 *   right after a heartbeat the leader appends an entry that reaches two followers only (its
 *   messages to the other two are cut after the heartbeat arrived, until it crashes);
 * - the downtime is measured from the crash until a server first hears from the new leader (its
 *   first AppendEntries).
 *
 * The paper's cluster had a broadcast time (round trip plus disk write) of about 15 ms. The
 * simulator has no disk latency, so the one-way delay of a message stands for the network plus
 * the fsync that precedes the messages on the election's path (the candidate's term, the voter's
 * vote). It is uniform in 2-4 ms, the one parameter fitted to the figure: the fastest possible
 * downtime is then half the minimum timeout plus a heartbeat's delay and three hops (8-16 ms),
 * and the fastest of 1000 trials lands where the paper's curves start (88-90 ms for the 150 ms
 * ranges against 84-93; 18, 25, 38, 64 ms for the bottom graph against 15, 24, 37, 66). Every
 * other statistic is a prediction. Clocks drift by up to ±50 ppm: without any drift, servers
 * with equal timeouts that start in step stay in step, and 150-150 ms never elects a leader.
 *
 * Known differences: a heartbeat here is as slow as a vote (the simulator delays all messages
 * alike), so followers' timers start less in step than in the paper's cluster, where heartbeats
 * need no fsync; that makes the 150-150 and 150-151 ms lines break their ties much sooner. And
 * the entry that leaves two followers behind is appended right after a heartbeat, once every
 * heartbeat has arrived; when the leader crashes before that (a share of the interval that is
 * large for 12-24 ms) all four survivors are eligible. The tables print that share.
 *
 * A trial is two runs of one seed. The first elects a leader (the other four restart right
 * after boot, so one server is sure to time out first) and records when it became leader; runs
 * are deterministic, so the second run repeats that prefix exactly and can place the entry, the
 * cut and the crash relative to the leader's heartbeats, which follow its election at fixed
 * intervals.
 */
import { runWorld } from '../sim/kernel.ts';
import type { InvariantChecker, RunConfig, World } from '../sim/scenario.ts';
import type { FaultEvent } from '../sim/faults.ts';
import { nodeIds } from '../sim/configure.ts';
import { Stream } from '../core/contract/rng.ts';
import { createKvRaftProtocol } from '../core/raft/index.ts';
import type { RaftObservation, RaftState } from '../core/raft/types.ts';
import { lastIndex } from '../core/raft/log.ts';

export interface TimeoutRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** The ranges of the figure: randomness (top graph) and scale (bottom graph). */
export const TOP_RANGES: readonly TimeoutRange[] = [
  { minMs: 150, maxMs: 150 },
  { minMs: 150, maxMs: 151 },
  { minMs: 150, maxMs: 155 },
  { minMs: 150, maxMs: 175 },
  { minMs: 150, maxMs: 200 },
  { minMs: 150, maxMs: 300 },
];
export const BOTTOM_RANGES: readonly TimeoutRange[] = [
  { minMs: 12, maxMs: 24 },
  { minMs: 25, maxMs: 50 },
  { minMs: 50, maxMs: 100 },
  { minMs: 100, maxMs: 200 },
  { minMs: 150, maxMs: 300 },
];

export const LATENCY_MS = { min: 2, max: 4 } as const;
/** Each server's clock runs fast or slow by up to this much (quartz without NTP discipline). */
export const DRIFT_PPM = 50;
const SERVERS = nodeIds('n', 5);

export function rangeName(r: TimeoutRange): string {
  return `${r.minMs}-${r.maxMs}ms`;
}

/** What bounds a trial: the paper's slowest trial (150-150 ms) took 527 s. */
function trialLimitMs(r: TimeoutRange): number {
  return r.maxMs === r.minMs ? 1_200_000 : 60_000;
}

interface TrialPlan {
  readonly first: string;
  readonly driftPpm: Readonly<Record<string, number>>;
  readonly bootFaults: FaultEvent[];
  readonly settleMs: number;
}

function plan(r: TimeoutRange, rng: Stream): TrialPlan {
  const first = SERVERS[rng.int(SERVERS.length)] as string;
  const driftPpm: Record<string, number> = {};
  const bootFaults: FaultEvent[] = [];
  // Real clocks run at slightly different rates; without that, servers with equal timeouts that
  // start in step stay in step forever (150-150 ms would never elect a leader).
  for (const n of SERVERS) {
    driftPpm[n] = Math.round((rng.next() * 2 - 1) * DRIFT_PPM);
    bootFaults.push({ atMs: 0, type: 'clock', node: n, skewMs: 0, driftPpm: driftPpm[n] });
  }
  // Everyone else restarts after the first one's timeout plus a message delay: it wins alone.
  const backMs = r.maxMs + LATENCY_MS.max + 1;
  for (const n of SERVERS) if (n !== first) bootFaults.push({ atMs: 0, type: 'crash', node: n }, { atMs: backMs, type: 'restart', node: n });
  return { first, driftPpm, bootFaults, settleMs: backMs + 20 * r.maxMs };
}

function world(r: TimeoutRange, checkers: InvariantChecker[], proposeAtMs: number | null): World {
  const server = createKvRaftProtocol({
    voters: SERVERS,
    electionTimeoutMinMs: r.minMs,
    electionTimeoutMaxMs: r.maxMs,
    heartbeatIntervalMs: r.minMs / 2,
    preVote: false,
    checkQuorum: false,
    snapshotEveryEntries: 0,
  });
  const command = { type: 'propose', command: { op: 'put', key: 'k', value: 'v', client: 'bench', seq: 1 } };
  return {
    nodes: SERVERS.map((id) => ({ id, protocol: server, faultable: true, role: 'server' })),
    commands: proposeAtMs === null ? [] : SERVERS.map((node) => ({ atMs: proposeAtMs, node, command })),
    checkers,
  };
}

function config(seed: number, faults: FaultEvent[], durationMs: number): RunConfig {
  return {
    scenario: 'raft-fig16',
    seed,
    bug: null,
    options: {},
    network: { base: { lossRate: 0, duplicateRate: 0, latency: { kind: 'uniform', minMs: LATENCY_MS.min, maxMs: LATENCY_MS.max }, reorder: true } },
    clock: { maxSkewMs: 0, maxDriftPpm: DRIFT_PPM },
    faults,
    durationMs,
    quietMs: 0,
    maxEvents: 50_000_000,
  };
}

function raftObservation(o: unknown): RaftObservation {
  return o as RaftObservation;
}

/** Stops the run once a server other than `crashed` hears from a leader of a later term than `term`. */
function newLeaderHeard(crashed: string, term: number, crashAtMs: number): InvariantChecker {
  return {
    name: 'fig16:new-leader-heard',
    kind: 'liveness',
    onObservation(node, observation, w) {
      if (node === crashed || w.nowMs < crashAtMs) return;
      const o = raftObservation(observation);
      const heard = (o.kind === 'becameFollower' && o.leaderId !== null) || o.kind === 'leaderContact';
      if (heard && o.term > term) return `${node} heard from ${o.kind === 'becameFollower' ? o.leaderId : o.kind === 'leaderContact' ? o.leaderId : '?'} (term ${o.term})`;
    },
  };
}

export interface Trial {
  /** Crash to first contact with the new leader, ms; null when no leader was heard from within the limit. */
  readonly downtimeMs: number | null;
  /** Survivors whose log was the longest once the leader's last messages arrived, so could win: 2 unless the crash came before the entry. */
  readonly eligible: number;
}

/** One trial of a range: seed in, downtime out. Deterministic. */
export function trial(r: TimeoutRange, seed: number): Trial {
  const rng = new Stream(seed, 'fig16');
  const p = plan(r, rng);
  // Run 1: who leads, since when.
  let leader: { node: string; term: number; atMs: number } | null = null;
  const probe: InvariantChecker = {
    name: 'fig16:probe',
    kind: 'liveness',
    onObservation(node, observation, w) {
      const o = raftObservation(observation);
      if (o.kind === 'becameLeader') leader = { node, term: o.term, atMs: w.nowMs };
    },
  };
  runWorld(config(seed, p.bootFaults, p.settleMs), world(r, [probe], null));
  const l = leader as { node: string; term: number; atMs: number } | null;
  if (l === null) throw new Error(`fig16 ${rangeName(r)} seed ${seed}: no leader after ${p.settleMs} ms`);
  // Run 2: the first heartbeat after the settling time; the entry right after it, cut to two followers.
  // The heartbeat timer fires every interval of the leader's clock (the kernel scales by its drift).
  const hb = r.minMs / 2 / (1 + (p.driftPpm[l.node] ?? 0) / 1e6);
  const beatMs = l.atMs + hb * Math.ceil((p.settleMs - l.atMs) / hb + 1);
  const cutMs = beatMs + LATENCY_MS.max + 0.01; // every heartbeat has arrived
  const proposeMs = beatMs + (LATENCY_MS.max - LATENCY_MS.min) + 0.02; // its AppendEntries arrive after the cut
  const crashMs = beatMs + rng.next() * hb;
  const followers = SERVERS.filter((n) => n !== l.node);
  const lagging = [followers.splice(rng.int(followers.length), 1)[0] as string, followers.splice(rng.int(followers.length), 1)[0] as string];
  const faults: FaultEvent[] = [...p.bootFaults];
  if (crashMs > proposeMs) faults.push({ atMs: cutMs, type: 'oneway', from: [l.node], to: lagging });
  faults.push({ atMs: crashMs, type: 'crash', node: l.node });
  let eligible = -1;
  const logsAtCrash: InvariantChecker = {
    name: 'fig16:logs-at-crash',
    kind: 'liveness',
    afterEvent(w) {
      if (eligible >= 0 || w.nowMs < crashMs + LATENCY_MS.max + 0.01) return; // what the leader sent has arrived
      const lengths = w.nodes.filter((n) => n.id !== l.node && n.state !== undefined).map((n) => lastIndex((n.state as RaftState<unknown, unknown>).log));
      eligible = lengths.filter((x) => x === Math.max(...lengths)).length;
    },
  };
  const result = runWorld(
    config(seed, faults, crashMs + trialLimitMs(r)),
    world(r, [logsAtCrash, newLeaderHeard(l.node, l.term, crashMs)], crashMs > proposeMs ? proposeMs : null),
  );
  const v = result.violation;
  if (v !== null && v.invariant !== 'fig16:new-leader-heard') throw new Error(`fig16 ${rangeName(r)} seed ${seed}: ${v.invariant}: ${v.message}`);
  return { downtimeMs: v === null ? null : v.atMs - crashMs, eligible };
}

export interface Distribution {
  readonly trials: number;
  /** Share of trials in which exactly two survivors could win (the paper's set-up). */
  readonly twoEligible: number;
  /** Trials with no new leader within the limit (left out of the figures). */
  readonly unfinished: number;
  readonly minMs: number;
  readonly p10Ms: number;
  readonly p25Ms: number;
  readonly p50Ms: number;
  readonly p75Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function distribution(trials: readonly Trial[]): Distribution {
  const xs = trials.map((t) => t.downtimeMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    trials: trials.length,
    twoEligible: trials.filter((t) => t.eligible === 2).length / Math.max(1, trials.length),
    unfinished: trials.length - xs.length,
    minMs: xs[0] ?? NaN,
    p10Ms: percentile(xs, 10),
    p25Ms: percentile(xs, 25),
    p50Ms: percentile(xs, 50),
    p75Ms: percentile(xs, 75),
    p90Ms: percentile(xs, 90),
    p99Ms: percentile(xs, 99),
    maxMs: xs[xs.length - 1] ?? NaN,
    meanMs: mean,
  };
}

/** Trials of one range, seeds 1..count. */
export function measure(r: TimeoutRange, count: number): Trial[] {
  const out: Trial[] = [];
  for (let seed = 1; seed <= count; seed++) out.push(trial(r, seed));
  return out;
}
