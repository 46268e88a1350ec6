/**
 * The diagram's message arrows: a line from the send to the delivery, a ✕ where the message was
 * lost (its reason in the tooltip), a dashed stub for one never delivered in an explorer's
 * counterexample, a label from the protocol's decoder (`Protocol.describeMessage`), and the whole
 * message decoded in the tooltip.
 */
import type { MessageDescription, NodeId } from '../core/contract/protocol.ts';
import type { Axis } from './axis.ts';
import type { Story } from './causal.ts';
import type { Arrow, Model } from './model.ts';
import { escapeHtml as esc, formatTime, jsonText, n1 } from './text.ts';

export type Describe = (from: NodeId, detail: unknown) => MessageDescription | null;

/** A message's short label: its protocol's, else its `type`, `kind` or `t`. */
export function messageLabel(describe: Describe, from: NodeId, detail: unknown, described?: MessageDescription | null): string {
  const d = described === undefined ? describe(from, detail) : described;
  if (d !== null) return d.label;
  const o = detail as { type?: unknown; kind?: unknown; t?: unknown } | null;
  if (typeof o !== 'object' || o === null) return typeof detail === 'string' ? detail : '';
  for (const v of [o.type, o.kind, o.t]) if (typeof v === 'string') return v;
  return '';
}

const WHY: Readonly<Record<string, string>> = {
  loss: 'lost on the wire',
  partition: 'dropped: the link is blocked by a partition',
  'target down': 'dropped: the receiver was down',
};

function tipOf(a: Arrow, label: string, decoded: unknown, model: Model): string {
  const sent = model.steps[a.sendStep];
  const head = `#${a.msg} ${a.from} → ${a.to}: ${label}\nsent ${formatTime(a.sentAt)}${sent ? ` (event ${sent.i})` : ''}`;
  let fate: string;
  switch (a.outcome) {
    case 'delivered':
    case 'duplicate':
      fate = `${a.outcome === 'duplicate' ? 'delivered again (network duplicate)' : 'delivered'} ${formatTime(a.endAt)} (after ${formatTime(a.endAt - a.sentAt)})`;
      break;
    case 'dropped':
      fate = `${WHY[a.reason ?? ''] ?? `dropped: ${a.reason ?? '?'}`} (${a.reason ?? '?'}) at ${formatTime(a.endAt)}`;
      break;
    case 'undelivered':
      fate = 'never delivered: the counterexample ends before it arrives (it was not lost)';
      break;
    case 'inflight':
      fate = 'still in flight when the trace ends';
      break;
  }
  return `${head}\n${fate}\n\n${jsonText(decoded)}`;
}

export function arrowParts(model: Model, axis: Axis, story: Story, tops: ReadonlyMap<NodeId, number>, lineY: number, max: number, describe: Describe, focus: readonly [number, number]): { svg: string; drawn: number; leftOut: number } {
  const inWindow = model.arrows.filter((a) => tops.has(a.from) && tops.has(a.to) && (axis.inside(a.sentAt, a.sendStep) || axis.inside(a.endAt, a.endStep)));
  // The story's messages always, then the latest.
  const chain = inWindow.filter((a) => story.chain.has(a.msg));
  const rest = inWindow.filter((a) => !story.chain.has(a.msg));
  const kept = new Set([...chain, ...rest.slice(Math.max(0, rest.length - Math.max(0, max - chain.length)))]);
  const out: string[] = [];
  for (const a of inWindow) {
    if (!kept.has(a)) continue;
    const y1 = tops.get(a.from)! + lineY;
    const yTo = tops.get(a.to)! + lineY;
    const x1 = axis.at(a.sentAt, a.sendStep);
    const d = describe(a.from, a.detail);
    const label = messageLabel(describe, a.from, a.detail, d);
    const onChain = story.chain.has(a.msg);
    const inPast = story.past[a.endStep] === 1 || story.past[a.sendStep] === 1;
    let f = 1;
    let x2 = axis.at(a.endAt, a.endStep);
    let cls = 'msg';
    let head = '';
    let end = '';
    switch (a.outcome) {
      case 'delivered':
        head = onChain ? 'head-chain' : 'head';
        break;
      case 'duplicate':
        cls += ' dup';
        head = 'head-dup';
        break;
      case 'dropped':
        cls += ' drop';
        f = a.reason === 'loss' ? 0.4 : 0.8;
        if (a.reason === 'loss' && axis.mode === 'time') x2 = x1 + Math.max(6, Math.min(14, Math.abs(yTo - y1) * 0.1));
        end = 'cross';
        break;
      case 'undelivered':
        cls += ' undelivered';
        f = 0.35;
        x2 = x1 + (axis.mode === 'order' ? 14 : 8);
        end = 'dots';
        break;
      case 'inflight':
        cls += ' inflight';
        f = 0.5;
        break;
    }
    if (onChain) cls += ' chain';
    else if (!inPast) cls += ' dim';
    const y2 = y1 + (yTo - y1) * f;
    const y2vis = f === 1 ? y2 - Math.sign(y2 - y1) * 2 : y2;
    const tip = tipOf(a, label, d?.detail ?? a.detail, model);
    const mid = (x1 + x2) / 2;
    const near = mid >= focus[0] - (focus[1] - focus[0]) && mid <= focus[1] + (focus[1] - focus[0]);
    const text = label !== '' && (onChain || near) ? `<text class="msg-label tx${onChain ? ' always' : ''}" x="${n1(mid)}" y="${n1((y1 + y2) / 2 - 3)}" text-anchor="middle">${esc(label)}</text>` : '';
    const endMark =
      end === 'cross' ? `<g class="txg end" transform="translate(${n1(x2)},${n1(y2)})"><path class="cross" d="M-4,-4L4,4M-4,4L4,-4"/></g>` : end === 'dots' ? `<g class="txg end" transform="translate(${n1(x2)},${n1(y2)})"><text class="dots" x="2" y="4">…</text></g>` : '';
    out.push(
      `<g class="${cls}" data-from="${esc(a.from)}" data-to="${esc(a.to)}" data-f="${f}" data-msg="${a.msg}"><title>${esc(tip)}</title>` +
        `<line class="hit tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${n1(y2)}"/>` +
        `<line class="vis tx" x1="${n1(x1)}" y1="${y1}" x2="${n1(x2)}" y2="${n1(y2vis)}"${head ? ` marker-end="url(#${head})"` : ''}/>` +
        endMark +
        text +
        `</g>`,
    );
  }
  return { svg: out.join(''), drawn: kept.size, leftOut: inWindow.length - kept.size };
}
