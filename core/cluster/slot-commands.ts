/**
 * CLUSTER ADDSLOTS, DELSLOTS, ADDSLOTSRANGE, DELSLOTSRANGE and SETSLOT: changing which node
 * serves which slot, in this node's view. Checks, their order and their wording follow Redis's
 * cluster.c (checkSlotAssignmentsOrReply, clusterUpdateSlots, the SETSLOT branch).
 */
import { type SlotMap, type SlotRange, countSlots, slotOwner, slotRange, slotsToRanges } from '../slots/index.ts';
import {
  type ClusterState,
  assignNodeSlots,
  bumpConfigEpochWithoutConsensus,
  makeReplicaOf,
  myself,
  releaseSlots,
  setImporting,
  setMigrating,
  slotMapOf,
  slotOwnerNode,
} from '../topology/index.ts';
import { type Handler, arityError, changed, lookupNode, parseSlotArgument, reply } from './command-kit.ts';
import { countKeysInSlot } from './key-index.ts';
import { type Reply, OK, errorReply } from './resp.ts';
import type { ClusterIntent, ClusterView, CommandResult } from './types.ts';

type Mode = 'add' | 'del';

/** CLUSTER ADDSLOTS <slot> [slot ...] / CLUSTER DELSLOTS <slot> [slot ...] */
export const addSlots: Handler = (view, argv) => updateSlotsOneByOne(view, argv, 'add');
export const delSlots: Handler = (view, argv) => updateSlotsOneByOne(view, argv, 'del');

/** CLUSTER ADDSLOTSRANGE <start> <end> [<start> <end> ...] / CLUSTER DELSLOTSRANGE ... */
export const addSlotsRange: Handler = (view, argv) => updateSlotRanges(view, argv, 'add');
export const delSlotsRange: Handler = (view, argv) => updateSlotRanges(view, argv, 'del');

function updateSlotsOneByOne(view: ClusterView, argv: readonly string[], mode: Mode): CommandResult {
  const cluster = view.cluster;
  // Every argument must parse before any is checked against the assignments.
  const slots: number[] = [];
  for (const text of argv.slice(2)) {
    const parsed = parseSlotArgument(text);
    if (!parsed.ok) return reply(view, parsed.error);
    slots.push(parsed.value);
  }
  const owners = slotMapOf(cluster);
  const seen = new Set<number>();
  for (const slot of slots) {
    const problem = checkSlotAssignment(owners, slot, mode, seen);
    if (problem !== null) return reply(view, problem);
  }
  return changed(view, applySlotUpdate(cluster, slotsToRanges(slots), mode), OK);
}

function updateSlotRanges(view: ClusterView, argv: readonly string[], mode: Mode): CommandResult {
  const cluster = view.cluster;
  // Arity -4 lets an odd count through; Redis then answers with the arity error itself.
  if (argv.length % 2 === 1) return reply(view, arityError(`cluster|${argv[1]!.toLowerCase()}`));
  const ranges: SlotRange[] = [];
  const owners = slotMapOf(cluster);
  const seen = new Set<number>();
  for (let i = 2; i < argv.length; i += 2) {
    const start = parseSlotArgument(argv[i]!);
    if (!start.ok) return reply(view, start.error);
    const end = parseSlotArgument(argv[i + 1]!);
    if (!end.ok) return reply(view, end.error);
    if (start.value > end.value) {
      return reply(view, errorReply(`start slot number ${start.value} is greater than end slot number ${end.value}`));
    }
    for (let slot = start.value; slot <= end.value; slot++) {
      const problem = checkSlotAssignment(owners, slot, mode, seen);
      if (problem !== null) return reply(view, problem);
    }
    ranges.push(slotRange(start.value, end.value));
  }
  return changed(view, applySlotUpdate(cluster, ranges, mode), OK);
}

/** Redis's checkSlotAssignmentsOrReply, for one slot. */
function checkSlotAssignment(owners: SlotMap, slot: number, mode: Mode, seen: Set<number>): Reply | null {
  const owner = slotOwner(owners, slot);
  if (mode === 'del' && owner === null) return errorReply(`Slot ${slot} is already unassigned`);
  if (mode === 'add' && owner !== null) return errorReply(`Slot ${slot} is already busy`);
  if (seen.has(slot)) return errorReply(`Slot ${slot} specified multiple times`);
  seen.add(slot);
  return null;
}

/**
 * Redis's clusterUpdateSlots: ADD gives the slots to myself, DEL unassigns them whoever holds
 * them; either way an import of those slots is over (we now know the real owner).
 */
function applySlotUpdate(cluster: ClusterState, ranges: readonly SlotRange[], mode: Mode): ClusterState {
  let next = mode === 'add' ? assignNodeSlots(cluster, cluster.myId, ranges) : releaseSlots(cluster, ranges);
  for (const range of ranges) {
    for (let slot = range.start; slot <= range.end; slot++) {
      if (next.importing[slot] !== undefined) next = setImporting(next, slot, null);
    }
  }
  return next;
}

/**
 * CLUSTER SETSLOT <slot> MIGRATING <id> | IMPORTING <id> | STABLE | NODE <id>
 * (Redis Cluster specification, "Live resharding" and "ASK redirection").
 */
export const setSlot: Handler = (view, argv) => {
  const cluster = view.cluster;
  if (myself(cluster).role === 'replica') return reply(view, errorReply('Please use SETSLOT only with masters.'));
  const parsed = parseSlotArgument(argv[2]!);
  if (!parsed.ok) return reply(view, parsed.error);
  const slot = parsed.value;
  const action = argv[3]!.toLowerCase();
  const mine = slotOwnerNode(cluster, slot)?.id === cluster.myId;

  if (action === 'migrating' && argv.length === 5) {
    if (!mine) return reply(view, errorReply(`I'm not the owner of hash slot ${slot}`));
    const target = lookupNode(cluster, argv[4]!);
    if (target === undefined) return reply(view, errorReply(`I don't know about node ${argv[4]}`));
    if (target.role === 'replica') return reply(view, errorReply('Target node is not a master'));
    return changed(view, setMigrating(cluster, slot, target.id), OK);
  }
  if (action === 'importing' && argv.length === 5) {
    if (mine) return reply(view, errorReply(`I'm already the owner of hash slot ${slot}`));
    const source = lookupNode(cluster, argv[4]!);
    if (source === undefined) return reply(view, errorReply(`I don't know about node ${argv[4]}`));
    if (source.role === 'replica') return reply(view, errorReply('Target node is not a master'));
    return changed(view, setImporting(cluster, slot, source.id), OK);
  }
  if (action === 'stable' && argv.length === 4) {
    return changed(view, setImporting(setMigrating(cluster, slot, null), slot, null), OK);
  }
  if (action === 'node' && argv.length === 5) {
    const node = lookupNode(cluster, argv[4]!);
    if (node === undefined) return reply(view, errorReply(`Unknown node ${argv[4]}`));
    if (node.role === 'replica') return reply(view, errorReply('Target node is not a master'));
    const keyCount = countKeysInSlot(view.keys, slot);
    // A slot must be emptied (migrated) before its ownership can leave this node.
    if (mine && node.id !== cluster.myId && keyCount !== 0) {
      return reply(
        view,
        errorReply(`Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`),
      );
    }
    let next = cluster;
    // With no keys left, handing the slot over also ends its migration.
    if (keyCount === 0 && next.migrating[slot] !== undefined) next = setMigrating(next, slot, null);
    next = assignNodeSlots(next, node.id, [slotRange(slot)]);
    let intent: ClusterIntent | null = null;
    // A primary that gave away its last slot follows the node that took it (replica migration).
    if (mine && node.id !== cluster.myId && countSlots(myself(next).slots) === 0 && next.options.allowReplicaMigration) {
      next = makeReplicaOf(next, next.myId, node.id);
      intent = { type: 'replicate', primaryId: node.id };
    }
    // Finishing an import: claim a fresh config epoch so the new owner wins everywhere
    // (Redis Cluster specification, "Configuration handling, propagation, and failovers").
    if (node.id === cluster.myId && next.importing[slot] !== undefined) {
      next = setImporting(bumpConfigEpochWithoutConsensus(next).state, slot, null);
    }
    return changed(view, next, OK, intent);
  }
  return reply(view, errorReply('Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP'));
};
