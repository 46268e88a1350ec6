/**
 * Values and their ids for the register and kv search: interned literals, and the states that
 * `append` builds without materializing strings. Also the small int-pair map they (and the object
 * models' transition caches) use. Split from wgl.ts so the search reads on its own.
 */
import { fmix32 as importedFmix32 } from '../../sim/mix.ts';

// Bound once: a loader that compiles imports to live-binding getters would pay for one per hash.
const fmix32 = importedFmix32;

/** Value id of null: the register or key was never written. */
export const NULL_ID = 0;


/**
 * The model's values and states as small integers. Id 0 is null. Strings the history mentions
 * are "literals", interned by content, so two literals are equal iff their ids are. A state that
 * `append` builds is a node (parent state, suffix literal) carrying its length and two rolling
 * hashes, so appending is O(1) and never builds a string: on an append-heavy key the search meets
 * millions of states, and materializing each as a string cost most of its time.
 *
 * Two nodes (or a node and a literal) may spell the same string. The search then treats them as
 * different states, which only costs pruning, never correctness. Where equality matters (a read's
 * output, a cas' expected value) `sameValue` compares exactly: length and hashes first, then the
 * characters, remembering a verified match on the node.
 */
export class ValueTable {
  private readonly ids = new Map<string, number>();
  private readonly literals: (string | null)[] = [null];
  // Per id (literal or node): length, two polynomial hashes mod 2^32, and for nodes the parent and
  // suffix. `matched` holds the literal a node was verified equal to, or -1.
  private length = new Int32Array(1024);
  private hashA = new Int32Array(1024);
  private hashB = new Int32Array(1024);
  private parent = new Int32Array(1024);
  private suffix = new Int32Array(1024);
  private matched = new Int32Array(1024);
  // Literal only: BASE^length mod 2^32, to extend a hash by this literal in O(1).
  private powA = new Int32Array(1024);
  private powB = new Int32Array(1024);
  private count = 1;
  private readonly appended = new IntPairMap();

  constructor() {
    this.parent[0] = -1;
    this.matched[0] = -1;
  }

  intern(s: string): number {
    const known = this.ids.get(s);
    if (known !== undefined) return known;
    const id = this.allocate();
    this.literals[id] = s;
    this.ids.set(s, id);
    let ha = 0;
    let hb = 0;
    let pa = 1;
    let pb = 1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      ha = (Math.imul(ha, HASH_BASE_A) + c) | 0;
      hb = (Math.imul(hb, HASH_BASE_B) + c) | 0;
      pa = Math.imul(pa, HASH_BASE_A);
      pb = Math.imul(pb, HASH_BASE_B);
    }
    this.length[id] = s.length;
    this.hashA[id] = ha;
    this.hashB[id] = hb;
    this.powA[id] = pa;
    this.powB[id] = pb;
    this.parent[id] = -1;
    this.matched[id] = -1;
    return id;
  }

  /** The string a value id stands for (null for id 0). Builds it for an appended state. */
  get(id: number): string | null {
    if (id === NULL_ID) return null;
    if (id < 0 || id >= this.count) throw new RangeError(`no value with id ${id}`);
    const parts: string[] = [];
    let at = id;
    for (let guard = 0; guard <= this.count && this.parent[at] !== -1; guard++) {
      parts.push(this.literals[this.suffix[at]!] ?? '');
      at = this.parent[at]!;
    }
    parts.push(this.literals[at] ?? '');
    return parts.reverse().join('');
  }

  /** The state `state + suffix`, where `suffix` is a literal (a null or empty state appends to ""). */
  append(state: number, suffix: number): number {
    if (state === NULL_ID || this.length[state] === 0) return suffix;
    if (this.length[suffix] === 0) return state;
    const known = this.appended.get(state, suffix);
    if (known !== -1) return known;
    const id = this.allocate();
    this.parent[id] = state;
    this.suffix[id] = suffix;
    this.length[id] = this.length[state]! + this.length[suffix]!;
    this.hashA[id] = (Math.imul(this.hashA[state]!, this.powA[suffix]!) + this.hashA[suffix]!) | 0;
    this.hashB[id] = (Math.imul(this.hashB[state]!, this.powB[suffix]!) + this.hashB[suffix]!) | 0;
    this.matched[id] = -1;
    this.appended.set(state, suffix, id);
    return id;
  }

  /** Whether the state spells exactly the literal `literal` (or both are null). */
  sameValue(state: number, literal: number): boolean {
    if (state === literal) return true;
    if (state === NULL_ID || literal === NULL_ID) return false;
    // Two literals are equal only when their ids are.
    if (this.parent[state] === -1) return false;
    if (this.matched[state] === literal) return true;
    if (this.length[state] !== this.length[literal] || this.hashA[state] !== this.hashA[literal] || this.hashB[state] !== this.hashB[literal]) {
      return false;
    }
    if (this.get(state) !== this.literals[literal]) return false;
    this.matched[state] = literal;
    return true;
  }

  private allocate(): number {
    if (this.count === this.length.length) {
      const size = this.count * 2;
      this.length = growInt32(this.length, size);
      this.hashA = growInt32(this.hashA, size);
      this.hashB = growInt32(this.hashB, size);
      this.parent = growInt32(this.parent, size);
      this.suffix = growInt32(this.suffix, size);
      this.matched = growInt32(this.matched, size);
      this.powA = growInt32(this.powA, size);
      this.powB = growInt32(this.powB, size);
    }
    return this.count++;
  }
}
const HASH_BASE_A = 0x01000193;
const HASH_BASE_B = 0x5bd1e995;

/** A map from pairs of non-negative int32s to non-negative int32s (open addressing). */
export class IntPairMap {
  private keysA = new Int32Array(1024).fill(-1);
  private keysB = new Int32Array(1024);
  private vals = new Int32Array(1024);
  private mask = 1023;
  private size = 0;

  get(a: number, b: number): number {
    let slot = pairHash(a, b) & this.mask;
    for (;;) {
      const ka = this.keysA[slot]!;
      if (ka === -1) return -1;
      if (ka === a && this.keysB[slot] === b) return this.vals[slot]!;
      slot = (slot + 1) & this.mask;
    }
  }

  set(a: number, b: number, value: number): void {
    let slot = pairHash(a, b) & this.mask;
    while (this.keysA[slot] !== -1 && !(this.keysA[slot] === a && this.keysB[slot] === b)) slot = (slot + 1) & this.mask;
    if (this.keysA[slot] === -1) this.size++;
    this.keysA[slot] = a;
    this.keysB[slot] = b;
    this.vals[slot] = value;
    if (this.size * 2 > this.keysA.length) this.rehash();
  }

  private rehash(): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldV = this.vals;
    const size = oldA.length * 2;
    this.keysA = new Int32Array(size).fill(-1);
    this.keysB = new Int32Array(size);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i]!;
      if (a === -1) continue;
      let slot = pairHash(a, oldB[i]!) & this.mask;
      while (this.keysA[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keysA[slot] = a;
      this.keysB[slot] = oldB[i]!;
      this.vals[slot] = oldV[i]!;
    }
  }
}

function pairHash(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

export function growInt32(a: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}
