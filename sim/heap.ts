/**
 * The event queue: a binary min-heap ordered by (time, insertion sequence). The sequence number
 * breaks every tie, so two events at the same instant always come out in the order they were
 * scheduled, never by object identity.
 */
export interface Timed {
  t: number;
  seq: number;
}

export class EventHeap<E extends Timed> {
  private items: E[] = emptyObjectArray<E>();
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Assigns the event its sequence number and inserts it. */
  push(event: E): void {
    event.seq = this.nextSeq++;
    const items = this.items;
    let i = items.length;
    items.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.t < event.t || (p.t === event.t && p.seq < event.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = event;
  }

  /**
   * A sequence number for an event kept outside the queue: the kernel orders such events against
   * the queue's by (time, sequence) as the queue would.
   */
  reserve(): number {
    return this.nextSeq++;
  }

  pop(): E | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = items[l]!;
      if (r < n) {
        const right = items[r]!;
        if (right.t < child.t || (right.t === child.t && right.seq < child.seq)) {
          c = r;
          child = right;
        }
      }
      if (last.t < child.t || (last.t === child.t && last.seq < child.seq)) break;
      items[i] = child;
      i = c;
    }
    items[i] = last;
    return top;
  }

  peek(): E | undefined {
    return this.items[0];
  }
}

/**
 * An empty array whose elements are already of V8's "any object" kind. A plain `[]` starts out as
 * an array of small integers, and the first object pushed into it changes its kind: optimized
 * code that has seen both kinds then deoptimizes, once per new array, which is once per run for
 * the kernel's queue and its spare events.
 */
export function emptyObjectArray<T>(): T[] {
  const a: unknown[] = [null];
  a.length = 0;
  return a as T[];
}
