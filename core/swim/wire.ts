/**
 * The binary wire format of SWIM messages (ember's `message` module). A message is
 *
 *   version u8 | type u8 | from str | to str | fromEpoch u32 | fromIncarnation u32
 *   | toIncarnation u32 | seq u32 | body
 *
 * big-endian, where `str` is a u8 byte length (1..255) and UTF-8 bytes, and the body is by type:
 *
 *   ping      probe u32, updates
 *   ping-req  probe u32, flags u8 (bit 0: nack wanted), target str, targetIncarnation u32, updates
 *   ack       probe u32, updates
 *   nack      probe u32
 *   sync      flags u8 (bit 0: reply wanted), updates
 *
 * `updates` is a u16 count and that many of: kind u8 (0 alive, 1 suspect, 2 dead, 3 left), node str,
 * incarnation u32, and for suspect and dead the accuser: from str.
 *
 * The header binds a message to one life of each end (see node.ts): `fromEpoch` and `seq` are the
 * sender's replay nonce, `toIncarnation` is the receiver's incarnation as the sender knows it
 * (UNBOUND when it knows none: a join). `decode` never throws: it returns the message or a typed
 * error saying what is wrong and where.
 */
import { isUtf8 } from 'node:buffer';

export const WIRE_VERSION = 1;
/** `toIncarnation` of a message sent to a node whose incarnation the sender doesn't know (a join). */
export const UNBOUND = 0xffffffff;
export const MAX_U32 = 0xffffffff;
export const MAX_UPDATES = 0xffff;
export const MAX_ID_BYTES = 255;

export type UpdateKind = 'alive' | 'suspect' | 'dead' | 'left';

/** One piece of membership news, piggybacked on protocol messages or sent in bulk in a sync. */
export type Update =
  | { readonly kind: 'alive'; readonly node: string; readonly incarnation: number }
  | { readonly kind: 'suspect'; readonly node: string; readonly incarnation: number; readonly from: string }
  | { readonly kind: 'dead'; readonly node: string; readonly incarnation: number; readonly from: string }
  | { readonly kind: 'left'; readonly node: string; readonly incarnation: number };

export interface Header {
  readonly from: string;
  readonly to: string;
  /** The sender's incarnation when its current life began: with `seq`, the replay nonce. */
  readonly fromEpoch: number;
  /** The sender's incarnation now. */
  readonly fromIncarnation: number;
  /** The receiver's incarnation as the sender knows it, or UNBOUND. */
  readonly toIncarnation: number;
  /** The sender's message counter in this life; 0 on unsequenced messages (sync). */
  readonly seq: number;
}

export type Body =
  | { readonly type: 'ping'; readonly probe: number; readonly updates: readonly Update[] }
  | { readonly type: 'ping-req'; readonly probe: number; readonly nack: boolean; readonly target: string; readonly targetIncarnation: number; readonly updates: readonly Update[] }
  | { readonly type: 'ack'; readonly probe: number; readonly updates: readonly Update[] }
  | { readonly type: 'nack'; readonly probe: number }
  | { readonly type: 'sync'; readonly reply: boolean; readonly updates: readonly Update[] };

export type WireMessage = Header & Body;
export type MessageType = Body['type'];

export type DecodeError =
  /** The input ended `needed` bytes short of a field that starts at `offset`. */
  | { readonly kind: 'truncated'; readonly offset: number; readonly needed: number }
  | { readonly kind: 'bad-version'; readonly version: number }
  | { readonly kind: 'unknown-type'; readonly what: 'message' | 'update'; readonly code: number; readonly offset: number }
  /** A declared length that can't be right: an empty or over-long id, more updates than bytes left. */
  | { readonly kind: 'bad-length'; readonly what: string; readonly length: number; readonly offset: number }
  | { readonly kind: 'bad-utf8'; readonly what: string; readonly offset: number }
  /** A field whose value is out of its domain (flag bits that mean nothing). */
  | { readonly kind: 'bad-value'; readonly what: string; readonly value: number; readonly offset: number }
  | { readonly kind: 'trailing-bytes'; readonly count: number; readonly offset: number };

export type DecodeResult = { readonly ok: true; readonly value: WireMessage } | { readonly ok: false; readonly error: DecodeError };

const typeCodes: Readonly<Record<MessageType, number>> = { ping: 1, 'ping-req': 2, ack: 3, nack: 4, sync: 5 };
const typeNames: readonly (MessageType | undefined)[] = [undefined, 'ping', 'ping-req', 'ack', 'nack', 'sync'];
const updateCodes: Readonly<Record<UpdateKind, number>> = { alive: 0, suspect: 1, dead: 2, left: 3 };
const updateNames: readonly UpdateKind[] = ['alive', 'suspect', 'dead', 'left'];
/** The smallest encoded update: kind, a one-byte id, an incarnation. */
const MIN_UPDATE_BYTES = 1 + 2 + 4;

// ---------------------------------------------------------------------------------------------
// Encoding. Encoding a message that can't be represented (an id of 0 or >255 bytes, a number out
// of u32 range, too many updates) is a programming error: it throws a RangeError.
// ---------------------------------------------------------------------------------------------

function utf8Length(s: string): number {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) { ascii = false; break; }
  return ascii ? s.length : Buffer.byteLength(s, 'utf8');
}

function idLength(s: string, what: string): number {
  const n = utf8Length(s);
  if (n < 1 || n > MAX_ID_BYTES) throw new RangeError(`encode: ${what} must be 1..${MAX_ID_BYTES} UTF-8 bytes, got ${n}`);
  return n;
}

function updatesLength(updates: readonly Update[]): number {
  if (updates.length > MAX_UPDATES) throw new RangeError(`encode: at most ${MAX_UPDATES} updates, got ${updates.length}`);
  let n = 2;
  for (const u of updates) {
    n += 1 + 1 + idLength(u.node, 'update node') + 4;
    if (u.kind === 'suspect' || u.kind === 'dead') n += 1 + idLength(u.from, 'update from');
  }
  return n;
}

function bodyLength(m: WireMessage): number {
  switch (m.type) {
    case 'ping':
    case 'ack':
      return 4 + updatesLength(m.updates);
    case 'ping-req':
      return 4 + 1 + 1 + idLength(m.target, 'target') + 4 + updatesLength(m.updates);
    case 'nack':
      return 4;
    case 'sync':
      return 1 + updatesLength(m.updates);
  }
}

class Writer {
  offset = 0;
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): void {
    this.bytes[this.offset++] = v;
  }
  u16(v: number): void {
    this.view.setUint16(this.offset, v);
    this.offset += 2;
  }
  u32(v: number, what: string): void {
    if (!(Number.isInteger(v) && v >= 0 && v <= MAX_U32)) throw new RangeError(`encode: ${what} must be a u32, got ${v}`);
    this.view.setUint32(this.offset, v);
    this.offset += 4;
  }
  str(s: string): void {
    const start = this.offset++;
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) { ascii = false; break; }
      this.bytes[this.offset + i] = c;
    }
    const n = ascii ? s.length : Buffer.from(this.bytes.buffer, this.offset).write(s, 'utf8');
    this.bytes[start] = n;
    this.offset += n;
  }
  updates(updates: readonly Update[]): void {
    this.u16(updates.length);
    for (const u of updates) {
      this.u8(updateCodes[u.kind]);
      this.str(u.node);
      this.u32(u.incarnation, 'update incarnation');
      if (u.kind === 'suspect' || u.kind === 'dead') this.str(u.from);
    }
  }
}

export function encode(m: WireMessage): Uint8Array {
  const length = 2 + 1 + idLength(m.from, 'from') + 1 + idLength(m.to, 'to') + 16 + bodyLength(m);
  const w = new Writer(length);
  w.u8(WIRE_VERSION);
  w.u8(typeCodes[m.type]);
  w.str(m.from);
  w.str(m.to);
  w.u32(m.fromEpoch, 'fromEpoch');
  w.u32(m.fromIncarnation, 'fromIncarnation');
  w.u32(m.toIncarnation, 'toIncarnation');
  w.u32(m.seq, 'seq');
  switch (m.type) {
    case 'ping':
    case 'ack':
      w.u32(m.probe, 'probe');
      w.updates(m.updates);
      break;
    case 'ping-req':
      w.u32(m.probe, 'probe');
      w.u8(m.nack ? 1 : 0);
      w.str(m.target);
      w.u32(m.targetIncarnation, 'targetIncarnation');
      w.updates(m.updates);
      break;
    case 'nack':
      w.u32(m.probe, 'probe');
      break;
    case 'sync':
      w.u8(m.reply ? 1 : 0);
      w.updates(m.updates);
      break;
  }
  if (w.offset !== length) throw new Error(`encode: wrote ${w.offset} bytes, expected ${length}`);
  return w.bytes;
}

// ---------------------------------------------------------------------------------------------
// Decoding: a cursor that records the first error and returns a harmless value after it, so the
// parser reads straight through; the caller checks `error` at the end of each structure.
// ---------------------------------------------------------------------------------------------

class Reader {
  offset = 0;
  error: DecodeError | null = null;
  constructor(private readonly bytes: Uint8Array) {}

  private need(n: number): boolean {
    if (this.error) return false;
    if (this.offset + n > this.bytes.length) {
      this.error = { kind: 'truncated', offset: this.offset, needed: this.offset + n - this.bytes.length };
      return false;
    }
    return true;
  }
  get remaining(): number {
    return this.bytes.length - this.offset;
  }
  u8(): number {
    if (!this.need(1)) return 0;
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    if (!this.need(2)) return 0;
    const b = this.bytes;
    const v = (b[this.offset]! << 8) | b[this.offset + 1]!;
    this.offset += 2;
    return v;
  }
  u32(): number {
    if (!this.need(4)) return 0;
    const b = this.bytes;
    const o = this.offset;
    const v = b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
    this.offset += 4;
    return v;
  }
  str(what: string): string {
    const at = this.offset;
    const n = this.u8();
    if (this.error) return '';
    if (n === 0) {
      this.error = { kind: 'bad-length', what, length: 0, offset: at };
      return '';
    }
    if (!this.need(n)) return '';
    const b = this.bytes;
    const start = this.offset;
    let ascii = true;
    for (let i = start; i < start + n; i++) if (b[i]! >= 0x80) { ascii = false; break; }
    this.offset += n;
    if (ascii) {
      let out = '';
      for (let i = start; i < start + n; i++) out += String.fromCharCode(b[i]!);
      return out;
    }
    const slice = Buffer.from(b.buffer, b.byteOffset + start, n);
    if (!isUtf8(slice)) {
      this.error = { kind: 'bad-utf8', what, offset: start };
      return '';
    }
    return slice.toString('utf8');
  }
  updates(): Update[] {
    const at = this.offset;
    const count = this.u16();
    if (this.error) return [];
    if (count * MIN_UPDATE_BYTES > this.remaining) {
      this.error = { kind: 'bad-length', what: 'update count', length: count, offset: at };
      return [];
    }
    const out: Update[] = [];
    for (let k = 0; k < count && !this.error; k++) {
      const codeAt = this.offset;
      const code = this.u8();
      const kind = updateNames[code];
      if (this.error) break;
      if (kind === undefined) {
        this.error = { kind: 'unknown-type', what: 'update', code, offset: codeAt };
        break;
      }
      const node = this.str('update node');
      const incarnation = this.u32();
      if (kind === 'suspect' || kind === 'dead') {
        const from = this.str('update from');
        out.push({ kind, node, incarnation, from });
      } else {
        out.push({ kind, node, incarnation });
      }
    }
    return out;
  }
  flags(what: string, allowed: number): number {
    const at = this.offset;
    const v = this.u8();
    if (!this.error && (v & ~allowed) !== 0) this.error = { kind: 'bad-value', what, value: v, offset: at };
    return v;
  }
}

/** The message `bytes` hold, or the first thing wrong with them. Never throws. */
export function decode(bytes: Uint8Array): DecodeResult {
  const r = new Reader(bytes);
  const version = r.u8();
  if (r.error) return { ok: false, error: r.error };
  if (version !== WIRE_VERSION) return { ok: false, error: { kind: 'bad-version', version } };
  const typeAt = r.offset;
  const code = r.u8();
  if (r.error) return { ok: false, error: r.error };
  const type = typeNames[code];
  if (type === undefined) return { ok: false, error: { kind: 'unknown-type', what: 'message', code, offset: typeAt } };
  const from = r.str('from');
  const to = r.str('to');
  const fromEpoch = r.u32();
  const fromIncarnation = r.u32();
  const toIncarnation = r.u32();
  const seq = r.u32();
  let value: WireMessage;
  switch (type) {
    case 'ping':
    case 'ack': {
      const probe = r.u32();
      const updates = r.updates();
      value = { from, to, fromEpoch, fromIncarnation, toIncarnation, seq, type, probe, updates };
      break;
    }
    case 'ping-req': {
      const probe = r.u32();
      const flags = r.flags('ping-req flags', 1);
      const target = r.str('target');
      const targetIncarnation = r.u32();
      const updates = r.updates();
      value = { from, to, fromEpoch, fromIncarnation, toIncarnation, seq, type, probe, nack: (flags & 1) === 1, target, targetIncarnation, updates };
      break;
    }
    case 'nack':
      value = { from, to, fromEpoch, fromIncarnation, toIncarnation, seq, type, probe: r.u32() };
      break;
    case 'sync': {
      const flags = r.flags('sync flags', 1);
      const updates = r.updates();
      value = { from, to, fromEpoch, fromIncarnation, toIncarnation, seq, type, reply: (flags & 1) === 1, updates };
      break;
    }
  }
  if (r.error) return { ok: false, error: r.error };
  if (r.remaining > 0) return { ok: false, error: { kind: 'trailing-bytes', count: r.remaining, offset: r.offset } };
  return { ok: true, value };
}

/** One line for a decode error, for observations and reports. */
export function describeDecodeError(e: DecodeError): string {
  switch (e.kind) {
    case 'truncated':
      return `truncated: ${e.needed} more byte(s) needed at offset ${e.offset}`;
    case 'bad-version':
      return `bad version ${e.version} (expected ${WIRE_VERSION})`;
    case 'unknown-type':
      return `unknown ${e.what} type ${e.code} at offset ${e.offset}`;
    case 'bad-length':
      return `bad length ${e.length} of ${e.what} at offset ${e.offset}`;
    case 'bad-utf8':
      return `${e.what} is not UTF-8 (offset ${e.offset})`;
    case 'bad-value':
      return `bad ${e.what} ${e.value} at offset ${e.offset}`;
    case 'trailing-bytes':
      return `${e.count} trailing byte(s) at offset ${e.offset}`;
  }
}
