/**
 * `npm run sim -- --seeds A..B --html FILE`: the sweep's page (reports/sweep.ts), with the report
 * pages of some failing seeds rendered beside their reports so that its links open on a story:
 * the first seed of each invariant first, then the second of each, up to `maxPages` (each page
 * replays its seed). The other failing seeds link to their report files.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { findScenario } from '../scenarios/index.ts';
import { loadReport } from '../sim/report.ts';
import type { Scenario } from '../sim/scenario.ts';
import { renderSweepHtml, type SweepRun } from '../reports/sweep.ts';
import type { JobResult } from './jobs.ts';
import { reportPage } from './report.ts';

export interface SweepPageInput {
  readonly scenario: Scenario;
  readonly bug: string | null;
  readonly seeds: { readonly from: number; readonly to: number };
  readonly shard: string | null;
  readonly workers: number;
  readonly wallMs: number;
  readonly results: readonly JobResult[];
  readonly mismatches: readonly number[];
  readonly checked: number;
}

export const MAX_PAGES = 10;

/** Failing results whose report gets a page: round-robin over the invariants, seeds in order. */
export function pickPages(results: readonly JobResult[], max: number): JobResult[] {
  const groups = new Map<string, JobResult[]>();
  for (const r of [...results].sort((a, b) => a.seed - b.seed)) {
    if (r.violation === null || r.reportPath === null) continue;
    groups.set(r.violation.invariant, [...(groups.get(r.violation.invariant) ?? []), r]);
  }
  const lists = [...groups.keys()].sort().map((k) => groups.get(k)!);
  const out: JobResult[] = [];
  for (let round = 0; out.length < max && lists.some((l) => l.length > round); round++) {
    for (const l of lists) if (l[round] !== undefined && out.length < max) out.push(l[round]!);
  }
  return out;
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Writes the page (and the chosen report pages); returns how many report pages were written and the ones that could not be. */
export function writeSweepPage(path: string, input: SweepPageInput, maxPages = MAX_PAGES): { pages: number; failed: string[] } {
  const base = dirname(path);
  const pages = new Map<number, string>();
  const failed: string[] = [];
  for (const r of pickPages(input.results, maxPages)) {
    const file = r.reportPath!;
    const out = file.endsWith('.json') ? `${file.slice(0, -'.json'.length)}.html` : `${file}.html`;
    try {
      const { html } = reportPage(loadReport(file, findScenario), file);
      writeAtomically(out, html);
      pages.set(r.seed, out);
    } catch (e) {
      failed.push(`seed ${r.seed}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const runs: SweepRun[] = input.results.map((r) => ({
    seed: r.seed,
    traceHash: r.traceHash,
    events: r.events,
    simulatedMs: r.simulatedMs,
    wallMs: r.wallMs,
    violation: r.violation === null ? null : { invariant: r.violation.invariant, kind: r.violation.kind, message: r.violation.message, atMs: r.violation.atMs },
    reportPath: r.reportPath === null ? null : relative(base, r.reportPath),
    pagePath: pages.has(r.seed) ? relative(base, pages.get(r.seed)!) : null,
    coverage: r.coverage,
  }));
  const s = input.scenario.sometimes;
  const html = renderSweepHtml({
    scenario: input.scenario.name,
    bug: input.bug,
    seeds: input.seeds,
    shard: input.shard,
    workers: input.workers,
    wallMs: input.wallMs,
    runs,
    required: s === undefined ? null : { events: s.events, seeds: s.seeds },
    determinism: { checked: input.checked, mismatches: input.mismatches },
  });
  writeAtomically(path, html);
  return { pages: pages.size, failed };
}
