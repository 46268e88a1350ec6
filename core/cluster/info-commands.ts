/**
 * The read-only CLUSTER commands: INFO, NODES, SLOTS, MYID, KEYSLOT, COUNTKEYSINSLOT and
 * GETKEYSINSLOT. Replies in Redis's shapes; INFO and NODES are verbatim text (a bulk string in RESP2).
 */
import { isValidSlot, keySlot } from '../slots/index.ts';
import { type Handler, parseIntegerArgument, reply } from './command-kit.ts';
import { clusterInfoText, clusterNodesText, clusterSlotsReply } from './format.ts';
import { countKeysInSlot, getKeysInSlot } from './key-index.ts';
import { arrayReply, bulkReply, errorReply, integerReply } from './resp.ts';

export const info: Handler = (view, _argv, ctx) => reply(view, bulkReply(clusterInfoText(view.cluster, ctx.busMessages)));

export const nodes: Handler = (view) => reply(view, bulkReply(clusterNodesText(view.cluster)));

export const slots: Handler = (view) => reply(view, clusterSlotsReply(view.cluster));

export const myId: Handler = (view) => reply(view, bulkReply(view.cluster.myId));

/** CLUSTER KEYSLOT <key>: any key, hash tags honoured. */
export const keySlotCommand: Handler = (view, argv) => reply(view, integerReply(keySlot(argv[2]!)));

/** CLUSTER COUNTKEYSINSLOT <slot>: note Redis's wording differs from getSlotOrReply's here ("Invalid slot"). */
export const countKeys: Handler = (view, argv) => {
  const slot = parseIntegerArgument(argv[2]!);
  if (!slot.ok) return reply(view, slot.error);
  if (!isValidSlot(slot.value)) return reply(view, errorReply('Invalid slot'));
  return reply(view, integerReply(countKeysInSlot(view.keys, slot.value)));
};

/** CLUSTER GETKEYSINSLOT <slot> <count>: up to count keys, sorted. */
export const getKeys: Handler = (view, argv) => {
  const slot = parseIntegerArgument(argv[2]!);
  if (!slot.ok) return reply(view, slot.error);
  const count = parseIntegerArgument(argv[3]!);
  if (!count.ok) return reply(view, count.error);
  if (!isValidSlot(slot.value) || count.value < 0) return reply(view, errorReply('Invalid slot or number of keys'));
  return reply(view, arrayReply(getKeysInSlot(view.keys, slot.value, count.value).map(bulkReply)));
};
