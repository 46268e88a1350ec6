/**
 * Inclusive slot ranges, as Redis prints them in CLUSTER NODES and nodes.conf: "0-5460" for a run,
 * "42" for a single slot.
 *
 * A list of ranges is "normalized" when it is sorted, every range is valid, and no two ranges
 * overlap or touch (adjacent ranges are merged: 0-5 and 6-9 become 0-9). Normalized lists are
 * the canonical form: two normalized lists cover the same slots iff they are deep-equal, which
 * is what a model checker needs to recognise a state it has seen.
 */
import { MAX_SLOT, isValidSlot } from './key-slot.ts';

export interface SlotRange {
  /** First slot, inclusive. */
  readonly start: number;
  /** Last slot, inclusive. */
  readonly end: number;
}

export function slotRange(start: number, end = start): SlotRange {
  if (!isValidSlot(start) || !isValidSlot(end) || start > end) {
    throw new RangeError(`invalid slot range ${start}-${end}`);
  }
  return { start, end };
}

/** Every slot, 0-16383. */
export const ALL_SLOTS: readonly SlotRange[] = Object.freeze([Object.freeze({ start: 0, end: MAX_SLOT })]);

/** Decimal digits without sign or leading zeros (but "0" itself), as Redis prints slots. */
const SLOT_NUMBER = /^(0|[1-9][0-9]{0,4})$/;

/**
 * Parses "0-5460" or "42". Returns null for anything else (a slot out of 0..16383, start > end,
 * signs, spaces, leading zeros).
 */
export function parseSlotRange(text: string): SlotRange | null {
  const dash = text.indexOf('-');
  const startText = dash === -1 ? text : text.slice(0, dash);
  const endText = dash === -1 ? text : text.slice(dash + 1);
  if (!SLOT_NUMBER.test(startText) || !SLOT_NUMBER.test(endText)) return null;
  const start = Number(startText);
  const end = Number(endText);
  if (!isValidSlot(start) || !isValidSlot(end) || start > end) return null;
  return { start, end };
}

/** "0-5460", or "42" for a one-slot range (the form Redis prints). */
export function formatSlotRange(range: SlotRange): string {
  return range.start === range.end ? `${range.start}` : `${range.start}-${range.end}`;
}

/** Ranges separated by spaces, e.g. "0-5460 5462 10923-16383". */
export function formatSlotRanges(ranges: readonly SlotRange[]): string {
  return ranges.map(formatSlotRange).join(' ');
}

/** Sorts, and merges overlapping or adjacent ranges. Accepts any valid ranges, in any order. */
export function normalizeSlotRanges(ranges: readonly SlotRange[]): SlotRange[] {
  // Most lists handed in are normalized already (a shard's slots, a union with nothing): copied
  // as they are, without the sort.
  if (isNormalized(ranges)) return ranges.map((range) => ({ start: range.start, end: range.end }));
  for (const range of ranges) assertValidRange(range);
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: SlotRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end + 1) {
      if (range.end > last.end) merged[merged.length - 1] = { start: last.start, end: range.end };
    } else {
      merged.push({ start: range.start, end: range.end });
    }
  }
  return merged;
}

/** Normalized ranges covering exactly the given slots (duplicates allowed). */
export function slotsToRanges(slots: Iterable<number>): SlotRange[] {
  const ranges: SlotRange[] = [];
  for (const slot of slots) ranges.push(slotRange(slot));
  return normalizeSlotRanges(ranges);
}

/** Every slot of the ranges, in ascending order if the ranges are normalized. */
export function rangesToSlots(ranges: readonly SlotRange[]): number[] {
  const slots: number[] = [];
  for (const range of ranges) {
    for (let slot = range.start; slot <= range.end; slot++) slots.push(slot);
  }
  return slots;
}

/** Number of slots covered by normalized ranges. */
export function countSlots(ranges: readonly SlotRange[]): number {
  let count = 0;
  for (const range of ranges) count += range.end - range.start + 1;
  return count;
}

/** True when normalized `ranges` contain `slot` (binary search). */
export function rangesContain(ranges: readonly SlotRange[], slot: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const range = ranges[mid]!;
    if (slot < range.start) high = mid - 1;
    else if (slot > range.end) low = mid + 1;
    else return true;
  }
  return false;
}

/** Normalized union. */
export function unionSlotRanges(a: readonly SlotRange[], b: readonly SlotRange[]): SlotRange[] {
  if (b.length === 0) return normalizeSlotRanges(a);
  if (a.length === 0) return normalizeSlotRanges(b);
  return normalizeSlotRanges([...a, ...b]);
}

/** Normalized `a` minus `b` (both normalized). */
export function subtractSlotRanges(a: readonly SlotRange[], b: readonly SlotRange[]): SlotRange[] {
  const result: SlotRange[] = [];
  let j = 0;
  for (const range of a) {
    let start = range.start;
    // Skip the holes that end before this range begins.
    while (j < b.length && b[j]!.end < start) j++;
    let k = j;
    while (k < b.length && b[k]!.start <= range.end) {
      const hole = b[k]!;
      if (hole.start > start) result.push({ start, end: hole.start - 1 });
      start = Math.max(start, hole.end + 1);
      k++;
    }
    if (start <= range.end) result.push({ start, end: range.end });
  }
  return result;
}

/** Normalized intersection of two normalized lists. */
export function intersectSlotRanges(a: readonly SlotRange[], b: readonly SlotRange[]): SlotRange[] {
  const result: SlotRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (start <= end) result.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return result;
}

/** True when `ranges` is sorted, valid, and free of overlapping or adjacent neighbours. */
export function isNormalized(ranges: readonly SlotRange[]): boolean {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!;
    if (!isValidSlot(range.start) || !isValidSlot(range.end) || range.start > range.end) return false;
    const previous = ranges[i - 1];
    if (previous !== undefined && range.start <= previous.end + 1) return false;
  }
  return true;
}

function assertValidRange(range: SlotRange): void {
  if (!isValidSlot(range.start) || !isValidSlot(range.end) || range.start > range.end) {
    throw new RangeError(`invalid slot range ${range.start}-${range.end}`);
  }
}
