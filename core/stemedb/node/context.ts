/**
 * The step context every rule of a stemedb node works on: what the protocol object fixes for all
 * its nodes (the configuration, the initial layout, the nested SWIM member), the state one step
 * mutates and the effects it emits, in order. Also the emitters (persist before announce), the
 * node's view of the meta-range, and the SWIM step with its dead events.
 */
import type { Effect, Env, Input, NodeId } from '../../contract/protocol.ts';
import type { SwimCommand, SwimObservation, SwimTimer } from '../../swim/index.ts';
import { mergeMeta, type RangeDesc } from '../descriptor.ts';
import { applyDeadEvents, deadEvents, TIMER_PREFIX, type SwimMember } from '../membership.ts';
import type { NodeReply, OwnedRange, RangeData, StemeConfig, StemeMessage, StemeNodeState, StemeObservation } from '../types.ts';

export const NODE_FILE = 'node';
export const COPIES_FILE = 'copies';
export const TICK_TIMER = `${TIMER_PREFIX}tick` as const;
/** The node's own timer; SWIM's keep their own names. */
export type NodeTimer = typeof TICK_TIMER;
export type NodeTimers = NodeTimer | SwimTimer;

export type Msg = StemeMessage | Uint8Array;
export type Obs = StemeObservation | SwimObservation;
export type Eff = Effect<Msg, NodeReply, Obs, NodeTimers>;

/** What one protocol object fixes for every node. */
export interface NodeSetup {
  readonly config: StemeConfig;
  /** The ranges at boot: every node starts the meta-range from it, and a fresh disk owns its share. */
  readonly layout: readonly RangeDesc[];
  /** The 'merge-by-timestamp' bug: gossip merges descriptors by timestamp instead of version. */
  readonly byTimestamp: boolean;
  readonly member: SwimMember<StemeMessage, StemeObservation>;
}

/** One step in progress: the state it mutates and the effects it emits, in order. */
export interface Step extends NodeSetup {
  readonly s: StemeNodeState;
  readonly env: Env;
  readonly fx: Eff[];
}

export function rangeSize(data: RangeData): number {
  let total = 0;
  for (const key of Object.keys(data)) total += data[key]!.sizeBytes;
  return total;
}

// ---------------------------------------------------------------------------------------------
// Effects

export function persistNode(c: Step): void {
  const s = c.s;
  c.fx.push({ type: 'persist', write: { op: 'overwrite', file: NODE_FILE, records: [JSON.stringify({ owned: s.owned, highWater: s.highWater, nextRangeSeq: s.nextRangeSeq, tombstones: s.tombstones })] } });
}

export function persistCopies(c: Step): void {
  c.fx.push({ type: 'persist', write: { op: 'overwrite', file: COPIES_FILE, records: [JSON.stringify(c.s.copies)] } });
}

export function observe(c: Step, o: StemeObservation): void {
  c.fx.push({ type: 'observe', observation: o });
}

/** Counts a rare branch taken (a coverage event, outside the trace). */
export function cover(c: Step, event: string): void {
  c.fx.push({ type: 'cover', event: `stemedb/${event}` });
}

export function send(c: Step, to: NodeId, message: StemeMessage): void {
  c.fx.push({ type: 'send', to, message });
}

/** One input through the SWIM member; the peers it declares dead or alive again change our dead set. */
export function withSwim(c: Step, input: Input<Uint8Array, SwimCommand, SwimTimer>): void {
  const out = c.member.step(c.s.swim, input, c.env, c.fx);
  c.s.swim = out.state;
  for (const e of applyDeadEvents(c.s.dead, deadEvents(out.observations))) observe(c, { type: 'declared', peer: e.peer, status: e.status });
}

// ---------------------------------------------------------------------------------------------
// Small lookups and bookkeeping

/** An owned range whose replicas need a fresh copy at the next tick. */
export function markDirty(c: Step, id: string): void {
  if (!c.s.dirty.includes(id)) {
    c.s.dirty.push(id);
    c.s.dirty.sort();
  }
}

export function raiseHighWater(s: StemeNodeState, id: string, version: number): void {
  s.highWater[id] = Math.max(s.highWater[id] ?? 0, version);
}

/** The owner's own descriptors (and its tombstones) are authoritative in its meta-range, whatever gossip said. */
export function injectOwned(s: StemeNodeState): void {
  mergeMeta(s.meta, Object.values(s.tombstones), false);
  for (const id of Object.keys(s.owned).sort()) {
    const r = s.owned[id]!;
    if (!r.handedOff && r.moving === null) s.meta[id] = r.desc;
  }
}

export const peers = (c: Step): NodeId[] => c.config.nodes.filter((n) => n !== c.s.self);
export const isDead = (s: StemeNodeState, peer: NodeId): boolean => s.dead[peer] === true;
/** Owned, not moving, not handed off: a range its owner may split, merge or hand off. */
export const isStable = (r: OwnedRange | undefined): r is OwnedRange => r !== undefined && r.moving === null && !r.handedOff;
/** Whether the owner serves the range (the 'serve-after-handoff' bug serves a handed-off one too). */
export const serving = (c: Step, r: OwnedRange): boolean => (r.moving === null && !r.handedOff) || c.config.bug === 'serve-after-handoff';
