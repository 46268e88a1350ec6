/**
 * How a violation came about, computed from the trace: happens-before between steps (a node's
 * steps in order, and a message's send before its delivery), the causal past of the violating
 * event, and from it a short story.
 *
 * The story is a projection of happens-before onto the steps that matter: a node's lanes changed
 * (a new role, term, slot range, view of a peer), a command or a fault reached it, or a checker
 * named it (a culprit). From each of these, working back from the violation, the story follows
 * the message that triggered the step back to its send, and from there on through the relaying
 * steps (each triggered by a message of its own) until it meets a step that matters: that is the
 * cause, and the messages in between are the chain drawn highlighted. A step triggered by a timer
 * is explained by the same node's previous step that matters. The node's previous step that
 * matters is added as context too, closer causes first, up to `MAX_EVENTS`.
 */
import type { LaneView, NodeId } from '../core/contract/protocol.ts';
import type { Culprit } from '../sim/scenario.ts';
import type { Violation } from '../sim/kernel.ts';
import type { LaneSample } from './replay.ts';
import { WORLD, type Model, type Step } from './model.ts';

export const MAX_EVENTS = 12;
/** Culprits the story tells one by one (the rest are marked in the diagram and counted). */
export const MAX_CULPRITS_TOLD = 5;
const MAX_HOPS = 16;

export type StoryKind = 'violation' | 'culprit' | 'change' | 'command' | 'restart' | 'crash' | 'pause' | 'observation';

export interface StoryEvent {
  readonly step: number;
  readonly node: NodeId;
  readonly t: number;
  readonly kinds: readonly StoryKind[];
  /** The step (a story event's) that caused it, and the messages that carried the cause, oldest first. */
  readonly cause: number | null;
  readonly via: readonly number[];
  /** Culprit texts of this step, from the checker. */
  readonly culprits: readonly string[];
}

export interface Story {
  /** In event order. */
  readonly events: readonly StoryEvent[];
  readonly violationStep: number | null;
  /** Steps the checker named, every one (the story tells the first few). */
  readonly culpritSteps: readonly number[];
  /** Messages on the story's chains. */
  readonly chain: ReadonlySet<number>;
  /** Per step: 1 when it is in the causal past of the violation (or of a culprit). All 1 without either. */
  readonly past: Uint8Array;
  /** Nodes of the story, the violation's and the culprits' first. */
  readonly involved: readonly NodeId[];
}

/** A node's lanes before and after a step, where the step changed them. */
export interface LaneChange {
  readonly before: LaneView | null;
  readonly after: LaneView | null;
}

export function laneChanges(samples: readonly LaneSample[]): Map<string, LaneChange> {
  const out = new Map<string, LaneChange>();
  const last = new Map<NodeId, LaneView | null>();
  for (const s of samples) {
    const before = last.get(s.node) ?? null;
    last.set(s.node, s.view);
    if (s.i === 0 && s.t === 0) continue; // a boot is where lanes begin, not a change
    out.set(`${s.i}/${s.node}`, { before, after: s.view });
  }
  return out;
}

/** The culprits a violation's evidence names (`{ culprits: Culprit[] }`), or none. */
export function culpritsOf(v: Violation): Culprit[] {
  const e = v.evidence as { culprits?: unknown } | undefined;
  if (typeof e !== 'object' || e === null || !Array.isArray(e.culprits)) return [];
  return e.culprits.filter((c): c is Culprit => typeof c === 'object' && c !== null && typeof (c as Culprit).node === 'string' && typeof (c as Culprit).eventIndex === 'number');
}

interface Inputs {
  readonly model: Model;
  readonly violationStep: Step | null;
  readonly violation: Violation | null;
  readonly culprits: readonly Culprit[];
  readonly changes: ReadonlyMap<string, LaneChange>;
  /**
   * Whether an observation matters to the story: those of nodes whose protocol declares no lanes
   * (what they observe is all the page knows of them), except client operations (drawn apart).
   */
  readonly notable: (node: NodeId, observation: unknown) => boolean;
}

export function buildStory(x: Inputs): Story {
  const { model } = x;
  const steps = model.steps;
  const n = steps.length;
  // Happens-before, backwards: each step's previous step on its node, and the send of its message.
  const prev = new Int32Array(n).fill(-1);
  const lastOf = new Map<NodeId, number>();
  for (const s of steps) {
    if (s.node === WORLD) continue;
    prev[s.id] = lastOf.get(s.node) ?? -1;
    lastOf.set(s.node, s.id);
  }
  const sendOf = (s: Step): number => (s.trigger.kind === 'deliver' ? (model.sendStep.get(s.trigger.msg) ?? -1) : -1);

  const culpritSteps: number[] = [];
  const culpritText = new Map<number, string[]>();
  for (const c of x.culprits) {
    const id = model.stepAt.get(`${c.eventIndex}/${c.node}`);
    if (id === undefined) continue;
    if (!culpritText.has(id)) culpritSteps.push(id);
    culpritText.set(id, [...(culpritText.get(id) ?? []), c.what]);
  }
  culpritSteps.sort((a, b) => a - b);
  const vStep = x.violationStep?.id ?? null;

  const kindsOf = (s: Step): StoryKind[] => {
    const kinds: StoryKind[] = [];
    if (s.id === vStep) kinds.push('violation');
    if (culpritText.has(s.id)) kinds.push('culprit');
    if (s.trigger.kind === 'command') kinds.push('command');
    if (s.trigger.kind === 'restart' || s.trigger.kind === 'crash' || s.trigger.kind === 'pause') kinds.push(s.trigger.kind);
    if (x.changes.has(`${s.i}/${s.node}`)) kinds.push('change');
    else if (s.node !== WORLD && s.entries.some((e) => e.kind === 'observe' && x.notable(s.node, e.detail))) kinds.push('observation');
    return kinds;
  };
  const matters = (id: number): boolean => kindsOf(steps[id]!).length > 0;
  const previousThatMatters = (id: number): number => {
    for (let p = prev[id]!; p >= 0; p = prev[p]!) if (matters(p)) return p;
    return -1;
  };
  /** The nearest step that matters behind this one's trigger, and the messages in between (oldest first). */
  const explain = (id: number): { cause: number; via: number[] } | null => {
    const via: number[] = [];
    let cur = steps[id]!;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (cur.trigger.kind !== 'deliver') {
        const p = cur.id === id ? previousThatMatters(id) : matters(cur.id) ? cur.id : previousThatMatters(cur.id);
        return p < 0 ? null : { cause: p, via: via.reverse() };
      }
      via.push(cur.trigger.msg);
      const p = sendOf(cur);
      if (p < 0) return null;
      if (matters(p)) return { cause: p, via: via.reverse() };
      cur = steps[p]!;
    }
    return null;
  };

  const known = new Set(model.steps.map((s) => s.node));
  const named = [...new Set([...(x.violation?.message ?? '').matchAll(/[A-Za-z][\w-]*\d/g)].map((m) => m[0]).filter((id) => known.has(id)))];
  const sinks = [...(vStep === null ? [] : [vStep]), ...culpritSteps.slice(0, MAX_CULPRITS_TOLD)];
  // Judged at the end with no culprit named: the story starts from the last step that mattered at each node the message names.
  const lastMattering = (node: NodeId): number => {
    for (let id = n - 1; id >= 0; id--) if (steps[id]!.node === node && matters(id)) return id;
    return -1;
  };
  if (sinks.length === 0) for (const id of named.map(lastMattering).filter((id) => id >= 0).sort((a, b) => b - a)) sinks.push(id);
  const chosen = new Map<number, { cause: number | null; via: number[] }>();
  // Closer causes first: a frontier ordered by priority (0: a sink, 1: a cause, 2: context), then latest first.
  const frontier: { id: number; rank: number }[] = sinks.map((id) => ({ id, rank: 0 }));
  while (frontier.length > 0 && chosen.size < MAX_EVENTS) {
    frontier.sort((a, b) => a.rank - b.rank || b.id - a.id);
    const { id } = frontier.shift()!;
    if (chosen.has(id)) continue;
    const why = explain(id);
    chosen.set(id, { cause: why?.cause ?? null, via: why?.via ?? [] });
    if (why !== null && !chosen.has(why.cause)) frontier.push({ id: why.cause, rank: 1 });
    const before = previousThatMatters(id);
    if (before >= 0 && !chosen.has(before) && before !== why?.cause) frontier.push({ id: before, rank: 2 });
  }

  const past = new Uint8Array(n);
  if (sinks.length === 0) past.fill(1);
  const stack = [...sinks, ...culpritSteps];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (past[id] === 1) continue;
    past[id] = 1;
    if (prev[id]! >= 0) stack.push(prev[id]!);
    const send = sendOf(steps[id]!);
    if (send >= 0) stack.push(send);
  }

  const events: StoryEvent[] = [...chosen.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, why]) => {
      const s = steps[id]!;
      return { step: id, node: s.node, t: s.t, kinds: kindsOf(s), cause: why.cause, via: why.via, culprits: culpritText.get(id) ?? [] };
    });
  const chain = new Set(events.flatMap((e) => e.via));
  const involved: NodeId[] = [];
  const add = (id: NodeId) => {
    if (id !== WORLD && !involved.includes(id)) involved.push(id);
  };
  if (x.violationStep) add(x.violationStep.node);
  for (const id of culpritSteps) add(steps[id]!.node);
  for (const e of [...events].reverse()) add(e.node);
  for (const a of model.arrows) if (chain.has(a.msg)) (add(a.from), add(a.to));
  for (const id of named) add(id);
  return { events, violationStep: vStep, culpritSteps, chain, past, involved };
}
