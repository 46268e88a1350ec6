/**
 * The fields each kind of operation carries beyond `op`, `client`, `call`, `return` (and `key`
 * for kv), checked for history.ts's parser. Every error is one phrase about one field, which the
 * parser prefixes with the operation's index; fields are checked in a fixed order so the message
 * for a given file never changes.
 *
 * The rule shared by every model: what an operation was asked to do (`value`, `expected`) is always
 * there; what it returned (`output`) is there exactly when it returned, because the output of an
 * operation that never returned is unknown, and for some outputs null already means something
 * ("never written", "the queue was empty").
 */
import { assertNever } from '../../core/contract/assert.ts';
import type { ModelName, OpName } from './history.ts';

/**
 * What is wrong with the op-specific fields of `raw`, or null. Pushes the names of the fields the
 * op may have onto `allowed`, so the caller can reject any other.
 */
export function opFieldsError(model: ModelName, op: OpName, raw: Record<string, unknown>, returned: boolean, allowed: string[]): string | null {
  switch (op) {
    case 'read':
      allowed.push('output');
      // The register's read sees one value; the set's sees the whole set.
      return model === 'set'
        ? outputError(raw, returned, op, 'an array of strings (the whole set)', isStringArray)
        : outputError(raw, returned, op, 'a string, or null when never written', isStringOrNull);
    case 'get':
      allowed.push('output');
      return outputError(raw, returned, op, 'a string, or null when never written', isStringOrNull);
    case 'dequeue':
      allowed.push('output');
      return outputError(raw, returned, op, 'a string, or null when the queue was empty', isStringOrNull);
    case 'write':
    case 'put':
    case 'append':
    case 'add':
    case 'enqueue':
      allowed.push('value');
      return stringFieldError(raw, 'value');
    case 'cas':
      allowed.push('expected', 'value', 'output');
      return (
        stringFieldError(raw, 'expected') ??
        stringFieldError(raw, 'value') ??
        outputError(raw, returned, op, 'true or false', (v) => typeof v === 'boolean')
      );
    case 'acquire':
    case 'release':
      // No output: an attempt that failed did not happen, and is left out of the file.
      return null;
    case 'txn':
      allowed.push('value');
      return txnError(raw['value'], returned);
    default:
      return assertNever(op, 'op');
  }
}

const MICRO_SHAPES = '["read", key, value], ["read", key] or ["write", key, value]';

/** A txn's `value`: an array of micro-ops, each one of MICRO_SHAPES with string keys and values. */
function txnError(value: unknown, returned: boolean): string | null {
  if (value === undefined) return `missing 'value' (an array of micro-ops: ${MICRO_SHAPES})`;
  if (!Array.isArray(value)) return `'value' of a txn must be an array of micro-ops, got ${describe(value)}`;
  for (let m = 0; m < value.length; m++) {
    const micro: unknown = value[m];
    const where = `micro-op ${m} of the txn`;
    if (!Array.isArray(micro) || micro.length < 2 || micro.length > 3) {
      return `${where} must be one of ${MICRO_SHAPES}, got ${describeMicro(micro)}`;
    }
    const [f, key] = micro as unknown[];
    if (f !== 'read' && f !== 'write') return `${where}: unknown function ${describe(f)} (expected "read" or "write")`;
    if (typeof key !== 'string') return `${where}: the key must be a string, got ${describe(key)}`;
    if (f === 'write') {
      if (micro.length !== 3) return `${where}: a write needs a value: ["write", ${JSON.stringify(key)}, value]`;
      if (typeof micro[2] !== 'string') return `${where}: the value written must be a string, got ${describe(micro[2])}`;
      continue;
    }
    if (micro.length === 2) continue;
    // What a read saw is an output: unknown when the transaction never returned.
    if (!returned) {
      return `${where}: a txn that never returned has no known output; write its read as ["read", ${JSON.stringify(key)}]`;
    }
    if (!isStringOrNull(micro[2])) return `${where}: the value read must be a string, or null when never written, got ${describe(micro[2])}`;
  }
  return null;
}

function outputError(
  raw: Record<string, unknown>,
  returned: boolean,
  op: string,
  expectedShape: string,
  isValid: (v: unknown) => boolean,
): string | null {
  const present = 'output' in raw;
  if (!returned) {
    // Knowing the output of an operation that never returned is a contradiction; for a read,
    // null would even be read as "never written", so refuse rather than guess.
    return present ? `'output' given but 'return' is null (an operation that never returned has no known output)` : null;
  }
  if (!present) return `missing 'output' (a ${op} that returned needs 'output': ${expectedShape})`;
  const output = raw['output'];
  if (!isValid(output)) return `'output' of a ${op} must be ${expectedShape}, got ${describe(output)}`;
  return null;
}

function stringFieldError(raw: Record<string, unknown>, field: string): string | null {
  const v = raw[field];
  if (v === undefined) return `missing '${field}' (a string)`;
  if (typeof v !== 'string') return `'${field}' must be a string, got ${describe(v)}`;
  return null;
}

function isStringOrNull(v: unknown): boolean {
  return v === null || typeof v === 'string';
}

function isStringArray(v: unknown): boolean {
  return Array.isArray(v) && v.every((e) => typeof e === 'string');
}

/** A short rendering of a malformed micro-op: small arrays are shown, anything else described. */
function describeMicro(v: unknown): string {
  if (Array.isArray(v) && v.length <= 4) {
    const text = JSON.stringify(v);
    if (text.length <= 60) return text;
  }
  return describe(v);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isFinite(v) ? `number ${v}` : `${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}
