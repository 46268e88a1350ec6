/**
 * Timelines for people: one row per client, each operation a bar from its call to its return over
 * a scaled time axis, the offending ones marked. Two renderings of the same picture: text for a
 * terminal (chalk colours when asked, plain characters otherwise) and a standalone HTML page with
 * inline SVG and no external assets, so it opens offline and can be attached to a bug report.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { describeOperations, partitionName, type CheckResult } from './checker.ts';
import { clientKey, describeOperation, type ClientId, type History, type Operation } from './history.ts';

export interface TimelineOptions {
  /** Columns of the time axis. Default 72. */
  readonly width?: number;
  /** ANSI colours (chalk). Default false: plain text, offending bars drawn with '*'. */
  readonly color?: boolean;
  /** Operations to mark as offending (indices into history.operations). */
  readonly highlight?: ReadonlySet<number>;
  /** Default 'order'; see AxisScale. */
  readonly scale?: AxisScale;
}

/**
 * The operations to draw around a failing subset: the subset itself, plus the other operations of
 * the same key nearest in time to one of its operations (overlapping ones first), up to `max`.
 * A subset larger than `max` (one the explanation could not shrink) is cut to its first `max`.
 */
export function contextAround(history: History, subset: readonly number[], max: number): number[] {
  const ops = history.operations;
  const byCall = (a: number, b: number): number => ops[a]!.call - ops[b]!.call || a - b;
  if (subset.length === 0) return [];
  if (subset.length >= max) return [...subset].sort(byCall).slice(0, Math.max(1, max));
  const chosen = new Set(subset);
  const first = ops[subset[0]!]!;
  const key = 'key' in first ? first.key : null;
  const gap = (a: Operation, b: Operation): number => {
    const aEnd = a.return ?? Infinity;
    const bEnd = b.return ?? Infinity;
    if (a.call <= bEnd && b.call <= aEnd) return 0;
    return a.call > bEnd ? a.call - bEnd : b.call - aEnd;
  };
  const distance = new Map<number, number>();
  ops.forEach((o, i) => {
    if (chosen.has(i) || ('key' in o ? o.key : null) !== key) return;
    distance.set(i, subset.reduce((d, s) => Math.min(d, gap(o, ops[s]!)), Infinity));
  });
  const others = [...distance.keys()].sort((a, b) => distance.get(a)! - distance.get(b)! || a - b);
  for (const i of others) {
    if (chosen.size >= max) break;
    chosen.add(i);
  }
  return [...chosen].sort(byCall);
}

/**
 * Where times go on an axis of `width` units. 'order' spaces the distinct call and return times
 * evenly: linearizability depends only on the order of these events, and far-apart operations then
 * don't squeeze the interesting ones into a few columns. 'time' is proportional to time.
 */
export type AxisScale = 'order' | 'time';

interface Axis {
  readonly start: number;
  readonly end: number;
  /** Position of a time in [0, width]. */
  readonly at: (t: number) => number;
  /** A few (position, time) pairs to label. */
  readonly ticks: readonly (readonly [number, number])[];
}

function makeAxis(ops: readonly Operation[], width: number, scale: AxisScale, tickCount: number): Axis {
  const { start, end } = timeSpan(ops);
  if (scale === 'time') {
    const at = (t: number): number => (end === start ? 0 : ((t - start) / (end - start)) * width);
    const ticks = Array.from({ length: tickCount }, (_, k): [number, number] => {
      const t = tickCount === 1 ? start : start + ((end - start) * k) / (tickCount - 1);
      return [at(t), t];
    });
    return { start, end, at, ticks };
  }
  const times = [...new Set(ops.flatMap((o) => (o.return === null ? [o.call] : [o.call, o.return])))].sort((a, b) => a - b);
  const rank = new Map(times.map((t, k) => [t, k]));
  const at = (t: number): number => (times.length <= 1 ? 0 : ((rank.get(t) ?? 0) / (times.length - 1)) * width);
  const ticks = Array.from({ length: Math.min(tickCount, times.length) }, (_, k): [number, number] => {
    const t = times[Math.round((k * (times.length - 1)) / Math.max(1, Math.min(tickCount, times.length) - 1))]!;
    return [at(t), t];
  });
  return { start, end, at, ticks };
}

type Style = 'axis' | 'plain' | 'offending' | 'unknown';

/** A text timeline of the given operations, with a legend line per operation below it. */
export function renderTimeline(history: History, indices: readonly number[], options: TimelineOptions = {}): string {
  const width = Math.max(16, options.width ?? 72);
  const highlight = options.highlight ?? new Set<number>();
  const chalk: ChalkInstance = new Chalk({ level: options.color === true ? 1 : 0 });
  const paint = (style: Style, text: string): string => {
    switch (style) {
      case 'axis':
        return chalk.dim(text);
      case 'plain':
        return chalk.cyan(text);
      case 'offending':
        return chalk.red.bold(text);
      case 'unknown':
        return chalk.yellow(text);
    }
  };
  if (indices.length === 0) return '(no operations)';
  const ops = indices.map((i) => ({ i, o: history.operations[i]! }));
  const axis = makeAxis(
    ops.map(({ o }) => o),
    width - 1,
    options.scale ?? 'order',
    Math.max(2, Math.floor(width / 24)),
  );
  const col = (t: number): number => Math.round(axis.at(t));

  const clients = sortedClients(ops.map(({ o }) => o.client));
  const labels = clients.map((c) => `client ${typeof c === 'string' ? JSON.stringify(c) : c}`);
  const labelWidth = labels.reduce((w, l) => Math.max(w, l.length), 0);
  const lines: string[] = [];
  // Time labels, each starting at its tick (the last one ending there), never overlapping.
  const ruler = Array.from({ length: width }, () => ' ');
  let free = 0;
  axis.ticks.forEach(([position, t], k) => {
    const label = fmtTime(t);
    const last = k === axis.ticks.length - 1;
    const at = last ? Math.max(0, width - label.length) : Math.round(position);
    if (at < free) return;
    placeText(ruler, at, label);
    free = at + label.length + 1;
  });
  lines.push(`${' '.repeat(labelWidth)}  ${paint('axis', ruler.join('').trimEnd())}`);

  clients.forEach((client, row) => {
    const chars = Array.from({ length: width }, () => ' ');
    const styles: (Style | null)[] = Array.from({ length: width }, () => null);
    for (const { i, o } of ops) {
      if (clientKey(o.client) !== clientKey(client)) continue;
      const offending = highlight.has(i);
      const style: Style = offending ? 'offending' : o.return === null ? 'unknown' : 'plain';
      const c0 = col(o.call);
      const c1 = o.return === null ? width - 1 : col(o.return);
      const fill = offending && options.color !== true ? '*' : '=';
      for (let c = c0; c <= c1; c++) {
        chars[c] = c === c0 ? '[' : c === c1 ? (o.return === null ? '>' : ']') : fill;
        styles[c] = style;
      }
      if (c1 === c0) chars[c0] = o.return === null ? '>' : '|';
      const tag = `#${i}`;
      if (c1 - c0 - 1 >= tag.length) placeText(chars, c0 + 1 + Math.floor((c1 - c0 - 1 - tag.length) / 2), tag);
    }
    let text = '';
    for (let c = 0; c < width; ) {
      const style = styles[c] ?? null;
      let d = c;
      while (d < width && (styles[d] ?? null) === style) d++;
      const run = chars.slice(c, d).join('');
      text += style === null ? run : paint(style, run);
      c = d;
    }
    lines.push(`${labels[row]!.padEnd(labelWidth)}  ${text.trimEnd()}`);
  });
  lines.push('');
  describeOperations(history, indices).forEach((row, k) => {
    const i = indices[k]!;
    const mark = highlight.has(i) ? '!' : ' ';
    const text = `${mark} #${row.slice(3)}`;
    lines.push(highlight.has(i) ? paint('offending', text) : history.operations[i]!.return === null ? paint('unknown', text) : text);
  });
  return lines.join('\n');
}

export interface HtmlOptions {
  /** Shown as the page title, e.g. the file name. */
  readonly title: string;
  /** Most operations drawn per timeline. Default 400. */
  readonly maxOperations?: number;
}

/** A standalone HTML page: the verdict, per-key results, and a timeline per failing key (or of the history). */
export function renderHtml(history: History, result: CheckResult, options: HtmlOptions): string {
  const max = options.maxOperations ?? 400;
  const sections: string[] = [];
  const failures = result.explanation?.failures ?? [];
  for (const f of failures) {
    const shown = contextAround(history, f.operations, max);
    const name = partitionName(history.model, f.key);
    const where = name.replace(/^the /, '').replace(/^./, (c) => c.toUpperCase());
    const what = `${f.operations.length} operations that cannot be linearized together${f.minimal ? ' (minimal)' : ''}, in red; other operations${f.key === null ? '' : ' of the same key'} in that time span in blue`;
    sections.push(section(`${where}: ${what}`, history, shown, new Set(f.operations)));
  }
  if (failures.length === 0) {
    const all = history.operations.map((_, i) => i).sort((a, b) => history.operations[a]!.call - history.operations[b]!.call || a - b);
    const shown = all.slice(0, max);
    const note = shown.length < all.length ? ` (the first ${shown.length} of ${all.length} operations)` : '';
    sections.push(section(`All operations${note}`, history, shown, new Set()));
  }
  const perKey =
    result.perKey === undefined
      ? ''
      : `<table><tr><th>key</th><th>verdict</th><th>operations</th><th>search steps</th></tr>${result.perKey
          .map((k) => `<tr class="${k.verdict}"><td>${esc(JSON.stringify(k.key))}</td><td>${k.verdict}</td><td>${k.operations}</td><td>${k.steps}</td></tr>`)
          .join('')}</table>`;
  const explanation = result.explanation === undefined ? '' : `<pre>${esc(result.explanation.text)}</pre>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(options.title)}: ${result.verdict}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px} h2{font-size:16px;margin-top:28px}
.verdict-linearizable{color:#1a7f37} .verdict-not-linearizable{color:#cf222e} .verdict-unknown{color:#9a6700}
.scroll{overflow-x:auto;border:1px solid #ddd;padding:4px}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;font-family:ui-monospace,monospace;font-size:12px}
tr.not-linearizable td{color:#cf222e} tr.unknown td{color:#9a6700}
pre{background:#f6f8fa;padding:8px;overflow-x:auto}
svg text{font-family:ui-monospace,monospace;font-size:11px}
</style></head><body>
<h1>${esc(options.title)}: <span class="verdict-${result.verdict}">${result.verdict}</span></h1>
<p>Model <b>${history.model}</b>, ${history.operations.length} operations, ${result.steps} search steps.
Bars run from call to return; a bar fading out to the right never returned (its outcome is unknown).
The axis spaces call and return times evenly, in order (linearizability depends only on their order); hover a bar for its times.</p>
${perKey}${explanation}${sections.join('\n')}
</body></html>
`;
}

function section(heading: string, history: History, indices: readonly number[], highlight: ReadonlySet<number>): string {
  const ops = indices.map((i) => ({ i, o: history.operations[i]! }));
  const clients = sortedClients(ops.map(({ o }) => o.client));
  const rowOf = new Map(clients.map((c, r) => [clientKey(c), r]));
  const labelWidth = 110;
  const rowHeight = 26;
  const top = 24;
  const height = top + clients.length * rowHeight + 8;
  const plotWidth = Math.min(20_000, Math.max(900, ops.length * 14));
  const axis = makeAxis(
    ops.map(({ o }) => o),
    plotWidth,
    'order',
    Math.max(2, Math.floor(plotWidth / 120)),
  );
  const x = (t: number): number => labelWidth + axis.at(t);
  const parts: string[] = [];
  parts.push(
    `<defs><linearGradient id="fade" x1="0" x2="1"><stop offset="0" stop-color="#d4a72c"/><stop offset="1" stop-color="#d4a72c" stop-opacity="0.05"/></linearGradient></defs>`,
  );
  for (const [position, t] of axis.ticks) {
    parts.push(`<line x1="${(labelWidth + position).toFixed(1)}" y1="18" x2="${(labelWidth + position).toFixed(1)}" y2="${height}" stroke="#d0d7de"/>`);
    parts.push(`<text x="${(labelWidth + position).toFixed(1)}" y="14" text-anchor="middle">${esc(fmtTime(t))}</text>`);
  }
  clients.forEach((c, r) => {
    const y = top + r * rowHeight;
    if (r % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${labelWidth + plotWidth + 40}" height="${rowHeight}" fill="#f6f8fa"/>`);
    parts.push(`<text x="4" y="${y + 17}">${esc(`client ${typeof c === 'string' ? JSON.stringify(c) : c}`)}</text>`);
  });
  for (const { i, o } of ops) {
    const r = rowOf.get(clientKey(o.client)) ?? 0;
    const y = top + r * rowHeight + 4;
    const x0 = x(o.call);
    const x1 = o.return === null ? labelWidth + plotWidth + 30 : x(o.return);
    const w = Math.max(3, x1 - x0);
    const offending = highlight.has(i);
    const fill = offending ? '#cf222e' : o.return === null ? 'url(#fade)' : '#54aeff';
    const stroke = offending ? '#82071e' : o.return === null ? '#9a6700' : '#0969da';
    const label = `#${i} ${describeOperation(o)}`;
    const text =
      w >= label.length * 6.8 + 6
        ? `<text x="${x0 + 4}" y="${y + 13}" fill="${offending ? '#fff' : '#0b2540'}">${esc(label)}</text>`
        : '';
    const tip = `op ${i}, client ${String(o.client)}, [${o.call}, ${o.return ?? '∞'}]: ${describeOperation(o)}${offending ? ' (offending)' : ''}`;
    parts.push(
      `<g><title>${esc(tip)}</title><rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="3" fill="${fill}" stroke="${stroke}"${o.return === null ? ' stroke-dasharray="4 2"' : ''}/>${text}</g>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 40}" height="${height}">${parts.join('')}</svg>`;
  const legend = describeOperations(history, indices)
    .map((row, k) => {
      const i = indices[k]!;
      return `<tr${highlight.has(i) ? ' class="not-linearizable"' : ''}><td>${highlight.has(i) ? '✗' : ''}</td><td>${esc(row)}</td></tr>`;
    })
    .join('');
  return `<h2>${esc(heading)}</h2><div class="scroll">${svg}</div><table>${legend}</table>`;
}

function timeSpan(ops: readonly Operation[]): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const o of ops) {
    start = Math.min(start, o.call);
    end = Math.max(end, o.return ?? o.call);
  }
  return { start, end };
}

/** Numbers ascending, then strings in code-unit order: a deterministic row order. */
function sortedClients(clients: readonly ClientId[]): ClientId[] {
  const unique = new Map<string, ClientId>();
  for (const c of clients) unique.set(clientKey(c), c);
  return [...unique.values()].sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'number') return -1;
    if (typeof b === 'number') return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function placeText(chars: string[], at: number, text: string): void {
  for (let k = 0; k < text.length && at + k < chars.length; k++) chars[at + k] = text[k]!;
}

function fmtTime(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toPrecision(6);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
