/**
 * What a disk write does, for everything that keeps a simulated disk: the kernel, the explorer's
 * model and the unit-test driver. Every write is an fsync'd write: done when its effect completes.
 * A crash may land on the write in flight, which then is lost, torn (an appended record survives as
 * a prefix) or corrupt (it survives with one character changed); overwrites and truncations are
 * atomic, so only an append can come back damaged.
 */
import type { DiskWrite, Rng } from './protocol.ts';
import { assertNever } from './assert.ts';

/** A node's disk: file name -> records. */
export type Disk = Record<string, string[]>;

export type WriteFault = 'none' | 'lost' | 'torn' | 'corrupt';

/**
 * Applies a write. `shared`: the disk's arrays may be shared with other copies of it (the explorer
 * keeps many worlds that share unchanged files), so a changed file gets a new array.
 */
export function applyDiskWrite(disk: Disk, w: DiskWrite, shared = false): void {
  switch (w.op) {
    case 'append':
      if (shared) disk[w.file] = [...(disk[w.file] ?? []), w.record];
      else (disk[w.file] ??= []).push(w.record);
      return;
    case 'truncate': {
      const f = disk[w.file] ?? [];
      const keep = Math.max(0, w.keep);
      if (keep >= f.length) disk[w.file] = f;
      else if (shared) disk[w.file] = f.slice(0, keep);
      else {
        f.length = keep;
        disk[w.file] = f;
      }
      return;
    }
    case 'overwrite':
      disk[w.file] = w.records.slice();
      return;
    default:
      assertNever(w, 'disk write');
  }
}

/**
 * The write that reaches the disk when a crash lands on it with `fault`: the write itself, a
 * damaged append, or nothing. Draws from `rng` only to damage an append.
 */
export function landedWrite(w: DiskWrite, fault: WriteFault, rng: Rng): DiskWrite | null {
  if (fault === 'none') return w;
  if (w.op !== 'append' || fault === 'lost') return null;
  const r = w.record;
  const record = fault === 'torn' ? r.slice(0, rng.int(Math.max(1, r.length))) : corruptChar(r, rng);
  return { op: 'append', file: w.file, record };
}

/** Bit rot: one of the low seven bits of one character flips (so ASCII stays ASCII). */
export function corruptChar(record: string, rng: Rng): string {
  if (record.length === 0) return '\u0000';
  const at = rng.int(record.length);
  const replacement = String.fromCharCode(record.charCodeAt(at) ^ (1 << rng.int(7)));
  return record.slice(0, at) + replacement + record.slice(at + 1);
}
