import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Stream, streamKey } from './rng.ts';

describe('Stream', () => {
  it("draws exactly seedrandom's Alea sequence", () => {
    for (const [seed, name] of [[1, 'link/n1>n2'], [42, 'node/n3'], [0, 'faults/runtime'], [2 ** 40, 'config']] as const) {
      const reference = seedrandom.alea(streamKey(seed, name));
      const stream = new Stream(seed, name);
      for (let k = 0; k < 10_000; k++) expect(stream.next()).toBe(reference());
    }
  });

  it('resumes from its state as seedrandom does', () => {
    const a = new Stream(7, 'x');
    for (let k = 0; k < 100; k++) a.next();
    const state = a.state();
    const reference = seedrandom.alea('', { state });
    const b = new Stream(0, 'ignored', state);
    for (let k = 0; k < 1000; k++) {
      const v = reference();
      expect(a.next()).toBe(v);
      expect(b.next()).toBe(v);
    }
  });
});
