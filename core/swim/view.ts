/**
 * The membership view as stored: one number per universe index (UNKNOWN, or incarnation · 4 +
 * status), the count of live entries kept with it, and the list of members in probe order. Reads
 * are cheap and everywhere; `writeEntry` is the storage under the transitions of membership.ts
 * (other members' entries) and lives.ts (our own entry, and a fresh view for each life), which
 * decide whether a change is legal.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { Step } from './context.ts';
import { ALIVE, SUSPECT, UNKNOWN } from './types.ts';
import { UNBOUND } from './wire.ts';

/** ALIVE, SUSPECT, DEAD, LEFT, or UNKNOWN. */
export function statusAt(c: Step, i: number): number {
  const e = c.s.view[i]!;
  return e < 0 ? UNKNOWN : e & 3;
}

/** The incarnation the view holds, or -1 for unknown. */
export function incAt(c: Step, i: number): number {
  const e = c.s.view[i]!;
  return e < 0 ? -1 : (e - (e & 3)) / 4;
}

const isLive = (e: number) => e >= 0 && (e & 3) <= SUSPECT;

/** The incarnation to bind a message to `id` with: what we know of it, 0 for nothing, UNBOUND for a stranger. */
export function toIncarnationOf(c: Step, id: NodeId): number {
  const i = c.sw.indexOf.get(id);
  return i === undefined ? UNBOUND : Math.max(0, incAt(c, i));
}

/** The one place an entry is written, keeping `live` (the n of every formula) in step with the view. */
export function writeEntry(c: Step, i: number, incarnation: number, status: number): void {
  const s = c.s;
  const before = s.view[i]!;
  const after = incarnation * 4 + status;
  s.view[i] = after;
  s.live += (isLive(after) ? 1 : 0) - (isLive(before) ? 1 : 0);
}

/** Adds a newly known member to the probe list. */
export function addMember(c: Step, i: number): void {
  // memberlist: append, then swap into a random position so new members don't all probe last.
  const m = c.s.members;
  m.push(i);
  const at = c.env.rng.int(m.length);
  m[m.length - 1] = m[at]!;
  m[at] = i;
}

/** Fisher-Yates on the node's own stream. */
export function shuffle(c: Step, a: number[]): void {
  for (let k = a.length - 1; k > 0; k--) {
    const j = c.env.rng.int(k + 1);
    const t = a[k]!;
    a[k] = a[j]!;
    a[j] = t;
  }
}

/** Up to k distinct random alive members other than `exclude` (memberlist's kRandomNodes: 3n tries). */
export function randomAlive(c: Step, k: number, exclude: number): number[] {
  const m = c.s.members;
  const out: number[] = [];
  for (let tries = 0; tries < 3 * m.length && out.length < k; tries++) {
    const i = m[c.env.rng.int(m.length)]!;
    if (i === exclude || statusAt(c, i) !== ALIVE || out.includes(i)) continue;
    out.push(i);
  }
  return out;
}
