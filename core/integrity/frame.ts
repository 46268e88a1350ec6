/**
 * The wire format of the sealed log: every message is a `Uint8Array`, a small JSON header
 * authenticated by HMAC-SHA256, followed by sealed entries that carry their own HMAC (seal.ts), as
 * amaters authenticates each log entry rather than each message:
 *
 *   header length u16 | header (JSON, UTF-8) | header HMAC (32) | entry count u16 | (entry length u16 | sealed entry)*
 *
 * A byte flipped in the header or its MAC fails the header check; a byte flipped inside an entry
 * fails that entry's own check, which the receiver must make before applying it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LogKeys } from './seal.ts';

export type FrameHeader =
  /** Primary -> replica: entries from prevIndex + 1 on (maybe none: a heartbeat). Bound to the replica's incarnation. */
  | { readonly type: 'append'; readonly term: number; readonly toInc: number; readonly prevIndex: number }
  /** Primary -> replica whose incarnation it doesn't know: answered without any change of state. */
  | { readonly type: 'probe'; readonly term: number }
  /** Replica -> primary: its incarnation and log length. Bound to the primary's term. */
  | { readonly type: 'status'; readonly toTerm: number; readonly inc: number; readonly lastIndex: number };

export interface Frame {
  readonly header: FrameHeader;
  readonly entries: readonly Uint8Array[];
}

const MAC_BYTES = 32;
const MAX_ENTRIES = 256;
const DOMAIN = Buffer.from('amaters/frame\u0000', 'utf8');

function headerMac(keys: LogKeys, header: Buffer): Buffer {
  return createHmac('sha256', keys.mac).update(DOMAIN).update(header).digest();
}

export function encodeFrame(keys: LogKeys, header: FrameHeader, entries: readonly Uint8Array[] = []): Uint8Array {
  if (entries.length > MAX_ENTRIES) throw new RangeError(`encodeFrame: ${entries.length} entries, at most ${MAX_ENTRIES}`);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const parts: Buffer[] = [u16(json.length), json, headerMac(keys, json), u16(entries.length)];
  for (const e of entries) parts.push(u16(e.length), Buffer.from(e.buffer, e.byteOffset, e.byteLength));
  return new Uint8Array(Buffer.concat(parts));
}

export type DecodeResult = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly reason: string };

/** Parses a frame and checks its header MAC (not the entries'). Never throws. */
export function decodeFrame(keys: LogKeys, message: unknown): DecodeResult {
  if (!(message instanceof Uint8Array)) return { ok: false, reason: 'not a binary message' };
  const b = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let at = 0;
  const need = (n: number) => at + n <= b.length;
  if (!need(2)) return { ok: false, reason: 'truncated header length' };
  const jsonLength = b.readUInt16BE(at);
  at += 2;
  if (!need(jsonLength + MAC_BYTES)) return { ok: false, reason: 'truncated header' };
  const json = b.subarray(at, at + jsonLength);
  at += jsonLength;
  const mac = b.subarray(at, at + MAC_BYTES);
  at += MAC_BYTES;
  if (!timingSafeEqual(headerMac(keys, json), mac)) return { ok: false, reason: 'header HMAC mismatch' };
  const header = parseHeader(json.toString('utf8'));
  if (header === null) return { ok: false, reason: 'malformed header' };
  if (!need(2)) return { ok: false, reason: 'truncated entry count' };
  const count = b.readUInt16BE(at);
  at += 2;
  if (count > MAX_ENTRIES) return { ok: false, reason: `${count} entries` };
  const entries: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    if (!need(2)) return { ok: false, reason: `truncated length of entry ${k}` };
    const length = b.readUInt16BE(at);
    at += 2;
    if (!need(length)) return { ok: false, reason: `truncated entry ${k}` };
    entries.push(new Uint8Array(b.subarray(at, at + length)));
    at += length;
  }
  if (at !== b.length) return { ok: false, reason: `${b.length - at} trailing bytes` };
  return { ok: true, frame: { header, entries } };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseHeader(text: string): FrameHeader | null {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof h !== 'object' || h === null) return null;
  const o = h as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  switch (o.type) {
    case 'append':
      return keys === 'prevIndex,term,toInc,type' && count(o.term) && count(o.toInc) && count(o.prevIndex) ? { type: 'append', term: o.term, toInc: o.toInc, prevIndex: o.prevIndex } : null;
    case 'probe':
      return keys === 'term,type' && count(o.term) ? { type: 'probe', term: o.term } : null;
    case 'status':
      return keys === 'inc,lastIndex,toTerm,type' && count(o.toTerm) && count(o.inc) && count(o.lastIndex) ? { type: 'status', toTerm: o.toTerm, inc: o.inc, lastIndex: o.lastIndex } : null;
    default:
      return null;
  }
}
