/**
 * The client-operation timeline, as Jepsen's timeline.html draws it: one row per client, one bar
 * per operation from its invocation to its completion (ok green, fail red, info yellow and open to
 * the right: it may have taken effect any time after), fault periods shaded behind (a node down, a
 * partition, a pause). The operations are what the client protocols declare (`Protocol.operation`);
 * those of the key a linearizability checker failed on are outlined, the ones that cannot all be
 * true in red.
 */
import type { NodeId, OperationEvent } from '../core/contract/protocol.ts';
import type { TraceEntry } from '../sim/trace.ts';
import type { Model } from './model.ts';
import { compareNodeIds, escapeHtml as esc, formatTime, n1, niceStep, plural, tickLabel } from './text.ts';

export interface ClientOp {
  readonly client: NodeId;
  readonly id: string;
  readonly op: string;
  readonly key: string | undefined;
  readonly invokedAt: number;
  /** The trace's event index (`TraceEntry.i`) of the invocation, and below of the completion. */
  readonly invokedEvent: number;
  end: { readonly phase: 'ok' | 'fail' | 'info'; readonly at: number; readonly event: number; readonly result: string | undefined } | null;
}

/** Every client operation of the trace, in invocation order. */
export function clientOps(trace: readonly TraceEntry[], operation: (node: NodeId, observation: unknown) => OperationEvent | null): ClientOp[] {
  const ops: ClientOp[] = [];
  const open = new Map<string, ClientOp>();
  for (const e of trace) {
    if (e.kind !== 'observe' || e.node === null) continue;
    const o = operation(e.node, e.detail);
    if (o === null) continue;
    const key = `${e.node}\u0000${o.id}`;
    if (o.phase === 'invoke') {
      const op: ClientOp = { client: e.node, id: o.id, op: o.op, key: o.key, invokedAt: e.t, invokedEvent: e.i, end: null };
      ops.push(op);
      open.set(key, op);
    } else {
      const op = open.get(key);
      if (op === undefined) continue;
      op.end = { phase: o.phase, at: e.t, event: e.i, result: o.result };
      open.delete(key);
    }
  }
  return ops;
}

export interface Highlight {
  /** The key a checker failed on: its operations are outlined. */
  readonly key: string | null;
  /** Operations (client, invocation time) that cannot all be true: drawn in red. */
  readonly failing: (op: ClientOp) => boolean;
}

const ROW = 22;
const LEFT = 70;

export function renderClientTimeline(ops: readonly ClientOp[], model: Model, runEnd: number, highlight: Highlight): string {
  const clients = [...new Set(ops.map((o) => o.client))].sort(compareNodeIds);
  const plotW = Math.round(Math.min(12000, Math.max(1250, ops.length * 9)));
  const x = (t: number) => LEFT + (Math.min(Math.max(t, 0), runEnd) / Math.max(runEnd, 1)) * plotW;
  const top = 30;
  const height = top + clients.length * ROW + 26;
  const out: string[] = [];
  // Fault periods behind everything: a node down, a pause, a partition or one-way block.
  const shade = (from: number, to: number | null, colour: string, label: string, k: number) => {
    const a = x(from);
    const z = x(to ?? runEnd);
    out.push(`<g class="fault-shade"><title>${esc(`${label}: ${formatTime(from)} to ${to === null ? 'the end' : formatTime(to)}`)}</title><rect x="${n1(a)}" y="${top - 4}" width="${n1(Math.max(2, z - a))}" height="${clients.length * ROW + 4}" fill="${colour}"/><text class="fault-label" x="${n1(a + 2)}" y="${top - 6 - (k % 2) * 9}">${esc(label)}</text></g>`);
  };
  let k = 0;
  for (const c of model.crashes) shade(c.from, c.to, 'rgba(231,76,60,0.18)', `${c.node} down`, k++);
  for (const p of model.pauses) shade(p.from, p.to, 'rgba(120,120,120,0.16)', `${p.node} paused`, k++);
  for (const b of model.blocks) shade(b.from, b.to, b.kind === 'partition' ? 'rgba(230,126,34,0.16)' : 'rgba(142,68,173,0.14)', b.label, k++);
  const step = niceStep(runEnd / 12);
  for (let t = 0, i = 0; t <= runEnd && i < 200; t += step, i++) out.push(`<line x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${top - 2}" y2="${height - 20}" stroke="#e6eaee"/><text class="ov-axis" x="${n1(x(t))}" y="${height - 6}">${esc(tickLabel(t, step))}</text>`);
  clients.forEach((c, r) => {
    const y = top + r * ROW;
    if (r % 2 === 0) out.push(`<rect x="${LEFT}" y="${y}" width="${plotW}" height="${ROW}" fill="#f7f9fb" opacity="0.6"/>`);
    out.push(`<text class="ov-label" x="${LEFT - 6}" y="${y + 14}" text-anchor="end">${esc(c)}</text>`);
  });
  for (const o of ops) {
    const r = clients.indexOf(o.client);
    const y = top + r * ROW + 3;
    const a = x(o.invokedAt);
    const phase = o.end?.phase ?? 'pending';
    const z = o.end === null || o.end.phase === 'info' ? x(runEnd) : x(o.end.at);
    const w = Math.max(3, z - a);
    const cls = `op ${phase}${highlight.key !== null && o.key === highlight.key ? ' key' : ''}${highlight.failing(o) ? ' failing' : ''}`;
    const label = `${o.op}${o.end?.result !== undefined && phase === 'ok' ? ` → ${o.end.result}` : ''}`;
    const fits = Math.floor((w - 4) / 5.3);
    const text = fits >= 6 ? `<text x="${n1(a + 3)}" y="${y + 12}">${esc(label.length > fits ? `${label.slice(0, fits - 1)}…` : label)}</text>` : '';
    const ended = o.end === null ? 'never completed' : `${o.end.phase} at ${formatTime(o.end.at)} (after ${formatTime(o.end.at - o.invokedAt)})${o.end.result === undefined ? '' : `: ${o.end.result}`}`;
    out.push(`<g class="${cls}"><title>${esc(`${o.client} ${o.id}: ${o.op}\ninvoked ${formatTime(o.invokedAt)}\n${ended}`)}</title><rect x="${n1(a)}" y="${y}" width="${n1(w)}" height="${ROW - 6}" rx="2"/>${text}</g>`);
  }
  const counts = { ok: 0, fail: 0, info: 0, pending: 0 };
  for (const o of ops) counts[o.end?.phase ?? 'pending']++;
  const svg = `<svg id="client-timeline" width="${LEFT + plotW + 20}" height="${height}" viewBox="0 0 ${LEFT + plotW + 20} ${height}">${out.join('')}</svg>`;
  return (
    `<p class="dim">${plural(ops.length, 'operation')} by ${plural(clients.length, 'client')}: ${counts.ok} ok (green), ${counts.fail} failed (red: had no effect), ${counts.info} unknown (yellow: may have taken effect, drawn open to the end)${counts.pending > 0 ? `, ${counts.pending} never completed (grey)` : ''}. Shaded: nodes down, pauses, partitions.${highlight.key !== null ? ` Outlined: key ${esc(JSON.stringify(highlight.key))}; red: the operations that cannot all be true.` : ''}</p>` +
    `<div class="timeline-wrap">${svg}</div>`
  );
}
