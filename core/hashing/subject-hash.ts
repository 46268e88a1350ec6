/**
 * Subject to 64-bit hash, and subject to shard, as stemedb routes data (its README: "Subject
 * string is hashed using BLAKE3; jump hash maps hash to shard ID").
 *
 * The choice of bits, fixed here because shard placement depends on it: the BLAKE3 digest of the
 * subject's UTF-8 bytes, of which the first 8 bytes are read as an unsigned little-endian
 * integer (what stemedb's `u64::from_le_bytes(hash[..8])` gives).
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { jumpHashWords } from './jump-hash.ts';

const utf8 = new TextEncoder();

/** The two 32-bit halves of the subject's 64-bit hash. */
export interface HashWords {
  readonly hi: number;
  readonly lo: number;
}

/** BLAKE3(UTF-8(subject)), first 8 bytes, little-endian, as halves. */
export function hashSubjectWords(subject: string): HashWords {
  const digest = blake3(utf8.encode(subject));
  const lo = (digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) >>> 0;
  const hi = (digest[4]! | (digest[5]! << 8) | (digest[6]! << 16) | (digest[7]! << 24)) >>> 0;
  return { hi, lo };
}

/** BLAKE3(UTF-8(subject)), first 8 bytes read as an unsigned little-endian 64-bit integer. */
export function hashSubject(subject: string): bigint {
  const { hi, lo } = hashSubjectWords(subject);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The shard (0..shardCount-1) of a subject: jump hash of its BLAKE3 hash. */
export function shardForSubject(subject: string, shardCount: number): number {
  const { hi, lo } = hashSubjectWords(subject);
  return jumpHashWords(hi, lo, shardCount);
}
