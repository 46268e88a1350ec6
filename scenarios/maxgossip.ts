/**
 * The example scenario: 3 to 7 nodes run the max-gossip protocol for 10 s of swarm faults
 * (crashes, torn and lost writes, partitions, pauses, clock faults, loss), then 3 s of quiet.
 */
import type { Scenario } from '../sim/scenario.ts';
import { allFaultKinds } from '../sim/faults.ts';
import { nodeIds, swarmConfig } from '../sim/configure.ts';
import { maxGossip, type MaxGossipBug } from '../core/maxgossip/index.ts';
import { catchesUp, neverBackwards } from '../checkers/maxgossip.ts';

/**
 * The rare branches a sweep of 100 seeds must reach, and how often (the drawn faults reach each
 * in every block of 100 seeds).
 * Calibrated on correct code over seeds 1..300 (each bar about a third of the fewest times
 * a block of 100 seeds reached it); a plan or code that stops taking a branch fails the sweep.
 */
const COVERAGE: Readonly<Record<string, number>> = {
  'maxgossip/adopted-larger': 23000,
  'maxgossip/log-compacted': 1300,
  'maxgossip/recovered-value': 40,
  'maxgossip/recovery-skipped-bad-record': 6,
};

export const maxGossipScenario: Scenario = {
  name: 'maxgossip',
  description: 'example protocol: nodes gossip the largest number they know, persisting it first (3-7 nodes, swarm faults)',
  faultKinds: allFaultKinds,
  bugs: [
    { name: 'no-persist', description: 'announces a number without persisting it: a restart goes backwards' },
    { name: 'announce-before-persist', description: 'announces before the write: a crash between the two goes backwards' },
    { name: 'no-checksum', description: 'trusts a torn record on restart: a half-written "123" reads as 12' },
    { name: 'nondeterministic', description: 'draws timer jitter from the global PRNG, not its own stream: the determinism self-check fires' },
  ],
  configure(seed, rng, bug) {
    const nodes = 3 + rng.int(5);
    return swarmConfig({
      scenario: 'maxgossip',
      seed,
      bug,
      options: { nodes },
      servers: nodeIds('n', nodes),
      kinds: this.faultKinds,
      durationMs: 10_000,
      quietMs: 3_000,
    });
  },
  sometimes: { seeds: 100, events: Object.keys(COVERAGE), atLeast: COVERAGE },
  build(config) {
    const ids = nodeIds('n', Number(config.options.nodes));
    const protocol = maxGossip({ peers: ids, tickMsMin: 10, tickMsMax: 50, bug: config.bug as MaxGossipBug | null });
    return {
      nodes: ids.map((id) => ({ id, protocol, faultable: true, role: 'server' })),
      commands: [],
      checkers: [neverBackwards(), catchesUp()],
    };
  },
};
