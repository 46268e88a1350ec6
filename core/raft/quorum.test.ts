import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isQuorum, majority, quorumValue, voteOutcome } from './quorum.ts';

describe('majority', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
  ])('of %i voters is %i', (voters, expected) => {
    expect(majority(voters)).toBe(expected);
    expect(isQuorum(expected, voters)).toBe(true);
    expect(isQuorum(expected - 1, voters)).toBe(false);
  });

  it('rejects an empty or fractional voter set', () => {
    expect(() => majority(0)).toThrow();
    expect(() => majority(2.5)).toThrow();
  });
});

describe('quorumValue', () => {
  it.each([
    [[], 0],
    [[7], 7],
    [[5, 3], 3],
    [[5, 3, 1], 3],
    [[1, 3, 5], 3],
    [[4, 4, 0], 4],
    [[9, 2, 2, 9], 2],
    [[9, 8, 2, 9], 8],
    [[1, 2, 3, 4, 5], 3],
    [[10, 10, 10, 0, 0], 10],
    [[10, 10, 0, 0, 0], 0],
  ])('of %j is %i', (values, expected) => {
    expect(quorumValue(values)).toBe(expected);
  });

  it('agrees with a brute-force oracle and leaves its input alone', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 9 }), (values) => {
        const copy = values.slice();
        // Oracle: the largest candidate N that at least a majority of values reach.
        let oracle = 0;
        for (const n of values) if (values.filter((v) => v >= n).length * 2 > values.length) oracle = Math.max(oracle, n);
        expect(quorumValue(values)).toBe(oracle);
        expect(values).toEqual(copy);
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});

describe('voteOutcome', () => {
  it.each([
    [1, 0, 1, 'won'],
    [1, 0, 3, 'pending'],
    [2, 0, 3, 'won'],
    [1, 1, 3, 'pending'],
    [1, 2, 3, 'lost'],
    [1, 1, 2, 'lost'],
    [2, 2, 4, 'lost'],
    [2, 1, 4, 'pending'],
    [3, 0, 5, 'won'],
    [2, 2, 5, 'pending'],
    [2, 3, 5, 'lost'],
  ] as const)('%i granted, %i rejected of %i voters: %s', (granted, rejected, voters, expected) => {
    expect(voteOutcome(granted, rejected, voters)).toBe(expected);
  });
});
