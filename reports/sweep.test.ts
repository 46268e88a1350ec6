import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResult } from '../cli/jobs.ts';
import { pickPages } from '../cli/sweep-page.ts';
import { renderSweepHtml, type SweepRun, type SweepSummary } from './sweep.ts';

const run = (seed: number, over: Partial<SweepRun> = {}): SweepRun => ({
  seed,
  traceHash: seed.toString(16).padStart(16, '0'),
  events: 1000 + seed,
  simulatedMs: 15_000,
  wallMs: 100 + ((seed * 37) % 50),
  violation: null,
  reportPath: null,
  pagePath: null,
  coverage: seed % 2 === 0 ? { 'raft/snapshot': 1 } : {},
  ...over,
});
const fail = (seed: number, invariant: string): Partial<SweepRun> => ({
  violation: { invariant, kind: 'safety', message: `seed ${seed} broke ${invariant} <here>`, atMs: 1234.5 },
  reportPath: `r-${seed}.json`,
  pagePath: seed === 3 ? `r-${seed}.html` : null,
});

function summary(runs: SweepRun[], over: Partial<SweepSummary> = {}): SweepSummary {
  return { scenario: 'raft', bug: 'stale-read', seeds: { from: 1, to: runs.length }, shard: null, workers: 2, wallMs: 4321, runs, required: { events: ['raft/snapshot', 'raft/transfer'], seeds: 10 }, determinism: { checked: 1, mismatches: [] }, ...over };
}

describe('the sweep page', () => {
  const runs = Array.from({ length: 12 }, (_, k) => k + 1).map((s) => run(s, s === 3 || s === 7 ? fail(s, 'linearizable') : s === 9 ? fail(s, 'election-safety') : {}));
  const html = renderSweepHtml(summary(runs));

  it('says first how many seeds failed under which invariants, then lists them by invariant, linked to their reports', () => {
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('id="failures"'));
    expect(html).toContain('3 seeds of 12 failed</b>, under 2 invariants: <code>election-safety</code>, <code>linearizable</code>');
    // The invariant with more failing seeds first; a seed with a rendered page links to it, the others to the report.
    expect(html.indexOf('data-invariant="linearizable"')).toBeLessThan(html.indexOf('data-invariant="election-safety"'));
    expect(html).toContain('<a href="r-3.html">3</a>, <a href="r-7.json">7</a>');
    expect(html).toContain('seed 3 broke linearizable &lt;here&gt;');
    expect(html).toContain('npm run report -- r-3.json');
    expect(html).toContain('npm run sim -- --scenario raft --bug stale-read --seeds 1..12');
  });

  it('draws every seed as a square, red where it failed', () => {
    expect((html.match(/class="sq pass"/g) ?? []).length).toBe(9);
    expect((html.match(/class="sq fail"/g) ?? []).length).toBe(3);
  });

  it('counts the seeds that reached each named event and flags a required one none reached', () => {
    expect(html).toMatch(/data-event="raft\/snapshot"><td><code>raft\/snapshot<\/code><\/td><td class="r">6<\/td>/);
    expect(html).toMatch(/<tr class="missing" data-event="raft\/transfer">.*NOT REACHED/);
    expect(html).toContain('1 required event never reached</b>: <code>raft/transfer</code>');
    // A sweep shorter than the requirement does not judge.
    const short = renderSweepHtml(summary(runs.slice(0, 5), { required: { events: ['raft/transfer'], seeds: 10 } }));
    expect(short).not.toContain('NOT REACHED');
    expect(short).toContain('not reached yet (judged from 10 seeds)');
  });

  it('lists the slowest seeds by wall time and by events', () => {
    const table = (id: string) => html.slice(html.indexOf(`id="${id}"`), html.indexOf('</table>', html.indexOf(`id="${id}"`)));
    const seeds = (id: string) => [...table(id).matchAll(/<tr><td>(?:<a [^>]*>)?(\d+)/g)].map((m) => Number(m[1]));
    const byWall = [...runs].sort((a, b) => b.wallMs - a.wallMs || a.seed - b.seed).slice(0, 10).map((r) => r.seed);
    expect(seeds('slowest-wall')).toEqual(byWall);
    expect(seeds('slowest-events')).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
  });

  it('is all green for a clean sweep, and says when determinism failed', () => {
    const clean = renderSweepHtml(summary(runs.map((r) => ({ ...r, violation: null })), { required: null, determinism: { checked: 3, mismatches: [5] } }));
    expect(clean).toContain('all 12 seeds clean');
    expect(clean).toContain('No seed violated an invariant.');
    expect(clean).toContain('determinism: 1 seed gave another trace hash in another worker</b> (5)');
    expect(clean).toContain('class="verdict bad-box"');
  });
});

describe('which failing seeds get a report page', () => {
  it('takes the first of each invariant, then the second of each, up to the limit', () => {
    const r = (seed: number, invariant: string | null) => ({ seed, violation: invariant === null ? null : { invariant }, reportPath: `r${seed}.json` }) as unknown as JobResult;
    const results = [r(5, 'b'), r(1, 'a'), r(2, 'a'), r(3, null), r(4, 'a'), r(6, 'b'), r(7, 'c')];
    expect(pickPages(results, 10).map((x) => x.seed)).toEqual([1, 5, 7, 2, 6, 4]);
    expect(pickPages(results, 4).map((x) => x.seed)).toEqual([1, 5, 7, 2]);
    expect(pickPages([{ ...r(8, 'a'), reportPath: null } as JobResult], 3)).toEqual([]);
  });
});

describe('npm run sim -- --seeds A..B --html FILE', () => {
  const root = join(import.meta.dirname, '..');
  const sim = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

  it('writes the sweep page and the report pages it links to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-page-'));
    const r = sim(['--scenario', 'maxgossip', '--bug', 'no-persist', '--seeds', '1..6', '--out', dir, '--html', join(dir, 'sweep.html')]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Sweep page: .*sweep\.html \(and the report pages of \d+ failing seeds?\)/);
    const html = readFileSync(join(dir, 'sweep.html'), 'utf8');
    expect(html).toContain('id="verdict"');
    const links = [...html.matchAll(/<a href="([^"]+\.html)">\d+<\/a>/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(readFileSync(join(dir, l), 'utf8')).toContain('id="story"');
  });

  it('refuses an --html place it cannot write, before the run, in one line', () => {
    const r = sim(['--scenario', 'maxgossip', '--seed', '1', '--html', '/proc/x.html']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--html');
  });
});
