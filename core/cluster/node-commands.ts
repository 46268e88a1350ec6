/**
 * CLUSTER MEET, FORGET, REPLICATE and FAILOVER: who is in the cluster and who follows whom.
 * Checks, their order and their wording follow Redis's cluster.c.
 */
import {
  CLUSTER_PORT_INCR,
  forgetNode,
  isForgotten,
  isValidIp,
  isValidPort,
  makeReplicaOf,
  myself,
} from '../topology/index.ts';
import { type Handler, changed, lookupNode, reply, subcommandSyntaxError, withIntent } from './command-kit.ts';
import { parseRedisInteger, SYNTAX_ERROR } from './redis-args.ts';
import { OK, errorReply } from './resp.ts';
import type { FailoverMode } from './types.ts';

/** CLUSTER MEET <ip> <port> [<bus-port>] */
export const meet: Handler = (view, argv) => {
  if (argv.length !== 4 && argv.length !== 5) return reply(view, subcommandSyntaxError(argv));
  const host = argv[2]!;
  const port = parseRedisInteger(argv[3]!);
  if (port === null) return reply(view, errorReply(`Invalid base port specified: ${argv[3]}`));
  let busPort = port + CLUSTER_PORT_INCR;
  if (argv.length === 5) {
    const parsed = parseRedisInteger(argv[4]!);
    if (parsed === null) return reply(view, errorReply(`Invalid bus port specified: ${argv[4]}`));
    busPort = parsed;
  }
  // clusterStartHandshake: an IP literal and ports in 1..65535, or EINVAL.
  if (!isValidIp(host) || !isValidPort(port) || !isValidPort(busPort)) {
    return reply(view, errorReply(`Invalid node address specified: ${host}:${argv[3]}`));
  }
  return withIntent(view, OK, { type: 'meet', host, port, busPort });
};

/** CLUSTER FORGET <node-id> */
export const forget: Handler = (view, argv, ctx) => {
  const cluster = view.cluster;
  const id = argv[2]!;
  const node = lookupNode(cluster, id);
  if (node === undefined) {
    // Already forgotten (perhaps through gossip): pretend it succeeded, as Redis does.
    if (isForgotten(cluster, id, ctx.nowMs)) return reply(view, OK);
    return reply(view, errorReply(`Unknown node ${id}`));
  }
  if (node.id === cluster.myId) return reply(view, errorReply("I tried hard but I can't forget myself..."));
  const me = myself(cluster);
  if (me.role === 'replica' && me.primaryId === node.id) return reply(view, errorReply("Can't forget my master!"));
  return changed(view, forgetNode(cluster, node.id, ctx.nowMs), OK);
};

/** CLUSTER REPLICATE <node-id> */
export const replicate: Handler = (view, argv) => {
  const cluster = view.cluster;
  const node = lookupNode(cluster, argv[2]!);
  if (node === undefined) return reply(view, errorReply(`Unknown node ${argv[2]}`));
  if (node.id === cluster.myId) return reply(view, errorReply("Can't replicate myself"));
  if (node.role === 'replica') return reply(view, errorReply('I can only replicate a master, not a replica.'));
  const me = myself(cluster);
  // A primary must hand over its slots and data first; a replica may switch primaries freely.
  if (me.role === 'primary' && (me.slots.length !== 0 || view.keys.size !== 0)) {
    return reply(view, errorReply('To set a master the node must be empty and without assigned slots.'));
  }
  return changed(view, makeReplicaOf(cluster, cluster.myId, node.id), OK, { type: 'replicate', primaryId: node.id });
};

/**
 * CLUSTER FAILOVER [FORCE|TAKEOVER]: only validated here. The election itself (or, for
 * TAKEOVER, the unilateral epoch bump) is the failover protocol's job, handed over as an intent.
 */
export const failover: Handler = (view, argv) => {
  if (argv.length !== 2 && argv.length !== 3) return reply(view, subcommandSyntaxError(argv));
  let mode: FailoverMode = 'default';
  if (argv.length === 3) {
    const option = argv[2]!.toLowerCase();
    if (option === 'force') mode = 'force';
    else if (option === 'takeover') mode = 'takeover';
    else return reply(view, errorReply(SYNTAX_ERROR));
  }
  const cluster = view.cluster;
  const me = myself(cluster);
  if (me.role === 'primary') return reply(view, errorReply('You should send CLUSTER FAILOVER to a replica'));
  const primary = me.primaryId === null ? undefined : lookupNode(cluster, me.primaryId);
  if (primary === undefined) return reply(view, errorReply("I'm a replica but my master is unknown to me"));
  // A default failover needs the primary's cooperation (it pauses clients and sends its offset).
  if (mode === 'default' && (primary.health === 'fail' || primary.link === 'disconnected')) {
    return reply(view, errorReply('Master is down or failed, please use CLUSTER FAILOVER FORCE'));
  }
  return withIntent(view, OK, { type: 'failover', mode, primaryId: primary.id });
};
