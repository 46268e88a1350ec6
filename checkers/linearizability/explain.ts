/**
 * Why a key is not linearizable: a smallest set of its operations whose outcomes cannot all be
 * true.
 *
 * The search does not delete operations, it *weakens* them: one that changed nothing (a read, a
 * cas that failed, a dequeue of an empty queue, a txn of reads) is dropped; any other (a write,
 * append, swapping cas, acquire, release, add, enqueue, dequeue, a txn with writes) keeps only its
 * call and may then take effect at any time after it, or never, with any output. Weakening only
 * adds linearizations, so it can never create a failure that was not there:
 * an operation that stays strong is one whose outcome the contradiction needs. (Deleting a write
 * instead would: "read -> 0" with the write of 0 deleted fails on its own, and a person would be
 * told that 0 was never written.) In a history that a correct execution produced and one read was
 * then corrupted, that read is therefore always among the strong operations: weakened, it is
 * exactly what the correct operation weakens to, and the execution's own order linearizes the rest.
 * The same holds for any corrupted observation (a dequeue's element, a set read, a txn's reads, an
 * acquire reported although another client held the mutex).
 *
 * 1. The prefix: the shortest prefix (in call order) whose operations, kept strong with every later
 *    write weakened, still fail. A binary search; sound since weakening is monotone.
 * 2. Weakening, ddmin-style: chunks of halving size, then one at a time until no strong operation
 *    can be weakened with the rest still failing ("minimal").
 *
 * A weakened write may also never happen, so the search may leave out those that cannot help any
 * strong operation (`helpers`): what a search with many optional writes costs grows fast with
 * their number.
 *
 * The strong set fails on its own too: taking the weakened writes away only removes ways to
 * linearize it. Every candidate kept fails, so what is returned when the budget runs out is a
 * valid, if not minimal, explanation.
 */
import { assertNever, type CellOperation, type History, type Operation } from './history.ts';
import { search, type SearchLimits } from './wgl.ts';
import { compilePartition } from './compile.ts';
import { changesNothing } from './spec.ts';
import type { FailingSubset, PartitionInput } from './checker.ts';

type Attempt = 'fails' | 'passes' | null;

export function explainPartition(
  history: History,
  part: PartitionInput,
  budget: { remaining: number },
  deadlineReached: (() => boolean) | undefined,
): FailingSubset {
  const operations: readonly Operation[] = history.operations;
  const byCall = (a: number, b: number): number => operations[a]!.call - operations[b]!.call || a - b;
  /** Operations that changed nothing: weakened, they go. */
  const isRead = (i: number) => changesNothing(operations[i]!);
  // An operation that never returned is weak already (its outcome is unknown): a possibility from
  // the start, never strong, so that no search spends time on it where it cannot help.
  const all = part.indices.filter((i) => operations[i]!.return !== null).sort(byCall);
  const unreturned = part.indices.filter((i) => operations[i]!.return === null);
  let strong: number[] = all;
  let possible: number[] = [];

  /** 'fails', 'passes', or null when out of budget. */
  const attempt = (s: readonly number[], p: readonly number[]): Attempt => {
    if (budget.remaining <= 0 || deadlineReached?.() === true) return null;
    if (s.length === 0) return 'passes';
    const indices = [...s, ...p];
    const limits: SearchLimits = { maxSteps: budget.remaining, ...(deadlineReached === undefined ? {} : { deadlineReached }) };
    const result = search(compilePartition(history, indices, part, new Set(p)), limits);
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
  /** What weakening `ops` leaves as possible writes (reads go). */
  const weakened = (ops: readonly number[]) => ops.filter((i) => !isRead(i));
  const relevant = (s: readonly number[], p: readonly number[]) => helpers(history, s, p).sort(byCall);
  const finish = (minimal: boolean): FailingSubset => ({ key: part.key, operations: [...strong].sort(byCall), minimal });

  // 1. The prefix. `hi` always fails (the whole key does).
  let lo = 0;
  let hi = all.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const s = all.slice(0, mid);
    const verdict = attempt(s, relevant(s, [...unreturned, ...weakened(all.slice(mid))]));
    if (verdict === null) break;
    if (verdict === 'fails') hi = mid;
    else lo = mid;
  }
  strong = all.slice(0, hi);
  possible = relevant(strong, [...unreturned, ...weakened(all.slice(hi))]);

  // 2. Weakening the strong operations, those that changed nothing first: while a failed cas is
  // strong, every possible write before it may be the one that made it fail, and searches grow.
  const weakenPass = ddmin([...strong.filter(isRead), ...strong.filter((i) => !isRead(i))], (rest, chunk) => {
    const p = relevant(rest, [...possible, ...weakened(chunk)]);
    const verdict = attempt(rest, p);
    if (verdict === 'fails') possible = p;
    return verdict;
  });
  strong = weakenPass.kept;
  return finish(weakenPass.complete);
}

/**
 * Delta debugging over `items`: drops chunks of halving size while `drop(rest, chunk)` says the
 * rest still fails, then single items until a whole pass drops nothing (dropping one can make
 * another droppable or not, so one pass is not enough). `complete` is false when the budget ran
 * out first.
 */
function ddmin(items: readonly number[], drop: (rest: number[], chunk: number[]) => Attempt): { kept: number[]; complete: boolean } {
  let current = [...items];
  let chunk = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, current.length / 2))));
  // Each pass either drops something (current shrinks) or halves the chunk; the guard is a backstop.
  for (let guard = 0; guard < 64 + items.length * 64; guard++) {
    let dropped = false;
    for (let start = 0; start < current.length; ) {
      const rest = [...current.slice(0, start), ...current.slice(start + chunk)];
      const verdict = drop(rest, current.slice(start, start + chunk));
      if (verdict === null) return { kept: current, complete: false };
      if (verdict === 'fails') {
        current = rest;
        dropped = true;
      } else {
        start += chunk;
      }
    }
    if (chunk > 1) chunk = Math.floor(chunk / 2);
    else if (!dropped) return { kept: current, complete: true };
  }
  return { kept: current, complete: false };
}

/**
 * The operations of `possible` that can help the strong ones be linearized; the others are best
 * left out (never happening), so leaving them out changes no verdict. Each needs its call before
 * the last strong return (it takes effect after its call).
 */
function helpers(history: History, strong: readonly number[], possible: readonly number[]): number[] {
  switch (history.model) {
    case 'register':
    case 'kv':
      return cellHelpers(history.operations, strong, possible);
    case 'mutex':
    case 'multi-register':
    case 'set':
    case 'fifo-queue':
      return objectHelpers(history.operations, strong, possible);
    default:
      return assertNever(history, 'history');
  }
}

/**
 * The other models, where nothing compares and swaps. What a strong operation observed (a set's
 * element, a dequeued element, a [key, value] a txn read) can only be produced by a possible
 * operation called before that observation returned:
 * - mutex: any acquire or release may help;
 * - set: an add helps only if a strong read listed its element; another element stays in the set
 *   and fails every strong read after it. Of the adds of one element, only the earliest called
 *   helps, and only if called before every strong add of it: wherever a later one is placed, the
 *   earlier one (or the strong one, moved there) can take effect instead;
 * - fifo-queue: an enqueue helps only if a strong dequeue took its element; another element only
 *   stands in the way (and a possible dequeue that takes it can go with it). Any possible dequeue
 *   may help, taking an element out of the way;
 * - multi-register: a txn helps only if it writes, at some key, a value a strong read saw there;
 *   other writes only fail the strong reads of their keys until overwritten.
 */
function objectHelpers(operations: readonly Operation[], strong: readonly number[], possible: readonly number[]): number[] {
  const lastReturn = strong.reduce((t, i) => Math.max(t, operations[i]!.return ?? Infinity), -Infinity);
  // Elements (set, queue) or [key, value] pairs (multi-register) that strong operations observed,
  // each with the last return of an operation that observed it; and when a strong add was called.
  const observedUntil = new Map<string, number>();
  const strongAddCall = new Map<string, number>();
  const observe = (thing: string, until: number) => observedUntil.set(thing, Math.max(observedUntil.get(thing) ?? -Infinity, until));
  for (const i of strong) {
    const o = operations[i]!;
    const until = o.return ?? Infinity;
    if (o.op === 'read' && Array.isArray(o.output)) for (const e of o.output as readonly string[]) observe(e, until);
    if (o.op === 'dequeue' && typeof o.output === 'string') observe(o.output, until);
    if (o.op === 'txn') for (const m of o.value) if (m[0] === 'read' && m.length === 3) observe(JSON.stringify([m[1], m[2]]), until);
    if (o.op === 'add') strongAddCall.set(o.value, Math.min(strongAddCall.get(o.value) ?? Infinity, o.call));
  }
  const helps = (thing: string, call: number) => call <= (observedUntil.get(thing) ?? -Infinity);
  const earliestAdd = new Map<string, number>();
  const kept = possible.filter((i) => {
    const o = operations[i]!;
    if (o.call > lastReturn) return false;
    switch (o.op) {
      case 'add': {
        if (!helps(o.value, o.call) || o.call >= (strongAddCall.get(o.value) ?? Infinity)) return false;
        const other = earliestAdd.get(o.value);
        if (other === undefined || o.call < operations[other]!.call) earliestAdd.set(o.value, i);
        return true;
      }
      case 'enqueue':
        return helps(o.value, o.call);
      case 'txn':
        return o.value.some((m) => m[0] === 'write' && helps(JSON.stringify([m[1], m[2]]), o.call));
      case 'acquire':
      case 'release':
      case 'dequeue':
        return true;
      case 'read':
      case 'get':
      case 'write':
      case 'put':
      case 'append':
      case 'cas':
        // Not met: reads are dropped, not possible, and register and kv go to cellHelpers.
        return true;
      default:
        return assertNever(o, 'operation');
    }
  });
  return kept.filter((i) => {
    const o = operations[i]!;
    return o.op !== 'add' || earliestAdd.get(o.value) === i;
  });
}

/**
 * register and kv: the possible writes of `possible` that can help the strong operations. A possible write
 * helps only by producing a value a strong operation saw (a read's output, a cas's expected value;
 * with appends, a prefix of it or a piece of it), or, for a cas that failed, by changing the value
 * before it; and a possible cas helps only if what it expected was produced in turn. Each needs a
 * call before the last strong return (it takes effect after its call).
 *
 * Writes that help only as changers, with a value nobody saw or expected ("junk"), are alike but
 * for their calls: one called earlier can stand in wherever a later one is placed. Each failed cas
 * needs at most one just before it, so the earliest as many as there are failed cas are enough.
 */
function cellHelpers(operations: readonly CellOperation[], strong: readonly number[], possible: readonly number[]): number[] {
  let lastReturn = -Infinity;
  let lastFailedCas = -Infinity;
  const needed: string[] = [];
  for (const i of strong) {
    const o = operations[i]!;
    const end = o.return ?? Infinity;
    lastReturn = Math.max(lastReturn, end);
    if ((o.op === 'read' || o.op === 'get') && o.output !== null && o.output !== undefined) needed.push(o.output);
    if (o.op === 'cas' && o.output !== false) needed.push(o.expected);
    if (o.op === 'cas' && o.output === false) lastFailedCas = Math.max(lastFailedCas, end);
  }
  const candidates = possible.filter((i) => operations[i]!.call <= lastReturn);
  const hasAppends = candidates.some((i) => operations[i]!.op === 'append') || strong.some((i) => operations[i]!.op === 'append');
  const chosen = new Set<number>();
  const take = (i: number) => {
    if (chosen.has(i)) return;
    chosen.add(i);
    const o = operations[i]!;
    if (o.op === 'cas') needed.push(o.expected);
  };
  const failedExpected: string[] = [];
  for (const i of strong) {
    const o = operations[i]!;
    if (o.op === 'cas' && o.output === false) failedExpected.push(o.expected);
  }
  let closedUpTo = 0;
  /** The writers of every needed value, and of what the cas among them expected, in turn. */
  const closeSources = () => {
    for (; closedUpTo < needed.length; closedUpTo++) {
      const value = needed[closedUpTo]!;
      for (const i of candidates) {
        if (chosen.has(i)) continue;
        const o = operations[i]!;
        if (o.op === 'append' ? value.includes(o.value) : o.op !== 'read' && o.op !== 'get' && (o.value === value || (hasAppends && value.startsWith(o.value)))) take(i);
      }
    }
  };
  closeSources();
  // Changers for a failed cas: writes called before it returned, other than the sources (a write
  // takes effect once); of the junk ones, the earliest.
  const seen = (o: CellOperation) => {
    const values = [...needed, ...failedExpected];
    if (o.op === 'append') return values.some((v) => v.includes(o.value));
    return o.op === 'cas' || (o.op !== 'read' && o.op !== 'get' && values.some((v) => v === o.value || (hasAppends && v.startsWith(o.value))));
  };
  let junkLeft = failedExpected.length;
  for (const i of [...candidates].sort((a, b) => operations[a]!.call - operations[b]!.call || a - b)) {
    const o = operations[i]!;
    if (chosen.has(i) || o.call > lastFailedCas) continue;
    if (seen(o)) take(i);
    else if (junkLeft > 0) {
      junkLeft--;
      take(i);
    }
  }
  closeSources();
  return [...chosen];
}
