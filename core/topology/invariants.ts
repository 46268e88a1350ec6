/**
 * Structural invariants of one node's ClusterState: what must hold whatever the cluster does.
 * Returns every violation found, each a sentence naming what is wrong (empty when sound), so a
 * checker can run it after every step and a report can quote it.
 */
import { SLOT_COUNT, isNormalized, isValidSlot } from '../slots/index.ts';
import { isValidPort } from './address.ts';
import type { ClusterState } from './cluster-state.ts';
import { isValidNodeId } from './node-id.ts';

export function checkClusterState(state: ClusterState): string[] {
  const problems: string[] = [];
  const known = (id: string) => Object.hasOwn(state.nodes, id);

  if (!known(state.myId)) problems.push(`myself (${state.myId}) is not among the known nodes`);
  if (!isEpoch(state.currentEpoch)) problems.push(`current epoch ${state.currentEpoch} is not a non-negative integer`);

  // "A hash slot is served by a single master": no slot may appear in two nodes' ranges.
  const owners = new Array<string | undefined>(SLOT_COUNT);
  for (const key of Object.keys(state.nodes).sort()) {
    const node = state.nodes[key]!;
    if (key !== node.id) problems.push(`node ${node.id} is stored under the id ${key}`);
    if (!isValidNodeId(node.id)) problems.push(`node id ${node.id} is not 40 lowercase hex characters`);
    if (!isEpoch(node.configEpoch)) problems.push(`node ${node.id} has config epoch ${node.configEpoch}`);
    if (!isValidPort(node.address.port) || !isValidPort(node.address.busPort)) {
      problems.push(`node ${node.id} has an invalid port in ${node.address.host}:${node.address.port}@${node.address.busPort}`);
    }
    if (!isNormalized(node.slots)) problems.push(`node ${node.id} has slot ranges that are not normalized`);
    for (const range of node.slots) {
      for (let slot = Math.max(0, range.start); slot <= Math.min(SLOT_COUNT - 1, range.end); slot++) {
        const previous = owners[slot];
        if (previous !== undefined && previous !== node.id) {
          problems.push(`slot ${slot} is served by both ${previous} and ${node.id}`);
        }
        owners[slot] = node.id;
      }
    }
    if (node.role === 'primary' && node.primaryId !== null) {
      problems.push(`primary ${node.id} claims to follow ${node.primaryId}`);
    }
    if (node.role === 'replica' && node.primaryId !== null) {
      if (node.primaryId === node.id) problems.push(`replica ${node.id} follows itself`);
      else if (!known(node.primaryId)) problems.push(`replica ${node.id} follows unknown node ${node.primaryId}`);
      else if (state.nodes[node.primaryId]!.role !== 'primary') {
        problems.push(`replica ${node.id} follows ${node.primaryId}, which is not a primary`);
      }
    }
  }

  const me = known(state.myId) ? state.nodes[state.myId]! : undefined;
  if (me !== undefined && me.configEpoch > state.currentEpoch) {
    problems.push(`my config epoch ${me.configEpoch} is above the current epoch ${state.currentEpoch}`);
  }
  for (const [table, name] of [
    [state.migrating, 'migrating'],
    [state.importing, 'importing'],
  ] as const) {
    // Redis lets an operator point a migration at myself (SETSLOT n MIGRATING <my id>); that is a
    // mistake to report in a scenario, not a broken state, so only unknown nodes are flagged.
    for (const [slotText, id] of Object.entries(table)) {
      const slot = Number(slotText);
      if (!isValidSlot(slot)) problems.push(`${name} entry for invalid slot ${slotText}`);
      if (!known(id)) problems.push(`slot ${slotText} is ${name} with unknown node ${id}`);
    }
  }
  return problems;
}

function isEpoch(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
