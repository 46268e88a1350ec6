import { describe, expect, it } from 'vitest';
import { applyDiskWrite, landedWrite, type Disk } from './disk.ts';
import { Stream } from './rng.ts';

describe('disk writes', () => {
  it('append, truncate and overwrite, in place or on shared arrays with the same result', () => {
    for (const shared of [false, true]) {
      const disk: Disk = {};
      applyDiskWrite(disk, { op: 'append', file: 'log', record: 'a' }, shared);
      applyDiskWrite(disk, { op: 'append', file: 'log', record: 'b' }, shared);
      const before = disk['log']!;
      applyDiskWrite(disk, { op: 'truncate', file: 'log', keep: 1 }, shared);
      expect(disk['log']).toEqual(['a']);
      expect(before).toEqual(shared ? ['a', 'b'] : ['a']); // a shared array is never changed
      applyDiskWrite(disk, { op: 'truncate', file: 'log', keep: 5 }, shared);
      applyDiskWrite(disk, { op: 'truncate', file: 'none', keep: 0 }, shared);
      applyDiskWrite(disk, { op: 'overwrite', file: 'meta', records: ['x', 'y'] }, shared);
      expect(disk).toEqual({ log: ['a'], none: [], meta: ['x', 'y'] });
    }
  });

  it('a crash on the write in flight: lost, torn or corrupt appends; other writes are atomic', () => {
    const rng = new Stream(3, 'faults/runtime');
    const append = { op: 'append', file: 'log', record: 'hello world' } as const;
    expect(landedWrite(append, 'none', rng)).toBe(append);
    expect(landedWrite(append, 'lost', rng)).toBeNull();
    const torn = landedWrite(append, 'torn', rng)!;
    expect(torn.op === 'append' && 'hello world'.startsWith(torn.record) && torn.record.length < 11).toBe(true);
    const corrupt = landedWrite(append, 'corrupt', rng)!;
    expect(corrupt.op === 'append' && corrupt.record.length === 11 && corrupt.record !== 'hello world').toBe(true);
    expect(landedWrite({ op: 'overwrite', file: 'm', records: ['1'] }, 'torn', rng)).toBeNull();
  });
});
