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
import { swimOptions, swimScenarios, type SwimOptions } from '../scenarios/swim.ts';
import { stemedbAmatersTargets } from './stemedb-amaters-targets.ts';
import { isrScenario } from '../scenarios/isr.ts';
import { isrCaseShape } from './isr-shape.ts';
import { raftScenario } from '../scenarios/raft/index.ts';
import { raftCaseShape } from './raft/shape.ts';
import { clusterTarget } from './cluster/targets.ts';
import { raftStoryScenarios } from '../scenarios/raft/stories.ts';
import { figure8CaseShape, voteRestartCaseShape } from './raft/story-shapes.ts';

const swim = (name: string): Scenario => {
  const s = swimScenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};
const raftStory = (name: string): Scenario => {
  const s = raftStoryScenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};
const swimServers = (o: SwimOptions) => nodeIds('n', o.nodes);

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
  // SWIM: each bug has the target whose checkers see it (false positives need the loss rate the
  // run had; dissemination needs a few dozen members; forgeries need many forged deliveries).
  {
    scenario: swim('swim-swarm'),
    shape: {
      options: fc.integer({ min: 5, max: 9 }).map((nodes) => swimOptions({ nodes })),
      servers: swimServers,
      maxServers: nodeIds('n', 9),
      kinds: [...allFaultKinds, 'forge'],
      durationMs: 60_000,
    } satisfies CaseShape<SwimOptions>,
    bugs: ['lower-incarnation-alive', 'refute-without-bump'],
  },
  {
    scenario: swim('swim-loss'),
    shape: {
      options: fc
        .record({ nodes: fc.integer({ min: 5, max: 9 }), lossRate: fc.constantFrom(0, 0.05, 0.1, 0.2, 0.3) })
        .map((o) => swimOptions({ ...o, checkFalsePositives: true })),
      networkFor: (o) => ({ lossRate: o.lossRate ?? 0 }),
      servers: swimServers,
      maxServers: nodeIds('n', 9),
      kinds: [],
      durationMs: 60_000,
    } satisfies CaseShape<SwimOptions>,
    bugs: ['no-suspicion', 'no-ping-req'],
  },
  {
    scenario: swim('swim-forgery'),
    shape: {
      options: fc.integer({ min: 5, max: 7 }).map((nodes) => swimOptions({ nodes })),
      servers: swimServers,
      maxServers: nodeIds('n', 7),
      kinds: ['forge'],
      durationMs: 60_000,
      maxFaults: 60,
    } satisfies CaseShape<SwimOptions>,
    bugs: ['no-mac-check'],
  },
  {
    scenario: swim('swim-large'),
    shape: {
      options: fc.integer({ min: 24, max: 40 }).map((nodes) => swimOptions({ nodes, checkDissemination: true })),
      servers: swimServers,
      maxServers: nodeIds('n', 40),
      kinds: ['crash'],
      durationMs: 30_000,
      maxFaults: 4,
    } satisfies CaseShape<SwimOptions>,
    bugs: ['early-dissemination-stop'],
  },
  // stemedb gateways and meta-range, amaters fencing tokens and sealed log: see properties/stemedb-amaters-targets.ts.
  ...stemedbAmatersTargets,
  // ISR replication (core/isr): cases to find each at seed 42 and shrunk sizes are in properties/isr-shape.ts.
  {
    scenario: isrScenario,
    shape: isrCaseShape,
    bugs: ['truncate-to-hw', 'unclean-election', 'ack-below-min-isr', 'hw-from-outside-isr'],
  },
  // Raft key-value store: cases to find each at seed 42 and shrunk sizes are in properties/raft/shape.ts;
  // commit-previous-term and votedfor-not-persisted have targets of their own, at the end.
  {
    scenario: raftScenario,
    shape: raftCaseShape,
    bugs: ['vote-without-log-check', 'no-conflict-truncation', 'ignore-higher-term', 'reply-before-persist', 'apply-before-commit', 'stale-read'],
  },
  // The full cluster scenario (core/clusternode): cases to find each at seed 42 and shrunk sizes are in docs/cluster.md.
  clusterTarget,
  // The two Raft bugs random `raft` cases don't reach: each on its named scenario, with that story's
  // timing fixed and its raw material (cuts of the leader with a minority, crash/restart flickers)
  // drawn by fast-check. Cases to find each at seed 42 and shrunk sizes are in properties/raft/story-shapes.ts.
  {
    scenario: raftStory('raft-figure8'),
    shape: figure8CaseShape,
    bugs: ['commit-previous-term'],
  },
  {
    scenario: raftStory('raft-vote-restart'),
    shape: voteRestartCaseShape,
    bugs: ['votedfor-not-persisted'],
  },
];
