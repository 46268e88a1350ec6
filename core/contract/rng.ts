/**
 * Seeded PRNG streams. One run seed fans out into independent named streams ("node/n3",
 * "link/n1>n2", "faults", ...), each an Alea generator from seedrandom seeded with the run seed
 * and the stream's name. Adding a node or a link creates a new stream and leaves every other
 * stream's sequence untouched, so a change to one part of a scenario doesn't reshuffle the rest.
 */
import seedrandom from 'seedrandom';
import type { Rng } from './protocol.ts';

/** Alea's state (seedrandom's `State.Alea`, spelled out so the package's types need no seedrandom types). */
export interface StreamState {
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

export class Stream implements Rng {
  // Alea's state. seedrandom seeds it (Baagoe's Mash over the stream key); the kernel draws from
  // it on every message, so the step below runs here, on fields of this object, instead of
  // through seedrandom's closure: the same arithmetic in the same order, so the same numbers
  // (rng.test.ts checks them against seedrandom), at a fraction of the cost of the closure call.
  // Initialised to numbers, not left to the constructor: an ES2022 class field starts out as
  // undefined, and V8 would then keep these fields boxed (a heap number allocated per draw).
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private c = 0;

  constructor(seed: number, name: string, state?: StreamState) {
    const s = state ?? seedrandom.alea(streamKey(seed, name), { state: true }).state();
    this.c = s.c;
    this.s0 = s.s0;
    this.s1 = s.s1;
    this.s2 = s.s2;
  }

  /** seedrandom's Alea step, verbatim: a double in [0, 1). */
  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    return (this.s2 = t - this.c);
  }

  int(n: number): number {
    if (!(n >= 1 && Number.isInteger(n))) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  between(min: number, max: number): number {
    if (!(max >= min)) throw new RangeError(`Rng.between: max ${max} < min ${min}`);
    return min + this.int(max - min + 1);
  }

  /** True with probability p (p <= 0 is never, p >= 1 is always, and neither draws). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined && items.length === 0) throw new RangeError('Rng.pick: empty list');
    return item as T;
  }

  /** The generator's internal state, to clone a world (the explorer copies worlds). */
  state(): StreamState {
    return { c: this.c, s0: this.s0, s1: this.s1, s2: this.s2 };
  }
}

export function streamKey(seed: number, name: string): string {
  return `${seed}/${name}`;
}

/** A 32-bit seed from any string, for seeds chosen when the user gave none. */
export function isValidSeed(seed: number): boolean {
  return Number.isSafeInteger(seed) && seed >= 0;
}
