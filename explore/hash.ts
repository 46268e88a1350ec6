/**
 * 64-bit hashes of canonical values for the explorer: two 32-bit lanes, computed over a JSON tree
 * without building its text or sorting anything (an object is the multiset of its entries), and,
 * for symmetry reduction, the hashes under every permutation of some node ids in one walk.
 */

/** A 64-bit hash as two 32-bit lanes. */
export interface Hash64 {
  h1: number;
  h2: number;
}

import { fmix32, mix32 } from '../sim/mix.ts';

export { fmix32, mix32 };

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

// Tags that keep values of different types apart.
const T_NULL = 0x1f3a6b21;
const T_FALSE = 0x2b7e1516;
const T_TRUE = 0x28aed2a6;
const T_NUM = 0x3c4fcf4f;
const T_STR = 0x09cf4f3c;
const T_ARR = 0x76e8b1d3;
const T_OBJ = 0x5a827999;
const T_BYTES = 0x6ed9eba1;
const T_SET = 0x8f1bbcdc | 0;

// The result of the last hashing call (two lanes), to keep the recursion free of small objects.
let r1 = 0;
let r2 = 0;

/** Strings: two lanes over pairs of characters. */
function hashString2(str: string): void {
  let a = T_STR;
  let b = T_STR ^ 0x3c6ef372;
  const n = str.length;
  let k = 0;
  for (; k + 1 < n; k += 2) {
    const v = str.charCodeAt(k) | (str.charCodeAt(k + 1) << 16);
    a = mix32(a, v);
    b = mix32(b, v ^ 0x7f4a7c15);
  }
  if (k < n) {
    const v = str.charCodeAt(k);
    a = mix32(a, v);
    b = mix32(b, v ^ 0x7f4a7c15);
  }
  r1 = fmix32(a ^ n);
  r2 = fmix32(b ^ ~n);
}

function hashNumber2(x: number): void {
  let lo: number;
  let hi: number;
  if ((x | 0) === x) {
    lo = x;
    hi = 0;
  } else {
    f64[0] = x;
    lo = u32[0]! | 0;
    hi = u32[1]! | 0;
  }
  r1 = fmix32(mix32(mix32(T_NUM, lo), hi));
  r2 = fmix32(mix32(mix32(T_NUM ^ 0x510e527f, hi), lo));
}

/**
 * The hash of a JSON-like value (plus Uint8Array) into r1/r2: arrays in order, objects as the
 * multiset of their (key, value) entries (so key order never matters, and nothing is sorted),
 * `undefined` fields skipped as JSON does.
 */
function hv(v: unknown): void {
  if (v === null || v === undefined) {
    r1 = T_NULL;
    r2 = ~T_NULL;
    return;
  }
  switch (typeof v) {
    case 'boolean':
      r1 = v ? T_TRUE : T_FALSE;
      r2 = v ? ~T_TRUE : ~T_FALSE;
      return;
    case 'number':
      hashNumber2(v);
      return;
    case 'string':
      hashString2(v);
      return;
    case 'object':
      break;
    default:
      throw new Error(`explorer: cannot hash a ${typeof v} in a canonical value`);
  }
  if (Array.isArray(v)) {
    let a = T_ARR ^ v.length;
    let b = ~T_ARR ^ v.length;
    for (let k = 0; k < v.length; k++) {
      hv(v[k]);
      a = mix32(a, r1);
      b = mix32(b, r2);
    }
    r1 = fmix32(a);
    r2 = fmix32(b);
    return;
  }
  if (v instanceof Uint8Array) {
    let a = T_BYTES ^ v.length;
    for (let k = 0; k < v.length; k++) a = mix32(a, v[k]!);
    r1 = fmix32(a);
    r2 = fmix32(a ^ 0x6a09e667);
    return;
  }
  const obj = v as Record<string, unknown>;
  let s1 = 0;
  let s2 = 0;
  let count = 0;
  for (const key in obj) {
    const field = obj[key];
    if (field === undefined) continue;
    hv(field);
    const v1 = r1;
    const v2 = r2;
    hashString2(key);
    s1 = (s1 + fmix32(mix32(mix32(0x1b873593, r1), v1))) | 0;
    s2 = (s2 + fmix32(mix32(mix32(0x0e6546b6, r2), v2))) | 0;
    count++;
  }
  r1 = fmix32(mix32(T_OBJ ^ count, s1));
  r2 = fmix32(mix32(~T_OBJ ^ count, s2));
}

/** The 64-bit hash of a canonical value, into `out`. */
export function hashValue(v: unknown, out: Hash64, seed = 0): Hash64 {
  hv(v);
  out.h1 = seed === 0 ? r1 : fmix32(r1 ^ seed);
  out.h2 = seed === 0 ? r2 : fmix32(r2 ^ Math.imul(seed, 0x27d4eb2d));
  return out;
}

/**
 * Hashes of a canonical value under every permutation of some node ids (symmetry reduction), in
 * one walk of the value. A string that is one of the ids, as a value or as an object key, is
 * renamed by each permutation; an array made only of such ids is hashed as a set (a protocol keeps
 * its sets of ids sorted, and ["n1","n2"] renamed by n1 <-> n3 must equal the ["n2","n3"] of the
 * world where the nodes really swapped roles). The hash of the identity permutation is not the
 * plain `hashValue`: under symmetry every world is hashed this way.
 */
export class PermutationHasher {
  readonly count: number;
  private readonly idIndex: Map<string, number>;
  /** No id is longer: longer strings are not looked up (a Map lookup hashes the whole string). */
  private readonly idLength: number;
  /** Per permutation p and id k: the two lanes of the renamed id's hash, at [2 * (p * ids + k)]. */
  private readonly idHashes: Int32Array;
  private readonly ids: number;
  /** Scratch results per recursion depth: 2 lanes per permutation. */
  private readonly pool: Int32Array[] = [];

  /** `perms[p][k]`: the id that id k becomes under permutation p. */
  constructor(ids: readonly string[], perms: readonly (readonly number[])[]) {
    this.ids = ids.length;
    this.count = perms.length;
    this.idIndex = new Map(ids.map((id, k) => [id, k]));
    this.idLength = Math.max(...ids.map((id) => id.length));
    this.idHashes = new Int32Array(2 * perms.length * ids.length);
    perms.forEach((perm, p) => {
      ids.forEach((_, k) => {
        hashString2(ids[perm[k]!]!);
        this.idHashes[2 * (p * ids.length + k)] = r1;
        this.idHashes[2 * (p * ids.length + k) + 1] = r2;
      });
    });
  }

  /** The hashes of `v` under every permutation, into out[offset + 2p], out[offset + 2p + 1]. */
  hashAll(v: unknown, out: Int32Array, offset: number, stride = 2, seed = 0): void {
    const invariant = this.walk(v, 0);
    const res = this.pool[0]!;
    for (let p = 0; p < this.count; p++) {
      const a = invariant ? res[0]! : res[2 * p]!;
      const b = invariant ? res[1]! : res[2 * p + 1]!;
      out[offset + stride * p] = seed === 0 ? a : fmix32(a ^ seed);
      out[offset + stride * p + 1] = seed === 0 ? b : fmix32(b ^ Math.imul(seed, 0x27d4eb2d));
    }
  }

  private slots(depth: number): Int32Array {
    let res = this.pool[depth];
    if (res === undefined) {
      res = new Int32Array(2 * this.count);
      this.pool[depth] = res;
    }
    return res;
  }

  /**
   * Hashes `v` into slots(depth): true when no id occurs in it (then only [0], [1] are set: the
   * same for every permutation), false when every permutation's lanes are set.
   */
  private walk(v: unknown, depth: number): boolean {
    const res = this.slots(depth);
    if (typeof v === 'string') {
      const k = v.length <= this.idLength ? this.idIndex.get(v) : undefined;
      if (k === undefined) {
        hashString2(v);
        res[0] = r1;
        res[1] = r2;
        return true;
      }
      for (let p = 0; p < this.count; p++) {
        res[2 * p] = this.idHashes[2 * (p * this.ids + k)]!;
        res[2 * p + 1] = this.idHashes[2 * (p * this.ids + k) + 1]!;
      }
      return false;
    }
    if (typeof v !== 'object' || v === null || v instanceof Uint8Array) {
      hv(v);
      res[0] = r1;
      res[1] = r2;
      return true;
    }
    const P = this.count;
    if (Array.isArray(v)) {
      if (v.length > 0 && this.allIds(v)) {
        // A set of ids: an order-free sum of the renamed ids.
        for (let p = 0; p < P; p++) {
          let s1 = 0;
          let s2 = 0;
          for (const x of v as string[]) {
            const at = 2 * (p * this.ids + this.idIndex.get(x)!);
            s1 = (s1 + fmix32(this.idHashes[at]!)) | 0;
            s2 = (s2 + fmix32(this.idHashes[at + 1]! ^ 0x3c6ef372)) | 0;
          }
          res[2 * p] = fmix32(mix32(T_SET ^ v.length, s1));
          res[2 * p + 1] = fmix32(mix32(~T_SET ^ v.length, s2));
        }
        return false;
      }
      let invariant = true;
      let a = T_ARR ^ v.length;
      let b = ~T_ARR ^ v.length;
      for (let k = 0; k < v.length; k++) {
        const childInvariant = this.walk(v[k], depth + 1);
        const child = this.pool[depth + 1]!;
        if (invariant && childInvariant) {
          a = mix32(a, child[0]!);
          b = mix32(b, child[1]!);
          continue;
        }
        if (invariant) {
          // From here on every permutation has lanes of its own: spread the common prefix.
          spread(res, P, a, b);
          invariant = false;
        }
        for (let p = 0; p < P; p++) {
          res[2 * p] = mix32(res[2 * p]!, childInvariant ? child[0]! : child[2 * p]!);
          res[2 * p + 1] = mix32(res[2 * p + 1]!, childInvariant ? child[1]! : child[2 * p + 1]!);
        }
      }
      if (invariant) {
        res[0] = fmix32(a);
        res[1] = fmix32(b);
        return true;
      }
      for (let p = 0; p < 2 * P; p++) res[p] = fmix32(res[p]!);
      return false;
    }
    const obj = v as Record<string, unknown>;
    let invariant = true;
    let s1 = 0;
    let s2 = 0;
    let count = 0;
    for (const key in obj) {
      const field = obj[key];
      if (field === undefined) continue;
      count++;
      const fieldInvariant = this.walk(field, depth + 1);
      const child = this.pool[depth + 1]!;
      const k = key.length <= this.idLength ? this.idIndex.get(key) : undefined;
      if (fieldInvariant && k === undefined) {
        hashString2(key);
        const e1 = fmix32(mix32(mix32(0x1b873593, r1), child[0]!));
        const e2 = fmix32(mix32(mix32(0x0e6546b6, r2), child[1]!));
        if (invariant) {
          s1 = (s1 + e1) | 0;
          s2 = (s2 + e2) | 0;
        } else {
          for (let p = 0; p < P; p++) {
            res[2 * p] = (res[2 * p]! + e1) | 0;
            res[2 * p + 1] = (res[2 * p + 1]! + e2) | 0;
          }
        }
        continue;
      }
      if (invariant) {
        spread(res, P, s1, s2);
        invariant = false;
      }
      if (k === undefined) hashString2(key);
      const key1 = r1;
      const key2 = r2;
      for (let p = 0; p < P; p++) {
        const kh1 = k === undefined ? key1 : this.idHashes[2 * (p * this.ids + k)]!;
        const kh2 = k === undefined ? key2 : this.idHashes[2 * (p * this.ids + k) + 1]!;
        const v1 = fieldInvariant ? child[0]! : child[2 * p]!;
        const v2 = fieldInvariant ? child[1]! : child[2 * p + 1]!;
        res[2 * p] = (res[2 * p]! + fmix32(mix32(mix32(0x1b873593, kh1), v1))) | 0;
        res[2 * p + 1] = (res[2 * p + 1]! + fmix32(mix32(mix32(0x0e6546b6, kh2), v2))) | 0;
      }
    }
    if (invariant) {
      res[0] = fmix32(mix32(T_OBJ ^ count, s1));
      res[1] = fmix32(mix32(~T_OBJ ^ count, s2));
      return true;
    }
    for (let p = 0; p < P; p++) {
      res[2 * p] = fmix32(mix32(T_OBJ ^ count, res[2 * p]!));
      res[2 * p + 1] = fmix32(mix32(~T_OBJ ^ count, res[2 * p + 1]!));
    }
    return false;
  }

  private allIds(v: readonly unknown[]): boolean {
    for (const x of v) if (typeof x !== 'string' || x.length > this.idLength || !this.idIndex.has(x)) return false;
    return true;
  }
}

/** 16 hex digits. */
export function hex64(h: Hash64): string {
  return (h.h1 >>> 0).toString(16).padStart(8, '0') + (h.h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * A set of 64-bit hashes, each with a small integer (the depth it was reached at), in one flat
 * typed array (open addressing, linear probing; a slot is [lo, hi, value, -], so a probe touches
 * one cache line). (0, 0) marks an empty slot, so a hash of (0, 0) is stored as (0, 1).
 */
export class HashSet64 {
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacityLog2 = 16) {
    this.table = new Int32Array(4 << capacityLog2);
    this.mask = (1 << capacityLog2) - 1;
  }

  /** The value stored for the hash, or -1. */
  find(h1: number, h2: number): number {
    if (h1 === 0 && h2 === 0) h2 = 1;
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const at = i << 2;
      const a = t[at]!;
      const b = t[at + 1]!;
      if (a === h1 && b === h2) return t[at + 2]!;
      if (a === 0 && b === 0) return -1;
    }
  }

  /** Stores (or overwrites) the value of a hash. */
  set(h1: number, h2: number, value: number): void {
    if (h1 === 0 && h2 === 0) h2 = 1;
    if ((this.size + 1) * 3 > (this.mask + 1) * 2) this.grow();
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const at = i << 2;
      const a = t[at]!;
      const b = t[at + 1]!;
      if (a === 0 && b === 0) {
        t[at] = h1;
        t[at + 1] = h2;
        t[at + 2] = value;
        this.size++;
        return;
      }
      if (a === h1 && b === h2) {
        t[at + 2] = value;
        return;
      }
    }
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.size = 0;
    for (let at = 0; at < old.length; at += 4) if (old[at] !== 0 || old[at + 1] !== 0) this.set(old[at]!, old[at + 1]!, old[at + 2]!);
  }
}

/** Every one of the P permutations' lane pairs starts from the same two lanes. */
function spread(res: Int32Array, P: number, a: number, b: number): void {
  for (let p = 0; p < P; p++) {
    res[2 * p] = a;
    res[2 * p + 1] = b;
  }
}

/**
 * The visited set of a breadth-first search: 64-bit fingerprints only, as TLC keeps them (a world
 * is recognised by its fingerprint, never compared in full), two Int32 lanes per slot of one flat
 * table (open addressing, linear probing, at most 3/4 full): 8 bytes a slot, so between 10.7 and 21
 * bytes a world. The table lives outside the JS heap (an ArrayBuffer), so the heap limit does not
 * bound it. (0, 0) marks an empty slot, so a fingerprint of (0, 0) is stored as (0, 1).
 */
export class FingerprintSet {
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacityLog2 = 16) {
    this.table = new Int32Array(2 << capacityLog2);
    this.mask = (1 << capacityLog2) - 1;
  }

  /** Adds the fingerprint; false when it was there already. */
  add(h1: number, h2: number): boolean {
    if (h1 === 0 && h2 === 0) h2 = 1;
    if (this.size * 4 >= (this.mask + 1) * 3) this.grow();
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const at = i << 1;
      const a = t[at]!;
      const b = t[at + 1]!;
      if (a === h1 && b === h2) return false;
      if (a === 0 && b === 0) {
        t[at] = h1;
        t[at + 1] = h2;
        this.size++;
        return true;
      }
    }
  }

  has(h1: number, h2: number): boolean {
    if (h1 === 0 && h2 === 0) h2 = 1;
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const at = i << 1;
      const a = t[at]!;
      const b = t[at + 1]!;
      if (a === h1 && b === h2) return true;
      if (a === 0 && b === 0) return false;
    }
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  private grow(): void {
    const old = this.table;
    if (this.mask >= 2 ** 30 - 1) throw new Error('explorer: the visited set is full (2^30 fingerprints)');
    this.table = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    const t = this.table;
    const mask = this.mask;
    for (let at = 0; at < old.length; at += 2) {
      const h1 = old[at]!;
      const h2 = old[at + 1]!;
      if (h1 === 0 && h2 === 0) continue;
      let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask;
      while (t[i << 1] !== 0 || t[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      t[i << 1] = h1;
      t[(i << 1) + 1] = h2;
    }
  }
}

/**
 * The probability that two distinct worlds of a search had the same 64-bit fingerprint (so one was
 * taken for the other and its successors never explored), estimated as TLC does ("calculated,
 * optimistic"): each of the `transitions - distinct` transitions that met a known fingerprint may
 * have met another world's, with probability `distinct / 2^64`.
 */
export function collisionProbability(distinct: number, transitions: number): number {
  return (distinct * Math.max(0, transitions - distinct)) / 2 ** 64;
}
