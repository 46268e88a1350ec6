import { describe, expect, it } from 'vitest';
import { findScenario } from '../scenarios/index.ts';
import { makeReport } from '../sim/report.ts';
import { runSeed } from '../sim/run.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { clientOps, renderClientTimeline } from './clients.ts';
import { renderReportHtml } from './html.ts';
import { buildModel } from './model.ts';
import { recordRun } from './replay.ts';

const TOOL = { name: 'cluster-sim', version: '0.0.0-test', commit: null, dirty: false };

describe('client operations and linearizability on the page', () => {
  it('a stale read: the verdict, the longest linearizable prefix with the state after each operation, the operations that cannot all be true in red', () => {
    const scenario = findScenario('raft-leader-isolated')!;
    const first = runSeed(scenario, 2, 'stale-read');
    expect(first.violation?.invariant).toBe('linearizable');
    const rec = recordRun(scenario, first.config);
    expect(rec.result.traceHash).toBe(first.traceHash);
    const report = { ...makeReport(first, { kind: 'sim' }, TOOL), replay: 'npm run sim -- --replay x.json' };
    const html = renderReportHtml(report, rec.result.trace, { lanes: rec.lanes, hooks: rec.hooks, nodeRoles: rec.nodeRoles, invariants: rec.invariants });
    const lin = html.slice(html.indexOf('<div id="linearizability">'), html.indexOf('<svg id="client-timeline"'));
    expect(lin).toContain('<b class="bad">not linearizable</b>: key <code>&quot;a&quot;</code>');
    const m = /The longest linearizable prefix the search finds places (\d+) operations of (\d+); then nothing can come next/.exec(lin);
    expect(m).not.toBeNull();
    const placed = Number(m![1]);
    expect(placed).toBeGreaterThan(0);
    expect(placed).toBeLessThan(Number(m![2]));
    // One row per placed operation, each with the state after it, then the ones that could not come next.
    const rows = lin.match(/<tr(?: class="failing")?><td>\d+<\/td>/g) ?? [];
    expect(rows).toHaveLength(placed);
    expect((lin.match(/<tr class="stuck">/g) ?? []).length).toBeGreaterThan(0);
    expect(lin).toContain('cannot come next: the state is <code>');
    const failing = Number(/(\d+) operations that cannot all be true/.exec(lin)![1]);
    expect(failing).toBeGreaterThanOrEqual(2);
    // Times for a person, counts in words: no 13 decimals, no "1 operations".
    expect(lin).not.toMatch(/\d\.\d{4,}/);
    expect(html).not.toMatch(/\b1 operations\b/);
    // The timeline: one row per client, bars, the failing ones in red.
    const timeline = html.slice(html.indexOf('<svg id="client-timeline"'), html.indexOf('</svg>', html.indexOf('<svg id="client-timeline"')));
    expect((timeline.match(/class="op ok/g) ?? []).length).toBeGreaterThan(20);
    expect((timeline.match(/class="op [a-z]+ key failing"/g) ?? []).length).toBe(failing);
  });

  it('pairs invocations with completions per client, leaves an operation without one open, and shades faults behind', () => {
    const ops = (n: string, d: unknown) => (typeof d === 'object' && d !== null && 'phase' in d ? (d as never) : null);
    const t: TraceEntry[] = [
      { i: 0, t: 0, kind: 'observe', node: 'c1', detail: { phase: 'invoke', id: '1', op: 'put x 1', key: 'x' } },
      { i: 1, t: 5, kind: 'observe', node: 'c2', detail: { phase: 'invoke', id: '1', op: 'get x', key: 'x' } },
      { i: 2, t: 8, kind: 'crash', node: 'n1' },
      { i: 3, t: 10, kind: 'observe', node: 'c1', detail: { phase: 'ok', id: '1', op: 'put x 1', key: 'x' } },
      { i: 4, t: 12, kind: 'observe', node: 'c2', detail: { phase: 'info', id: '1', op: 'get x', key: 'x', result: 'timed out' } },
      { i: 5, t: 14, kind: 'observe', node: 'c1', detail: { phase: 'invoke', id: '2', op: 'get x', key: 'x' } },
      { i: 6, t: 20, kind: 'restart', node: 'n1' },
    ];
    const list = clientOps(t, ops);
    expect(list.map((o) => [o.client, o.id, o.end?.phase ?? null])).toEqual([['c1', '1', 'ok'], ['c2', '1', 'info'], ['c1', '2', null]]);
    const svg = renderClientTimeline(list, buildModel(t), 20, { key: null, failing: () => false });
    expect(svg).toContain('3 operations by 2 clients: 1 ok (green), 0 failed');
    expect(svg).toContain('1 never completed');
    expect(svg).toContain('n1 down: 8ms to 20ms');
    expect((svg.match(/<g class="op /g) ?? []).length).toBe(3);
  });
});
