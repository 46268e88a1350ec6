/**
 * Key ranges that split when they grow and merge when they shrink, with a router from key to
 * range and owner, as stemedb manages its keyspace ("Ranges can split (>64MB) or merge (<20MB
 * combined)").
 *
 * A RangeTable is a sorted list of contiguous ranges covering every key: the first starts at ""
 * (the smallest string), each ends where the next starts, and the last is unbounded (endKey
 * null). Keys compare as JavaScript strings (by UTF-16 code unit). Each range has an owner and
 * a size estimate in bytes, kept up to date by the caller (recordWrite).
 *
 * The thresholds leave a wide gap on purpose: a range just split from over 64 MB has halves
 * summing to over 64 MB, far above the 20 MB merge bound, so a split is never undone at once
 * and ranges don't flap.
 */

export const SPLIT_THRESHOLD_BYTES = 64 * 1024 * 1024;
export const MERGE_THRESHOLD_BYTES = 20 * 1024 * 1024;

export interface RangeDescriptor {
  readonly id: number;
  /** First key of the range, inclusive. */
  readonly startKey: string;
  /** First key after the range (exclusive), or null for the last, unbounded range. */
  readonly endKey: string | null;
  readonly sizeBytes: number;
  readonly owner: string;
}

export interface RangeTable {
  /** Sorted by startKey, contiguous, covering every key. */
  readonly ranges: readonly RangeDescriptor[];
  /** The id the next split will give its right half. */
  readonly nextRangeId: number;
}

export interface RangeThresholds {
  /** Split a range larger than this. */
  readonly splitAboveBytes: number;
  /** Merge two adjacent ranges whose combined size is below this. */
  readonly mergeBelowBytes: number;
}

export const DEFAULT_RANGE_THRESHOLDS: RangeThresholds = Object.freeze({
  splitAboveBytes: SPLIT_THRESHOLD_BYTES,
  mergeBelowBytes: MERGE_THRESHOLD_BYTES,
});

export type RangeAction =
  | { readonly type: 'split'; readonly rangeId: number }
  | { readonly type: 'merge'; readonly leftId: number; readonly rightId: number };

/** One range covering every key, owned by `owner`. */
export function createRangeTable(owner: string): RangeTable {
  return { ranges: [{ id: 1, startKey: '', endKey: null, sizeBytes: 0, owner }], nextRangeId: 2 };
}

/** The router: the range holding `key` (and so its owner). */
export function routeKey(table: RangeTable, key: string): RangeDescriptor {
  return table.ranges[rangeIndexOf(table, key)]!;
}

/** Adds `deltaBytes` (negative for deletes) to the size of the range holding `key`, never below 0. */
export function recordWrite(table: RangeTable, key: string, deltaBytes: number): RangeTable {
  const index = rangeIndexOf(table, key);
  const range = table.ranges[index]!;
  return replaceAt(table, index, [{ ...range, sizeBytes: Math.max(0, range.sizeBytes + deltaBytes) }]);
}

/**
 * Splits range `rangeId` at `splitKey` (strictly inside it). The left half keeps the id, the
 * right half gets a new one; both keep the owner. `leftSizeBytes` (default: half) says how the
 * size estimate divides, as only the caller knows where the data lies.
 */
export function splitRange(table: RangeTable, rangeId: number, splitKey: string, leftSizeBytes?: number): RangeTable {
  const index = indexOfId(table, rangeId);
  const range = table.ranges[index]!;
  if (!(splitKey > range.startKey) || (range.endKey !== null && !(splitKey < range.endKey))) {
    throw new RangeError(`split key ${JSON.stringify(splitKey)} is not strictly inside range ${rangeId}`);
  }
  const leftBytes = leftSizeBytes ?? Math.floor(range.sizeBytes / 2);
  if (!(leftBytes >= 0 && leftBytes <= range.sizeBytes)) throw new RangeError(`left size ${leftBytes} is outside 0..${range.sizeBytes}`);
  const left: RangeDescriptor = { ...range, endKey: splitKey, sizeBytes: leftBytes };
  const right: RangeDescriptor = { ...range, id: table.nextRangeId, startKey: splitKey, sizeBytes: range.sizeBytes - leftBytes };
  return { ...replaceAt(table, index, [left, right]), nextRangeId: table.nextRangeId + 1 };
}

/** Merges range `leftId` with the range right after it. Both must have the same owner (move one first). */
export function mergeRanges(table: RangeTable, leftId: number): RangeTable {
  const index = indexOfId(table, leftId);
  const left = table.ranges[index]!;
  const right = table.ranges[index + 1];
  if (right === undefined) throw new RangeError(`range ${leftId} is the last range: nothing to merge with`);
  if (right.owner !== left.owner) {
    throw new RangeError(`ranges ${left.id} and ${right.id} have different owners (${left.owner}, ${right.owner})`);
  }
  return replaceAt(table, index, [{ ...left, endKey: right.endKey, sizeBytes: left.sizeBytes + right.sizeBytes }], 2);
}

/** Gives range `rangeId` to another owner (after its data moved). */
export function reassignRange(table: RangeTable, rangeId: number, owner: string): RangeTable {
  const index = indexOfId(table, rangeId);
  return replaceAt(table, index, [{ ...table.ranges[index]!, owner }]);
}

/**
 * What the table needs: a split for every range over the split threshold, and merges of
 * adjacent same-owner pairs under the merge threshold combined, chosen left to right without
 * sharing a range (so all actions can be applied in one pass).
 */
export function planRangeMaintenance(table: RangeTable, thresholds: RangeThresholds = DEFAULT_RANGE_THRESHOLDS): RangeAction[] {
  const actions: RangeAction[] = [];
  const ranges = table.ranges;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!;
    if (range.sizeBytes > thresholds.splitAboveBytes) {
      actions.push({ type: 'split', rangeId: range.id });
      continue;
    }
    const next = ranges[i + 1];
    if (
      next !== undefined &&
      next.owner === range.owner &&
      next.sizeBytes <= thresholds.splitAboveBytes &&
      range.sizeBytes + next.sizeBytes < thresholds.mergeBelowBytes
    ) {
      actions.push({ type: 'merge', leftId: range.id, rightId: next.id });
      i++; // `next` is taken
    }
  }
  return actions;
}

/** Violations of the table's shape (empty when sound). */
export function checkRangeTable(table: RangeTable): string[] {
  const problems: string[] = [];
  const ranges = table.ranges;
  if (ranges.length === 0) return ['the table has no ranges'];
  if (ranges[0]!.startKey !== '') problems.push(`the first range starts at ${JSON.stringify(ranges[0]!.startKey)}, not ""`);
  if (ranges[ranges.length - 1]!.endKey !== null) problems.push('the last range is bounded');
  const ids = new Set<number>();
  ranges.forEach((range, i) => {
    if (ids.has(range.id)) problems.push(`range id ${range.id} appears twice`);
    ids.add(range.id);
    if (range.id >= table.nextRangeId) problems.push(`range id ${range.id} is not below nextRangeId ${table.nextRangeId}`);
    if (range.endKey !== null && !(range.startKey < range.endKey)) problems.push(`range ${range.id} is empty or reversed`);
    if (!(range.sizeBytes >= 0)) problems.push(`range ${range.id} has size ${range.sizeBytes}`);
    const next = ranges[i + 1];
    if (next !== undefined && range.endKey !== next.startKey) {
      problems.push(`range ${range.id} ends at ${JSON.stringify(range.endKey)} but range ${next.id} starts at ${JSON.stringify(next.startKey)}`);
    }
  });
  return problems;
}

/** Index of the last range whose startKey <= key (the first range starts at "", so there always is one). */
function rangeIndexOf(table: RangeTable, key: string): number {
  let low = 0;
  let high = table.ranges.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (table.ranges[mid]!.startKey <= key) low = mid;
    else high = mid - 1;
  }
  return low;
}

function indexOfId(table: RangeTable, id: number): number {
  const index = table.ranges.findIndex((range) => range.id === id);
  if (index === -1) throw new RangeError(`no range ${id}`);
  return index;
}

function replaceAt(table: RangeTable, index: number, replacement: RangeDescriptor[], removeCount = 1): RangeTable {
  const ranges = [...table.ranges.slice(0, index), ...replacement, ...table.ranges.slice(index + removeCount)];
  return { ...table, ranges };
}
