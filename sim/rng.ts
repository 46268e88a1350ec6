/**
 * Seeded PRNG streams. One run seed fans out into independent named streams ("node/n3",
 * "link/n1>n2", "faults", ...), each an Alea generator from seedrandom seeded with the run seed
 * and the stream's name. Adding a node or a link creates a new stream and leaves every other
 * stream's sequence untouched, so a change to one part of a scenario doesn't reshuffle the rest.
 */
import seedrandom from 'seedrandom';
import type { Rng } from './protocol.ts';

export type StreamState = seedrandom.State.Alea;

export class Stream implements Rng {
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  constructor(seed: number, name: string, state?: StreamState) {
    this.prng = seedrandom.alea(streamKey(seed, name), { state: state ?? true });
  }

  next(): number {
    return this.prng();
  }

  int(n: number): number {
    if (!(n >= 1 && Number.isInteger(n))) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.prng() * n);
  }

  between(min: number, max: number): number {
    if (!(max >= min)) throw new RangeError(`Rng.between: max ${max} < min ${min}`);
    return min + this.int(max - min + 1);
  }

  /** True with probability p (p <= 0 is never, p >= 1 is always, and neither draws). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined && items.length === 0) throw new RangeError('Rng.pick: empty list');
    return item as T;
  }

  /** The generator's internal state, to clone a world (the explorer copies worlds). */
  state(): StreamState {
    return this.prng.state();
  }
}

export function streamKey(seed: number, name: string): string {
  return `${seed}/${name}`;
}

/** A 32-bit seed from any string, for seeds chosen when the user gave none. */
export function isValidSeed(seed: number): boolean {
  return Number.isSafeInteger(seed) && seed >= 0;
}
