import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { runConfig, runSeed } from '../sim/run.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { formatFault } from '../sim/faults.ts';
import { maxGossipScenario } from '../scenarios/maxgossip.ts';
import { findScenario } from '../scenarios/index.ts';
import { makeReport, validateReport, writeReport, type Report } from '../sim/report.ts';
import { findBrowser } from './browser.ts';
import { compareNodeIds, escapeHtml, faultText, observedRole, renderReportHtml } from './html.ts';

const root = join(import.meta.dirname, '..');
const TOOL = { name: 'cluster-sim', version: '0.0.0-test', commit: '0123456789abcdef0123456789abcdef01234567', dirty: false };

/** A real report: maxgossip seed 3 with the no-persist bug, as the CLI writes it, plus the full trace of its replay. */
function realReport(): { report: Report; trace: readonly TraceEntry[]; path: string; dir: string } {
  const first = runSeed(maxGossipScenario, 3, 'no-persist');
  expect(first.violation?.invariant).toBe('never-backwards');
  const tail = runConfig(maxGossipScenario, first.config, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 400 } });
  const dir = mkdtempSync(join(tmpdir(), 'report-html-'));
  const path = writeReport(makeReport(tail, { kind: 'sim' }, TOOL), dir);
  const report = validateReport(JSON.parse(readFileSync(path, 'utf8')), path, findScenario);
  const full = runConfig(maxGossipScenario, report.config, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 1_000_000 } });
  expect(full.traceHash).toBe(report.traceHash);
  return { report, trace: full.trace, path, dir };
}

/**
 * A small hand-written trace of a leader-based protocol, for the role bands: n1 leads term 1 and
 * crashes, n2 pre-votes, campaigns and leads term 2; n3 follows; a partition cuts n3 off; a
 * paused node, a duplicate, a lost message, a persist, a command and its reply.
 */
function roleTrace(): TraceEntry[] {
  const out: TraceEntry[] = [];
  let i = 0;
  let msg = 0;
  const at = (t: number, kind: TraceEntry['kind'], node: string | null, extra: Partial<TraceEntry> = {}) => out.push({ i: i++, t, kind, node, ...extra });
  const send = (t: number, from: string, to: string, latency: number, detail: unknown, fate: 'deliver' | 'loss' | 'dup' = 'deliver') => {
    const id = msg++;
    at(t, 'send', from, { peer: to, msg: id, detail });
    if (fate === 'loss') return at(t, 'drop', to, { peer: from, msg: id, detail: 'loss' });
    if (fate === 'dup') at(t, 'duplicate', to, { peer: from, msg: id });
    at(t + latency, 'deliver', to, { peer: from, msg: id, detail });
    if (fate === 'dup') at(t + latency + 1.5, 'deliver', to, { peer: from, msg: id, detail });
  };
  for (const n of ['n1', 'n2', 'n3']) at(0, 'observe', n, { detail: { kind: 'becameFollower', node: n, term: 0, leaderId: null } });
  at(150, 'timer', 'n1', { detail: 'election' });
  at(150, 'observe', 'n1', { detail: { role: 'leader', term: 1 } });
  at(150, 'persist', 'n1', { detail: { file: 'meta', op: 'overwrite' } });
  for (let t = 160; t < 900; t += 50) {
    send(t, 'n1', 'n2', 3, { type: 'append', term: 1 }, t === 410 ? 'dup' : 'deliver');
    send(t, 'n1', 'n3', 4, { type: 'append', term: 1 }, t === 360 ? 'loss' : 'deliver');
  }
  at(500, 'command', 'n1', { detail: { op: 'put', key: 'x' } });
  at(503, 'reply', 'n1', { detail: { ok: true } });
  at(600, 'pause', 'n3', { detail: 150 });
  at(750, 'resume', 'n3');
  at(900, 'crash', 'n1');
  at(1100, 'observe', 'n2', { detail: { kind: 'becamePreCandidate', node: 'n2', term: 1 } });
  at(1120, 'observe', 'n2', { detail: { kind: 'becameCandidate', node: 'n2', term: 2 } });
  send(1120, 'n2', 'n3', 3, { type: 'vote', term: 2 });
  send(1124, 'n3', 'n2', 3, { type: 'granted', term: 2 });
  at(1127, 'observe', 'n3', { detail: { role: 'follower', term: 2 } });
  at(1130, 'observe', 'n2', { detail: { role: 'leader', epoch: 2 } });
  at(1300, 'partition', null, { detail: [['n1', 'n2'], ['n3']] });
  for (let t = 1140; t < 1600; t += 50) {
    const id = msg++;
    at(t, 'send', 'n2', { peer: 'n3', msg: id, detail: { type: 'append', term: 2 } });
    if (t + 3 >= 1300) at(t + 3, 'drop', 'n3', { peer: 'n2', msg: id, detail: 'partition' });
    else at(t + 3, 'deliver', 'n3', { peer: 'n2', msg: id, detail: { type: 'append', term: 2 } });
  }
  at(1400, 'restart', 'n1');
  at(1400, 'observe', 'n1', { detail: { role: 'follower', term: 1 } });
  at(1550, 'observe', 'n3', { detail: { role: 'candidate', term: 3 } });
  at(1560, 'observe', 'n3', { detail: { role: 'leader', term: 3 } });
  return out;
}

function roleReport(base: Report, trace: TraceEntry[]): Report {
  const last = trace[trace.length - 1]!;
  return {
    ...base,
    violation: { invariant: 'election-safety', kind: 'safety', message: 'two leaders: n2 (term 2) and n3 (term 3) while n2 still leads', atMs: last.t, eventIndex: last.i, states: { n1: { term: 1 }, n2: { term: 2 }, n3: { term: 3 } } },
  };
}

let real: ReturnType<typeof realReport>;
beforeAll(() => {
  real = realReport();
});

/** The `<svg id="ID" ...>...</svg>` of one diagram view (the page has one per axis). */
function svgOf(html: string, id: string): string {
  const from = html.indexOf(`<svg id="${id}"`);
  expect(from, id).toBeGreaterThanOrEqual(0);
  return html.slice(from, html.indexOf('</svg>', from) + '</svg>'.length);
}
const arrowCount = (svg: string) => (svg.match(/<g class="msg[ "]/g) ?? []).length;

describe('renderReportHtml', () => {
  it('renders a real report: the story first, the diagram with lanes, arrows, drops and the violation, the overview, nothing fetched from outside', () => {
    const { report, trace } = real;
    const html = renderReportHtml(report, trace, { reportPath: 'reports/out/x.json', replay: { traceHash: report.traceHash, violation: report.violation } });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // The story comes before the diagram, the diagram before the overview and the details.
    const order = ['id="story"', '<svg id="diagram-time"', '<svg id="overview"', 'Fault schedule'].map((s) => html.indexOf(s));
    expect(order.every((k) => k > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('<b class="invariant">never-backwards</b>');
    expect(html).toContain(escapeHtml(report.violation.message));
    expect(html).toMatch(/<li class="violating" data-story="\d+"[^>]*>.*n2<\/b> restarted/);
    expect(html).toContain(report.traceHash);
    expect(html).toContain(escapeHtml(report.replay));
    expect(html).toContain('npm run report -- reports/out/x.json');
    expect(html).toContain('the replay gave the same hash');
    expect(html).not.toContain('class="warning"');
    for (const f of report.config.faults) expect(html).toContain(`<code>${escapeHtml(faultText(f))}</code></li>`);
    const svg = svgOf(html, 'diagram-time');
    expect(svg).toContain('id="diagram-time-violation"');
    // One lane per node.
    expect((svg.match(/<g class="lane( involved)?" data-node="/g) ?? []).length).toBe(Number(report.config.options.nodes));
    // Delivered messages as arrows, drops with their ✕ and reason; the story's chain highlighted.
    expect(arrowCount(svg)).toBeGreaterThan(20);
    expect(svg).toContain('marker-end="url(#head)"');
    expect(svg).toContain('class="msg drop');
    expect(svg).toContain('class="cross"');
    expect(svg).toContain('class="msg chain"');
    expect(svg).toMatch(/dropped: the receiver was down \(target down\)/);
    // Crashes and one-way blocks of this run are drawn.
    expect(svg).toContain('<g class="crash">');
    expect(svg).toContain('class="block-oneway"');
    // Offline: no reference to anything on a network.
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script\b[^>]*\bsrc=/i);
    // Deterministic: the same inputs give the same page.
    expect(renderReportHtml(report, trace, { reportPath: 'reports/out/x.json', replay: { traceHash: report.traceHash, violation: report.violation } })).toBe(html);
  });

  it('draws at least --window-ms before the violation (more when the story reaches further back), and all of a run that is shorter', () => {
    const { report, trace } = real;
    const narrow = renderReportHtml(report, trace, { windowMs: 300 });
    // The story begins at 3.185s: the window reaches back to it, with a margin, not 300 ms only.
    expect(narrow).toMatch(/real time: 3\.\d+s to 4\.733s/);
    const wide = renderReportHtml(report, trace, { windowMs: 60_000 });
    expect(wide).toContain('real time: the whole run');
    expect(arrowCount(svgOf(wide, 'diagram-time'))).toBeGreaterThan(arrowCount(svgOf(narrow, 'diagram-time')));
  });

  it("caps the arrows, keeps the story's, and says how many were left out", () => {
    const { report, trace } = real;
    const html = renderReportHtml(report, trace, { maxArrows: 25 });
    const svg = svgOf(html, 'diagram-time');
    expect(arrowCount(svg)).toBe(25);
    expect(svg).toContain('class="msg chain"');
    expect(html).toMatch(/[\d,]+ messages of the window are not drawn \(at most 25 arrows: the story(&#39;|')s, then the latest\)/);
  });

  it('warns when the replay gave another trace hash or no violation', () => {
    const { report, trace } = real;
    const html = renderReportHtml(report, trace, { replay: { traceHash: '00000000deadbeef', violation: null } });
    expect(html).toContain('class="warning"');
    expect(html).toContain('the code changed since the report was made');
    expect(html).toContain('The replay found no violation');
  });

  it('escapes what the protocol put in messages and observations', () => {
    const { report } = real;
    const trace: TraceEntry[] = [
      { i: 0, t: 1, kind: 'send', node: 'n1', peer: 'n2', msg: 0, detail: { type: '<script>alert(1)</script>' } },
      { i: 1, t: 2, kind: 'deliver', node: 'n2', peer: 'n1', msg: 0, detail: { type: '<script>alert(1)</script>' } },
      { i: 2, t: 3, kind: 'observe', node: 'n2', detail: { role: '<b>leader</b>', term: 1 } },
    ];
    const html = renderReportHtml({ ...report, violation: { ...report.violation, message: 'a <i>b</i> & "c"', atMs: 3, eventIndex: 2 } }, trace);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>leader');
    expect(html).toContain('a &lt;i&gt;b&lt;/i&gt; &amp; &quot;c&quot;');
  });

  it('draws role and term bands from observations, by the convention', () => {
    const trace = roleTrace();
    const html = renderReportHtml(roleReport(real.report, trace), trace);
    for (const label of ['leader t1', 'follower t0', 'precandidate t1', 'candidate t2', 'leader e2', 'follower t2', 'candidate t3', 'leader t3', 'follower t1']) {
      expect(html, label).toContain(`: ${label}\nfrom`);
    }
    // n1's band ends at its crash, at 900 ms.
    expect(html).toContain('n1: leader t1\nfrom 150ms until 900ms');
    expect(html).toContain('class="pause"');
    expect(html).toContain('class="msg dup');
    expect(html).toContain('class="block-partition"');
    expect(html).toContain('lost on the wire (loss)');
    expect(html).toContain('dropped: the link is blocked by a partition (partition)');
    expect(html).toContain('class="persist');
    expect(html).toContain('class="command');
    // A short run is drawn in event order too, one column per step.
    expect(html).toContain('<svg id="diagram-order"');
  });
});

describe('observedRole', () => {
  it('reads role and term or epoch, and becameX kinds; anything else names no role', () => {
    expect(observedRole({ role: 'leader', term: 7 })).toEqual({ role: 'leader', term: 7, termLabel: 't' });
    expect(observedRole({ role: 'primary', epoch: 3 })).toEqual({ role: 'primary', term: 3, termLabel: 'e' });
    expect(observedRole({ role: 'dead' })).toEqual({ role: 'dead', term: null, termLabel: 't' });
    expect(observedRole({ kind: 'becameLeader', term: 2 })).toEqual({ role: 'leader', term: 2, termLabel: 't' });
    expect(observedRole({ type: 'becamePreCandidate', term: 1 })).toEqual({ role: 'precandidate', term: 1, termLabel: 't' });
    expect(observedRole({ type: 'holds', value: 3 })).toBeNull();
    expect(observedRole({ kind: 'becameleader', term: 2 })).toBeNull();
    expect(observedRole({ role: 42 })).toBeNull();
    expect(observedRole({ kind: 'became' })).toBeNull();
    expect(observedRole('leader')).toBeNull();
    expect(observedRole(null)).toBeNull();
    expect(observedRole([{ role: 'leader' }])).toBeNull();
  });

  it('writes faults as script lines, latency distributions for a person', () => {
    expect(faultText({ atMs: 3967, type: 'network', conditions: { latency: { kind: 'exponential', minMs: 1, meanMs: 47, maxMs: 500 } } })).toBe('latency 1ms..500ms (mean +47ms, exponential) at 3967ms');
    expect(faultText({ atMs: 1000, type: 'network', conditions: { latency: { kind: 'uniform', minMs: 10, maxMs: 50 }, lossRate: 0.2 } })).toBe('loss 20%, latency 10ms..50ms at 1s');
    expect(faultText({ atMs: 2000, type: 'crash', node: 'n2' })).toBe(formatFault({ atMs: 2000, type: 'crash', node: 'n2' }));
  });

  it('orders node ids naturally', () => {
    expect(['n10', 'n2', 'c1', 'n1'].sort(compareNodeIds)).toEqual(['c1', 'n1', 'n2', 'n10']);
  });
});

describe('the page in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    const found = await findBrowser();
    browser = await chromium.launch({ executablePath: found.executablePath, args: [...found.args] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, name: string) {
    const file = join(real.dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    return { page, errors, requests, file };
  }

  it('renders a real report without errors: the story, a sized diagram with one lane per node, the violation in view, tooltips, zoom that keeps the focus', async () => {
    const { report, trace } = real;
    const { page, errors, requests, file } = await open(renderReportHtml(report, trace, { replay: { traceHash: report.traceHash, violation: report.violation } }), 'real');
    await expect.poll(() => page.locator('#story').isVisible()).toBe(true);
    expect(await page.locator('#story .story-steps li').count()).toBeGreaterThan(3);
    const box = (await page.locator('#diagram-time').boundingBox())!;
    expect(box.width).toBeGreaterThan(500);
    expect(box.height).toBeGreaterThan(200);
    expect(await page.locator('#diagram-time .lane').count()).toBe(Number(report.config.options.nodes));
    expect((await page.locator('#overview').boundingBox())!.width).toBeGreaterThan(500);
    // The violation's line is inside the scroller's visible part.
    const scroller = (await page.locator('.view:not([hidden]) .scroller').boundingBox())!;
    const marker = (await page.locator('#diagram-time-violation line').first().boundingBox())!;
    expect(marker.height).toBeGreaterThan(100);
    expect(marker.x).toBeGreaterThan(scroller.x);
    expect(marker.x).toBeLessThan(scroller.x + scroller.width);
    // Hovering a message shows its whole tooltip, decoded.
    await page.locator('#diagram-time g.msg.chain .hit').last().hover({ force: true });
    await expect.poll(() => page.locator('#tip').isVisible()).toBe(true);
    expect(await page.locator('#tip').textContent()).toMatch(/#\d+ n\d → n\d: gossip\nsent /);
    // Zoom in twice: the level is 4 times what it was, and the violation stays on screen.
    const level = async () => Number((await page.locator('#zoom-level').textContent())!.replace('×', ''));
    const k0 = await level();
    const w0 = (await page.locator('#diagram-time').boundingBox())!.width;
    await page.click('[data-zoom=in]');
    await page.click('[data-zoom=in]');
    expect(await level()).toBeCloseTo(k0 * 4, 1);
    expect((await page.locator('#diagram-time').boundingBox())!.width).toBeGreaterThan(w0 * 2);
    const after = (await page.locator('#diagram-time-violation line').first().boundingBox())!;
    expect(after.x).toBeGreaterThan(scroller.x);
    expect(after.x).toBeLessThan(scroller.x + scroller.width);
    expect(errors).toEqual([]);
    expect(requests.every((u) => u === pathToFileURL(file).href || u.startsWith('data:'))).toBe(true);
    await page.close();
  });

  it('renders role bands, pauses, partitions and duplicates from a hand-written trace', async () => {
    const trace = roleTrace();
    const { page, errors } = await open(renderReportHtml(roleReport(real.report, trace), trace), 'roles');
    const view = page.locator('.view:not([hidden]) svg.diagram');
    expect(await view.locator('.lane').count()).toBe(3);
    expect(await view.locator('.lane-row[data-row="role"] .band').count()).toBeGreaterThanOrEqual(9);
    const band = await view.locator('.lane-row[data-row="role"] .band rect').first().boundingBox();
    expect(band!.width).toBeGreaterThan(10);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('npm run report', () => {
  function report(args: string[]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/report.ts', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('writes the page next to the report, prints its path, the violation and the trace before it', () => {
    const r = report([real.path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const html = real.path.replace(/\.json$/, '.html');
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toContain('<svg id="diagram-time"');
    expect(r.stdout).toContain(html);
    expect(r.stdout).toContain('VIOLATION of never-backwards (safety) at 4733ms, event 1284');
    expect(r.stdout).toContain('n2 recovered 0 after announcing 181');
    expect(r.stdout).toContain('Last 20 trace entries before it:');
    expect(r.stdout).toMatch(/1284 +4\.733s n2 +restart/);
    expect(r.stdout).toContain(`the same trace hash ${real.report.traceHash} and the same violation`);
  });

  it('takes --out and --window-ms', () => {
    const out = join(real.dir, 'sub', 'page.html');
    const r = report([real.path, '--out', out, '--window-ms', '500']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/real time: 3\.\d+s to 4\.733s/);
    const dir = mkdtempSync(join(tmpdir(), 'report-out-'));
    const inDir = report([real.path, '--out', dir]);
    expect(inDir.code, inDir.stderr).toBe(0);
    expect(existsSync(join(dir, basename(real.path).replace(/\.json$/, '.html')))).toBe(true);
  });

  it('still renders when the code changed since the report, with a warning line', () => {
    const data = JSON.parse(readFileSync(real.path, 'utf8'));
    const path = join(real.dir, 'changed.json');
    writeFileSync(path, JSON.stringify({ ...data, traceHash: '0123456789abcdef' }));
    const r = report([path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^warning: the replay gave trace hash [0-9a-f]{16}, the report has 0123456789abcdef: the code changed since the report was made/);
    expect(readFileSync(join(real.dir, 'changed.html'), 'utf8')).toContain('the code changed since the report was made');
  });

  it('exits 2 with one line naming the problem for a broken, foreign or missing report and for bad flags', () => {
    const good = readFileSync(real.path, 'utf8');
    const write = (name: string, text: string) => {
      const p = join(real.dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: [string[], string][] = [
      [[write('broken.json', good.slice(0, 300))], 'not valid JSON'],
      [[write('foreign.json', JSON.stringify({ name: 'left-pad', version: '1.3.0' }))], 'not a cluster-sim-report file'],
      [[write('noviolation.json', JSON.stringify({ ...JSON.parse(good), violation: undefined }))], 'the report has no violation'],
      [[join(real.dir, 'missing.json')], 'no such file'],
      [[real.path, '--frobnicate'], "Unknown option '--frobnicate'"],
      [[real.path, '--window-ms', 'soon'], '--window-ms must be a positive number'],
      [[real.path, '--window-ms', '0'], '--window-ms must be a positive number'],
      [[], 'give the report to render'],
      [[real.path, real.path], 'one report at a time'],
      [[real.path, '--out', real.path], 'would overwrite the report'],
    ];
    for (const [args, says] of cases) {
      const r = report(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(/^report: /);
      expect(lines[0]).toContain(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
