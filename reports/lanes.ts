/**
 * The state lanes under each node: bands of what the node's protocol declares (`Protocol.lanes`:
 * role and term or epoch, slot ownership, MIGRATING/IMPORTING, a lease, an ISR, ...), and under
 * each member of a failure detector, how every other member saw it ("seen as": alive, suspect,
 * dead). A protocol that declares no lanes may still draw its role by observing
 * `{ role, term | epoch }` (the documented convention); nothing else is read from observations.
 *
 * Bands are kept in both coordinates the diagram uses: virtual time and step (event order).
 */
import type { LaneView, NodeId, PeerStatus } from '../core/contract/protocol.ts';
import type { TraceEntry } from '../sim/trace.ts';
import type { Model } from './model.ts';
import type { LaneSample } from './replay.ts';
import { factColour, PEER_COLOURS, roleColour } from './text.ts';

export interface Band {
  readonly from: number;
  readonly fromStep: number;
  to: number | null;
  toStep: number | null;
  readonly label: string;
  readonly colour: string;
  readonly tip: string;
}

export interface LaneRow {
  /** 'role', a fact's name, or 'seen as'. */
  readonly name: string;
  readonly bands: Band[];
}

/**
 * A role observation, the convention for protocols without `Protocol.lanes`: `{ role: 'leader', term: 7 }`,
 * or a transition named `becameX` in `kind` or `type` (`{ kind: 'becameLeader', term: 7 }`).
 */
export function observedRole(detail: unknown): { role: string; term: number | null; termLabel: 't' | 'e' } | null {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return null;
  const d = detail as Record<string, unknown>;
  const named = [d.kind, d.type].find((k): k is string => typeof k === 'string' && /^became[A-Z]\w*$/.test(k));
  const role = typeof d.role === 'string' && d.role.length > 0 ? d.role : named === undefined ? null : named.slice('became'.length).toLowerCase();
  if (role === null) return null;
  if (typeof d.term === 'number' && Number.isFinite(d.term)) return { role, term: d.term, termLabel: 't' };
  if (typeof d.epoch === 'number' && Number.isFinite(d.epoch)) return { role, term: d.epoch, termLabel: 'e' };
  return { role, term: null, termLabel: 't' };
}

const EPOCH_MARK: Readonly<Record<string, string>> = { term: 't', epoch: 'e', incarnation: 'i' };

/** "leader t7", "primary e3", "member i2". */
export function roleLabel(view: LaneView): string | null {
  if (view.role === undefined) return null;
  const e = view.epoch;
  return e === undefined ? view.role : `${view.role} ${EPOCH_MARK[e.name] ?? `${e.name} `}${e.value}`;
}

const PEER_RANK: Readonly<Record<PeerStatus, number>> = { alive: 0, left: 1, suspect: 2, dead: 3 };

class RowBuilder {
  readonly row: LaneRow;
  private open: Band | null = null;
  constructor(name: string) {
    this.row = { name, bands: [] };
  }
  set(label: string, colour: string, tip: string, t: number, step: number): void {
    if (this.open !== null && this.open.label === label && this.open.colour === colour) return;
    this.close(t, step);
    if (label === '') return;
    this.open = { from: t, fromStep: step, to: null, toStep: null, label, colour, tip };
    this.row.bands.push(this.open);
  }
  close(t: number, step: number): void {
    if (this.open === null) return;
    this.open.to = t;
    this.open.toStep = step;
    this.open = null;
  }
}

/**
 * Rows per node, from the samples of a replay (or, for nodes without lanes, role observations).
 * Every row is kept; the diagram shows the ones that say something in its window.
 */
export function buildLanes(model: Model, samples: readonly LaneSample[], trace: readonly TraceEntry[], declares: (node: NodeId) => boolean): Map<NodeId, LaneRow[]> {
  const rows = new Map<NodeId, Map<string, RowBuilder>>();
  const row = (node: NodeId, name: string): RowBuilder => {
    let m = rows.get(node);
    if (m === undefined) rows.set(node, (m = new Map()));
    let r = m.get(name);
    if (r === undefined) m.set(name, (r = new RowBuilder(name)));
    return r;
  };
  const stepOf = (i: number, node: NodeId) => model.stepAt.get(`${i}/${node}`) ?? (i === 0 ? 0 : lastStepBefore(model, i));
  // Who sees whom how: subject -> observer -> status.
  const seen = new Map<NodeId, Map<NodeId, PeerStatus>>();
  const seenDirty = new Set<NodeId>();
  const flushSeen = (t: number, step: number) => {
    for (const subject of [...seenDirty].sort()) {
      const views = seen.get(subject)!;
      const by: Record<PeerStatus, NodeId[]> = { alive: [], suspect: [], dead: [], left: [] };
      for (const [observer, status] of [...views.entries()].sort()) by[status].push(observer);
      const worst = (Object.keys(by) as PeerStatus[]).filter((s) => by[s].length > 0).sort((a, b) => PEER_RANK[b] - PEER_RANK[a])[0];
      const bad = (['dead', 'suspect', 'left'] as const).filter((s) => by[s].length > 0).map((s) => `${s} to ${by[s].join(',')}`);
      const label = views.size === 0 ? '' : bad.length === 0 ? `alive to all ${views.size}` : bad.join(' · ');
      const tip = `how the others see ${subject}:\n${(Object.keys(by) as PeerStatus[]).filter((s) => by[s].length > 0).map((s) => `  ${s}: ${by[s].join(', ')}`).join('\n')}`;
      row(subject, 'seen as').set(label, PEER_COLOURS[worst ?? 'alive']!, tip, t, step);
    }
    seenDirty.clear();
  };
  for (const s of samples) {
    const step = stepOf(s.i, s.node);
    const v = s.view;
    if (v === null) {
      for (const r of rows.get(s.node)?.values() ?? []) r.close(s.t, step);
      for (const [subject, views] of seen) if (views.delete(s.node)) seenDirty.add(subject);
      flushSeen(s.t, step);
      continue;
    }
    const role = roleLabel(v);
    if (role !== null) row(s.node, 'role').set(role, roleColour(v.role!), `${s.node}: ${role}`, s.t, step);
    for (const f of v.facts ?? []) row(s.node, f.name).set(f.value, factColour(f.value, f.tone), `${s.node} ${f.name}: ${f.value}`, s.t, step);
    for (const [peer, status] of Object.entries(v.peers ?? {})) {
      if (peer === s.node) continue;
      let views = seen.get(peer);
      if (views === undefined) seen.set(peer, (views = new Map()));
      if (views.get(s.node) !== status) {
        views.set(s.node, status);
        seenDirty.add(peer);
      }
    }
    flushSeen(s.t, step);
  }
  // Role observations, for nodes whose protocol declares no lanes; a crash ends the band.
  for (const e of trace) {
    if (e.node === null || declares(e.node)) continue;
    const step = model.stepAt.get(`${e.i}/${e.node}`) ?? 0;
    if (e.kind === 'crash') rows.get(e.node)?.get('role')?.close(e.t, step);
    if (e.kind !== 'observe') continue;
    const r = observedRole(e.detail);
    if (r === null) continue;
    const label = r.term === null ? r.role : `${r.role} ${r.termLabel}${r.term}`;
    row(e.node, 'role').set(label, roleColour(r.role), `${e.node}: ${label}`, e.t, step);
  }
  const out = new Map<NodeId, LaneRow[]>();
  for (const [node, m] of rows) out.set(node, [...m.values()].map((b) => b.row).sort((a, b) => rowRank(a.name) - rowRank(b.name)));
  return out;
}

/** The role first, "seen as" last, facts in between in the order they were declared. */
function rowRank(name: string): number {
  return name === 'role' ? 0 : name === 'seen as' ? 2 : 1;
}

function lastStepBefore(model: Model, i: number): number {
  let lo = 0;
  let hi = model.steps.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (model.steps[mid]!.i < i) (found = mid), (lo = mid + 1);
    else hi = mid - 1;
  }
  return found;
}
