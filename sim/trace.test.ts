import { describe, expect, it } from 'vitest';
import { Trace } from './trace.ts';

describe('Trace.tag', () => {
  it('gives the same tag for the same string however many distinct strings came between, and keeps a bounded memo', () => {
    const trace = new Trace(null);
    const first = trace.tag('relay/0');
    // Timer names made once each (a relay per probe) over a long run.
    for (let k = 1; k <= 20_000; k++) trace.tag(`relay/${k}`);
    expect(trace.tag('relay/0')).toBe(first);
    expect(new Trace(null).tag('relay/0')).toBe(first);
    const memo = (trace as unknown as { tagCache: Map<string, number> }).tagCache;
    expect(memo.size).toBeLessThanOrEqual(4096);
  });
});
