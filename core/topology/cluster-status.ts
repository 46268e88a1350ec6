/**
 * Whether the cluster, as this node sees it, can serve queries: Redis's clusterUpdateState, and
 * the slot counters CLUSTER INFO prints.
 *
 * Redis Cluster specification, "Cluster state": the state is FAIL when (with
 * cluster-require-full-coverage) some slot is unassigned or served by a FAIL node, or when this
 * node cannot reach a majority of the primaries that serve slots (it is on the minority side of a
 * partition). Redis also delays the change back to OK after a rejoin; that timing belongs to
 * the step function that calls this, not to this snapshot.
 */
import { SLOT_COUNT, UNASSIGNED } from '../slots/index.ts';
import { type ClusterState, slotMapOf, sortedNodes } from './cluster-state.ts';

export interface ClusterStatus {
  readonly state: 'ok' | 'fail';
  /** Slots with an owner. */
  readonly slotsAssigned: number;
  /** Assigned slots whose owner is neither PFAIL nor FAIL. */
  readonly slotsOk: number;
  /** Assigned slots whose owner is PFAIL. */
  readonly slotsPfail: number;
  /** Assigned slots whose owner is FAIL. */
  readonly slotsFail: number;
  /** Every known node, myself and nodes in handshake included. */
  readonly knownNodes: number;
  /** Primaries serving at least one slot (Redis: cluster_size). */
  readonly size: number;
  /** Of those, the ones neither PFAIL nor FAIL. */
  readonly reachablePrimaries: number;
}

export function clusterStatus(state: ClusterState): ClusterStatus {
  const map = slotMapOf(state);
  const healthByIndex = map.owners.map((id) => state.nodes[id]!.health);
  let slotsAssigned = 0;
  let slotsOk = 0;
  let slotsPfail = 0;
  let slotsFail = 0;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = map.cells[slot]!;
    if (owner === UNASSIGNED) continue;
    slotsAssigned++;
    const health = healthByIndex[owner]!;
    if (health === 'fail') slotsFail++;
    else if (health === 'pfail') slotsPfail++;
    else slotsOk++;
  }

  let size = 0;
  let reachablePrimaries = 0;
  for (const node of sortedNodes(state)) {
    if (node.role !== 'primary' || node.slots.length === 0) continue;
    size++;
    if (node.health === 'ok') reachablePrimaries++;
  }

  const fullCoverage = slotsAssigned === SLOT_COUNT && slotsFail === 0;
  // A majority of the slot-serving primaries; with none at all the quorum is 1 and cannot be met.
  const quorum = Math.floor(size / 2) + 1;
  const ok = (!state.options.requireFullCoverage || fullCoverage) && reachablePrimaries >= quorum;
  return {
    state: ok ? 'ok' : 'fail',
    slotsAssigned,
    slotsOk,
    slotsPfail,
    slotsFail,
    knownNodes: Object.keys(state.nodes).length,
    size,
    reachablePrimaries,
  };
}
