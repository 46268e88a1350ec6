/**
 * The Wing–Gong / Lowe linearizability search over one partition (one register, one key of a kv
 * store, or one whole object of another model), in the shape Porcupine uses:
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
 * States are small integers, cheap to compare and hash, and 0 is the initial state. register and
 * kv compile to one cell model whose state is a value id (0 = null, "never written"; see
 * ValueTable), stepped by `stepCell` inline: that is the hot path, kept free of indirection. The
 * other models (compile.ts) step their specification (spec.ts) over interned states, through one
 * call per step that their transition cache mostly answers.
 *
 * Operations that never returned have `ret = +Infinity`, output unknown (every output is legal),
 * and may take effect at any time after their call, or never. So the search stops as soon as the
 * operations that did return are linearized: the others never happened.
 *
 * Everything here is deterministic: the hash keys come from a fixed mixer, and the only clock is an
 * optional `deadlineReached` callback, consulted every 1024 steps, that the caller injects.
 */
import { fmix32 as importedFmix32 } from '../../sim/mix.ts';
import type { ValueTable } from './values.ts';
import { DominanceLists, VisitedSet } from './visited.ts';

// Bound once: a loader that compiles imports to live-binding getters would pay for one per hash.
const fmix32 = importedFmix32;

/** Every model's initial state has id 0 (for the cell model, NULL_ID: never written). */
export const INITIAL_STATE = 0;

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;
export const APPEND = 3;
export type OpKind = typeof READ | typeof WRITE | typeof CAS | typeof APPEND;

/** `output` of an operation whose output is unknown (it never returned). */
export const UNKNOWN_OUTPUT = -1;
/** `output` of a cas that swapped / did not swap. */
export const CAS_OK = 1;
export const CAS_FAILED = 0;

/** When each operation of a partition ran: index k is the partition's operation k. */
interface Timeline {
  readonly size: number;
  readonly call: Float64Array;
  /** +Infinity when the operation never returned. */
  readonly ret: Float64Array;
}

/** A register or a kv key: operations as parallel arrays (struct of arrays: the hot loop reads them). */
export interface CellPartition extends Timeline {
  readonly shape: 'cell';
  readonly values: ValueTable;
  readonly kind: Uint8Array;
  /** write/put/cas: the new value; append: the suffix; read: unused. Value ids. */
  readonly value: Int32Array;
  /** cas: the expected value id; others: unused. */
  readonly expected: Int32Array;
  /** read: the value id read; cas: CAS_OK or CAS_FAILED; UNKNOWN_OUTPUT when never returned. */
  readonly output: Int32Array;
}

/** A model's step over state ids: the state after operation `op`, or -1 when it cannot happen. */
export interface StepModel {
  step(state: number, op: number): number;
}

/** Any other model: operations stepped by their specification over interned states. */
export interface ObjectPartition extends Timeline {
  readonly shape: 'object';
  readonly model: StepModel;
}

export type Partition = CellPartition | ObjectPartition;

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
export function stepCell(p: CellPartition, values: ValueTable, state: number, op: number): number {
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

/** Decides whether the partition is linearizable from the initial state (id 0). */
export function search(p: Partition, limits: SearchLimits): SearchResult {
  const n = p.size;
  // One of the two is set; the hot loop tests which, so the cell step stays a direct call.
  const cell = p.shape === 'cell' ? p : null;
  const values = p.shape === 'cell' ? p.values : null;
  const object = p.shape === 'object' ? p.model : null;
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
  let state = INITIAL_STATE;
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
      const newState = cell !== null ? stepCell(cell, values!, state, op) : object!.step(state, op);
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
function sortedEvents(p: Timeline): Int32Array {
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
