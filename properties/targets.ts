/**
 * What the property tests and `npm run test:deep` check: each scenario with the shape of its
 * generated cases, and the bugs its properties must find.
 */
import fc from 'fast-check';
import type { Scenario } from '../sim/scenario.ts';
import { allFaultKinds } from '../sim/faults.ts';
import { nodeIds } from '../sim/configure.ts';
import type { CaseShape } from './arbitraries.ts';
import { maxGossipScenario } from '../scenarios/maxgossip.ts';

export interface PropertyTarget {
  readonly scenario: Scenario;
  readonly shape: CaseShape<any>;
  /** Bugs a property run must find (bugs that break determinism are the self-check's to find, not these). */
  readonly bugs: readonly string[];
}

export const propertyTargets: readonly PropertyTarget[] = [
  {
    scenario: maxGossipScenario,
    shape: {
      options: fc.record({ nodes: fc.integer({ min: 3, max: 7 }) }),
      servers: (o: { nodes: number }) => nodeIds('n', o.nodes),
      maxServers: nodeIds('n', 7),
      kinds: allFaultKinds,
      durationMs: 10_000,
    } satisfies CaseShape<{ nodes: number }>,
    bugs: ['no-persist', 'announce-before-persist', 'no-checksum'],
  },
];
