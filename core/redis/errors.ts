/**
 * The error replies of a Redis Cluster node's data path, word for word as redis-server sends them
 * (clusterRedirectClient in cluster.c, and the shared replies of server.c / t_string.c). A reply's
 * text carries its code and no leading "-".
 */
import { type Reply, errorReply } from '../cluster/resp.ts';
import { type NodeAddress, formatAddress } from '../topology/index.ts';

const error = (message: string): Reply => ({ type: 'error', message });

/** Keys of one command in different slots (CLUSTER_REDIR_CROSS_SLOT). */
export const CROSSSLOT = error("CROSSSLOT Keys in request don't hash to the same slot");
/** Some keys of a multi-key command are here and some are not, during a migration (CLUSTER_REDIR_UNSTABLE). */
export const TRYAGAIN = error('TRYAGAIN Multiple keys request during rehashing of slot');
/** The cluster state is FAIL (CLUSTER_REDIR_DOWN_STATE). */
export const CLUSTERDOWN = error('CLUSTERDOWN The cluster is down');
/** The first key's slot has no owner (CLUSTER_REDIR_DOWN_UNBOUND). */
export const CLUSTERDOWN_UNBOUND = error('CLUSTERDOWN Hash slot not served');

/** "MOVED <slot> <ip>:<port>": the slot is served by that node for good. */
export function movedError(slot: number, address: NodeAddress): Reply {
  return error(`MOVED ${slot} ${formatAddress(address)}`);
}

/** "ASK <slot> <ip>:<port>": this one query goes to that node, preceded by ASKING. */
export function askError(slot: number, address: NodeAddress): Reply {
  return error(`ASK ${slot} ${formatAddress(address)}`);
}

/** shared.wrongtypeerr. */
export const WRONGTYPE = error('WRONGTYPE Operation against a key holding the wrong kind of value');
/** A value or argument that is not a 64-bit integer (shared error of getLongLongFromObjectOrReply). */
export const NOT_AN_INTEGER = errorReply('value is not an integer or out of range');
/** INCR, INCRBY, DECR, DECRBY past the int64 range (incrDecrCommand). */
export const OVERFLOW = errorReply('increment or decrement would overflow');
/** DECRBY -9223372036854775808 (decrbyCommand). */
export const DECREMENT_OVERFLOW = errorReply('decrement would overflow');
/** shared.syntaxerr. */
export const SYNTAX_ERROR = errorReply('syntax error');
/** RESTORE onto an existing key without REPLACE (shared.busykeyerr). */
export const BUSYKEY = error('BUSYKEY Target key name already exists.');
/** What a cluster node answers SELECT with anything but 0 (selectCommand). */
export const SELECT_IN_CLUSTER = errorReply('SELECT is not allowed in cluster mode');
/** MIGRATE to an address nobody listens on (migrateGetSocket). */
export const MIGRATE_CONNECT = error('IOERR error or timeout connecting to the client');
