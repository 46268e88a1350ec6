import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MERGE_THRESHOLD_BYTES,
  type RangeTable,
  SPLIT_THRESHOLD_BYTES,
  checkRangeTable,
  createRangeTable,
  mergeRanges,
  planRangeMaintenance,
  reassignRange,
  recordWrite,
  routeKey,
  splitRange,
} from './ranges.ts';

const MB = 1024 * 1024;
const keyArbitrary = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'm', 'z'), maxLength: 4 });

/** A table made by splitting at each of the given keys (those strictly inside their range), owners alternating. */
function tableFrom(splitKeys: readonly string[]): RangeTable {
  let table = createRangeTable('n0');
  for (const key of splitKeys) {
    const range = routeKey(table, key);
    if (key > range.startKey) table = splitRange(table, range.id, key);
  }
  table.ranges.forEach((range, i) => {
    table = reassignRange(table, range.id, `n${i % 3}`);
  });
  return table;
}

/** Where a key goes: its range's bounds and owner. */
function routing(table: RangeTable, key: string) {
  const { startKey, endKey, owner } = routeKey(table, key);
  return { startKey, endKey, owner };
}

describe('RangeTable', () => {
  it('starts as one range covering every key', () => {
    const table = createRangeTable('node-1');
    for (const key of ['', 'a', '\uffff']) expect(routeKey(table, key)).toMatchObject({ id: 1, owner: 'node-1' });
    expect(checkRangeTable(table)).toEqual([]);
  });

  it('routes a key to the range whose bounds hold it', () => {
    fc.assert(
      fc.property(fc.array(keyArbitrary, { maxLength: 12 }), keyArbitrary, (splits, key) => {
        const table = tableFrom(splits);
        expect(checkRangeTable(table)).toEqual([]);
        const range = routeKey(table, key);
        expect(range.startKey <= key).toBe(true);
        expect(range.endKey === null || key < range.endKey).toBe(true);
        expect(table.ranges.filter((r) => r.startKey <= key && (r.endKey === null || key < r.endKey))).toEqual([range]);
      }),
    );
  });

  it('split then merge gives back the same routing', () => {
    fc.assert(
      fc.property(fc.array(keyArbitrary, { maxLength: 10 }), keyArbitrary, fc.array(keyArbitrary, { maxLength: 20 }), (splits, at, probes) => {
        const table = tableFrom(splits);
        const target = routeKey(table, at);
        fc.pre(at > target.startKey); // the split key must lie strictly inside
        const split = splitRange(table, target.id, at);
        expect(checkRangeTable(split)).toEqual([]);
        expect(split.ranges).toHaveLength(table.ranges.length + 1);
        const merged = mergeRanges(split, target.id);
        expect(checkRangeTable(merged)).toEqual([]);
        expect(merged.ranges).toEqual(table.ranges);
        for (const key of [...probes, at, target.startKey]) expect(routing(merged, key)).toEqual(routing(table, key));
      }),
    );
  });

  it('splits keep the owner and divide the size; sizes follow writes', () => {
    let table = recordWrite(createRangeTable('n1'), 'k', 70 * MB);
    table = recordWrite(table, 'k', -80 * MB);
    expect(routeKey(table, 'k').sizeBytes).toBe(0);
    table = recordWrite(table, 'k', 70 * MB);
    const split = splitRange(table, 1, 'm', 30 * MB);
    expect(split.ranges).toEqual([
      { id: 1, startKey: '', endKey: 'm', sizeBytes: 30 * MB, owner: 'n1' },
      { id: 2, startKey: 'm', endKey: null, sizeBytes: 40 * MB, owner: 'n1' },
    ]);
    expect(split.nextRangeId).toBe(3);
  });

  it('plans a split above 64 MB and a merge of neighbours under 20 MB combined', () => {
    let table = createRangeTable('n1');
    table = splitRange(table, 1, 'g');
    table = splitRange(table, 2, 'p');
    table = splitRange(table, 3, 't');
    // ['', g): 65 MB, [g, p): 8 MB, [p, t): 11 MB, [t, ∞): 1 MB
    table = recordWrite(table, 'a', SPLIT_THRESHOLD_BYTES + MB);
    table = recordWrite(table, 'h', 8 * MB);
    table = recordWrite(table, 'q', 11 * MB);
    table = recordWrite(table, 'u', MB);
    expect(planRangeMaintenance(table)).toEqual([
      { type: 'split', rangeId: 1 },
      { type: 'merge', leftId: 2, rightId: 3 },
    ]);
    // Exactly 64 MB does not split ("over 64 MB"); exactly 20 MB combined does not merge ("under").
    const edge = recordWrite(recordWrite(recordWrite(table, 'a', -MB), 'h', MB), 'u', 0);
    expect(planRangeMaintenance(edge)).toEqual([{ type: 'merge', leftId: 3, rightId: 4 }]);
    expect(MERGE_THRESHOLD_BYTES).toBe(20 * MB);
  });

  it('never plans to merge ranges of different owners, or to undo a split at once', () => {
    let table = splitRange(createRangeTable('n1'), 1, 'm');
    expect(planRangeMaintenance(table)).toEqual([{ type: 'merge', leftId: 1, rightId: 2 }]);
    table = reassignRange(table, 2, 'n2');
    expect(planRangeMaintenance(table)).toEqual([]);
    expect(() => mergeRanges(table, 1)).toThrow(/different owners/);
    // A range split for being over 64 MB has halves summing to over 64 MB: never under 20 MB.
    const big = splitRange(recordWrite(createRangeTable('n1'), 'x', SPLIT_THRESHOLD_BYTES + 1), 1, 'm');
    expect(planRangeMaintenance(big)).toEqual([]);
  });

  it('rejects splits outside the range and merges of the last range', () => {
    const table = splitRange(createRangeTable('n1'), 1, 'm');
    expect(() => splitRange(table, 1, '')).toThrow(RangeError);
    expect(() => splitRange(table, 1, 'm')).toThrow(RangeError);
    expect(() => splitRange(table, 2, 'a')).toThrow(RangeError);
    expect(() => splitRange(table, 9, 'q')).toThrow(RangeError);
    expect(() => splitRange(table, 2, 'q', -1)).toThrow(RangeError);
    expect(() => mergeRanges(table, 2)).toThrow(RangeError);
  });

  it('the shape check names gaps, duplicates and bad bounds', () => {
    const table = splitRange(createRangeTable('n1'), 1, 'm');
    const gap: RangeTable = { ...table, ranges: [table.ranges[0]!, { ...table.ranges[1]!, startKey: 'n' }] };
    expect(checkRangeTable(gap)).toEqual(['range 1 ends at "m" but range 2 starts at "n"']);
    const dup: RangeTable = { ...table, ranges: [table.ranges[0]!, { ...table.ranges[1]!, id: 1 }] };
    expect(checkRangeTable(dup)).toEqual(['range id 1 appears twice']);
    expect(checkRangeTable({ ranges: [], nextRangeId: 1 })).toEqual(['the table has no ranges']);
    expect(checkRangeTable({ ...table, ranges: [{ ...table.ranges[0]!, endKey: 'm' }] })).toEqual(['the last range is bounded']);
  });
});
