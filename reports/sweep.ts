/**
 * The sweep page: what a sweep of many seeds found, for a person deciding what to look at first.
 * Top to bottom: the verdict (seeds run, how many failed, under which invariants); failures by
 * invariant, each with its seeds linked to their report pages; every seed as a small square
 * (green clean, red failing, linked); the coverage of the scenario's named events (how many seeds
 * reached each, the required ones that none did); the slowest seeds, by wall time and by events.
 *
 * `renderSweepHtml(sweep)` is a pure function of what the sweep measured (wall times included:
 * they are the sweep's measurements, not the simulation's).
 */
import { pageShell } from './page.ts';
import { escapeHtml as esc, formatTime, plural } from './text.ts';
import { commandLine, commandPrefix } from '../sim/invocation.ts';

export interface SweepRun {
  readonly seed: number;
  readonly traceHash: string;
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly violation: { readonly invariant: string; readonly kind: string; readonly message: string; readonly atMs: number } | null;
  /** The report file, as the page should link it (relative to the page), or null. */
  readonly reportPath: string | null;
  /** The report's HTML page, relative to the sweep page, when one was rendered. */
  readonly pagePath: string | null;
  /** How often each named event (`cover` effect) fired in this run. */
  readonly coverage: Readonly<Record<string, number>>;
}

export interface SweepSummary {
  readonly scenario: string;
  readonly bug: string | null;
  readonly seeds: { readonly from: number; readonly to: number };
  readonly shard: string | null;
  readonly workers: number;
  readonly wallMs: number;
  readonly runs: readonly SweepRun[];
  /** The events the scenario requires a long enough sweep to reach, and how long that is. */
  readonly required: { readonly events: readonly string[]; readonly seeds: number } | null;
  readonly determinism: { readonly checked: number; readonly mismatches: readonly number[] };
}

/** Failing seeds listed per invariant at most; the squares show every seed. */
const SEEDS_LISTED = 12;
const SLOWEST = 10;
/** Squares drawn at most (a sweep of a million seeds draws its first ones and says so). */
const MAX_SQUARES = 5000;

function seedLink(r: SweepRun, text = String(r.seed)): string {
  const href = r.pagePath ?? r.reportPath;
  return href === null ? esc(text) : `<a href="${esc(href)}">${esc(text)}</a>`;
}

function failuresByInvariant(runs: readonly SweepRun[]): string {
  const failing = runs.filter((r) => r.violation !== null);
  if (failing.length === 0) return '<p class="ok">No seed violated an invariant.</p>';
  const groups = new Map<string, SweepRun[]>();
  for (const r of failing) groups.set(r.violation!.invariant, [...(groups.get(r.violation!.invariant) ?? []), r]);
  const rows = [...groups.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([inv, rs]) => {
      const first = rs[0]!;
      const seeds = rs.slice(0, SEEDS_LISTED).map((r) => seedLink(r)).join(', ') + (rs.length > SEEDS_LISTED ? `, … ${rs.length - SEEDS_LISTED} more` : '');
      const cmd = first.reportPath === null ? '' : `<div class="dim">page of the first: <code class="cmd">${esc(commandLine('report', first.reportPath))}</code></div>`;
      return (
        `<tr class="inv-row" data-invariant="${esc(inv)}"><td><b>${esc(inv)}</b> <span class="dim">(${esc(first.violation!.kind)})</span></td><td class="r">${rs.length}</td>` +
        `<td>${seeds}<div class="example">seed ${seedLink(first)}: ${esc(first.violation!.message)} <span class="dim">at ${esc(formatTime(first.violation!.atMs))}</span></div>${cmd}</td></tr>`
      );
    });
  return `<table class="sweep-table" id="failures"><tr><th>invariant</th><th>seeds</th><th>which (the first one's message; click a seed for its report)</th></tr>${rows.join('')}</table>`;
}

function squares(runs: readonly SweepRun[]): string {
  const shown = runs.slice(0, MAX_SQUARES);
  const cells = shown
    .map((r) => {
      const tip = `seed ${r.seed}: ${r.violation === null ? 'clean' : `${r.violation.invariant}: ${r.violation.message}`}\n${r.events.toLocaleString('en-US')} events, ${formatTime(r.simulatedMs)} simulated, ${Math.round(r.wallMs)} ms wall`;
      const cls = `sq ${r.violation === null ? 'pass' : 'fail'}`;
      const href = r.pagePath ?? r.reportPath;
      return href === null ? `<span class="${cls}" title="${esc(tip)}"></span>` : `<a class="${cls}" href="${esc(href)}" title="${esc(tip)}"></a>`;
    })
    .join('');
  const more = runs.length > shown.length ? `<p class="dim">The first ${shown.length.toLocaleString('en-US')} of ${runs.length.toLocaleString('en-US')} seeds are drawn.</p>` : '';
  return `<div class="squares" id="seed-squares">${cells}</div>${more}`;
}

function coverage(s: SweepSummary): string {
  const names = new Set<string>(s.required?.events ?? []);
  for (const r of s.runs) for (const k of Object.keys(r.coverage)) names.add(k);
  if (names.size === 0) return '<p class="dim">The scenario names no events to cover (no <code>cover</code> effects fired).</p>';
  const required = new Set(s.required?.events ?? []);
  const judged = s.required !== null && s.runs.length >= s.required.seeds;
  const rows = [...names].sort().map((name) => {
    const reached = s.runs.filter((r) => (r.coverage[name] ?? 0) > 0);
    const total = s.runs.reduce((n, r) => n + (r.coverage[name] ?? 0), 0);
    const share = s.runs.length === 0 ? 0 : reached.length / s.runs.length;
    const missing = reached.length === 0 && required.has(name);
    const status = missing ? (judged ? '<b class="bad">NOT REACHED</b>' : `<span class="dim">not reached yet (judged from ${s.required!.seeds} seeds)</span>`) : required.has(name) ? 'required' : '';
    const first = reached[0];
    return (
      `<tr class="${missing ? 'missing' : ''}" data-event="${esc(name)}"><td><code>${esc(name)}</code></td><td class="r">${reached.length}</td>` +
      `<td><span class="bar"><span style="width:${(share * 100).toFixed(1)}%"></span></span> ${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)}%</td>` +
      `<td class="r">${total.toLocaleString('en-US')}</td><td>${first === undefined ? '' : `seed ${first.seed}`}</td><td>${status}</td></tr>`
    );
  });
  return `<table class="sweep-table" id="coverage"><tr><th>named event</th><th>seeds</th><th>share of seeds</th><th>times</th><th>first</th><th></th></tr>${rows.join('')}</table>`;
}

function slowest(runs: readonly SweepRun[]): string {
  const by = (key: (r: SweepRun) => number) => [...runs].sort((a, b) => key(b) - key(a) || a.seed - b.seed).slice(0, SLOWEST);
  const row = (r: SweepRun) =>
    `<tr><td>${seedLink(r)}</td><td class="r">${Math.round(r.wallMs).toLocaleString('en-US')} ms</td><td class="r">${r.events.toLocaleString('en-US')}</td><td class="r">${esc(formatTime(r.simulatedMs))}</td><td>${r.violation === null ? '<span class="ok">clean</span>' : `<span class="bad">${esc(r.violation.invariant)}</span>`}</td></tr>`;
  const table = (id: string, title: string, rs: readonly SweepRun[]) =>
    `<div><h3>${esc(title)}</h3><table class="sweep-table" id="${id}"><tr><th>seed</th><th>wall</th><th>events</th><th>simulated</th><th></th></tr>${rs.map(row).join('')}</table></div>`;
  return `<div class="two">${table('slowest-wall', 'by wall time', by((r) => r.wallMs))}${table('slowest-events', 'by events', by((r) => r.events))}</div>`;
}

export function renderSweepHtml(s: SweepSummary): string {
  const runs = [...s.runs].sort((a, b) => a.seed - b.seed);
  const failing = runs.filter((r) => r.violation !== null);
  const invariants = new Set(failing.map((r) => r.violation!.invariant));
  const events = runs.reduce((n, r) => n + r.events, 0);
  const simulated = runs.reduce((n, r) => n + r.simulatedMs, 0);
  const unreached = s.required !== null && runs.length >= s.required.seeds ? s.required.events.filter((e) => runs.every((r) => (r.coverage[e] ?? 0) === 0)) : [];
  const bad = failing.length > 0 || unreached.length > 0 || s.determinism.mismatches.length > 0;
  const verdict =
    failing.length > 0
      ? `<b class="bad">${plural(failing.length, 'seed')} of ${runs.length.toLocaleString('en-US')} failed</b>, under ${plural(invariants.size, 'invariant')}: ${[...invariants].sort().map((i) => `<code>${esc(i)}</code>`).join(', ')}`
      : `<b class="ok">all ${plural(runs.length, 'seed')} clean</b>`;
  const extra = [
    unreached.length > 0 ? `<b class="bad">${plural(unreached.length, 'required event')} never reached</b>: ${unreached.map((e) => `<code>${esc(e)}</code>`).join(', ')}` : '',
    s.determinism.mismatches.length > 0 ? `<b class="bad">determinism: ${plural(s.determinism.mismatches.length, 'seed')} gave another trace hash in another worker</b> (${s.determinism.mismatches.join(', ')})` : `determinism: ${plural(s.determinism.checked, 'seed')} re-run in another worker, same trace hashes`,
  ].filter((x) => x !== '');
  const cmd = `${commandPrefix('sim')} --scenario ${s.scenario}${s.bug ? ` --bug ${s.bug}` : ''} --seeds ${s.seeds.from}..${s.seeds.to}${s.shard ? ` --shard ${s.shard}` : ''}`;
  const body =
    `<header class="topline"><h1>sweep: ${esc(s.scenario)} <span class="dim">seeds</span> ${s.seeds.from}..${s.seeds.to}</h1>${s.bug ? `<span class="bug">bug ${esc(s.bug)}</span>` : ''}` +
    `<span class="facts-line">${runs.length.toLocaleString('en-US')} runs${s.shard ? ` (shard ${esc(s.shard)})` : ''} on ${plural(s.workers, 'worker')} in ${(s.wallMs / 1000).toFixed(1)} s · ${events.toLocaleString('en-US')} events · ${esc(formatTime(simulated))} simulated · again: <code class="cmd">${esc(cmd)}</code></span></header>` +
    `<section id="verdict" class="verdict ${bad ? 'bad-box' : 'ok-box'}"><p>${verdict}.</p>${extra.map((x) => `<p>${x}.</p>`).join('')}</section>` +
    `<section><h2>Failures by invariant</h2>${failuresByInvariant(runs)}</section>` +
    `<section><h2>Every seed</h2><p class="dim">Green clean, red failing; hover for what happened, click a red one for its report.</p>${squares(runs)}</section>` +
    `<section><h2>Coverage of the named events</h2><p class="dim">How many seeds reached each rare branch the protocols name (<code>cover</code> effects)${s.required !== null ? `; the scenario requires ${s.required.events.length.toLocaleString('en-US')} of them in any sweep of ${s.required.seeds}+ seeds` : ''}.</p>${coverage({ ...s, runs })}</section>` +
    `<section><h2>Slowest seeds</h2>${slowest(runs)}</section>`;
  return pageShell(`sweep ${s.scenario} ${s.seeds.from}..${s.seeds.to}: ${failing.length} failing`, body, false);
}
