/**
 * The whole run in one strip: crashes, pauses, partitions and one-way blocks per node, the message
 * traffic (sends and drops), the final heal, the story's events and the checker's culprits as
 * ticks, the violation, and a box around the stretch the diagram draws.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Violation } from '../sim/kernel.ts';
import { formatMs } from '../sim/faults.ts';
import type { Model } from './model.ts';
import { escapeHtml as esc, formatTime, n1, niceStep, tickLabel } from './text.ts';

const SIDE_COLOURS = ['rgba(230,126,34,0.3)', 'rgba(26,152,180,0.3)', 'rgba(120,160,40,0.3)', 'rgba(190,80,160,0.3)'];

export interface OverviewInput {
  readonly model: Model;
  readonly nodes: readonly NodeId[];
  /** Null on a passing run's page. */
  readonly violation: Violation | null;
  readonly healMs: number;
  readonly window: readonly [number, number];
  readonly storyTimes: readonly number[];
  readonly culprits: readonly { readonly t: number; readonly node: NodeId; readonly what: string }[];
}

export function renderOverview(o: OverviewInput): string {
  const W = 1360;
  const left = 64;
  const plotW = W - left - 12;
  const rowH = 11;
  const top = 26;
  const trafficH = 20;
  const rowsBottom = top + o.nodes.length * rowH;
  const H = rowsBottom + trafficH + 24;
  const runEnd = Math.max(o.model.endMs, o.violation?.atMs ?? 0, 1);
  const end = runEnd * 1.01;
  const x = (t: number) => left + (Math.max(0, Math.min(t, end)) / end) * plotW;
  const row = new Map(o.nodes.map((id, k) => [id, top + k * rowH]));
  const out: string[] = [];
  o.nodes.forEach((id, k) => {
    const y = top + k * rowH;
    out.push(`<text class="ov-label" x="${left - 6}" y="${y + 9}" text-anchor="end">${esc(id)}</text><line class="ov-lane" x1="${left}" x2="${left + plotW}" y1="${y + rowH / 2}" y2="${y + rowH / 2}"/>`);
  });
  for (const b of o.model.blocks) {
    const to = b.to ?? runEnd;
    const cells = o.nodes
      .filter((id) => b.sides.has(id))
      .map((id) => `<rect x="${n1(x(b.from))}" y="${row.get(id)!}" width="${n1(Math.max(1, x(to) - x(b.from)))}" height="${rowH}" fill="${b.kind === 'partition' ? SIDE_COLOURS[b.sides.get(id)! % SIDE_COLOURS.length] : 'rgba(142,68,173,0.25)'}"/>`)
      .join('');
    out.push(`<g><title>${esc(`${b.label}\n${formatTime(b.from)} to ${b.to === null ? 'the end' : formatTime(b.to)}`)}</title>${cells}</g>`);
  }
  for (const c of o.model.crashes) {
    if (!row.has(c.node)) continue;
    out.push(`<rect class="ov-crash" x="${n1(x(c.from))}" y="${row.get(c.node)! + 2}" width="${n1(Math.max(2, x(c.to ?? runEnd) - x(c.from)))}" height="${rowH - 4}"><title>${esc(`${c.node} down ${formatTime(c.from)} to ${c.to === null ? 'the end' : formatTime(c.to)}`)}</title></rect>`);
  }
  for (const p of o.model.pauses) {
    if (!row.has(p.node)) continue;
    out.push(`<rect class="ov-pause" x="${n1(x(p.from))}" y="${row.get(p.node)! + 2}" width="${n1(Math.max(2, x(p.to ?? runEnd) - x(p.from)))}" height="${rowH - 4}"><title>${esc(`${p.node} ${p.label} at ${formatTime(p.from)}`)}</title></rect>`);
  }
  for (const c of o.culprits) {
    const y = row.get(c.node);
    if (y === undefined) continue;
    out.push(`<line class="ov-culprit" x1="${n1(x(c.t))}" x2="${n1(x(c.t))}" y1="${y}" y2="${y + rowH}"><title>${esc(`${formatTime(c.t)}: ${c.what}`)}</title></line>`);
  }
  // Traffic: sends and drops per bucket.
  const buckets = 240;
  const sends = new Array<number>(buckets).fill(0);
  const drops = new Array<number>(buckets).fill(0);
  const bucket = (t: number) => Math.min(buckets - 1, Math.floor((t / end) * buckets));
  for (const a of o.model.arrows) {
    sends[bucket(a.sentAt)]!++;
    if (a.outcome === 'dropped') drops[bucket(a.endAt)]!++;
  }
  const peak = Math.max(1, ...sends);
  const ty = rowsBottom + 3;
  const bw = plotW / buckets;
  const bars: string[] = [];
  for (let k = 0; k < buckets; k++) {
    const hs = (sends[k]! / peak) * trafficH;
    const hd = (drops[k]! / peak) * trafficH;
    if (hs > 0) bars.push(`<rect class="ov-send" x="${n1(left + k * bw)}" y="${n1(ty + trafficH - hs)}" width="${n1(bw)}" height="${n1(hs)}"/>`);
    if (hd > 0) bars.push(`<rect class="ov-drop" x="${n1(left + k * bw)}" y="${n1(ty + trafficH - hd)}" width="${n1(bw)}" height="${n1(hd)}"/>`);
  }
  out.push(`<text class="ov-label" x="${left - 6}" y="${ty + trafficH - 4}" text-anchor="end">msgs</text><g><title>messages sent (grey) and dropped (red) over time</title>${bars.join('')}</g>`);
  const step = niceStep(end / 12);
  for (let t = 0, k = 0; t <= end && k < 200; t += step, k++) {
    out.push(`<line class="ov-tick" x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${top - 4}" y2="${rowsBottom + trafficH + 4}"/><text class="ov-axis" x="${n1(x(t))}" y="${H - 4}">${esc(tickLabel(t, step))}</text>`);
  }
  for (const t of o.storyTimes) out.push(`<path class="ov-story" d="M${n1(x(t) - 3)},${top - 10}L${n1(x(t) + 3)},${top - 10}L${n1(x(t))},${top - 4}Z"><title>a story event at ${esc(formatTime(t))}</title></path>`);
  if (o.healMs > 0 && o.healMs <= end) out.push(`<g class="ov-heal"><title>final heal at ${esc(formatMs(o.healMs))}: the quiet phase begins</title><line x1="${n1(x(o.healMs))}" x2="${n1(x(o.healMs))}" y1="${top - 6}" y2="${rowsBottom}"/><text x="${n1(x(o.healMs) + 3)}" y="${top - 12}">final heal</text></g>`);
  const [wf, wt] = o.window;
  out.push(`<rect class="ov-window" x="${n1(x(wf))}" y="${top - 6}" width="${n1(Math.max(2, x(wt) - x(wf)))}" height="${rowsBottom - top + 12}"><title>the stretch the diagram draws</title></rect>`);
  const v = o.violation;
  if (v !== null) out.push(`<g class="ov-violation"><title>${esc(`${v.invariant} at ${formatTime(v.atMs)}`)}</title><line x1="${n1(x(v.atMs))}" x2="${n1(x(v.atMs))}" y1="6" y2="${rowsBottom + trafficH + 4}"/><text x="${n1(x(v.atMs) - 4)}" y="14" text-anchor="end">✕ ${esc(v.invariant)}</text></g>`);
  return `<svg id="overview" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="xMinYMin meet">${out.join('')}</svg>`;
}
