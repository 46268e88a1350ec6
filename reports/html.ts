/**
 * The HTML report: one self-contained page (inline CSS, SVG and script; nothing fetched) that shows
 * a person how a run failed, the violation first.
 *
 * `renderReportHtml(report, trace, options)` is a pure function: the report, the full trace of its
 * replay, and what the replay read of the protocols (`options.lanes`, `options.hooks`: see
 * replay.ts `recordRun`), in; the page's text out. Top to bottom:
 *
 * - the story (story.ts, causal.ts): the invariant and what it says, the checker's message, and
 *   the events of the violation's causal past that changed what nodes believe, numbered, each with
 *   the messages that carried its cause; beside it the space-time diagram (diagram.ts) on the
 *   story's stretch, the story's nodes shown (a menu shows the others), its messages highlighted
 *   and labelled, the rest of the causal past drawn plainly and what is outside it dimmed, with
 *   each node's state lanes (lanes.ts) under it. An explorer counterexample is drawn in event
 *   order (one column per step, numbered as the counterexample), any run also in real time;
 * - the client operations (clients.ts) and linearizability (linearizability.ts), when there are clients;
 * - the whole run (overview.ts); the fault schedule, the run's facts, the trace tail, the states.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { orderAxis, timeAxis, type Axis } from './axis.ts';
import { buildStory, culpritsOf, laneChanges } from './causal.ts';
import { clientOps, renderClientTimeline } from './clients.ts';
import { renderDiagram, type Diagram } from './diagram.ts';
import { buildLanes } from './lanes.ts';
import { linearizabilitySection } from './linearizability.ts';
import { buildModel, violatingStep, WORLD, type Model } from './model.ts';
import { renderOverview } from './overview.ts';
import { pageShell } from './page.ts';
import type { LaneSample, ReportHooks } from './replay.ts';
import { details, legend, topLine, warnings, type PageReport, type ReplayInfo } from './sections.ts';
import { renderPassed, renderStory } from './story.ts';
import { compareNodeIds, escapeHtml as esc, formatTime, plural } from './text.ts';

export { escapeHtml, compareNodeIds, formatTime } from './text.ts';
export { faultText } from './sections.ts';
export { observedRole } from './lanes.ts';

export interface RenderOptions {
  /** At least this much of the run before the violation is drawn in detail (default 2000 ms); more when the story reaches further back. */
  readonly windowMs?: number;
  /** At most this many message arrows: the story's, then the latest. Default 5000. */
  readonly maxArrows?: number;
  /** At most this many small marks (timers, observations, persists, ...); the latest are kept. Default 20000. */
  readonly maxMarks?: number;
  /** What the replay that produced `trace` gave; the page warns when its trace hash is not the report's. */
  readonly replay?: ReplayInfo | null;
  /** Where the report was read from, for the command that renders it again. */
  readonly reportPath?: string;
  /** Node roles from the scenario's world ("server", "client"): servers' lanes come first. */
  readonly nodeRoles?: Readonly<Record<string, string>>;
  /** Trace entries dropped from the start of `trace` (a capped recording); the page says so. */
  readonly traceOmitted?: number;
  /** Each node's lanes after each of its steps (replay.ts `recordRun`); without them, only role observations draw bands. */
  readonly lanes?: readonly LaneSample[];
  /** The protocols' declarations: message decoders and client operations (replay.ts). */
  readonly hooks?: ReportHooks;
  /** Invariant -> what it says (`InvariantChecker.description`). */
  readonly invariants?: Readonly<Record<string, string>>;
}

export const DEFAULT_WINDOW_MS = 2000;
export const DEFAULT_MAX_ARROWS = 5000;
export const DEFAULT_MAX_MARKS = 20000;
/** Steps drawn in event order at most, besides an explorer's (whose counterexample is short). */
const MAX_ORDER_STEPS = 600;

const NO_HOOKS: ReportHooks = { describe: () => null, operation: () => null, declaresLanes: () => false };

function roleRank(role: string | undefined): number {
  return role === 'server' ? 0 : role === 'client' ? 3 : role === undefined ? 1 : 2;
}

function laneOrder(model: Model, report: PageReport, roles: Readonly<Record<string, string>>): NodeId[] {
  const ids = new Set<NodeId>(Object.keys(roles));
  for (const id of Object.keys(report.violation?.states ?? {})) ids.add(id);
  for (const s of model.steps) if (s.node !== WORLD) ids.add(s.node);
  for (const a of model.arrows) ids.add(a.from).add(a.to);
  return [...ids].sort((a, b) => roleRank(roles[a]) - roleRank(roles[b]) || compareNodeIds(a, b));
}

/** The explorer's path, step k (1-based) happening at the event numbered k - 1 (a directed run's order). */
function pathSteps(report: PageReport, model: Model): { text: string; step: number | null }[] | null {
  const path = report.config.directed?.path;
  if (report.origin.kind !== 'explore' || path === undefined) return null;
  return path.map((text, k) => {
    // The first step may share event 0 with the boots: the node's step that holds more than its boot.
    const s = model.steps.find((x) => x.i === k && x.node !== WORLD && (x.trigger.kind !== 'boot' || x.entries.some((e) => e.kind === 'timer' || e.kind === 'deliver' || e.kind === 'crash')));
    return { text: text.trim().replace(/\s+/g, ' '), step: s?.id ?? null };
  });
}

/** A report's page, or a passing run's (`report.violation` null: no story, no red line; the run's end is the focus). */
export function renderReportHtml(report: PageReport, trace: readonly TraceEntry[], options: RenderOptions = {}): string {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const hooks = options.hooks ?? NO_HOOKS;
  const v = report.violation;
  const roles = options.nodeRoles ?? {};
  const model = buildModel(trace);
  const nodes = laneOrder(model, report, roles);
  const changes = laneChanges(options.lanes ?? []);
  const vStep = v === null ? null : violatingStep(model, v);
  const ops = clientOps(trace, hooks.operation);
  const lin = ops.length > 0 ? linearizabilitySection(v, trace, ops) : null;
  // A checker's own culprits first; else, for a history that is not linearizable, its impossible operations.
  const named = v === null ? [] : culpritsOf(v);
  const culprits = named.length > 0 ? named : (lin?.culprits ?? []);
  const story = buildStory({ model, violationStep: vStep, violation: v, culprits, changes, notable: (n, detail) => !hooks.declaresLanes(n) && hooks.operation(n, detail) === null });
  const rows = buildLanes(model, options.lanes ?? [], trace, hooks.declaresLanes);
  const path = pathSteps(report, model);

  // The window: at least the last `windowMs`, and all of the story with a margin.
  const storyTimes = [...story.events.map((e) => e.t), ...story.culpritSteps.map((id) => model.steps[id]!.t)];
  const winTo = v?.atMs ?? model.endMs;
  const storyFrom = Math.min(winTo, ...storyTimes);
  const pad = Math.max(5, (winTo - storyFrom) * 0.08);
  const winFrom = Math.max(0, Math.min(winTo - windowMs, storyFrom - pad));
  const viewTo = winTo + Math.max(winTo - winFrom, 1) * 0.02;
  const stepsIn = model.steps.filter((s) => s.t >= winFrom && s.t <= viewTo);
  const interesting = [...storyTimes, ...stepsIn.filter((s) => changes.has(`${s.i}/${s.node}`) || s.trigger.kind === 'command' || s.node === WORLD).map((s) => s.t)];
  const plotW = Math.round(Math.min(9000, Math.max(1100, stepsIn.length * 3)));
  const axes: { id: string; view: string; title: string; axis: Axis; note: string }[] = [];
  const time = timeAxis(winFrom, viewTo, plotW, interesting);
  const timeNote = winFrom === 0 && viewTo >= model.endMs ? 'the whole run' : `${formatTime(winFrom)} to ${formatTime(winTo)}`;
  const ordered = path !== null || (stepsIn.length > 0 && stepsIn.length <= MAX_ORDER_STEPS);
  if (ordered) {
    const from = path !== null ? 0 : stepsIn[0]!.id;
    const to = path !== null ? model.steps.length - 1 : stepsIn[stepsIn.length - 1]!.id;
    const labels = new Map((path ?? []).flatMap((p, k) => (p.step === null ? [] : [[p.step, { label: String(k + 1), tip: `${k + 1}. ${p.text}` }] as const])));
    axes.push({ id: 'diagram-order', view: 'order', title: 'event order', axis: orderAxis(model, from, to, labels), note: `${plural(to - from + 1, 'step')} in the order they happened, one column each${path !== null ? '; numbered columns are the counterexample\'s steps' : ''}` });
  }
  axes.push({ id: 'diagram-time', view: 'time', title: 'real time', axis: time, note: timeNote });
  if (path === null) axes.reverse();

  const diagrams = new Map<string, Diagram>();
  const positions = new Map<string, Map<number, number>>();
  // An explorer's counterexample is short and every step of it is numbered on the columns: all of it is the focus.
  const counterexample = (path ?? []).flatMap((p) => (p.step === null ? [] : [p.step]));
  for (const a of axes) {
    const xs = (id: number) => a.axis.at(model.steps[id]!.t, id);
    const focusSteps = [...story.events.map((e) => e.step), ...(vStep ? [vStep.id] : []), ...counterexample];
    const focus: [number, number] = focusSteps.length === 0 ? [a.axis.at(winFrom, 0), a.axis.at(viewTo, model.steps.length - 1)] : [Math.min(...focusSteps.map(xs)) - 20, Math.max(...focusSteps.map(xs)) + 20];
    diagrams.set(a.id, renderDiagram({ id: a.id, axis: a.axis, model, nodes, rows, story, violation: v, describe: hooks.describe, nodeRoles: roles, maxArrows: options.maxArrows ?? DEFAULT_MAX_ARROWS, maxMarks: options.maxMarks ?? DEFAULT_MAX_MARKS, focus }));
    const m = new Map<number, number>();
    for (const id of [...story.events.map((e) => e.step), ...(path ?? []).flatMap((p) => (p.step === null ? [] : [p.step]))]) if (a.axis.inside(model.steps[id]!.t, id)) m.set(id, xs(id));
    positions.set(a.id, m);
  }

  const storyHtml =
    v === null
      ? renderPassed({ report, invariants: options.invariants ?? {}, lin: lin?.verdict ?? null })
      : renderStory({ model, story, violation: v, description: options.invariants?.[v.invariant] ?? null, changes, describe: hooks.describe, culpritCount: culprits.length, positions, path, atEnd: vStep === null });
  const involved = new Set(story.involved);
  const filterStory = nodes.length > 6 && story.involved.length >= 2;
  const boxes = nodes.map((id) => `<label><input type="checkbox" value="${esc(id)}"${involved.has(id) ? ' data-story="1"' : ''}${!filterStory || involved.has(id) ? ' checked' : ''}> ${esc(id)}</label>`).join('');
  const viewButtons = axes.length > 1 ? axes.map((a) => `<button type="button" data-view-btn="${a.view}">${esc(a.title)}</button>`).join('') + '<span class="sep"></span>' : '';
  const toolbar =
    `<div class="toolbar">${viewButtons}<button type="button" data-zoom="out" title="zoom out (−)">−</button><button type="button" data-zoom="story" title="${v === null ? 'fit the end of the run (0)' : 'fit the story (0)'}">${v === null ? 'fit end' : 'fit story'}</button><button type="button" data-zoom="all">whole window</button><button type="button" data-zoom="in" title="zoom in (+)">+</button><span id="zoom-level"></span><span class="sep"></span>` +
    (time.quiet.length > 0 ? `<button type="button" data-quiet class="on" title="squeeze stretches where nothing of the story happens">collapse quiet stretches</button>` : '') +
    `<details class="node-menu"><summary>nodes</summary><div class="menu">${boxes}</div></details>${v === null ? '' : '<button type="button" data-nodes="story">story\'s nodes</button>'}<button type="button" data-nodes="all">all nodes</button><span class="filter-note"></span></div>`;
  const views = axes
    .map((a, k) => {
      const d = diagrams.get(a.id)!;
      const notes = d.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('');
      return `<div class="view" data-view="${a.view}"${k === 0 ? '' : ' hidden'}><p class="dim">${esc(a.title)}: ${esc(a.note)}; ${plural(d.arrows, 'message')}. Hover for details, click to pin; <kbd>+</kbd>/<kbd>−</kbd> zoom around the focus.</p>${notes}<div class="diagram-row">${d.labels}<div class="scroller">${d.svg}</div></div></div>`;
    })
    .join('');

  const clientsHtml = ops.length === 0 ? '' : `<section id="clients"><h2>Client operations</h2>${lin ? `<div id="linearizability">${lin.html}</div>` : ''}${renderClientTimeline(ops, model, Math.max(model.endMs, v?.atMs ?? 0), lin?.highlight ?? { key: null, failing: () => false })}</section>`;
  const overview = renderOverview({
    model,
    nodes,
    violation: v,
    healMs: report.config.durationMs,
    window: [winFrom, viewTo],
    storyTimes: story.events.map((e) => e.t),
    culprits: culprits.map((c) => ({ t: c.atMs, node: c.node, what: c.what })),
  });
  const replay = options.replay ?? null;
  const title = `${report.scenario} seed ${report.seed}${report.bug ? ` (${report.bug})` : ''}: ${v?.invariant ?? 'passed'}`;
  const body =
    topLine(report, replay) +
    warnings(report, replay, options.traceOmitted ?? 0).join('') +
    `<div class="main">${storyHtml}<section class="diagram-panel" id="diagram">${toolbar}${views}${legend()}</section></div>` +
    clientsHtml +
    `<section><h2>Whole run</h2><p class="dim">Crashes, pauses, partitions and traffic per node; ▼ the story's events, red ticks the checker's culprits, the box the stretch the diagram draws.</p><div class="overview-wrap">${overview}</div></section>` +
    `<section><h2>Details</h2>${details(report, trace, winFrom, options.reportPath)}</section>`;
  return pageShell(title, body);
}
