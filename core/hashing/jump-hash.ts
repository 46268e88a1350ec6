/**
 * Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
 * 2014): maps a 64-bit key to one of `buckets` buckets so that growing n to n+1 buckets moves
 * only about 1/(n+1) of the keys, all of them into the new bucket. The paper's reference code:
 *
 *   int32_t JumpConsistentHash(uint64_t key, int32_t num_buckets) {
 *     int64_t b = -1, j = 0;
 *     while (j < num_buckets) {
 *       b = j;
 *       key = key * 2862933555777941757ULL + 1;
 *       j = (b + 1) * (double(1LL << 31) / double((key >> 33) + 1));
 *     }
 *     return b;
 *   }
 *
 * A BigInt loop is slow (every step allocates), so the 64-bit LCG step runs on two uint32
 * halves: the low half times the multiplier's low half is done exactly in 16-bit pieces, the
 * cross terms only matter modulo 2^32 (Math.imul). The `j` line is the same IEEE double
 * arithmetic in JavaScript as in C, so results are bit-for-bit the reference's.
 */

/** 2862933555777941757 = 0x27BB2EE6_87B0B0FD, split into halves and the low half into 16-bit pieces. */
const MULTIPLIER_HI = 0x27bb2ee6;
const MULTIPLIER_LO = 0x87b0b0fd;
const MULTIPLIER_LO_0 = MULTIPLIER_LO & 0xffff;
const MULTIPLIER_LO_1 = MULTIPLIER_LO >>> 16;

const TWO_POW_31 = 2147483648;
const MAX_BUCKETS = 0x7fffffff; // int32_t num_buckets

/** The bucket of `key` (taken modulo 2^64) among `buckets` (an integer in 1..2^31-1). */
export function jumpHash(key: bigint, buckets: number): number {
  // Two BigInt operations, no more: each allocates, and they dominate the cost of a call.
  return jumpHashWords(Number(BigInt.asUintN(32, key >> 32n)), Number(BigInt.asUintN(32, key)), buckets);
}

/**
 * `jumpHash` for a key given as its high and low 32-bit halves (each an integer in 0..2^32-1),
 * for callers that already hold the key as numbers and want to skip BigInt entirely.
 */
export function jumpHashWords(keyHi: number, keyLo: number, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new RangeError(`buckets must be an integer in 1..${MAX_BUCKETS}, got ${buckets}`);
  }
  let hi = keyHi >>> 0;
  let lo = keyLo >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key * MULTIPLIER + 1 (mod 2^64).
    // Exact 64-bit product of lo * MULTIPLIER_LO from 16-bit pieces (each partial product < 2^32).
    const lo0 = lo & 0xffff;
    const lo1 = lo >>> 16;
    const p00 = lo0 * MULTIPLIER_LO_0;
    const p01 = lo0 * MULTIPLIER_LO_1;
    const p10 = lo1 * MULTIPLIER_LO_0;
    const p11 = lo1 * MULTIPLIER_LO_1;
    const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const productLo = (((middle & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
    const productHi = p11 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
    const nextLo = (productLo + 1) >>> 0;
    const carry = nextLo === 0 ? 1 : 0;
    // The cross terms land entirely in the high half, so only their low 32 bits count.
    hi = (productHi + Math.imul(hi, MULTIPLIER_LO) + Math.imul(lo, MULTIPLIER_HI) + carry) >>> 0;
    lo = nextLo;
    // (key >> 33) is the high half shifted by one.
    j = Math.floor((b + 1) * (TWO_POW_31 / ((hi >>> 1) + 1)));
  }
  return b;
}
