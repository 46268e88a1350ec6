/**
 * Client histories: the types, and a validating parser for the JSON file format described in
 * docs/linearizability.md. The parser is the only way untrusted input enters the checker, so every error it
 * reports is one line that names the first bad operation (0-based index in `operations`) and what
 * is wrong with it; it never throws for bad input.
 *
 * Conventions fixed here (and documented in docs/linearizability.md):
 * - `call` and `return` are finite numbers on one clock; `return: null` means the operation never
 *   returned (a time-out, a crash): its effect and output are unknown.
 * - An operation that returned carries its output (`read`/`get`: a string, or null when the
 *   register/key was never written; `cas`: true or false). One that never returned has none.
 * - A client runs one operation at a time: its operations may touch (`return` of one equal to
 *   `call` of the next) but not overlap, and an operation that never returned must be its last.
 */

export type ClientId = number | string;

/** When an operation ran and who ran it. `return: null` = outcome unknown (never returned). */
export interface Timing {
  readonly client: ClientId;
  readonly call: number;
  readonly return: number | null;
}

/**
 * One operation on a single register. `output` is present exactly when `return` is not null:
 * for `read` a string, or null meaning "never written"; for `cas` whether it swapped.
 */
export type RegisterOperation = Timing &
  (
    | { readonly op: 'read'; readonly output?: string | null }
    | { readonly op: 'write'; readonly value: string }
    | { readonly op: 'cas'; readonly expected: string; readonly value: string; readonly output?: boolean }
  );

/** One operation on a key of a key/value store; the same rules as the register, per key. */
export type KvOperation = Timing & { readonly key: string } & (
    | { readonly op: 'get'; readonly output?: string | null }
    | { readonly op: 'put'; readonly value: string }
    | { readonly op: 'append'; readonly value: string }
    | { readonly op: 'cas'; readonly expected: string; readonly value: string; readonly output?: boolean }
  );

/** One operation on a mutex. Neither has an output: an attempt that failed is left out of the file. */
export type MutexOperation = Timing & ({ readonly op: 'acquire' } | { readonly op: 'release' });

/**
 * One step of a multi-register transaction (Knossos' `[:read k v]` / `[:write k v]`). A read names
 * the value it saw (null: the key was never written), or has no third element when that is not
 * known (always so in a transaction that never returned).
 */
export type MicroOp = readonly ['read', string] | readonly ['read', string, string | null] | readonly ['write', string, string];

/** A transaction over several registers: its micro-ops apply in order, all at one instant. */
export type MultiRegisterOperation = Timing & { readonly op: 'txn'; readonly value: readonly MicroOp[] };

/** One operation on a set of strings. `read` returns the whole set, in any order. */
export type SetOperation = Timing &
  ({ readonly op: 'add'; readonly value: string } | { readonly op: 'read'; readonly output?: readonly string[] });

/** One operation on a FIFO queue of strings. `dequeue` returns the head, or null when the queue was empty. */
export type QueueOperation = Timing &
  ({ readonly op: 'enqueue'; readonly value: string } | { readonly op: 'dequeue'; readonly output?: string | null });

export type History =
  | { readonly model: 'register'; readonly operations: readonly RegisterOperation[] }
  | { readonly model: 'kv'; readonly operations: readonly KvOperation[] }
  | { readonly model: 'mutex'; readonly operations: readonly MutexOperation[] }
  | { readonly model: 'multi-register'; readonly operations: readonly MultiRegisterOperation[] }
  | { readonly model: 'set'; readonly operations: readonly SetOperation[] }
  | { readonly model: 'fifo-queue'; readonly operations: readonly QueueOperation[] };

export type ModelName = History['model'];
export type Operation = History['operations'][number];
/** The operations of the register and kv models, which the search runs on value ids (wgl.ts). */
export type CellOperation = RegisterOperation | KvOperation;
export type OpName = Operation['op'];

export type ParseResult = { readonly ok: true; readonly history: History } | { readonly ok: false; readonly error: string };

import { assertNever } from '../../core/contract/assert.ts';
import { describe, isRecord, opFieldsError } from './fields.ts';

export { assertNever };

/** Thrown by `checkHistory` when handed a history that `validateHistory` rejects. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

export const MODELS: readonly ModelName[] = ['register', 'kv', 'mutex', 'multi-register', 'set', 'fifo-queue'];

export const OPS_BY_MODEL: Readonly<Record<ModelName, readonly OpName[]>> = {
  register: ['read', 'write', 'cas'],
  kv: ['get', 'put', 'append', 'cas'],
  mutex: ['acquire', 'release'],
  'multi-register': ['txn'],
  set: ['add', 'read'],
  'fifo-queue': ['enqueue', 'dequeue'],
};
const MODEL_LIST = MODELS.map((m) => JSON.stringify(m)).join(', ');

/** Parses the text of a history file. Errors are one line each: invalid JSON, then the first bad operation. */
export function parseHistoryText(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return parseHistory(json);
}

/** Validates an already-parsed JSON value and returns it typed as a History. */
export function parseHistory(json: unknown): ParseResult {
  if (!isRecord(json)) return fail(`history: expected a JSON object with "model" and "operations", got ${describe(json)}`);
  for (const field of Object.keys(json)) {
    if (field !== 'model' && field !== 'operations') {
      return fail(`history: unexpected field '${field}' (allowed: model, operations)`);
    }
  }
  const model = json['model'];
  if (model === undefined) return fail(`history: missing 'model' (one of ${MODEL_LIST})`);
  if (!isModelName(model)) return fail(`history: 'model' must be one of ${MODEL_LIST}, got ${describe(model)}`);
  const operations = json['operations'];
  if (operations === undefined) return fail(`history: missing 'operations' (an array)`);
  if (!Array.isArray(operations)) return fail(`history: 'operations' must be an array, got ${describe(operations)}`);
  for (let i = 0; i < operations.length; i++) {
    const error = operationError(model, operations[i] as unknown);
    if (error !== null) return fail(`operation ${i}: ${error}`);
  }
  // Every operation now has the shape of its model's operation type.
  const history = { model, operations } as History;
  const overlap = clientOverlapError(history.operations);
  if (overlap !== null) return fail(overlap);
  return { ok: true, history };
}

/** The error `parseHistory` would report for this history, or null. For histories built in code. */
export function validateHistory(history: History): string | null {
  const result = parseHistory(history);
  return result.ok ? null : result.error;
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}

/** What is wrong with one operation, or null. Checks fields in a fixed order so the message is stable. */
function operationError(model: ModelName, raw: unknown): string | null {
  if (!isRecord(raw)) return `expected an object, got ${describe(raw)}`;
  const op = raw['op'];
  if (op === undefined) return `missing 'op' (one of ${OPS_BY_MODEL[model].join(', ')})`;
  if (typeof op !== 'string') return `'op' must be a string, got ${describe(op)}`;
  if (!OPS_BY_MODEL[model].includes(op as OpName)) {
    return `unknown op '${op}' for model ${model} (expected one of ${OPS_BY_MODEL[model].join(', ')})`;
  }

  const client = raw['client'];
  if (client === undefined) return `missing 'client'`;
  if (!(typeof client === 'string' && client.length > 0) && !(typeof client === 'number' && Number.isSafeInteger(client))) {
    return `'client' must be an integer or a non-empty string, got ${describe(client)}`;
  }
  const call = raw['call'];
  if (call === undefined) return `missing 'call'`;
  if (typeof call !== 'number' || !Number.isFinite(call)) return `'call' must be a finite number, got ${describe(call)}`;
  if (!('return' in raw)) return `missing 'return' (a number, or null when the operation never returned)`;
  const ret = raw['return'];
  if (ret !== null && (typeof ret !== 'number' || !Number.isFinite(ret))) {
    return `'return' must be a finite number or null, got ${describe(ret)}`;
  }
  if (ret !== null && ret < call) return `'return' (${ret}) is before 'call' (${call})`;

  const allowed = ['op', 'client', 'call', 'return'];
  if (model === 'kv') {
    allowed.push('key');
    const key = raw['key'];
    if (key === undefined) return `missing 'key' (a string)`;
    if (typeof key !== 'string') return `'key' must be a string, got ${describe(key)}`;
  }

  const fieldsError = opFieldsError(model, op as OpName, raw, ret !== null, allowed);
  if (fieldsError !== null) return fieldsError;
  for (const field of Object.keys(raw)) {
    if (!allowed.includes(field)) return `unexpected field '${field}' for ${op} (allowed: ${allowed.join(', ')})`;
  }
  return null;
}

/**
 * A client runs one operation at a time. Sorting each client's operations by call, an overlap
 * always shows between neighbours, so one pass finds every overlapping pair; report the pair whose
 * later-listed operation comes first in the file.
 */
function clientOverlapError(operations: readonly Operation[]): string | null {
  const byClient = new Map<string, number[]>();
  operations.forEach((o, i) => {
    const id = clientKey(o.client);
    const list = byClient.get(id);
    if (list === undefined) byClient.set(id, [i]);
    else list.push(i);
  });
  let worst: { index: number; message: string } | null = null;
  for (const list of byClient.values()) {
    list.sort((a, b) => opAt(operations, a).call - opAt(operations, b).call || a - b);
    for (let k = 1; k < list.length; k++) {
      const a = list[k - 1]!;
      const b = list[k]!;
      const first = opAt(operations, a);
      const second = opAt(operations, b);
      const firstEnd = first.return ?? Infinity;
      if (firstEnd <= second.call) continue;
      const later = Math.max(a, b);
      const earlier = Math.min(a, b);
      if (worst !== null && worst.index <= later) continue;
      const e = opAt(operations, earlier);
      const l = opAt(operations, later);
      const span = e.return === null ? `called at ${e.call}, never returned` : `[${e.call}, ${e.return}]`;
      worst = {
        index: later,
        message:
          `operation ${later}: client ${JSON.stringify(l.client)} is still running operation ${earlier} (${span}) ` +
          `when this one is called at ${l.call}; a client runs one operation at a time`,
      };
    }
  }
  return worst === null ? null : worst.message;
}

function opAt(operations: readonly Operation[], i: number): Operation {
  const o = operations[i];
  if (o === undefined) throw new RangeError(`no operation ${i}`);
  return o;
}

/** Clients 3 and "3" are different clients; keep them apart in maps. */
export function clientKey(client: ClientId): string {
  return typeof client === 'number' ? `n:${client}` : `s:${client}`;
}

function isModelName(v: unknown): v is ModelName {
  return MODELS.includes(v as ModelName);
}

/**
 * One line describing an operation for people: `write "4"`, `read -> "4"`, `cas "4"->"7" -> ok`,
 * `dequeue -> null`, `txn read "x" -> "0", write "y" "2"`; `?` for an output that is not known.
 */
export function describeOperation(o: Operation): string {
  const key = 'key' in o ? `[${JSON.stringify(o.key)}] ` : '';
  const unknown = o.return === null;
  switch (o.op) {
    case 'read':
    case 'get':
    case 'dequeue':
      return `${o.op} ${key}-> ${unknown ? '?' : JSON.stringify(o.output ?? null)}`;
    case 'write':
    case 'put':
    case 'append':
    case 'add':
    case 'enqueue':
      return `${o.op} ${key}${JSON.stringify(o.value)}`;
    case 'cas':
      return `cas ${key}${JSON.stringify(o.expected)}->${JSON.stringify(o.value)} -> ${unknown ? '?' : o.output === true ? 'ok' : 'failed'}`;
    case 'acquire':
    case 'release':
      return o.op;
    case 'txn':
      return `txn ${o.value.length === 0 ? '(empty)' : o.value.map(describeMicroOp).join(', ')}`;
    default:
      return assertNever(o, 'operation');
  }
}

function describeMicroOp(m: MicroOp): string {
  switch (m[0]) {
    case 'read':
      return `read ${JSON.stringify(m[1])} -> ${m.length === 3 ? JSON.stringify(m[2]) : '?'}`;
    case 'write':
      return `write ${JSON.stringify(m[1])} ${JSON.stringify(m[2])}`;
    default:
      return assertNever(m, 'micro-op');
  }
}
