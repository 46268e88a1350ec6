/**
 * A whole cluster of Redis nodes answering commands, as plain data: what `npm run redis` drives.
 *
 * Each node acts only on its own view (its ClusterState): there is no gossip, so a change made
 * with CLUSTER SETSLOT on one node is known to the others only when they are told too, as an
 * operator (or `redis-cli --cluster reshard`) tells each node. Two things cross nodes here:
 *
 *   - MIGRATE: the keys travel to the node listening at host:port, each as a RESTORE-ASKING
 *     (accepted in an IMPORTING slot without a prior ASKING, refused with MOVED elsewhere), and
 *     leave the source once the target acknowledged them (migrateCommand in cluster.c);
 *   - replication: a replica's keyspace is its primary's after every command (synchronous).
 */
import { type Reply, OK, errorReply } from '../cluster/resp.ts';
import { formatAddress, getNode, myself } from '../topology/index.ts';
import { BUSYKEY, MIGRATE_CONNECT, SELECT_IN_CLUSTER } from './errors.ts';
import { getValue, setValue } from './keyspace.ts';
import { type Connection, type ExecuteContext, type MigrateTransfer, type RedisNode, executeCommand, redirection } from './node.ts';
import { routeQuery } from './routing.ts';

export interface RedisClusterModel {
  /** Every node, in the order of the configuration. */
  readonly nodes: readonly RedisNode[];
}

export interface Answered {
  readonly cluster: RedisClusterModel;
  readonly connection: Connection;
  readonly reply: Reply;
}

/** "host:port" of a node, as it was configured. */
export function addressOf(node: RedisNode): string {
  return formatAddress(myself(node.cluster).address);
}

export function nodeIndexAt(cluster: RedisClusterModel, address: string): number {
  return cluster.nodes.findIndex((node) => addressOf(node) === address);
}

/** Runs one command line on the node at `address` (which must exist) over `connection`. */
export function commandAt(
  cluster: RedisClusterModel,
  address: string,
  connection: Connection,
  argv: readonly string[],
  ctx: ExecuteContext,
): Answered {
  const index = nodeIndexAt(cluster, address);
  if (index < 0) throw new RangeError(`no node at ${address}`);
  const done = executeCommand(cluster.nodes[index]!, connection, argv, ctx);
  let nodes = replaceAt(cluster.nodes, index, done.node);
  let reply = done.reply;
  if (done.transfer !== null) {
    const moved = transfer(nodes, index, done.transfer, done.reply);
    nodes = moved.nodes;
    reply = moved.reply;
  }
  return { cluster: { nodes: replicate(nodes) }, connection: done.connection, reply };
}

/**
 * migrateCommand's exchange with the target: AUTH if asked, SELECT db, one RESTORE-ASKING per key
 * (REPLACE if asked), then DEL of every key the target took, unless COPY. The first error of the
 * target becomes the reply; an AUTH or SELECT error fails every key, though the RESTOREs ran.
 */
function transfer(nodes: readonly RedisNode[], sourceIndex: number, job: MigrateTransfer, success: Reply): { nodes: readonly RedisNode[]; reply: Reply } {
  const targetIndex = nodes.findIndex((node) => addressOf(node) === `${job.host}:${job.port}`);
  if (targetIndex < 0) return { nodes, reply: MIGRATE_CONNECT };
  let source = nodes[sourceIndex]!;
  let target = nodes[targetIndex]!;
  const session: Reply[] = [];
  if (job.auth !== null) session.push(authReply(job.auth));
  if (job.db !== 0) session.push(SELECT_IN_CLUSTER);
  const sessionError = session.find((r) => r.type === 'error') ?? null;
  let firstError: Reply | null = sessionError;
  for (const key of job.keys) {
    const value = getValue(source.keyspace, key);
    if (value === null) continue; // checked by MIGRATE itself; kept total
    const restored = restoreAsking(target, key, value, job.replace);
    target = restored.node;
    if (restored.reply.type === 'error') firstError ??= restored.reply;
    else if (sessionError === null && !job.copy) source = { ...source, keyspace: setValue(source.keyspace, key, null) };
  }
  const reply = firstError === null ? success : errorReply(`Target instance replied with error: ${firstError.type === 'error' ? firstError.message : ''}`);
  return { nodes: replaceAt(replaceAt(nodes, sourceIndex, source), targetIndex, target), reply };
}

/** RESTORE-ASKING key ttl payload [REPLACE] on the target: routed as a command that carries ASKING. */
function restoreAsking(target: RedisNode, key: string, value: string, replace: boolean): { node: RedisNode; reply: Reply } {
  const route = routeQuery(target.cluster, target.keyspace, { keys: [key], write: true, migrate: false, asking: true, readonly: false });
  const refusal = redirection(route);
  if (refusal !== null) return { node: target, reply: refusal };
  if (!replace && getValue(target.keyspace, key) !== null) return { node: target, reply: BUSYKEY };
  return { node: { ...target, keyspace: setValue(target.keyspace, key, value) }, reply: OK };
}

/** What a node without requirepass answers AUTH / AUTH2 with (the default user has nopass). */
function authReply(auth: NonNullable<MigrateTransfer['auth']>): Reply {
  if (auth.username === null) {
    return errorReply('AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  return auth.username === 'default' ? OK : { type: 'error', message: 'WRONGPASS invalid username-password pair or user is disabled.' };
}

/** Every replica's keyspace becomes its primary's (as each node's own view names its primary). */
function replicate(nodes: readonly RedisNode[]): readonly RedisNode[] {
  const byId = new Map(nodes.map((node) => [node.cluster.myId, node]));
  let changed = false;
  const out = nodes.map((node) => {
    const me = getNode(node.cluster, node.cluster.myId)!;
    const primary = me.role === 'replica' && me.primaryId !== null ? byId.get(me.primaryId) : undefined;
    if (primary === undefined || primary.keyspace === node.keyspace) return node;
    changed = true;
    return { ...node, keyspace: primary.keyspace };
  });
  return changed ? out : nodes;
}

function replaceAt<T>(items: readonly T[], index: number, item: T): readonly T[] {
  if (items[index] === item) return items;
  const copy = [...items];
  copy[index] = item;
  return copy;
}
