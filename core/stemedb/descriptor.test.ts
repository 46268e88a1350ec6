import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { covers, initialLayout, mergeMeta, replicasFor, route, supersedes, type Meta, type RangeDesc } from './index.ts';

const desc = (over: Partial<RangeDesc>): RangeDesc => ({ id: 'r', shard: 0, startKey: '', endKey: null, version: 1, timestampMs: 0, owner: 'n1', replicas: [], ...over });

describe('the meta-range merge', () => {
  it.each([
    ['higher version wins', desc({ version: 3 }), desc({ version: 2 }), false, true],
    ['lower version loses', desc({ version: 2 }), desc({ version: 3 }), false, false],
    ['a tie keeps what is held', desc({ version: 2, owner: 'n2' }), desc({ version: 2 }), false, false],
    ['a tombstone with a higher version wins', desc({ version: 4, owner: null }), desc({ version: 3 }), false, true],
    ['anything beats nothing', desc({ version: 1 }), undefined, false, true],
    ['by timestamp (bug): an older version with a newer timestamp wins', desc({ version: 2, timestampMs: 900 }), desc({ version: 3, timestampMs: 500 }), true, true],
  ] as const)('%s', (_, incoming, held, byTimestamp, expected) => {
    expect(supersedes(incoming, held, byTimestamp)).toBe(expected);
  });

  const versions = fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c'), version: fc.integer({ min: 1, max: 20 }), timestampMs: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 12 });

  it('converges whatever the order the descriptors arrive in (version merge)', () => {
    fc.assert(
      fc.property(versions, fc.nat(), (items, shift) => {
        // One descriptor per (id, version), as the protocol makes them.
        const unique = [...new Map(items.map((i) => [`${i.id}@${i.version}`, desc(i)])).values()];
        const rotated = [...unique.slice(shift % Math.max(1, unique.length)), ...unique.slice(0, shift % Math.max(1, unique.length))];
        const a: Meta = {};
        const b: Meta = {};
        mergeMeta(a, unique, false);
        for (const d of [...rotated].reverse()) mergeMeta(b, [d], false);
        expect(b).toEqual(a);
        for (const id of Object.keys(a)) expect(a[id]!.version).toBe(Math.max(...unique.filter((d) => d.id === id).map((d) => d.version)));
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('the timestamp merge (bug) keeps a stale version when clocks disagree', () => {
    const meta: Meta = {};
    mergeMeta(meta, [desc({ version: 5, timestampMs: 1_200 })], true);
    mergeMeta(meta, [desc({ version: 6, timestampMs: 1_050 })], true); // written later, by a node whose clock is behind
    expect(meta.r!.version).toBe(5);
  });
});

describe('routing', () => {
  it('covers a subject by shard and span, never by a tombstone', () => {
    const d = desc({ startKey: 'b', endKey: 'd' });
    expect(covers(d, 0, 'b')).toBe(true);
    expect(covers(d, 0, 'c~')).toBe(true);
    expect(covers(d, 0, 'd')).toBe(false);
    expect(covers(d, 1, 'c')).toBe(false);
    expect(covers({ ...d, owner: null }, 0, 'c')).toBe(false);
  });

  it('prefers the narrowest covering range (the newest half of a split), then the higher version', () => {
    const stale = desc({ id: 'r', version: 2 });
    const right = desc({ id: 'q', startKey: 'm', version: 1, owner: 'n2' });
    const meta: Meta = { r: stale, q: right };
    expect(route(meta, 0, 'p')?.id).toBe('q');
    expect(route(meta, 0, 'c')?.id).toBe('r');
    expect(route(meta, 1, 'c')).toBeNull();
  });

  it('places replicas on the next nodes in sorted order', () => {
    expect(replicasFor('n2', ['n3', 'n1', 'n2'], 3)).toEqual(['n1', 'n3']);
    expect(replicasFor('n3', ['n1', 'n2', 'n3'], 2)).toEqual(['n1']);
    expect(replicasFor('n1', ['n1', 'n2'], 1)).toEqual([]);
    expect(replicasFor('n1', ['n1', 'n2'], 5)).toEqual(['n2']);
  });

  it('boots with one range per shard, owners round robin', () => {
    const layout = initialLayout(['n1', 'n2'], 3, 2);
    expect(layout.map((d) => [d.id, d.owner, d.replicas])).toEqual([
      ['s0', 'n1', ['n2']],
      ['s1', 'n2', ['n1']],
      ['s2', 'n1', ['n2']],
    ]);
  });
});
