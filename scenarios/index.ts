/**
 * The scenario registry: `--list` shows these, `--scenario NAME` picks one. To add a scenario,
 * write it in scenarios/ and add it here; sim/ doesn't change.
 */
import type { Scenario } from '../sim/scenario.ts';
import { maxGossipScenario } from './maxgossip.ts';
import { raftLastingScenario, raftMembershipScenario, raftScenario } from './raft/index.ts';
import { stemedbScenarios } from './stemedb.ts';
import { fencingScenarios } from './amaters-fencing.ts';
import { sealedLogScenarios } from './amaters-log.ts';
import { swimScenarios } from './swim.ts';
import { isrScenarios } from './isr.ts';
import { raftExploreScenario } from './raft-explore.ts';
import { swimExploreScenario } from './swim-explore.ts';
import { swimParams } from './swim-params.ts';
import { raftStoryScenarios } from './raft/stories.ts';
import { clusterScenarios } from './cluster.ts';

export const scenarios: readonly Scenario[] = [maxGossipScenario, raftScenario, raftMembershipScenario, raftLastingScenario, ...swimScenarios, swimParams, ...stemedbScenarios, ...fencingScenarios, ...sealedLogScenarios, ...isrScenarios, raftExploreScenario, swimExploreScenario, ...raftStoryScenarios, ...clusterScenarios];

/** The scenario `npm run sim` runs without --scenario: the most complete one the project has. */
export const defaultScenarioName = 'cluster';

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
