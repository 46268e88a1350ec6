/**
 * The shape of generated raft cases for the property tests (properties/check.ts): cluster size
 * and protocol switches, drawn by fast-check so a failing case shrinks to a small cluster and
 * simple settings. Clients and their workload come from the case's seed.
 */
import fc from 'fast-check';
import { allFaultKinds } from '../../sim/faults.ts';
import { nodeIds } from '../../sim/configure.ts';
import type { CaseShape } from '../arbitraries.ts';

export interface RaftCaseOptions extends Record<string, unknown> {
  readonly servers: string[];
  readonly voters: string[];
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly snapshotEveryEntries: number;
  readonly maxEntriesPerMessage: number;
  /** No operator commands: they would name servers the case may not have. */
  readonly operations: never[];
}

export const raftCaseShape: CaseShape<RaftCaseOptions> = {
  options: fc
    .record({
      servers: fc.integer({ min: 3, max: 5 }),
      preVote: fc.boolean(),
      checkQuorum: fc.boolean(),
      snapshotEveryEntries: fc.constantFrom(0, 5, 20, 100),
      maxEntriesPerMessage: fc.constantFrom(1, 3, 64),
    })
    .map(({ servers, ...rest }) => ({ ...rest, servers: nodeIds('n', servers), voters: nodeIds('n', servers), operations: [] })),
  servers: (o) => o.servers,
  maxServers: nodeIds('n', 5),
  kinds: allFaultKinds,
  durationMs: 10_000,
};
