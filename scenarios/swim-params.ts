/**
 * swim-params: swarm testing of SWIM's and Lifeguard's knobs. Each seed draws the protocol's
 * parameters (Lifeguard on or off, k indirect checks, piggyback and retransmit limits, suspicion
 * multipliers, the probe timeout's share of the period) and a small fault plan (message loss, a
 * crash and maybe a restart, maybe a CPU-starved member), as TigerBeetle's VOPR draws a whole
 * configuration from its seed. A rule that only one setting exercises (a relay that must send no
 * ack when no nack was asked for, which needs Lifeguard off; a full piggyback budget, which needs a
 * small one) is then reached by some seeds of every sweep. The bounds of checkers/swim.ts follow
 * the drawn configuration.
 */
import type { Rng } from '../core/contract/protocol.ts';
import type { Scenario } from '../sim/scenario.ts';
import type { FaultEvent } from '../sim/faults.ts';
import { nodeIds } from '../sim/configure.ts';
import { swimBugs } from '../core/swim/index.ts';
import { at, buildSwim, pick, run, size, swimOptions, type Story, type SwimTuning } from './swim.ts';

const DURATION_MS = 60_000;

/** One seed's knobs: each drawn on its own, so a sweep meets their combinations. */
export function drawTuning(rng: Rng): { lifeguard: boolean; tuning: SwimTuning } {
  return {
    lifeguard: rng.next() < 0.6,
    tuning: {
      indirectChecks: 1 + rng.int(4),
      maxPiggyback: pick(rng, [1, 2, 4, 8]),
      retransmitMult: pick(rng, [2, 3, 4]),
      suspicionMult: pick(rng, [4, 5, 6]),
      suspicionMaxTimeoutMult: pick(rng, [3, 6]),
      probeTimeoutFraction: pick(rng, [0.3, 0.5, 0.8]),
    },
  };
}

function story(rng: Rng): Story {
  const nodes = size(rng, 5, 10);
  const ids = nodeIds('n', nodes);
  const { lifeguard, tuning } = drawTuning(rng);
  const lossRate = pick(rng, [0, 0.05, 0.1]);
  const faults: FaultEvent[] = lossRate > 0 ? [{ atMs: 0, type: 'network', conditions: { lossRate } }] : [];
  const victim = pick(rng, ids);
  const crashAt = at(rng, 3000, 15_000);
  faults.push({ atMs: crashAt, type: 'crash', node: victim });
  if (rng.next() < 0.5) faults.push({ atMs: crashAt + at(rng, 15_000, 30_000), type: 'restart', node: victim });
  const slow = rng.next() < 0.3 ? pick(rng, ids.filter((id) => id !== victim)) : null;
  if (slow !== null) {
    for (let t = at(rng, 1000, 3000); t < DURATION_MS - 1000; t += at(rng, 300, 1500)) faults.push({ atMs: t, type: 'pause', node: slow, durationMs: at(rng, 200, 1500) });
  }
  return { options: swimOptions({ nodes, lifeguard, tuning, lossRate: lossRate > 0 ? lossRate : null }), faults };
}

export const swimParams: Scenario = {
  name: 'swim-params',
  description: "SWIM: 5-10 members with the protocol's knobs drawn per seed (Lifeguard on/off, k, piggyback and retransmit limits, suspicion multipliers, probe timeout) under loss, a crash and maybe a slow member",
  bugs: swimBugs,
  faultKinds: ['loss', 'crash', 'pause', 'forge'],
  configure(seed, rng, bug) {
    return run('swim-params', seed, bug, story(rng), rng);
  },
  build: buildSwim,
  // The branches the rule checker (checkers/swim-rules.ts) needs exercised to judge anything: a
  // late ack, a relay left unanswered with no nack asked (Lifeguard off), a sync's verdict of death,
  // a full piggyback budget, ping-reqs of a member in poor health. A fault plan or knob draw that
  // stops reaching one fails the sweep instead of passing in silence.
  sometimes: {
    events: ['swim/late-ack-ignored', 'swim/relay-silent', 'swim/sync-dead-as-suspect', 'swim/piggyback-budget-full', 'swim/probe-timeout-stretched'],
    seeds: 50,
  },
};
