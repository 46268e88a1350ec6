/**
 * Exhaustive exploration of a scenario: a bounded model checker over the same step functions the
 * kernel runs (`npm run sim -- --explore`). See docs/explorer.md for the model.
 *
 *   const outcome = exploreScenario(scenario, { bug: 'votedfor-not-persisted' });
 *   outcome.violation?.reportPath   // a report that `npm run sim -- --replay` re-runs in the kernel
 */
import type { ExploreBounds, RunConfig, Scenario } from '../sim/scenario.ts';
import type { Violation } from '../sim/kernel.ts';
import { configFor, runConfig } from '../sim/run.ts';
import { makeReport, writeReport, type ToolInfo } from '../sim/report.ts';
import { Model, type XWorld } from './model.ts';
import { search, type SearchOrder, type SearchProfile, type SearchProgress, type StopReason } from './explorer.ts';
import { directedConfig, pathFaults, pathTo, type PathFaults } from './directed.ts';
import type { Finding } from './checkers.ts';

export { Model, cloneState } from './model.ts';
export { search } from './explorer.ts';
export { directedConfig, directedScheduleError, pathFaults } from './directed.ts';
export type { SearchOrder, SearchProgress, SearchResult, StopReason } from './explorer.ts';

/** Bounds when neither the scenario nor the command line sets them. */
export const DEFAULT_BOUNDS: ExploreBounds = { depth: 12, crashes: 0, drops: 0, dups: 0, inflight: 2, commands: 1, midStep: false, timers: null, liveness: false };

export interface ExploreOptions {
  /** The config seed (scenarios draw their shape from it); default 0. */
  readonly seed?: number;
  readonly bug?: string | null;
  /** Over the scenario's bounds for the bug, which are over its default bounds. */
  readonly bounds?: Partial<ExploreBounds>;
  readonly order?: SearchOrder;
  readonly symmetry?: boolean;
  readonly timeBudgetMs?: number | null;
  readonly maxWorlds?: number | null;
  readonly onProgress?: (p: SearchProgress) => void;
  readonly progressEveryMs?: number;
  readonly profile?: boolean;
  /** The search's own clock in ms, for its time budget and progress (default: wall time; e.g. CPU time on a shared machine). */
  readonly clock?: () => number; // determinism-ok: the search's own clock, outside every explored world
  /** Where a counterexample's report goes; null: none is written. */
  readonly reportDir?: string | null;
  readonly tool?: ToolInfo;
  /** The user's scenario module the scenario comes from, as given: the report records it for the replay. */
  readonly scenarioFile?: string | null;
  /** Replay the counterexample in the kernel to check it (default true). */
  readonly verify?: boolean;
}

export interface ExploreViolation {
  readonly invariant: string;
  readonly kind: Finding['kind'];
  readonly message: string;
  /** Steps from the initial world. */
  readonly depth: number;
  /** Met in the quiet continuation of the path's last world (liveness), not in the world itself. */
  readonly continued: boolean;
  /** The path in words (a continued one ends with its quiet phase). */
  readonly path: readonly string[];
  readonly faults: PathFaults;
  /** The directed run config that replays it. */
  readonly config: RunConfig;
  /** The kernel's run of that config: null when not verified. */
  readonly replay: { readonly violation: Violation | null; readonly traceHash: string; readonly same: boolean } | null;
  readonly reportPath: string | null;
}

export interface ExploreOutcome {
  readonly scenario: string;
  readonly bug: string | null;
  readonly seed: number;
  readonly bounds: ExploreBounds;
  readonly order: SearchOrder;
  readonly symmetry: boolean;
  readonly symmetricNodes: readonly string[];
  readonly explored: number;
  readonly unique: number;
  readonly maxDepth: number;
  readonly stoppedBy: StopReason;
  /** True when every world within the bounds was reached and checked. */
  readonly exhausted: boolean;
  readonly atDepthBound: number;
  readonly elapsedMs: number;
  readonly violation: ExploreViolation | null;
  readonly profile: SearchProfile | null;
  readonly visitedBytes: number;
  /** Breadth-first: bytes of the frontier's levels, and the most worlds waiting at once. */
  readonly frontierBytes: number;
  readonly frontierPeak: number;
  /** The probability that a fingerprint collision hid a world (TLC's estimate; see SearchResult). */
  readonly collisionProbability: number;
}

/**
 * The bounds an exploration uses: the explorer's defaults, then the scenario's, then `over`. The
 * same with a bug switched on as without: a search for a mistake nobody documented runs within
 * the bounds a search for a documented one would.
 */
export function resolveBounds(scenario: Scenario, over: Partial<ExploreBounds> = {}): ExploreBounds {
  return { ...DEFAULT_BOUNDS, ...scenario.explore?.bounds, ...over };
}

/** Bounds (over the scenario's) within which the explorer is known to find a documented bug; none when unknown. */
export function knownBugBounds(scenario: Scenario, bug: string): Partial<ExploreBounds> {
  return scenario.explore?.bugBounds?.[bug] ?? {};
}

export function exploreScenario(scenario: Scenario, options: ExploreOptions = {}): ExploreOutcome {
  const bug = options.bug ?? null;
  const seed = options.seed ?? 0;
  const config = configFor(scenario, seed, bug);
  const bounds = resolveBounds(scenario, options.bounds);
  const order = options.order ?? 'bfs';
  const symmetric = options.symmetry ? [...(scenario.explore?.symmetric?.(config) ?? [])] : [];
  if (bounds.liveness && symmetric.length > 1) throw new Error('explorer: liveness and symmetry reduction do not go together: a world and its permutations go on differently after the heal (node streams are named)');
  const model = new Model(scenario, config, bounds, symmetric.length > 1 ? symmetric : null);
  const result = search(model, {
    order,
    timeBudgetMs: options.timeBudgetMs ?? null,
    maxWorlds: options.maxWorlds ?? null,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.progressEveryMs !== undefined ? { progressEveryMs: options.progressEveryMs } : {}),
    profile: options.profile ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
    continuation: bounds.liveness ? (w) => continuationFinding(scenario, model, w) : null,
  });
  let violation: ExploreViolation | null = null;
  if (result.violation !== null) {
    const { world, finding, continued } = result.violation;
    const directed = directedConfig(model, world, continued);
    const path = pathTo(world);
    let replay: ExploreViolation['replay'] = null;
    let reportPath: string | null = null;
    if (options.verify !== false || options.reportDir != null) {
      const run = runConfig(scenario, directed, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 400 } });
      const v = run.violation;
      const same = v !== null && v.invariant === finding.invariant && v.message === finding.message;
      replay = { violation: v, traceHash: run.traceHash, same };
      if (v !== null && options.reportDir != null) {
        reportPath = writeReport(makeReport(run, { kind: 'explore', depth: world.depth }, options.tool, options.scenarioFile ?? null), options.reportDir);
      }
    }
    violation = {
      invariant: finding.invariant,
      kind: finding.kind,
      message: finding.message,
      depth: world.depth,
      continued,
      path: directed.directed?.path ?? [],
      faults: pathFaults(path),
      config: directed,
      replay,
      reportPath,
    };
  }
  return {
    scenario: scenario.name,
    bug,
    seed,
    bounds,
    order,
    symmetry: symmetric.length > 1,
    symmetricNodes: symmetric,
    explored: result.explored,
    unique: result.unique,
    maxDepth: result.maxDepth,
    stoppedBy: result.stoppedBy,
    exhausted: result.stoppedBy === 'exhausted',
    atDepthBound: result.atDepthBound,
    elapsedMs: result.elapsedMs,
    violation,
    profile: result.profile,
    visitedBytes: result.visitedBytes,
    frontierBytes: result.frontierBytes,
    frontierPeak: result.frontierPeak,
    collisionProbability: result.collisionProbability,
  };
}

/**
 * Liveness in a world: the kernel runs it on through the heal and the scenario's quiet phase, as
 * the replay of a counterexample ending there would (the same directed config), and every checker
 * judges that run. One continuation per world: the one the seed's node streams draw.
 */
function continuationFinding(scenario: Scenario, model: Model, w: XWorld): Finding | null {
  const v = runConfig(scenario, directedConfig(model, w, true), {}).violation;
  return v === null ? null : { invariant: v.invariant, kind: v.kind, message: v.message };
}
