/**
 * Key to hash slot, exactly as Redis Cluster computes it (Redis Cluster specification,
 * "Keys distribution model" and "Hash tags"; `keyHashSlot` in Redis's cluster.c):
 *
 *   HASH_SLOT = CRC16(key) mod 16384
 *
 * except that when the key contains a hash tag, only the tag is hashed. The tag rule, on bytes:
 * find the FIRST `{`; find the FIRST `}` after it; if both exist and at least one byte lies
 * between them, hash only those bytes. Otherwise (no `{`, no `}` after it, or `{}` with
 * nothing inside) hash the whole key. Only the first `{` is ever considered: in `foo{}{bar}`
 * the first `{` opens an empty tag, so the whole key is hashed, even though `{bar}` follows.
 */
import { crc16, crc16OfString } from './crc16.ts';

/** Redis Cluster has exactly 16384 hash slots, numbered 0..16383. */
export const SLOT_COUNT = 16384;

/** The largest slot number. */
export const MAX_SLOT = SLOT_COUNT - 1;

/** 16384 is a power of two, so "mod 16384" is a mask (as Redis does: `& 0x3FFF`). */
const SLOT_MASK = SLOT_COUNT - 1;

const OPEN_BRACE = 0x7b; // '{'
const CLOSE_BRACE = 0x7d; // '}'

/**
 * The hash slot of a key. Strings are hashed as their UTF-8 bytes, so `keySlot(s)` always equals
 * `keySlot(new TextEncoder().encode(s))`.
 */
export function keySlot(key: string | Uint8Array): number {
  return typeof key === 'string' ? keySlotOfString(key) : keySlotOfBytes(key);
}

/** True for an integer in 0..16383. */
export function isValidSlot(slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot < SLOT_COUNT;
}

function keySlotOfBytes(key: Uint8Array): number {
  const open = key.indexOf(OPEN_BRACE);
  if (open === -1) return crc16(key) & SLOT_MASK;
  const close = key.indexOf(CLOSE_BRACE, open + 1);
  // No `}` after the first `{`, or an empty tag `{}`: the whole key is hashed.
  if (close === -1 || close === open + 1) return crc16(key) & SLOT_MASK;
  return crc16(key, open + 1, close) & SLOT_MASK;
}

/**
 * `{` and `}` are ASCII, and UTF-8 encodes every non-ASCII code point with bytes >= 0x80 only,
 * so the braces sit at the same places among the code units as among the UTF-8 bytes, and the
 * code units between them encode to exactly the bytes between them. The tag can therefore be
 * found on the string itself, and the hashed part is fed to the CRC as UTF-8 straight from its
 * code units (crc16OfString), without encoding it into a buffer.
 */
function keySlotOfString(key: string): number {
  const open = key.indexOf('{');
  if (open === -1) return crc16OfString(key) & SLOT_MASK;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return crc16OfString(key) & SLOT_MASK;
  return crc16OfString(key, open + 1, close) & SLOT_MASK;
}
