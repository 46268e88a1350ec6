/**
 * swim-explore: SWIM + Lifeguard (core/swim) small enough to explore exhaustively
 * (`npm run sim -- --explore --scenario swim-explore [--bug NAME]`, explore/).
 *
 * Three members that know each other from the start, 1000 ms protocol periods, FIFO links with no
 * latency, randomness fixed (every Rng draw is 0, so each member probes the others in one fixed
 * order). The explorer delays any message past any timer, which is how a probe fails here: a ping
 * still in flight when the probe times out. No symmetry: a member's view is an array indexed by
 * member, which renaming ids would not permute.
 *
 * What exploration finds and what it cannot (see docs/explorer.md):
 * refute-without-bump and lower-incarnation-alive break a safety rule in a handful of steps. The
 * others are rates and spreads: no-suspicion and no-ping-req make false positives more likely,
 * which only the random simulator's loss-bound checker measures; early-dissemination-stop starves
 * news in groups of dozens; no-mac-check needs a forger, which the explorer does not model.
 */
import type { ExploreBounds, RunConfig, Scenario } from '../sim/scenario.ts';
import { calmNetwork } from '../sim/network.ts';
import { buildSwim, swimBugInfo, swimOptions } from './swim.ts';

const MEMBERS = 3;
const DURATION_MS = 10_000;
/** After the heal, enough protocol periods for a refutation and for news to reach everyone (the refutation bound is 9 s for 3 members). */
const QUIET_MS = 20_000;

const bugBounds: Readonly<Record<string, Partial<ExploreBounds>>> = {
  'refute-without-bump': { depth: 6 },
  'lower-incarnation-alive': { depth: 5 },
};

export const swimExploreScenario: Scenario = {
  name: 'swim-explore',
  description: 'SWIM + Lifeguard for exhaustive exploration (--explore): 3 members, fixed randomness, FIFO links with no latency',
  bugs: swimBugInfo,
  faultKinds: ['crash'],
  configure(seed, _rng, bug): RunConfig {
    return {
      scenario: 'swim-explore',
      seed,
      bug,
      options: swimOptions({ nodes: MEMBERS }) as unknown as Record<string, unknown>,
      network: { base: { ...calmNetwork, latency: { kind: 'constant', ms: 0 }, reorder: false } },
      clock: { maxSkewMs: 0, maxDriftPpm: 0 },
      faults: [],
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
      maxEvents: 1_000_000,
    };
  },
  build: buildSwim,
  explore: {
    bounds: { depth: 8, commands: 0 },
    bugBounds,
  },
};
