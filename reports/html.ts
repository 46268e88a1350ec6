/**
 * The HTML report: one self-contained page (inline CSS, inline SVG, a few lines of inline JS for
 * tooltips and zoom; nothing fetched from anywhere) that shows a person how a run failed.
 *
 * `renderReportHtml(report, trace, options)` is a pure function: the report, the full trace of its
 * replay (`runConfig` with recording from event 0), and options in; the page's text out.
 *
 * The page holds: a header (scenario, seed, bug, trace hash, tool version and commit, the
 * violation, the replay command), the fault schedule, an overview strip of the whole run (crashes,
 * pauses, partitions, message activity), and a space-time diagram of the last `windowMs` before
 * the violation: one lane per node, time left to right, one arrow per message from its send to its
 * delivery (or to a red ✕ where it was dropped), with timers, persists, observations, crashes,
 * pauses, partitions and each node's role over time drawn on or under the lanes.
 *
 * ROLE AND TERM BANDS: the observation convention. The kernel never looks inside a protocol's
 * state, so a protocol tells the page its role through its observations:
 *
 *   - an observation (an `observe` effect) whose detail is an object with a string field `role`
 *     ('leader', 'follower', 'candidate', 'precandidate', 'primary', 'replica', 'dead', ...) starts
 *     a new band under that node's lane, labelled with the role;
 *   - a number field `term` (or, failing that, `epoch`) in the same observation adds "t7" (or "e7")
 *     to the label;
 *   - the band lasts until that node's next such observation, or its crash;
 *   - also recognised, for protocols that name transitions rather than roles: a string `kind` or
 *     `type` of the form `becameX` (`becameLeader`, `becamePreCandidate`, ...) counts as role `x`
 *     in lower case, e.g. `{ kind: 'becameLeader', term: 7 }` is a band "leader t7".
 *
 * Observations that follow neither form are drawn as dots on the lane (their JSON in a tooltip),
 * and do not touch the bands.
 */
import type { Report } from '../sim/report.ts';
import type { Violation } from '../sim/kernel.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { formatFault, formatMs, type FaultEvent } from '../sim/faults.ts';
import { formatEntry } from './terminal.ts';
import { commandLine } from '../sim/invocation.ts';

export interface RenderOptions {
  /** How much of the run before the violation to draw in full detail (default 2000 ms; all of it if the run is shorter). */
  readonly windowMs?: number;
  /** At most this many message arrows; the latest ones (nearest the violation) are kept. Default 5000. */
  readonly maxArrows?: number;
  /** At most this many small marks (timers, observations, persists, ...); the latest are kept. Default 20000. */
  readonly maxMarks?: number;
  /** What the replay that produced `trace` gave; the page warns when its trace hash is not the report's. */
  readonly replay?: { readonly traceHash: string; readonly violation: Violation | null } | null;
  /** Where the report was read from, for the page's title and the command that renders it again. */
  readonly reportPath?: string;
  /** Node roles from the scenario's world ("server", "client"): servers' lanes come first. */
  readonly nodeRoles?: Readonly<Record<string, string>>;
  /** Trace entries dropped from the start of `trace` (a capped recording); the page says so. */
  readonly traceOmitted?: number;
}

export const DEFAULT_WINDOW_MS = 2000;
export const DEFAULT_MAX_ARROWS = 5000;
export const DEFAULT_MAX_MARKS = 20000;

/** A role band's label, read from an observation by the convention above; null when it names no role. */
export function observedRole(detail: unknown): { role: string; term: number | null; termLabel: 't' | 'e' } | null {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return null;
  const d = detail as Record<string, unknown>;
  let role: string | null = null;
  if (typeof d.role === 'string' && d.role.length > 0) role = d.role;
  else {
    for (const key of ['kind', 'type'] as const) {
      const v = d[key];
      const m = typeof v === 'string' ? /^became([A-Z]\w*)$/.exec(v) : null;
      if (m) {
        role = m[1]!.toLowerCase();
        break;
      }
    }
  }
  if (role === null) return null;
  if (typeof d.term === 'number' && Number.isFinite(d.term)) return { role, term: d.term, termLabel: 't' };
  if (typeof d.epoch === 'number' && Number.isFinite(d.epoch)) return { role, term: d.epoch, termLabel: 'e' };
  return { role, term: null, termLabel: 't' };
}

// ---------------------------------------------------------------------------------------------
// The model: what the trace says happened, as spans and arrows over time.

interface NodeSpan {
  readonly node: string;
  readonly from: number;
  /** null: still standing when the trace ends. */
  to: number | null;
  readonly label: string;
}

interface Block {
  readonly kind: 'partition' | 'oneway';
  readonly from: number;
  to: number | null;
  readonly label: string;
  /** The group index of each node in the block (partition: its side; oneway: 0 = from, 1 = to). */
  readonly sides: ReadonlyMap<string, number>;
}

interface RoleSpan extends NodeSpan {
  readonly role: string;
}

type Outcome = 'delivered' | 'duplicate' | 'dropped' | 'inflight';

interface Arrow {
  readonly msg: number;
  readonly from: string;
  readonly to: string;
  readonly sentAt: number;
  /** Delivery or drop time; for a message in flight, the end of the trace. */
  readonly endAt: number;
  readonly outcome: Outcome;
  readonly reason: string | null;
  readonly detail: unknown;
  readonly endEvent: number;
}

interface Timeline {
  readonly nodes: string[];
  readonly crashes: NodeSpan[];
  readonly pauses: NodeSpan[];
  readonly blocks: Block[];
  readonly roles: RoleSpan[];
  readonly endMs: number;
  /** Times of every send and every drop, for the overview's traffic strip. */
  readonly sendTimes: number[];
  readonly dropTimes: number[];
}

/** A natural order of node ids: n2 before n10. */
export function compareNodeIds(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let k = 0; k < Math.min(pa.length, pb.length); k++) {
    const x = pa[k]!;
    const y = pb[k]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

function roleRank(role: string | undefined): number {
  if (role === undefined) return 1;
  if (role === 'server') return 0;
  if (role === 'client') return 3;
  return 2;
}

function laneOrder(trace: readonly TraceEntry[], report: Report, roles: Readonly<Record<string, string>>): string[] {
  const ids = new Set<string>(Object.keys(roles));
  for (const id of Object.keys(report.violation.states ?? {})) ids.add(id);
  for (const e of trace) {
    if (e.node !== null) ids.add(e.node);
    if (e.peer !== undefined) ids.add(e.peer);
  }
  return [...ids].sort((a, b) => roleRank(roles[a]) - roleRank(roles[b]) || compareNodeIds(a, b));
}

function groupsOf(detail: unknown): string[][] {
  if (!Array.isArray(detail)) return [];
  return detail.filter((g): g is unknown[] => Array.isArray(g)).map((g) => g.filter((x): x is string => typeof x === 'string'));
}

function buildTimeline(trace: readonly TraceEntry[], nodes: string[]): Timeline {
  const crashes: NodeSpan[] = [];
  const pauses: NodeSpan[] = [];
  const blocks: Block[] = [];
  const roles: RoleSpan[] = [];
  const down = new Map<string, NodeSpan>();
  const paused = new Map<string, NodeSpan>();
  const role = new Map<string, RoleSpan>();
  let partition: Block | null = null;
  let oneways: Block[] = [];
  const endRole = (node: string, t: number) => {
    const r = role.get(node);
    if (r) {
      r.to = t;
      role.delete(node);
    }
  };
  const endPause = (node: string, t: number) => {
    const p = paused.get(node);
    if (p) {
      p.to = t;
      paused.delete(node);
    }
  };
  let endMs = 0;
  const sendTimes: number[] = [];
  const dropTimes: number[] = [];
  for (const e of trace) {
    endMs = Math.max(endMs, e.t);
    const node = e.node;
    switch (e.kind) {
      case 'send':
        sendTimes.push(e.t);
        break;
      case 'drop':
        dropTimes.push(e.t);
        break;
      case 'crash':
        if (node === null) break;
        endPause(node, e.t);
        endRole(node, e.t);
        if (!down.has(node)) {
          const span: NodeSpan = { node, from: e.t, to: null, label: 'down' };
          crashes.push(span);
          down.set(node, span);
        }
        break;
      case 'restart': {
        const span = node === null ? undefined : down.get(node);
        if (span && node !== null) {
          span.to = e.t;
          down.delete(node);
        }
        break;
      }
      case 'pause':
        if (node === null || paused.has(node)) break;
        {
          const span: NodeSpan = { node, from: e.t, to: null, label: `paused${typeof e.detail === 'number' ? ` for ${formatMs(e.detail)}` : ''}` };
          pauses.push(span);
          paused.set(node, span);
        }
        break;
      case 'resume':
        if (node !== null) endPause(node, e.t);
        break;
      case 'partition': {
        if (partition) partition.to = e.t;
        const groups = groupsOf(e.detail);
        const sides = new Map<string, number>();
        groups.forEach((g, gi) => g.forEach((id) => sides.set(id, gi)));
        partition = { kind: 'partition', from: e.t, to: null, label: `partition ${groups.map((g) => `{${g.join(',')}}`).join(' | ')}`, sides };
        blocks.push(partition);
        break;
      }
      case 'oneway': {
        const d = (e.detail ?? {}) as { from?: unknown; to?: unknown };
        const from = Array.isArray(d.from) ? d.from.filter((x): x is string => typeof x === 'string') : [];
        const to = Array.isArray(d.to) ? d.to.filter((x): x is string => typeof x === 'string') : [];
        const sides = new Map<string, number>();
        for (const id of to) sides.set(id, 1);
        for (const id of from) sides.set(id, 0);
        const block: Block = { kind: 'oneway', from: e.t, to: null, label: `oneway ${from.join(',')} ↛ ${to.join(',')}`, sides };
        oneways.push(block);
        blocks.push(block);
        break;
      }
      case 'heal':
      case 'phase':
        if (e.kind === 'phase' && e.detail !== 'heal') break;
        if (partition) partition.to = e.t;
        partition = null;
        for (const b of oneways) b.to = e.t;
        oneways = [];
        break;
      case 'observe': {
        if (node === null) break;
        const r = observedRole(e.detail);
        if (!r) break;
        endRole(node, e.t);
        const label = r.term === null ? r.role : `${r.role} ${r.termLabel}${r.term}`;
        const span: RoleSpan = { node, from: e.t, to: null, label, role: r.role };
        roles.push(span);
        role.set(node, span);
        break;
      }
      default:
        break;
    }
  }
  return { nodes, crashes, pauses, blocks, roles, endMs, sendTimes, dropTimes };
}

/** The message arrows whose delivery, drop or send falls in [fromMs, toMs]. */
function buildArrows(trace: readonly TraceEntry[], fromMs: number, toMs: number): Arrow[] {
  const sends = new Map<number, TraceEntry>();
  const outcomes = new Map<number, number>();
  const duplicated = new Set<number>();
  const arrows: Arrow[] = [];
  for (const e of trace) {
    if (e.msg === undefined) continue;
    if (e.kind === 'send') {
      sends.set(e.msg, e);
      continue;
    }
    if (e.kind === 'duplicate') {
      duplicated.add(e.msg);
      continue;
    }
    if (e.kind !== 'deliver' && e.kind !== 'drop') continue;
    const seen = outcomes.get(e.msg) ?? 0;
    outcomes.set(e.msg, seen + 1);
    if (e.t < fromMs || e.t > toMs) continue;
    const send = sends.get(e.msg);
    if (!send || e.node === null) continue;
    const isDrop = e.kind === 'drop';
    arrows.push({
      msg: e.msg,
      from: send.node ?? e.peer ?? '?',
      to: e.node,
      sentAt: send.t,
      endAt: e.t,
      outcome: isDrop ? 'dropped' : seen > 0 && duplicated.has(e.msg) ? 'duplicate' : 'delivered',
      reason: isDrop ? (typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)) : null,
      detail: send.detail,
      endEvent: e.i,
    });
  }
  let lastT = 0;
  let lastI = 0;
  for (const e of trace) {
    lastT = Math.max(lastT, e.t);
    lastI = Math.max(lastI, e.i);
  }
  for (const [msg, send] of sends) {
    const expected = duplicated.has(msg) ? 2 : 1;
    if ((outcomes.get(msg) ?? 0) >= expected || send.t < fromMs || send.t > toMs || send.node === null || send.peer === undefined) continue;
    arrows.push({ msg, from: send.node, to: send.peer, sentAt: send.t, endAt: Math.max(send.t, lastT), outcome: 'inflight', reason: null, detail: send.detail, endEvent: lastI });
  }
  arrows.sort((a, b) => a.endAt - b.endAt || a.endEvent - b.endEvent || a.msg - b.msg);
  return arrows;
}

// ---------------------------------------------------------------------------------------------
// Text helpers.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}
const esc = escapeHtml;

/** A JSON text for a tooltip: binary messages as bytes, long texts cut. */
function jsonText(value: unknown, max = 600): string {
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? value
        : (JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? `${v}n` : v)) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A time for tooltips and labels: "850ms", "4.6606s". */
export function formatTime(ms: number): string {
  if (Math.abs(ms) < 1000) return `${+ms.toFixed(3)}ms`;
  return `${+(ms / 1000).toFixed(4)}s`;
}

const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

function niceStep(rough: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(rough, 1e-6)));
  for (const m of [1, 2, 5, 10]) if (m * p >= rough) return m * p;
  return 10 * p;
}

function tickLabel(t: number, step: number): string {
  if (step >= 1000) return `${+(t / 1000).toFixed(3)}s`;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / 1000) - 1e-9));
  return `${(t / 1000).toFixed(decimals)}s`;
}

const ROLE_COLOURS: Readonly<Record<string, string>> = {
  leader: '#f0a202',
  primary: '#f0a202',
  master: '#f0a202',
  follower: '#8fbcdb',
  replica: '#8fbcdb',
  secondary: '#8fbcdb',
  candidate: '#c77dba',
  precandidate: '#e2c2dc',
  learner: '#9fd3a6',
  dead: '#9e9e9e',
  down: '#9e9e9e',
  removed: '#9e9e9e',
};
const EXTRA_COLOURS = ['#a6d854', '#66c2a5', '#fc8d62', '#e5c494', '#b3b3b3', '#80b1d3', '#fdb462', '#bebada'];

function roleColour(role: string): string {
  const known = ROLE_COLOURS[role.toLowerCase()];
  if (known) return known;
  let h = 0;
  for (let k = 0; k < role.length; k++) h = (h * 31 + role.charCodeAt(k)) >>> 0;
  return EXTRA_COLOURS[h % EXTRA_COLOURS.length]!;
}

const SIDE_COLOURS = ['rgba(230,126,34,0.16)', 'rgba(26,152,180,0.16)', 'rgba(120,160,40,0.16)', 'rgba(190,80,160,0.16)'];
const ONEWAY_COLOURS = ['rgba(142,68,173,0.16)', 'rgba(142,68,173,0.07)'];

// ---------------------------------------------------------------------------------------------
// The page.

const LANE_H = 58;
const LANE_Y = 24; // the lane's line, from the top of the lane
const BAND_Y = 34; // the role band, from the top of the lane
const BAND_H = 11;
const TOP = 58; // space above the first lane: block labels, time axis
const LEFT = 12;
const RIGHT = 28;

export function renderReportHtml(report: Report, trace: readonly TraceEntry[], options: RenderOptions = {}): string {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const maxArrows = options.maxArrows ?? DEFAULT_MAX_ARROWS;
  const maxMarks = options.maxMarks ?? DEFAULT_MAX_MARKS;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const v = report.violation;
  const roles = options.nodeRoles ?? {};
  const nodes = laneOrder(trace, report, roles);
  const timeline = buildTimeline(trace, nodes);
  const runEnd = Math.max(timeline.endMs, v.atMs, 1);
  const winTo = v.atMs;
  const askedFrom = Math.max(0, winTo - windowMs);
  const allArrows = buildArrows(trace, askedFrom, askedFrom + Math.max(winTo - askedFrom, 1) * 1.025);
  // Too many messages: draw the latest `maxArrows`, and narrow the window to where they are.
  const arrowsLeftOut = Math.max(0, allArrows.length - maxArrows);
  const winFrom = arrowsLeftOut > 0 ? Math.min(winTo, Math.max(askedFrom, allArrows[arrowsLeftOut]!.endAt)) : askedFrom;
  const winSpan = Math.max(winTo - winFrom, 1);
  const viewTo = winFrom + winSpan * 1.025;
  const arrows = allArrows.slice(arrowsLeftOut).filter((m) => m.endAt <= viewTo);
  const markKinds = new Set(['timer', 'observe', 'persist', 'command', 'reply', 'note', 'clock', 'forge', 'network', 'duplicate']);
  const windowEntries = trace.filter((e) => e.t >= winFrom && e.t <= viewTo);
  const allMarks = windowEntries.filter((e) => markKinds.has(e.kind) || (e.kind === 'drop' && e.msg === undefined));
  const marks = allMarks.slice(Math.max(0, allMarks.length - maxMarks));
  const marksLeftOut = allMarks.length - marks.length;
  const eventsInWindow = new Set(windowEntries.map((e) => e.i)).size;
  const plotW = Math.round(Math.min(9000, Math.max(1100, eventsInWindow * 4, arrows.length * 4)));
  const x = (t: number) => LEFT + ((t - winFrom) / (viewTo - winFrom)) * plotW;
  const laneIndex = new Map(nodes.map((id, k) => [id, k]));
  const laneTop = (id: string) => TOP + (laneIndex.get(id) ?? 0) * LANE_H;
  const laneY = (id: string) => laneTop(id) + LANE_Y;
  const lanesBottom = TOP + nodes.length * LANE_H;
  const svgH = lanesBottom + 34;
  const svgW = LEFT + plotW + RIGHT;

  // ----- The diagram's parts, back to front.
  const parts: string[] = [];
  const clip = (from: number, to: number | null): [number, number] | null => {
    const a = Math.max(from, winFrom);
    const b = Math.min(to ?? viewTo, viewTo);
    return b < a || (b === a && from !== to) ? null : [a, b];
  };

  // Lane backgrounds.
  nodes.forEach((id, k) => {
    if (k % 2 === 1) parts.push(`<rect class="lane-bg tx" x="${LEFT}" y="${TOP + k * LANE_H}" width="${plotW}" height="${LANE_H}"/>`);
  });

  // Partitions and one-way blocks: a band across the lanes, each lane tinted by its side.
  let labelRow = 0;
  for (const b of timeline.blocks) {
    const span = clip(b.from, b.to);
    if (!span) continue;
    const [a, z] = span;
    const w = Math.max(1, x(z) - x(a));
    const until = b.to === null ? 'to the end of the trace' : `until ${formatTime(b.to)}`;
    const tip = `${b.label}\nfrom ${formatTime(b.from)} ${until}`;
    const cls = b.kind === 'partition' ? 'block-partition' : 'block-oneway';
    const rows: string[] = [];
    for (const id of nodes) {
      const side = b.sides.get(id);
      if (side === undefined) continue;
      const fill = b.kind === 'partition' ? SIDE_COLOURS[side % SIDE_COLOURS.length]! : ONEWAY_COLOURS[side]!;
      rows.push(`<rect class="tx" x="${n1(x(a))}" y="${laneTop(id)}" width="${n1(w)}" height="${LANE_H}" fill="${fill}"/>`);
      if (w > 18) {
        const tag = b.kind === 'partition' ? String.fromCharCode(65 + side) : side === 0 ? 'from' : 'to';
        rows.push(`<text class="side-tag tx" x="${n1(x(a) + 3)}" y="${laneTop(id) + 11}">${tag}</text>`);
      }
    }
    const labelY = 12 + (labelRow % 2) * 13;
    labelRow++;
    const maxChars = Math.floor((w - 6) / 6.3);
    const label = maxChars >= 4 ? (b.label.length > maxChars ? `${b.label.slice(0, maxChars - 1)}…` : b.label) : '';
    parts.push(
      `<g class="${cls}"><title>${esc(tip)}</title>` +
        `<rect class="tx block-head" x="${n1(x(a))}" y="${labelY - 10}" width="${n1(w)}" height="12"/>` +
        rows.join('') +
        `<line class="tx block-edge" x1="${n1(x(a))}" x2="${n1(x(a))}" y1="${labelY - 10}" y2="${lanesBottom}"/>` +
        (label ? repeatEvery(w, 700).map((dx) => `<text class="block-label tx" x="${n1(x(a) + 3 + dx)}" y="${labelY}">${esc(label)}</text>`).join('') : '') +
        `</g>`,
    );
  }

  // Time axis: grid lines and labels, major and minor.
  const majorStep = niceStep((winSpan * 1.025) / (plotW / 120));
  const minorStep = majorStep / (Math.round(majorStep / 10 ** Math.floor(Math.log10(majorStep))) === 2 ? 4 : 5);
  const axis: string[] = [];
  const firstMinor = Math.ceil(winFrom / minorStep) * minorStep;
  for (let k = 0; k < 2000; k++) {
    const t = firstMinor + k * minorStep;
    if (t > viewTo) break;
    const isMajor = Math.abs(t / majorStep - Math.round(t / majorStep)) < 1e-6;
    const xx = n1(x(t));
    const label = esc(tickLabel(t, isMajor ? majorStep : minorStep));
    axis.push(
      `<g class="${isMajor ? 'tick major' : 'tick minor'}">` +
        `<line class="tx grid" x1="${xx}" x2="${xx}" y1="${TOP - 4}" y2="${lanesBottom}"/>` +
        `<text class="tx axis-label" x="${xx}" y="${TOP - 8}">${label}</text>` +
        `<text class="tx axis-label" x="${xx}" y="${lanesBottom + 16}">${label}</text></g>`,
    );
  }
  parts.push(`<g class="axis">${axis.join('')}</g>`);

  // Lanes: the line, and the role bands under it.
  for (const id of nodes) {
    const y = laneY(id);
    const bands: string[] = [];
    for (const r of timeline.roles) {
      if (r.node !== id) continue;
      const span = clip(r.from, r.to);
      if (!span) continue;
      const [a, z] = span;
      const w = Math.max(1, x(z) - x(a));
      const until = r.to === null ? 'to the end of the trace' : `until ${formatTime(r.to)}`;
      const maxChars = Math.floor((w - 4) / 5.6);
      const text = maxChars >= 2 ? (r.label.length > maxChars ? `${r.label.slice(0, maxChars - 1)}…` : r.label) : '';
      bands.push(
        `<g class="role"><title>${esc(`${id}: ${r.label}\nfrom ${formatTime(r.from)} ${until}`)}</title>` +
          `<rect class="tx" x="${n1(x(a))}" y="${laneTop(id) + BAND_Y}" width="${n1(w)}" height="${BAND_H}" fill="${roleColour(r.role)}"/>` +
          (text ? repeatEvery(w, 600).map((dx) => `<text class="role-label tx" x="${n1(x(a) + 2 + dx)}" y="${laneTop(id) + BAND_Y + 8.5}">${esc(text)}</text>`).join('') : '') +
          `</g>`,
      );
    }
    parts.push(
      `<g class="lane" data-node="${esc(id)}">` +
        `<line class="lane-line tx" x1="${LEFT}" x2="${LEFT + plotW}" y1="${y}" y2="${y}"/>` +
        bands.join('') +
        `</g>`,
    );
  }

  // Crashes and pauses on the lanes.
  for (const c of timeline.crashes) {
    const span = clip(c.from, c.to);
    if (!span) continue;
    const [a, z] = span;
    const until = c.to === null ? 'still down when the trace ends' : `restarted at ${formatTime(c.to)}`;
    parts.push(
      `<g class="crash"><title>${esc(`${c.node} crashed at ${formatTime(c.from)}; ${until}`)}</title>` +
        `<rect class="tx" x="${n1(x(a))}" y="${laneY(c.node) - 5}" width="${n1(Math.max(2, x(z) - x(a)))}" height="10"/>` +
        (c.from >= winFrom ? `<text class="crash-label tx" x="${n1(x(c.from) + 3)}" y="${laneY(c.node) - 8}">crash</text>` : '') +
        `</g>`,
    );
  }
  for (const p of timeline.pauses) {
    const span = clip(p.from, p.to);
    if (!span) continue;
    const [a, z] = span;
    const until = p.to === null ? 'still paused when the trace ends' : `resumed at ${formatTime(p.to)}`;
    parts.push(
      `<g class="pause"><title>${esc(`${p.node} ${p.label} at ${formatTime(p.from)}; ${until}`)}</title>` +
        `<rect class="tx" x="${n1(x(a))}" y="${laneY(p.node) - 9}" width="${n1(Math.max(2, x(z) - x(a)))}" height="18"/></g>`,
    );
  }

  // Messages.
  const arrowParts: string[] = [];
  for (const m of arrows) {
    const y1 = laneY(m.from);
    const y2full = laneY(m.to);
    const x1 = x(m.sentAt);
    const what = jsonText(m.detail, 300);
    const head = `#${m.msg} ${m.from} → ${m.to}: ${what}\nsent ${formatTime(m.sentAt)}`;
    if (m.outcome === 'delivered' || m.outcome === 'duplicate') {
      const x2 = x(m.endAt);
      const tip = `${head}\n${m.outcome === 'duplicate' ? 'duplicate delivered' : 'delivered'} ${formatTime(m.endAt)} (after ${formatTime(m.endAt - m.sentAt)})`;
      const cls = m.outcome === 'duplicate' ? 'msg dup' : 'msg';
      arrowParts.push(
        `<g class="${cls}"><title>${esc(tip)}</title>` +
          `<line class="hit tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${y2full}"/>` +
          `<line class="vis tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${y2full - Math.sign(y2full - y1) * 2}" marker-end="url(#${m.outcome === 'duplicate' ? 'head-dup' : 'head'})"/></g>`,
      );
    } else if (m.outcome === 'dropped') {
      const onWire = m.reason === 'loss';
      const frac = onWire ? 0.4 : 0.8;
      const y2 = y1 + (y2full - y1) * frac;
      const x2 = onWire ? x1 + Math.max(6, Math.min(14, Math.abs(y2 - y1) * 0.25)) : x(m.endAt);
      const why = m.reason === 'loss' ? 'lost on the wire' : m.reason === 'partition' ? 'dropped: the link is blocked by a partition' : m.reason === 'target down' ? 'dropped: the receiver was down' : `dropped: ${m.reason ?? '?'}`;
      const tip = `${head}\n${why} (${m.reason ?? '?'}) at ${formatTime(m.endAt)}`;
      arrowParts.push(
        `<g class="msg drop"><title>${esc(tip)}</title>` +
          `<line class="hit tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${n1(y2)}"/>` +
          `<line class="vis tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${n1(y2)}"/>` +
          `<g class="txg" transform="translate(${n1(x2)},${n1(y2)})"><path class="cross" d="M-4,-4L4,4M-4,4L4,-4"/></g></g>`,
      );
    } else {
      const x2 = x(m.endAt);
      const y2 = y1 + (y2full - y1) * 0.5;
      const tip = `${head}\nstill in flight when the trace ends`;
      arrowParts.push(
        `<g class="msg inflight"><title>${esc(tip)}</title>` +
          `<line class="hit tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${n1(y2)}"/>` +
          `<line class="vis tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${n1(y2)}"/></g>`,
      );
    }
  }
  parts.push(`<g class="messages">${arrowParts.join('')}</g>`);

  // Small marks: timers, persists, observations, commands, replies, notes, clock changes, forgeries.
  const markParts: string[] = [];
  const netParts: string[] = [];
  for (const e of marks) {
    const at = `${formatTime(e.t)}, event ${e.i}`;
    const xx = n1(x(e.t));
    if (e.kind === 'network') {
      netParts.push(`<g class="netmark txg" transform="translate(${xx},${TOP - 4})"><title>${esc(`network conditions ${jsonText(e.detail)}\nat ${at}`)}</title><path d="M-4,-7L4,-7L0,0Z"/></g>`);
      continue;
    }
    // A duplicate happens at the send, on the sender's lane (the entry's node is the receiver).
    const lane = e.kind === 'duplicate' ? e.peer : e.node;
    if (lane === null || lane === undefined || !laneIndex.has(lane)) continue;
    const y = laneY(lane);
    const g = (cls: string, tip: string, shape: string) => `<g class="${cls} txg" transform="translate(${xx},${y})"><title>${esc(tip)}</title>${shape}</g>`;
    switch (e.kind) {
      case 'timer':
        markParts.push(g('timer', `${e.node} timer ${jsonText(e.detail)} fired\n${at}`, '<line x1="0" x2="0" y1="-7" y2="0"/>'));
        break;
      case 'persist':
        markParts.push(g('persist', `${e.node} persisted ${jsonText(e.detail)}\n${at}`, '<rect x="-2.5" y="2" width="5" height="5"/>'));
        break;
      case 'observe': {
        const isRole = observedRole(e.detail) !== null;
        markParts.push(g(isRole ? 'observe role-obs' : 'observe', `${e.node} observed ${jsonText(e.detail)}\n${at}`, `<circle r="${isRole ? 4 : 3}"/>`));
        break;
      }
      case 'command':
        markParts.push(g('command', `${e.node} got command ${jsonText(e.detail)}\n${at}`, '<path d="M-4,-12L4,-12L0,-5Z"/>'));
        break;
      case 'reply':
        markParts.push(g('reply', `${e.node} replied ${jsonText(e.detail)}\n${at}`, '<path d="M0,-12L4,-5L-4,-5Z"/>'));
        break;
      case 'note':
        markParts.push(g('note', `${e.node}: ${jsonText(e.detail)}\n${at}`, '<circle cy="-12" r="2.5"/>'));
        break;
      case 'clock':
        markParts.push(g('clock', `${e.node} clock changed ${jsonText(e.detail)}\n${at}`, '<circle cy="-12" r="4"/><path d="M0,-12L0,-15M0,-12L2,-12"/>'));
        break;
      case 'forge':
        markParts.push(g('forge', `forged message ${e.peer ?? '?'} → ${e.node}: ${jsonText(e.detail)}\n${at}`, '<path d="M0,-6L6,0L0,6L-6,0Z"/>'));
        break;
      case 'drop':
        markParts.push(g('lost-command', `${e.node} did not get a command: ${jsonText(e.detail)}\n${at}`, '<path d="M-3,-15L3,-9M-3,-9L3,-15"/>'));
        break;
      case 'duplicate':
        markParts.push(g('dupmark', `#${e.msg ?? '?'} ${e.peer ?? '?'} → ${e.node} will arrive twice (network duplicate)\n${at}`, '<text x="0" y="-5">×2</text>'));
        break;
      default:
        break;
    }
  }
  parts.push(`<g class="marks">${markParts.join('')}</g>`, netParts.join(''));

  // The violating event: rings around its entries, and a red line at its time.
  const hits = trace.filter((e) => e.i === v.eventIndex && e.node !== null && laneIndex.has(e.node) && e.t >= winFrom);
  const ring = hits.map((e) => `<circle class="hit-ring txg" transform="translate(${n1(x(e.t))},${laneY(e.node!)})" r="9"/>`).join('');
  const vx = n1(x(v.atMs));
  const vlabel = `✕ ${v.invariant} at ${formatTime(v.atMs)}, event ${v.eventIndex}`;
  parts.push(
    `<g id="violation-marker" class="violation"><title>${esc(`${v.invariant} (${v.kind}) violated at ${formatTime(v.atMs)}, event ${v.eventIndex}:\n${v.message}`)}</title>` +
      `<line class="tx" x1="${vx}" x2="${vx}" y1="2" y2="${lanesBottom + 4}"/>${ring}` +
      `<text class="violation-label tx" x="${n1(Number(vx) - 5)}" y="${TOP - 20}" text-anchor="end">${esc(vlabel)}</text></g>`,
  );

  const defs =
    `<defs>` +
    `<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="#3a4a5c"/></marker>` +
    `<marker id="head-dup" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="#d9730d"/></marker>` +
    `<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e4e4e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="2.2"/></pattern>` +
    `<clipPath id="plot-clip"><rect class="tx" x="${LEFT}" y="0" width="${plotW}" height="${svgH}"/></clipPath>` +
    `</defs>`;
  const minorPx = (minorStep / (viewTo - winFrom)) * plotW;
  const diagram =
    `<svg id="diagram" width="${svgW}" height="${svgH}" viewBox="0 0 ${svgW} ${svgH}" data-left="${LEFT}" data-plot-width="${plotW}" data-right="${RIGHT}" data-minor-px="${n1(minorPx)}" role="img" aria-label="space-time diagram">` +
    defs +
    `<g clip-path="url(#plot-clip)">${parts.join('')}</g></svg>`;

  const hitNodes = new Set(hits.map((e) => e.node!));
  const labels = nodes
    .map((id) => {
      const y = laneY(id);
      const role = roles[id];
      return `<text class="node-label${hitNodes.has(id) ? ' hit-node' : ''}" x="8" y="${y + 4}">${esc(id)}</text>${role ? `<text class="node-role" x="8" y="${y + 17}">${esc(role)}</text>` : ''}`;
    })
    .join('');
  const labelSvg = `<svg class="lane-labels" width="74" height="${svgH}" viewBox="0 0 74 ${svgH}">${labels}</svg>`;

  // ----- The page around it.
  const overview = renderOverview(report, timeline, runEnd, winFrom, viewTo);
  const tool = report.tool;
  const commit = tool.commit ? `${tool.commit.slice(0, 12)}${tool.dirty ? ' (with uncommitted changes)' : ''}` : 'unknown';
  const replay = options.replay ?? null;
  const warnings: string[] = [];
  if (replay && replay.traceHash !== report.traceHash) {
    warnings.push(
      `The replay gave trace hash <code>${esc(replay.traceHash)}</code>, the report has <code>${esc(report.traceHash)}</code>: the code changed since the report was made, so the diagram shows today's run of this config, which may not be the run that failed.`,
    );
  }
  if (replay && (!replay.violation || replay.violation.invariant !== v.invariant || replay.violation.eventIndex !== v.eventIndex)) {
    warnings.push(
      replay.violation
        ? `The replay ended with a different violation: ${esc(replay.violation.invariant)} at event ${replay.violation.eventIndex} (${esc(formatTime(replay.violation.atMs))}). The red line marks the report's.`
        : 'The replay found no violation: the run is clean with today\'s code. The red line marks where the report\'s violation was.',
    );
  }
  const omitted = options.traceOmitted ?? 0;
  if (omitted > 0) warnings.push(`The first ${omitted.toLocaleString('en-US')} trace entries were not recorded: the overview and the bands before them are incomplete.`);
  const notes: string[] = [];
  if (arrowsLeftOut > 0) {
    notes.push(
      `The last ${formatTime(winTo - askedFrom)} before the violation hold ${allArrows.length.toLocaleString('en-US')} messages; at most ${maxArrows.toLocaleString('en-US')} arrows are drawn, so the diagram shows only the last ${formatTime(winTo - winFrom)}, and ${arrowsLeftOut.toLocaleString('en-US')} earlier messages are left out (a smaller --window-ms shows a stretch in full).`,
    );
  }
  if (marksLeftOut > 0) notes.push(`${marksLeftOut.toLocaleString('en-US')} earlier marks (timers, observations, ...) are not drawn (at most ${maxMarks.toLocaleString('en-US')}).`);
  const shownFrom = winFrom === 0 ? 'the whole run' : `the last ${formatTime(winTo - winFrom)} before the violation (${formatTime(winFrom)} to ${formatTime(winTo)})`;

  const renderCmd = options.reportPath ? commandLine('report', options.reportPath) : null;
  const title = `${report.scenario} seed ${report.seed}${report.bug ? ` (${report.bug})` : ''}: ${v.invariant}`;
  const faultItems = report.config.faults
    .map((f) => {
      const cls = f.atMs > v.atMs ? 'after' : f.atMs >= winFrom ? 'in-window' : '';
      return `<li${cls ? ` class="${cls}"` : ''}><code>${esc(faultText(f))}</code></li>`;
    })
    .join('');
  const tail = trace.filter((e) => e.i <= v.eventIndex).slice(-60);
  const states = Object.entries(report.violation.states ?? {})
    .map(([id, s]) => `<h4>${esc(id)}</h4><pre>${esc(jsonText(s === undefined ? null : s, 20000))}</pre>`)
    .join('');
  const originText = originLine(report);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(report.scenario)} <span class="dim">seed</span> ${report.seed}${report.bug ? ` <span class="bug">bug ${esc(report.bug)}</span>` : ''}</h1>
<div class="violation-box" id="violation">
<div class="v-head"><span class="v-kind">${esc(v.kind)} violation</span> <strong>${esc(v.invariant)}</strong> at <strong>${esc(formatTime(v.atMs))}</strong>, event ${v.eventIndex}</div>
<div class="v-msg">${esc(v.message)}</div>
</div>
${warnings.map((w) => `<div class="warning">⚠ ${w}</div>`).join('\n')}
<dl class="facts">
<dt>scenario</dt><dd>${esc(report.scenario)}</dd>
<dt>seed</dt><dd>${report.seed}</dd>
<dt>bug</dt><dd>${report.bug ? esc(report.bug) : 'none'}</dd>
<dt>trace hash</dt><dd><code>${esc(report.traceHash)}</code>${replay ? (replay.traceHash === report.traceHash ? ' <span class="ok">✓ the replay gave the same hash</span>' : ` <span class="bad">✗ the replay gave <code>${esc(replay.traceHash)}</code></span>`) : ''}</dd>
<dt>run</dt><dd>${report.events.toLocaleString('en-US')} events, ${esc(formatTime(report.simulatedMs))} simulated (${esc(formatMs(report.config.durationMs))} faulty + ${esc(formatMs(report.config.quietMs))} quiet planned)</dd>
<dt>origin</dt><dd>${esc(originText)}</dd>
<dt>made by</dt><dd>${esc(tool.name)} ${esc(tool.version)}, commit <code>${esc(commit)}</code></dd>
<dt>replay</dt><dd><code class="cmd">${esc(report.replay)}</code></dd>
${renderCmd ? `<dt>this page</dt><dd><code class="cmd">${esc(renderCmd)}</code></dd>` : ''}
</dl>
</header>

<section>
<h2>Fault schedule</h2>
<p class="dim">${report.config.faults.length === 0 ? 'No faults were scheduled.' : `${report.config.faults.length} faults; <span class="in-window-key">bold</span>: inside the diagram's window, <span class="after-key">grey</span>: after the violation (never reached). The kernel heals everything at ${esc(formatMs(report.config.durationMs))}.`}</p>
${report.config.faults.length ? `<ol class="faults">${faultItems}</ol>` : ''}
</section>

<section>
<h2>Whole run</h2>
<p class="dim">Crashes, pauses, partitions and message traffic over the whole run; the box is the window drawn in detail below.</p>
<div class="overview-wrap">${overview}</div>
</section>

<section>
<h2>Space-time diagram</h2>
<p class="dim">Showing ${esc(shownFrom)}: ${arrows.length.toLocaleString('en-US')} messages, ${nodes.length} nodes. Hover over anything for details; <kbd>+</kbd>/<kbd>−</kbd> zoom in time.</p>
${notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
<div class="toolbar"><button type="button" data-zoom="out">− zoom out</button><button type="button" data-zoom="reset">1×</button><button type="button" data-zoom="in">+ zoom in</button><span id="zoom-level">1×</span></div>
<div class="diagram-row">${labelSvg}<div class="scroller" id="scroller">${diagram}</div></div>
${LEGEND(timeline.roles)}
</section>

<section>
<details><summary>Trace before the violation (last ${tail.length} entries)</summary><pre class="trace">${esc(tail.map(formatEntry).join('\n'))}</pre></details>
<details><summary>Node states at the violation</summary>${states || '<p>none recorded</p>'}</details>
<details><summary>Run config</summary><pre>${esc(JSON.stringify({ ...report.config, faults: `${report.config.faults.length} faults, listed above` }, null, 2))}</pre></details>
</section>
<div id="tip" hidden></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** A fault as the fault-script line, with a latency distribution written out for a person. */
export function faultText(f: FaultEvent): string {
  const text = formatFault(f);
  if (f.type !== 'network' || f.conditions.latency === undefined) return text;
  const l = f.conditions.latency;
  const readable =
    l.kind === 'constant' ? `${formatMs(l.ms)}` : l.kind === 'uniform' ? `${formatMs(l.minMs)}..${formatMs(l.maxMs)}` : `${formatMs(l.minMs)}..${formatMs(l.maxMs)} (mean +${formatMs(l.meanMs)}, exponential)`;
  return text.replace(JSON.stringify(l), readable);
}

/** Offsets at which a label is repeated along a long band, so one is in view wherever it is scrolled. */
function repeatEvery(width: number, gap: number): number[] {
  const out = [0];
  for (let dx = gap; dx < width - gap / 2 && out.length < 50; dx += gap) out.push(dx);
  return out;
}

function originLine(report: Report): string {
  const o = report.origin;
  switch (o.kind) {
    case 'sim':
      return 'a simulation run (npm run sim)';
    case 'property':
      return `property ${o.property}, fast-check seed ${o.fastCheck.seed} path ${JSON.stringify(o.fastCheck.path)}${o.shrunk ? ', shrunk' : ''}`;
    case 'explore':
      return `the explorer, depth ${o.depth}`;
    case 'determinism':
      return `a determinism check: hashes ${o.hashes.join(' vs ')}`;
    default:
      return JSON.stringify(o);
  }
}

function renderOverview(report: Report, timeline: Timeline, runEnd: number, winFrom: number, winTo: number): string {
  const W = 1200;
  const left = 64;
  const right = 12;
  const plotW = W - left - right;
  const rowH = 12;
  const top = 24;
  const trafficH = 22;
  const nodes = timeline.nodes;
  const rowsBottom = top + nodes.length * rowH;
  const H = rowsBottom + trafficH + 22;
  const end = runEnd * 1.01;
  const x = (t: number) => left + (Math.max(0, Math.min(t, end)) / end) * plotW;
  const row = new Map(nodes.map((id, k) => [id, top + k * rowH]));
  const out: string[] = [];
  nodes.forEach((id, k) => {
    const y = top + k * rowH;
    out.push(`<text class="ov-label" x="${left - 6}" y="${y + 9}" text-anchor="end">${esc(id)}</text><line class="ov-lane" x1="${left}" x2="${left + plotW}" y1="${y + rowH / 2}" y2="${y + rowH / 2}"/>`);
  });
  for (const b of timeline.blocks) {
    const to = b.to ?? runEnd;
    const tip = `${b.label}\n${formatTime(b.from)} to ${b.to === null ? 'the end' : formatTime(b.to)}`;
    const cells = nodes
      .filter((id) => b.sides.has(id))
      .map((id) => {
        const side = b.sides.get(id)!;
        const fill = b.kind === 'partition' ? SIDE_COLOURS[side % SIDE_COLOURS.length]! : ONEWAY_COLOURS[side]!;
        return `<rect x="${n1(x(b.from))}" y="${row.get(id)!}" width="${n1(Math.max(1, x(to) - x(b.from)))}" height="${rowH}" fill="${fill}"/>`;
      })
      .join('');
    out.push(`<g class="ov-block"><title>${esc(tip)}</title>${cells}</g>`);
  }
  for (const c of timeline.crashes) {
    const to = c.to ?? runEnd;
    out.push(`<rect class="ov-crash" x="${n1(x(c.from))}" y="${row.get(c.node)! + 2}" width="${n1(Math.max(2, x(to) - x(c.from)))}" height="${rowH - 4}"><title>${esc(`${c.node} down ${formatTime(c.from)} to ${c.to === null ? 'the end' : formatTime(c.to)}`)}</title></rect>`);
  }
  for (const p of timeline.pauses) {
    const to = p.to ?? runEnd;
    out.push(`<rect class="ov-pause" x="${n1(x(p.from))}" y="${row.get(p.node)! + 2}" width="${n1(Math.max(2, x(to) - x(p.from)))}" height="${rowH - 4}"><title>${esc(`${p.node} ${p.label} at ${formatTime(p.from)}`)}</title></rect>`);
  }
  // Message traffic: sends and drops per bucket.
  const buckets = 200;
  const sends = new Array<number>(buckets).fill(0);
  const drops = new Array<number>(buckets).fill(0);
  for (const t of timeline.sendTimes) sends[Math.min(buckets - 1, Math.floor((t / end) * buckets))]!++;
  for (const t of timeline.dropTimes) drops[Math.min(buckets - 1, Math.floor((t / end) * buckets))]!++;
  const peak = Math.max(1, ...sends);
  const ty = rowsBottom + 4;
  const bw = plotW / buckets;
  const bars: string[] = [];
  for (let k = 0; k < buckets; k++) {
    const hs = (sends[k]! / peak) * trafficH;
    const hd = (drops[k]! / peak) * trafficH;
    if (hs > 0) bars.push(`<rect class="ov-send" x="${n1(left + k * bw)}" y="${n1(ty + trafficH - hs)}" width="${n1(bw)}" height="${n1(hs)}"/>`);
    if (hd > 0) bars.push(`<rect class="ov-drop" x="${n1(left + k * bw)}" y="${n1(ty + trafficH - hd)}" width="${n1(bw)}" height="${n1(hd)}"/>`);
  }
  out.push(`<text class="ov-label" x="${left - 6}" y="${ty + trafficH - 4}" text-anchor="end">msgs</text><g><title>messages sent (grey) and dropped (red) over time</title>${bars.join('')}</g>`);
  // Axis.
  const step = niceStep(end / 10);
  for (let t = 0, k = 0; t <= end && k < 100; t += step, k++) {
    out.push(`<line class="ov-tick" x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${top - 4}" y2="${rowsBottom + trafficH + 6}"/><text class="ov-axis" x="${n1(x(t))}" y="${H - 4}">${esc(tickLabel(t, step))}</text>`);
  }
  const heal = report.config.durationMs;
  if (heal > 0 && heal <= end) out.push(`<g class="ov-heal"><title>final heal at ${esc(formatMs(heal))}: the quiet phase begins</title><line x1="${n1(x(heal))}" x2="${n1(x(heal))}" y1="${top - 6}" y2="${rowsBottom}"/><text x="${n1(x(heal) + 3)}" y="${top - 8}">final heal</text></g>`);
  const v = report.violation;
  out.push(`<rect class="ov-window" x="${n1(x(winFrom))}" y="${top - 6}" width="${n1(Math.max(2, x(winTo) - x(winFrom)))}" height="${rowsBottom - top + 12}"><title>the window drawn in detail below</title></rect>`);
  out.push(`<g class="ov-violation"><title>${esc(`${v.invariant} at ${formatTime(v.atMs)}`)}</title><line x1="${n1(x(v.atMs))}" x2="${n1(x(v.atMs))}" y1="4" y2="${rowsBottom + trafficH + 4}"/><text x="${n1(x(v.atMs) - 4)}" y="14" text-anchor="end">✕ ${esc(v.invariant)}</text></g>`);
  return `<svg id="overview" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="xMinYMin meet">${out.join('')}</svg>`;
}

function LEGEND(roles: readonly RoleSpan[]): string {
  const item = (svg: string, text: string) => `<span class="legend-item"><svg width="34" height="20" viewBox="0 0 34 20">${svg}</svg>${esc(text)}</span>`;
  const items = [
    item('<line x1="3" y1="3" x2="28" y2="16" stroke="#3a4a5c" stroke-width="1.3" marker-end="url(#lg-head)"/>', 'message delivered'),
    item('<line x1="3" y1="3" x2="28" y2="16" stroke="#d9730d" stroke-width="1.3" stroke-dasharray="4 2"/>', 'duplicate delivery'),
    item('<line x1="3" y1="3" x2="20" y2="12" stroke="#c0392b" stroke-width="1.3"/><path d="M16,8L24,16M16,16L24,8" stroke="#c0392b" stroke-width="2"/>', 'message dropped (loss, partition, receiver down)'),
    item('<line x1="3" y1="3" x2="28" y2="12" stroke="#7f8c8d" stroke-width="1.3" stroke-dasharray="2 2"/>', 'in flight at the end'),
    item('<line x1="2" y1="13" x2="32" y2="13" stroke="#9aa5b1"/><line x1="17" y1="6" x2="17" y2="13" stroke="#7b8794" stroke-width="1.4"/>', 'timer fired'),
    item('<line x1="2" y1="10" x2="32" y2="10" stroke="#9aa5b1"/><circle cx="17" cy="10" r="3" fill="#2b7bb9"/>', 'observation'),
    item('<line x1="2" y1="6" x2="32" y2="6" stroke="#9aa5b1"/><rect x="14.5" y="8" width="5" height="5" fill="#2e7d32"/>', 'persist (fsync)'),
    item('<path d="M13,3L21,3L17,10Z" fill="#16a085"/><path d="M17,11L21,18L13,18Z" fill="#8e44ad"/>', 'command / reply'),
    item('<rect x="2" y="5" width="30" height="10" fill="#e74c3c" opacity="0.85"/>', 'node down (crash → restart)'),
    item('<rect x="2" y="1" width="30" height="18" fill="url(#lg-hatch)"/>', 'node paused'),
    item('<rect x="2" y="1" width="30" height="9" fill="rgba(230,126,34,0.3)"/><rect x="2" y="10" width="30" height="9" fill="rgba(26,152,180,0.3)"/>', 'partition (sides A, B, …)'),
    item('<rect x="2" y="1" width="30" height="9" fill="rgba(142,68,173,0.3)"/><rect x="2" y="10" width="30" height="9" fill="rgba(142,68,173,0.12)"/>', 'one-way block (from ↛ to)'),
    item('<line x1="17" y1="0" x2="17" y2="20" stroke="#d62728" stroke-width="2"/>', 'the violation'),
  ];
  const seen = [...new Set(roles.map((r) => r.role))];
  for (const r of seen) items.push(item(`<rect x="2" y="5" width="30" height="10" fill="${roleColour(r)}"/>`, `role: ${r}`));
  if (seen.length === 0) items.push(`<span class="legend-item dim">no role bands: no observation carried a <code>role</code> (see the README, "Role and term bands")</span>`);
  const defs = `<svg width="0" height="0" style="position:absolute"><defs><marker id="lg-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10Z" fill="#3a4a5c"/></marker><pattern id="lg-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e4e4e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="2.2"/></pattern></defs></svg>`;
  return `<div class="legend">${defs}${items.join('')}</div>`;
}

const CSS = `
:root { --fg:#1f2933; --dim:#616e7c; --line:#d3d9e0; --red:#d62728; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 28px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 22px; margin: 0 0 10px; font-weight: 600; }
h2 { font-size: 17px; margin: 26px 0 6px; font-weight: 600; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h4 { margin: 10px 0 2px; }
code, pre, kbd { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre { background: #f5f7fa; padding: 8px 10px; overflow: auto; max-height: 420px; border-radius: 4px; }
.dim { color: var(--dim); }
.bug { font-size: 14px; background: #fdecea; color: #a61b1b; border-radius: 10px; padding: 2px 10px; vertical-align: middle; font-weight: 500; }
.violation-box { border-left: 5px solid var(--red); background: #fff5f5; padding: 10px 14px; margin: 8px 0 12px; border-radius: 0 4px 4px 0; }
.v-kind { text-transform: uppercase; font-size: 11px; letter-spacing: .06em; color: #fff; background: var(--red); padding: 1px 6px; border-radius: 3px; margin-right: 4px; }
.v-msg { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; margin-top: 4px; font-size: 13.5px; }
.warning { background: #fff8e1; border: 1px solid #f0c36d; padding: 8px 12px; border-radius: 4px; margin: 8px 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 10px 0 0; }
.facts dt { color: var(--dim); }
.facts dd { margin: 0; }
.ok { color: #2e7d32; } .bad { color: var(--red); }
code.cmd { background: #f0f2f5; padding: 1px 6px; border-radius: 3px; }
ol.faults { columns: 3 280px; margin: 6px 0; padding-left: 28px; }
ol.faults li { margin: 1px 0; color: var(--fg); }
ol.faults li.in-window { font-weight: 700; }
ol.faults li.after { color: #a0a8b2; }
.in-window-key { font-weight: 700; } .after-key { color: #a0a8b2; }
.note { color: #8a5a00; margin: 4px 0; }
.toolbar { display: flex; gap: 6px; align-items: center; margin: 6px 0; }
.toolbar button { font: inherit; font-size: 13px; padding: 2px 10px; border: 1px solid var(--line); background: #f8f9fb; border-radius: 4px; cursor: pointer; }
.toolbar button:hover { background: #eef1f5; }
#zoom-level { color: var(--dim); font-size: 12px; margin-left: 4px; }
.diagram-row { display: flex; border: 1px solid var(--line); border-radius: 4px; }
.lane-labels { flex: none; background: #fafbfc; border-right: 1px solid var(--line); }
.scroller { overflow-x: auto; overflow-y: hidden; flex: 1; }
.node-label { font: 600 14px ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: var(--fg); }
.node-role { font-size: 10px; fill: var(--dim); }
.node-label.hit-node { fill: var(--red); }
#diagram text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.lane-bg { fill: #f7f9fb; }
.lane-line { stroke: #9aa5b1; stroke-width: 1; }
.grid { stroke: #e6eaee; stroke-width: 1; }
.tick.major .grid { stroke: #dfe4e9; }
.axis-label { font-size: 10.5px; fill: var(--dim); text-anchor: middle; }
.tick.minor .axis-label { display: none; }
#diagram.show-minor .tick.minor .axis-label { display: inline; }
.block-head { fill: transparent; }
.block-partition .block-head { fill: rgba(230,126,34,0.22); }
.block-oneway .block-head { fill: rgba(142,68,173,0.2); }
.block-edge { stroke: #c5a46e; stroke-width: 1; stroke-dasharray: 3 3; }
.block-oneway .block-edge { stroke: #a98bbb; }
.block-label { font-size: 10.5px; fill: #5d4200; }
.block-oneway .block-label { fill: #4a2560; }
.side-tag { font-size: 9.5px; font-weight: 700; fill: #7d5a2a; }
.role-label { font-size: 9px; fill: #1f2933; pointer-events: none; }
.crash rect { fill: #e74c3c; opacity: 0.85; }
.crash-label { font-size: 10px; font-weight: 700; fill: #b03a2e; }
.pause rect { fill: url(#hatch); opacity: 0.9; }
.msg .hit { stroke: transparent; stroke-width: 7; }
.msg .vis { stroke: #3a4a5c; stroke-width: 1.1; opacity: 0.75; }
.msg.dup .vis { stroke: #d9730d; stroke-dasharray: 4 2; opacity: 0.95; }
.msg.drop .vis { stroke: #c0392b; opacity: 0.85; }
.msg.drop .cross { stroke: #c0392b; stroke-width: 2; fill: none; }
.msg.inflight .vis { stroke: #7f8c8d; stroke-dasharray: 2 3; opacity: 0.5; }
.msg:hover .vis { stroke-width: 2.6; opacity: 1; }
.timer line { stroke: #7b8794; stroke-width: 1.4; }
.observe circle { fill: #2b7bb9; stroke: #fff; stroke-width: 0.8; }
.observe.role-obs circle { fill: #f0a202; stroke: #6b4a00; }
.persist rect { fill: #2e7d32; }
.command path { fill: #16a085; } .reply path { fill: #8e44ad; }
.note circle { fill: #95a5a6; }
.clock circle { fill: #fff; stroke: #8e44ad; stroke-width: 1.2; } .clock path { stroke: #8e44ad; stroke-width: 1; }
.forge path { fill: #8e0000; }
.lost-command path { stroke: #c0392b; stroke-width: 1.6; }
.dupmark text { font-size: 9px; font-weight: 700; fill: #d9730d; text-anchor: middle; }
.netmark path { fill: #2980b9; }
.hit-ring { fill: none; stroke: var(--red); stroke-width: 2; }
.violation line { stroke: var(--red); stroke-width: 2; }
.violation-label { font-size: 12px; font-weight: 700; fill: var(--red); paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.timer:hover line, .observe:hover circle, .persist:hover rect { stroke: #000; stroke-width: 2; }
.overview-wrap { border: 1px solid var(--line); border-radius: 4px; padding: 4px 6px; }
#overview text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.ov-label { font: 600 10px ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: var(--dim); }
.ov-lane { stroke: #e1e5ea; }
.ov-tick { stroke: #eef1f4; }
.ov-axis { font-size: 10px; fill: var(--dim); text-anchor: middle; }
.ov-crash { fill: #e74c3c; }
.ov-pause { fill: #9e9e9e; }
.ov-send { fill: #b8c2cc; } .ov-drop { fill: #e74c3c; }
.ov-window { fill: rgba(41,128,185,0.06); stroke: #2980b9; stroke-width: 1.2; }
.ov-violation line { stroke: var(--red); stroke-width: 2; }
.ov-violation text { font-size: 11px; font-weight: 700; fill: var(--red); }
.ov-heal line { stroke: #27ae60; stroke-dasharray: 4 3; } .ov-heal text { font-size: 10px; fill: #27ae60; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 10px 0 0; font-size: 12.5px; }
.legend-item { display: inline-flex; align-items: center; gap: 4px; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
pre.trace { font-size: 12px; }
#tip { position: fixed; z-index: 10; max-width: 560px; background: #1f2933; color: #fff; font: 12px/1.4 ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; padding: 6px 9px; border-radius: 4px; white-space: pre-wrap; pointer-events: none; box-shadow: 0 2px 8px rgba(0,0,0,.25); }
`;

// Tooltips (a <title> is moved into a data attribute on first hover, so the browser's own tooltip
// doesn't show too) and horizontal zoom (time-positioned elements are rescaled in x only, so text
// and arrowheads keep their size).
const SCRIPT = `
(function () {
  var tip = document.getElementById('tip');
  function tipOf(el) {
    for (var n = el; n && n.nodeType === 1; n = n.parentNode) {
      if (n.dataset && n.dataset.tip) return n.dataset.tip;
      var first = n.firstElementChild;
      if (first && first.tagName.toLowerCase() === 'title') {
        n.dataset.tip = first.textContent;
        first.remove();
        return n.dataset.tip;
      }
      if (n.tagName && n.tagName.toLowerCase() === 'svg') return null;
    }
    return null;
  }
  document.addEventListener('mouseover', function (e) {
    var text = e.target && e.target.closest && e.target.closest('svg') ? tipOf(e.target) : null;
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
  });
  document.addEventListener('mousemove', function (e) {
    if (tip.hidden) return;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = e.clientX + 14, top = e.clientY + 14;
    if (left + w > window.innerWidth - 4) left = Math.max(4, e.clientX - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, e.clientY - h - 14);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  });
  var svg = document.getElementById('diagram');
  var scroller = document.getElementById('scroller');
  if (!svg || !scroller) return;
  var L = Number(svg.dataset.left), W = Number(svg.dataset.plotWidth), R = Number(svg.dataset.right);
  var minorPx = Number(svg.dataset.minorPx);
  var H = Number(svg.getAttribute('height'));
  var fit = scroller.clientWidth / (L + W + R);
  var start = Math.max(1, fit), lowest = Math.min(1, fit), zoom = 1;
  var tx = Array.prototype.slice.call(svg.querySelectorAll('.tx'));
  var txg = Array.prototype.slice.call(svg.querySelectorAll('.txg'));
  function base(el, attr) {
    var key = 'b' + attr;
    if (el.dataset[key] === undefined) el.dataset[key] = el.getAttribute(attr);
    return Number(el.dataset[key]);
  }
  function apply(k) {
    var centre = (scroller.scrollLeft + scroller.clientWidth / 2) / Math.max(1, svg.clientWidth);
    zoom = k;
    var width = L + W * k + R;
    svg.setAttribute('width', width);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + H);
    tx.forEach(function (el) {
      ['x', 'x1', 'x2', 'cx'].forEach(function (a) {
        if (el.hasAttribute(a)) el.setAttribute(a, (L + (base(el, a) - L) * k).toFixed(1));
      });
      if (el.tagName.toLowerCase() === 'rect' && el.hasAttribute('width')) el.setAttribute('width', (base(el, 'width') * k).toFixed(1));
    });
    txg.forEach(function (el) {
      if (el.dataset.bx === undefined) {
        var m = /translate\\(([-\\d.]+),([-\\d.]+)\\)/.exec(el.getAttribute('transform') || '');
        if (!m) return;
        el.dataset.bx = m[1]; el.dataset.by = m[2];
      }
      el.setAttribute('transform', 'translate(' + (L + (Number(el.dataset.bx) - L) * k).toFixed(1) + ',' + el.dataset.by + ')');
    });
    svg.classList.toggle('show-minor', minorPx * k >= 70);
    document.getElementById('zoom-level').textContent = (Math.round((k / start) * 100) / 100) + '×';
    scroller.scrollLeft = centre * width - scroller.clientWidth / 2;
  }
  document.querySelectorAll('[data-zoom]').forEach(function (b) {
    b.addEventListener('click', function () {
      var z = b.dataset.zoom;
      apply(z === 'in' ? Math.min(64, zoom * 2) : z === 'out' ? Math.max(lowest, zoom / 2) : start);
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA')) return;
    if (e.key === '+' || e.key === '=') apply(Math.min(64, zoom * 2));
    else if (e.key === '-' || e.key === '_') apply(Math.max(lowest, zoom / 2));
    else if (e.key === '0') apply(start);
  });
  // A window narrower than the screen is stretched to fill it.
  if (start > 1) apply(start);
  else svg.classList.toggle('show-minor', minorPx >= 70);
  // Start at the violation, at the right end.
  scroller.scrollLeft = scroller.scrollWidth;
})();
`;
