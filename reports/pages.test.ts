/**
 * The report pages of real failures, in a real browser at a normal window size (1366×768): what a
 * person sees before scrolling must tell the story. For each of a Raft, a SWIM (a liveness
 * failure judged at the end), a migration and an explorer report, and a sweep page, the test
 * takes a screenshot (into $CLUSTER_SIM_SHOTS, default the temporary folder's
 * cluster-sim-report-shots/) and checks that the story, the violating event (or the checker's
 * culprits) and the protocol's lanes are on screen, and that the page logs no error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { reportPage, runPage } from '../cli/report.ts';
import { configFor } from '../sim/run.ts';
import { exploreScenario, knownBugBounds } from '../explore/index.ts';
import { findScenario } from '../scenarios/index.ts';
import { loadReport, makeReport, writeReport } from '../sim/report.ts';
import { runSeed } from '../sim/run.ts';
import { findBrowser } from './browser.ts';
import { renderSweepHtml, type SweepRun } from './sweep.ts';

const TOOL = { name: 'cluster-sim', version: '0.0.0-test', commit: '0123456789abcdef0123456789abcdef01234567', dirty: false };
const VIEWPORT = { width: 1366, height: 768 };
const shots = process.env.CLUSTER_SIM_SHOTS ?? join(tmpdir(), 'cluster-sim-report-shots');
const dir = mkdtempSync(join(tmpdir(), 'report-pages-'));

/** A failing seed's report, written as the CLI writes it, and its page. */
function simPage(scenario: string, seed: number, bug: string): { file: string; html: string; invariant: string } {
  const sc = findScenario(scenario)!;
  const result = runSeed(sc, seed, bug);
  expect(result.violation, `${scenario} seed ${seed} ${bug}`).not.toBeNull();
  const file = writeReport(makeReport(result, { kind: 'sim' }, TOOL), dir);
  return { file, html: reportPage(loadReport(file, findScenario), file).html, invariant: result.violation!.invariant };
}

let browser: Browser;
beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const found = await findBrowser();
  browser = await chromium.launch({ executablePath: found.executablePath, args: [...found.args] });
});
afterAll(async () => {
  await browser?.close();
});

async function open(html: string, name: string): Promise<{ page: Page; errors: string[] }> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: VIEWPORT });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(file).href);
  await page.screenshot({ path: join(shots, `${name}.png`) });
  return { page, errors };
}

/** Whether the element is drawn and its middle is inside the window, without scrolling. */
async function onScreen(l: Locator): Promise<boolean> {
  if (!(await l.isVisible())) return false;
  const b = await l.boundingBox();
  if (b === null) return false;
  const x = b.x + b.width / 2;
  const y = b.y + Math.min(b.height, 40) / 2;
  return x >= 0 && x <= VIEWPORT.width && y >= 0 && y <= VIEWPORT.height;
}

/** How many of the elements are on screen. */
async function countOnScreen(l: Locator, max = 200): Promise<number> {
  let n = 0;
  const total = Math.min(await l.count(), max);
  for (let k = 0; k < total; k++) if (await onScreen(l.nth(k))) n++;
  return n;
}

/** The story and the violation, as every report page must show them before scrolling. */
async function expectStoryFirst(page: Page, invariant: string): Promise<void> {
  expect(await onScreen(page.locator('#story .story-head'))).toBe(true);
  expect(await page.locator('#story .invariant').textContent()).toBe(invariant);
  expect(await onScreen(page.locator('#story .v-msg'))).toBe(true);
  expect(await countOnScreen(page.locator('#story .story-steps > li'))).toBeGreaterThanOrEqual(3);
  expect(await onScreen(page.locator('.view:not([hidden]) .scroller'))).toBe(true);
}

async function expectViolatingEvent(page: Page): Promise<void> {
  // The story's line for it, and in the diagram its ringed step and the red line, all on screen.
  expect(await onScreen(page.locator('#story li.violating'))).toBe(true);
  const view = page.locator('.view:not([hidden])');
  expect(await onScreen(view.locator('.violation .violation-label'))).toBe(true);
  const line = (await view.locator('.violation line').boundingBox())!;
  expect(line.x).toBeGreaterThan(0);
  expect(line.x).toBeLessThan(VIEWPORT.width);
  expect(line.y).toBeLessThan(VIEWPORT.height);
  expect(await countOnScreen(view.locator('.story-mark.violating'))).toBeGreaterThanOrEqual(1);
}

async function expectLanes(page: Page, rows: readonly string[]): Promise<void> {
  const view = page.locator('.view:not([hidden])');
  for (const row of rows) expect(await countOnScreen(view.locator(`.lane-row[data-row="${row}"] .band rect`)), `lane ${row}`).toBeGreaterThan(0);
}

/** Visible message labels never overlap one another (a dense diagram moves or hides them). */
async function expectLabelsApart(page: Page): Promise<void> {
  // A string, since this project's types have no DOM: it runs in the page.
  const boxes = (await page.evaluate(`Array.from(document.querySelectorAll('.view:not([hidden]) text.msg-label'))
      .filter((t) => getComputedStyle(t).display !== 'none' && getComputedStyle(t).visibility !== 'hidden')
      .map((t) => { const r = t.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height, text: t.textContent || '' }; })
      .filter((b) => b.w > 0)`)) as { x: number; y: number; w: number; h: number; text: string }[];
  expect(boxes.length).toBeGreaterThan(0);
  const clashes: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!, b = boxes[j]!;
      // One pixel of slack: the estimate of a label's width is not its rendered width to the pixel.
      if (a.x + 1 < b.x + b.w && b.x + 1 < a.x + a.w && a.y + 1 < b.y + b.h && b.y + 1 < a.y + a.h) clashes.push(`${a.text} / ${b.text}`);
    }
  expect(clashes).toEqual([]);
}

describe('report pages of real failures at 1366×768', () => {
  it('Raft: a double vote after a restart that forgot it; roles, terms and votes drawn', async () => {
    const r = simPage('raft-vote-restart', 11, 'votedfor-not-persisted');
    const { page, errors } = await open(r.html, 'raft');
    await expectStoryFirst(page, r.invariant);
    await expectViolatingEvent(page);
    await expectLanes(page, ['role', 'vote']);
    expect(await page.locator('#story li').filter({ hasText: 'restarted' }).count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('migration: two nodes accept writes for one slot; slots, MIGRATING/IMPORTING and the reshard command drawn', async () => {
    const r = simPage('cluster-migration', 1, 'migrating-exit-early');
    const { page, errors } = await open(r.html, 'migration');
    await expectStoryFirst(page, 'single-writer');
    await expectViolatingEvent(page);
    await expectLanes(page, ['role', 'slots', 'writes']);
    const view = page.locator('.view:not([hidden])');
    expect(await countOnScreen(view.locator('.lane-row[data-row="migrating"] .band rect, .lane-row[data-row="importing"] .band rect'))).toBeGreaterThan(0);
    expect(await page.locator('#story li').filter({ hasText: 'reshard' }).count()).toBeGreaterThan(0);
    await expectLabelsApart(page);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('SWIM, a liveness failure judged at the end: the false deaths the checker names are the story; who saw whom dead is drawn', async () => {
    const r = simPage('swim-loss', 1, 'no-suspicion');
    expect(r.invariant).toBe('false-positives');
    const { page, errors } = await open(r.html, 'swim-liveness');
    await expectStoryFirst(page, 'false-positives');
    expect(await page.locator('#story .v-when').textContent()).toContain('judged at the end of the run');
    expect(await countOnScreen(page.locator('#story li.culprit'))).toBeGreaterThanOrEqual(2);
    const view = page.locator('.view:not([hidden])');
    expect(await countOnScreen(view.locator('.culprit-ring, .story-mark.culprit'))).toBeGreaterThan(0);
    await expectLanes(page, ['seen as']);
    // Messages are decoded: a ping's label names its piggybacked news, not its bytes.
    const labels = await view.locator('g.msg.chain text.msg-label').allTextContents();
    expect(labels.some((t) => /^(ping|ack|ping-req)\b/.test(t))).toBe(true);
    expect(labels.every((t) => !/^[0-9a-f]{16,}/.test(t))).toBe(true);
    await expectLabelsApart(page);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explorer: the counterexample in event order, its steps numbered on the page and on the columns', async () => {
    const outcome = exploreScenario(findScenario('raft-explore')!, { bug: 'votedfor-not-persisted', bounds: { depth: 9, crashes: 1 }, reportDir: dir, tool: TOOL });
    const v = outcome.violation!;
    expect(v.reportPath).not.toBeNull();
    const html = reportPage(loadReport(v.reportPath!, findScenario), v.reportPath!).html;
    const { page, errors } = await open(html, 'explorer');
    await expectStoryFirst(page, v.invariant);
    await expectViolatingEvent(page);
    expect(await page.locator('[data-view-btn="order"]').getAttribute('class')).toContain('on');
    expect(await page.locator('#story details.path li').count()).toBe(v.depth);
    const columns = await page.locator('.view:not([hidden]) .axis-label').allTextContents();
    for (let k = 1; k <= v.depth; k++) expect(columns).toContain(String(k));
    await expectLanes(page, ['role']);
    // A click on a counterexample step focuses the diagram on it.
    await page.locator('#story details.path li').nth(2).click();
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the client operations of a linearizability failure at 1366×768', () => {
  it('one click from the story to the verdict, the longest linearizable prefix with the state after each, and the bars that cannot all be true', async () => {
    const r = simPage('raft-leader-isolated', 2, 'stale-read');
    expect(r.invariant).toBe('linearizable');
    const { page, errors } = await open(r.html, 'clients-top');
    await expectStoryFirst(page, 'linearizable');
    await page.locator('#clients').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'clients.png') });
    const lin = page.locator('#linearizability');
    expect(await lin.locator('b.bad').textContent()).toBe('not linearizable');
    expect(await lin.textContent()).toMatch(/The longest linearizable prefix the search finds places \d+ operations? of \d+; then nothing can come next\. The model's state after each:/);
    // Each placed operation has its state after it; the operations that cannot come next are marked.
    const placed = lin.locator('table.lin tr:not(.stuck)').filter({ has: page.locator('td code') });
    expect(await placed.count()).toBeGreaterThan(1);
    expect(await lin.locator('table.lin tr.stuck').count()).toBeGreaterThan(0);
    expect(await lin.locator('table.lin tr.failing, table.lin tr.stuck').count()).toBeGreaterThan(0);
    // The timeline: a row per client, a bar per operation, the key outlined and the culprits red.
    const timeline = page.locator('#client-timeline');
    expect(await timeline.isVisible()).toBe(true);
    expect(await timeline.locator('g.op').count()).toBeGreaterThan(10);
    expect(await timeline.locator('g.op.key').count()).toBeGreaterThan(0);
    expect(await timeline.locator('g.op.failing').count()).toBeGreaterThanOrEqual(1);
    expect(await timeline.locator('.ov-label').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a SWIM explorer counterexample at 1366×768', () => {
  it('shows every numbered step on its column before scrolling, the first one too', async () => {
    const sc = findScenario('swim-explore')!;
    const outcome = exploreScenario(sc, { bug: 'refute-without-bump', bounds: knownBugBounds(sc, 'refute-without-bump'), reportDir: dir, tool: TOOL });
    const v = outcome.violation!;
    const html = reportPage(loadReport(v.reportPath!, findScenario), v.reportPath!).html;
    const { page, errors } = await open(html, 'swim-explorer');
    await expectStoryFirst(page, v.invariant);
    const view = page.locator('.view:not([hidden])');
    // Inside the scroller's visible box, not only the window's: a column scrolled off to the left is clipped.
    const box = (await view.locator('.scroller').boundingBox())!;
    for (let k = 1; k <= v.depth; k++) {
      const label = view.locator('.axis-label:not(.below)').filter({ hasText: new RegExp(`^${k}$`) });
      expect(await label.count(), `column ${k}`).toBe(1);
      const b = (await label.boundingBox())!;
      const x = b.x + b.width / 2;
      expect(x >= box.x && x <= box.x + box.width && b.y + b.height / 2 <= VIEWPORT.height, `column ${k} at x ${x.toFixed(0)}, the scroller shows ${box.x.toFixed(0)}-${(box.x + box.width).toFixed(0)}`).toBe(true);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a passing run\'s page at 1366×768', () => {
  it('says it passed and what watched it, and draws the end of the run with its lanes, no red line', async () => {
    const sc = findScenario('isr')!;
    const { html, result } = runPage(sc, configFor(sc, 3, null), TOOL, 'npm run sim -- --scenario isr --seed 3');
    expect(result.violation).toBeNull();
    const { page, errors } = await open(html, 'passing');
    expect(await onScreen(page.locator('#story.passed .story-head'))).toBe(true);
    expect(await page.locator('#story .invariant').textContent()).toBe('no invariant broke');
    const facts = (await page.locator('#story .run-facts').textContent()) ?? '';
    expect(facts).toMatch(/watched by \d+ invariants: /);
    expect(facts).not.toContain('watched by 0 invariants');
    expect(facts).toMatch(/\d+ faults?: /);
    expect(await page.locator('.violation').count()).toBe(0);
    expect(await onScreen(page.locator('.view:not([hidden]) .scroller'))).toBe(true);
    await expectLanes(page, ['role']);
    expect(await page.locator('[data-zoom="story"]').textContent()).toBe('fit end');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the sweep page at 1366×768', () => {
  it('shows the verdict and the failures by invariant before scrolling', async () => {
    const runs: SweepRun[] = Array.from({ length: 200 }, (_, k) => ({
      seed: k + 1,
      traceHash: (k + 1).toString(16).padStart(16, '0'),
      events: 2000 + ((k * 7919) % 3000),
      simulatedMs: 15_000,
      wallMs: 300 + ((k * 104729) % 900),
      violation: k % 17 === 4 ? { invariant: k % 2 === 0 ? 'linearizable' : 'election-safety', kind: 'safety', message: `seed ${k + 1} failed`, atMs: 4200 } : null,
      reportPath: k % 17 === 4 ? `r${k + 1}.json` : null,
      pagePath: null,
      coverage: (k % 3 === 0 ? { 'raft/snapshot': 2 } : {}) as Record<string, number>,
    }));
    const html = renderSweepHtml({ scenario: 'raft', bug: 'stale-read', seeds: { from: 1, to: 200 }, shard: null, workers: 2, wallMs: 60_000, runs, required: { events: ['raft/snapshot', 'raft/transfer'], seeds: 100 }, determinism: { checked: 10, mismatches: [] } });
    const { page, errors } = await open(html, 'sweep');
    expect(await onScreen(page.locator('#verdict'))).toBe(true);
    expect(await page.locator('#verdict').textContent()).toMatch(/12 seeds of 200 failed, under 2 invariants/);
    expect(await countOnScreen(page.locator('#failures tr.inv-row'))).toBe(2);
    expect(await onScreen(page.locator('#seed-squares'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
