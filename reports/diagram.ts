/**
 * The space-time diagram: one lane per node (its state bands under it), time or event order left
 * to right, one arrow per message from its send to its delivery (or to a ✕ where it was lost).
 *
 * Everything a lane holds is drawn inside the lane's group, in the lane's own coordinates, so the
 * page's script can hide a lane and move the others up; arrows carry the lanes they join
 * (`data-from`, `data-to`) and are moved with them. Elements placed in x carry the class `tx` (or
 * `txg` for a translated group): the script rescales their x alone to zoom and to collapse quiet
 * stretches, so text and arrowheads keep their size.
 *
 * The story shows through: its messages are thick and labelled (`chain`), what is not in the causal
 * past of the violation is faint (`dim`), its steps carry their number in the story, culprits are
 * ringed, and the violating step is marked with a red line.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Violation } from '../sim/kernel.ts';
import type { Axis } from './axis.ts';
import { axisSvg, LEFT, RIGHT } from './axis.ts';
import type { Story } from './causal.ts';
import type { LaneRow } from './lanes.ts';
import type { Model } from './model.ts';
import { blockParts, markParts, spanParts } from './marks.ts';
import { arrowParts, type Describe } from './arrows.ts';
import { escapeHtml as esc, formatTime, n1 } from './text.ts';

export const TOP = 50;
export const LINE_Y = 18;
const FIRST_ROW = 27;
export const ROW_H = 12;
const BAND_H = 10;

export interface DiagramInput {
  readonly id: string;
  readonly axis: Axis;
  readonly model: Model;
  readonly nodes: readonly NodeId[];
  readonly rows: ReadonlyMap<NodeId, readonly LaneRow[]>;
  readonly story: Story;
  /** Null on a passing run's page: no red line. */
  readonly violation: Violation | null;
  readonly describe: Describe;
  readonly nodeRoles: Readonly<Record<NodeId, string>>;
  readonly maxArrows: number;
  readonly maxMarks: number;
  /** The stretch to show first (x, base coordinates): the story's span. */
  readonly focus: readonly [number, number];
}

export interface Diagram {
  readonly svg: string;
  readonly labels: string;
  readonly notes: readonly string[];
  readonly arrows: number;
}

/** Rows that say something inside the window: a band there, and not one muted value all along. */
export function visibleRows(rows: readonly LaneRow[], axis: Axis): LaneRow[] {
  return rows.filter((r) => {
    const inside = r.bands.filter((b) => overlaps(axis, b.from, b.fromStep, b.to, b.toStep));
    if (inside.length === 0) return false;
    const labels = new Set(inside.map((b) => b.label));
    return labels.size > 1 || r.name === 'role' || r.name === 'seen as' || !inside.every((b) => b.colour === '#e4e8ec');
  });
}

function overlaps(axis: Axis, from: number, fromStep: number, to: number | null, toStep: number | null): boolean {
  if (axis.mode === 'order') {
    const a = axis.at(0, fromStep);
    const b = toStep === null ? Infinity : axis.at(0, toStep);
    return b > LEFT && a < LEFT + axis.plotW && (toStep === null || toStep >= fromStep);
  }
  return (to ?? Infinity) >= axis.fromT && from <= axis.toT;
}

export function laneHeight(rows: number): number {
  return Math.max(40, FIRST_ROW + rows * ROW_H + 6);
}

export function renderDiagram(d: DiagramInput): Diagram {
  const { axis, model } = d;
  const rowsOf = new Map(d.nodes.map((id) => [id, visibleRows(d.rows.get(id) ?? [], axis)]));
  const tops = new Map<NodeId, number>();
  let y = TOP;
  for (const id of d.nodes) {
    tops.set(id, y);
    y += laneHeight(rowsOf.get(id)!.length);
  }
  const bottom = y;
  const width = LEFT + axis.plotW + RIGHT;
  const height = bottom + 24;
  const notes: string[] = [];
  const x = (t: number, step: number) => axis.at(t, step);

  const marks = markParts(model, axis, d.story, d.violation, new Set(d.nodes), LINE_Y, d.maxMarks);
  if (marks.leftOut > 0) notes.push(`${marks.leftOut.toLocaleString('en-US')} earlier marks (timers, observations, ...) are not drawn (at most ${d.maxMarks.toLocaleString('en-US')}).`);
  const lanes: string[] = [];
  const fronts: string[] = [];
  const involved = new Set(d.story.involved);
  d.nodes.forEach((id, k) => {
    const h = laneHeight(rowsOf.get(id)!.length);
    const parts: string[] = [];
    if (k % 2 === 1) parts.push(`<rect class="lane-bg tx" x="${LEFT}" y="0" width="${axis.plotW}" height="${h}"/>`);
    parts.push(blockParts(model, axis, id, h));
    parts.push(`<line class="lane-line tx" x1="${LEFT}" x2="${LEFT + axis.plotW}" y1="${LINE_Y}" y2="${LINE_Y}"/>`);
    rowsOf.get(id)!.forEach((r, ri) => parts.push(bandRow(axis, id, r, FIRST_ROW + ri * ROW_H)));
    parts.push(spanParts(model, axis, id, LINE_Y));
    lanes.push(`<g class="lane${involved.has(id) ? ' involved' : ''}" data-node="${esc(id)}" data-h="${h}" transform="translate(0,${tops.get(id)})">${parts.join('')}</g>`);
    // Marks go above the arrows: a lane's second group, moved with it.
    fronts.push(`<g class="lane-front" data-node="${esc(id)}" transform="translate(0,${tops.get(id)})">${(marks.byNode.get(id) ?? []).join('')}</g>`);
  });

  const arrows = arrowParts(model, axis, d.story, tops, LINE_Y, d.maxArrows, d.describe, d.focus);
  if (arrows.leftOut > 0) notes.push(`${arrows.leftOut.toLocaleString('en-US')} messages of the window are not drawn (at most ${d.maxArrows.toLocaleString('en-US')} arrows: the story's, then the latest); a smaller --window-ms draws a stretch in full.`);

  // The violation: a red line at its moment (the whole height), and its step ringed.
  const v = d.violation;
  const vs = d.story.violationStep;
  const vx = v === null ? 'NaN' : n1(vs === null ? x(v.atMs, model.steps.length - 1) : x(model.steps[vs]!.t, vs));
  const vlabel = v === null ? '' : `✕ ${v.invariant} at ${formatTime(v.atMs)}`;
  const violation =
    v === null
      ? ''
      : `<g id="${d.id}-violation" class="violation"><title>${esc(`${v.invariant} (${v.kind}) violated at ${formatTime(v.atMs)}, event ${v.eventIndex}:\n${v.message}`)}</title>` +
    `<line class="tx fullh" x1="${vx}" x2="${vx}" y1="4" y2="${bottom}"/>` +
    `<text class="violation-label tx" x="${n1(Number(vx) - 5)}" y="${TOP - 26}" text-anchor="end">${esc(vlabel)}</text></g>`;

  const blocksHead = blockHeads(model, axis);
  const quiet = axis.quiet.map(([a, b]) => `${n1(a)},${n1(b)}`).join(';');
  const svg =
    `<svg id="${d.id}" class="diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" data-left="${LEFT}" data-plot-width="${axis.plotW}" data-right="${RIGHT}" data-top="${TOP}" data-quiet="${quiet}" data-focus="${n1(d.focus[0])},${n1(d.focus[1])}" data-violation-x="${vx}" data-mode="${axis.mode}" role="img" aria-label="space-time diagram">` +
    DEFS +
    `<g clip-path="url(#plot-clip)">${blocksHead}${axisSvg(axis, TOP, bottom)}<g class="lanes">${lanes.join('')}</g><g class="messages">${arrows.svg}</g><g class="marks">${marks.top}${fronts.join('')}</g>${violation}</g></svg>`;
  const labels = labelColumn(d, rowsOf, tops, height);
  return { svg, labels, notes, arrows: arrows.drawn };
}

const DEFS =
  `<defs>` +
  `<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="#3a4a5c"/></marker>` +
  `<marker id="head-chain" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="#1565c0"/></marker>` +
  `<marker id="head-dup" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10Z" fill="#d9730d"/></marker>` +
  `<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e4e4e4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="2.2"/></pattern>` +
  `<clipPath id="plot-clip"><rect x="0" y="0" width="100000" height="100000"/></clipPath>` +
  `</defs>`;

function bandRow(axis: Axis, node: NodeId, row: LaneRow, y: number): string {
  const out: string[] = [];
  for (const b of row.bands) {
    if (!overlaps(axis, b.from, b.fromStep, b.to, b.toStep)) continue;
    const a = axis.at(b.from, b.fromStep);
    const z = b.to === null ? LEFT + axis.plotW : axis.at(b.to, b.toStep ?? b.fromStep);
    const w = z - a;
    if (w < 0.5) continue;
    const until = b.to === null ? 'to the end' : `until ${formatTime(b.to)}`;
    out.push(
      `<g class="band"><title>${esc(`${b.tip}\nfrom ${formatTime(b.from)} ${until}`)}</title>` +
        `<rect class="tx" x="${n1(a)}" y="${y}" width="${n1(w)}" height="${BAND_H}" fill="${b.colour}"/>` +
        `<text class="band-label tx" x="${n1(a + 2)}" y="${y + 8}" data-w="${n1(w)}">${esc(b.label)}</text></g>`,
    );
  }
  return `<g class="lane-row" data-row="${esc(row.name)}" data-node="${esc(node)}">${out.join('')}</g>`;
}

function blockHeads(model: Model, axis: Axis): string {
  const out: string[] = [];
  model.blocks.forEach((b, k) => {
    if (!overlaps(axis, b.from, b.fromStep, b.to, b.toStep)) return;
    const a = axis.at(b.from, b.fromStep);
    const z = b.to === null ? LEFT + axis.plotW : axis.at(b.to, b.toStep ?? b.fromStep);
    const y = 4 + (k % 2) * 12;
    out.push(`<g class="block-${b.kind}"><title>${esc(`${b.label}\nfrom ${formatTime(b.from)}${b.to === null ? ' to the end' : ` until ${formatTime(b.to)}`}`)}</title><rect class="tx block-head" x="${n1(a)}" y="${y}" width="${n1(Math.max(1, z - a))}" height="11"/><text class="block-label tx" x="${n1(a + 3)}" y="${y + 9}">${esc(b.label)}</text></g>`);
  });
  return out.join('');
}

/** The column left of the diagram: node ids, roles, the names of their rows; moved by the script with the lanes. */
function labelColumn(d: DiagramInput, rowsOf: ReadonlyMap<NodeId, LaneRow[]>, tops: ReadonlyMap<NodeId, number>, height: number): string {
  const involved = new Set(d.story.involved);
  const parts = d.nodes.map((id) => {
    const role = d.nodeRoles[id];
    const rows = rowsOf
      .get(id)!
      .map((r, ri) => `<text class="row-name" x="70" y="${FIRST_ROW + ri * ROW_H + 8}" text-anchor="end">${esc(r.name)}</text>`)
      .join('');
    return `<g class="lane-label" data-node="${esc(id)}" transform="translate(0,${tops.get(id)})"><text class="node-label${involved.has(id) ? ' involved' : ''}" x="6" y="${LINE_Y + 4}">${esc(id)}</text>${role ? `<text class="node-role" x="72" y="${LINE_Y + 4}" text-anchor="end">${esc(role)}</text>` : ''}${rows}</g>`;
  });
  return `<svg class="lane-labels" data-for="${d.id}" width="76" height="${height}" viewBox="0 0 76 ${height}">${parts.join('')}</svg>`;
}
