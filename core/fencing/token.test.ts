import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatToken, makeToken, tokenTerm, TOKEN_STRIDE } from './index.ts';

describe('fencing tokens', () => {
  it('order by term first, then by sequence (against a tuple oracle)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e6 }), fc.integer({ min: 1, max: TOKEN_STRIDE - 1 }), fc.nat({ max: 1e6 }), fc.integer({ min: 1, max: TOKEN_STRIDE - 1 }), (t1, s1, t2, s2) => {
        const oracle = t1 !== t2 ? Math.sign(t1 - t2) : Math.sign(s1 - s2);
        expect(Math.sign(makeToken(t1, s1) - makeToken(t2, s2))).toBe(oracle);
        expect(tokenTerm(makeToken(t1, s1))).toBe(t1);
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it('refuses sequences outside 1..stride-1', () => {
    expect(() => makeToken(1, 0)).toThrow(RangeError);
    expect(() => makeToken(1, TOKEN_STRIDE)).toThrow(RangeError);
    expect(() => makeToken(-1, 1)).toThrow(RangeError);
  });

  it('prints as t<term>.<seq>', () => {
    expect(formatToken(makeToken(7, 3))).toBe('t7.3');
  });
});
