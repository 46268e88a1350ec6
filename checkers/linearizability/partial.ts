/**
 * The longest partial linearization of a partition (one kv key, or a whole object), with the
 * model's state after each operation: what Porcupine draws for a history that is not
 * linearizable. The verdict comes from `checkHistory`; this is for people, to see how far the
 * history does make sense and where it stops.
 *
 * A plain Wing–Gong search over the specification (spec.ts): an operation may come next when no
 * other operation still to place returned before it was called; an operation that never returned
 * may be placed at any time after its call, or never. Configurations (placed set, state) seen
 * before are pruned, as Lowe does. The longest sequence met is kept; when the search ends without
 * placing every operation that returned, the operations that could have come next at the end of
 * that sequence are listed with the state they contradict. Bounded by `maxSteps`: deterministic.
 */
import { assertNever } from '../../core/contract/assert.ts';
import type { History, ModelName, Operation } from './history.ts';
import { IMPOSSIBLE, kvKeySpec, multiRegisterSpec, mutexSpec, queueSpec, registerSpec, setSpec, type Spec } from './spec.ts';

export interface PartialLinearization {
  /** Indices into `history.operations`, in the order they take effect. */
  readonly order: readonly number[];
  /** The model's state after each of them (the specification's text for it). */
  readonly states: readonly string[];
  /** The state before the first. */
  readonly initial: string;
  /** Every operation that returned is placed: the partition is linearizable. */
  readonly complete: boolean;
  /** At the end of `order`: the operations that real time allowed next, each impossible in that state. */
  readonly stuck: readonly number[];
  /** The search stopped at `maxSteps` before it was done. */
  readonly exhausted: boolean;
}

/** The sequential specification a model is checked against. */
export function specOf(model: ModelName): Spec<unknown, Operation> {
  switch (model) {
    case 'register':
      return registerSpec as Spec<unknown, Operation>;
    case 'kv':
      return kvKeySpec as Spec<unknown, Operation>;
    case 'mutex':
      return mutexSpec as Spec<unknown, Operation>;
    case 'multi-register':
      return multiRegisterSpec as Spec<unknown, Operation>;
    case 'set':
      return setSpec as Spec<unknown, Operation>;
    case 'fifo-queue':
      return queueSpec as Spec<unknown, Operation>;
    default:
      return assertNever(model, 'model');
  }
}

interface Frame {
  readonly placed: readonly boolean[];
  readonly state: unknown;
  readonly order: readonly number[];
  readonly states: readonly string[];
}

export function longestPartialLinearization(history: History, indices: readonly number[], maxSteps = 200_000): PartialLinearization {
  const spec = specOf(history.model);
  const ops = indices.map((i) => history.operations[i]!);
  const ret = ops.map((o) => o.return ?? Number.POSITIVE_INFINITY);
  const mustPlace = ops.filter((o) => o.return !== null).length;
  const initial = spec.key(spec.initial);
  let best: Frame = { placed: ops.map(() => false), state: spec.initial, order: [], states: [] };
  const seen = new Set<string>();
  const stack: Frame[] = [best];
  let steps = 0;
  let complete = false;
  /** Operations real time allows next: called before every unplaced operation that returned has returned. */
  const candidates = (placed: readonly boolean[]): number[] => {
    let firstReturn = Number.POSITIVE_INFINITY;
    for (let k = 0; k < ops.length; k++) if (!placed[k]) firstReturn = Math.min(firstReturn, ret[k]!);
    const out: number[] = [];
    for (let k = 0; k < ops.length; k++) if (!placed[k] && ops[k]!.call <= firstReturn) out.push(k);
    return out.sort((a, b) => ops[a]!.call - ops[b]!.call || a - b);
  };
  while (stack.length > 0 && steps < maxSteps) {
    const f = stack.pop()!;
    steps++;
    const placedReturned = f.order.filter((k) => ops[k]!.return !== null).length;
    if (f.order.length > best.order.length) best = f;
    if (placedReturned === mustPlace) {
      best = f;
      complete = true;
      break;
    }
    // Push in reverse, so the earliest-called candidate is tried first.
    for (const k of candidates(f.placed).reverse()) {
      const next = spec.step(f.state, ops[k]!);
      if (next === IMPOSSIBLE) continue;
      const placed = f.placed.slice();
      placed[k] = true;
      const key = `${placed.map((p) => (p ? 1 : 0)).join('')}|${spec.key(next)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push({ placed, state: next, order: [...f.order, k], states: [...f.states, spec.key(next)] });
    }
  }
  const stuck = complete ? [] : candidates(best.placed).filter((k) => spec.step(best.state, ops[k]!) === IMPOSSIBLE && ops[k]!.return !== null);
  return {
    order: best.order.map((k) => indices[k]!),
    states: best.states,
    initial,
    complete,
    stuck: stuck.map((k) => indices[k]!),
    exhausted: !complete && stack.length > 0,
  };
}
