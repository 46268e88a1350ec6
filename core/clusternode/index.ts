/**
 * A simulated Redis-Cluster-style node built from the repository's protocols (Raft for the
 * configuration, SWIM for failure detection, live migration, replication, failover elections),
 * its smart client, and the operator that reshards and triggers manual failovers.
 *
 *   const node = createClusterNodeProtocol(options);       // every data node
 *   const client = createClusterClientProtocol({ ... });   // simulated smart clients
 *   const operator = createOperatorProtocol({ ... });      // redis-cli --cluster reshard, CLUSTER FAILOVER
 *
 * See docs/cluster.md.
 */
export * from '../cluster-config/config.ts';
export * from './types.ts';
export * from './bugs.ts';
export { createClusterNodeProtocol, routeViewOf, isServing, nodeClaims, TICK_TIMER, ELECT_TIMER, type ClusterNodeProtocol, type ClusterNodeObservation } from './node.ts';
export { createClusterClientProtocol, GENERATION_STRIDE, type ClusterClientConfig, type ClusterClientState, type ClusterClientProtocol, type ClusterWorkload } from './client.ts';
export { createOperatorProtocol, type OperatorCommand, type OperatorConfig, type OperatorState, type OperatorProtocol } from './operator.ts';
export { DATA_FILE, CONFIG_FILE, VOTE_FILE, recoverData } from './storage.ts';
