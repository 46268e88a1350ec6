/**
 * Replies in the shapes of RESP (the Redis serialization protocol), as plain data.
 *
 * Errors carry their full text including the code ("ERR Invalid or out of range slot",
 * "MOVED 3999 127.0.0.1:6381"), without the leading "-" of the wire form. Redis's addReplyError
 * prepends "ERR " unless the message brings its own code; `errorReply` does the same.
 */
import { assertNever } from '../contract/assert.ts';

export type Reply =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'bulk'; readonly value: string }
  | { readonly type: 'array'; readonly items: readonly Reply[] }
  | { readonly type: 'null' };

export const OK: Reply = Object.freeze({ type: 'simple', value: 'OK' });
export const NULL_REPLY: Reply = Object.freeze({ type: 'null' });

export function simpleReply(value: string): Reply {
  return { type: 'simple', value };
}

/** An error with the generic "ERR" code, as Redis's addReplyError(c, message). */
export function errorReply(message: string): Reply {
  return { type: 'error', message: `ERR ${message}` };
}

/** An error with its own code word, e.g. errorWithCode('IOERR', '...'). */
export function errorWithCode(code: string, message: string): Reply {
  return { type: 'error', message: `${code} ${message}` };
}

export function integerReply(value: number): Reply {
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer reply out of range: ${value}`);
  return { type: 'integer', value };
}

export function bulkReply(value: string): Reply {
  return { type: 'bulk', value };
}

export function arrayReply(items: readonly Reply[]): Reply {
  return { type: 'array', items };
}

const utf8 = new TextEncoder();

/**
 * The RESP2 wire form (what redis-cli reads): "+OK\r\n", "-ERR ...\r\n", ":42\r\n",
 * "$5\r\nhello\r\n" (the length counts UTF-8 bytes), "*2\r\n..." and the null bulk "$-1\r\n".
 */
export function encodeResp(reply: Reply): string {
  switch (reply.type) {
    case 'simple':
      return `+${reply.value}\r\n`;
    case 'error':
      return `-${reply.message}\r\n`;
    case 'integer':
      return `:${reply.value}\r\n`;
    case 'bulk':
      return `$${utf8.encode(reply.value).length}\r\n${reply.value}\r\n`;
    case 'array':
      return `*${reply.items.length}\r\n${reply.items.map(encodeResp).join('')}`;
    case 'null':
      return '$-1\r\n';
    default:
      return assertNever(reply);
  }
}

