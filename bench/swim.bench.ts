/**
 * SWIM + Lifeguard measured against the papers (`npx tsx bench/run.ts swim`):
 *
 * 1. time to first detection of a crashed member, in protocol periods, against the SWIM paper's
 *    e/(e-1) ≈ 1.58 (Das, Gupta, Motivala 2002, §3.1), for 50 and 100 members;
 * 2. false positives as message loss grows, with and without the suspicion mechanism (SWIM §4.2),
 *    next to the analytic probability that a probe of a live member fails;
 * 3. false positives with a slow member, with and without Lifeguard (Dadgar et al. 2018);
 * 4. scale: wall time and peak memory of 100, 1,000 and 5,000 members, each in a child process.
 *
 * Every run is a seeded simulation, so every figure reproduces exactly (wall times and memory aside).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { runWorld } from '../sim/kernel.ts';
import { calmNetwork, type LinkOverride } from '../sim/network.ts';
import { nodeIds } from '../sim/configure.ts';
import type { FaultEvent } from '../sim/faults.ts';
import type { RunConfig, World } from '../sim/scenario.ts';
import { Stream } from '../core/contract/rng.ts';
import { expectedFirstDetectionPeriods, probeFailureProbability, swim, swimConfig, type SwimConfig, type SwimObservation, type SwimState } from '../core/swim/index.ts';
import { falsePositives } from '../checkers/swim.ts';

const PERIOD_MS = 1000;
/** Plain tables: no colours, so the output reads the same in a file. */
const style = { head: [], border: [] };

function config(seed: number, durationMs: number, faults: readonly FaultEvent[], overrides?: readonly LinkOverride[]): RunConfig {
  return {
    scenario: 'swim-bench', seed, bug: null, options: {},
    network: { base: calmNetwork, ...(overrides ? { overrides } : {}) },
    clock: { maxSkewMs: 0, maxDriftPpm: 0 }, faults: [...faults].sort((a, b) => a.atMs - b.atMs),
    durationMs, quietMs: 0, maxEvents: Number.MAX_SAFE_INTEGER,
  };
}

function world(n: number, over: Partial<SwimConfig>, checkers: World['checkers'] = []): World {
  const universe = nodeIds('n', n);
  const protocol = swim(swimConfig({ universe, seeds: universe.slice(0, 3), ...over }));
  return { nodes: universe.map((id) => ({ id, protocol, faultable: true, role: 'member' })), commands: [], checkers };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const ci95 = (xs: readonly number[]) => {
  const m = mean(xs);
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return (1.96 * sd) / Math.sqrt(Math.max(1, xs.length));
};

/** Probes started, summed over the members' final states. */
function probeCounter(): World['checkers'][number] & { probes: number } {
  const c = {
    name: 'probe-count', kind: 'liveness' as const, probes: 0,
    atEnd(w: Parameters<NonNullable<World['checkers'][number]['atEnd']>>[0]) {
      for (const node of w.nodes) c.probes += (node.state as SwimState | undefined)?.probes ?? 0;
    },
  };
  return c;
}

// ---------------------------------------------------------------------------------------------
// 1. Time to first detection
// ---------------------------------------------------------------------------------------------

/**
 * One trial: n members whose periods are aligned (the paper's synchronous rounds) or staggered; the
 * victim crashes 10 ms into round 6 (after that round's probes got their acks). Detection is the
 * first probe of the victim that fails, concluded at the end of its period. Aligned: the number of
 * rounds, counting from the first one after the crash, up to and including the round of the first
 * probe of the victim; that is the paper's E[T]/T' = 1/(1 - (1 - 1/(n-1))^(n-1)) -> e/(e-1).
 */
function detectionTrial(n: number, seed: number, aligned: boolean): number | null {
  const victim = `n${1 + new Stream(seed, 'bench/victim').int(n)}`;
  const crashMs = 6 * PERIOD_MS + 10;
  let detectedMs: number | null = null;
  runWorld(config(seed, crashMs + 12 * PERIOD_MS, [{ atMs: crashMs, type: 'crash', node: victim }]), world(n, { staggerStart: aligned ? false : true }), {
    onObservation(_node, o, nowMs) {
      const ob = o as SwimObservation;
      if (detectedMs === null && ob.type === 'probe-failed' && ob.target === victim && nowMs > crashMs) detectedMs = nowMs;
    },
  });
  if (detectedMs === null) return null;
  // Aligned ticks fall on whole periods: the first failed probe of the victim concludes at the tick
  // ending the round in which it was pinged; rounds after the crash start at 7 periods.
  return aligned ? (detectedMs - 7 * PERIOD_MS) / PERIOD_MS : (detectedMs - crashMs) / PERIOD_MS;
}

function firstDetection(): void {
  const table = new Table({ style, head: ['members', 'trials', 'rounds to first detection (aligned)', '±95%', 'paper, this n', 'paper, n→∞', 'crash→suspicion, staggered periods'] });
  for (const [n, trials] of [[50, 200], [100, 150]] as const) {
    const aligned: number[] = [];
    const staggered: number[] = [];
    for (let seed = 1; seed <= trials; seed++) {
      const a = detectionTrial(n, seed, true);
      if (a !== null) aligned.push(a);
      if (seed <= trials / 3) {
        const s = detectionTrial(n, 10_000 + seed, false);
        if (s !== null) staggered.push(s);
      }
    }
    table.push([n, `${aligned.length}/${trials}`, mean(aligned).toFixed(3), ci95(aligned).toFixed(3), expectedFirstDetectionPeriods(n).toFixed(3), (Math.E / (Math.E - 1)).toFixed(3), `${mean(staggered).toFixed(2)} ± ${ci95(staggered).toFixed(2)} (${staggered.length} trials)`]);
  }
  console.log('\n1. Time to first detection of a crashed member, in protocol periods (SWIM paper §3.1: E = e/(e-1) ≈ 1.582)');
  console.log(table.toString());
  console.log('   Aligned: all members tick together, as the paper\'s analysis assumes; counted in whole rounds from the crash to the round whose probe of the victim fails.');
  console.log('   Staggered (the protocol\'s default): pings reach the victim at about one per period from independent phases, so the wait');
  console.log('   for the first ping is about 1 period, plus the period that probe takes to fail: about 2 periods of wall time in expectation.');
  console.log('   Probing here is randomized round robin (each member probes the victim once per round), not the paper\'s uniform choice.');
}

// ---------------------------------------------------------------------------------------------
// 2. False positives under message loss
// ---------------------------------------------------------------------------------------------

function lossRun(seed: number, lossRate: number, suspicion: boolean, n: number, durationMs: number) {
  const fp = falsePositives();
  const probes = probeCounter();
  const faults: FaultEvent[] = lossRate > 0 ? [{ atMs: 0, type: 'network', conditions: { lossRate } }] : [];
  // Loss for the whole run: the kernel's final heal comes at its end, with no quiet phase.
  runWorld(config(seed, durationMs, faults), world(n, { suspicion }, [fp, probes]));
  return { ...fp.counts(), probes: probes.probes };
}

function lossTable(): void {
  const n = 16;
  const durationMs = 120_000;
  const seeds = 6;
  const table = new Table({ style, head: ['loss', 'suspicion', 'probes', 'failed / 1000 probes', 'analytic q·1000 (k=3)', 'false suspicions', 'false deaths', 'false deaths / 1000 probes', 'false deaths / member·hour'] });
  for (const lossRate of [0, 0.05, 0.1, 0.2, 0.3]) {
    for (const suspicion of [true, false]) {
      let probes = 0, failed = 0, suspicions = 0, deaths = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const r = lossRun(seed, lossRate, suspicion, n, durationMs);
        probes += r.probes;
        failed += r.failedProbes;
        suspicions += r.suspicions;
        deaths += r.deaths;
      }
      const memberHours = (n * seeds * durationMs) / 3_600_000;
      table.push([`${lossRate * 100}%`, suspicion ? 'on' : 'off', probes, ((1000 * failed) / probes).toFixed(2), (1000 * probeFailureProbability(lossRate, 3)).toFixed(2), suspicions, deaths, ((1000 * deaths) / probes).toFixed(2), (deaths / memberHours).toFixed(1)]);
    }
  }
  console.log(`\n2. False positives as message loss grows: ${n} members, ${durationMs / 1000} s, ${seeds} seeds per row, Lifeguard on`);
  console.log(table.toString());
  console.log('   A false suspicion or death is counted once per (member, incarnation), for members that were up. Without suspicion, a failed probe is a death.');
  console.log('   The analytic q assumes independent loss on each of the 2 direct and 3 × 4 indirect messages; Lifeguard lengthens the periods of nodes that miss acks.');
}

// ---------------------------------------------------------------------------------------------
// 3. A slow member, with and without Lifeguard
// ---------------------------------------------------------------------------------------------

function slowTable(): void {
  const n = 12;
  const durationMs = 120_000;
  const seeds = 6;
  const slow = 'n3';
  const variants: readonly { name: string; pauses: boolean; inbound: boolean }[] = [
    { name: 'stalls (pauses 0.2-1.5 s)', pauses: true, inbound: false },
    { name: 'slow receive path (inbound latency, mean 0.8 s)', pauses: false, inbound: true },
    { name: 'both', pauses: true, inbound: true },
  ];
  const table = new Table({ style, head: ['slow member', 'Lifeguard', 'its false accusations of healthy members', 'healthy members declared dead', 'suspicions of the slow member', 'deaths of the slow member', 'its max health score'] });
  for (const v of variants) {
    for (const lifeguard of [true, false]) {
      let accusations = 0, healthyDeaths = 0, slowSuspicions = 0, slowDeaths = 0, maxAwareness = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const rng = new Stream(seed, 'bench/slow');
        const faults: FaultEvent[] = [];
        if (v.pauses) for (let t = 2000 + rng.int(1000); t < durationMs - 1000; t += 300 + rng.int(1200)) faults.push({ atMs: t, type: 'pause', node: slow, durationMs: 200 + rng.int(1300) });
        const overrides: LinkOverride[] | undefined = v.inbound
          ? nodeIds('n', n).filter((id) => id !== slow).map((from) => ({ from, to: slow, conditions: { latency: { kind: 'exponential', minMs: 5, meanMs: 800, maxMs: 4000 } } }))
          : undefined;
        const fp = falsePositives();
        runWorld(config(seed, durationMs, faults, overrides), world(n, { lifeguard }, [fp]), {
          onObservation(node, o) {
            const ob = o as SwimObservation;
            if (node === slow && ob.type === 'probe-failed') maxAwareness = Math.max(maxAwareness, ob.awareness);
          },
        });
        const c = fp.counts();
        accusations += c.byAccuser[slow]?.suspicions ?? 0;
        for (const [subject, x] of Object.entries(c.bySubject)) {
          if (subject === slow) {
            slowSuspicions += x.suspicions;
            slowDeaths += x.deaths;
          } else {
            healthyDeaths += x.deaths;
          }
        }
      }
      table.push([v.name, lifeguard ? 'on' : 'off', accusations, healthyDeaths, slowSuspicions, slowDeaths, maxAwareness]);
    }
  }
  console.log(`\n3. A slow member, with and without Lifeguard: ${n} members, ${durationMs / 1000} s, ${seeds} seeds per row`);
  console.log(table.toString());
  console.log('   Without Lifeguard: fixed suspicion timeout (the minimum), no local health multiplier, no nacks.');
  console.log('   The kernel\'s pause defers a node\'s timers together with its messages, in order, so a stalled node never sees its');
  console.log('   own timeout fire before an ack that arrived during the stall: stalls alone make it a victim, not an accuser.');
  console.log('   A slow receive path (static latency on the links into it, as memberlist\'s slow UDP reader) makes it an accuser: the Lifeguard case.');
}

// ---------------------------------------------------------------------------------------------
// 5. Lifeguard's own experiment
// ---------------------------------------------------------------------------------------------

/**
 * The Lifeguard paper's evaluation (Dadgar, Phillips, Currey 2018, §5), as far as its text fixes
 * it: a large group running memberlist's LAN constants (1 s probe interval, 500 ms probe timeout,
 * 3 indirect checks, retransmit mult 4, suspicion mult α = 4, max-timeout mult β = 6, awareness
 * max 8; k = α - 2 = 2 confirmations), a growing number of members stressed by CPU exhaustion at
 * the same time, SWIM (every Lifeguard part off: local health, dynamic suspicion, nacks, Buddy
 * System) against Lifeguard, counting false positives (live members
 * declared dead), those of healthy members apart, and messages sent.
 *
 * CPU exhaustion is modelled on a distressed member as what starving a process does to it: it
 * stalls (no timer fires, nothing is read) for 0.2-1.5 s at a time with 0.3-1.5 s between stalls,
 * and what arrives for it waits in its socket buffer (inbound delay: 5 ms plus an exponential tail
 * of mean 800 ms, cut at 4 s) — the slow member of section 3, "both".
 */
export const PAPER_LIFEGUARD = {
  /** The paper's headline figures: false positives with SWIM / with Lifeguard, in total and of healthy members; Lifeguard's extra messages. */
  reductionTotal: 65,
  reductionHealthy: 53,
  messageOverhead: 0.1,
} as const;

interface DistressRun { deaths: number; healthyDeaths: number; distressedDeaths: number; suspicions: number; messages: number }

/** How hard CPU exhaustion hits a distressed member (section 5): stalls and the delay of what it reads. */
export interface Distress {
  readonly stallMs: { readonly min: number; readonly max: number };
  readonly gapMs: { readonly min: number; readonly max: number };
  readonly inboundMeanMs: number;
}
export const SEVERE_DISTRESS: Distress = { stallMs: { min: 200, max: 1500 }, gapMs: { min: 300, max: 1500 }, inboundMeanMs: 800 };
export const MILD_DISTRESS: Distress = { stallMs: { min: 200, max: 1500 }, gapMs: { min: 1000, max: 5000 }, inboundMeanMs: 300 };

function distressRun(n: number, distressed: number, lifeguard: boolean, seed: number, durationMs: number, distress: Distress): DistressRun {
  const universe = nodeIds('n', n);
  const rng = new Stream(seed, 'bench/distress');
  const pool = universe.slice();
  const sick: string[] = [];
  for (let k = 0; k < distressed; k++) sick.push(pool.splice(rng.int(pool.length), 1)[0]!);
  const sickSet = new Set(sick);
  const faults: FaultEvent[] = [];
  const overrides: LinkOverride[] = [];
  for (const node of sick) {
    const { stallMs, gapMs } = distress;
    for (let t = 2000 + rng.int(1000); t < durationMs - 1000; t += gapMs.min + rng.int(gapMs.max - gapMs.min)) faults.push({ atMs: t, type: 'pause', node, durationMs: stallMs.min + rng.int(stallMs.max - stallMs.min) });
    for (const from of universe) if (from !== node) overrides.push({ from, to: node, conditions: { latency: { kind: 'exponential', minMs: 5, meanMs: distress.inboundMeanMs, maxMs: 4000 } } });
  }
  const fp = falsePositives({ faultyPhaseOnly: true });
  const result = runWorld(config(seed, durationMs, faults, overrides), world(n, { lifeguard, buddySystem: lifeguard, suspicionMult: 4 }, [fp]));
  const c = fp.counts();
  let healthyDeaths = 0;
  let distressedDeaths = 0;
  for (const [subject, x] of Object.entries(c.bySubject)) {
    if (sickSet.has(subject)) distressedDeaths += x.deaths;
    else healthyDeaths += x.deaths;
  }
  return { deaths: c.deaths, healthyDeaths, distressedDeaths, suspicions: c.suspicions, messages: result.stats.messagesSent };
}

function lifeguardExperiment(): void {
  const n = Number(process.env.LIFEGUARD_MEMBERS ?? 100);
  const durationMs = 1000 * Number(process.env.LIFEGUARD_SECONDS ?? 300);
  const seeds = Number(process.env.LIFEGUARD_SEEDS ?? 2);
  const counts = (process.env.LIFEGUARD_DISTRESSED ?? '1,2,4,8,16,32').split(',').map(Number);
  const mild = process.env.LIFEGUARD_DISTRESS === 'mild';
  const distress = mild ? MILD_DISTRESS : SEVERE_DISTRESS;
  const table = new Table({ style, head: ['distressed', 'false positives SWIM', 'Lifeguard', 'SWIM / Lifeguard', 'of healthy members SWIM', 'Lifeguard', 'SWIM / Lifeguard', 'of distressed SWIM', 'Lifeguard', 'messages: Lifeguard / SWIM - 1'] });
  const total = { swim: 0, lg: 0, swimHealthy: 0, lgHealthy: 0, swimMsgs: 0, lgMsgs: 0 };
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '-' : `>${a}`) : `${(a / b).toFixed(1)}x`);
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  for (const d of counts) {
    const sum = (lifeguard: boolean): DistressRun => {
      const acc: DistressRun = { deaths: 0, healthyDeaths: 0, distressedDeaths: 0, suspicions: 0, messages: 0 };
      for (let seed = 1; seed <= seeds; seed++) {
        const r = distressRun(n, d, lifeguard, seed, durationMs, distress);
        for (const k of Object.keys(acc) as (keyof DistressRun)[]) acc[k] += r[k];
      }
      return acc;
    };
    const swimRun = sum(false);
    const lgRun = sum(true);
    total.swim += swimRun.deaths;
    total.lg += lgRun.deaths;
    total.swimHealthy += swimRun.healthyDeaths;
    total.lgHealthy += lgRun.healthyDeaths;
    total.swimMsgs += swimRun.messages;
    total.lgMsgs += lgRun.messages;
    table.push([d, swimRun.deaths, lgRun.deaths, ratio(swimRun.deaths, lgRun.deaths), swimRun.healthyDeaths, lgRun.healthyDeaths, ratio(swimRun.healthyDeaths, lgRun.healthyDeaths), swimRun.distressedDeaths, lgRun.distressedDeaths, pct(lgRun.messages / swimRun.messages - 1)]);
  }
  table.push(['all', total.swim, total.lg, ratio(total.swim, total.lg), total.swimHealthy, total.lgHealthy, ratio(total.swimHealthy, total.lgHealthy), '', '', pct(total.lgMsgs / total.swimMsgs - 1)]);
  table.push(['paper', '', '', `~${PAPER_LIFEGUARD.reductionTotal}x`, '', '', `~${PAPER_LIFEGUARD.reductionHealthy}x`, '', '', `~+${PAPER_LIFEGUARD.messageOverhead * 100}%`]);
  console.log(`\n5. Lifeguard's own experiment: ${n} members, memberlist's LAN constants (α = 4, β = 6, k = 2), ${durationMs / 1000} s, ${seeds} seeds per row; distressed members stall ${distress.stallMs.min / 1000}-${distress.stallMs.max / 1000} s every ${distress.gapMs.min / 1000}-${distress.gapMs.max / 1000} s and read ${distress.inboundMeanMs} ms late on average (CPU exhaustion, ${mild ? 'mild' : 'severe'})`);
  console.log(table.toString());
  console.log('   False positives: live members declared dead, each (member, incarnation) once, in the faulty phase. SWIM: Lifeguard off (fixed suspicion');
  console.log('   timeout α·log10(n)·1 s = 8 s, no local health, no nacks, no Buddy System). The paper\'s row gives its totals over its runs (false positives of SWIM / of Lifeguard).');
}

// ---------------------------------------------------------------------------------------------
// 4. Scale, in child processes
// ---------------------------------------------------------------------------------------------

interface ScaleResult { n: number; periods: number; wallMs: number; events: number; messages: number; peakHeapMB: number; maxRssMB: number }

function scaleChild(n: number, periods: number): ScaleResult {
  const t0 = performance.now();
  let peakHeap = 0;
  let k = 0;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const universe = nodeIds('n', n);
  const w = world(n, {}, [{ name: 'memory', kind: 'safety', afterEvent() { if (++k % 10_000 === 0) sample(); } }]);
  const r = runWorld(config(1, periods * PERIOD_MS, periods > 5 ? [{ atMs: 5 * PERIOD_MS, type: 'crash', node: universe[n >> 1]! }] : []), w);
  sample();
  return {
    n, periods, wallMs: performance.now() - t0, events: r.events, messages: r.stats.messagesSent,
    peakHeapMB: peakHeap / 2 ** 20, maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function scaleTable(): void {
  const cases: readonly [number, number][] = [[100, 100], [1000, 100], [5000, 0], [5000, 20]];
  const table = new Table({ style, head: ['members', 'periods', 'wall s', 'events', 'messages', 'µs / event', 'peak heapUsed MB', 'peak RSS MB'] });
  const self = fileURLToPath(import.meta.url);
  for (const [n, periods] of cases) {
    const child = spawnSync(process.execPath, [...process.execArgv, self], { env: { ...process.env, SWIM_SCALE_CHILD: JSON.stringify({ n, periods }) }, encoding: 'utf8', maxBuffer: 1 << 20 });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    if (child.status !== 0 || !line) {
      table.push([n, periods, `failed: ${(child.stderr || '').split('\n').find((l) => l.trim()) ?? `exit ${child.status}`}`, '', '', '', '', '']);
      continue;
    }
    const r = JSON.parse(line) as ScaleResult;
    table.push([r.n, r.periods, (r.wallMs / 1000).toFixed(2), r.events, r.messages, r.periods > 0 ? ((r.wallMs * 1000) / r.events).toFixed(1) : '-', r.peakHeapMB.toFixed(0), r.maxRssMB.toFixed(0)]);
  }
  console.log('\n4. Scale: every member bootstrapped, one crashes at 5 s; each row in its own process (default Node flags)');
  console.log(table.toString());
  console.log('   5,000 members run 20 periods only; the 0-period row is the fixed cost: the kernel\'s n×n link arrays, every member\'s');
  console.log('   n-entry view, and the end-of-run hash of every state (canonical JSON). Target: 1,000 members × 100 periods < 10 s and 1 GiB.');
}

if (process.env.SWIM_SCALE_CHILD) {
  const { n, periods } = JSON.parse(process.env.SWIM_SCALE_CHILD) as { n: number; periods: number };
  console.log(JSON.stringify(scaleChild(n, periods)));
  process.exit(0);
}

export default async function swimBench(): Promise<void> {
  const t0 = performance.now();
  const only = process.env.SWIM_BENCH; // e.g. SWIM_BENCH=scale: one part only
  if (!only || only === 'detection') firstDetection();
  if (!only || only === 'loss') lossTable();
  if (!only || only === 'slow') slowTable();
  if (!only || only === 'lifeguard') lifeguardExperiment();
  if (!only || only === 'scale') scaleTable();
  console.log(`\n(swim bench: ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
