/**
 * The report page's smaller parts: its top line and warnings, the legend, the fault schedule, the
 * facts of the run and the raw material (trace tail, states, config) folded away at the bottom.
 */
import type { Report } from '../sim/report.ts';
import type { Violation } from '../sim/kernel.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { formatFault, formatMs, type FaultEvent } from '../sim/faults.ts';
import { formatEntry } from './terminal.ts';
import { escapeHtml as esc, formatTime, jsonText, plural } from './text.ts';
import { commandLine } from '../sim/invocation.ts';

/** A fault as the fault-script line, with a latency distribution written out for a person. */
export function faultText(f: FaultEvent): string {
  const text = formatFault(f);
  if (f.type !== 'network' || f.conditions.latency === undefined) return text;
  const l = f.conditions.latency;
  const readable =
    l.kind === 'constant' ? `${formatMs(l.ms)}` : l.kind === 'uniform' ? `${formatMs(l.minMs)}..${formatMs(l.maxMs)}` : `${formatMs(l.minMs)}..${formatMs(l.maxMs)} (mean +${formatMs(l.meanMs)}, exponential)`;
  return text.replace(JSON.stringify(l), readable);
}

export function originLine(report: Pick<Report, 'origin'>): string {
  const o = report.origin;
  switch (o.kind) {
    case 'sim':
      return 'a simulation run (npm run sim)';
    case 'property':
      return `property ${o.property}, fast-check seed ${o.fastCheck.seed} path ${JSON.stringify(o.fastCheck.path)}${o.shrunk ? ', shrunk' : ''}`;
    case 'explore':
      return `the explorer (a counterexample of ${plural(o.depth, 'step')}, replayed in the kernel)`;
    case 'determinism':
      return `a determinism check: hashes ${o.hashes.join(' vs ')}`;
    default:
      return JSON.stringify(o);
  }
}

/** What a page is drawn from: a report, or a passing run (no violation; `replay` re-runs its seed). */
export type PageReport = Omit<Report, 'violation' | 'replay'> & { readonly violation: Violation | null; readonly replay: string };

export interface ReplayInfo {
  readonly traceHash: string;
  readonly violation: Violation | null;
}

export function topLine(report: PageReport, replay: ReplayInfo | null): string {
  const sameHash = replay === null ? null : replay.traceHash === report.traceHash;
  const hash = `trace hash <code>${esc(report.traceHash)}</code>${sameHash === null ? '' : sameHash ? ' <span class="ok">✓ the replay gave the same hash</span>' : ` <span class="bad">✗ the replay gave <code>${esc(replay!.traceHash)}</code></span>`}`;
  return (
    `<header class="topline"><h1>${esc(report.scenario)} <span class="dim">seed</span> ${report.seed}</h1>${report.bug ? `<span class="bug">bug ${esc(report.bug)}</span>` : ''}` +
    `<span class="facts-line">${esc(originLine(report))} · ${hash} · replay: <code class="cmd">${esc(report.replay)}</code></span></header>`
  );
}

export function warnings(report: PageReport, replay: ReplayInfo | null, traceOmitted: number): string[] {
  const v = report.violation;
  const out: string[] = [];
  if (replay && replay.traceHash !== report.traceHash) {
    out.push(`The replay gave trace hash <code>${esc(replay.traceHash)}</code>, the report has <code>${esc(report.traceHash)}</code>: the code changed since the report was made, so the diagram shows today's run of this config, which may not be the run that failed.`);
  }
  if (replay && v !== null && (!replay.violation || replay.violation.invariant !== v.invariant || replay.violation.eventIndex !== v.eventIndex)) {
    out.push(
      replay.violation
        ? `The replay ended with a different violation: ${esc(replay.violation.invariant)} at event ${replay.violation.eventIndex} (${esc(formatTime(replay.violation.atMs))}). The red line marks the report's.`
        : "The replay found no violation: the run is clean with today's code. The red line marks where the report's violation was.",
    );
  }
  if (traceOmitted > 0) out.push(`The first ${traceOmitted.toLocaleString('en-US')} trace entries were not recorded: the overview and the bands before them are incomplete.`);
  return out.map((w) => `<div class="warning">⚠ ${w}</div>`);
}

export function legend(): string {
  const item = (svg: string, text: string) => `<span class="legend-item"><svg width="34" height="20" viewBox="0 0 34 20">${svg}</svg>${esc(text)}</span>`;
  return `<div class="legend">${[
    item('<line x1="3" y1="3" x2="28" y2="16" stroke="#1565c0" stroke-width="2.2"/>', "the story's messages (labelled)"),
    item('<line x1="3" y1="3" x2="28" y2="16" stroke="#3a4a5c" stroke-width="1.1"/>', 'a message delivered'),
    item('<line x1="3" y1="3" x2="28" y2="16" stroke="#3a4a5c" stroke-width="1.1" opacity="0.15"/>', 'not in the violation\'s causal past'),
    item('<line x1="3" y1="3" x2="28" y2="16" stroke="#d9730d" stroke-width="1.3" stroke-dasharray="4 2"/>', 'duplicate delivery'),
    item('<line x1="3" y1="3" x2="20" y2="12" stroke="#c0392b" stroke-width="1.3"/><path d="M16,8L24,16M16,16L24,8" stroke="#c0392b" stroke-width="2"/>', 'lost (loss, partition, receiver down)'),
    item('<line x1="3" y1="3" x2="16" y2="10" stroke="#7f8c8d" stroke-width="1.3" stroke-dasharray="3 2"/><text x="17" y="14" font-size="12" fill="#7f8c8d">…</text>', 'never delivered in the counterexample'),
    item('<circle cx="17" cy="10" r="8" fill="#1565c0"/><text x="17" y="14" font-size="10" fill="#fff" text-anchor="middle">3</text>', 'story step 3'),
    item('<circle cx="17" cy="10" r="7" fill="none" stroke="#d62728" stroke-width="2"/>', "an event the checker named"),
    item('<path d="M11,3L23,3L17,12Z" fill="#16a085"/>', 'command (labelled)'),
    item('<line x1="2" y1="13" x2="32" y2="13" stroke="#9aa5b1"/><line x1="17" y1="6" x2="17" y2="13" stroke="#7b8794" stroke-width="1.4"/>', 'timer'),
    item('<circle cx="17" cy="10" r="3" fill="#2b7bb9"/>', 'observation'),
    item('<rect x="14.5" y="8" width="5" height="5" fill="#2e7d32"/>', 'persist (fsync)'),
    item('<rect x="2" y="5" width="30" height="10" fill="#e74c3c" opacity="0.85"/>', 'node down'),
    item('<rect x="2" y="1" width="30" height="18" fill="#ddd"/>', 'paused'),
    item('<rect x="2" y="1" width="30" height="9" fill="rgba(230,126,34,0.3)"/><rect x="2" y="10" width="30" height="9" fill="rgba(26,152,180,0.3)"/>', 'partition sides'),
    item('<line x1="17" y1="0" x2="17" y2="20" stroke="#d62728" stroke-width="2"/>', 'the violation'),
  ].join('')}</div>`;
}

export function details(report: PageReport, trace: readonly TraceEntry[], winFrom: number, reportPath: string | undefined): string {
  const v = report.violation;
  const faults = report.config.faults;
  const items = faults.map((f) => `<li${v !== null && f.atMs > v.atMs ? ' class="after"' : f.atMs >= winFrom ? ' class="in-window"' : ''}><code>${esc(faultText(f))}</code></li>`).join('');
  const tail = trace.filter((e) => v === null || e.i <= v.eventIndex).slice(-60);
  const states = Object.entries(v?.states ?? {})
    .map(([id, s]) => `<h4>${esc(id)}</h4><pre>${esc(jsonText(s === undefined ? null : s, 40000))}</pre>`)
    .join('');
  const tool = report.tool;
  const commit = tool.commit ? `${tool.commit.slice(0, 12)}${tool.dirty ? ' (with uncommitted changes)' : ''}` : 'unknown';
  return (
    `<details${faults.length > 0 && faults.length <= 12 ? ' open' : ''}><summary>Fault schedule: ${faults.length === 0 ? 'no faults' : plural(faults.length, 'fault')}</summary>` +
    (faults.length === 0 ? '' : `<p class="dim"><b>bold</b>: inside the diagram's window; grey: after the violation. The kernel heals everything at ${esc(formatMs(report.config.durationMs))}.</p><ol class="faults">${items}</ol>`) +
    `</details>` +
    `<details><summary>The run</summary><dl class="facts">` +
    `<dt>run</dt><dd>${report.events.toLocaleString('en-US')} events, ${esc(formatTime(report.simulatedMs))} simulated (${esc(formatMs(report.config.durationMs))} faulty + ${esc(formatMs(report.config.quietMs))} quiet planned)</dd>` +
    `<dt>made by</dt><dd>${esc(tool.name)} ${esc(tool.version)}, commit <code>${esc(commit)}</code></dd>` +
    (reportPath ? `<dt>this page</dt><dd><code class="cmd">${esc(commandLine('report', reportPath))}</code></dd>` : '') +
    `</dl></details>` +
    `<details><summary>${v === null ? 'The end of the trace' : 'Trace before the violation'} (last ${tail.length} entries)</summary><pre class="trace">${esc(tail.map(formatEntry).join('\n'))}</pre></details>` +
    (v === null ? '' : `<details><summary>Node states at the violation</summary>${states || '<p>none recorded</p>'}</details>`) +
    `<details><summary>Run config</summary><pre>${esc(JSON.stringify({ ...report.config, faults: `${faults.length} faults, listed above` }, null, 2))}</pre></details>`
  );
}
