/** Replica failover: elections with epochs and rank-based delays, and the primary leases that keep two primaries' writes apart. */
export * from './election.ts';
export * from './lease.ts';
