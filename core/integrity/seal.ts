/**
 * Sealed log entries, as amaters protects its Raft log payloads: the payload is encrypted with
 * AES-256-GCM, and the whole entry is authenticated with HMAC-SHA256 (encrypt-then-MAC; amaters'
 * EntryEncryptor and LogIntegrityVerifier). node:crypto is pure computation here.
 *
 * The IV is derived, never drawn: 4 bytes of the term then 8 bytes of the index (big-endian). A
 * term's writer creates each index once, and a writer that restarts takes a new term before it
 * writes, so an (key, IV) pair is never used for two plaintexts.
 *
 * Layout of a sealed entry (big-endian):
 *
 *   magic 0xA5 (1) | term u32 (4) | index u32 (4) | length u16 (2) | ciphertext (length) | GCM tag (16) | HMAC (32)
 *
 * The first 11 bytes are the GCM additional data; the HMAC covers everything before it.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export const MAGIC = 0xa5;
export const HEADER_BYTES = 11;
export const TAG_BYTES = 16;
export const MAC_BYTES = 32;
const MAX_PAYLOAD_BYTES = 0xffff;

export interface LogKeys {
  /** AES-256 key (32 bytes). */
  readonly enc: KeyObject;
  /** HMAC-SHA256 key (32 bytes). */
  readonly mac: KeyObject;
}

/** Two independent keys from one cluster secret (HMAC-SHA256 as a KDF with distinct labels). */
export function deriveKeys(secret: string): LogKeys {
  if (secret.length === 0) throw new RangeError('deriveKeys: the secret must not be empty');
  const kdf = (label: string) => createSecretKey(createHmac('sha256', secret).update(label).digest());
  return { enc: kdf('amaters/log/aes-256-gcm'), mac: kdf('amaters/log/hmac-sha256') };
}

/** The deterministic 12-byte GCM IV of (term, index). */
export function entryIv(term: number, index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(term, 0);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

export interface PlainEntry {
  readonly term: number;
  readonly index: number;
  readonly value: string;
}

export function sealEntry(keys: LogKeys, entry: PlainEntry): Uint8Array {
  if (!Number.isInteger(entry.term) || entry.term < 1 || entry.term > 0xffffffff) throw new RangeError(`sealEntry: bad term ${entry.term}`);
  if (!Number.isInteger(entry.index) || entry.index < 1 || entry.index > 0xffffffff) throw new RangeError(`sealEntry: bad index ${entry.index}`);
  const plaintext = Buffer.from(entry.value, 'utf8');
  if (plaintext.length > MAX_PAYLOAD_BYTES) throw new RangeError(`sealEntry: payload of ${plaintext.length} bytes is too long`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC, 0);
  header.writeUInt32BE(entry.term, 1);
  header.writeUInt32BE(entry.index, 5);
  header.writeUInt16BE(plaintext.length, 9);
  const cipher = createCipheriv('aes-256-gcm', keys.enc, entryIv(entry.term, entry.index));
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const body = Buffer.concat([header, ciphertext, tag]);
  const mac = createHmac('sha256', keys.mac).update(body).digest();
  return new Uint8Array(Buffer.concat([body, mac]));
}

export type OpenResult = { readonly ok: true; readonly entry: PlainEntry } | { readonly ok: false; readonly reason: string };

/**
 * Verifies and decrypts a sealed entry: layout, HMAC (constant-time), then GCM with its tag. Never
 * throws. With `verify: false` (the documented 'apply-unverified' bug) it reads whatever the bytes
 * say: no length check, no HMAC, and GCM decryption without the tag check (CTR mode in effect), so
 * a damaged ciphertext decrypts to damaged plaintext.
 */
export function openEntry(keys: LogKeys, bytes: Uint8Array, verify = true): OpenResult {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER_BYTES) return { ok: false, reason: `${b.length} bytes: shorter than a header` };
  const term = b.readUInt32BE(1);
  const index = b.readUInt32BE(5);
  const length = b.readUInt16BE(9);
  const header = b.subarray(0, HEADER_BYTES);
  if (!verify) {
    const ciphertext = b.subarray(HEADER_BYTES, Math.min(b.length, HEADER_BYTES + length));
    if (term < 1) return { ok: false, reason: 'term 0' };
    const decipher = createDecipheriv('aes-256-gcm', keys.enc, entryIv(term, index));
    decipher.setAAD(header);
    return { ok: true, entry: { term, index, value: decipher.update(ciphertext).toString('utf8') } };
  }
  if (b[0] !== MAGIC) return { ok: false, reason: 'bad magic byte' };
  if (b.length !== HEADER_BYTES + length + TAG_BYTES + MAC_BYTES) return { ok: false, reason: `length ${b.length} does not match a ${length}-byte payload` };
  if (term < 1 || index < 1) return { ok: false, reason: `term ${term} or index ${index} out of range` };
  const macAt = b.length - MAC_BYTES;
  const expected = createHmac('sha256', keys.mac).update(b.subarray(0, macAt)).digest();
  if (!timingSafeEqual(expected, b.subarray(macAt))) return { ok: false, reason: 'HMAC mismatch' };
  const decipher = createDecipheriv('aes-256-gcm', keys.enc, entryIv(term, index));
  decipher.setAAD(header);
  decipher.setAuthTag(b.subarray(HEADER_BYTES + length, macAt));
  try {
    const plaintext = Buffer.concat([decipher.update(b.subarray(HEADER_BYTES, HEADER_BYTES + length)), decipher.final()]);
    return { ok: true, entry: { term, index, value: plaintext.toString('utf8') } };
  } catch {
    return { ok: false, reason: 'GCM authentication failed' };
  }
}

/** Lower-case hex: how an entry is stored as a disk record. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict hex (even length, only 0-9a-f), or null. `strict: false` is Node's lenient parse: it stops at the first bad pair. */
export function fromHex(text: string, strict = true): Uint8Array | null {
  if (strict && (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text))) return null;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** A short fingerprint of a payload, for checkers: the first 16 hex digits of its SHA-256. */
export function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);
}
