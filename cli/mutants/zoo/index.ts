/**
 * The zoo: realistic mistakes in every rule the protocols implement, by area. Each names the rule
 * it breaks; `npm run mutants -- --list` shows them all.
 */
import type { Mutant } from '../types.ts';
import { clusterMutants } from './cluster.ts';
import { failoverMutants } from './failover.ts';
import { fencingMutants } from './fencing.ts';
import { integrityMutants } from './integrity.ts';
import { isrMutants } from './isr.ts';
import { migrationMutants } from './migration.ts';
import { raftMutants } from './raft.ts';
import { stemedbMutants } from './stemedb.ts';
import { swimMutants } from './swim.ts';

export const zoo: readonly Mutant[] = [
  ...failoverMutants,
  ...clusterMutants,
  ...migrationMutants,
  ...raftMutants,
  ...swimMutants,
  ...isrMutants,
  ...integrityMutants,
  ...fencingMutants,
  ...stemedbMutants,
];
