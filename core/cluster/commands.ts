/**
 * `executeClusterCommand(view, argv, ctx)`: the CLUSTER commands, ASKING and MIGRATE over one
 * node's view, as a pure function.
 *
 * Dispatch works as Redis 7's command table does: look the command (or CLUSTER subcommand) up
 * case-insensitively, check its arity (a positive arity is an exact argument count, a negative
 * one a minimum, both counting the command name), then run it. Unknown names and wrong counts
 * get Redis's exact error text.
 */
import { type Handler, arityError, reply } from './command-kit.ts';
import { countKeys, getKeys, info, keySlotCommand, myId, nodes, slots } from './info-commands.ts';
import { asking, migrate } from './migrate-command.ts';
import { failover, forget, meet, replicate } from './node-commands.ts';
import { type Reply, errorReply } from './resp.ts';
import { addSlots, addSlotsRange, delSlots, delSlotsRange, setSlot } from './slot-commands.ts';
import type { ClusterView, CommandContext, CommandResult } from './types.ts';

interface CommandSpec {
  /** Redis's arity: N means exactly N arguments, -N at least N (the command name included). */
  readonly arity: number;
  readonly run: Handler;
}

/** CLUSTER subcommands by lower-case name, with the arities of Redis's command table (src/commands/cluster-*.json). */
const CLUSTER_SUBCOMMANDS: Readonly<Record<string, CommandSpec>> = Object.freeze({
  info: { arity: 2, run: info },
  nodes: { arity: 2, run: nodes },
  slots: { arity: 2, run: slots },
  myid: { arity: 2, run: myId },
  keyslot: { arity: 3, run: keySlotCommand },
  countkeysinslot: { arity: 3, run: countKeys },
  getkeysinslot: { arity: 4, run: getKeys },
  meet: { arity: -4, run: meet },
  addslots: { arity: -3, run: addSlots },
  delslots: { arity: -3, run: delSlots },
  addslotsrange: { arity: -4, run: addSlotsRange },
  delslotsrange: { arity: -4, run: delSlotsRange },
  setslot: { arity: -4, run: setSlot },
  forget: { arity: 3, run: forget },
  replicate: { arity: 3, run: replicate },
  failover: { arity: -2, run: failover },
});

/** Top-level commands other than CLUSTER. */
const COMMANDS: Readonly<Record<string, CommandSpec>> = Object.freeze({
  asking: { arity: 1, run: asking },
  migrate: { arity: -6, run: migrate },
});

/** CLUSTER is a container command: arity -2 (it needs a subcommand). */
const CLUSTER_ARITY = -2;

/** The CLUSTER subcommands this layer implements, lower-case. */
export const SUPPORTED_CLUSTER_SUBCOMMANDS: readonly string[] = Object.freeze(Object.keys(CLUSTER_SUBCOMMANDS));

export function executeClusterCommand(view: ClusterView, argv: readonly string[], ctx: CommandContext): CommandResult {
  const name = argv[0];
  if (name === undefined) throw new RangeError('empty command');
  const command = name.toLowerCase();

  if (command === 'cluster') {
    if (!arityAllows(CLUSTER_ARITY, argv.length)) return reply(view, arityError('cluster'));
    const sub = argv[1]!.toLowerCase();
    const spec = lookup(CLUSTER_SUBCOMMANDS, sub);
    if (spec === undefined) {
      return reply(view, errorReply(`unknown subcommand '${argv[1]!.slice(0, 128)}'. Try ${name.toUpperCase()} HELP.`));
    }
    if (!arityAllows(spec.arity, argv.length)) return reply(view, arityError(`cluster|${sub}`));
    return spec.run(view, argv, ctx);
  }

  const spec = lookup(COMMANDS, command);
  if (spec === undefined) return reply(view, unknownCommand(argv));
  if (!arityAllows(spec.arity, argv.length)) return reply(view, arityError(command));
  return spec.run(view, argv, ctx);
}

function arityAllows(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}

function lookup(table: Readonly<Record<string, CommandSpec>>, name: string): CommandSpec | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Redis's processCommand wording: the name, then the arguments quoted until 128 characters are shown. */
function unknownCommand(argv: readonly string[]): Reply {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
  }
  return errorReply(`unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`);
}
