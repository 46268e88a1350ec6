/**
 * Text for the HTML pages: escaping, times, compact values, node order and colours. Every page
 * (report, sweep) writes through these, so a time reads the same everywhere ("2.655s", "850ms").
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}
export const esc = escapeHtml;

/** A time for people: "0.25ms", "850.5ms", "2.655s", "1m 50s". Never more than three decimals. */
export function formatTime(ms: number): string {
  const a = Math.abs(ms);
  if (a < 10) return `${+ms.toFixed(3)}ms`;
  if (a < 1000) return `${+ms.toFixed(1)}ms`;
  if (a < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m ${+((ms - m * 60_000) / 1000).toFixed(1)}s`;
}

/** "1 operation", "3 operations". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** A value as JSON for a tooltip: indented when long, binary as its size, big texts cut at `max`. */
export function jsonText(value: unknown, max = 4000): string {
  let text: string;
  try {
    const replacer = (_k: string, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? `${v}n` : v);
    text = typeof value === 'string' ? value : (JSON.stringify(value, replacer) ?? String(value));
    if (text.length > 160 && typeof value !== 'string') text = JSON.stringify(value, replacer, 1) ?? text;
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A command or observation in a line: its `type` (or `kind`) first, then its other fields as
 * key=value, slot ranges as "377-385": `reshard range=377-385 source=s1 target=s3`.
 */
export function brief(value: unknown, max = 120): string {
  const one = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return shortNumber(v);
    if (typeof v !== 'object' || v === null) return String(v);
    const r = v as { start?: unknown; end?: unknown };
    if (typeof r.start === 'number' && typeof r.end === 'number' && Object.keys(v).length === 2) return r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`;
    return JSON.stringify(v);
  };
  let text: string;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const head = typeof o.type === 'string' ? o.type : typeof o.kind === 'string' ? o.kind : null;
    const rest = Object.entries(o).filter(([k]) => !(head !== null && (k === 'type' || k === 'kind') && o[k] === head));
    text = [head, ...rest.map(([k, v]) => `${k}=${one(v)}`)].filter((x) => x !== null).join(' ');
  } else text = one(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A number for a person: integers as they are, others to at most 3 decimals (2395.456480533816 -> 2395.456). */
export function shortNumber(n: number): string {
  return Number.isInteger(n) || !Number.isFinite(n) ? String(n) : String(Math.round(n * 1000) / 1000);
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

/** A number with one decimal, for SVG coordinates. */
export const n1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** 1, 2 or 5 times a power of ten, at least `rough`: tick spacing. */
export function niceStep(rough: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(rough, 1e-6)));
  for (const m of [1, 2, 5, 10]) if (m * p >= rough) return m * p;
  return 10 * p;
}

/** A tick's label, with as many decimals as the spacing needs. */
export function tickLabel(t: number, step: number): string {
  if (step >= 1000) return `${+(t / 1000).toFixed(3)}s`;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / 1000) - 1e-9));
  return `${(t / 1000).toFixed(decimals)}s`;
}

const ROLE_COLOURS: Readonly<Record<string, string>> = {
  leader: '#f0a202',
  primary: '#f0a202',
  'active controller': '#f0a202',
  follower: '#8fbcdb',
  replica: '#8fbcdb',
  broker: '#8fbcdb',
  member: '#9fd3a6',
  candidate: '#c77dba',
  precandidate: '#e2c2dc',
  operator: '#d9c8a9',
  leaving: '#e5c494',
  left: '#b3b3b3',
  fenced: '#e06666',
  dead: '#9e9e9e',
  down: '#9e9e9e',
};
const EXTRA_COLOURS = ['#a6d854', '#66c2a5', '#fc8d62', '#e5c494', '#80b1d3', '#fdb462', '#bebada', '#ccebc5'];

function hashed(text: string, palette: readonly string[]): string {
  let h = 0;
  for (let k = 0; k < text.length; k++) h = (h * 31 + text.charCodeAt(k)) >>> 0;
  return palette[h % palette.length]!;
}

export function roleColour(role: string): string {
  return ROLE_COLOURS[role.toLowerCase()] ?? (role.startsWith('primary') ? ROLE_COLOURS.primary! : hashed(role, EXTRA_COLOURS));
}

const TONE_COLOURS: Readonly<Record<string, string>> = { ok: '#b7e1b0', warn: '#ffd27a', bad: '#f4a3a3', muted: '#e4e8ec' };
const FACT_COLOURS = ['#dbe9f6', '#e8e0f3', '#e0f0e8', '#f6e6d6', '#e6eef0', '#f3e3ea'];

/** A fact band's colour: its tone's, or one picked by its value, so a change of value changes colour. */
export function factColour(value: string, tone: string | undefined): string {
  return (tone === undefined ? undefined : TONE_COLOURS[tone]) ?? hashed(value, FACT_COLOURS);
}

export const PEER_COLOURS: Readonly<Record<string, string>> = { alive: '#cfe8cf', suspect: '#ffcf70', dead: '#e55c5c', left: '#b9b9b9' };
