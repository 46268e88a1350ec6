/**
 * The run's trace: every event and effect goes through `note`, which folds it into a running
 * 64-bit hash (two murmur3-style 32-bit lanes) and, when recording is on, appends an entry.
 * The hash covers the same fields whether or not entries are recorded, so a sweep can run lean
 * and a report can re-run the seed with recording on and get the same hash.
 */
import type { NodeId } from '../core/contract/protocol.ts';

export type TraceKind =
  | 'send' | 'deliver' | 'drop' | 'duplicate' | 'timer' | 'command' | 'reply' | 'observe' | 'persist'
  | 'crash' | 'restart' | 'pause' | 'resume' | 'partition' | 'oneway' | 'heal' | 'network' | 'clock'
  | 'phase' | 'note' | 'forge';

/** Numeric codes of trace kinds: the hot paths of the kernel pass these, not strings. */
export const traceCode: Readonly<Record<TraceKind, number>> = {
  send: 1, deliver: 2, drop: 3, duplicate: 4, timer: 5, command: 6, reply: 7, observe: 8, persist: 9,
  crash: 10, restart: 11, pause: 12, resume: 13, partition: 14, oneway: 15, heal: 16, network: 17, clock: 18,
  phase: 19, note: 20, forge: 21,
};
const kindOfCode: TraceKind[] = [];
for (const [k, c] of Object.entries(traceCode)) kindOfCode[c] = k as TraceKind;

export interface TraceEntry {
  /** Index of the kernel event this entry belongs to. */
  readonly i: number;
  /** Virtual time in ms. */
  readonly t: number;
  readonly kind: TraceKind;
  readonly node: NodeId | null;
  /** The other end of a message (sender of a delivery, receiver of a send). */
  readonly peer?: NodeId;
  /** Message id: a send, its deliveries, duplicates and drops share it. */
  readonly msg?: number;
  /** The message, timer name, observation, write, fault, or drop reason. */
  readonly detail?: unknown;
}

export interface TraceRecording {
  /** Record entries of events with index in [fromEvent, toEvent). */
  readonly fromEvent: number;
  readonly toEvent: number;
  /** Keep at most this many entries: the last ones (a tail). */
  readonly capacity: number;
}

/** Distinct strings whose hashes `Trace.tag` remembers at once. */
const TAG_CACHE_MAX = 4096;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

// Bound once: `Math.imul` spelled out is a global load and a property load per use, which makes
// `mix` too big, in bytecode, for V8 to inline it everywhere the kernel hashes an event.
const imul = Math.imul;

function mix(h: number, v: number): number {
  v = imul(v, 0xcc9e2d51);
  v = (v << 15) | (v >>> 17);
  v = imul(v, 0x1b873593);
  h ^= v;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

/** A 32-bit hash of a string (FNV-1a), for tags and canonical state hashes. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class Trace {
  private h1 = 0x2545f491;
  private h2 = 0x9e3779b9 | 0;
  private readonly tagCache = new Map<string, number>();
  private readonly entries: TraceEntry[] = [];
  private dropped = 0;

  constructor(private readonly recording: TraceRecording | null) {}

  /** Folds a number into the hash (all 64 bits of the double, xor-folded to 32). */
  mixNumber(x: number): void {
    f64[0] = x;
    this.h1 = mix(this.h1, u32[0]! ^ u32[1]!);
  }

  mixInt(x: number): void {
    this.h1 = mix(this.h1, x);
    this.h2 = mix(this.h2, ~x);
  }

  mixString(s: string): void {
    this.mixInt(this.tag(s));
  }

  tag(s: string): number {
    let t = this.tagCache.get(s);
    if (t === undefined) {
      t = hashString(s);
      // A memo only (the hash is a function of the string): names made once each, a timer per
      // relay, must not fill it for the length of the run.
      if (this.tagCache.size >= TAG_CACHE_MAX) this.tagCache.clear();
      this.tagCache.set(s, t);
    }
    return t;
  }

  /** Hash of a detail's `type` (or `kind`) field when it has one: a cheap fingerprint of a message. */
  detailTag(detail: unknown): number {
    // Small enough to inline into every send: objects are looked at out of line.
    if (typeof detail === 'object') return detail === null ? 0 : this.objectTag(detail);
    return typeof detail === 'string' ? this.tag(detail) : 0;
  }

  private objectTag(detail: object): number {
    const d = detail as { type?: unknown; kind?: unknown };
    if (typeof d.type === 'string') return this.tag(d.type);
    if (typeof d.kind === 'string') return this.tag(d.kind);
    return 0;
  }

  note(i: number, t: number, code: number, node: number, peer: number, detail: unknown, names: readonly NodeId[], msg: number, tag: number): void {
    this.h1 = mix(this.h1, (code << 20) ^ ((node + 1) << 10) ^ (peer + 1));
    this.h2 = mix(this.h2, tag ^ msg);
    // Recording is out of line, so that this stays small enough to inline into the kernel's sends and deliveries.
    if (this.recording !== null) this.record(i, t, code, node, peer, detail, names, msg);
  }

  private record(i: number, t: number, code: number, node: number, peer: number, detail: unknown, names: readonly NodeId[], msg: number): void {
    const r = this.recording!;
    if (i < r.fromEvent || i >= r.toEvent) return;
    const entry: TraceEntry = {
      i,
      t,
      kind: kindOfCode[code]!,
      node: node >= 0 ? names[node]! : null,
      ...(peer >= 0 ? { peer: names[peer]! } : {}),
      ...(msg >= 0 ? { msg } : {}),
      ...(detail !== undefined ? { detail: readable(detail) } : {}),
    };
    this.entries.push(entry);
    if (this.entries.length > r.capacity * 2) {
      const cut = this.entries.length - r.capacity;
      this.entries.splice(0, cut);
      this.dropped += cut;
    }
  }

  /** The running hash as 16 hex digits. */
  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }

  recorded(): { entries: TraceEntry[]; omitted: number } {
    const cap = this.recording?.capacity ?? 0;
    const extra = Math.max(0, this.entries.length - cap);
    return { entries: this.entries.slice(extra), omitted: this.dropped + extra };
  }
}

/**
 * Binary messages as a person reads them: `{ bytes: 42, hex: '01a0ff…' }` instead of JSON's
 * `{"0":1,"1":160,...}`. Applied to recorded entries only (the hash never sees it), one level deep.
 */
function readable(detail: unknown): unknown {
  if (detail instanceof Uint8Array) return { bytes: detail.length, hex: Buffer.from(detail).toString('hex') };
  if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) {
    const o = detail as Record<string, unknown>;
    if (Object.values(o).some((v) => v instanceof Uint8Array)) {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) copy[k] = v instanceof Uint8Array ? readable(v) : v;
      return copy;
    }
  }
  return detail;
}

/**
 * A canonical JSON text: object keys sorted, so two equal states hash equally whatever order
 * their keys were written in. Used for the end-of-run state hash and by the explorer.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
