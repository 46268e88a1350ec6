/**
 * RESP on the wire and as JSON lines.
 *
 * `decodeResp` reads one reply of the RESP2 wire form (what `encodeResp` of core/cluster writes and
 * what redis-server sends), so a captured byte stream can be compared with the model's replies.
 * `replyToJson` / `replyFromJson` are the one-line JSON form of `npm run redis -- --script`:
 * `{"type": "status|error|integer|bulk|array", "value": ...}`, RESP's nil as a bulk whose value is
 * null, an error's value its full text with the code ("MOVED 3999 127.0.0.1:7002").
 */
import { assertNever } from '../contract/assert.ts';
import type { Reply } from '../cluster/resp.ts';

export type Decoded =
  | { readonly kind: 'reply'; readonly reply: Reply; readonly next: number }
  /** The bytes end before the reply does: read more and try again. */
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly message: string };

/** Nesting bound, so a hostile stream cannot exhaust the stack. */
const MAX_DEPTH = 64;
const CR = 13;
const LF = 10;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** One reply starting at `offset` of `bytes`. */
export function decodeResp(bytes: Uint8Array, offset = 0): Decoded {
  return decodeAt(bytes, offset, 0);
}

function decodeAt(bytes: Uint8Array, offset: number, depth: number): Decoded {
  if (depth > MAX_DEPTH) return { kind: 'invalid', message: `replies nested deeper than ${MAX_DEPTH}` };
  const line = readLine(bytes, offset);
  if (line === null) return { kind: 'incomplete' };
  const text = line.text.slice(1);
  switch (line.text[0]) {
    case '+':
      return { kind: 'reply', reply: { type: 'simple', value: text }, next: line.next };
    case '-':
      return { kind: 'reply', reply: { type: 'error', message: text }, next: line.next };
    case ':': {
      const value = parseInteger(text);
      if (value === null) return { kind: 'invalid', message: `bad integer ${JSON.stringify(text)}` };
      return { kind: 'reply', reply: { type: 'integer', value }, next: line.next };
    }
    case '_':
      return { kind: 'reply', reply: { type: 'null' }, next: line.next };
    case '$': {
      const length = parseLength(text, true);
      if (length === null || length < -1) return { kind: 'invalid', message: `bad bulk length ${JSON.stringify(text)}` };
      if (length === -1) return { kind: 'reply', reply: { type: 'null' }, next: line.next };
      const end = line.next + length;
      if (bytes.length < end + 2) return { kind: 'incomplete' };
      if (bytes[end] !== CR || bytes[end + 1] !== LF) return { kind: 'invalid', message: 'bulk string not followed by CRLF' };
      return { kind: 'reply', reply: { type: 'bulk', value: utf8.decode(bytes.subarray(line.next, end)) }, next: end + 2 };
    }
    case '*': {
      const count = parseLength(text, true);
      if (count === null || count < -1) return { kind: 'invalid', message: `bad array length ${JSON.stringify(text)}` };
      if (count === -1) return { kind: 'reply', reply: { type: 'null' }, next: line.next };
      const items: Reply[] = [];
      let next = line.next;
      for (let i = 0; i < count; i++) {
        const item = decodeAt(bytes, next, depth + 1);
        if (item.kind !== 'reply') return item;
        items.push(item.reply);
        next = item.next;
      }
      return { kind: 'reply', reply: { type: 'array', items }, next };
    }
    default:
      return { kind: 'invalid', message: `unknown reply type ${JSON.stringify(line.text.slice(0, 1))}` };
  }
}

function readLine(bytes: Uint8Array, offset: number): { text: string; next: number } | null {
  for (let i = offset; i + 1 < bytes.length; i++) {
    if (bytes[i] === CR && bytes[i + 1] === LF) return { text: utf8.decode(bytes.subarray(offset, i)), next: i + 2 };
  }
  return null;
}

function parseLength(text: string, signed: boolean): number | null {
  if (!(signed ? /^-?[0-9]+$/ : /^[0-9]+$/).test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * An integer reply, as the nearest double: replies are plain numbers, so beyond 2^53 the model and
 * a real server's replies are both rounded the same way (and a model reply at the int64 edge,
 * written from its double, may read one past the int64 range: still accepted).
 */
function parseInteger(text: string): number | null {
  return /^-?[0-9]{1,20}$/.test(text) ? Number(text) : null;
}

/** The JSON line form of a reply. */
export type JsonReply =
  | { readonly type: 'status'; readonly value: string }
  | { readonly type: 'error'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'bulk'; readonly value: string | null }
  | { readonly type: 'array'; readonly value: readonly JsonReply[] };

export function replyToJson(reply: Reply): JsonReply {
  switch (reply.type) {
    case 'simple':
      return { type: 'status', value: reply.value };
    case 'error':
      return { type: 'error', value: reply.message };
    case 'integer':
      return { type: 'integer', value: reply.value };
    case 'bulk':
      return { type: 'bulk', value: reply.value };
    case 'null':
      return { type: 'bulk', value: null };
    case 'array':
      return { type: 'array', value: reply.items.map(replyToJson) };
    default:
      return assertNever(reply, 'reply');
  }
}

/** The reply a JSON line stands for; throws a one-line RangeError naming what is wrong. */
export function replyFromJson(json: unknown, depth = 0): Reply {
  if (depth > MAX_DEPTH) throw new RangeError(`reply nested deeper than ${MAX_DEPTH}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RangeError('a reply is an object {"type", "value"}');
  const { type, value } = json as { type?: unknown; value?: unknown };
  switch (type) {
    case 'status':
      if (typeof value !== 'string') throw new RangeError('a status reply needs a string value');
      return { type: 'simple', value };
    case 'error':
      if (typeof value !== 'string') throw new RangeError('an error reply needs a string value');
      return { type: 'error', message: value };
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new RangeError('an integer reply needs an integer value');
      return { type: 'integer', value };
    case 'bulk':
      if (value === null) return { type: 'null' };
      if (typeof value !== 'string') throw new RangeError('a bulk reply needs a string or null value');
      return { type: 'bulk', value };
    case 'array':
      if (!Array.isArray(value)) throw new RangeError('an array reply needs an array value');
      return { type: 'array', items: value.map((item) => replyFromJson(item, depth + 1)) };
    default:
      throw new RangeError(`unknown reply type ${JSON.stringify(type)} (status, error, integer, bulk or array)`);
  }
}
