/**
 * Property targets of the stemedb and amaters scenarios (appended to properties/targets.ts): the
 * swarm scenarios with generated cluster shapes, workloads and fault schedules, and the known bugs
 * each must find within the CI budget.
 */
import fc from 'fast-check';
import { allFaultKinds } from '../sim/faults.ts';
import { nodeIds } from '../sim/configure.ts';
import type { CaseShape } from './arbitraries.ts';
import { STEMEDB_DURATION_MS, stemedbSwarmScenario, stemeOptions, type StemeScenarioOptions } from '../scenarios/stemedb.ts';
import { FENCING_DURATION_MS, fencingOptions, fencingSwarmScenario, type FencingScenarioOptions } from '../scenarios/amaters-fencing.ts';
import { LOG_DURATION_MS, logOptions, sealedLogSwarmScenario, type LogScenarioOptions } from '../scenarios/amaters-log.ts';

type Options<T> = T & Record<string, unknown>;
const asRecord = <T extends object>(o: T): Options<T> => ({ ...o }) as Options<T>;

export const stemedbTarget = {
  scenario: stemedbSwarmScenario,
  shape: {
    options: fc
      .record({ nodes: fc.integer({ min: 3, max: 5 }), gateways: fc.integer({ min: 1, max: 3 }), shards: fc.integer({ min: 2, max: 4 }), replicationFactor: fc.integer({ min: 1, max: 3 }), workloadSeed: fc.nat() })
      .map((shape) => asRecord(stemeOptions(shape))),
    servers: (o: StemeScenarioOptions) => [...o.nodes],
    maxServers: nodeIds('n', 5),
    kinds: allFaultKinds,
    durationMs: STEMEDB_DURATION_MS,
  } satisfies CaseShape<Options<StemeScenarioOptions>>,
  bugs: ['merge-by-timestamp', 'serve-after-handoff', 'no-dead-invalidation', 'merge-drops-right'],
};

export const fencingTarget = {
  scenario: fencingSwarmScenario,
  shape: {
    options: fc
      .record({
        leaders: fc.constantFrom(3 as const, 5 as const),
        storage: fc.integer({ min: 1, max: 3 }),
        clients: fc.integer({ min: 1, max: 3 }),
        preVote: fc.boolean(),
        checkQuorum: fc.boolean(),
        keys: fc.integer({ min: 1, max: 3 }),
        operatorSeed: fc.nat(),
      })
      .map((shape) => asRecord(fencingOptions(shape))),
    servers: (o: FencingScenarioOptions) => [...o.leaders, ...o.storage],
    maxServers: [...nodeIds('n', 5), ...nodeIds('s', 3)],
    kinds: allFaultKinds,
    durationMs: FENCING_DURATION_MS,
  } satisfies CaseShape<Options<FencingScenarioOptions>>,
  bugs: ['per-client-tokens'],
};

export const sealedLogTarget = {
  scenario: sealedLogSwarmScenario,
  shape: {
    options: fc
      .record({ nodes: fc.integer({ min: 3, max: 4 }), appendsPerSecond: fc.integer({ min: 10, max: 30 }), batch: fc.integer({ min: 1, max: 8 }), workloadSeed: fc.nat() })
      .map((shape) => asRecord(logOptions(shape))),
    servers: (o: LogScenarioOptions) => [...o.nodes],
    maxServers: nodeIds('n', 4),
    kinds: [...allFaultKinds, 'forge'],
    durationMs: LOG_DURATION_MS,
  } satisfies CaseShape<Options<LogScenarioOptions>>,
  bugs: ['apply-unverified'],
};

export const stemedbAmatersTargets = [stemedbTarget, fencingTarget, sealedLogTarget];
