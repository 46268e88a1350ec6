/**
 * Histories recorded from a real concurrent execution, for property tests and the benchmark.
 *
 * A plan is a list of abstract operations in their linearization order. Operation k takes effect
 * at point 10k against a sequential model of the store, which decides its output. Then each
 * interval is stretched around its point (call <= point <= return) without ever letting two
 * operations of one client overlap. Such a history is linearizable by construction: the points
 * are a witness. An operation may "crash": it never returns (return: null), it took effect at its
 * point or was lost, and its client retires, replaced by a fresh client id, as in Jepsen.
 */
import seedrandom from 'seedrandom';
import type { History, KvOperation, RegisterOperation } from './history.ts';

export interface PlannedOp {
  readonly client: number;
  /** kv: which key (mod the key count); register: ignored. */
  readonly key: number;
  readonly kind: 'read' | 'write' | 'cas' | 'append';
  /** cas: expect the current value (true) or some other value that was written (false). */
  readonly casHit: boolean;
  /** cas with casHit false: which earlier value to expect (mod how many there are). */
  readonly pick: number;
  /** How far before its point the call may start (clipped by the client's previous return). */
  readonly lead: number;
  /** How far after its point it may return (clipped by the client's next point). */
  readonly lag: number;
  readonly crash: 'none' | 'applied' | 'lost';
}

export interface Execution {
  readonly history: History;
  /** Linearization point of each operation; NaN for a crashed operation that was lost. */
  readonly points: readonly number[];
}

export const POINT_SPACING = 10;

/** Runs the plan against a sequential store and records the history a client-side log would hold. */
export function executePlan(model: 'register' | 'kv', plan: readonly PlannedOp[], keyCount = 1): Execution {
  const store = new Map<string, string>();
  const written = new Map<string, string[]>();
  const points: number[] = [];
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

  type Body =
    | { op: 'read'; output: string | null }
    | { op: 'write'; value: string }
    | { op: 'cas'; expected: string; value: string; output: boolean }
    | { op: 'append'; value: string };
  const bodies: Body[] = [];
  const keys: string[] = [];
  plan.forEach((p, k) => {
    const key = model === 'kv' ? `k${p.key % Math.max(1, keyCount)}` : '';
    keys.push(key);
    const current = store.get(key) ?? null;
    const applies = p.crash !== 'lost';
    const kind = model === 'register' && p.kind === 'append' ? 'write' : p.kind;
    let body: Body;
    switch (kind) {
      case 'read':
        body = { op: 'read', output: current };
        break;
      case 'write': {
        const value = `<v${k}>`;
        if (applies) setValue(store, written, key, value);
        body = { op: 'write', value };
        break;
      }
      case 'append': {
        // Delimiters keep every written value and appended token apart: no value is a prefix of
        // another, and no concatenation spells a written value.
        const value = `[a${k}]`;
        if (applies) setValue(store, written, key, (current ?? '') + value);
        body = { op: 'append', value };
        break;
      }
      case 'cas': {
        const earlier = written.get(key) ?? [];
        const expected = p.casHit && current !== null ? current : earlier.length > 0 ? earlier[p.pick % earlier.length]! : 'none';
        const value = `<v${k}>`;
        const ok = current === expected;
        if (ok && applies) setValue(store, written, key, value);
        body = { op: 'cas', expected, value, output: ok };
        break;
      }
    }
    points.push(applies ? POINT_SPACING * k : NaN);
    bodies.push(body);
  });

  // Stretch: call in [previous return, point], return in [point, next point of the same client].
  const prevReturn = new Map<number, number>();
  const operations = plan.map((p, k) => {
    const client = clientOf[k]!;
    const point = POINT_SPACING * k;
    const call = Math.max(prevReturn.get(client) ?? -Infinity, point - p.lead);
    const nextK = nextSameClient[k];
    const limit = nextK === undefined ? Infinity : POINT_SPACING * nextK;
    const ret = p.crash === 'none' ? Math.min(point + p.lag, limit) : null;
    prevReturn.set(client, ret ?? Infinity);
    const body = bodies[k]!;
    const timing = { client, call, return: ret };
    const known = ret !== null;
    return { timing, body, key: keys[k]!, known };
  });

  if (model === 'register') {
    const ops: RegisterOperation[] = operations.map(({ timing, body, known }) => {
      switch (body.op) {
        case 'read':
          return known ? { ...timing, op: 'read', output: body.output } : { ...timing, op: 'read' };
        case 'write':
        case 'append':
          return { ...timing, op: 'write', value: body.value };
        case 'cas':
          return known
            ? { ...timing, op: 'cas', expected: body.expected, value: body.value, output: body.output }
            : { ...timing, op: 'cas', expected: body.expected, value: body.value };
      }
    });
    return { history: { model: 'register', operations: ops }, points };
  }
  const ops: KvOperation[] = operations.map(({ timing, body, key, known }) => {
    switch (body.op) {
      case 'read':
        return known ? { ...timing, key, op: 'get', output: body.output } : { ...timing, key, op: 'get' };
      case 'write':
        return { ...timing, key, op: 'put', value: body.value };
      case 'append':
        return { ...timing, key, op: 'append', value: body.value };
      case 'cas':
        return known
          ? { ...timing, key, op: 'cas', expected: body.expected, value: body.value, output: body.output }
          : { ...timing, key, op: 'cas', expected: body.expected, value: body.value };
    }
  });
  return { history: { model: 'kv', operations: ops }, points };
}

function setValue(store: Map<string, string>, written: Map<string, string[]>, key: string, value: string): void {
  store.set(key, value);
  const list = written.get(key);
  if (list === undefined) written.set(key, [value]);
  else list.push(value);
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
