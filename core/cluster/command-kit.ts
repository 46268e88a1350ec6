/** Small pieces every CLUSTER command handler uses: results, errors in Redis's words, argument parsing. */
import { isValidSlot } from '../slots/index.ts';
import { type ClusterNode, type ClusterState, getNode } from '../topology/index.ts';
import { NOT_AN_INTEGER, parseRedisInteger } from './redis-args.ts';
import { type Reply, errorReply } from './resp.ts';
import type { ClusterIntent, ClusterView, CommandContext, CommandResult } from './types.ts';

export type Handler = (view: ClusterView, argv: readonly string[], ctx: CommandContext) => CommandResult;

/** A reply that changes nothing. */
export function reply(view: ClusterView, answer: Reply): CommandResult {
  return { state: view, reply: answer, intent: null, saveConfig: false };
}

/** A reply after a config change that must be saved before the reply goes out. */
export function changed(view: ClusterView, cluster: ClusterState, answer: Reply, intent: ClusterIntent | null = null): CommandResult {
  return { state: { ...view, cluster }, reply: answer, intent, saveConfig: true };
}

/** A reply that hands work to another layer without changing the config. */
export function withIntent(view: ClusterView, answer: Reply, intent: ClusterIntent): CommandResult {
  return { state: view, reply: answer, intent, saveConfig: false };
}

/** "wrong number of arguments for 'cluster|addslots' command" (Redis: addReplyErrorArity, with the command's full name). */
export function arityError(fullName: string): Reply {
  return errorReply(`wrong number of arguments for '${fullName}' command`);
}

/**
 * What Redis answers when a CLUSTER subcommand exists but its own argument count check fails
 * (addReplySubcommandSyntaxError): the subcommand as typed, the container upper-cased.
 */
export function subcommandSyntaxError(argv: readonly string[]): Reply {
  return errorReply(
    `unknown subcommand or wrong number of arguments for '${(argv[1] ?? '').slice(0, 128)}'. Try ${(argv[0] ?? '').toUpperCase()} HELP.`,
  );
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Reply };

/** Redis's getSlotOrReply: an integer in 0..16383, else "Invalid or out of range slot". */
export function parseSlotArgument(text: string): Parsed<number> {
  const slot = parseRedisInteger(text);
  if (slot === null || !isValidSlot(slot)) return { ok: false, error: errorReply('Invalid or out of range slot') };
  return { ok: true, value: slot };
}

/** Redis's getLongLongFromObjectOrReply. */
export function parseIntegerArgument(text: string): Parsed<number> {
  const value = parseRedisInteger(text);
  if (value === null) return { ok: false, error: errorReply(NOT_AN_INTEGER) };
  return { ok: true, value };
}

/** Redis's clusterLookupNode: an exact id match among the known nodes. */
export function lookupNode(state: ClusterState, id: string): ClusterNode | undefined {
  return getNode(state, id);
}
