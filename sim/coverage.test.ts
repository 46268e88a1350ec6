import { describe, expect, it } from 'vitest';
import { coverageShortfall } from './scenario.ts';

describe('coverage requirements (sometimes)', () => {
  const sometimes = { seeds: 100, events: ['a', 'b', 'c'], atLeast: { c: 20 } };

  it('names the events a long enough sweep never reached, or reached fewer times than required', () => {
    expect(coverageShortfall(sometimes, { a: 5, c: 1 }, 100)).toEqual(['b', 'c (1 of 20)']);
    expect(coverageShortfall(sometimes, { a: 1, b: 1, c: 20 }, 100)).toEqual([]);
  });

  it('judges nothing before the sweep is as long as the scenario asks', () => {
    expect(coverageShortfall(sometimes, {}, 99)).toEqual([]);
    expect(coverageShortfall(undefined, {}, 1000)).toEqual([]);
  });
});
