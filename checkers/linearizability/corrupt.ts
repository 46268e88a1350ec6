/**
 * One observation of a recorded execution (generate.ts) changed so that no correct execution could
 * have produced it: for property tests, which expect the checker to say "not linearizable" and to
 * name the changed operation. Each kind says why the result is impossible whatever the timing; a
 * kind that needs a shape the history lacks returns null (the test then skips the case).
 *
 * What they rely on from generate.ts: every written value, added or enqueued element is unique per
 * operation (bar a set's deliberate re-adds), and appended tokens never spell a written value.
 */
import { assertNever, type History, type ModelName, type MultiRegisterOperation, type Operation } from './history.ts';

export type CorruptionKind =
  /** A read (a get, a txn's read) sees a value nobody wrote. */
  | 'never-written'
  /** A read sees a value that a later write had replaced before the read was called. */
  | 'stale'
  /** A release before any other operation was called: the mutex was free. */
  | 'release-while-free'
  /** An acquire while another client held the mutex, with nothing else going on. */
  | 'second-holder'
  /** A set read lists an element nobody added. */
  | 'never-added'
  /** A set read misses an element whose add returned before the read was called. */
  | 'lost-element'
  /** A dequeue returns an element nobody enqueued. */
  | 'never-enqueued'
  /** A dequeue returns an element that another dequeue had already returned. */
  | 'delivered-twice';

export const CORRUPTIONS: Readonly<Record<ModelName, readonly CorruptionKind[]>> = {
  register: ['never-written', 'stale'],
  kv: ['never-written', 'stale'],
  'multi-register': ['never-written', 'stale'],
  mutex: ['release-while-free', 'second-holder'],
  set: ['never-added', 'lost-element'],
  'fifo-queue': ['never-enqueued', 'delivered-twice'],
};

export interface Corrupted {
  readonly history: History;
  /** The index of the changed (or added) operation. */
  readonly culprit: number;
}

/** The `pick`-th (mod the candidates) corruption of this kind, or null when there is none. */
export function corrupt(history: History, kind: CorruptionKind, pick: number): Corrupted | null {
  const ops = history.operations as readonly Operation[];
  const returned = (o: Operation): boolean => o.return !== null;
  const choose = <T>(candidates: readonly T[]): T | null => (candidates.length === 0 ? null : candidates[pick % candidates.length]!);
  const replace = (index: number, o: Operation): Corrupted => ({
    history: { model: history.model, operations: ops.map((p, i) => (i === index ? o : p)) } as History,
    culprit: index,
  });
  const append = (o: Operation): Corrupted => ({ history: { model: history.model, operations: [...ops, o] } as History, culprit: ops.length });
  switch (kind) {
    case 'never-written': {
      if (history.model === 'multi-register') {
        const at = choose(txnReads(history.operations));
        return at === null ? null : replace(at.op, withTxnRead(history.operations[at.op]!, at.micro, 'never-written'));
      }
      const i = choose(indices(ops, (o) => returned(o) && (o.op === 'get' || (o.op === 'read' && !Array.isArray(o.output)))));
      return i === null ? null : replace(i, { ...ops[i]!, output: 'never-written' } as Operation);
    }
    case 'stale': {
      if (history.model === 'multi-register') return staleTxnRead(history.operations, choose, replace);
      const stale = choose(staleReads(ops));
      return stale === null ? null : replace(stale.read, { ...ops[stale.read]!, output: stale.value } as Operation);
    }
    case 'release-while-free': {
      const first = ops.reduce((t, o) => Math.min(t, o.call), Infinity);
      if (first === Infinity) return null;
      return append({ client: 'corrupt', call: first - 2, return: first - 1, op: 'release' });
    }
    case 'second-holder': {
      const window = choose(quietHolds(ops));
      if (window === null) return null;
      const [from, to] = window;
      return append({ client: 'corrupt', call: from + (to - from) / 3, return: from + (2 * (to - from)) / 3, op: 'acquire' });
    }
    case 'never-added':
    case 'never-enqueued': {
      const op = kind === 'never-added' ? 'read' : 'dequeue';
      const i = choose(indices(ops, (o) => returned(o) && o.op === op));
      if (i === null) return null;
      const o = ops[i]!;
      const output = o.op === 'read' && Array.isArray(o.output) ? [...o.output, 'never-added'] : 'never-enqueued';
      return replace(i, { ...o, output } as Operation);
    }
    case 'lost-element': {
      // The set only grows, so an element added before the read was called is in it.
      const cases = indices(ops, (o) => returned(o) && o.op === 'read').flatMap((r) => {
        const read = ops[r]!;
        const output = read.op === 'read' && Array.isArray(read.output) ? (read.output as readonly string[]) : [];
        return ops.flatMap((a) => (a.op === 'add' && returned(a) && a.return! < read.call && output.includes(a.value) ? [{ r, element: a.value }] : []));
      });
      const c = choose(cases);
      if (c === null) return null;
      const read = ops[c.r]! as Operation & { output: readonly string[] };
      return replace(c.r, { ...read, output: read.output.filter((e) => e !== c.element) } as Operation);
    }
    case 'delivered-twice': {
      // Each element is enqueued once, so two dequeues cannot both return it.
      const taken = indices(ops, (o) => returned(o) && o.op === 'dequeue' && typeof o.output === 'string');
      const cases = taken.flatMap((a) => indices(ops, (o) => returned(o) && o.op === 'dequeue').filter((b) => b !== a).map((b) => ({ a, b })));
      const c = choose(cases);
      if (c === null) return null;
      return replace(c.b, { ...ops[c.b]!, output: (ops[c.a] as Operation & { output: string }).output } as Operation);
    }
    default:
      return assertNever(kind, 'corruption');
  }
}

function indices(ops: readonly Operation[], keep: (o: Operation) => boolean): number[] {
  return ops.flatMap((o, i) => (keep(o) ? [i] : []));
}

const keyOf = (o: Operation): string | null => ('key' in o ? o.key : null);

/**
 * A read r, a write w of value v, and a plain write w2 on the same key, with w before w2 before r
 * in real time (strictly: touching counts as concurrent). Values are unique per writing operation
 * and appended tokens never spell a written value, so after w2 nothing can make the key v again.
 */
function staleReads(ops: readonly Operation[]): { read: number; value: string }[] {
  const writes = ops.filter((o): o is Operation & { value: string } => (o.op === 'write' || o.op === 'put') && o.return !== null);
  const found: { read: number; value: string }[] = [];
  ops.forEach((read, r) => {
    if (!((read.op === 'read' || read.op === 'get') && read.return !== null)) return;
    const before = (o: Operation, t: number) => keyOf(o) === keyOf(read) && o.return! < t;
    const value = staleValue(writes.filter((w2) => before(w2, read.call)).map((w2) => writes.find((w) => before(w, w2.call) && w.value !== w2.value)));
    if (value !== undefined) found.push({ read: r, value });
  });
  return found;
}

function staleValue(candidates: readonly ({ value: string } | undefined)[]): string | undefined {
  return candidates.find((w) => w !== undefined)?.value;
}

/** Every read micro-op with a known value: (operation, micro-op index). */
function txnReads(ops: readonly MultiRegisterOperation[]): { op: number; micro: number }[] {
  return ops.flatMap((o, i) => (o.return === null ? [] : o.value.flatMap((m, j) => (m[0] === 'read' && m.length === 3 ? [{ op: i, micro: j }] : []))));
}

function withTxnRead(o: MultiRegisterOperation, micro: number, value: string): MultiRegisterOperation {
  return { ...o, value: o.value.map((m, j) => (j === micro ? (['read', m[1], value] as const) : m)) };
}

/** The multi-register's stale read: as `staleReads`, with txns that wrote the key in place of writes. */
function staleTxnRead(
  ops: readonly MultiRegisterOperation[],
  choose: <T>(candidates: readonly T[]) => T | null,
  replace: (index: number, o: Operation) => Corrupted,
): Corrupted | null {
  const writes = (o: MultiRegisterOperation, key: string): string[] =>
    o.return === null ? [] : o.value.flatMap((m) => (m[0] === 'write' && m[1] === key ? [m[2]] : []));
  const cases = txnReads(ops).flatMap(({ op, micro }) => {
    const read = ops[op]!;
    const key = read.value[micro]![1];
    const writers = ops.filter((o) => writes(o, key).length > 0);
    const w = writers
      .filter((w2) => w2.return! < read.call)
      .map((w2) => writers.find((o) => o.return! < w2.call))
      .find((o) => o !== undefined);
    return w === undefined ? [] : [{ op, micro, value: writes(w, key).at(-1)! }];
  });
  const c = choose(cases);
  return c === null ? null : replace(c.op, withTxnRead(ops[c.op]!, c.micro, c.value));
}

/**
 * Spans (acquire's return, next release's call) in which the mutex was held and nothing else was
 * going on: no other operation overlaps [acquire's call, release's return], and none that never
 * returned was called before it ends. So in any linearization everything before is linearized
 * first and leaves the mutex free (it did so in the execution, and all of it returned), then the
 * acquire, then the release: an acquire inside the span has no free mutex to take.
 */
function quietHolds(ops: readonly Operation[]): [number, number][] {
  const spans: [number, number][] = [];
  const order = ops.map((_, i) => i).sort((a, b) => ops[a]!.call - ops[b]!.call || a - b);
  for (let k = 0; k + 1 < order.length; k++) {
    const acquire = ops[order[k]!]!;
    const release = ops[order[k + 1]!]!;
    if (acquire.op !== 'acquire' || release.op !== 'release' || acquire.return === null || release.return === null) continue;
    if (!(acquire.return < release.call)) continue;
    const from = acquire.call;
    const to = release.return;
    const quiet = ops.every((o) => o === acquire || o === release || o.call > to || (o.return !== null && o.return < from));
    if (quiet) spans.push([acquire.return, release.call]);
  }
  return spans;
}
