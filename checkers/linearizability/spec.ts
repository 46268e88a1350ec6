/**
 * The sequential specifications: what each model's object does, one operation at a time, from its
 * initial state. Linearizability is decided against these, so they are written for people to read
 * (plain strings, arrays and maps, no ids), and spec.test.ts holds their tables. The search runs
 * them behind a table of interned states (compile.ts); register and kv run through a compiled
 * copy of the same rules on value ids (wgl.ts `stepCell`), which a test holds to these.
 *
 * `step(state, op)` is the state after `op`, or IMPOSSIBLE when `op` cannot have had the outcome it
 * had in `state`. An operation without its output (it never returned, or the explanation weakened
 * it, see `weaken`) may have had any output: only what it does to the state counts.
 */
import { assertNever } from '../../core/contract/assert.ts';
import type {
  KvOperation,
  MicroOp,
  MultiRegisterOperation,
  MutexOperation,
  Operation,
  QueueOperation,
  RegisterOperation,
  SetOperation,
} from './history.ts';

/** What `step` returns when the operation cannot have happened as it did (null is a register state). */
export const IMPOSSIBLE: unique symbol = Symbol('impossible');

export interface Spec<S, O> {
  readonly initial: S;
  step(state: S, op: O): S | typeof IMPOSSIBLE;
  /** Equal exactly when the states are equal: the search interns states by it. */
  key(state: S): string;
}

/**
 * A register of strings, null until first written. A read sees the value; a write replaces it; a
 * cas replaces it when it equals `expected` (null equals no string, not even ""), and its output
 * says whether it did: a cas that did not swap is a definite operation that saw another value.
 */
export const registerSpec: Spec<string | null, RegisterOperation> = {
  initial: null,
  step(state, op) {
    switch (op.op) {
      case 'read':
        return op.output === undefined || op.output === state ? state : IMPOSSIBLE;
      case 'write':
        return op.value;
      case 'cas':
        return casStep(state, op.expected, op.value, op.output);
      default:
        return assertNever(op, 'register operation');
    }
  },
  key: (state) => JSON.stringify(state),
};

/**
 * One key of a key/value store (keys are independent): a register, plus append, which concatenates;
 * appending to a missing key starts from "".
 */
export const kvKeySpec: Spec<string | null, KvOperation> = {
  initial: null,
  step(state, op) {
    switch (op.op) {
      case 'get':
        return op.output === undefined || op.output === state ? state : IMPOSSIBLE;
      case 'put':
        return op.value;
      case 'append':
        return (state ?? '') + op.value;
      case 'cas':
        return casStep(state, op.expected, op.value, op.output);
      default:
        return assertNever(op, 'kv operation');
    }
  },
  key: (state) => JSON.stringify(state),
};

function casStep(state: string | null, expected: string, value: string, output: boolean | undefined): string | null | typeof IMPOSSIBLE {
  const matches = state === expected;
  if (output === undefined) return matches ? value : state;
  return output === matches ? (matches ? value : state) : IMPOSSIBLE;
}

export type MutexState = 'free' | 'held';

/**
 * A mutex, free at first: acquire needs it free and holds it, release needs it held and frees it.
 * So a release while free, or a second holder, is impossible. As in Knossos, the mutex does not
 * know who holds it: a history's client is a connection, not necessarily the lock's owner.
 */
export const mutexSpec: Spec<MutexState, MutexOperation> = {
  initial: 'free',
  step(state, op) {
    switch (op.op) {
      case 'acquire':
        return state === 'free' ? 'held' : IMPOSSIBLE;
      case 'release':
        return state === 'held' ? 'free' : IMPOSSIBLE;
      default:
        return assertNever(op, 'mutex operation');
    }
  },
  key: (state) => state,
};

/**
 * Registers named by keys, every one null until written (Knossos' multi-register). A txn applies
 * its micro-ops in order, all at one instant: a read must see the key's current value (a read
 * whose value is not known sees anything), a write replaces it.
 */
export const multiRegisterSpec: Spec<ReadonlyMap<string, string>, MultiRegisterOperation> = {
  initial: new Map(),
  step(state, op) {
    let next: Map<string, string> | null = null;
    for (const micro of op.value) {
      const current = next ?? state;
      switch (micro[0]) {
        case 'read':
          if (micro.length === 3 && micro[2] !== (current.get(micro[1]) ?? null)) return IMPOSSIBLE;
          break;
        case 'write':
          next ??= new Map(state);
          next.set(micro[1], micro[2]);
          break;
        default:
          return assertNever(micro, 'micro-op');
      }
    }
    return next ?? state;
  },
  key: (state) => JSON.stringify([...state.entries()].sort((a, b) => compareStrings(a[0], b[0]))),
};

/**
 * A set of strings, empty at first (Knossos' set). add inserts (adding an element already there
 * changes nothing); read returns the whole set, in any order, each element once: a list with an
 * element twice is no set, so such a read is impossible. States are sorted, so equal sets are equal.
 */
export const setSpec: Spec<readonly string[], SetOperation> = {
  initial: [],
  step(state, op) {
    switch (op.op) {
      case 'add':
        return state.includes(op.value) ? state : [...state, op.value].sort(compareStrings);
      case 'read':
        return op.output === undefined || sameElements(state, op.output) ? state : IMPOSSIBLE;
      default:
        return assertNever(op, 'set operation');
    }
  },
  key: (state) => JSON.stringify(state),
};

function sameElements(sorted: readonly string[], listed: readonly string[]): boolean {
  if (sorted.length !== listed.length) return false;
  const other = [...listed].sort(compareStrings);
  return other.every((e, i) => e === sorted[i]);
}

/**
 * A FIFO queue of strings, empty at first. enqueue adds at the tail; dequeue takes the head and
 * returns it, or returns null and changes nothing when the queue is empty.
 */
export const queueSpec: Spec<readonly string[], QueueOperation> = {
  initial: [],
  step(state, op) {
    switch (op.op) {
      case 'enqueue':
        return [...state, op.value];
      case 'dequeue': {
        const head = state.length === 0 ? null : state[0]!;
        if (op.output !== undefined && op.output !== head) return IMPOSSIBLE;
        return head === null ? state : state.slice(1);
      }
      default:
        return assertNever(op, 'queue operation');
    }
  },
  key: (state) => JSON.stringify(state),
};

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The operation with what it returned forgotten: it may have taken effect at any time after its
 * call, or never, with any output (the explanation's weakening of an operation that changes state).
 */
export function weaken<O extends Operation>(o: O): O {
  const { output: _output, ...rest } = o as O & { output?: unknown };
  const forgotten = { ...rest, return: null };
  if (o.op !== 'txn') return forgotten as unknown as O;
  const value = o.value.map((m): MicroOp => (m[0] === 'read' ? ['read', m[1]] : m));
  return { ...forgotten, value } as unknown as O;
}

/**
 * Whether the operation, with the outcome it had, left the state as it found it: a read, a cas
 * that did not swap, a dequeue of an empty queue, a txn of reads only. Weakened, such an operation
 * is dropped, not kept as a possibility: it can always be left out of a linearization.
 */
export function changesNothing(o: Operation): boolean {
  switch (o.op) {
    case 'read':
    case 'get':
      return true;
    case 'cas':
      return o.output === false;
    case 'dequeue':
      return o.output === null;
    case 'txn':
      return o.value.every((m) => m[0] === 'read');
    case 'write':
    case 'put':
    case 'append':
    case 'acquire':
    case 'release':
    case 'add':
    case 'enqueue':
      return false;
    default:
      return assertNever(o, 'operation');
  }
}

/**
 * Whether the operation constrains nothing: it never returned (so it saw anything) and changes
 * nothing whatever it saw. It can always be linearized, so the search leaves it out.
 */
export function constrainsNothing(o: Operation): boolean {
  if (o.return !== null) return false;
  return o.op === 'read' || o.op === 'get' || (o.op === 'txn' && o.value.every((m) => m[0] === 'read'));
}
