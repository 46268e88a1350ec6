import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker.ts';
import type { History } from './history.ts';
import { contextAround, renderHtml, renderTimeline } from './render.ts';

const history: History = {
  model: 'register',
  operations: [
    { client: 9, call: -10, return: -5, op: 'write', value: '0' },
    { client: 0, call: 0, return: 100, op: 'write', value: '200' },
    { client: 1, call: 10, return: 30, op: 'read', output: '200' },
    { client: 2, call: 40, return: 90, op: 'read', output: '0' },
    { client: 3, call: 5, return: null, op: 'cas', expected: '4', value: '<script>alert(1)</script>' },
  ],
};
const ESC = String.fromCharCode(27);

describe('renderTimeline', () => {
  const offending = new Set([0, 1, 2, 3]);
  const all = [0, 1, 2, 3, 4];

  it('draws one row per client over a scaled axis, offending bars with * and ! when plain', () => {
    const text = renderTimeline(history, all, { width: 60, highlight: offending });
    expect(text).not.toContain(ESC);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\s+-10\s+100$/);
    const rows = lines.slice(1, 6);
    expect(rows.map((l) => l.split(/\s{2,}/)[0])).toEqual(['client 0', 'client 1', 'client 2', 'client 3', 'client 9']);
    // client 0's write spans the whole axis after 0; the crashed cas of client 3 runs off the end.
    expect(rows[0]).toMatch(/\[\*+#1\*+\]$/);
    expect(rows[3]).toMatch(/\[=+#4=+>$/);
    expect(text).toContain('! #3  client 2  [40, 90]   read -> "0"');
    expect(text).toContain('  #4  client 3  [5, ∞]     cas "4"->"<script>alert(1)</script>" -> ?');
  });

  it('uses ANSI colours only when asked', () => {
    expect(renderTimeline(history, all, { width: 60, highlight: offending, color: true })).toContain(`${ESC}[`);
  });

  it("spaces events evenly by default, or proportionally to time with scale 'time'", () => {
    const two: History = {
      model: 'register',
      operations: [
        { client: 1, call: 0, return: 1, op: 'write', value: 'a' },
        { client: 1, call: 99, return: 100, op: 'read', output: 'a' },
      ],
    };
    const row = (scale: 'order' | 'time'): string => renderTimeline(two, [0, 1], { width: 31, scale }).split('\n')[1]!;
    // Four distinct times: at 0, 1/3, 2/3 and all of the width; or at 0, 1%, 99% and 100%, where
    // each operation is too short for more than one column.
    expect(row('order')).toBe('client 1  [===#0====]         [===#1====]');
    expect(row('time')).toBe(`client 1  |${' '.repeat(29)}|`);
  });

  it('copes with a single instant and no operations', () => {
    const one: History = { model: 'register', operations: [{ client: 1, call: 5, return: 5, op: 'read', output: null }] };
    expect(renderTimeline(one, [0], { width: 20 })).toContain('client 1  |');
    expect(renderTimeline(one, [])).toBe('(no operations)');
  });
});

describe('contextAround', () => {
  it('adds operations of the same key nearest in time to a failing one (overlapping first), up to the cap', () => {
    const kv: History = {
      model: 'kv',
      operations: [
        { client: 1, call: 0, return: 10, key: 'a', op: 'put', value: '1' },
        { client: 2, call: 5, return: 6, key: 'b', op: 'put', value: '1' },
        { client: 3, call: 8, return: 9, key: 'a', op: 'get', output: '1' },
        { client: 4, call: 50, return: 60, key: 'a', op: 'get', output: '1' },
        { client: 5, call: 2, return: 3, key: 'a', op: 'get', output: null },
      ],
    };
    expect(contextAround(kv, [0], 10)).toEqual([0, 4, 2, 3]);
    expect(contextAround(kv, [0], 3)).toEqual([0, 4, 2]);
    expect(contextAround(kv, [3], 2)).toEqual([0, 3]);
  });
});

describe('renderHtml', () => {
  it('is one standalone page: inline SVG, no external assets, values escaped, offending ops in red', () => {
    const result = checkHistory(history);
    const html = renderHtml(history, result, { title: 'bad.json' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(http/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('not-linearizable');
    // The three offending operations are drawn in red, the crashed cas fades out.
    expect(html.match(/fill="#cf222e"/g)?.length).toBe(3);
    expect(html).toContain('fill="url(#fade)"');
  });

  it('names the object of the other models and describes their operations', () => {
    const txn: History = {
      model: 'multi-register',
      operations: [
        { client: 1, call: 0, return: 1, op: 'txn', value: [['write', 'x', '1']] },
        { client: 2, call: 2, return: 3, op: 'txn', value: [['read', 'x', null]] },
      ],
    };
    const html = renderHtml(txn, checkHistory(txn), { title: 'txn.json' });
    expect(html).toContain('<h2>Registers: 2 operations that cannot be linearized together (minimal), in red; other operations in that time span in blue</h2>');
    expect(html).toContain('txn read &quot;x&quot; -&gt; null');
    expect(renderTimeline(txn, [0, 1], { width: 40, highlight: new Set([1]) })).toContain('! #1  client 2  [2, 3]  txn read "x" -> null');
  });

  it('draws every operation of a linearizable history, up to a cap', () => {
    const ok: History = { model: 'register', operations: history.operations.slice(0, 3) };
    const html = renderHtml(ok, checkHistory(ok), { title: 'ok', maxOperations: 2 });
    expect(html).toContain('All operations (the first 2 of 3 operations)');
  });
});
