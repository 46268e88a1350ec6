/**
 * The Wing–Gong / Lowe linearizability search over one partition (one register, or one key of a
 * kv store), in the shape Porcupine uses:
 *
 * - Calls and returns are nodes of one doubly linked list sorted by time. The search walks the
 *   list from the head; at a call it tries to linearize that operation now (the model step must
 *   accept it), and if so "lifts" the call and its return out of the list and restarts from the
 *   head. Reaching a return means the operation it closes has not been linearized yet although
 *   everything after it started later, so the last choice is undone ("unlift") and the walk goes on
 *   after it.
 * - Memoization (Lowe): a configuration is (set of linearized operations, model state). Reaching a
 *   configuration seen before cannot lead anywhere new, so it is pruned. The set is a bitset in a
 *   Uint32Array; the visited table is keyed by a Zobrist hash of the bitset (updated in O(1) per
 *   lift/unlift, where Porcupine rehashes the whole bitset) mixed with the state, and compares the
 *   full bitset and state on a hash match, so a collision never prunes wrongly.
 *
 * Both models compile to one cell model whose state is a value id (0 = null, "never written"; see
 * ValueTable). Ids make states cheap to compare and hash.
 *
 * Operations that never returned have `ret = +Infinity`, output unknown (every output is legal),
 * and may also never take effect: once every operation that did return is linearized, the rest
 * can always be appended at the end (their steps never fail), which is the same as "never happened"
 * for anything observable. So the search stops as soon as the returned operations are done.
 *
 * Everything here is deterministic: the hash keys come from a fixed mixer, and the only clock is an
 * optional `deadlineReached` callback, consulted every 1024 steps, that the caller injects.
 */
import { fmix32 as importedFmix32 } from '../../sim/mix.ts';

// Bound once: a loader that compiles imports to live-binding getters would pay for one per hash.
const fmix32 = importedFmix32;

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;
export const APPEND = 3;
export type OpKind = typeof READ | typeof WRITE | typeof CAS | typeof APPEND;

/** Value id of null: the register or key was never written. */
export const NULL_ID = 0;
/** `output` of an operation whose output is unknown (it never returned). */
export const UNKNOWN_OUTPUT = -1;
/** `output` of a cas that swapped / did not swap. */
export const CAS_OK = 1;
export const CAS_FAILED = 0;

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
class IntPairMap {
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

function growInt32(a: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

/** One partition's operations as parallel arrays (struct of arrays: the hot loop reads them). */
export interface Partition {
  readonly size: number;
  readonly kind: Uint8Array;
  /** write/put/cas: the new value; append: the suffix; read: unused. Value ids. */
  readonly value: Int32Array;
  /** cas: the expected value id; others: unused. */
  readonly expected: Int32Array;
  /** read: the value id read; cas: CAS_OK or CAS_FAILED; UNKNOWN_OUTPUT when never returned. */
  readonly output: Int32Array;
  readonly call: Float64Array;
  /** +Infinity when the operation never returned. */
  readonly ret: Float64Array;
}

export interface SearchLimits {
  /** Stop after this many steps (one step = one visit of a list node). */
  readonly maxSteps: number;
  /** Consulted every 1024 steps; true stops the search (a wall-clock deadline, for the CLI). */
  readonly deadlineReached?: () => boolean;
  /** Stop when the visited table would hold more than this many bytes. */
  readonly maxVisitedBytes?: number;
}

export type SearchResult =
  /**
   * `order`: a valid linearization (partition indices): every operation that returned, and those
   * that never returned but had to take effect; the others are left out (they never happened).
   */
  | { readonly outcome: 'linearizable'; readonly steps: number; readonly order: readonly number[] }
  | { readonly outcome: 'not-linearizable'; readonly steps: number }
  | { readonly outcome: 'exhausted'; readonly steps: number; readonly reason: 'steps' | 'deadline' | 'memory' };

const DEFAULT_MAX_VISITED_BYTES = 1 << 30;
const DEADLINE_CHECK_MASK = 1023;

/** The model step: the state after `op` from `state`, or -1 when `op` cannot happen in `state`. */
export function stepCell(p: Partition, values: ValueTable, state: number, op: number): number {
  const kind = p.kind[op] as OpKind;
  switch (kind) {
    case READ: {
      const out = p.output[op]!;
      return out === UNKNOWN_OUTPUT || values.sameValue(state, out) ? state : -1;
    }
    case WRITE:
      return p.value[op]!;
    case CAS: {
      const matches = values.sameValue(state, p.expected[op]!);
      const out = p.output[op]!;
      if (out === UNKNOWN_OUTPUT) return matches ? p.value[op]! : state;
      if (out === CAS_OK) return matches ? p.value[op]! : -1;
      // A failed cas is a definite operation that saw something other than `expected`.
      return matches ? -1 : state;
    }
    case APPEND:
      return values.append(state, p.value[op]!);
    default:
      throw new Error(`unknown operation kind ${String(kind)}`);
  }
}

/** Decides whether the partition is linearizable from the initial state null. */
export function search(p: Partition, values: ValueTable, limits: SearchLimits): SearchResult {
  const n = p.size;
  if (n === 0) return { outcome: 'linearizable', steps: 0, order: [] };

  // List nodes: call of op i is node i, its return is node n + i, the head sentinel is node 2n.
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  const events = sortedEvents(p);
  let last = head;
  for (let k = 0; k < events.length; k++) {
    const node = events[k]!;
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  next[last] = -1;

  // Operations that never returned are optional: each may take effect at any time after its call,
  // or never. A configuration is keyed by the required ones linearized (and the state); of two
  // with the same key, one that used a subset of the optional ones can do whatever the other can
  // (it may still skip the rest), so a configuration dominated by one seen before is seen.
  const words = (n + 31) >>> 5;
  const linearized = new Uint32Array(words);
  const optionalIndex = new Int32Array(n).fill(-1);
  let optionalCount = 0;
  const z1 = new Int32Array(n);
  const z2 = new Int32Array(n);
  let definiteLeft = 0;
  for (let i = 0; i < n; i++) {
    if (p.ret[i] !== Infinity) {
      definiteLeft++;
      z1[i] = fmix32(Math.imul(i + 1, 0x9e3779b1) ^ 0x68e31da4);
      z2[i] = fmix32(Math.imul(i + 1, 0x85ebca77) ^ 0x1b56c4e9);
    } else optionalIndex[i] = optionalCount++;
  }
  const optionalBits = new Uint32Array((optionalCount + 31) >>> 5);
  const maxBytes = limits.maxVisitedBytes ?? DEFAULT_MAX_VISITED_BYTES;
  const visited = new VisitedSet(words, maxBytes);
  const dominance = optionalCount > 0 ? new DominanceLists(optionalBits.length, maxBytes) : null;
  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  let depth = 0;
  let state = NULL_ID;
  let bitsH1 = 0;
  let bitsH2 = 0;
  let steps = 0;
  let entry = next[head]!;

  for (;;) {
    if (definiteLeft === 0) {
      return { outcome: 'linearizable', steps, order: Array.from(stackOp.subarray(0, depth)) };
    }
    steps++;
    if (steps > limits.maxSteps) return { outcome: 'exhausted', steps: steps - 1, reason: 'steps' };
    if ((steps & DEADLINE_CHECK_MASK) === 0 && limits.deadlineReached?.() === true) {
      return { outcome: 'exhausted', steps, reason: 'deadline' };
    }
    if (entry < n) {
      // A call: try to linearize operation `entry` right now.
      const op = entry;
      const newState = stepCell(p, values, state, op);
      if (newState >= 0) {
        const h1 = bitsH1 ^ z1[op]!;
        const h2 = bitsH2 ^ z2[op]!;
        const optional = optionalIndex[op]!;
        const bits = optional < 0 ? linearized : optionalBits;
        const word = optional < 0 ? op >>> 5 : optional >>> 5;
        const bit = 1 << ((optional < 0 ? op : optional) & 31);
        bits[word]! |= bit;
        const entry0 = visited.add(h1 ^ mixState(newState), h2 ^ mixState(~newState), newState, linearized);
        const isNew = entry0 === 0 ? null : dominance === null ? entry0 > 0 : dominance.admit(Math.abs(entry0) - 1, optionalBits);
        if (isNew === null) return { outcome: 'exhausted', steps, reason: 'memory' };
        if (isNew) {
          stackOp[depth] = op;
          stackState[depth] = state;
          depth++;
          state = newState;
          bitsH1 = h1;
          bitsH2 = h2;
          lift(next, prev, op, n + op);
          if (p.ret[op] !== Infinity) definiteLeft--;
          entry = next[head]!;
          continue;
        }
        bits[word]! &= ~bit;
      }
      entry = next[entry]!;
    } else {
      // A return: the operation it closes has to precede everything after it, and it wasn't
      // linearized yet, so the last choice was wrong. Undo it and try the next call after it.
      if (depth === 0) return { outcome: 'not-linearizable', steps };
      depth--;
      const op = stackOp[depth]!;
      state = stackState[depth]!;
      const optional = optionalIndex[op]!;
      if (optional < 0) linearized[op >>> 5]! &= ~(1 << (op & 31));
      else optionalBits[optional >>> 5]! &= ~(1 << (optional & 31));
      bitsH1 ^= z1[op]!;
      bitsH2 ^= z2[op]!;
      unlift(next, prev, op, n + op);
      if (p.ret[op] !== Infinity) definiteLeft++;
      entry = next[op]!;
    }
  }
}

/**
 * Node ids in time order. At equal times calls come first, so operations that touch count as
 * concurrent: the checker never blames a history on a tie of the clock. Remaining ties are broken
 * by operation index, so the order (and the step count) is deterministic.
 */
function sortedEvents(p: Partition): Int32Array {
  const n = p.size;
  const nodes = new Int32Array(2 * n);
  for (let k = 0; k < 2 * n; k++) nodes[k] = k;
  const time = (node: number): number => (node < n ? p.call[node]! : p.ret[node - n]!);
  nodes.sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ra = a < n ? 0 : 1;
    const rb = b < n ? 0 : 1;
    if (ra !== rb) return ra - rb;
    return a - b;
  });
  return nodes;
}

/** Removes the call node and its return node from the list. The call never is the last node. */
function lift(next: Int32Array, prev: Int32Array, call: number, ret: number): void {
  next[prev[call]!] = next[call]!;
  prev[next[call]!] = prev[call]!;
  const after = next[ret]!;
  next[prev[ret]!] = after;
  if (after !== -1) prev[after] = prev[ret]!;
}

/** Puts back what `lift` removed, in reverse order, using the links the removed nodes kept. */
function unlift(next: Int32Array, prev: Int32Array, call: number, ret: number): void {
  next[prev[ret]!] = ret;
  const after = next[ret]!;
  if (after !== -1) prev[after] = ret;
  next[prev[call]!] = call;
  prev[next[call]!] = call;
}


function mixState(state: number): number {
  return fmix32(Math.imul(state, 0x27d4eb2f) ^ 0x165667b1);
}

/**
 * The set of visited (bitset, state) configurations: open addressing with linear probing over
 * slots that hold entry numbers; entries live in flat typed arrays (hashes, states, and the bitsets
 * back to back), so a million entries are a few allocations, not a million objects.
 */
class VisitedSet {
  private slots = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private h1s = new Int32Array(1 << 11);
  private h2s = new Int32Array(1 << 11);
  private states = new Int32Array(1 << 11);
  private bits: Uint32Array;
  private count = 0;
  private readonly maxEntries: number;

  constructor(
    private readonly words: number,
    maxBytes: number,
  ) {
    this.bits = new Uint32Array((1 << 11) * words);
    // Per entry: three int32s, the bitset, and about two slots.
    this.maxEntries = Math.max(1, Math.floor(maxBytes / (4 * (3 + words + 2))));
  }

  /** Adds the configuration: its entry number + 1 when it is new, -(entry number + 1) when seen before, 0 when full. */
  add(h1: number, h2: number, state: number, linearized: Uint32Array): number {
    const { words } = this;
    let slot = h1 & this.mask;
    for (;;) {
      const e = this.slots[slot]!;
      if (e === 0) break;
      const idx = e - 1;
      if (this.h1s[idx] === h1 && this.h2s[idx] === h2 && this.states[idx] === state && this.sameBits(idx, linearized)) {
        return -(idx + 1);
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.count >= this.maxEntries) return 0;
    const idx = this.count;
    if (idx === this.h1s.length) this.growEntries();
    this.h1s[idx] = h1;
    this.h2s[idx] = h2;
    this.states[idx] = state;
    this.bits.set(linearized, idx * words);
    this.count++;
    this.slots[slot] = idx + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return idx + 1;
  }

  private sameBits(idx: number, linearized: Uint32Array): boolean {
    const base = idx * this.words;
    for (let w = 0; w < this.words; w++) {
      if (this.bits[base + w] !== linearized[w]) return false;
    }
    return true;
  }

  private growEntries(): void {
    const capacity = this.h1s.length * 2;
    this.h1s = growInt32(this.h1s, capacity);
    this.h2s = growInt32(this.h2s, capacity);
    this.states = growInt32(this.states, capacity);
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    this.bits = bits;
  }

  private growSlots(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let idx = 0; idx < this.count; idx++) {
      let slot = this.h1s[idx]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = idx + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}


/**
 * Per visited key, the sets of optional operations it was reached with: a new set is admitted
 * unless one already there is a subset of it (that configuration could do all this one can).
 */
class DominanceLists {
  private readonly lists: Uint32Array[][] = [];
  private bytes = 0;

  constructor(
    private readonly words: number,
    private readonly maxBytes: number,
  ) {}

  /** True when admitted (not dominated), false when dominated, null when out of memory. */
  admit(entry: number, bits: Uint32Array): boolean | null {
    let list = this.lists[entry];
    if (list === undefined) {
      list = [];
      this.lists[entry] = list;
    }
    for (const seen of list) {
      let subset = true;
      for (let w = 0; w < this.words; w++) {
        if ((seen[w]! & ~bits[w]!) !== 0) {
          subset = false;
          break;
        }
      }
      if (subset) return false;
    }
    this.bytes += 4 * this.words + 16;
    if (this.bytes > this.maxBytes) return null;
    list.push(bits.slice());
    return true;
  }
}
