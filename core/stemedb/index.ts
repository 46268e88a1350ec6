/**
 * stemedb-cluster: data nodes that own, replicate, split, merge and hand off key ranges, stateless
 * gateways that route by a cached meta-range, and the meta-range's gossip merge. See node.ts for
 * ownership and handoffs, gateway.ts for routing and invalidation, descriptor.ts for the
 * descriptors and the merge rule.
 *
 *   const config: StemeConfig = { nodes, gateways, shards: 4, replicationFactor: 2, ... };
 *   nodes:    stemeNode(config)      gateways: stemeGateway(config)
 */
export * from './descriptor.ts';
export * from './types.ts';
export { swimMember, deadEvents, applyDeadEvents, TIMER_PREFIX, type DeadEvent, type SwimMember } from './membership.ts';
export { stemeNode, rangeSize, NODE_FILE, COPIES_FILE, type StemeNodeProtocol, type NodeTimer, type NodeTimers } from './node.ts';
export { stemeGateway, type StemeGatewayProtocol, type GatewayTimer } from './gateway.ts';
