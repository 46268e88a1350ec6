/**
 * `checkHistory`: is a client history linearizable with respect to its model?
 *
 * P-compositionality (Herlihy & Wing): a kv history is linearizable iff each key's sub-history is,
 * so each key is searched alone, smallest first (a small failing key then answers quickly even
 * when a big key would take long). A history of any other model is one partition.
 *
 * A register or kv key whose writes are unique (no cas, no append) is decided first by the
 * polynomial check of unique-writes.ts, with the search's verdict and no search; the search
 * takes the rest.
 *
 * Limits: `budget` caps the search steps of the whole check and is deterministic, so the simulator
 * can use it and still replay bit for bit; `timeoutMs` is a wall-clock cap for the CLI. When a cap
 * is hit before any key was found non-linearizable, the verdict is 'unknown'.
 *
 * When a key is not linearizable, the explanation (explain.ts) is a smallest set of its operations
 * whose outcomes cannot all be true, found within its own step budget.
 */
import {
  HistoryError,
  assertNever,
  describeOperation,
  validateHistory,
  type History,
  type ModelName,
  type Operation,
} from './history.ts';
import { search, type SearchResult } from './wgl.ts';
import { ValueTable } from './values.ts';
import { StateTable, compilePartition } from './compile.ts';
import { constrainsNothing } from './spec.ts';
import { explainPartition } from './explain.ts';
import { decideUniqueWrites, type FastVerdict } from './unique-writes.ts';

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
  /**
   * Decide a register or kv key whose writes are unique without a search (unique-writes.ts).
   * Default: true. false searches every key, for comparison.
   */
  readonly fastPath?: boolean;
}

/** How a partition got its verdict: the unique-writes check, the search, or neither (skipped, out of budget). */
export type DecidedBy = 'unique-writes' | 'search' | null;

/** 'skipped': not searched, because another key had already settled the verdict. */
export type KeyVerdict = Verdict | 'skipped';

export interface KeyResult {
  readonly key: string;
  readonly verdict: KeyVerdict;
  /** Operations of this key that the search considered (reads that never returned are dropped: they constrain nothing). */
  readonly operations: number;
  readonly steps: number;
  readonly decidedBy: DecidedBy;
}

export interface FailingSubset {
  /** The kv key, or null for a history searched whole (every model but kv). */
  readonly key: string | null;
  /**
   * Indices into `history.operations`, in call order: operations whose outcomes (what they
   * returned, and that they returned when they did) cannot all be true. They fail on their own.
   */
  readonly operations: readonly number[];
  /**
   * True when none of them can be left undecided (a read dropped, a write free to take effect at
   * any time after its call, or never), the key's other writes kept as such possibilities, with
   * the rest still failing.
   */
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
  /** How many partitions (kv keys; else the one) each way decided. */
  readonly decidedBy: { readonly uniqueWrites: number; readonly search: number };
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
  const verdicts = new Map<PartitionInput, { verdict: KeyVerdict; steps: number; decidedBy: DecidedBy }>();
  for (const part of order) {
    if (failed && options.allKeys !== true) {
      verdicts.set(part, { verdict: 'skipped', steps: 0, decidedBy: null });
      continue;
    }
    // No steps, so it decides even after the search's budget ran out.
    const fast = options.fastPath === false ? 'undecided' : decideWithoutSearch(history, part);
    if (fast !== 'undecided') {
      verdicts.set(part, { verdict: fast, steps: 0, decidedBy: 'unique-writes' });
      if (fast === 'not-linearizable') failed = true;
      continue;
    }
    if (exhausted !== undefined) {
      verdicts.set(part, { verdict: 'unknown', steps: 0, decidedBy: null });
      continue;
    }
    const result = search(compilePartition(history, part.indices, part), {
      maxSteps: remaining,
      ...(deadlineReached === undefined ? {} : { deadlineReached }),
    });
    steps += result.steps;
    remaining -= result.steps;
    verdicts.set(part, { verdict: verdictOf(result), steps: result.steps, decidedBy: result.outcome === 'exhausted' ? null : 'search' });
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
            const v = verdicts.get(part) ?? { verdict: 'unknown', steps: 0, decidedBy: null };
            return { key: part.key ?? '', verdict: v.verdict, operations: part.indices.length, steps: v.steps, decidedBy: v.decidedBy };
          })
      : undefined;

  let explanation: Explanation | undefined;
  if (verdict === 'not-linearizable' && options.explain !== false) {
    const budget = { remaining: options.explainBudget ?? DEFAULT_EXPLAIN_BUDGET };
    const failures = order
      .filter((part) => verdicts.get(part)?.verdict === 'not-linearizable')
      .sort((a, b) => compareKeys(a.key, b.key))
      .map((part) => explainPartition(history, part, budget, deadlineReached));
    explanation = { failures, text: explanationText(history, failures) };
  }
  const decided = [...verdicts.values()].map((v) => v.decidedBy);
  return {
    verdict,
    steps,
    decidedBy: { uniqueWrites: decided.filter((d) => d === 'unique-writes').length, search: decided.filter((d) => d === 'search').length },
    ...(perKey === undefined ? {} : { perKey }),
    ...(explanation === undefined ? {} : { explanation }),
    ...(verdict === 'unknown' && exhausted !== undefined ? { exhausted } : {}),
  };
}

export interface PartitionInput {
  readonly key: string | null;
  /** Indices into history.operations, in file order. */
  readonly indices: readonly number[];
  /** Shared by every search over this key (the explanation reruns the search many times). */
  readonly values: ValueTable;
  readonly states: StateTable;
}

/**
 * Splits by key (kv) or not at all (every other model), leaving out operations that constrain
 * nothing (reads that never returned). A multi-register txn spans keys, so that model is not
 * P-compositional by key and is searched whole.
 */
export function partitionHistory(history: History): PartitionInput[] {
  const byKey = new Map<string | null, number[]>();
  history.operations.forEach((o: Operation, i) => {
    // A read that never returned has no output to check and changes nothing: it can always be
    // linearized, so it only costs search time.
    if (constrainsNothing(o)) return;
    const key = 'key' in o ? o.key : null;
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [i]);
    else list.push(i);
  });
  return [...byKey.entries()].map(([key, indices]) => ({ key, indices, values: new ValueTable(), states: new StateTable() }));
}

function decideWithoutSearch(history: History, part: PartitionInput): FastVerdict {
  switch (history.model) {
    case 'register':
    case 'kv':
      return decideUniqueWrites(history.operations, part.indices);
    case 'mutex':
    case 'multi-register':
    case 'set':
    case 'fifo-queue':
      return 'undecided';
    default:
      return assertNever(history, 'history');
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

/** What a failing partition is called for people: `key "x"`, or the model's object. */
export function partitionName(model: ModelName, key: string | null): string {
  if (key !== null) return `key ${JSON.stringify(key)}`;
  switch (model) {
    case 'register':
    case 'kv':
      return 'the register';
    case 'mutex':
      return 'the mutex';
    case 'multi-register':
      return 'the registers';
    case 'set':
      return 'the set';
    case 'fifo-queue':
      return 'the queue';
    default:
      return assertNever(model, 'model');
  }
}

/** A history's time as people read it: integers (Jepsen's indexes) as they are, simulated milliseconds to 0.1 ms. */
function instant(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}

/** One line per operation, aligned: `op 4  client 1  [10, 30]  read -> "200"`. */
export function describeOperations(history: History, indices: readonly number[]): string[] {
  const rows = indices.map((i) => {
    const o = history.operations[i]!;
    return [`op ${i}`, `client ${typeof o.client === 'string' ? JSON.stringify(o.client) : o.client}`, `[${instant(o.call)}, ${o.return === null ? '∞' : instant(o.return)}]`, describeOperation(o)];
  });
  const widths = [0, 1, 2].map((c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), 0));
  return rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  '));
}

function explanationText(history: History, failures: readonly FailingSubset[]): string {
  const lines: string[] = [];
  for (const f of failures) {
    const where = partitionName(history.model, f.key);
    const others = f.key === null ? 'the other operations' : "the key's other operations";
    const n = f.operations.length;
    const them = n === 1 ? 'this operation cannot have had the outcome it had' : `these ${n} operations cannot all have had the outcomes they had`;
    const why = f.minimal
      ? n === 1
        ? `${them}, whatever ${others} did:`
        : `${them} (were any one of them left undecided, ${others} could account for the rest):`
      : `${them} (the explanation budget ran out before they were minimal):`;
    lines.push(`${where}: ${why}`);
    const shown = f.operations.slice(0, EXPLANATION_ROWS);
    for (const row of describeOperations(history, shown)) lines.push(`  ${row}`);
    if (shown.length < n) lines.push(`  … and ${n - shown.length} more (all are listed in failures[].operations)`);
  }
  return lines.join('\n');
}
