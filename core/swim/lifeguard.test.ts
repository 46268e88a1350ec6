import { describe, expect, it } from 'vitest';
import {
  applyAwareness,
  confirmationsWanted,
  expectedFirstDetectionPeriods,
  probeFailureProbability,
  pushPullScale,
  remainingSuspicionTimeMs,
  retransmitLimit,
  scaleByAwareness,
  suspicionTimeoutMaxMs,
  suspicionTimeoutMinMs,
} from './lifeguard.ts';

// Every expected value below is worked out by hand from the formula in the comment above its table.

describe('suspicionTimeoutMinMs: mult · floor(1000 · max(1, log10(max(1, n)))) · interval / 1000', () => {
  it.each([
    // mult, n, interval, expected
    [4, 0, 1000, 4000], // log10(max(1, 0)) = 0, raised to 1
    [4, 1, 1000, 4000],
    [4, 10, 1000, 4000], // log10(10) = 1
    [4, 100, 1000, 8000], // log10(100) = 2
    [4, 1000, 1000, 12000],
    [4, 50, 1000, 6792], // log10(50) = 1.69897 -> 1698 -> 4 · 1698
    [5, 9, 1000, 5000], // rivven's suspect_timeout for a small group
    [5, 40, 1000, 8010], // log10(40) = 1.60206 -> 1602 -> 5 · 1602
    [3, 200, 500, 3451.5], // log10(200) = 2.30103 -> 2301 -> 3 · 2301 · 0.5
  ])('mult %d, n %d, interval %d ms -> %d ms', (mult, n, interval, expected) => {
    expect(suspicionTimeoutMinMs(mult, n, interval)).toBe(expected);
  });

  it('the maximum is the multiple of the minimum', () => {
    expect(suspicionTimeoutMaxMs(6, 5000)).toBe(30000);
  });
});

describe('remainingSuspicionTimeMs: max(min, floor(1000 · (max - (max - min) · ln(C+1)/ln(K+1)) s)) - elapsed', () => {
  it.each([
    // confirmations, wanted, elapsed, min, max, expected
    [0, 2, 0, 1000, 6000, 6000], // ln 1 = 0: the maximum
    [1, 2, 500, 1000, 6000, 2345], // ln2/ln3 = 0.630930 -> 6 - 5 · 0.630930 = 2.845351 s -> 2845 - 500
    [2, 2, 700, 1000, 6000, 300], // C = K: the minimum, 1000 - 700
    [3, 2, 700, 1000, 6000, 300], // past K: clamped at the minimum
    [1, 3, 0, 2000, 30000, 16000], // ln2/ln4 = 1/2 -> 30 - 14
    [2, 3, 10000, 2000, 30000, -2190], // ln3/ln4 = 0.792481 -> 30 - 22.189469 = 7.810531 -> 7810 - 10000: fire now
    [0, 0, 100, 5000, 30000, 4900], // no confirmations wanted: the minimum
  ])('C %d of K %d, %d ms elapsed, min %d, max %d -> %d ms left', (confirmations, wanted, elapsedMs, minMs, maxMs, expected) => {
    expect(remainingSuspicionTimeMs({ confirmations, wanted, elapsedMs, minMs, maxMs })).toBe(expected);
  });

  it('never grows as confirmations arrive (differential check against the definition)', () => {
    for (let c = 0; c < 10; c++) {
      const a = remainingSuspicionTimeMs({ confirmations: c, wanted: 4, elapsedMs: 0, minMs: 1000, maxMs: 9000 });
      const b = remainingSuspicionTimeMs({ confirmations: c + 1, wanted: 4, elapsedMs: 0, minMs: 1000, maxMs: 9000 });
      expect(b).toBeLessThanOrEqual(a);
      expect(b).toBeGreaterThanOrEqual(1000);
    }
  });
});

describe('confirmationsWanted: suspicionMult - 2, or 0 when n - 2 members can\'t give that many', () => {
  it.each([
    [4, 10, 2],
    [5, 9, 3],
    [5, 5, 3],
    [5, 4, 0],
    [4, 3, 0],
  ])('mult %d, n %d -> %d', (mult, n, expected) => {
    expect(confirmationsWanted(mult, n)).toBe(expected);
  });
});

describe('retransmitLimit: mult · ceil(log10(n + 1))', () => {
  it.each([
    [4, 0, 0],
    [4, 1, 4], // log10 2 = 0.30
    [4, 9, 4], // log10 10 = 1
    [4, 10, 8], // log10 11 = 1.04
    [4, 99, 8],
    [4, 100, 12], // log10 101 = 2.004
    [2, 1000, 8], // log10 1001 = 3.0004
  ])('mult %d, n %d -> %d', (mult, n, expected) => {
    expect(retransmitLimit(mult, n)).toBe(expected);
  });
});

describe('the local health multiplier', () => {
  it.each([
    // score, delta, max, expected
    [0, 1, 8, 1],
    [0, -1, 8, 0],
    [6, 1, 8, 7],
    [7, 1, 8, 7], // clamped at max - 1
    [7, 3, 8, 7],
    [3, -5, 8, 0],
    [2, 2, 3, 2],
  ])('score %d %+d (max %d) -> %d', (score, delta, max, expected) => {
    expect(applyAwareness(score, delta, max)).toBe(expected);
  });

  it.each([
    [1000, 0, 1000],
    [500, 3, 2000],
    [1000, 7, 8000],
  ])('scales %d ms at score %d to %d ms', (ms, score, expected) => {
    expect(scaleByAwareness(ms, score)).toBe(expected);
  });
});

describe('pushPullScale: the interval, times ceil(log2 n - log2 32) + 1 past 32 members', () => {
  it.each([
    [30, 8, 30],
    [30, 32, 30],
    [30, 33, 60], // log2 33 - 5 = 0.04 -> 1 + 1
    [30, 64, 60],
    [30, 1000, 180], // log2 1000 - 5 = 4.97 -> 5 + 1
  ])('interval %d, n %d -> %d', (interval, n, expected) => {
    expect(pushPullScale(interval, n)).toBe(expected);
  });
});

describe('analysis', () => {
  it.each([
    [0, 3, 0],
    [0.1, 0, 0.19], // 1 - 0.9²
    [0.1, 3, 0.19 * 0.3439 ** 3], // the direct path (2 messages) and each of 3 indirect ones (4 messages) fail
    [1, 3, 1],
  ])('a probe of a live member fails at loss %d with k = %d with probability %d', (loss, k, expected) => {
    expect(probeFailureProbability(loss, k)).toBeCloseTo(expected, 12);
  });

  it('the expected time to first detection tends to e/(e-1)', () => {
    expect(expectedFirstDetectionPeriods(2)).toBe(1);
    expect(expectedFirstDetectionPeriods(3)).toBeCloseTo(4 / 3, 12); // 1 / (1 - (1/2)²)
    expect(expectedFirstDetectionPeriods(10_000)).toBeCloseTo(Math.E / (Math.E - 1), 3);
  });
});
