/**
 * A dense slot-to-owner table: one Int32Array cell per slot holding an index into `owners`, or
 * UNASSIGNED. It answers "who owns slot 1234" in O(1) and makes per-slot scans (CLUSTER SLOTS,
 * CLUSTER INFO counters) cheap.
 *
 * It is a derived index, not a state: states keep per-node slot ranges (plain JSON), and a
 * SlotMap is built from them when many lookups are due. Updates return a new map (a 64 KiB
 * copy) and never modify their input.
 *
 * By construction each slot has at most one owner; `buildSlotMap` refuses assignments in
 * which two owners claim the same slot (Redis Cluster specification: "a hash slot is served by
 * a single master").
 */
import { SLOT_COUNT, isValidSlot } from './key-slot.ts';
import type { SlotRange } from './slot-range.ts';

export const UNASSIGNED = -1;

export interface SlotMap {
  /** Per slot: an index into `owners`, or UNASSIGNED. Length SLOT_COUNT. Never mutated. */
  readonly cells: Int32Array;
  /** Owner names, each listed once, in the order they were first assigned. */
  readonly owners: readonly string[];
}

/** One owner and the slots it claims. */
export interface SlotAssignment {
  readonly owner: string;
  readonly ranges: readonly SlotRange[];
}

/** A contiguous run of slots with the same owner. */
export interface SlotRun {
  readonly start: number;
  readonly end: number;
  readonly owner: string;
}

export type BuildSlotMapResult =
  | { readonly ok: true; readonly map: SlotMap }
  | { readonly ok: false; readonly slot: number; readonly owners: readonly [string, string] };

export function emptySlotMap(): SlotMap {
  return { cells: new Int32Array(SLOT_COUNT).fill(UNASSIGNED), owners: [] };
}

/** Builds a map from per-owner ranges, or reports the first slot that two owners claim. */
export function buildSlotMap(assignments: Iterable<SlotAssignment>): BuildSlotMapResult {
  const cells = new Int32Array(SLOT_COUNT).fill(UNASSIGNED);
  const owners: string[] = [];
  for (const { owner, ranges } of assignments) {
    let index = owners.indexOf(owner);
    if (index === -1) index = owners.push(owner) - 1;
    for (const range of ranges) {
      assertRange(range);
      for (let slot = range.start; slot <= range.end; slot++) {
        const current = cells[slot]!;
        if (current !== UNASSIGNED && current !== index) {
          return { ok: false, slot, owners: [owners[current]!, owner] };
        }
        cells[slot] = index;
      }
    }
  }
  return { ok: true, map: { cells, owners } };
}

/** The owner of `slot`, or null when it is unassigned. */
export function slotOwner(map: SlotMap, slot: number): string | null {
  assertSlot(slot);
  const index = map.cells[slot]!;
  return index === UNASSIGNED ? null : map.owners[index]!;
}

export function ownsSlot(map: SlotMap, owner: string, slot: number): boolean {
  return slotOwner(map, slot) === owner;
}

/** Assigns the slots of `ranges` to `owner`, taking them from whoever held them. */
export function assignSlots(map: SlotMap, owner: string, ranges: readonly SlotRange[]): SlotMap {
  let owners = map.owners;
  let index = owners.indexOf(owner);
  if (index === -1) {
    owners = [...owners, owner];
    index = owners.length - 1;
  }
  const cells = map.cells.slice();
  for (const range of ranges) {
    assertRange(range);
    cells.fill(index, range.start, range.end + 1);
  }
  return { cells, owners };
}

/** Marks the slots of `ranges` unassigned. */
export function unassignSlots(map: SlotMap, ranges: readonly SlotRange[]): SlotMap {
  const cells = map.cells.slice();
  for (const range of ranges) {
    assertRange(range);
    cells.fill(UNASSIGNED, range.start, range.end + 1);
  }
  return { cells, owners: map.owners };
}

/** Normalized ranges of the slots `owner` holds (empty if none). */
export function slotRangesOf(map: SlotMap, owner: string): SlotRange[] {
  const index = map.owners.indexOf(owner);
  const ranges: SlotRange[] = [];
  if (index === -1) return ranges;
  let start = -1;
  for (let slot = 0; slot <= SLOT_COUNT; slot++) {
    const mine = slot < SLOT_COUNT && map.cells[slot] === index;
    if (mine && start === -1) start = slot;
    if (!mine && start !== -1) {
      ranges.push({ start, end: slot - 1 });
      start = -1;
    }
  }
  return ranges;
}

/** Maximal runs of consecutive assigned slots with one owner, ascending; unassigned slots are skipped. */
export function slotRuns(map: SlotMap): SlotRun[] {
  const runs: SlotRun[] = [];
  let start = 0;
  for (let slot = 1; slot <= SLOT_COUNT; slot++) {
    const previous = map.cells[slot - 1]!;
    if (slot < SLOT_COUNT && map.cells[slot] === previous) continue;
    if (previous !== UNASSIGNED) runs.push({ start, end: slot - 1, owner: map.owners[previous]! });
    start = slot;
  }
  return runs;
}

/** Number of assigned slots. */
export function countAssignedSlots(map: SlotMap): number {
  let count = 0;
  for (let slot = 0; slot < SLOT_COUNT; slot++) if (map.cells[slot] !== UNASSIGNED) count++;
  return count;
}

/** True when every slot has an owner. */
export function coversAllSlots(map: SlotMap): boolean {
  return countAssignedSlots(map) === SLOT_COUNT;
}

function assertSlot(slot: number): void {
  if (!isValidSlot(slot)) throw new RangeError(`slot out of range: ${slot}`);
}

function assertRange(range: SlotRange): void {
  if (!isValidSlot(range.start) || !isValidSlot(range.end) || range.start > range.end) {
    throw new RangeError(`invalid slot range ${range.start}-${range.end}`);
  }
}
