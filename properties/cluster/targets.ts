/**
 * The property target of the full cluster scenario (appended to properties/targets.ts): generated
 * cluster shapes, replication modes and operator plans, generated fault schedules, and the known
 * bugs the properties must find within the CI budget (300 cases at fast-check seed 42, shrunk to
 * at most 30 fault events). Cases to find and shrunk sizes at seed 42 are in docs/cluster.md.
 */
import fc from 'fast-check';
import { allFaultKinds } from '../../sim/faults.ts';
import { nodeIds } from '../../sim/configure.ts';
import { Stream } from '../../core/contract/rng.ts';
import type { CaseShape } from '../arbitraries.ts';
import { CLUSTER_DURATION_MS, clusterScenario, drawClusterOptions, type ClusterScenarioOptions } from '../../scenarios/cluster.ts';

type Options = ClusterScenarioOptions & Record<string, unknown>;

/** Options from a few generated choices; the plan's details come from `planSeed` (so they shrink as one). */
export function clusterCaseOptions(c: { replicas: readonly number[]; sync: boolean; race: boolean; mode: 'default' | 'force' | 'takeover'; planSeed: number }): Options {
  const rng = new Stream(c.planSeed, 'cluster-case');
  const replicas = c.race ? [2, ...c.replicas.slice(1)] : c.replicas;
  const o = drawClusterOptions(rng, { replicas, sync: c.sync, failoverModes: [c.mode], raceChance: c.race ? 1 : 0 });
  // A race is planned on a shard with two replicas: s1 when asked for.
  const failovers = c.race ? o.failovers.map((f) => ({ ...f, shard: 's1', mode: 'force' as const, race: true })) : o.failovers;
  return { ...o, failovers } as Options;
}

export const clusterTarget = {
  scenario: clusterScenario,
  shape: {
    // The options don't shrink (their plan is one draw from `planSeed`); the fault schedule does.
    options: fc
      .noShrink(fc.record({
        replicas: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 3, maxLength: 3 }),
        sync: fc.boolean(),
        race: fc.boolean(),
        mode: fc.constantFrom('default' as const, 'force' as const, 'takeover' as const),
        planSeed: fc.nat(),
      }))
      .map(clusterCaseOptions),
    servers: (o: Options) => [...o.nodes],
    maxServers: nodeIds('n', 9),
    kinds: allFaultKinds,
    durationMs: CLUSTER_DURATION_MS,
  } satisfies CaseShape<Options>,
  bugs: ['migrating-exit-early', 'importing-without-asking', 'double-vote', 'promote-without-raft', 'ask-updates-cache'],
};
