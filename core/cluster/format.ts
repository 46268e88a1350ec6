/**
 * The text and nested shapes of CLUSTER NODES, CLUSTER SLOTS and CLUSTER INFO, as Redis
 * produces them (clusterGenNodeDescription, clusterReplyMultiBulkSlots, genClusterInfoString in
 * cluster.c / cluster_legacy.c). Nodes are listed by id, where Redis uses its dict order.
 */
import { formatSlotRanges, slotRuns } from '../slots/index.ts';
import {
  type ClusterNode,
  type ClusterState,
  clusterStatus,
  effectiveConfigEpoch,
  formatNodesAddress,
  getNode,
  myself,
  replicasOf,
  slotMapOf,
  sortedNodes,
} from '../topology/index.ts';
import { type Reply, arrayReply, bulkReply, integerReply } from './resp.ts';

/**
 * Flags in Redis's fixed order (redisNodeFlagsTable): myself, master, slave, fail?, fail,
 * handshake, noaddr, nofailover; "noflags" when none. A node in handshake has no role yet.
 */
export function nodeFlags(state: ClusterState, node: ClusterNode): string {
  const flags: string[] = [];
  if (node.id === state.myId) flags.push('myself');
  if (!node.handshake) flags.push(node.role === 'primary' ? 'master' : 'slave');
  if (node.health === 'pfail') flags.push('fail?');
  if (node.health === 'fail') flags.push('fail');
  if (node.handshake) flags.push('handshake');
  if (node.noFailover) flags.push('nofailover');
  return flags.length === 0 ? 'noflags' : flags.join(',');
}

/**
 * One CLUSTER NODES line (without the newline):
 * `<id> <ip:port@cport> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...`
 * and, for myself only, `[slot->-target]` for each migrating slot and `[slot-<-source]` for each
 * importing one (a migrating slot is not also listed as importing, as in Redis).
 */
export function clusterNodesLine(state: ClusterState, node: ClusterNode): string {
  const fields = [
    node.id,
    formatNodesAddress(node.address),
    nodeFlags(state, node),
    node.role === 'replica' && node.primaryId !== null ? node.primaryId : '-',
    `${node.pingSentMs}`,
    `${node.pongReceivedMs}`,
    `${effectiveConfigEpoch(state, node)}`,
    node.id === state.myId || node.link === 'connected' ? 'connected' : 'disconnected',
  ];
  let line = fields.join(' ');
  if (node.slots.length > 0) line += ` ${formatSlotRanges(node.slots)}`;
  if (node.id === state.myId) {
    const slots = new Set([...Object.keys(state.migrating), ...Object.keys(state.importing)].map(Number));
    for (const slot of [...slots].sort((a, b) => a - b)) {
      const target = state.migrating[slot];
      const source = state.importing[slot];
      if (target !== undefined) line += ` [${slot}->-${target}]`;
      else if (source !== undefined) line += ` [${slot}-<-${source}]`;
    }
  }
  return line;
}

/** The CLUSTER NODES text: one line per known node, each ending in "\n". */
export function clusterNodesText(state: ClusterState): string {
  return sortedNodes(state)
    .map((node) => `${clusterNodesLine(state, node)}\n`)
    .join('');
}

/**
 * CLUSTER SLOTS: one entry per maximal run of slots with one owner, ascending:
 * [start, end, the primary's node entry, then the entry of each replica not in FAIL].
 *
 * A node entry has Redis 7's four elements (addNodeToNodeReply): ip, port, id, and a map of the
 * networking metadata that is not the preferred endpoint. With the default endpoint type (ip) and
 * no announced hostname that map is empty, which RESP2 writes as an empty array.
 */
export function clusterSlotsReply(state: ClusterState): Reply {
  const entry = (node: ClusterNode): Reply =>
    arrayReply([bulkReply(node.address.host), integerReply(node.address.port), bulkReply(node.id), arrayReply([])]);
  return arrayReply(
    slotRuns(slotMapOf(state)).map((run) => {
      const owner = getNode(state, run.owner)!;
      const replicas = replicasOf(state, owner.id).filter((replica) => replica.health !== 'fail');
      return arrayReply([integerReply(run.start), integerReply(run.end), entry(owner), ...replicas.map(entry)]);
    }),
  );
}

/** The CLUSTER INFO text, "field:value\r\n" per line, fields in Redis's order. */
export function clusterInfoText(state: ClusterState, busMessages = { sent: 0, received: 0 }): string {
  const status = clusterStatus(state);
  const fields: [string, string | number][] = [
    ['cluster_state', status.state],
    ['cluster_slots_assigned', status.slotsAssigned],
    ['cluster_slots_ok', status.slotsOk],
    ['cluster_slots_pfail', status.slotsPfail],
    ['cluster_slots_fail', status.slotsFail],
    ['cluster_known_nodes', status.knownNodes],
    ['cluster_size', status.size],
    ['cluster_current_epoch', state.currentEpoch],
    ['cluster_my_epoch', effectiveConfigEpoch(state, myself(state))],
    ['cluster_stats_messages_sent', busMessages.sent],
    ['cluster_stats_messages_received', busMessages.received],
    ['total_cluster_links_buffer_limit_exceeded', 0],
  ];
  return fields.map(([name, value]) => `${name}:${value}\r\n`).join('');
}
