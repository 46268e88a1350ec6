/**
 * The zoo: realistic mistakes in every rule the protocols implement, by area. Each names the rule
 * it breaks; `npm run mutants -- --list` shows them all.
 */
import type { Mutant } from '../types.ts';
import { failoverMutants } from './failover.ts';
import { raftMutants } from './raft.ts';

export const zoo: readonly Mutant[] = [...failoverMutants, ...raftMutants];
