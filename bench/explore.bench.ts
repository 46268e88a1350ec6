/**
 * The explorer (explore/) on the 3-node Raft of scenarios/raft-explore.ts:
 *
 *   1. throughput: distinct worlds per second exhausting a bounded space with no bug, with and
 *      without symmetry reduction, and where the time goes (stepping, hashing, checkers, GC);
 *   2. the known Raft bugs: how deep, how many worlds and how long until each is found (with the
 *      scenario's bounds for it), and how many fault events its counterexample needs; those that
 *      breadth-first does not find in the budget, searched again guided (--guided);
 *   3. `-- --compare`: the random simulator's figures for the same bugs (fast-check seed 42, 300
 *      cases; several minutes), for the comparison in docs/explorer.md.
 *
 * Stateright, the reference point: about 1.2 million states/s on its Paxos model, in Rust, on many
 * cores. EXPLORE_BENCH_BUDGET (seconds, default 120) caps each bug search; commit-previous-term needs
 * about 600 and a bigger heap (NODE_OPTIONS=--max-old-space-size=16000) to be found guided.
 */
import { GCProfiler, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { exploreScenario, knownBugBounds, resolveBounds, type ExploreOutcome, type SearchProgress } from '../explore/index.ts';
import { Model } from '../explore/model.ts';
import { followPath } from '../explore/follow.ts';
import { directedConfig } from '../explore/directed.ts';
import { describeBounds } from '../cli/explore.ts';
import type { ExploreBounds } from '../sim/scenario.ts';
import { raftExploreScenario, raftExplorePathBounds, raftExplorePaths } from '../scenarios/raft-explore.ts';
import { configFor, runConfig } from '../sim/run.ts';
import { swimExploreScenario } from '../scenarios/swim-explore.ts';
import { RAFT_BUG_NAMES } from '../core/raft/index.ts';

const STATERIGHT_STATES_PER_SECOND = 1_200_000;

/** Time spent in garbage collection between start and stop (V8's GC profiler reports it synchronously). */
function gcMeter(): { stop(): number } {
  const profiler = new GCProfiler();
  profiler.start();
  return {
    stop() {
      const result = profiler.stop();
      return (result?.statistics ?? []).reduce((sum, s) => sum + s.cost, 0) / 1000;
    },
  };
}

let forcedGc: (() => void) | null = null;
function fullGc(): void {
  if (forcedGc === null) {
    setFlagsFromString('--expose-gc');
    forcedGc = runInNewContext('gc') as () => void;
  }
  forcedGc();
}

/**
 * Runs an exploration; CPU time, GC time, and live bytes per world: heap and array buffers (the
 * visited set and the frontier live in array buffers), sampled with a full collection every 2 s.
 */
function measure(run: (onProgress: (p: SearchProgress) => void) => ExploreOutcome): { o: ExploreOutcome; cpu: number; gc: number; bytesPerWorld: number | null } {
  fullGc();
  const live = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = live();
  let bytesPerWorld: number | null = null;
  let forcedMs = 0;
  let forcedCpu = 0;
  const onProgress = (p: SearchProgress) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    fullGc();
    const c = process.cpuUsage(c0);
    forcedCpu += (c.user + c.system) / 1000;
    forcedMs += performance.now() - t0;
    if (p.unique > 10_000) bytesPerWorld = Math.max(bytesPerWorld ?? 0, (live() - base) / p.unique);
  };
  const gc = gcMeter();
  const c0 = process.cpuUsage();
  const o = run(onProgress);
  const c = process.cpuUsage(c0);
  const gcMs = gc.stop() - forcedMs; // the collections made to measure live bytes are not the search's
  return { o, cpu: (c.user + c.system) / 1000 - forcedCpu, gc: Math.max(0, gcMs), bytesPerWorld };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export default async function exploreBench(): Promise<void> {
  const budgetS = Number(process.env.EXPLORE_BENCH_BUDGET ?? 120);
  console.log('Throughput: raft-explore, no bug, every world within the bounds (unique worlds per second of wall and of CPU time;');
  console.log('  B/world: live bytes at the peak per distinct world; visited: bytes of the fingerprint table per distinct world;');
  console.log('  levels: bytes of the breadth-first levels (a world waiting or expanded: its parent and its step) per world kept in them;');
  console.log('  P(collision): TLC\'s estimate of a fingerprint collision)');
  const runs: [string, Partial<ExploreBounds>, boolean][] = [
    ['depth 9, no faults', { depth: 9 }, false],
    ['depth 10, no faults, symmetry', { depth: 10 }, true],
    ['depth 7, 1 crash (mid-step too), 1 drop, 1 dup, symmetry', { depth: 7, crashes: 1, midStep: true, drops: 1, dups: 1 }, true],
    ['depth 8, no faults, liveness (--liveness)', { depth: 8, liveness: true }, false],
  ];
  exploreScenario(raftExploreScenario, { bounds: { depth: 6 } }); // warm up the JIT
  for (const [name, bounds, symmetry] of runs) {
    const { o, cpu, gc, bytesPerWorld } = measure((onProgress) => exploreScenario(raftExploreScenario, { bounds, symmetry, timeBudgetMs: budgetS * 1000, onProgress, progressEveryMs: 2000 }));
    console.log(
      `  ${name.padEnd(56)} ${fmt(o.unique).padStart(9)} worlds ${fmt(o.explored).padStart(10)} transitions ${(o.elapsedMs / 1000).toFixed(1).padStart(5)} s  ` +
        `${fmt(o.unique / (o.elapsedMs / 1000)).padStart(6)}/s wall ${fmt(o.unique / (cpu / 1000)).padStart(6)}/s cpu  GC ${((gc / o.elapsedMs) * 100).toFixed(0)}% of wall  ` +
        `${bytesPerWorld === null ? '?' : fmt(bytesPerWorld)} B/world  visited ${(o.visitedBytes / o.unique).toFixed(1)} B  ` +
        `levels ${(o.frontierBytes / Math.max(1, o.unique - o.atDepthBound)).toFixed(1)} B  P(collision) ${o.collisionProbability.toPrecision(2)}  ${o.exhausted ? 'exhausted' : o.stoppedBy}`,
    );
  }

  console.log('\nWhere the time goes (depth 9, no faults; phases timed per call, which itself costs a little):');
  {
    const gc = gcMeter();
    const o = exploreScenario(raftExploreScenario, { bounds: { depth: 9 }, profile: true });
    const gcMs = gc.stop();
    const p = o.profile!;
    const total = o.elapsedMs;
    const share = (ms: number) => `${((ms / total) * 100).toFixed(0)}%`.padStart(4);
    console.log(`  stepping (clone, step, effects) ${share(p.stepMs)}   hashing ${share(p.hashMs)}   checkers (replays, calls) ${share(p.checkMs)}   GC ${share(gcMs)} (inside the others)`);
    console.log(`  ${fmt(p.replays)} checker replays of ${fmt(p.replayedSteps)} steps: ${(p.replayedSteps / Math.max(1, p.replays)).toFixed(1)} steps each`);
  }

  console.log(`\nKnown bugs, searched breadth-first with the scenario's bounds for each (symmetry where the scenario allows it; at most ${budgetS} s each):`);
  for (const bug of RAFT_BUG_NAMES) {
    const config = configFor(raftExploreScenario, 0, bug);
    const symmetry = (raftExploreScenario.explore?.symmetric?.(config) ?? []).length > 1;
    fullGc();
    const c0 = process.cpuUsage();
    const o = exploreScenario(raftExploreScenario, { bug, bounds: knownBugBounds(raftExploreScenario, bug), symmetry, timeBudgetMs: budgetS * 1000 });
    const c = process.cpuUsage(c0);
    const v = o.violation;
    const found = v
      ? `FOUND ${v.invariant} at depth ${v.depth}; faults: ${v.faults.crashes} crash, ${v.faults.restarts} restart, ${v.faults.drops} drop, ${v.faults.duplicates} dup; kernel replay ${v.replay?.same ? 'same' : 'DIFFERS'}`
      : `not found: ${o.stoppedBy === 'exhausted' ? 'bounded space exhausted' : `stopped (${o.stoppedBy})`} with every world to depth ${o.maxDepth - 1} checked`;
    console.log(`  ${bug.padEnd(24)} ${found}`);
    console.log(`  ${''.padEnd(24)} ${fmt(o.unique)} worlds, ${(o.elapsedMs / 1000).toFixed(1)} s (${fmt((c.user + c.system) / 1000)} ms cpu); ${describeBounds(o.bounds)}${symmetry ? ', symmetry' : ''}`);
    const path = raftExplorePaths[bug];
    if (path && !v) {
      // Too deep for breadth-first: the guided search (best-first on new progress) with the same bounds.
      fullGc();
      const g0 = process.cpuUsage();
      const g = exploreScenario(raftExploreScenario, { bug, bounds: knownBugBounds(raftExploreScenario, bug), order: 'guided', timeBudgetMs: budgetS * 1000 });
      const gc = process.cpuUsage(g0);
      const gv = g.violation;
      console.log(
        `  ${''.padEnd(24)} guided: ${gv ? `FOUND ${gv.invariant} at depth ${gv.depth}; kernel replay ${gv.replay?.same ? 'same' : 'DIFFERS'}` : `not found (${g.stoppedBy}, to depth ${g.maxDepth})`}; ` +
          `${fmt(g.unique)} worlds, ${(g.elapsedMs / 1000).toFixed(1)} s (${fmt((gc.user + gc.system) / 1000)} ms cpu)`,
      );
      const model = new Model(raftExploreScenario, config, resolveBounds(raftExploreScenario, { ...knownBugBounds(raftExploreScenario, bug), ...raftExplorePathBounds[bug] }), null);
      const r = followPath(model, path);
      const replay = runConfig(raftExploreScenario, directedConfig(model, r.world));
      console.log(
        `  ${''.padEnd(24)} its known counterexample (raftExplorePaths, ${path.length} steps, no faults) followed through the model: ${r.finding?.invariant ?? 'NO VIOLATION'} at step ${r.world.depth}; kernel replay ${replay.violation?.message === r.finding?.message ? 'same' : 'DIFFERS'}`,
      );
    }
  }

  console.log('\nswim-explore (3 SWIM members), breadth-first with the scenario\'s bounds:');
  for (const bug of [null, 'lower-incarnation-alive', 'refute-without-bump']) {
    fullGc();
    const o = exploreScenario(swimExploreScenario, { bug, bounds: bug === null ? {} : knownBugBounds(swimExploreScenario, bug), timeBudgetMs: budgetS * 1000 });
    const v = o.violation;
    const what = v ? `FOUND ${v.invariant} at depth ${v.depth}, ${v.faults.total} faults; kernel replay ${v.replay?.same ? 'same' : 'DIFFERS'}` : `${o.exhausted ? 'exhausted' : o.stoppedBy}, no violation`;
    console.log(`  ${(bug ?? '(no bug)').padEnd(24)} ${what}; ${fmt(o.unique)} worlds, ${(o.elapsedMs / 1000).toFixed(1)} s; ${describeBounds(o.bounds)}`);
  }

  const best = STATERIGHT_STATES_PER_SECOND;
  console.log(`\nStateright: about ${fmt(best)} states/s on its Paxos model (Rust, all cores). This explorer: one JS thread; see the rates above.`);

  if (process.argv.includes('--compare')) {
    const { checkScenario } = await import('../properties/check.ts');
    const { raftCaseShape } = await import('../properties/raft/shape.ts');
    const { raftScenario } = await import('../scenarios/raft/index.ts');
    console.log('\nThe random simulator on the same bugs (scenario raft, fast-check seed 42, 300 cases; shrunk schedule length in fault events):');
    for (const bug of RAFT_BUG_NAMES) {
      const t0 = performance.now();
      const r = checkScenario(raftScenario, raftCaseShape, { bug, numRuns: 300, seed: 42, reportDir: null });
      const s = ((performance.now() - t0) / 1000).toFixed(0);
      console.log(`  ${bug.padEnd(24)} ${r.failed ? `${r.violation?.invariant} after ${r.numRuns} cases, shrunk to ${r.config?.faults.length} fault events` : `not found in ${r.numRuns} cases`} [${s} s]`);
    }
  }
}
