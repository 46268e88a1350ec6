import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventHeap } from './heap.ts';

describe('EventHeap', () => {
  it('pops in (time, insertion) order, like a stable sort of everything pushed', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 300 }), (ops) => {
        const heap = new EventHeap<{ t: number; seq: number; id: number }>();
        const model: { t: number; id: number }[] = [];
        const popped: number[] = [];
        const expected: number[] = [];
        ops.forEach(([t, pop], id) => {
          if (pop) {
            model.sort((a, b) => a.t - b.t || a.id - b.id);
            const want = model.shift();
            const got = heap.pop();
            expected.push(want?.id ?? -1);
            popped.push(got?.id ?? -1);
          } else {
            heap.push({ t, seq: 0, id });
            model.push({ t, id });
          }
        });
        expect(popped).toEqual(expected);
      }),
    );
  });
});
