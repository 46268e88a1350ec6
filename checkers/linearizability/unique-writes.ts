/**
 * The fast path: a register, or one kv key, whose writes are unique (each value is written by at
 * most one write/put, and there is no cas or append). Then every read names the write it read
 * from, and linearizability is decided in O(n log n) without a search (Gibbons & Korach 1997, the
 * read-mapping case; the same cluster argument as "Efficient linearizability checking" works):
 *
 * - A cluster is a write with the reads of its value; reads of null form the cluster of a virtual
 *   write before everything (the initial state). In any linearization a cluster is contiguous:
 *   its write, then its reads (another write in between would change the value, and no other
 *   write can write it back; a read of another value cannot see this one).
 * - So a linearization is an order of clusters, each write before its own reads. Within a cluster
 *   that is possible unless a read returned before its write was called. Between clusters, real
 *   time forces A before B when some operation of A returned before some operation of B was
 *   called: when f(A) < s(B), with f the earliest return and s the latest call of a cluster.
 * - The history is linearizable iff that graph of clusters is acyclic, and a cycle of this graph
 *   always contains one of two clusters: f(A) < s(B) and f(B) < s(A). (A shortest cycle longer
 *   than two has no chords; then s(C_i) <= f(C_i+1) < s(C_i+2) all the way round, which is
 *   impossible.) Sorting by f finds such a pair in O(n log n).
 *
 * Operations that never returned: a read is already left out (it constrains nothing); a write
 * whose value nobody read is left out too (it may never have happened, and had it happened no read
 * could tell: dropping it from a linearization leaves no read between it and the next write); a
 * write whose value was read must have happened, at any time after its call: its return is +inf.
 *
 * Ties follow the search's convention: A precedes B only when A returned strictly before B was
 * called. The verdict is the search's exactly; a property test holds the two to each other.
 */
import { assertNever, type CellOperation, type KvOperation, type RegisterOperation } from './history.ts';

type Read = Extract<RegisterOperation | KvOperation, { op: 'read' | 'get' }>;
type Write = Extract<RegisterOperation | KvOperation, { op: 'write' | 'put' }>;

export type FastVerdict = 'linearizable' | 'not-linearizable' | 'undecided';

interface Cluster {
  /** The earliest return of its operations (-inf for the initial state's virtual write). */
  first: number;
  /** The latest call of its operations. */
  last: number;
}

/** The verdict for the partition's operations, or 'undecided' when its writes are not unique. */
export function decideUniqueWrites(operations: readonly CellOperation[], indices: readonly number[]): FastVerdict {
  const writers = new Map<string, Write>();
  const reads: Read[] = [];
  for (const i of indices) {
    const o = operations[i]!;
    switch (o.op) {
      case 'read':
      case 'get':
        // The partition holds reads that returned only.
        reads.push(o);
        break;
      case 'write':
      case 'put':
        if (writers.has(o.value)) return 'undecided';
        writers.set(o.value, o);
        break;
      case 'cas':
      case 'append':
        return 'undecided';
      default:
        return assertNever(o, 'operation');
    }
  }

  // The initial state's cluster: its virtual write precedes everything.
  const initial: Cluster = { first: -Infinity, last: -Infinity };
  const clusters = new Map<string, Cluster>();
  for (const r of reads) {
    const output = r.output ?? null;
    const ret = r.return!;
    if (output === null) {
      initial.last = Math.max(initial.last, r.call);
      continue;
    }
    const w = writers.get(output);
    if (w === undefined) return 'not-linearizable'; // nobody wrote what it read
    if (ret < w.call) return 'not-linearizable'; // it returned before its write was called
    const c = clusters.get(output) ?? { first: w.return ?? Infinity, last: w.call };
    c.first = Math.min(c.first, ret);
    c.last = Math.max(c.last, r.call);
    clusters.set(output, c);
  }
  for (const [value, w] of writers) {
    // A write that never returned and that nobody read may never have happened: left out.
    if (!clusters.has(value) && w.return !== null) clusters.set(value, { first: w.return, last: w.call });
  }
  const all = [...clusters.values()];
  if (initial.last > -Infinity) all.push(initial);
  return hasForcedPair(all) ? 'not-linearizable' : 'linearizable';
}

/** Whether two clusters must each come before the other: f(A) < s(B) and f(B) < s(A). */
function hasForcedPair(clusters: readonly Cluster[]): boolean {
  const byFirst = [...clusters].sort((a, b) => a.first - b.first || a.last - b.last);
  // Over each prefix of byFirst, the two largest `last` (by position), so that the best partner
  // of a cluster other than itself is known in O(1).
  const n = byFirst.length;
  const best1 = new Int32Array(n);
  const best2 = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    const prev1 = k === 0 ? -1 : best1[k - 1]!;
    const prev2 = k === 0 ? -1 : best2[k - 1]!;
    const last = byFirst[k]!.last;
    if (prev1 === -1 || last > byFirst[prev1]!.last) {
      best1[k] = k;
      best2[k] = prev1;
    } else {
      best1[k] = prev1;
      best2[k] = prev2 === -1 || last > byFirst[prev2]!.last ? k : prev2;
    }
  }
  for (let k = 0; k < n; k++) {
    const b = byFirst[k]!;
    // The clusters A with f(A) < s(B) are a prefix of byFirst: find its length.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byFirst[mid]!.first < b.last) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const top = best1[lo - 1]!;
    const partner = top !== k ? top : best2[lo - 1]!;
    if (partner !== -1 && byFirst[partner]!.last > b.first) return true;
  }
  return false;
}
