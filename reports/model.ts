/**
 * What the trace says happened, as the page draws it: steps (one node handling one event, or the
 * world changing), messages from their send to their delivery or loss, and the spans of crashes,
 * pauses, partitions and one-way blocks.
 *
 * A step is the trace entries of one event made by one actor: the node that handled it (a delivery,
 * a timer, a command, a restart, and the effects that followed), or '*' for the world (a partition,
 * a heal, the end). A message lost at its send is the sender's step's, though the trace files its
 * drop under the receiver. Steps are numbered in trace order: that is the page's event order, the
 * axis of an explorer counterexample.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Violation } from '../sim/kernel.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { formatMs } from '../sim/faults.ts';
import { compareNodeIds } from './text.ts';

export const WORLD = '*';

export type Trigger =
  | { readonly kind: 'deliver'; readonly msg: number; readonly from: NodeId }
  | { readonly kind: 'timer'; readonly name: string }
  | { readonly kind: 'command'; readonly detail: unknown }
  | { readonly kind: 'restart' | 'crash' | 'pause' | 'resume' | 'boot' | 'lost' | 'world' };

export interface Step {
  /** Its place in the event order (0, 1, ...). */
  readonly id: number;
  readonly i: number;
  readonly t: number;
  readonly node: NodeId;
  readonly trigger: Trigger;
  readonly entries: TraceEntry[];
}

export type Outcome = 'delivered' | 'duplicate' | 'dropped' | 'inflight' | 'undelivered';

export interface Arrow {
  readonly msg: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly sentAt: number;
  /** Delivery or drop time; for a message still in flight, the end of the trace. */
  readonly endAt: number;
  readonly outcome: Outcome;
  readonly reason: string | null;
  readonly detail: unknown;
  readonly sendStep: number;
  /** The step that delivered it (or lost it); for one in flight, the last step. */
  readonly endStep: number;
}

export interface NodeSpan {
  readonly node: NodeId;
  readonly from: number;
  to: number | null;
  readonly label: string;
  readonly fromStep: number;
  toStep: number | null;
}

export interface Block {
  readonly kind: 'partition' | 'oneway';
  readonly from: number;
  to: number | null;
  readonly label: string;
  /** The group index of each node (partition: its side; oneway: 0 = from, 1 = to). */
  readonly sides: ReadonlyMap<NodeId, number>;
  readonly fromStep: number;
  toStep: number | null;
}

export interface Model {
  readonly steps: readonly Step[];
  readonly arrows: readonly Arrow[];
  readonly crashes: readonly NodeSpan[];
  readonly pauses: readonly NodeSpan[];
  readonly blocks: readonly Block[];
  readonly endMs: number;
  /** Step id of each (event index, node): `${i}/${node}`. */
  readonly stepAt: ReadonlyMap<string, number>;
  /** The step that sent each message. */
  readonly sendStep: ReadonlyMap<number, number>;
}

/** A message lost at its send in a directed run (an explorer counterexample ends before it arrives). */
export const UNDELIVERED = 'not delivered (directed run)';

function triggerOf(e: TraceEntry): Trigger | null {
  switch (e.kind) {
    case 'deliver':
      return { kind: 'deliver', msg: e.msg ?? -1, from: e.peer ?? '?' };
    case 'timer':
      return { kind: 'timer', name: String(e.detail) };
    case 'command':
      return { kind: 'command', detail: e.detail };
    case 'restart':
    case 'crash':
    case 'pause':
    case 'resume':
      return { kind: e.kind };
    case 'drop':
      return { kind: 'lost' };
    default:
      return null;
  }
}

function groupsOf(detail: unknown): string[][] {
  if (!Array.isArray(detail)) return [];
  return detail.filter((g): g is unknown[] => Array.isArray(g)).map((g) => g.filter((x): x is string => typeof x === 'string'));
}

export function buildModel(trace: readonly TraceEntry[]): Model {
  const steps: Step[] = [];
  const stepAt = new Map<string, number>();
  const sendStep = new Map<number, number>();
  const sendEntry = new Map<number, TraceEntry>();
  let endMs = 0;
  for (const e of trace) {
    endMs = Math.max(endMs, e.t);
    const atSend = (e.kind === 'drop' || e.kind === 'duplicate') && e.msg !== undefined && sendEntry.get(e.msg)?.i === e.i;
    const actor = atSend ? sendEntry.get(e.msg!)!.node ?? WORLD : e.node ?? WORLD;
    const key = `${e.i}/${actor}`;
    let id = stepAt.get(key);
    if (id === undefined) {
      id = steps.length;
      const trigger = actor === WORLD ? { kind: 'world' as const } : atSend ? { kind: 'boot' as const } : (triggerOf(e) ?? { kind: 'boot' as const });
      steps.push({ id, i: e.i, t: e.t, node: actor, trigger, entries: [] });
      stepAt.set(key, id);
    }
    steps[id]!.entries.push(e);
    if (e.kind === 'send' && e.msg !== undefined) {
      sendStep.set(e.msg, id);
      sendEntry.set(e.msg, e);
    }
  }
  const spans = buildSpans(trace, stepAt);
  return { steps, arrows: buildArrows(trace, stepAt, sendStep, sendEntry), ...spans, endMs, stepAt, sendStep };
}

function buildArrows(trace: readonly TraceEntry[], stepAt: ReadonlyMap<string, number>, sendStep: ReadonlyMap<number, number>, sends: ReadonlyMap<number, TraceEntry>): Arrow[] {
  const outcomes = new Map<number, number>();
  const duplicated = new Set<number>();
  const arrows: Arrow[] = [];
  let lastT = 0;
  let lastStep = 0;
  for (const e of trace) {
    lastT = Math.max(lastT, e.t);
    if (e.msg === undefined) continue;
    if (e.kind === 'duplicate') duplicated.add(e.msg);
    if (e.kind !== 'deliver' && e.kind !== 'drop') continue;
    const seen = outcomes.get(e.msg) ?? 0;
    outcomes.set(e.msg, seen + 1);
    const send = sends.get(e.msg);
    if (!send || e.node === null || send.node === null) continue;
    const isDrop = e.kind === 'drop';
    const reason = isDrop ? (typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)) : null;
    const endStep = stepAt.get(`${e.i}/${isDrop && send.i === e.i ? send.node : e.node}`) ?? 0;
    arrows.push({
      msg: e.msg,
      from: send.node,
      to: e.node,
      sentAt: send.t,
      endAt: e.t,
      outcome: reason === UNDELIVERED ? 'undelivered' : isDrop ? 'dropped' : seen > 0 && duplicated.has(e.msg) ? 'duplicate' : 'delivered',
      reason,
      detail: send.detail,
      sendStep: sendStep.get(e.msg) ?? 0,
      endStep,
    });
  }
  for (const id of stepAt.values()) lastStep = Math.max(lastStep, id);
  for (const [msg, send] of sends) {
    const expected = duplicated.has(msg) ? 2 : 1;
    if ((outcomes.get(msg) ?? 0) >= expected || send.node === null || send.peer === undefined) continue;
    arrows.push({ msg, from: send.node, to: send.peer, sentAt: send.t, endAt: Math.max(send.t, lastT), outcome: 'inflight', reason: null, detail: send.detail, sendStep: sendStep.get(msg) ?? 0, endStep: lastStep });
  }
  arrows.sort((a, b) => a.endAt - b.endAt || a.endStep - b.endStep || a.msg - b.msg);
  return arrows;
}

function buildSpans(trace: readonly TraceEntry[], stepAt: ReadonlyMap<string, number>): Pick<Model, 'crashes' | 'pauses' | 'blocks'> {
  const crashes: NodeSpan[] = [];
  const pauses: NodeSpan[] = [];
  const blocks: Block[] = [];
  const down = new Map<NodeId, NodeSpan>();
  const paused = new Map<NodeId, NodeSpan>();
  let partition: Block | null = null;
  let oneways: Block[] = [];
  const stepOf = (e: TraceEntry) => stepAt.get(`${e.i}/${e.node ?? WORLD}`) ?? 0;
  const end = (span: { to: number | null; toStep: number | null }, e: TraceEntry) => {
    span.to = e.t;
    span.toStep = stepOf(e);
  };
  for (const e of trace) {
    const node = e.node;
    switch (e.kind) {
      case 'crash':
        if (node === null) break;
        if (paused.has(node)) end(paused.get(node)!, e), paused.delete(node);
        if (!down.has(node)) {
          const span: NodeSpan = { node, from: e.t, to: null, label: 'down', fromStep: stepOf(e), toStep: null };
          crashes.push(span);
          down.set(node, span);
        }
        break;
      case 'restart':
        if (node !== null && down.has(node)) end(down.get(node)!, e), down.delete(node);
        break;
      case 'pause':
        if (node === null || paused.has(node)) break;
        {
          const span: NodeSpan = { node, from: e.t, to: null, label: `paused${typeof e.detail === 'number' ? ` for ${formatMs(e.detail)}` : ''}`, fromStep: stepOf(e), toStep: null };
          pauses.push(span);
          paused.set(node, span);
        }
        break;
      case 'resume':
        if (node !== null && paused.has(node)) end(paused.get(node)!, e), paused.delete(node);
        break;
      case 'partition': {
        if (partition) end(partition, e);
        const groups = groupsOf(e.detail);
        const sides = new Map<NodeId, number>();
        groups.forEach((g, gi) => g.forEach((id) => sides.set(id, gi)));
        partition = { kind: 'partition', from: e.t, to: null, label: `partition ${groups.map((g) => `{${[...g].sort(compareNodeIds).join(',')}}`).join(' | ')}`, sides, fromStep: stepOf(e), toStep: null };
        blocks.push(partition);
        break;
      }
      case 'oneway': {
        const d = (e.detail ?? {}) as { from?: unknown; to?: unknown };
        const from = Array.isArray(d.from) ? d.from.filter((x): x is string => typeof x === 'string') : [];
        const to = Array.isArray(d.to) ? d.to.filter((x): x is string => typeof x === 'string') : [];
        const sides = new Map<NodeId, number>();
        for (const id of to) sides.set(id, 1);
        for (const id of from) sides.set(id, 0);
        const block: Block = { kind: 'oneway', from: e.t, to: null, label: `oneway ${from.join(',')} ↛ ${to.join(',')}`, sides, fromStep: stepOf(e), toStep: null };
        oneways.push(block);
        blocks.push(block);
        break;
      }
      case 'heal':
      case 'phase':
        if (e.kind === 'phase' && e.detail !== 'heal') break;
        if (partition) end(partition, e);
        partition = null;
        for (const b of oneways) end(b, e);
        oneways = [];
        break;
      default:
        break;
    }
  }
  return { crashes, pauses, blocks };
}

/**
 * The step the violation was seen in. A checker that fires inside a step (an observation, a reply)
 * reports that event's index; one that fires after an event (`afterEvent`) or at the end reports
 * the next one. Null when the violation was judged at the end of the run (the world's 'end' step):
 * no single event broke it, and the checker's culprits tell the story.
 */
export function violatingStep(model: Model, v: Violation): Step | null {
  const last = (i: number): Step | null => {
    let found: Step | null = null;
    for (const s of model.steps) if (s.i === i) found = s;
    return found;
  };
  const s = last(v.eventIndex) ?? last(v.eventIndex - 1);
  if (s === null) return null;
  if (s.node === WORLD && s.entries.some((e) => e.kind === 'phase' && e.detail === 'end')) return null;
  return s;
}
