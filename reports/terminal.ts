/** Terminal rendering of trace entries: one line each, the last ones before a violation. */
import type { TraceEntry } from '../sim/trace.ts';
import { formatMs } from '../sim/faults.ts';

export function compactJson(value: unknown, max = 110): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function formatEntry(e: TraceEntry): string {
  const t = `${(e.t / 1000).toFixed(3)}s`.padStart(9);
  const who = (e.node ?? '*').padEnd(4);
  const arrow = e.peer === undefined ? '' : e.kind === 'send' ? ` -> ${e.peer}` : ` <- ${e.peer}`;
  const msg = e.msg === undefined ? '' : ` #${e.msg}`;
  const detail = e.detail === undefined ? '' : ` ${compactJson(e.detail)}`;
  return `${String(e.i).padStart(7)} ${t} ${who} ${e.kind.padEnd(9)}${arrow}${msg}${detail}`;
}

export function formatDuration(ms: number): string {
  return formatMs(Math.round(ms));
}
