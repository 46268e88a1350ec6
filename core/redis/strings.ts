/**
 * The string commands over a keyspace, with Redis's replies and checks in Redis's order
 * (t_string.c, db.c). Only strings exist here, so WRONGTYPE never arises; expiry is not modelled
 * (SET's EX/PX/EXAT/PXAT answer an error that says so, KEEPTTL is accepted as there is no TTL).
 */
import { assertNever } from '../contract/assert.ts';
import { type Reply, NULL_REPLY, OK, arrayReply, bulkReply, errorReply, integerReply, simpleReply } from '../cluster/resp.ts';
import { arityError } from '../cluster/command-kit.ts';
import type { DataCommand } from './command-table.ts';
import { DECREMENT_OVERFLOW, NOT_AN_INTEGER, OVERFLOW, SYNTAX_ERROR } from './errors.ts';
import { type Keyspace, getValue, setValue } from './keyspace.ts';

export interface Executed {
  readonly keyspace: Keyspace;
  readonly reply: Reply;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const utf8 = new TextEncoder();

/** Runs a data command whose arity and routing were checked. READONLY/READWRITE are the caller's. */
export function executeData(name: Exclude<DataCommand, 'readonly' | 'readwrite' | 'wait'>, keyspace: Keyspace, argv: readonly string[]): Executed {
  const same = (reply: Reply): Executed => ({ keyspace, reply });
  const key = argv[1]!;
  switch (name) {
    case 'get':
      return same(bulkOrNil(getValue(keyspace, key)));
    case 'set':
      return set(keyspace, argv);
    case 'setnx':
      if (getValue(keyspace, key) !== null) return same(integerReply(0));
      return { keyspace: setValue(keyspace, key, argv[2]!), reply: integerReply(1) };
    case 'getset':
      return { keyspace: setValue(keyspace, key, argv[2]!), reply: bulkOrNil(getValue(keyspace, key)) };
    case 'getdel':
      return { keyspace: setValue(keyspace, key, null), reply: bulkOrNil(getValue(keyspace, key)) };
    case 'del':
    case 'unlink': {
      let next = keyspace;
      let deleted = 0;
      for (const k of argv.slice(1)) {
        if (getValue(next, k) === null) continue;
        next = setValue(next, k, null);
        deleted++;
      }
      return { keyspace: next, reply: integerReply(deleted) };
    }
    case 'exists':
      return same(integerReply(argv.slice(1).filter((k) => getValue(keyspace, k) !== null).length));
    case 'incr':
      return incrBy(keyspace, key, 1n);
    case 'decr':
      return incrBy(keyspace, key, -1n);
    case 'incrby':
    case 'decrby': {
      const by = parseInt64(argv[2]!);
      if (by === null) return same(NOT_AN_INTEGER);
      if (name === 'decrby' && by === INT64_MIN) return same(DECREMENT_OVERFLOW);
      return incrBy(keyspace, key, name === 'decrby' ? -by : by);
    }
    case 'append': {
      const value = (getValue(keyspace, key) ?? '') + argv[2]!;
      return { keyspace: setValue(keyspace, key, value), reply: integerReply(byteLength(value)) };
    }
    case 'strlen':
      return same(integerReply(byteLength(getValue(keyspace, key) ?? '')));
    case 'mget':
      return same(arrayReply(argv.slice(1).map((k) => bulkOrNil(getValue(keyspace, k)))));
    case 'mset':
    case 'msetnx': {
      // Arity -3 lets "MSET a 1 b" through; msetGenericCommand answers it with the arity error.
      if (argv.length % 2 === 0) return same(arityError(name));
      if (name === 'msetnx' && pairs(argv).some(([k]) => getValue(keyspace, k) !== null)) return same(integerReply(0));
      let next = keyspace;
      for (const [k, v] of pairs(argv)) next = setValue(next, k, v);
      return { keyspace: next, reply: name === 'mset' ? OK : integerReply(1) };
    }
    case 'type':
      return same(simpleReply(getValue(keyspace, key) === null ? 'none' : 'string'));
    case 'ping':
      if (argv.length > 2) return same(arityError('ping'));
      return same(argv.length === 2 ? bulkReply(argv[1]!) : simpleReply('PONG'));
    case 'echo':
      return same(bulkReply(argv[1]!));
    case 'dbsize':
      return same(integerReply(keyspace.index.size));
    default:
      return assertNever(name, 'data command');
  }
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] (parseExtendedStringArgumentsOrReply). */
function set(keyspace: Keyspace, argv: readonly string[]): Executed {
  const same = (reply: Reply): Executed => ({ keyspace, reply });
  let condition: 'nx' | 'xx' | null = null;
  let get = false;
  let ttl: string | null = null;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const hasNext = j + 1 < argv.length;
    if (option === 'nx' && condition !== 'xx') condition = 'nx';
    else if (option === 'xx' && condition !== 'nx') condition = 'xx';
    else if (option === 'get') get = true;
    else if (option === 'keepttl' && (ttl === null || ttl === option)) ttl = option;
    else if ((option === 'ex' || option === 'px' || option === 'exat' || option === 'pxat') && (ttl === null || ttl === option) && hasNext) {
      ttl = option;
      j++;
    } else return same(SYNTAX_ERROR);
  }
  if (ttl !== null && ttl !== 'keepttl') return same(errorReply(`SET ${ttl.toUpperCase()}: expiry is not modelled by this node`));
  const key = argv[1]!;
  const old = getValue(keyspace, key);
  const before = get ? bulkOrNil(old) : null;
  if ((condition === 'nx' && old !== null) || (condition === 'xx' && old === null)) return same(before ?? NULL_REPLY);
  return { keyspace: setValue(keyspace, key, argv[2]!), reply: before ?? OK };
}

/** incrDecrCommand: the stored value must be an int64, and so must the result. */
function incrBy(keyspace: Keyspace, key: string, by: bigint): Executed {
  const text = getValue(keyspace, key);
  const current = text === null ? 0n : parseInt64(text);
  if (current === null) return { keyspace, reply: NOT_AN_INTEGER };
  const result = current + by;
  if (result < INT64_MIN || result > INT64_MAX) return { keyspace, reply: OVERFLOW };
  // Beyond 2^53 the reply's number is rounded; the stored text stays exact.
  return { keyspace: setValue(keyspace, key, result.toString()), reply: { type: 'integer', value: Number(result) } };
}

/** string2ll: "-"? digits without leading zeros, within int64. */
export function parseInt64(text: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text) || text.length > 20) return null;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

function bulkOrNil(value: string | null): Reply {
  return value === null ? NULL_REPLY : bulkReply(value);
}

function pairs(argv: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; i + 1 < argv.length; i += 2) out.push([argv[i]!, argv[i + 1]!]);
  return out;
}

function byteLength(value: string): number {
  return utf8.encode(value).length;
}
