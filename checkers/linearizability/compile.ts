/**
 * A partition's operations compiled for the search (wgl.ts). register and kv become parallel
 * arrays over value ids, which the hot loop reads; the other models keep their operations and step
 * them by their specification (spec.ts) over interned states.
 *
 * Operations in `uncertain` are weakened (the explanation's "left undecided"): they keep only their
 * call, and may take effect at any time after it, or never, with any output.
 *
 * The tables (value ids, interned states and their transitions) belong to the partition, not to
 * one compilation: the explanation reruns the search on it many times, and they stay valid.
 */
import { assertNever, type CellOperation, type History, type Operation } from './history.ts';
import { IMPOSSIBLE, multiRegisterSpec, mutexSpec, queueSpec, setSpec, weaken, type Spec } from './spec.ts';
import { IntPairMap, NULL_ID, type ValueTable } from './values.ts';
import {
  APPEND,
  CAS,
  CAS_FAILED,
  CAS_OK,
  INITIAL_STATE,
  READ,
  UNKNOWN_OUTPUT,
  WRITE,
  type CellPartition,
  type ObjectPartition,
  type Partition,
  type StepModel,
} from './wgl.ts';

export interface SearchTables {
  readonly values: ValueTable;
  readonly states: StateTable;
}

/** The chosen operations (indices into history.operations) as one partition for the search. */
export function compilePartition(history: History, indices: readonly number[], tables: SearchTables, uncertain?: ReadonlySet<number>): Partition {
  switch (history.model) {
    case 'register':
    case 'kv':
      return compileCell(history.operations, indices, tables.values, uncertain);
    case 'mutex':
      return compileObject(mutexSpec, history.operations, indices, tables.states, uncertain);
    case 'multi-register':
      return compileObject(multiRegisterSpec, history.operations, indices, tables.states, uncertain);
    case 'set':
      return compileObject(setSpec, history.operations, indices, tables.states, uncertain);
    case 'fifo-queue':
      return compileObject(queueSpec, history.operations, indices, tables.states, uncertain);
    default:
      return assertNever(history, 'history');
  }
}

function compileCell(operations: readonly CellOperation[], indices: readonly number[], values: ValueTable, uncertain?: ReadonlySet<number>): CellPartition {
  const size = indices.length;
  const p = {
    shape: 'cell' as const,
    values,
    size,
    kind: new Uint8Array(size),
    value: new Int32Array(size),
    expected: new Int32Array(size),
    output: new Int32Array(size),
    call: new Float64Array(size),
    ret: new Float64Array(size),
  };
  for (let k = 0; k < size; k++) {
    const o = operationAt(operations, indices[k]!);
    const returned = o.return !== null && uncertain?.has(indices[k]!) !== true;
    p.call[k] = o.call;
    p.ret[k] = returned ? o.return! : Infinity;
    switch (o.op) {
      case 'read':
      case 'get':
        p.kind[k] = READ;
        p.output[k] = !returned ? UNKNOWN_OUTPUT : o.output === null || o.output === undefined ? NULL_ID : values.intern(o.output);
        break;
      case 'write':
      case 'put':
        p.kind[k] = WRITE;
        p.value[k] = values.intern(o.value);
        break;
      case 'append':
        p.kind[k] = APPEND;
        p.value[k] = values.intern(o.value);
        break;
      case 'cas':
        p.kind[k] = CAS;
        p.expected[k] = values.intern(o.expected);
        p.value[k] = values.intern(o.value);
        p.output[k] = !returned ? UNKNOWN_OUTPUT : o.output === true ? CAS_OK : CAS_FAILED;
        break;
      default:
        assertNever(o, 'operation');
    }
  }
  return p;
}

function compileObject<S, O extends Operation>(
  spec: Spec<S, O>,
  operations: readonly O[],
  indices: readonly number[],
  states: StateTable,
  uncertain?: ReadonlySet<number>,
): ObjectPartition {
  const size = indices.length;
  const call = new Float64Array(size);
  const ret = new Float64Array(size);
  const keys = new Int32Array(size);
  const ops: O[] = [];
  for (let k = 0; k < size; k++) {
    const i = indices[k]!;
    const o = operationAt(operations, i);
    const weak = uncertain?.has(i) === true;
    const weakened = weak ? weaken(o) : o;
    call[k] = o.call;
    ret[k] = weakened.return ?? Infinity;
    // The operation as the transition cache knows it: the same history operation, weakened or not.
    keys[k] = 2 * i + (weak ? 1 : 0);
    ops.push(weakened);
  }
  return { shape: 'object', size, call, ret, model: new InternedModel(spec, states, ops, keys) };
}

/**
 * A partition's states by id (the initial one 0) and its transitions: each (state, operation) pair
 * is stepped once by the specification, then answered from the cache. The search meets the same
 * pairs over and over (its visited set prunes after the step), and so do the explanation's reruns,
 * so the specification's plain code runs rarely. One table serves one model's partition only.
 */
export class StateTable {
  readonly states: unknown[] = [];
  readonly ids = new Map<string, number>();
  /** (state, operation key) -> next state + 1, or 0 when the operation cannot happen there. */
  readonly transitions = new IntPairMap();
}

class InternedModel<S, O> implements StepModel {
  constructor(
    private readonly spec: Spec<S, O>,
    private readonly table: StateTable,
    private readonly ops: readonly O[],
    private readonly keys: Int32Array,
  ) {
    const initial = this.intern(spec.initial);
    if (initial !== INITIAL_STATE) throw new Error(`the initial state got id ${initial}`);
  }

  step(state: number, op: number): number {
    const key = this.keys[op]!;
    const known = this.table.transitions.get(state, key);
    if (known !== -1) return known - 1;
    // The table holds this partition's states only, all of this spec's type.
    const next = this.spec.step(this.table.states[state] as S, this.ops[op]!);
    const id = next === IMPOSSIBLE ? -1 : this.intern(next);
    this.table.transitions.set(state, key, id + 1);
    return id;
  }

  private intern(state: S): number {
    const key = this.spec.key(state);
    const known = this.table.ids.get(key);
    if (known !== undefined) return known;
    this.table.states.push(state);
    this.table.ids.set(key, this.table.states.length - 1);
    return this.table.states.length - 1;
  }
}

function operationAt<O>(operations: readonly O[], i: number): O {
  const o = operations[i];
  if (o === undefined) throw new RangeError(`no operation ${i}`);
  return o;
}
