/**
 * Where a command with keys is served: Redis's getNodeByQuery (cluster.c), over one node's view.
 * Redis Cluster specification, "Redirection and resharding": MOVED, ASK, and the multi-key rules.
 *
 *   1. All keys must hash to one slot, else CROSSSLOT; a slot nobody serves is CLUSTERDOWN.
 *   2. The first key's slot decides the state: MIGRATING if this node owns it and is handing it
 *      over, IMPORTING if this node is taking it over. In either state every key is looked up.
 *   3. A cluster in FAIL state refuses keyed commands (cluster-allow-reads-when-down no).
 *   4. MIGRATE runs here whenever the slot is open (migrating or importing).
 *   5. MIGRATING and some key missing: TRYAGAIN if some other key is here, else ASK the target.
 *   6. IMPORTING and the connection sent ASKING: served, unless several distinct keys are asked
 *      for and some are not here yet (TRYAGAIN).
 *   7. A replica answers reads of its primary's slots to a READONLY connection.
 *   8. Otherwise the slot's owner serves it; anyone else answers MOVED to the owner.
 */
import { keySlot } from '../slots/index.ts';
import { type ClusterNode, type ClusterState, clusterStatus, getNode, myself, slotOwnerNode } from '../topology/index.ts';
import { type Keyspace, keyExists } from './keyspace.ts';

export type Route =
  | { readonly kind: 'here' }
  | { readonly kind: 'moved'; readonly slot: number; readonly node: ClusterNode }
  | { readonly kind: 'ask'; readonly slot: number; readonly node: ClusterNode }
  | { readonly kind: 'crossslot' }
  | { readonly kind: 'tryagain'; readonly slot: number }
  | { readonly kind: 'down' }
  | { readonly kind: 'unbound'; readonly slot: number };

export interface Query {
  readonly keys: readonly string[];
  /** The command writes (CMD_WRITE). */
  readonly write: boolean;
  /** The command is MIGRATE. */
  readonly migrate: boolean;
  /** The connection sent ASKING just before (or the command carries CMD_ASKING, as RESTORE-ASKING). */
  readonly asking: boolean;
  /** The connection sent READONLY. */
  readonly readonly: boolean;
}

export function routeQuery(cluster: ClusterState, keyspace: Keyspace, query: Query): Route {
  const first = query.keys[0];
  if (first === undefined) return { kind: 'here' };
  const slot = keySlot(first);
  const owner = slotOwnerNode(cluster, slot);
  if (owner === null) return { kind: 'unbound', slot };
  const me = myself(cluster);
  const migratingTo = owner.id === me.id ? targetOf(cluster.migrating, slot) : undefined;
  const importing = migratingTo === undefined && targetOf(cluster.importing, slot) !== undefined;
  const open = migratingTo !== undefined || importing;

  let multipleKeys = false;
  let missing = 0;
  let existing = 0;
  for (const key of query.keys) {
    if (keySlot(key) !== slot) return { kind: 'crossslot' };
    if (key !== first) multipleKeys = true;
    if (open) {
      if (keyExists(keyspace, key)) existing++;
      else missing++;
    }
  }

  if (clusterStatus(cluster).state !== 'ok') return { kind: 'down' };
  if (open && query.migrate) return { kind: 'here' };
  if (migratingTo !== undefined && missing > 0) {
    if (existing > 0) return { kind: 'tryagain', slot };
    const target = getNode(cluster, migratingTo);
    // A migration target that was forgotten: Redis drops the migration with the node (clusterDelNode).
    if (target !== undefined) return { kind: 'ask', slot, node: target };
  }
  if (importing && query.asking) {
    return multipleKeys && missing > 0 ? { kind: 'tryagain', slot } : { kind: 'here' };
  }
  if (query.readonly && !query.write && me.role === 'replica' && me.primaryId === owner.id) return { kind: 'here' };
  return owner.id === me.id ? { kind: 'here' } : { kind: 'moved', slot, node: owner };
}

function targetOf(table: Readonly<Record<number, string>>, slot: number): string | undefined {
  return Object.hasOwn(table, slot) ? table[slot] : undefined;
}
