import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SLOT_COUNT } from './key-slot.ts';
import { type SlotRange, countSlots, rangesContain, slotRange } from './slot-range.ts';
import {
  assignSlots,
  buildSlotMap,
  countAssignedSlots,
  coversAllSlots,
  emptySlotMap,
  ownsSlot,
  slotOwner,
  slotRangesOf,
  slotRuns,
  unassignSlots,
} from './slot-map.ts';

/**
 * A random partition of all 16384 slots among `owners`: cut points split 0..16383 into runs and
 * each run goes to a random owner (so one owner often holds several runs).
 */
const arbitraryPartition = fc
  .record({
    owners: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 6 }),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: SLOT_COUNT - 1 }), { maxLength: 12 }),
    picks: fc.array(fc.nat(), { minLength: 13, maxLength: 13 }),
  })
  .map(({ owners, cuts, picks }) => {
    const bounds = [0, ...cuts.sort((x, y) => x - y), SLOT_COUNT];
    const byOwner = new Map<string, SlotRange[]>(owners.map((o) => [o, []]));
    for (let i = 0; i + 1 < bounds.length; i++) {
      const owner = owners[picks[i]! % owners.length]!;
      byOwner.get(owner)!.push(slotRange(bounds[i]!, bounds[i + 1]! - 1));
    }
    return [...byOwner].map(([owner, ranges]) => ({ owner, ranges }));
  });

describe('SlotMap', () => {
  it('in a valid full map, every slot has exactly one owner', () => {
    fc.assert(
      fc.property(arbitraryPartition, (assignments) => {
        const built = buildSlotMap(assignments);
        if (!built.ok) throw new Error('a partition never conflicts');
        const map = built.map;
        expect(coversAllSlots(map)).toBe(true);
        const perOwner = assignments.map(({ owner }) => ({ owner, ranges: slotRangesOf(map, owner) }));
        expect(perOwner.reduce((n, { ranges }) => n + countSlots(ranges), 0)).toBe(SLOT_COUNT);
        const badSlots: number[] = [];
        for (let slot = 0; slot < SLOT_COUNT; slot++) {
          const claimants = perOwner.filter(({ ranges }) => rangesContain(ranges, slot)).map(({ owner }) => owner);
          if (claimants.length !== 1 || slotOwner(map, slot) !== claimants[0]) badSlots.push(slot);
        }
        expect(badSlots).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses two owners for one slot, naming the slot', () => {
    const built = buildSlotMap([
      { owner: 'a', ranges: [slotRange(0, 100)] },
      { owner: 'b', ranges: [slotRange(100, 200)] },
    ]);
    expect(built).toEqual({ ok: false, slot: 100, owners: ['a', 'b'] });
  });

  it('answers ownership queries and reports runs', () => {
    let map = emptySlotMap();
    expect(slotOwner(map, 0)).toBeNull();
    map = assignSlots(map, 'a', [slotRange(0, 5460)]);
    map = assignSlots(map, 'b', [slotRange(5461, 10922)]);
    map = assignSlots(map, 'c', [slotRange(10923, 16383)]);
    expect(ownsSlot(map, 'b', 5461)).toBe(true);
    expect(ownsSlot(map, 'a', 5461)).toBe(false);
    expect(slotRuns(map)).toEqual([
      { start: 0, end: 5460, owner: 'a' },
      { start: 5461, end: 10922, owner: 'b' },
      { start: 10923, end: 16383, owner: 'c' },
    ]);
    const holed = unassignSlots(map, [slotRange(100, 199), slotRange(16383)]);
    expect(countAssignedSlots(holed)).toBe(SLOT_COUNT - 101);
    expect(slotRangesOf(holed, 'a')).toEqual([
      { start: 0, end: 99 },
      { start: 200, end: 5460 },
    ]);
    expect(slotRuns(holed).at(-1)).toEqual({ start: 10923, end: 16382, owner: 'c' });
    // The original is untouched: updates copy.
    expect(countAssignedSlots(map)).toBe(SLOT_COUNT);
  });

  it('reassigning takes slots from their previous owner', () => {
    const map = assignSlots(assignSlots(emptySlotMap(), 'a', [slotRange(0, 9)]), 'b', [slotRange(5, 14)]);
    expect(slotRangesOf(map, 'a')).toEqual([{ start: 0, end: 4 }]);
    expect(slotRangesOf(map, 'b')).toEqual([{ start: 5, end: 14 }]);
    expect(slotRangesOf(map, 'nobody')).toEqual([]);
  });

  it('rejects out-of-range slots', () => {
    expect(() => slotOwner(emptySlotMap(), 16384)).toThrow(RangeError);
    expect(() => assignSlots(emptySlotMap(), 'a', [{ start: 3, end: 2 }])).toThrow(RangeError);
  });
});
