/**
 * Histories recorded from a real concurrent execution, for property tests and the benchmark.
 *
 * A plan is a list of abstract operations in their linearization order. Operation k takes effect
 * at point 10k against a sequential store of the model, which decides its output. Then each
 * interval is stretched around its point (call <= point <= return) without ever letting two
 * operations of one client overlap. Such a history is linearizable by construction: the points
 * are a witness. An operation may "crash": it never returns (return: null), it took effect at its
 * point or was lost, and its client retires, replaced by a fresh client id, as in Jepsen.
 *
 * The stores here are written apart from the checker's specifications (spec.ts), on purpose: a
 * property test that finds these histories linearizable then holds two codings of each model to
 * each other. corrupt.ts changes one observation of such a history so that it is not.
 */
import seedrandom from 'seedrandom';
import { assertNever, type History, type ModelName, type Operation, type Timing } from './history.ts';
import { weaken } from './spec.ts';

export interface PlannedOp {
  readonly client: number;
  /** kv, multi-register: which key (mod the key count); others: ignored. */
  readonly key: number;
  /**
   * What the client tries, read as each model has it: register and kv as named (a register
   * writes where it would append); mutex: write/append acquire, read/cas release; set:
   * read reads, the rest add; fifo-queue: read/cas dequeue, write/append enqueue;
   * multi-register: a txn of reads, of writes, or (cas, append) of both.
   */
  readonly kind: 'read' | 'write' | 'cas' | 'append';
  /** cas: expect the current value (true) or some other value that was written (false). set: add an element already added. */
  readonly casHit: boolean;
  /** cas with casHit false, set with casHit: which earlier value (mod how many there are). multi-register: the txn's shape. */
  readonly pick: number;
  /** How far before its point the call may start (clipped by the client's previous return). */
  readonly lead: number;
  /** How far after its point it may return (clipped by the client's next point). */
  readonly lag: number;
  readonly crash: 'none' | 'applied' | 'lost';
}

export interface Execution {
  readonly history: History;
  /** Linearization point of each operation; NaN for a crashed operation that did not take effect. */
  readonly points: readonly number[];
}

export const POINT_SPACING = 10;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An operation without its timing, output included. */
export type Body = DistributiveOmit<Operation, keyof Timing>;
/** What a store made of a planned operation: null for an attempt that failed (left out, as Knossos' `:fail`). */
type Outcome = { readonly body: Body; readonly applied: boolean } | null;

/** Runs the plan against a sequential store and records the history a client-side log would hold. */
export function executePlan(model: ModelName, plan: readonly PlannedOp[], keyCount = 1): Execution {
  const clientOf: number[] = [];
  // Crashed clients retire; their later operations run under a fresh id (Jepsen's process + n).
  const generation = new Map<number, number>();
  const lastOfClient = new Map<number, number>();
  const nextSameClient: number[] = [];
  plan.forEach((p, k) => {
    const base = p.client;
    const gen = generation.get(base) ?? 0;
    const client = base + 1000 * gen;
    clientOf.push(client);
    const prev = lastOfClient.get(client);
    if (prev !== undefined) nextSameClient[prev] = k;
    lastOfClient.set(client, k);
    if (p.crash !== 'none') generation.set(base, gen + 1);
  });

  const outcomes = runStore(model, plan, Math.max(1, keyCount));
  // Stretch: call in [previous return, point], return in [point, next point of the same client].
  // A failed attempt still takes its client's time; it is left out afterwards.
  const prevReturn = new Map<number, number>();
  const operations: Operation[] = [];
  const points: number[] = [];
  plan.forEach((p, k) => {
    const client = clientOf[k]!;
    const point = POINT_SPACING * k;
    const call = Math.max(prevReturn.get(client) ?? -Infinity, point - p.lead);
    const nextK = nextSameClient[k];
    const limit = nextK === undefined ? Infinity : POINT_SPACING * nextK;
    const ret = p.crash === 'none' ? Math.min(point + p.lag, limit) : null;
    prevReturn.set(client, ret ?? Infinity);
    const outcome = outcomes[k]!;
    if (outcome === null) return;
    const o = { client, call, return: ret, ...outcome.body } as Operation;
    operations.push(ret === null ? weaken(o) : o);
    points.push(outcome.applied ? point : NaN);
  });
  return { history: { model, operations } as History, points };
}

function runStore(model: ModelName, plan: readonly PlannedOp[], keyCount: number): Outcome[] {
  switch (model) {
    case 'register':
    case 'kv':
      return runCell(model, plan, keyCount);
    case 'mutex':
      return runMutex(plan);
    case 'multi-register':
      return runMultiRegister(plan, keyCount);
    case 'set':
      return runSet(plan);
    case 'fifo-queue':
      return runQueue(plan);
    default:
      return assertNever(model, 'model');
  }
}

function runCell(model: 'register' | 'kv', plan: readonly PlannedOp[], keyCount: number): Outcome[] {
  const store = new Map<string, string>();
  const written = new Map<string, string[]>();
  return plan.map((p, k) => {
    const key = model === 'kv' ? `k${p.key % keyCount}` : '';
    const at = model === 'kv' ? { key } : {};
    const current = store.get(key) ?? null;
    const applies = p.crash !== 'lost';
    const kind = model === 'register' && p.kind === 'append' ? 'write' : p.kind;
    switch (kind) {
      case 'read':
        return { body: { ...at, op: model === 'kv' ? 'get' : 'read', output: current } as Body, applied: applies };
      case 'write': {
        const value = `<v${k}>`;
        if (applies) setValue(store, written, key, value);
        return { body: { ...at, op: model === 'kv' ? 'put' : 'write', value } as Body, applied: applies };
      }
      case 'append': {
        // Delimiters keep every written value and appended token apart: no value is a prefix of
        // another, and no concatenation spells a written value.
        const value = `[a${k}]`;
        if (applies) setValue(store, written, key, (current ?? '') + value);
        return { body: { key, op: 'append', value }, applied: applies };
      }
      case 'cas': {
        const earlier = written.get(key) ?? [];
        const expected = p.casHit && current !== null ? current : earlier.length > 0 ? earlier[p.pick % earlier.length]! : 'none';
        const value = `<v${k}>`;
        const ok = current === expected;
        if (ok && applies) setValue(store, written, key, value);
        return { body: { ...at, op: 'cas', expected, value, output: ok } as Body, applied: applies };
      }
      default:
        return assertNever(kind, 'kind');
    }
  });
}

function setValue(store: Map<string, string>, written: Map<string, string[]>, key: string, value: string): void {
  store.set(key, value);
  const list = written.get(key);
  if (list === undefined) written.set(key, [value]);
  else list.push(value);
}

/** A lock service: an attempt that finds the lock in the wrong state fails and is left out. */
function runMutex(plan: readonly PlannedOp[]): Outcome[] {
  let held = false;
  return plan.map((p) => {
    const acquire = p.kind === 'write' || p.kind === 'append';
    const legal = acquire !== held;
    // A crashed attempt stays in the history (its client never learned that it failed).
    if (!legal && p.crash === 'none') return null;
    const applied = legal && p.crash !== 'lost';
    if (applied) held = acquire;
    return { body: { op: acquire ? 'acquire' : 'release' }, applied };
  });
}

/** Elements are unique per operation, except that `casHit` adds one added before. */
function runSet(plan: readonly PlannedOp[]): Outcome[] {
  const elements: string[] = [];
  const added: string[] = [];
  return plan.map((p, k) => {
    const applied = p.crash !== 'lost';
    if (p.kind === 'read') return { body: { op: 'read', output: [...elements] }, applied };
    const value = p.casHit && added.length > 0 ? added[p.pick % added.length]! : `<e${k}>`;
    added.push(value);
    if (applied && !elements.includes(value)) elements.push(value);
    return { body: { op: 'add', value }, applied };
  });
}

function runQueue(plan: readonly PlannedOp[]): Outcome[] {
  const queue: string[] = [];
  return plan.map((p, k) => {
    const applied = p.crash !== 'lost';
    if (p.kind === 'write' || p.kind === 'append') {
      const value = `<e${k}>`;
      if (applied) queue.push(value);
      return { body: { op: 'enqueue', value }, applied };
    }
    const head = queue.length === 0 ? null : queue[0]!;
    if (applied) queue.shift();
    return { body: { op: 'dequeue', output: head }, applied };
  });
}

/** Transactions of one to three micro-ops over the keys, their shape drawn from `pick`. */
function runMultiRegister(plan: readonly PlannedOp[], keyCount: number): Outcome[] {
  const store = new Map<string, string>();
  return plan.map((p, k) => {
    const applied = p.crash !== 'lost';
    const next = new Map(store);
    const length = 1 + (p.pick % 3);
    const value = Array.from({ length }, (_, j) => {
      const key = `k${(p.key + (p.pick >>> (2 + 2 * j))) % keyCount}`;
      const bit = (p.pick >>> (10 + j)) & 1;
      const write = p.kind === 'write' || ((p.kind === 'cas' || p.kind === 'append') && bit === 1);
      if (!write) return ['read', key, next.get(key) ?? null] as const;
      const v = `<v${k}.${j}>`;
      next.set(key, v);
      return ['write', key, v] as const;
    });
    if (applied) for (const [key, v] of next) store.set(key, v);
    return { body: { op: 'txn', value }, applied };
  });
}

export interface RandomPlanOptions {
  readonly operations: number;
  readonly clients: number;
  readonly keys: number;
  readonly seed: string;
  /** Mean interval half-width around the point, in point spacings: larger = more concurrency. */
  readonly spread: number;
  readonly crashProbability?: number;
  readonly kinds?: readonly PlannedOp['kind'][];
}

/**
 * A seeded random plan in which every client is almost always busy: operation k goes to a random
 * client, and intervals reach about `spread` points either side, so roughly 2 * spread operations
 * overlap any instant (capped by the client count).
 */
export function randomPlan(options: RandomPlanOptions): PlannedOp[] {
  const rng = seedrandom.alea(options.seed);
  const int = (n: number): number => Math.floor(rng() * n);
  const kinds = options.kinds ?? ['read', 'write', 'cas', 'append'];
  const plan: PlannedOp[] = [];
  const reach = Math.max(1, Math.round(options.spread * POINT_SPACING));
  for (let k = 0; k < options.operations; k++) {
    const crashed = rng() < (options.crashProbability ?? 0);
    plan.push({
      client: int(options.clients),
      key: int(options.keys),
      kind: kinds[int(kinds.length)]!,
      casHit: rng() < 0.5,
      pick: int(1 << 30),
      lead: int(2 * reach),
      lag: int(2 * reach),
      crash: crashed ? (rng() < 0.5 ? 'applied' : 'lost') : 'none',
    });
  }
  return plan;
}
