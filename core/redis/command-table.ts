/**
 * The commands the data path knows, with Redis 7's arity, write flag and key positions (the
 * first/last/step of src/commands/*.json, and migrateGetKeys for MIGRATE): what the cluster
 * redirection reads before a command runs.
 */

export type KeyRule =
  | { readonly kind: 'none' }
  /** Keys at first, first+step, ... up to last (a negative last counts from the end: -1 is the last argument). */
  | { readonly kind: 'range'; readonly first: number; readonly last: number; readonly step: number }
  /** MIGRATE: argv[3], or everything after a KEYS option (migrateGetKeys). */
  | { readonly kind: 'migrate' };

export type DataCommand =
  | 'get' | 'set' | 'setnx' | 'getset' | 'getdel' | 'del' | 'unlink' | 'exists' | 'incr' | 'decr' | 'incrby' | 'decrby'
  | 'append' | 'strlen' | 'mget' | 'mset' | 'msetnx' | 'type' | 'ping' | 'echo' | 'dbsize' | 'readonly' | 'readwrite' | 'wait';

/** Commands core/cluster executes (CLUSTER's own table checks its subcommands' arity). */
export type ClusterLayerCommand = 'cluster' | 'asking' | 'migrate';

export interface CommandSpec {
  /** N: exactly N arguments, -N: at least N (the name included). */
  readonly arity: number;
  /** CMD_WRITE: refused by a replica even for a READONLY connection. */
  readonly write: boolean;
  readonly keys: KeyRule;
}

const NONE: KeyRule = { kind: 'none' };
const FIRST: KeyRule = { kind: 'range', first: 1, last: 1, step: 1 };
const ALL: KeyRule = { kind: 'range', first: 1, last: -1, step: 1 };
const PAIRS: KeyRule = { kind: 'range', first: 1, last: -1, step: 2 };

export const DATA_COMMANDS: Readonly<Record<DataCommand, CommandSpec>> = Object.freeze({
  get: { arity: 2, write: false, keys: FIRST },
  set: { arity: -3, write: true, keys: FIRST },
  setnx: { arity: 3, write: true, keys: FIRST },
  getset: { arity: 3, write: true, keys: FIRST },
  getdel: { arity: 2, write: true, keys: FIRST },
  del: { arity: -2, write: true, keys: ALL },
  unlink: { arity: -2, write: true, keys: ALL },
  exists: { arity: -2, write: false, keys: ALL },
  incr: { arity: 2, write: true, keys: FIRST },
  decr: { arity: 2, write: true, keys: FIRST },
  incrby: { arity: 3, write: true, keys: FIRST },
  decrby: { arity: 3, write: true, keys: FIRST },
  append: { arity: 3, write: true, keys: FIRST },
  strlen: { arity: 2, write: false, keys: FIRST },
  mget: { arity: -2, write: false, keys: ALL },
  mset: { arity: -3, write: true, keys: PAIRS },
  msetnx: { arity: -3, write: true, keys: PAIRS },
  type: { arity: 2, write: false, keys: FIRST },
  ping: { arity: -1, write: false, keys: NONE },
  echo: { arity: 2, write: false, keys: NONE },
  dbsize: { arity: 1, write: false, keys: NONE },
  readonly: { arity: 1, write: false, keys: NONE },
  readwrite: { arity: 1, write: false, keys: NONE },
  wait: { arity: 3, write: false, keys: NONE },
});

export const CLUSTER_LAYER_COMMANDS: Readonly<Record<ClusterLayerCommand, CommandSpec>> = Object.freeze({
  cluster: { arity: -2, write: false, keys: NONE },
  asking: { arity: 1, write: false, keys: NONE },
  migrate: { arity: -6, write: true, keys: { kind: 'migrate' } },
});

export type LookedUp =
  | { readonly kind: 'data'; readonly name: DataCommand; readonly spec: CommandSpec }
  | { readonly kind: 'cluster-layer'; readonly name: ClusterLayerCommand; readonly spec: CommandSpec }
  | { readonly kind: 'unknown' };

export function lookupCommand(name: string): LookedUp {
  const lower = name.toLowerCase();
  if (Object.hasOwn(DATA_COMMANDS, lower)) {
    const data = lower as DataCommand;
    return { kind: 'data', name: data, spec: DATA_COMMANDS[data] };
  }
  if (Object.hasOwn(CLUSTER_LAYER_COMMANDS, lower)) {
    const layer = lower as ClusterLayerCommand;
    return { kind: 'cluster-layer', name: layer, spec: CLUSTER_LAYER_COMMANDS[layer] };
  }
  return { kind: 'unknown' };
}

export function arityAllows(arity: number, argc: number): boolean {
  return arity > 0 ? argc === arity : argc >= -arity;
}

/** The keys of a command line whose arity was checked, in argument order (duplicates kept). */
export function commandKeys(rule: KeyRule, argv: readonly string[]): string[] {
  switch (rule.kind) {
    case 'none':
      return [];
    case 'range': {
      const last = rule.last < 0 ? argv.length + rule.last : rule.last;
      const keys: string[] = [];
      for (let i = rule.first; i <= last && i < argv.length; i += rule.step) keys.push(argv[i]!);
      return keys;
    }
    case 'migrate':
      return migrateKeys(argv);
    default: {
      const never: never = rule;
      throw new Error(`unknown key rule ${JSON.stringify(never)}`);
    }
  }
}

/**
 * migrateGetKeys: the key argument, or all arguments after KEYS (none when the key argument is
 * not empty then: the command itself refuses that). AUTH and AUTH2 skip their values, so a
 * password "keys" is not the option.
 */
function migrateKeys(argv: readonly string[]): string[] {
  const skip: Readonly<Record<string, number>> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  for (let i = 6; i < argv.length; i++) {
    const word = argv[i]!.toLowerCase();
    if (word === 'keys') return argv[3] === '' ? argv.slice(i + 1) : [];
    if (Object.hasOwn(skip, word)) i += skip[word]!;
  }
  return [argv[3]!];
}
