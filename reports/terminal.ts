/** Terminal rendering: trace entries one line each (the last ones before a violation), and summary tables. */
import chalk from 'chalk';
import Table from 'cli-table3';
import type { TraceEntry } from '../sim/trace.ts';
import { formatMs } from '../sim/faults.ts';

/** Rows of (label, value): a bordered table on a terminal, aligned plain text otherwise. */
export function printTable(rows: readonly (readonly [string, string])[]): void {
  if (process.stdout.isTTY === true) {
    const table = new Table({ style: { head: [], border: [] } });
    for (const [k, val] of rows) table.push({ [chalk.bold(k)]: val });
    console.log(table.toString());
  } else {
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, val] of rows) console.log(`${k.padEnd(width)}  ${val}`);
  }
}

/** A table with a header row: boxed on a terminal, aligned plain columns when piped. */
export function printColumns(head: readonly string[], rows: readonly (readonly string[])[]): void {
  if (process.stdout.isTTY === true) {
    const table = new Table({ head: head.map((h) => chalk.bold(h)), style: { head: [], border: [] } });
    for (const r of rows) table.push([...r]);
    console.log(table.toString());
    return;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [head, ...rows]) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

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
