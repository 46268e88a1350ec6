/** A Redis Cluster node's data path in RESP: routing (MOVED/ASK/CROSSSLOT/TRYAGAIN), string commands, MIGRATE, and a cluster of such nodes. */
export { type JsonReply, type Decoded, decodeResp, replyToJson, replyFromJson } from './resp-wire.ts';
export { type Keyspace, EMPTY_KEYSPACE, getValue, setValue, keyExists, entries } from './keyspace.ts';
export { type Route, type Query, routeQuery } from './routing.ts';
export { type RedisNode, type Connection, type Execution, NEW_CONNECTION, executeCommand, redirection } from './node.ts';
export { type RedisClusterModel, type Answered, addressOf, nodeIndexAt, commandAt } from './cluster.ts';
export { type ClientSession, type Hop, type Sent, MAX_REDIRECTS, newSession, send, redirectOf } from './client.ts';
export { type NodeSpec, ConfigError, parseClusterConfig, evenClusterSpecs, buildCluster } from './config.ts';
