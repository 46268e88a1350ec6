/**
 * One node's view of the cluster, as plain data plus pure functions.
 *
 * A `ClusterState` is what Redis keeps in `server.cluster` and writes to nodes.conf: the known
 * nodes (myself included) with role, health, config epoch and slots; the current epoch; and the
 * slots this node is migrating or importing. It is JSON-serialisable and structured-clone-able,
 * and every function here returns a new state without touching its input (unchanged parts are
 * shared, so a caller must treat states as immutable).
 *
 * Slot ownership lives on the nodes as normalized ranges (the compact, canonical form nodes.conf
 * uses); `slotMapOf` builds the dense per-slot index when many lookups are due.
 */
import {
  ALL_SLOTS,
  type SlotMap,
  type SlotRange,
  buildSlotMap,
  isValidSlot,
  normalizeSlotRanges,
  rangesContain,
  subtractSlotRanges,
  unionSlotRanges,
} from '../slots/index.ts';
import type { NodeAddress } from './address.ts';
import type { ClusterNodeId } from './node-id.ts';

/** Redis calls these master and slave; the roles are the same. */
export type NodeRole = 'primary' | 'replica';

/**
 * Failure-detection state as this node sees it (Redis Cluster specification, "Failure detection"):
 * `pfail` (PFAIL, printed "fail?") when this node alone has not heard from it within the node
 * timeout; `fail` (FAIL) once a majority of primaries agreed. The two never coexist.
 */
export type NodeHealth = 'ok' | 'pfail' | 'fail';

export type LinkState = 'connected' | 'disconnected';

export interface ClusterNode {
  readonly id: ClusterNodeId;
  readonly address: NodeAddress;
  readonly role: NodeRole;
  /** The primary a replica follows; null for primaries, and for a replica whose primary was forgotten. */
  readonly primaryId: ClusterNodeId | null;
  readonly health: NodeHealth;
  /** Met through CLUSTER MEET but not yet handshaked: its id is provisional. */
  readonly handshake: boolean;
  /** A replica that must never be promoted (cluster-replica-no-failover). */
  readonly noFailover: boolean;
  /** The version of this node's slot claims (Redis Cluster specification, "Cluster epoch"). */
  readonly configEpoch: number;
  /** Slots this node serves, normalized. Only primaries serve slots in a healthy cluster. */
  readonly slots: readonly SlotRange[];
  /** When we sent the ping we await an answer to (0 if none is pending), in ms. */
  readonly pingSentMs: number;
  /** When we last received a pong from it, in ms. */
  readonly pongReceivedMs: number;
  /** Whether our outgoing bus link to it is up (always reported connected for myself). */
  readonly link: LinkState;
}

export interface ClusterOptions {
  /** cluster-require-full-coverage: the cluster is down while any slot is unassigned or on a FAIL node. */
  readonly requireFullCoverage: boolean;
  /** cluster-allow-replica-migration: a primary that loses its last slot becomes a replica of the taker. */
  readonly allowReplicaMigration: boolean;
}

export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = Object.freeze({
  requireFullCoverage: true,
  allowReplicaMigration: true,
});

export interface ClusterState {
  readonly myId: ClusterNodeId;
  /** The highest epoch this node has seen (Redis: currentEpoch). */
  readonly currentEpoch: number;
  /** Every known node by id, myself included. Iterate through `sortedNodes`, never by insertion order. */
  readonly nodes: Readonly<Record<ClusterNodeId, ClusterNode>>;
  /** Slots this node is handing over, and to whom (CLUSTER SETSLOT <slot> MIGRATING <id>). */
  readonly migrating: Readonly<Record<number, ClusterNodeId>>;
  /** Slots this node is taking over, and from whom (CLUSTER SETSLOT <slot> IMPORTING <id>). */
  readonly importing: Readonly<Record<number, ClusterNodeId>>;
  /**
   * Ids removed by CLUSTER FORGET, with the time (ms) their ban ends. While banned, gossip must
   * not re-add them (Redis keeps a 60 s blacklist for this).
   */
  readonly forgotten: Readonly<Record<ClusterNodeId, number>>;
  readonly options: ClusterOptions;
}

/** How long a forgotten node stays banned (Redis: CLUSTER_BLACKLIST_TTL, 60 seconds). */
export const FORGET_BAN_MS = 60_000;

export interface NodeInit {
  readonly id: ClusterNodeId;
  readonly address: NodeAddress;
  readonly role?: NodeRole;
  readonly primaryId?: ClusterNodeId | null;
  readonly health?: NodeHealth;
  readonly handshake?: boolean;
  readonly noFailover?: boolean;
  readonly configEpoch?: number;
  readonly slots?: readonly SlotRange[];
  readonly pingSentMs?: number;
  readonly pongReceivedMs?: number;
  readonly link?: LinkState;
}

/** A node record with defaults: a healthy, connected primary with no slots and epoch 0. */
export function clusterNode(init: NodeInit): ClusterNode {
  const role = init.role ?? 'primary';
  return {
    id: init.id,
    address: init.address,
    role,
    primaryId: role === 'replica' ? (init.primaryId ?? null) : null,
    health: init.health ?? 'ok',
    handshake: init.handshake ?? false,
    noFailover: init.noFailover ?? false,
    configEpoch: init.configEpoch ?? 0,
    slots: normalizeSlotRanges(init.slots ?? []),
    pingSentMs: init.pingSentMs ?? 0,
    pongReceivedMs: init.pongReceivedMs ?? 0,
    link: init.link ?? 'connected',
  };
}

/** A fresh node that knows only itself, as a Redis node after its first start in cluster mode. */
export function createClusterState(myself: ClusterNode, options: ClusterOptions = DEFAULT_CLUSTER_OPTIONS): ClusterState {
  return {
    myId: myself.id,
    currentEpoch: myself.configEpoch,
    nodes: { [myself.id]: myself },
    migrating: {},
    importing: {},
    forgotten: {},
    options,
  };
}

/** A one-node cluster whose only node serves all 16384 slots (ember's `ClusterState::single_node`). */
export function singleNodeCluster(myself: ClusterNode, options: ClusterOptions = DEFAULT_CLUSTER_OPTIONS): ClusterState {
  return createClusterState({ ...myself, role: 'primary', primaryId: null, slots: ALL_SLOTS }, options);
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

export function getNode(state: ClusterState, id: ClusterNodeId): ClusterNode | undefined {
  return Object.hasOwn(state.nodes, id) ? state.nodes[id] : undefined;
}

/** The node record of `id`; throws if unknown (for ids the caller knows are there). */
export function requireNode(state: ClusterState, id: ClusterNodeId): ClusterNode {
  const node = getNode(state, id);
  if (node === undefined) throw new Error(`unknown cluster node ${id}`);
  return node;
}

export function myself(state: ClusterState): ClusterNode {
  return requireNode(state, state.myId);
}

/** All known nodes ordered by id: the one iteration order every output uses. */
export function sortedNodes(state: ClusterState): ClusterNode[] {
  return Object.keys(state.nodes)
    .sort()
    .map((id) => state.nodes[id]!);
}

export function primaries(state: ClusterState): ClusterNode[] {
  return sortedNodes(state).filter((node) => node.role === 'primary');
}

/** Replicas that follow `primaryId`, ordered by id. */
export function replicasOf(state: ClusterState, primaryId: ClusterNodeId): ClusterNode[] {
  return sortedNodes(state).filter((node) => node.role === 'replica' && node.primaryId === primaryId);
}

/** The node serving `slot`, or null when no known node claims it. */
export function slotOwnerNode(state: ClusterState, slot: number): ClusterNode | null {
  if (!isValidSlot(slot)) throw new RangeError(`slot out of range: ${slot}`);
  for (const id of Object.keys(state.nodes).sort()) {
    const node = state.nodes[id]!;
    if (rangesContain(node.slots, slot)) return node;
  }
  return null;
}

/** Whether `nodeId` (myself by default) serves `slot` (ember's `ClusterState::owns_slot`). */
export function ownsSlot(state: ClusterState, slot: number, nodeId: ClusterNodeId = state.myId): boolean {
  if (!isValidSlot(slot)) throw new RangeError(`slot out of range: ${slot}`);
  const node = getNode(state, nodeId);
  return node !== undefined && rangesContain(node.slots, slot);
}

/** Dense slot-to-node-id index of this state. Throws if two nodes claim one slot (see checkClusterState). */
export function slotMapOf(state: ClusterState): SlotMap {
  const built = buildSlotMap(sortedNodes(state).map((node) => ({ owner: node.id, ranges: node.slots })));
  if (!built.ok) throw new Error(`slot ${built.slot} is claimed by both ${built.owners[0]} and ${built.owners[1]}`);
  return built.map;
}

/**
 * The config epoch a node's slots are versioned by: its own for a primary, its primary's for a
 * replica (what CLUSTER NODES prints and what cluster_my_epoch reports).
 */
export function effectiveConfigEpoch(state: ClusterState, node: ClusterNode): number {
  if (node.role === 'replica' && node.primaryId !== null) {
    const primary = getNode(state, node.primaryId);
    if (primary !== undefined) return primary.configEpoch;
  }
  return node.configEpoch;
}

/** The greatest epoch known: every node's config epoch and our current epoch (Redis: clusterGetMaxEpoch). */
export function maxEpoch(state: ClusterState): number {
  let max = state.currentEpoch;
  for (const node of Object.values(state.nodes)) max = Math.max(max, node.configEpoch);
  return max;
}

/** True while `id` is banned after a CLUSTER FORGET. */
export function isForgotten(state: ClusterState, id: ClusterNodeId, nowMs: number): boolean {
  const until = Object.hasOwn(state.forgotten, id) ? state.forgotten[id] : undefined;
  return until !== undefined && until > nowMs;
}

// ---------------------------------------------------------------------------------------------
// Updates (each returns a new state)
// ---------------------------------------------------------------------------------------------

/** Adds a node this node did not know. */
export function addNode(state: ClusterState, node: ClusterNode): ClusterState {
  if (getNode(state, node.id) !== undefined) throw new Error(`node ${node.id} is already known`);
  return { ...state, nodes: { ...state.nodes, [node.id]: node } };
}

/** Replaces fields of a known node. */
export function updateNode(
  state: ClusterState,
  id: ClusterNodeId,
  patch: Partial<Omit<ClusterNode, 'id'>>,
): ClusterState {
  const node = requireNode(state, id);
  return { ...state, nodes: { ...state.nodes, [id]: { ...node, ...patch } } };
}

/**
 * Removes a node the way Redis's clusterDelNode does: its slots become unassigned, migrations
 * to or from it are dropped, and its replicas are left without a primary.
 */
export function removeNode(state: ClusterState, id: ClusterNodeId): ClusterState {
  requireNode(state, id);
  if (id === state.myId) throw new Error('a node cannot remove itself');
  const nodes: Record<ClusterNodeId, ClusterNode> = {};
  for (const [otherId, other] of Object.entries(state.nodes)) {
    if (otherId === id) continue;
    nodes[otherId] = other.primaryId === id ? { ...other, primaryId: null } : other;
  }
  return {
    ...state,
    nodes,
    migrating: withoutTarget(state.migrating, id),
    importing: withoutTarget(state.importing, id),
  };
}

/** Removes a node and bans its id until `nowMs + FORGET_BAN_MS` (CLUSTER FORGET). Expired bans are dropped. */
export function forgetNode(state: ClusterState, id: ClusterNodeId, nowMs: number): ClusterState {
  const removed = removeNode(state, id);
  const forgotten: Record<ClusterNodeId, number> = {};
  for (const [otherId, until] of Object.entries(state.forgotten)) if (until > nowMs) forgotten[otherId] = until;
  forgotten[id] = nowMs + FORGET_BAN_MS;
  return { ...removed, forgotten };
}

/** Gives `ranges` to `nodeId`, taking them from whichever nodes held them. */
export function assignNodeSlots(state: ClusterState, nodeId: ClusterNodeId, ranges: readonly SlotRange[]): ClusterState {
  requireNode(state, nodeId);
  const taken = normalizeSlotRanges(ranges);
  const nodes: Record<ClusterNodeId, ClusterNode> = {};
  for (const [id, node] of Object.entries(state.nodes)) {
    const slots = id === nodeId ? unionSlotRanges(node.slots, taken) : subtractSlotRanges(node.slots, taken);
    nodes[id] = sameRanges(slots, node.slots) ? node : { ...node, slots };
  }
  return { ...state, nodes };
}

/** Makes `ranges` unassigned, whoever held them. */
export function releaseSlots(state: ClusterState, ranges: readonly SlotRange[]): ClusterState {
  const released = normalizeSlotRanges(ranges);
  const nodes: Record<ClusterNodeId, ClusterNode> = {};
  for (const [id, node] of Object.entries(state.nodes)) {
    const slots = subtractSlotRanges(node.slots, released);
    nodes[id] = sameRanges(slots, node.slots) ? node : { ...node, slots };
  }
  return { ...state, nodes };
}

/** Sets or clears (target null) the migration of `slot` away from this node. */
export function setMigrating(state: ClusterState, slot: number, target: ClusterNodeId | null): ClusterState {
  return { ...state, migrating: withSlotEntry(state.migrating, slot, target) };
}

/** Sets or clears (source null) the import of `slot` into this node. */
export function setImporting(state: ClusterState, slot: number, source: ClusterNodeId | null): ClusterState {
  return { ...state, importing: withSlotEntry(state.importing, slot, source) };
}

/**
 * Turns `replicaId` into a replica of `primaryId` (Redis: clusterSetMaster when it is myself).
 * A primary that steps down drops all its slot migrations (clusterCloseAllSlots).
 */
export function makeReplicaOf(state: ClusterState, replicaId: ClusterNodeId, primaryId: ClusterNodeId): ClusterState {
  const node = requireNode(state, replicaId);
  requireNode(state, primaryId);
  if (replicaId === primaryId) throw new Error('a node cannot replicate itself');
  const next = updateNode(state, replicaId, { role: 'replica', primaryId });
  if (node.role === 'primary' && replicaId === state.myId) return { ...next, migrating: {}, importing: {} };
  return next;
}

/**
 * Claims a new config epoch without agreement (Redis: clusterBumpConfigEpochWithoutConsensus,
 * used after importing a slot and by FAILOVER TAKEOVER). Bumps only when this node's epoch is 0
 * or not already the greatest known, so that repeated calls don't inflate epochs.
 */
export function bumpConfigEpochWithoutConsensus(state: ClusterState): { state: ClusterState; bumped: boolean } {
  const me = myself(state);
  if (me.configEpoch !== 0 && me.configEpoch === maxEpoch(state)) return { state, bumped: false };
  const currentEpoch = state.currentEpoch + 1;
  const next = updateNode({ ...state, currentEpoch }, state.myId, { configEpoch: currentEpoch });
  return { state: next, bumped: true };
}

function withSlotEntry(
  table: Readonly<Record<number, ClusterNodeId>>,
  slot: number,
  id: ClusterNodeId | null,
): Record<number, ClusterNodeId> {
  if (!isValidSlot(slot)) throw new RangeError(`slot out of range: ${slot}`);
  const copy: Record<number, ClusterNodeId> = { ...table };
  if (id === null) delete copy[slot];
  else copy[slot] = id;
  return copy;
}

function withoutTarget(table: Readonly<Record<number, ClusterNodeId>>, id: ClusterNodeId): Record<number, ClusterNodeId> {
  const copy: Record<number, ClusterNodeId> = {};
  for (const [slot, target] of Object.entries(table)) if (target !== id) copy[Number(slot)] = target;
  return copy;
}

function sameRanges(a: readonly SlotRange[], b: readonly SlotRange[]): boolean {
  return a.length === b.length && a.every((range, i) => range.start === b[i]!.start && range.end === b[i]!.end);
}
