/**
 * What the diagram draws on a lane besides messages and bands: crashes and pauses, the tint of a
 * partition or one-way block, small marks for timers, persists, observations, commands (labelled:
 * an operator's reshard is a cause a person must see), replies and notes, the story's numbered
 * steps, the culprits' rings and the violating step's. Lane-local coordinates (y from the lane's
 * top), so the page's script can move lanes.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Violation } from '../sim/kernel.ts';
import type { Axis } from './axis.ts';
import { LEFT } from './axis.ts';
import type { Story } from './causal.ts';
import type { Model } from './model.ts';
import { brief, escapeHtml as esc, formatTime, jsonText, n1 } from './text.ts';

const SIDE_COLOURS = ['rgba(230,126,34,0.16)', 'rgba(26,152,180,0.16)', 'rgba(120,160,40,0.16)', 'rgba(190,80,160,0.16)'];
const ONEWAY_COLOURS = ['rgba(142,68,173,0.16)', 'rgba(142,68,173,0.07)'];

function clipX(axis: Axis, from: number, fromStep: number, to: number | null, toStep: number | null): [number, number] | null {
  const a = axis.at(from, fromStep);
  const z = to === null ? LEFT + axis.plotW : axis.at(to, toStep ?? fromStep);
  if (axis.mode === 'time' && ((to ?? Infinity) < axis.fromT || from > axis.toT)) return null;
  return z < a ? null : [a, Math.max(z, a + 2)];
}

/** A partition's or one-way block's tint on one lane, with its side (A, B, ... or from/to). */
export function blockParts(model: Model, axis: Axis, node: NodeId, h: number): string {
  const out: string[] = [];
  for (const b of model.blocks) {
    const side = b.sides.get(node);
    if (side === undefined) continue;
    const span = clipX(axis, b.from, b.fromStep, b.to, b.toStep);
    if (span === null) continue;
    const fill = b.kind === 'partition' ? SIDE_COLOURS[side % SIDE_COLOURS.length]! : ONEWAY_COLOURS[side]!;
    const tag = b.kind === 'partition' ? String.fromCharCode(65 + side) : side === 0 ? 'from' : 'to';
    out.push(`<g class="tint"><title>${esc(`${b.label}: ${node} is on side ${tag}`)}</title><rect class="tx" x="${n1(span[0])}" y="0" width="${n1(span[1] - span[0])}" height="${h}" fill="${fill}"/><text class="side-tag tx" x="${n1(span[0] + 3)}" y="10">${tag}</text></g>`);
  }
  return out.join('');
}

/** Crash bars (down until the restart) and pauses on one lane. */
export function spanParts(model: Model, axis: Axis, node: NodeId, lineY: number): string {
  const out: string[] = [];
  for (const c of model.crashes) {
    if (c.node !== node) continue;
    const span = clipX(axis, c.from, c.fromStep, c.to, c.toStep);
    if (span === null) continue;
    const until = c.to === null ? 'still down when the trace ends' : `restarted at ${formatTime(c.to)}`;
    out.push(`<g class="crash"><title>${esc(`${node} crashed at ${formatTime(c.from)}; ${until}`)}</title><rect class="tx" x="${n1(span[0])}" y="${lineY - 5}" width="${n1(span[1] - span[0])}" height="10"/><text class="crash-label tx" x="${n1(span[0] + 3)}" y="${lineY - 8}">crash</text></g>`);
  }
  for (const p of model.pauses) {
    if (p.node !== node) continue;
    const span = clipX(axis, p.from, p.fromStep, p.to, p.toStep);
    if (span === null) continue;
    out.push(`<g class="pause"><title>${esc(`${node} ${p.label} at ${formatTime(p.from)}${p.to === null ? '' : `; resumed at ${formatTime(p.to)}`}`)}</title><rect class="tx" x="${n1(span[0])}" y="${lineY - 9}" width="${n1(span[1] - span[0])}" height="18"/></g>`);
  }
  return out.join('');
}

const MARK_KINDS = new Set(['timer', 'observe', 'persist', 'command', 'reply', 'note', 'clock', 'forge', 'duplicate', 'drop']);

/** Marks per lane (lane-local), and the network changes above the lanes. */
export function markParts(model: Model, axis: Axis, story: Story, v: Violation | null, nodes: ReadonlySet<NodeId>, lineY: number, max: number): { byNode: Map<NodeId, string[]>; top: string; leftOut: number } {
  const byNode = new Map<NodeId, string[]>();
  const put = (node: NodeId, svg: string) => {
    const list = byNode.get(node);
    if (list === undefined) byNode.set(node, [svg]);
    else list.push(svg);
  };
  const top: string[] = [];
  const all: { e: Model['steps'][number]['entries'][number]; step: number }[] = [];
  for (const s of model.steps) {
    if (!axis.inside(s.t, s.id)) continue;
    for (const e of s.entries) if (MARK_KINDS.has(e.kind) && !(e.kind === 'drop' && e.msg !== undefined)) all.push({ e, step: s.id });
    for (const e of s.entries) if (e.kind === 'network') top.push(`<g class="netmark txg" transform="translate(${n1(axis.at(e.t, s.id))},46)"><title>${esc(`network conditions ${jsonText(e.detail)}\nat ${formatTime(e.t)}`)}</title><path d="M-4,-7L4,-7L0,0Z"/></g>`);
  }
  const shown = all.slice(Math.max(0, all.length - max));
  for (const { e, step } of shown) {
    const lane = e.kind === 'duplicate' ? e.peer : e.node;
    if (lane === null || lane === undefined || !nodes.has(lane)) continue;
    const at = `${formatTime(e.t)}, event ${e.i}`;
    const g = (cls: string, tip: string, shape: string) => `<g class="${cls} txg" transform="translate(${n1(axis.at(e.t, step))},${lineY})"><title>${esc(tip)}</title>${shape}</g>`;
    switch (e.kind) {
      case 'timer':
        put(lane, g('timer', `${e.node} timer ${jsonText(e.detail)} fired\n${at}`, '<line x1="0" x2="0" y1="-7" y2="0"/>'));
        break;
      case 'persist':
        put(lane, g('persist', `${e.node} persisted ${jsonText(e.detail)}\n${at}`, '<rect x="-2.5" y="2" width="5" height="5"/>'));
        break;
      case 'observe':
        put(lane, g('observe', `${e.node} observed ${jsonText(e.detail)}\n${at}`, '<circle r="2.6"/>'));
        break;
      case 'command':
        put(lane, g('command', `${e.node} got command ${jsonText(e.detail)}\n${at}`, `<path d="M-6,-15L6,-15L0,-6Z"/><text class="cmd-label" x="8" y="-8">${esc(brief(e.detail, 60))}</text>`));
        break;
      case 'reply':
        put(lane, g('reply', `${e.node} replied ${jsonText(e.detail)}\n${at}`, '<path d="M0,-12L4,-5L-4,-5Z"/>'));
        break;
      case 'note':
        put(lane, g('note', `${e.node}: ${jsonText(e.detail)}\n${at}`, '<circle cy="-12" r="2.5"/>'));
        break;
      case 'clock':
        put(lane, g('clock', `${e.node} clock changed ${jsonText(e.detail)}\n${at}`, '<circle cy="-12" r="4"/><path d="M0,-12L0,-15M0,-12L2,-12"/>'));
        break;
      case 'forge':
        put(lane, g('forge', `forged message ${e.peer ?? '?'} → ${e.node}: ${jsonText(e.detail)}\n${at}`, '<path d="M0,-6L6,0L0,6L-6,0Z"/>'));
        break;
      case 'drop':
        put(lane, g('lost-command', `${e.node} did not get a command: ${jsonText(e.detail)}\n${at}`, '<path d="M-3,-15L3,-9M-3,-9L3,-15"/>'));
        break;
      case 'duplicate':
        put(lane, g('dupmark', `#${e.msg ?? '?'} ${e.peer ?? '?'} → ${e.node} will arrive twice (network duplicate)\n${at}`, '<text x="0" y="-5">×2</text>'));
        break;
      default:
        break;
    }
  }
  // Culprits the story does not tell are ringed; the story's steps carry their number.
  const told = new Map(story.events.map((e, k) => [e.step, k + 1]));
  for (const id of story.culpritSteps) {
    const s = model.steps[id]!;
    if (told.has(id) || !axis.inside(s.t, id) || !nodes.has(s.node)) continue;
    put(s.node, `<g class="culprit-ring txg" transform="translate(${n1(axis.at(s.t, id))},${lineY})"><title>${esc(`named by the checker: ${formatTime(s.t)}, event ${s.i}`)}</title><circle r="7"/></g>`);
  }
  for (const [id, k] of told) {
    const s = model.steps[id]!;
    if (!axis.inside(s.t, id) || !nodes.has(s.node)) continue;
    const cls = id === story.violationStep ? 'story-mark violating' : story.culpritSteps.includes(id) ? 'story-mark culprit' : 'story-mark';
    put(s.node, `<g class="${cls} txg" data-story="${k}" transform="translate(${n1(axis.at(s.t, id))},${lineY})"><title>${esc(`story step ${k}: ${formatTime(s.t)}, event ${s.i}${id === story.violationStep && v !== null ? `\nthe violation: ${v.invariant}` : ''}`)}</title><circle r="8"/><text y="3.5">${k}</text></g>`);
  }
  return { byNode, top: top.join(''), leftOut: all.length - shown.length };
}
