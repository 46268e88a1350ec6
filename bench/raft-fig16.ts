/**
 * Figure 16 of the Raft paper (Ongaro & Ousterhout 2014, extended version, §9.3; Ongaro's thesis,
 * chapter 9): the time to detect and replace a crashed leader, for several election timeout
 * ranges, measured on the simulator.
 *
 * The paper's set-up, as followed here:
 * - five servers, plain Raft: no PreVote (it adds a round trip to every election) and no
 *   CheckQuorum (it only matters for a leader that is alive); the vote lease (thesis §4.2.3)
 *   stays on, as LogCabin had it;
 * - the heartbeat interval is half the minimum election timeout;
 * - the servers' logs differ in length, so that two of the four survivors cannot become leader;
 * - "our test script triggered a synchronized broadcast of heartbeat RPCs from the leader before
 *   terminating its process": the last heartbeat reaches all four followers together (within the
 *   network's jitter), and the leader crashes at a uniformly random time within the heartbeat
 *   interval after it (so the smallest possible downtime is about half the minimum timeout);
 * - the downtime is measured from the crash until a server first hears from the new leader (its
 *   first AppendEntries).
 *
 * How the logs come to differ while all four hear the last heartbeat: once the heartbeat before it
 * has arrived, the leader's link to two followers is cut and two entries are proposed; they reach
 * the other two. The link heals just before the last heartbeat, which carries the two lagging
 * followers one entry (one entry per message), and is cut again before the leader can send the
 * second. So every follower's election timer starts from the same heartbeat, and two lack an entry.
 *
 * The physical set-up (PAPER_SETUP) is fitted to the figure, since the paper gives only "a
 * broadcast time of about 15 ms" for its cluster:
 * - a LAN: one-way delay uniform in 0.1-0.3 ms;
 * - the disk (the kernel's disk-latency model): each write takes 1.5 ms plus an exponential tail of
 *   mean 1.5 ms (mean 3 ms); what a server sends after a write leaves once the write is done, so a
 *   candidate's RequestVote waits for its term and vote, a vote for the voter's vote, and the new
 *   leader's first AppendEntries for its no-op entry; a heartbeat needs no write and goes at once;
 * - quartz clocks: each server's rate is off by a normal draw of sd 30 ppm (within ±100 ppm).
 * The disk sets where the curves start and how often a 5 ms spread of timeouts still splits the
 * vote; the drift sets the 150-150 ms line alone: with equal timeouts, nothing but the clocks'
 * different rates moves the candidates apart, until one's RequestVote arrives before the others
 * time out (about 1.6 ms of lead: a write plus a hop, some hundreds of rounds).
 *
 * The broadcast time this gives (a round trip plus one write) is about 3.4 ms, not 15: a disk slow
 * enough for 15 ms cannot fit the figure's 12-24 ms line, whose fastest downtime (15 ms, with the
 * crash up to 6 ms after the heartbeat) leaves 9 ms for an election that needs at least two
 * writes in a row. The tables print the share of trials with two eligible survivors (below 100%
 * only when the leader's writes make the last heartbeat late for a 6 ms interval).
 *
 * A trial is two runs of one seed. The first elects a leader (the other four restart right
 * after boot, so one server is sure to time out first) and records when it became leader; runs
 * are deterministic, so the second run repeats that prefix exactly and can place the entries, the
 * cuts and the crash relative to the leader's heartbeats, which follow its election at fixed
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
import type { LatencyDistribution } from '../sim/network.ts';

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

/** The physical set-up of a trial: what the network, the disks and the clocks do. */
export interface Setup {
  /** One-way message delay, uniform in [minMs, maxMs]. */
  readonly networkMs: { readonly min: number; readonly max: number };
  /** Latency of a write to disk (the fsync); null: writes are instant. */
  readonly disk: LatencyDistribution | null;
  /** Each server's clock runs fast or slow by up to this much. */
  readonly driftPpm: number;
  /** How each server's drift is drawn: uniform within ±driftPpm, or normal with this standard deviation (ppm), cut at ±driftPpm. */
  readonly driftSdPpm?: number;
}

/** The set-up fitted to the paper's cluster (see the comment at the top). */
export const PAPER_SETUP: Setup = {
  networkMs: { min: 0.1, max: 0.3 },
  disk: { kind: 'exponential', minMs: 1.5, meanMs: 3, maxMs: 60 },
  driftPpm: 100,
  driftSdPpm: 30,
};
let setup: Setup = PAPER_SETUP;
/** The set-up of the trials that follow (for experiments; the benchmark uses PAPER_SETUP). */
export function useSetup(s: Setup): void {
  setup = s;
}
export function currentSetup(): Setup {
  return setup;
}
export function describeSetup(s: Setup): string {
  const d = s.disk;
  const disk = d === null ? 'no disk latency' : d.kind === 'constant' ? `disk write ${d.ms} ms` : d.kind === 'uniform' ? `disk write ${d.minMs}-${d.maxMs} ms` : `disk write ${d.minMs} ms + exponential tail (mean ${d.meanMs} ms, cap ${d.maxMs} ms)`;
  const drift = s.driftSdPpm === undefined ? `clocks ±${s.driftPpm} ppm` : `clock drift normal (sd ${s.driftSdPpm} ppm, within ±${s.driftPpm})`;
  return `one-way delay ${s.networkMs.min}-${s.networkMs.max} ms, ${disk}, ${drift}`;
}
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

function drawDrift(rng: Stream): number {
  const sd = setup.driftSdPpm;
  if (sd === undefined) return (rng.next() * 2 - 1) * setup.driftPpm;
  // Box-Muller; a draw beyond the bound is drawn again (bounded: the bound is several deviations out).
  for (let k = 0; k < 100; k++) {
    const x = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()) * sd;
    if (Math.abs(x) <= setup.driftPpm) return x;
  }
  return 0;
}

function plan(r: TimeoutRange, rng: Stream): TrialPlan {
  const first = SERVERS[rng.int(SERVERS.length)] as string;
  const driftPpm: Record<string, number> = {};
  const bootFaults: FaultEvent[] = [];
  // Real clocks run at slightly different rates; without that, servers with equal timeouts that
  // start in step stay in step forever (150-150 ms would never elect a leader).
  for (const n of SERVERS) {
    driftPpm[n] = Math.round(drawDrift(rng));
    bootFaults.push({ atMs: 0, type: 'clock', node: n, skewMs: 0, driftPpm: driftPpm[n] });
  }
  // Everyone else restarts after the first one's timeout plus a message delay: it wins alone.
  const backMs = r.maxMs + setup.networkMs.max + diskMaxMs() + 1;
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
    maxEntriesPerMessage: 1,
  });
  const commands = [1, 2].map((seq) => ({ type: 'propose', command: { op: 'put', key: `k${seq}`, value: 'v', client: 'bench', seq } }));
  return {
    nodes: SERVERS.map((id) => ({ id, protocol: server, faultable: true, role: 'server' })),
    commands: proposeAtMs === null ? [] : commands.flatMap((command) => SERVERS.map((node) => ({ atMs: proposeAtMs, node, command }))),
    checkers,
  };
}

function config(seed: number, faults: FaultEvent[], durationMs: number): RunConfig {
  return {
    scenario: 'raft-fig16',
    seed,
    bug: null,
    options: {},
    network: { base: { lossRate: 0, duplicateRate: 0, latency: { kind: 'uniform', minMs: setup.networkMs.min, maxMs: setup.networkMs.max }, reorder: true } },
    clock: { maxSkewMs: 0, maxDriftPpm: setup.driftPpm },
    ...(setup.disk === null ? {} : { disk: { latency: setup.disk } }),
    faults,
    durationMs,
    quietMs: 0,
    maxEvents: 50_000_000,
  };
}

/** A bound on one write's latency, for waiting until writes are done. */
function diskMaxMs(): number {
  const d = setup.disk;
  return d === null ? 0 : d.kind === 'constant' ? d.ms : d.maxMs;
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
  /** Survivors whose log was the longest once the leader's last messages arrived, so could win: 2, unless the leader's writes held the last heartbeat past the crash. */
  readonly eligible: number;
}

let debugHook: ((node: string, o: unknown, sinceCrashMs: number) => void) | null = null;
/** For experiments: see every observation of the measured run (times from the crash). */
export function watchTrials(hook: typeof debugHook): void {
  debugHook = hook;
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
  // Run 2: two heartbeats after the settling time, the one before last (previousMs) and the last
  // (beatMs), the synchronized broadcast just before the crash. The heartbeat timer fires every
  // interval of the leader's clock (the kernel scales by its drift).
  const hb = r.minMs / 2 / (1 + (p.driftPpm[l.node] ?? 0) / 1e6);
  const beatMs = l.atMs + hb * Math.ceil((p.settleMs - l.atMs) / hb + 1);
  const previousMs = beatMs - hb;
  const net = setup.networkMs;
  const crashMs = beatMs + rng.next() * hb;
  const followers = SERVERS.filter((n) => n !== l.node);
  const lagging = [followers.splice(rng.int(followers.length), 1)[0] as string, followers.splice(rng.int(followers.length), 1)[0] as string];
  // Once the previous heartbeat has arrived, two entries reach two followers only; the link to the
  // other two heals before the last heartbeat, which carries them one entry (one per message), and
  // is cut again before the leader can send the second. All four hear the last heartbeat together;
  // two of them lack an entry.
  const proposeMs = previousMs + net.max + 0.02;
  const faults: FaultEvent[] = [
    ...p.bootFaults,
    { atMs: previousMs + net.max + 0.01, type: 'oneway', from: [l.node], to: lagging },
    { atMs: beatMs - 0.01, type: 'heal' },
    { atMs: beatMs + net.max + 0.01, type: 'oneway', from: [l.node], to: lagging },
    { atMs: crashMs, type: 'crash', node: l.node },
  ].sort((a, b) => a.atMs - b.atMs) as FaultEvent[];
  let eligible = -1;
  const logsAtCrash: InvariantChecker = {
    name: 'fig16:logs-at-crash',
    kind: 'liveness',
    afterEvent(w) {
      if (eligible >= 0 || w.nowMs < crashMs + net.max + 0.01) return; // what the leader sent has arrived
      const lengths = w.nodes.filter((n) => n.id !== l.node && n.state !== undefined).map((n) => lastIndex((n.state as RaftState<unknown, unknown>).log));
      eligible = lengths.filter((x) => x === Math.max(...lengths)).length;
    },
  };
  const result = runWorld(
    config(seed, faults, crashMs + trialLimitMs(r)),
    world(r, [logsAtCrash, newLeaderHeard(l.node, l.term, crashMs)], proposeMs),
    debugHook === null ? {} : { onObservation: (node, o, nowMs) => debugHook!(node, o, nowMs - crashMs) },
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
