import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type SlotRange,
  countSlots,
  formatSlotRange,
  formatSlotRanges,
  intersectSlotRanges,
  isNormalized,
  normalizeSlotRanges,
  parseSlotRange,
  rangesContain,
  rangesToSlots,
  slotRange,
  slotsToRanges,
  subtractSlotRanges,
  unionSlotRanges,
} from './slot-range.ts';

/** Oracle: a set of slots as a plain boolean array. */
function toBits(ranges: readonly SlotRange[]): boolean[] {
  const bits = new Array<boolean>(16384).fill(false);
  for (const r of ranges) for (let s = r.start; s <= r.end; s++) bits[s] = true;
  return bits;
}

function fromBits(bits: readonly boolean[]): number[] {
  const slots: number[] = [];
  bits.forEach((on, slot) => {
    if (on) slots.push(slot);
  });
  return slots;
}

/** Ranges biased towards small slot numbers so that overlaps and adjacency are common. */
const arbitraryRange = fc
  .tuple(fc.integer({ min: 0, max: 16383 }), fc.integer({ min: 0, max: 40 }))
  .chain(([start, length]) =>
    fc.constantFrom(
      slotRange(start % 200, Math.min(16383, (start % 200) + length)),
      slotRange(start, Math.min(16383, start + length)),
    ),
  );
const arbitraryRanges = fc.array(arbitraryRange, { maxLength: 8 });

describe('parseSlotRange / formatSlotRange', () => {
  it('parses the forms Redis prints', () => {
    expect(parseSlotRange('0-5460')).toEqual({ start: 0, end: 5460 });
    expect(parseSlotRange('42')).toEqual({ start: 42, end: 42 });
    expect(parseSlotRange('16383')).toEqual({ start: 16383, end: 16383 });
    expect(parseSlotRange('5-5')).toEqual({ start: 5, end: 5 });
  });

  it('rejects out-of-range, reversed and malformed text', () => {
    for (const bad of ['', '-', '16384', '0-16384', '10-5', '-1', '+1', '01', ' 1', '1-', '-5', '1-2-3', 'a', '1.0']) {
      expect(parseSlotRange(bad), bad).toBeNull();
    }
  });

  it('formats a single slot without a dash, a run with one', () => {
    expect(formatSlotRange({ start: 7, end: 7 })).toBe('7');
    expect(formatSlotRange({ start: 0, end: 5460 })).toBe('0-5460');
    expect(formatSlotRanges([{ start: 0, end: 1 }, { start: 9, end: 9 }])).toBe('0-1 9');
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(arbitraryRange, (range) => {
        expect(parseSlotRange(formatSlotRange(range))).toEqual(range);
      }),
    );
  });
});

describe('normalizeSlotRanges', () => {
  it('merges adjacent and overlapping ranges and sorts them', () => {
    expect(normalizeSlotRanges([slotRange(6, 9), slotRange(0, 5)])).toEqual([{ start: 0, end: 9 }]);
    expect(normalizeSlotRanges([slotRange(0, 5), slotRange(3, 4), slotRange(8, 10)])).toEqual([
      { start: 0, end: 5 },
      { start: 8, end: 10 },
    ]);
    expect(normalizeSlotRanges([])).toEqual([]);
  });

  it('throws on invalid input ranges', () => {
    expect(() => normalizeSlotRanges([{ start: 5, end: 4 }])).toThrow(RangeError);
    expect(() => normalizeSlotRanges([{ start: 0, end: 16384 }])).toThrow(RangeError);
  });

  it('covers exactly the same slots as its input, in canonical form', () => {
    fc.assert(
      fc.property(arbitraryRanges, (ranges) => {
        const normalized = normalizeSlotRanges(ranges);
        expect(isNormalized(normalized)).toBe(true);
        expect(fromBits(toBits(normalized))).toEqual(fromBits(toBits(ranges)));
        expect(countSlots(normalized)).toBe(fromBits(toBits(ranges)).length);
        expect(normalizeSlotRanges(normalized)).toEqual(normalized);
      }),
    );
  });

  it('slotsToRanges and rangesToSlots are inverse', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 50 }), (slots) => {
        const ranges = slotsToRanges(slots);
        expect(rangesToSlots(ranges)).toEqual([...new Set(slots)].sort((a, b) => a - b));
      }),
    );
  });
});

describe('set operations on normalized ranges', () => {
  it('agree with the boolean-array oracle', () => {
    fc.assert(
      fc.property(arbitraryRanges, arbitraryRanges, fc.integer({ min: 0, max: 16383 }), (x, y, probe) => {
        const a = normalizeSlotRanges(x);
        const b = normalizeSlotRanges(y);
        const bitsA = toBits(a);
        const bitsB = toBits(b);
        const union = unionSlotRanges(a, b);
        const difference = subtractSlotRanges(a, b);
        const intersection = intersectSlotRanges(a, b);
        expect(isNormalized(union) && isNormalized(difference) && isNormalized(intersection)).toBe(true);
        expect(fromBits(toBits(union))).toEqual(fromBits(bitsA.map((on, s) => on || bitsB[s]!)));
        expect(fromBits(toBits(difference))).toEqual(fromBits(bitsA.map((on, s) => on && !bitsB[s]!)));
        expect(fromBits(toBits(intersection))).toEqual(fromBits(bitsA.map((on, s) => on && bitsB[s]!)));
        for (const slot of [probe, probe % 200, a[0]?.start ?? 0, a[0]?.end ?? 0]) {
          expect(rangesContain(a, slot)).toBe(bitsA[slot]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
