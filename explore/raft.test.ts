import { describe, expect, it } from 'vitest';
import { configFor } from '../sim/run.ts';
import { hashValue, type Hash64 } from './hash.ts';
import { exploreScenario, knownBugBounds, resolveBounds } from './index.ts';
import { Model, type XWorld } from './model.ts';
import { search } from './explorer.ts';
import { raftExploreScenario, raftExplorePathBounds, raftExplorePaths } from '../scenarios/raft-explore.ts';
import { followPath } from './follow.ts';
import { directedConfig } from './directed.ts';
import { runConfig } from '../sim/run.ts';
import { raftCanonical } from '../core/raft/explore.ts';
import type { RaftState } from '../core/raft/types.ts';
import type { ExploreBounds } from '../sim/scenario.ts';

type State = RaftState<unknown, unknown, unknown>;

/** A world of raft-explore with a leader (n1 elected by n2's vote): three steps from the start. */
function leaderWorld(): { model: Model; world: XWorld } {
  const config = configFor(raftExploreScenario, 0, null);
  const model = new Model(raftExploreScenario, config, resolveBounds(raftExploreScenario), null);
  let w = model.root();
  const pick = (f: (c: XWorld) => boolean) => {
    const out: XWorld[] = [];
    model.expand(w, out);
    w = out.find(f)!;
  };
  const delivers = (type: string, to: number) => (c: XWorld) => {
    const via = c.via;
    const m = via?.type === 'deliver' && !via.keep ? w.inflight.find((x) => x.id === via.msg) : undefined;
    return m !== undefined && m.to === to && (m.payload as { type: string }).type === type;
  };
  pick((c) => c.via?.type === 'timer' && c.via.node === 0);
  pick(delivers('requestVote', 1));
  pick(delivers('requestVoteResponse', 0));
  return { model, world: w };
}

const h = (v: unknown): Hash64 => hashValue(v, { h1: 0, h2: 0 });

describe('Raft as the explorer compares it', () => {
  it('compares times relative to now, and merges what only differs past a threshold', () => {
    const { world } = leaderWorld();
    const follower = world.slots[1]!.state as State;
    const leader = world.slots[0]!.state as State;
    expect(leader.role).toBe('leader');
    const now = world.now;
    const shift = (s: State, by: number): State => ({
      ...s,
      electionDeadlineMs: s.electionDeadlineMs + by,
      electionTimerDueMs: s.electionTimerDueMs === null ? null : s.electionTimerDueMs + by,
      lastLeaderContactMs: s.lastLeaderContactMs === null ? null : s.lastLeaderContactMs + by,
      leader: s.leader === null ? null : { ...s.leader, lastQuorumCheckMs: s.leader.lastQuorumCheckMs + by },
    });
    for (const s of [follower, leader]) {
      expect(h(raftCanonical(shift(s, 1234), now + 1234, 150))).toEqual(h(raftCanonical(s, now, 150)));
      expect(h(raftCanonical(shift(s, 10), now, 150))).not.toEqual(h(raftCanonical(s, now, 150)));
    }
    // A leader heard from 200 ms or 900 ms ago: the lease (150 ms) ran out either way.
    const heard = { ...follower, leaderId: 'n1', lastLeaderContactMs: now - 200 };
    expect(h(raftCanonical({ ...heard, lastLeaderContactMs: now - 900 }, now, 150))).toEqual(h(raftCanonical(heard, now, 150)));
    expect(h(raftCanonical({ ...heard, lastLeaderContactMs: now - 100 }, now, 150))).not.toEqual(h(raftCanonical(heard, now, 150)));
  });

  it("shares only what steps never mutate: its clone leaves every explored state as it was", () => {
    const config = configFor(raftExploreScenario, 0, null);
    const bounds = resolveBounds(raftExploreScenario, { depth: 7, crashes: 1, midStep: true, drops: 1, dups: 1 });
    const model = new Model(raftExploreScenario, config, bounds, null);
    model.verifyClones = true; // throws if a step changed the state its copy was made from
    const r = search(model, { order: 'bfs', timeBudgetMs: null, maxWorlds: 30_000 });
    expect(r.unique).toBeGreaterThan(10_000);
    expect(r.violation).toBeNull();
  });

  it('with no bug, exhausts a small bounded space with no violation; symmetry finds the same space in fewer worlds', () => {
    const plain = exploreScenario(raftExploreScenario, { bounds: { depth: 6 } });
    const sym = exploreScenario(raftExploreScenario, { bounds: { depth: 6 }, symmetry: true });
    for (const o of [plain, sym]) expect(o).toMatchObject({ exhausted: true, violation: null, maxDepth: 6 });
    expect(sym.symmetricNodes).toEqual(['n1', 'n2', 'n3']);
    expect(sym.unique).toBeLessThan(plain.unique / 3);
  });
});

/** The bounds within which a path of `raftExplorePaths` lies. */
function pathBounds(bug: string): ExploreBounds {
  return resolveBounds(raftExploreScenario, { ...knownBugBounds(raftExploreScenario, bug), ...raftExplorePathBounds[bug] });
}

/** Bugs found within test-friendly bounds; the rest are found by `npx tsx bench/run.ts explore` (see docs/explorer.md). */
const found: { bug: string; invariant: string; depth: number; symmetry: boolean }[] = [
  { bug: 'reply-before-persist', invariant: 'elected-by-majority', depth: 3, symmetry: true },
  { bug: 'apply-before-commit', invariant: 'commit-and-apply-bounds', depth: 3, symmetry: true },
  { bug: 'votedfor-not-persisted', invariant: 'election-safety', depth: 8, symmetry: true },
  { bug: 'vote-without-log-check', invariant: 'leader-completeness', depth: 10, symmetry: true },
  // Its liveness failure, judged in each world's quiet continuation (the scenario's bounds say --liveness).
  { bug: 'ignore-higher-term', invariant: 'raft-liveness', depth: 4, symmetry: false },
];

describe('the explorer finds known Raft bugs with shortest counterexamples the kernel replays', () => {
  for (const f of found) {
    it(f.bug, () => {
      const o = exploreScenario(raftExploreScenario, { bug: f.bug, bounds: knownBugBounds(raftExploreScenario, f.bug), symmetry: f.symmetry });
      expect(o.violation).toMatchObject({ invariant: f.invariant, depth: f.depth });
      expect(o.violation!.replay).toMatchObject({ same: true });
      expect(o.violation!.depth).toBeLessThanOrEqual(o.bounds.depth);
    });
  }
});

describe("Raft's checkers cloned at every step judge as checkers fed the whole path", () => {
  for (const [bug, steps] of Object.entries(raftExplorePaths)) {
    it(`along the ${bug} counterexample: same finding at the same step, and a clone never changes its original`, () => {
      const model = new Model(raftExploreScenario, configFor(raftExploreScenario, 0, bug), pathBounds(bug), null);
      const end = followPath(model, steps).world;
      const path: XWorld[] = [];
      for (let w: XWorld | null = end; w !== null; w = w.parent) path.unshift(w);
      const whole = model.freshCheckers();
      let cloned = model.freshCheckers();
      expect(cloned.cloneable).toBe(true);
      let found = 0;
      for (const w of path) {
        const view = model.viewOf(w.now, w.events, w.slots);
        const expected = whole.feedAll(model.callsOf(w)) ?? whole.end(view);
        const original = cloned;
        cloned = original.clone();
        const got = cloned.feedAll(model.callsOf(w)) ?? cloned.end(view);
        expect(got).toEqual(expected);
        if (got !== null) {
          found++;
          expect(w).toBe(end);
          // The original, which never saw this step, still finds nothing where it stands.
          const before = w.parent!;
          expect(original.end(model.viewOf(before.now, before.events, before.slots))).toBeNull();
        }
      }
      expect(found).toBe(1);
    });
  }
});

describe('the guided search on Raft (best-first on new progress)', () => {
  it('reaches exactly the worlds breadth-first reaches, only in another order', () => {
    for (const symmetry of [false, true]) {
      const bfs = exploreScenario(raftExploreScenario, { bounds: { depth: 6 }, symmetry });
      const guided = exploreScenario(raftExploreScenario, { bounds: { depth: 6 }, symmetry, order: 'guided' });
      expect(guided).toMatchObject({ exhausted: true, violation: null, unique: bfs.unique, maxDepth: 6 });
    }
  });

  it('finds a bug in fewer worlds than breadth-first, with a path the kernel replays', () => {
    const bfs = exploreScenario(raftExploreScenario, { bug: 'votedfor-not-persisted', bounds: knownBugBounds(raftExploreScenario, 'votedfor-not-persisted'), symmetry: true });
    const guided = exploreScenario(raftExploreScenario, { bug: 'votedfor-not-persisted', bounds: knownBugBounds(raftExploreScenario, 'votedfor-not-persisted'), symmetry: true, order: 'guided' });
    expect(guided.violation).toMatchObject({ invariant: 'election-safety', replay: { same: true } });
    expect(guided.violation!.depth).toBeGreaterThanOrEqual(bfs.violation!.depth); // breadth-first's is a shortest one
    expect(guided.unique).toBeLessThan(bfs.unique / 2);
  });
});

/**
 * The bugs whose counterexamples are too deep to search exhaustively in a test (20 steps and more;
 * the benchmark gives them minutes): the model has them, step by step, and the kernel replays them.
 */
describe('the deeper Raft bugs: their counterexamples, followed through the explorer\'s model, replay in the kernel', () => {
  const expected: Record<string, string> = { 'commit-previous-term': 'commit-on-majority', 'stale-read': 'linearizable' };
  for (const [bug, steps] of Object.entries(raftExplorePaths)) {
    it(`${bug} (${steps.length} steps)`, () => {
      const model = new Model(raftExploreScenario, configFor(raftExploreScenario, 0, bug), pathBounds(bug), null);
      const r = followPath(model, steps);
      expect(r.finding?.invariant).toBe(expected[bug]);
      // The violation comes at the last step, or before it where a rule checker sees the broken rule
      // when it acts (commit-previous-term: the commit of an entry of an earlier term, step 18 of 23).
      expect(r.world.depth).toBe(bug === 'commit-previous-term' ? 18 : steps.length);
      expect(r.world.depth).toBeLessThanOrEqual(pathBounds(bug).depth);
      const replay = runConfig(raftExploreScenario, directedConfig(model, r.world));
      expect(replay.violation).toMatchObject({ invariant: r.finding!.invariant, message: r.finding!.message });
      // Without the bug, the same steps break nothing (or are not even possible).
      const clean = new Model(raftExploreScenario, { ...configFor(raftExploreScenario, 0, bug), bug: null }, pathBounds(bug), null);
      let finding: unknown = null;
      try {
        finding = followPath(clean, steps).finding;
      } catch {
        finding = null;
      }
      expect(finding).toBeNull();
    });
  }
});
