/**
 * The search: breadth-first (the default: the first violation found is one of the shortest) or
 * depth-first, over the worlds of a Model, recognising worlds it has seen by their 64-bit hash and
 * running the scenario's checkers in every new world.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import type { ExploreBounds } from '../sim/scenario.ts';
import { runInNewContext } from 'node:vm';
import { CheckerSet, type CheckerCall, type Finding } from './checkers.ts';
import { FingerprintSet, HashSet64, collisionProbability } from './hash.ts';
import type { Model, XWorld } from './model.ts';

/**
 * bfs: breadth-first, the first violation found is one of the shortest. dfs: depth-first, memory
 * for one path. guided: best-first on novelty, for counterexamples deeper than breadth-first
 * reaches: a world whose nodes' progress summaries (Protocol.progress) make a combination not met
 * before costs nothing to reach, any other world one more than its parent; worlds are expanded in
 * order of cost, breadth-first within a cost (the idea of width-based search in planning:
 * Lipovetzky and Geffner, "Best-First Width Search", AAAI 2017). Every world within the bounds is
 * still reached before the search says the space is exhausted; only the order differs.
 */
export type SearchOrder = 'bfs' | 'dfs' | 'guided';

export interface SearchOptions {
  readonly order: SearchOrder;
  /** Wall-clock budget in ms (null: none). */
  readonly timeBudgetMs: number | null;
  /** Stop after this many distinct worlds (a memory guard; null: none). */
  readonly maxWorlds?: number | null;
  /** Called about every `progressEveryMs` with the figures so far. */
  readonly onProgress?: (p: SearchProgress) => void;
  readonly progressEveryMs?: number;
  /** Time the phases (stepping, hashing, checking): costs a little. */
  readonly profile?: boolean;
  /**
   * Liveness: judges a world (already clean of safety violations) by its quiet continuation, the
   * run from it through the heal and a quiet phase; a finding there is reported as the world's.
   */
  readonly continuation?: ((w: XWorld) => Finding | null) | null;
  /** The search's own wall clock, for its time budget and progress; never seen by a simulated world. */
  readonly clock?: () => number; // determinism-ok: wall time of the search itself, outside every explored world
}

export interface SearchProgress {
  /** Transitions taken (children generated). */
  readonly explored: number;
  /** Distinct worlds. */
  readonly unique: number;
  /** Depth of the worlds being expanded now. */
  readonly depth: number;
  /** Worlds waiting (BFS queue or DFS stack). */
  readonly frontier: number;
  /** Guided search: the cost (steps that met nothing new) of the worlds being expanded now; 0 otherwise. */
  readonly cost: number;
  readonly elapsedMs: number;
}

/** Why the search stopped. 'memory': the heap was nearly full (raise it with NODE_OPTIONS=--max-old-space-size=MB). */
export type StopReason = 'exhausted' | 'violation' | 'time-budget' | 'world-limit' | 'memory';

export interface SearchProfile {
  /** Stepping: cloning states, running the step functions, applying effects. */
  readonly stepMs: number;
  readonly hashMs: number;
  /** Checkers: replaying paths and feeding calls. */
  readonly checkMs: number;
  readonly replays: number;
  readonly replayedSteps: number;
  /** Breadth-first: worlds made again from their parent's (not kept whole in the frontier). */
  readonly rederived: number;
  /** Liveness: running the quiet continuations. */
  readonly continuationMs: number;
}

export interface SearchResult {
  readonly explored: number;
  readonly unique: number;
  /** The deepest world reached. */
  readonly maxDepth: number;
  readonly stoppedBy: StopReason;
  /** Worlds at the depth bound, not expanded (0: the space was exhausted below the depth bound too). */
  readonly atDepthBound: number;
  readonly elapsedMs: number;
  /** `continued`: found in the world's quiet continuation, not in the world itself. */
  readonly violation: { readonly world: XWorld; readonly finding: Finding; readonly continued: boolean } | null;
  readonly profile: SearchProfile | null;
  /** Bytes of the visited table. */
  readonly visitedBytes: number;
  /** Breadth-first: bytes of the levels (8 a world kept for expansion); 0 otherwise. */
  readonly frontierBytes: number;
  /** Breadth-first: the most worlds waiting at once (the next level and the rest of this one). */
  readonly frontierPeak: number;
  /**
   * Breadth-first keeps 64-bit fingerprints only: the probability that two distinct worlds met had
   * the same one, estimated as TLC does (`collisionProbability`). 0 for the other orders, which keep
   * a fingerprint with the depth it was met at (the same 64 bits: the same estimate applies).
   */
  readonly collisionProbability: number;
}

export function search(model: Model, options: SearchOptions): SearchResult {
  return new Search(model, options).run();
}

class Search {
  private readonly bounds: ExploreBounds;
  /** Depth-first and guided: fingerprints with the depth each was met at. */
  private readonly visited: HashSet64 | null;
  /** Breadth-first: fingerprints only. */
  private readonly fingerprints: FingerprintSet | null;
  private readonly clock: () => number;
  private readonly started: number;
  private explored = 0;
  private maxDepth = 0;
  private atDepthBound = 0;
  private depthNow = 0;
  private costNow = 0;
  private frontier = 0;
  private stepMs = 0;
  private hashMs = 0;
  private checkMs = 0;
  private replays = 0;
  private replayedSteps = 0;
  private continuationMs = 0;
  private nextProgress: number;
  private ticks = 0;
  private stop: StopReason | null = null;
  private violation: { world: XWorld; finding: Finding; continued: boolean } | null = null;
  private readonly children: XWorld[] = [];

  constructor(
    private readonly model: Model,
    private readonly options: SearchOptions,
  ) {
    this.bounds = model.bounds;
    this.visited = options.order === 'bfs' ? null : new HashSet64(16);
    this.fingerprints = options.order === 'bfs' ? new FingerprintSet(16) : null;
    this.clock = options.clock ?? (() => performance.now()); // determinism-ok: the search's own wall clock, outside any simulated world
    this.started = this.clock();
    this.nextProgress = this.started + (options.progressEveryMs ?? 500);
  }

  run(): SearchResult {
    const root = this.model.root();
    this.model.hash(root);
    const set = this.model.freshCheckers();
    const finding = set.feedAll(this.model.callsOf(root)) ?? set.end(this.model.viewOf(root.now, root.events, root.slots));
    if (this.fingerprints !== null) this.fingerprints.add(root.h1, root.h2);
    else this.visited!.set(root.h1, root.h2, 0);
    if (finding !== null) this.found(root, finding, false);
    else if (!this.continued(root)) {
      if (set.cloneable) root.checkers = set;
      if (this.options.order === 'bfs') this.bfs(root);
      else if (this.options.order === 'guided') this.guided(root);
      else this.dfs(root);
    }
    const p = this.options.profile === true;
    const unique = this.unique;
    return {
      explored: this.explored,
      unique,
      maxDepth: this.maxDepth,
      stoppedBy: this.stop ?? 'exhausted',
      atDepthBound: this.atDepthBound,
      elapsedMs: this.clock() - this.started,
      violation: this.violation,
      profile: p ? { stepMs: this.stepMs, hashMs: this.hashMs, checkMs: this.checkMs, replays: this.replays, replayedSteps: this.replayedSteps, rederived: this.rederived, continuationMs: this.continuationMs } : null,
      visitedBytes: this.fingerprints?.bytes ?? this.visited!.bytes,
      frontierBytes: this.levels === null ? 0 : this.levels.reduce((sum, l) => sum + l.bytes, 0),
      frontierPeak: this.frontierPeak,
      collisionProbability: collisionProbability(unique, this.explored + 1),
    };
  }

  private get unique(): number {
    return this.fingerprints?.size ?? this.visited!.size;
  }

  /**
   * Breadth-first, level by level. A level is kept compact: per world, its parent's place in the
   * level above and its code among the parent's children (8 bytes, outside the JS heap). A world is
   * made again from its parent when its turn comes, the parent made again the same way: a level is
   * in the order of its parents, so the ancestors being made again form one path (`stack`) and
   * each is made again at most once per level. (Keeping worlds whole costs more than making them
   * again: a world that lives on is copied and marked by the collector.) Every world is checked
   * when first met, in the order a queue of whole worlds would meet it: the same worlds, the same
   * first violation.
   */
  private bfs(root: XWorld): void {
    const bound = this.bounds.depth;
    const levels: Level[] = [new Level()];
    this.levels = levels;
    levels[0]!.push(-1, 0);
    this.stack = [root];
    this.stackIndex = [0];
    for (let d = 0; d < levels.length; d++) {
      const level = levels[d]!;
      if (d >= bound) {
        this.atDepthBound += level.size;
        break;
      }
      const next = new Level();
      for (let i = 0; i < level.size; i++) {
        const w = this.materialize(d, i);
        this.depthNow = d;
        this.frontier = level.size - i - 1 + next.size;
        if (this.frontier > this.frontierPeak) this.frontierPeak = this.frontier;
        const children = this.expand(w);
        for (let k = 0; k < children.length; k++) {
          const child = children[k]!;
          if (this.visit(w, child, -1)) {
            if (child.depth >= bound) this.atDepthBound++;
            else next.push(i, child.code);
          }
          if (this.stop !== null) return;
        }
        if (this.tick()) return;
      }
      if (next.size > 0) levels.push(next);
    }
  }

  private levels: Level[] | null = null;
  /** Breadth-first: the path of worlds made again, one per depth, and their places in their levels. */
  private stack: XWorld[] = [];
  private stackIndex: number[] = [];
  private rederived = 0;
  private frontierPeak = 0;

  /** World `i` of level `d`, made again from its parent (made again too, unless on the stack). */
  private materialize(d: number, i: number): XWorld {
    if (this.stackIndex[d] === i) return this.stack[d]!;
    const level = this.levels![d]!;
    const parent = this.materialize(d - 1, level.parent(i));
    const profile = this.options.profile === true;
    let t0 = profile ? this.clock() : 0;
    const w = this.model.child(parent, level.code(i));
    if (profile) {
      const t1 = this.clock();
      this.stepMs += t1 - t0;
      t0 = t1;
    }
    this.rederived++;
    if (parent.checkers !== null) {
      const set = parent.checkers.clone();
      const finding = set.feedAll(this.model.callsOf(w)) ?? set.end(this.model.viewOf(w.now, w.events, w.slots));
      if (finding !== null) throw new Error(`explorer: making a world again made ${finding.invariant} object (${finding.message}), which it did not the first time: a checker or a step is not deterministic`);
      w.checkers = set;
    }
    if (profile) this.checkMs += this.clock() - t0;
    this.stack[d] = w;
    this.stackIndex[d] = i;
    return w;
  }

  private guided(root: XWorld): void {
    const met = new Set<string>([this.model.progressOf(root)]);
    /** Per cost: the worlds waiting, first in first out. */
    const buckets: WorldQueue[] = [new WorldQueue()];
    buckets[0]!.push(root);
    let waiting = 1;
    let cost = 0;
    const place = (child: XWorld) => {
      const key = this.model.progressOf(child);
      const novel = !met.has(key);
      if (novel) met.add(key);
      const c = novel ? cost : cost + 1;
      if (c === buckets.length) buckets.push(new WorldQueue());
      buckets[c]!.push(child);
      waiting++;
    };
    while (cost < buckets.length) {
      const queue = buckets[cost]!;
      if (queue.size === 0) {
        cost++;
        continue;
      }
      const w = queue.shift();
      this.frontier = --waiting;
      this.costNow = cost;
      // A world met before at a greater depth is met again: its successors were cut by the depth bound.
      if (this.expandInto(w, true, place)) return;
    }
  }

  /**
   * Expands a world taken from a queue: each new child is checked and handed to `place`. With
   * `revisit`, a child met before at a greater depth counts as new. True: stop the search.
   */
  private expandInto(w: XWorld, revisit: boolean, place: (child: XWorld) => void): boolean {
    this.depthNow = w.depth;
    if (w.depth >= this.bounds.depth) {
      this.atDepthBound++;
      w.checkers = null;
      return false;
    }
    const children = this.expand(w);
    for (let k = 0; k < children.length; k++) {
      const child = children[k]!;
      if (this.visit(w, child, revisit ? child.depth : -1)) place(child);
      if (this.stop !== null) return true;
    }
    w.checkers = null;
    return this.tick();
  }

  private dfs(root: XWorld): void {
    interface Frame {
      readonly world: XWorld;
      children: XWorld[] | null;
      next: number;
    }
    const stack: Frame[] = [{ world: root, children: null, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const w = top.world;
      this.depthNow = w.depth;
      this.frontier = stack.length;
      if (top.children === null) {
        if (w.depth >= this.bounds.depth) {
          this.atDepthBound++;
          w.checkers = null;
          stack.pop();
          continue;
        }
        top.children = this.expand(w).slice();
      }
      if (top.next >= top.children.length) {
        w.checkers = null;
        stack.pop();
        continue;
      }
      const child = top.children[top.next]!;
      top.children[top.next++] = undefined as unknown as XWorld;
      if (this.visit(w, child, child.depth)) stack.push({ world: child, children: null, next: 0 });
      if (this.stop !== null) return;
      if (this.tick()) return;
    }
  }

  private expand(w: XWorld): XWorld[] {
    const children = this.children;
    children.length = 0;
    if (this.options.profile) {
      const t0 = this.clock();
      this.model.expand(w, children);
      this.stepMs += this.clock() - t0;
    } else this.model.expand(w, children);
    return children;
  }

  /**
   * A child world: new? Then run the checkers in it. `revisitBelow` >= 0 (depth-first, guided): a world seen
   * before at a greater depth counts as new (its successors were cut off by the depth bound).
   */
  private visit(parent: XWorld, child: XWorld, revisitBelow: number): boolean {
    this.explored++;
    const profile = this.options.profile === true;
    if (child.thrown !== null) {
      this.found(child, child.thrown, false);
      return false;
    }
    let t0 = profile ? this.clock() : 0;
    this.model.hash(child);
    if (profile) {
      const t1 = this.clock();
      this.hashMs += t1 - t0;
      t0 = t1;
    }
    const fingerprints = this.fingerprints;
    if (fingerprints !== null) {
      if (!fingerprints.add(child.h1, child.h2)) return false;
    } else {
      const seen = this.visited!.find(child.h1, child.h2);
      if (seen >= 0 && (revisitBelow < 0 || seen <= revisitBelow)) return false;
    }
    const set = this.checkersFor(parent);
    const finding = set.feedAll(this.model.callsOf(child)) ?? set.end(this.model.viewOf(child.now, child.events, child.slots));
    if (profile) this.checkMs += this.clock() - t0;
    if (fingerprints === null) this.visited!.set(child.h1, child.h2, child.depth);
    if (child.depth > this.maxDepth) this.maxDepth = child.depth;
    if (finding !== null) {
      this.found(child, finding, false);
      return false;
    }
    if (this.continued(child)) return false;
    // Depth-first, the child is expanded next: it keeps its checkers (at most one set per level of
    // the stack). Breadth-first, a world is made again with its checkers when its turn comes
    // (materialize). Guided, a world waits in a queue; holding a set for each would triple the
    // memory, so a world's set is made again when it is expanded (see checkersFor).
    if (set.cloneable && this.options.order === 'dfs') child.checkers = set;
    if (this.options.maxWorlds != null && this.unique >= this.options.maxWorlds) this.stop = 'world-limit';
    return true;
  }

  private found(world: XWorld, finding: Finding, continued: boolean): void {
    if (world.depth > this.maxDepth) this.maxDepth = world.depth;
    this.violation = { world, finding, continued };
    this.stop = 'violation';
  }

  /** Liveness: true when the world's quiet continuation meets a violation (then the search stops). */
  private continued(w: XWorld): boolean {
    const judge = this.options.continuation;
    if (judge == null) return false;
    const t0 = this.options.profile === true ? this.clock() : 0;
    const finding = judge(w);
    if (this.options.profile === true) this.continuationMs += this.clock() - t0;
    if (finding === null) return false;
    this.found(w, finding, true);
    return true;
  }

  /**
   * The checkers in the parent's state, for one child: a copy of the parent's own set when every
   * checker can clone itself; otherwise fresh checkers fed every call on the path to the parent
   * (the calls are collected once per parent).
   */
  private checkersFor(parent: XWorld): CheckerSet {
    const held = parent.checkers;
    if (held !== null && held.cloneable) return held.clone();
    if (this.pathOf !== parent) {
      this.pathOf = parent;
      this.pathCalls = this.collectCalls(parent);
    }
    this.replays++;
    this.replayedSteps += parent.depth + 1;
    const set = this.model.freshCheckers();
    const finding = set.feedAll(this.pathCalls);
    if (finding !== null) {
      throw new Error(`explorer: replaying the path to a world made ${finding.invariant} object (${finding.message}), which it did not the first time: a checker is not deterministic`);
    }
    if (!set.cloneable) return set;
    // Asked at the parent's world once more (it answered nothing there the first time), so that a
    // checker that remembers what it has judged (linearizable) need not judge it again per child.
    set.end(this.model.viewOf(parent.now, parent.events, parent.slots));
    // Made once for the parent, copied for each of its new children (dropped once it is expanded).
    parent.checkers = set;
    return set.clone();
  }

  private pathOf: XWorld | null = null;
  private pathCalls: CheckerCall[] = [];

  /** Every checker call on the path to `w`, in order. */
  private collectCalls(w: XWorld): CheckerCall[] {
    const path: XWorld[] = [];
    for (let x: XWorld | null = w; x !== null; x = x.parent) path.push(x);
    const calls: CheckerCall[] = [];
    for (let k = path.length - 1; k >= 0; k--) for (const c of this.model.callsOf(path[k]!)) calls.push(c);
    return calls;
  }

  /** Time budget and progress, checked now and then. True: stop. */
  private tick(): boolean {
    if ((++this.ticks & 63) !== 0) return false;
    const now = this.clock();
    const budget = this.options.timeBudgetMs;
    if (budget !== null && now - this.started >= budget) {
      this.stop = 'time-budget';
      return true;
    }
    if ((this.ticks & 1023) === 0 && heapNearlyFull()) {
      this.stop = 'memory';
      return true;
    }
    if (this.options.onProgress && now >= this.nextProgress) {
      this.nextProgress = now + (this.options.progressEveryMs ?? 500);
      this.options.onProgress({ explored: this.explored, unique: this.unique, depth: this.depthNow, frontier: this.frontier, cost: this.costNow, elapsedMs: now - this.started });
    }
    return false;
  }
}

/**
 * One level of a breadth-first search: per world kept for expansion, its parent's place in the
 * level above and its code (XWorld.code), in chunks of typed arrays (8 bytes a world).
 */
class Level {
  private readonly parents: Int32Array[] = [];
  private readonly codes: Uint32Array[] = [];
  size = 0;

  push(parent: number, code: number): void {
    const chunk = this.size >>> LEVEL_CHUNK_LOG2;
    if (chunk === this.parents.length) {
      this.parents.push(new Int32Array(1 << LEVEL_CHUNK_LOG2));
      this.codes.push(new Uint32Array(1 << LEVEL_CHUNK_LOG2));
    }
    const at = this.size & LEVEL_CHUNK_MASK;
    this.parents[chunk]![at] = parent;
    this.codes[chunk]![at] = code;
    this.size++;
  }

  parent(i: number): number {
    return this.parents[i >>> LEVEL_CHUNK_LOG2]![i & LEVEL_CHUNK_MASK]!;
  }

  code(i: number): number {
    return this.codes[i >>> LEVEL_CHUNK_LOG2]![i & LEVEL_CHUNK_MASK]!;
  }

  get bytes(): number {
    return this.parents.length * 8 << LEVEL_CHUNK_LOG2;
  }
}

const LEVEL_CHUNK_LOG2 = 12;
const LEVEL_CHUNK_MASK = (1 << LEVEL_CHUNK_LOG2) - 1;

/** First in, first out; lets a world go once it is taken (its children hold what they share with it). */
class WorldQueue {
  private items: XWorld[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(w: XWorld): void {
    this.items.push(w);
  }

  shift(): XWorld {
    const w = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as XWorld;
    if (this.head > 65536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

let collect: (() => void) | null | undefined;

/**
 * Whether the heap is nearly full of live data: above 85% of its limit even after a full
 * collection (what looks full may be garbage, e.g. an earlier search's worlds).
 */
function heapNearlyFull(): boolean {
  const limit = getHeapStatistics().heap_size_limit;
  if (getHeapStatistics().used_heap_size < 0.85 * limit) return false;
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
  return getHeapStatistics().used_heap_size >= 0.8 * limit;
}
