/**
 * One Redis Cluster node's command path, as a pure function: `executeCommand(node, connection,
 * argv, ctx)` answers a command line the way redis-server's processCommand does.
 *
 *   1. Look the command up (unknown: Redis's "unknown command" text) and check its arity.
 *   2. A command with keys goes through the cluster redirection (routing.ts: CROSSSLOT, MOVED,
 *      ASK, TRYAGAIN, CLUSTERDOWN).
 *   3. Run it: the string commands here, CLUSTER / ASKING / MIGRATE in core/cluster.
 *   4. ASKING is one-shot: the flag it sets lasts for the next command only, whatever that
 *      command's fate (resetClient clears it after every command but ASKING itself).
 *
 * A MIGRATE that passed its checks comes back as `transfer`: the keys must reach another node,
 * which only the caller that holds every node can do (see cluster.ts).
 */
import { executeClusterCommand } from '../cluster/commands.ts';
import { arityError } from '../cluster/command-kit.ts';
import { type Reply, OK, errorReply, integerReply } from '../cluster/resp.ts';
import type { ClusterIntent } from '../cluster/types.ts';
import { assertNever } from '../contract/assert.ts';
import { type ClusterState, myself, replicasOf } from '../topology/index.ts';
import { arityAllows, commandKeys, lookupCommand } from './command-table.ts';
import { CLUSTERDOWN, CLUSTERDOWN_UNBOUND, CROSSSLOT, NOT_AN_INTEGER, TRYAGAIN, askError, movedError } from './errors.ts';
import type { Keyspace } from './keyspace.ts';
import { type Route, routeQuery } from './routing.ts';
import { executeData, parseInt64 } from './strings.ts';

export interface RedisNode {
  /** The node's cluster configuration (nodes.conf): who serves what, what is migrating or importing. */
  readonly cluster: ClusterState;
  readonly keyspace: Keyspace;
}

/** A client connection's flags. */
export interface Connection {
  /** ASKING was the previous command. */
  readonly asking: boolean;
  /** READONLY: reads of the primary's slots are served by this replica. */
  readonly readonly: boolean;
}

export const NEW_CONNECTION: Connection = Object.freeze({ asking: false, readonly: false });

export type MigrateTransfer = Extract<ClusterIntent, { type: 'migrate' }>;

export interface Execution {
  readonly node: RedisNode;
  readonly connection: Connection;
  /** The reply, or for a MIGRATE with a transfer the reply due once every key has arrived. */
  readonly reply: Reply;
  readonly transfer: MigrateTransfer | null;
  /** Another intent of core/cluster (MEET, REPLICATE, FAILOVER) for whoever runs the cluster. */
  readonly intent: Exclude<ClusterIntent, { type: 'migrate' } | { type: 'asking' }> | null;
}

export interface ExecuteContext {
  readonly nowMs: number;
}

export function executeCommand(node: RedisNode, connection: Connection, argv: readonly string[], ctx: ExecuteContext): Execution {
  if (argv.length === 0) throw new RangeError('empty command line');
  const looked = lookupCommand(argv[0]!);
  // resetClient: the ASKING flag survives only a command that is ASKING itself (even a refused one).
  const next: Connection = looked.kind === 'cluster-layer' && looked.name === 'asking' ? connection : { ...connection, asking: false };
  const answer = (reply: Reply, over: Partial<Execution> = {}): Execution => ({
    node,
    connection: next,
    reply,
    transfer: null,
    intent: null,
    ...over,
  });

  if (looked.kind === 'unknown') return clusterLayer(node, next, argv, ctx);
  if (!arityAllows(looked.spec.arity, argv.length)) return answer(arityError(looked.name));

  const keys = commandKeys(looked.spec.keys, argv);
  const route = routeQuery(node.cluster, node.keyspace, {
    keys,
    write: looked.spec.write,
    migrate: looked.kind === 'cluster-layer' && looked.name === 'migrate',
    asking: connection.asking,
    readonly: connection.readonly,
  });
  const refusal = redirection(route);
  if (refusal !== null) return answer(refusal);

  if (looked.kind === 'cluster-layer') return clusterLayer(node, next, argv, ctx);
  switch (looked.name) {
    case 'readonly':
      return answer(OK, { connection: { ...next, readonly: true } });
    case 'readwrite':
      return answer(OK, { connection: { ...next, readonly: false } });
    case 'wait':
      return answer(wait(node.cluster, argv));
    default: {
      const done = executeData(looked.name, node.keyspace, argv);
      return answer(done.reply, { node: done.keyspace === node.keyspace ? node : { ...node, keyspace: done.keyspace } });
    }
  }
}

/**
 * WAIT numreplicas timeout: replication here is synchronous (cluster.ts), so every replica of this
 * primary has every write at once; the reply is their number. Checks in waitCommand's order: a
 * replica refuses, then the count, then the timeout.
 */
function wait(cluster: ClusterState, argv: readonly string[]): Reply {
  if (myself(cluster).role === 'replica') {
    return errorReply(
      'WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  if (parseInt64(argv[1]!) === null) return NOT_AN_INTEGER;
  const timeout = parseInt64(argv[2]!);
  if (timeout === null) return errorReply('timeout is not an integer or out of range');
  if (timeout < 0n) return errorReply('timeout is negative');
  return integerReply(replicasOf(cluster, cluster.myId).length);
}

/** clusterRedirectClient's reply for a route that is not "here", or null. */
export function redirection(route: Route): Reply | null {
  switch (route.kind) {
    case 'here':
      return null;
    case 'moved':
      return movedError(route.slot, route.node.address);
    case 'ask':
      return askError(route.slot, route.node.address);
    case 'crossslot':
      return CROSSSLOT;
    case 'tryagain':
      return TRYAGAIN;
    case 'down':
      return CLUSTERDOWN;
    case 'unbound':
      return CLUSTERDOWN_UNBOUND;
    default:
      return assertNever(route, 'route');
  }
}

/** CLUSTER, ASKING, MIGRATE and unknown names: core/cluster's executor over this node's view. */
function clusterLayer(node: RedisNode, connection: Connection, argv: readonly string[], ctx: ExecuteContext): Execution {
  const result = executeClusterCommand({ cluster: node.cluster, keys: node.keyspace.index }, argv, { nowMs: ctx.nowMs });
  const after: RedisNode = result.state.cluster === node.cluster ? node : { ...node, cluster: result.state.cluster };
  const base = { node: after, connection, reply: result.reply, transfer: null, intent: null };
  const intent = result.intent;
  if (intent === null) return base;
  switch (intent.type) {
    case 'asking':
      return { ...base, connection: { ...connection, asking: true } };
    case 'migrate':
      return { ...base, transfer: intent };
    case 'meet':
    case 'replicate':
    case 'failover':
      return { ...base, intent };
    default:
      return assertNever(intent, 'cluster intent');
  }
}
