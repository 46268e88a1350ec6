/**
 * `checkHistory`: is a client history linearizable with respect to its model?
 *
 * P-compositionality (Herlihy & Wing): a kv history is linearizable iff each key's sub-history is,
 * so each key is searched alone, smallest first (a small failing key then answers quickly even
 * when a big key would take long). A register history is one partition.
 *
 * Limits: `budget` caps the search steps of the whole check and is deterministic, so the simulator
 * can use it and still replay bit for bit; `timeoutMs` is a wall-clock cap for the CLI. When a cap
 * is hit before any key was found non-linearizable, the verdict is 'unknown'.
 *
 * When a key is not linearizable, the explanation is a smallest set of its operations that cannot
 * be ordered, found by greedy deletion (chunks first, then one at a time until no single operation
 * can be dropped) within its own step budget.
 */
import {
  HistoryError,
  assertNever,
  describeOperation,
  validateHistory,
  type History,
  type Operation,
} from './history.ts';
import {
  APPEND,
  CAS,
  CAS_FAILED,
  CAS_OK,
  NULL_ID,
  READ,
  UNKNOWN_OUTPUT,
  ValueTable,
  WRITE,
  search,
  type Partition,
  type SearchLimits,
  type SearchResult,
} from './wgl.ts';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface CheckOptions {
  /** Maximum search steps over the whole check (deterministic). Default: no limit. */
  readonly budget?: number;
  /** Wall-clock limit in milliseconds for the whole check, explanation included. Default: none. */
  readonly timeoutMs?: number;
  /** Compute a small failing subset per failing key. Default: true. */
  readonly explain?: boolean;
  /** Search steps the explanation may spend, over all failing keys. Default: 2,000,000. */
  readonly explainBudget?: number;
  /**
   * Keep checking the other keys after one is found not linearizable, to report every failing
   * key. Default: false (the verdict is settled; the rest are 'skipped').
   */
  readonly allKeys?: boolean;
  /** Milliseconds, read only when `timeoutMs` is set. Default: `performance.now`. */
  readonly clock?: () => number;
}

/** 'skipped': not searched, because another key had already settled the verdict. */
export type KeyVerdict = Verdict | 'skipped';

export interface KeyResult {
  readonly key: string;
  readonly verdict: KeyVerdict;
  /** Operations of this key that the search considered (reads that never returned are dropped: they constrain nothing). */
  readonly operations: number;
  readonly steps: number;
}

export interface FailingSubset {
  /** The kv key, or null for the register. */
  readonly key: string | null;
  /** Indices into `history.operations`, in call order. */
  readonly operations: readonly number[];
  /** True when no single operation can be dropped with the rest still non-linearizable. */
  readonly minimal: boolean;
}

export interface Explanation {
  readonly failures: readonly FailingSubset[];
  /** The failures for people, several lines. */
  readonly text: string;
}

export interface CheckResult {
  readonly verdict: Verdict;
  /** Search steps spent on the verdict (not counting the explanation). */
  readonly steps: number;
  /** kv histories only: one entry per key, sorted by key. */
  readonly perKey?: readonly KeyResult[];
  /** Present when the verdict is 'not-linearizable' and `explain` is on. */
  readonly explanation?: Explanation;
  /** Present when the verdict is 'unknown': which limit ran out. */
  readonly exhausted?: 'budget' | 'timeout' | 'memory';
}

const DEFAULT_EXPLAIN_BUDGET = 2_000_000;
/** Operations listed per failing key in the explanation text (a subset that is not minimal can be long). */
const EXPLANATION_ROWS = 40;

/** Checks a history. Throws HistoryError when the history itself is malformed (see `validateHistory`). */
export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const invalid = validateHistory(history);
  if (invalid !== null) throw new HistoryError(invalid);
  const deadlineReached = makeDeadline(options);
  const partitions = partitionHistory(history);
  // Smallest first, ties by key: a deterministic order that finds small failing keys early.
  const order = [...partitions].sort((a, b) => a.indices.length - b.indices.length || compareKeys(a.key, b.key));

  let remaining = options.budget ?? Infinity;
  let steps = 0;
  let exhausted: CheckResult['exhausted'];
  let failed = false;
  const verdicts = new Map<PartitionInput, { verdict: KeyVerdict; steps: number }>();
  for (const part of order) {
    if (failed && options.allKeys !== true) {
      verdicts.set(part, { verdict: 'skipped', steps: 0 });
      continue;
    }
    if (exhausted !== undefined) {
      verdicts.set(part, { verdict: 'unknown', steps: 0 });
      continue;
    }
    const result = search(compilePartition(history.operations, part.indices, part.values), part.values, {
      maxSteps: remaining,
      ...(deadlineReached === undefined ? {} : { deadlineReached }),
    });
    steps += result.steps;
    remaining -= result.steps;
    verdicts.set(part, { verdict: verdictOf(result), steps: result.steps });
    if (result.outcome === 'not-linearizable') failed = true;
    if (result.outcome === 'exhausted') exhausted = exhaustedReason(result.reason);
  }

  const all = [...verdicts.values()].map((v) => v.verdict);
  const verdict: Verdict = all.includes('not-linearizable') ? 'not-linearizable' : all.includes('unknown') ? 'unknown' : 'linearizable';
  const perKey =
    history.model === 'kv'
      ? [...partitions]
          .sort((a, b) => compareKeys(a.key, b.key))
          .map((part): KeyResult => {
            const v = verdicts.get(part) ?? { verdict: 'unknown', steps: 0 };
            return { key: part.key ?? '', verdict: v.verdict, operations: part.indices.length, steps: v.steps };
          })
      : undefined;

  let explanation: Explanation | undefined;
  if (verdict === 'not-linearizable' && options.explain !== false) {
    const budget = { remaining: options.explainBudget ?? DEFAULT_EXPLAIN_BUDGET };
    const failures = order
      .filter((part) => verdicts.get(part)?.verdict === 'not-linearizable')
      .sort((a, b) => compareKeys(a.key, b.key))
      .map((part) => minimalFailingSubset(history.operations, part, budget, deadlineReached));
    explanation = { failures, text: explanationText(history, failures) };
  }
  return {
    verdict,
    steps,
    ...(perKey === undefined ? {} : { perKey }),
    ...(explanation === undefined ? {} : { explanation }),
    ...(verdict === 'unknown' && exhausted !== undefined ? { exhausted } : {}),
  };
}

interface PartitionInput {
  readonly key: string | null;
  /** Indices into history.operations, in file order. */
  readonly indices: readonly number[];
  /** Shared by every search over this key (the explanation reruns the search many times). */
  readonly values: ValueTable;
}

/** Splits by key (kv) or not at all (register), leaving out reads that never returned. */
export function partitionHistory(history: History): PartitionInput[] {
  const byKey = new Map<string | null, number[]>();
  history.operations.forEach((o: Operation, i) => {
    // A read that never returned has no output to check and changes nothing: it can always be
    // linearized, so it only costs search time.
    if (o.return === null && (o.op === 'read' || o.op === 'get')) return;
    const key = 'key' in o ? o.key : null;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  });
  return [...byKey.entries()].map(([key, indices]) => ({ key, indices, values: new ValueTable() }));
}

/** Turns the chosen operations into the search's arrays. */
export function compilePartition(operations: readonly Operation[], indices: readonly number[], values: ValueTable): Partition {
  const size = indices.length;
  const p = {
    size,
    kind: new Uint8Array(size),
    value: new Int32Array(size),
    expected: new Int32Array(size),
    output: new Int32Array(size),
    call: new Float64Array(size),
    ret: new Float64Array(size),
  };
  for (let k = 0; k < size; k++) {
    const o = operations[indices[k]!];
    if (o === undefined) throw new RangeError(`no operation ${indices[k]}`);
    const returned = o.return !== null;
    p.call[k] = o.call;
    p.ret[k] = o.return ?? Infinity;
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

/**
 * Greedy deletion, ddmin-style: try dropping chunks of halving size; at size one, repeat passes
 * until none can be dropped (dropping a write can make another drop possible or impossible, so
 * one pass is not enough). Every candidate kept is still non-linearizable, so whatever is
 * returned when the budget runs out is a valid, if not minimal, explanation.
 *
 * A drop must also keep the suppliers of what the remaining operations saw (see `Suppliers`):
 * otherwise "read -> 0 [40, 90]" alone would be the answer to a stale read, since with the write
 * of 0 gone it cannot be linearized either, and a person would be told that 0 was never written.
 * "Minimal" is relative to that rule: no single operation can be dropped, keeping the suppliers,
 * with the rest still failing.
 */
function minimalFailingSubset(
  operations: readonly Operation[],
  part: PartitionInput,
  budget: { remaining: number },
  deadlineReached: (() => boolean) | undefined,
): FailingSubset {
  const byCall = (a: number, b: number): number => operations[a]!.call - operations[b]!.call || a - b;
  let current = [...part.indices].sort(byCall);
  const suppliers = new Suppliers(operations, part.indices);
  const finish = (minimal: boolean): FailingSubset => ({ key: part.key, operations: [...current].sort(byCall), minimal });
  /** 'fails', 'passes' (linearizable, or drops a supplier), or null when out of budget. */
  const attempt = (candidate: readonly number[]): 'fails' | 'passes' | null => {
    if (budget.remaining <= 0 || deadlineReached?.() === true) return null;
    if (candidate.length === 0 || !suppliers.allKept(candidate, budget)) return 'passes';
    const limits: SearchLimits = {
      maxSteps: budget.remaining,
      ...(deadlineReached === undefined ? {} : { deadlineReached }),
    };
    const result = search(compilePartition(operations, candidate, part.values), part.values, limits);
    budget.remaining -= result.steps;
    switch (result.outcome) {
      case 'not-linearizable':
        return 'fails';
      case 'linearizable':
        return 'passes';
      case 'exhausted':
        return null;
      default:
        return assertNever(result, 'search result');
    }
  };

  // First cut the tail: binary search for a short prefix (in call order) that still fails. A
  // failure usually shows up at some instant and everything called later is noise, and a prefix
  // is cheap to rule on. `hi` always fails, so the result is sound even where failing is not
  // monotone in the prefix.
  let lo = 0;
  let hi = current.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const verdict = attempt(current.slice(0, mid));
    if (verdict === null) {
      current = current.slice(0, hi);
      return finish(false);
    }
    if (verdict === 'fails') hi = mid;
    else lo = mid;
  }
  current = current.slice(0, hi);

  let chunk = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, current.length / 2))));
  // Each pass either drops something (current shrinks) or halves the chunk; the guard is a backstop.
  for (let guard = 0; guard < 64 + current.length * 64; guard++) {
    let dropped = false;
    for (let start = 0; start < current.length; ) {
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      const verdict = attempt(candidate);
      if (verdict === null) return finish(false);
      if (verdict === 'fails') {
        current = candidate;
        dropped = true;
      } else {
        start += chunk;
      }
    }
    if (chunk > 1) chunk = Math.floor(chunk / 2);
    else if (!dropped) return finish(true);
  }
  return finish(false);
}

/**
 * Who supplied what an operation saw, so that greedy deletion keeps the failure it started from
 * instead of drifting to one it made by deleting (a heuristic: it over-approximates what is
 * needed, which can only make an explanation larger, never wrong).
 * - A read of v (or a cas that swapped from v) needs one of the writes that could have produced
 *   v: a write of exactly v, or on a key with appends, of a prefix of v, called before the reader
 *   returned; and every append whose suffix occurs in v.
 * - A cas that failed needs one of the writes of another value that could have come after a write
 *   of its expected value (when there is one): what made the value differ.
 */
class Suppliers {
  private readonly needsOneOf = new Map<number, readonly number[]>();
  private readonly needsAll = new Map<number, readonly number[]>();

  constructor(operations: readonly Operation[], indices: readonly number[]) {
    const writers: { i: number; value: string; call: number; end: number }[] = [];
    const appends: { i: number; value: string; call: number }[] = [];
    for (const i of indices) {
      const o = operations[i]!;
      const end = o.return ?? Infinity;
      if (o.op === 'write' || o.op === 'put' || (o.op === 'cas' && o.output !== false)) writers.push({ i, value: o.value, call: o.call, end });
      if (o.op === 'append' && o.value.length > 0) appends.push({ i, value: o.value, call: o.call });
    }
    const hasAppends = appends.length > 0;
    for (const i of indices) {
      const o = operations[i]!;
      if (o.return === null) continue;
      const before = o.return;
      const seen = observed(o);
      if (seen !== null) {
        const sources = writers.filter(
          (w) => w.i !== i && w.call <= before && (w.value === seen || (hasAppends && w.value.length > 0 && seen.startsWith(w.value))),
        );
        if (sources.length > 0) this.needsOneOf.set(i, sources.map((w) => w.i));
        const parts = appends.filter((a) => a.call <= before && seen.includes(a.value));
        if (parts.length > 0) this.needsAll.set(i, parts.map((a) => a.i));
      } else if (o.op === 'cas' && o.output === false) {
        const expected = o.expected;
        const ofExpected = writers.filter((w) => w.value === expected && w.call <= before);
        if (ofExpected.length === 0) continue;
        const others = writers.filter((w) => w.value !== expected && w.call <= before && ofExpected.some((e) => !(w.end < e.call)));
        if (others.length > 0) this.needsOneOf.set(i, others.map((w) => w.i));
      }
    }
  }

  /** Whether every operation of `candidate` keeps its suppliers. Charges its work to the budget. */
  allKept(candidate: readonly number[], budget: { remaining: number }): boolean {
    const present = new Set(candidate);
    let work = candidate.length;
    try {
      for (const i of candidate) {
        const oneOf = this.needsOneOf.get(i);
        if (oneOf !== undefined) {
          work += oneOf.length;
          if (!oneOf.some((w) => present.has(w))) return false;
        }
        const all = this.needsAll.get(i);
        if (all !== undefined) {
          work += all.length;
          if (!all.every((a) => present.has(a))) return false;
        }
      }
      return true;
    } finally {
      budget.remaining -= work;
    }
  }
}

/** The non-null value an operation that returned saw and relied on, if any. */
function observed(o: Operation): string | null {
  switch (o.op) {
    case 'read':
    case 'get':
      return o.output ?? null;
    case 'cas':
      return o.output === true ? o.expected : null;
    case 'write':
    case 'put':
    case 'append':
      return null;
    default:
      return assertNever(o, 'operation');
  }
}

function verdictOf(result: SearchResult): Verdict {
  switch (result.outcome) {
    case 'linearizable':
      return 'linearizable';
    case 'not-linearizable':
      return 'not-linearizable';
    case 'exhausted':
      return 'unknown';
    default:
      return assertNever(result, 'search result');
  }
}

function exhaustedReason(reason: 'steps' | 'deadline' | 'memory'): NonNullable<CheckResult['exhausted']> {
  switch (reason) {
    case 'steps':
      return 'budget';
    case 'deadline':
      return 'timeout';
    case 'memory':
      return 'memory';
    default:
      return assertNever(reason, 'reason');
  }
}

function makeDeadline(options: CheckOptions): (() => boolean) | undefined {
  if (options.timeoutMs === undefined) return undefined;
  const clock = options.clock ?? (() => performance.now()); // determinism-ok: CLI wall-clock budget
  const deadline = clock() + options.timeoutMs;
  return () => clock() >= deadline;
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** One line per operation, aligned: `op 4  client 1  [10, 30]  read -> "200"`. */
export function describeOperations(history: History, indices: readonly number[]): string[] {
  const rows = indices.map((i) => {
    const o = history.operations[i]!;
    return [`op ${i}`, `client ${typeof o.client === 'string' ? JSON.stringify(o.client) : o.client}`, `[${o.call}, ${o.return ?? '∞'}]`, describeOperation(o)];
  });
  const widths = [0, 1, 2].map((c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), 0));
  return rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  '));
}

function explanationText(history: History, failures: readonly FailingSubset[]): string {
  const lines: string[] = [];
  for (const f of failures) {
    const where = f.key === null ? 'the register' : `key ${JSON.stringify(f.key)}`;
    const n = f.operations.length;
    const why = f.minimal
      ? n === 1
        ? 'this operation cannot be linearized even alone (no operation called before it returned wrote the value it saw):'
        : `these ${n} operations cannot all be linearized (dropping any one of them, except one that wrote what another read, makes the rest linearizable):`
      : `these ${n} operations cannot all be linearized (the explanation budget ran out before they were minimal):`;
    lines.push(`${where}: ${why}`);
    const shown = f.operations.slice(0, EXPLANATION_ROWS);
    for (const row of describeOperations(history, shown)) lines.push(`  ${row}`);
    if (shown.length < n) lines.push(`  … and ${n - shown.length} more (all are listed in failures[].operations)`);
  }
  return lines.join('\n');
}
