import { describe, expect, it } from 'vitest';
import { exploreScenario, knownBugBounds } from '../explore/index.ts';
import { runConfig } from '../sim/run.ts';
import { swimExploreScenario } from './swim-explore.ts';

describe('swim-explore: the explorer on SWIM', () => {
  it('with no bug, exhausts a bounded space with no violation, liveness included', () => {
    expect(exploreScenario(swimExploreScenario, { bounds: { depth: 6 } })).toMatchObject({ exhausted: true, violation: null, maxDepth: 6 });
    expect(exploreScenario(swimExploreScenario, { bounds: { depth: 4, crashes: 1, liveness: true } })).toMatchObject({ exhausted: true, violation: null });
  });

  it.each([
    ['refute-without-bump', 'refutation', 5],
    ['lower-incarnation-alive', 'incarnations-grow', 4],
  ])('finds %s (%s) in %i steps, with no fault, and the kernel replays it', (bug, invariant, depth) => {
    const o = exploreScenario(swimExploreScenario, { bug, bounds: knownBugBounds(swimExploreScenario, bug) });
    expect(o.violation).toMatchObject({ invariant, depth, faults: { total: 0 }, replay: { same: true } });
  });

  it('runs as an ordinary scenario too: three members, no faults, nothing violated', () => {
    const config = swimExploreScenario.configure(1, null as never, null);
    const run = runConfig(swimExploreScenario, config);
    expect(run.violation).toBeNull();
    expect(run.simulatedMs).toBe(config.durationMs + config.quietMs);
  });
});
