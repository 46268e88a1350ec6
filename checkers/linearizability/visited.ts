/**
 * The search's memory: the set of visited (linearized set, state) configurations, and for
 * operations that never returned, the subsets of them each configuration was reached with
 * (dominance). Split from wgl.ts so the search reads on its own.
 */
import { growInt32 } from './values.ts';

/**
 * The set of visited (bitset, state) configurations: open addressing with linear probing over
 * slots that hold entry numbers; entries live in flat typed arrays (hashes, states, and the bitsets
 * back to back), so a million entries are a few allocations, not a million objects.
 */
export class VisitedSet {
  private slots = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private h1s = new Int32Array(1 << 11);
  private h2s = new Int32Array(1 << 11);
  private states = new Int32Array(1 << 11);
  private bits: Uint32Array;
  private count = 0;
  private readonly maxEntries: number;

  constructor(
    private readonly words: number,
    maxBytes: number,
  ) {
    this.bits = new Uint32Array((1 << 11) * words);
    // Per entry: three int32s, the bitset, and about two slots.
    this.maxEntries = Math.max(1, Math.floor(maxBytes / (4 * (3 + words + 2))));
  }

  /** Adds the configuration: its entry number + 1 when it is new, -(entry number + 1) when seen before, 0 when full. */
  add(h1: number, h2: number, state: number, linearized: Uint32Array): number {
    const { words } = this;
    let slot = h1 & this.mask;
    for (;;) {
      const e = this.slots[slot]!;
      if (e === 0) break;
      const idx = e - 1;
      if (this.h1s[idx] === h1 && this.h2s[idx] === h2 && this.states[idx] === state && this.sameBits(idx, linearized)) {
        return -(idx + 1);
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.count >= this.maxEntries) return 0;
    const idx = this.count;
    if (idx === this.h1s.length) this.growEntries();
    this.h1s[idx] = h1;
    this.h2s[idx] = h2;
    this.states[idx] = state;
    this.bits.set(linearized, idx * words);
    this.count++;
    this.slots[slot] = idx + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return idx + 1;
  }

  private sameBits(idx: number, linearized: Uint32Array): boolean {
    const base = idx * this.words;
    for (let w = 0; w < this.words; w++) {
      if (this.bits[base + w] !== linearized[w]) return false;
    }
    return true;
  }

  private growEntries(): void {
    const capacity = this.h1s.length * 2;
    this.h1s = growInt32(this.h1s, capacity);
    this.h2s = growInt32(this.h2s, capacity);
    this.states = growInt32(this.states, capacity);
    const bits = new Uint32Array(capacity * this.words);
    bits.set(this.bits);
    this.bits = bits;
  }

  private growSlots(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let idx = 0; idx < this.count; idx++) {
      let slot = this.h1s[idx]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = idx + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * Per visited key, the sets of optional operations it was reached with: a new set is admitted
 * unless one already there is a subset of it (that configuration could do all this one can).
 */
export class DominanceLists {
  private readonly lists: Uint32Array[][] = [];
  private bytes = 0;

  constructor(
    private readonly words: number,
    private readonly maxBytes: number,
  ) {}

  /** True when admitted (not dominated), false when dominated, null when out of memory. */
  admit(entry: number, bits: Uint32Array): boolean | null {
    let list = this.lists[entry];
    if (list === undefined) {
      list = [];
      this.lists[entry] = list;
    }
    for (const seen of list) {
      let subset = true;
      for (let w = 0; w < this.words; w++) {
        if ((seen[w]! & ~bits[w]!) !== 0) {
          subset = false;
          break;
        }
      }
      if (subset) return false;
    }
    this.bytes += 4 * this.words + 16;
    if (this.bytes > this.maxBytes) return null;
    list.push(bits.slice());
    return true;
  }
}
