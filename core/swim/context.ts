/**
 * The step context: what every part of a SWIM member works on. One `Swim` per protocol object (the
 * config and what follows from it, shared by every node that runs it), one `Step` per step (the
 * state it mutates, the node's env, and the effects it emits in order). Every function of the
 * member takes a `Step` first, as core/raft's do.
 *
 * Also here: what every part emits (observations, the incarnation record, sealed messages), so that
 * their shape is written once.
 */
import type { KeyObject } from 'node:crypto';
import type { Effect, Env, NodeId, StepResult } from '../contract/protocol.ts';
import { clusterKey, seal } from './auth.ts';
import type { SwimBug, SwimConfig } from './config.ts';
import { applyAwareness, scaleByAwareness } from './lifeguard.ts';
import type { MemberEvent, RejectReason, SelfEvent, SwimObservation, SwimReply, SwimState, SwimTimer } from './types.ts';
import { encode, type Body, type WireMessage } from './wire.ts';

export type Out = StepResult<SwimState, Uint8Array, SwimReply, SwimObservation, SwimTimer>;
export type Eff = Effect<Uint8Array, SwimReply, SwimObservation, SwimTimer>;

/** The file a member keeps its incarnation in: one record, overwritten. */
export const FILE = 'swim';

export interface Swim {
  readonly config: SwimConfig;
  readonly universe: readonly NodeId[];
  /** Universe index by id: the view and the member list hold indices, not ids. */
  readonly indexOf: ReadonlyMap<NodeId, number>;
  readonly key: KeyObject;
  readonly bug: SwimBug | null;
  readonly lifeguard: boolean;
  /** SWIM §4.2's suspicion mechanism: configured on, and not removed by the no-suspicion bug. */
  readonly suspicionOn: boolean;
  readonly periodMs: number;
}

export function swimSetup(config: SwimConfig): Swim {
  return {
    config,
    universe: config.universe,
    indexOf: new Map<NodeId, number>(config.universe.map((id, i) => [id, i])),
    key: clusterKey(config.clusterKey),
    bug: config.bug,
    lifeguard: config.lifeguard,
    suspicionOn: config.suspicion && config.bug !== 'no-suspicion',
    periodMs: config.protocolPeriodMs,
  };
}

/** One step in progress. The state is mutated in place and returned as the step's result. */
export interface Step {
  readonly sw: Swim;
  readonly s: SwimState;
  readonly env: Env;
  readonly fx: Eff[];
}

export const result = (c: Step): Out => ({ state: c.s, effects: c.fx });

/** A member's own universe index. */
export const selfIndex = (c: Step): number => c.sw.indexOf.get(c.env.self)!;

/** Whether the member takes part in the protocol: probes, answers, gossips. */
export const isActive = (c: Step): boolean => c.s.phase === 'member' || c.s.phase === 'leaving';

// --- the protocol period ---------------------------------------------------------------------

export function armTick(c: Step, afterMs: number): void {
  c.fx.push({ type: 'setTimer', timer: 'tick', afterMs });
}

/** The first period of a life: after a random part of one, so that members don't tick in step (unless configured aligned). */
export function armFirstTick(c: Step): void {
  armTick(c, c.sw.config.staggerStart ? c.env.rng.int(c.sw.periodMs) : c.sw.periodMs);
}

// --- Lifeguard's local health ----------------------------------------------------------------

/** A timeout stretched by Lifeguard's local health multiplier (its Local Health Aware Probe), when Lifeguard is on. */
export const scaled = (c: Step, ms: number): number => (c.sw.lifeguard ? scaleByAwareness(ms, c.s.awareness) : ms);

export function adjustAwareness(c: Step, delta: number): void {
  if (c.sw.lifeguard) c.s.awareness = applyAwareness(c.s.awareness, delta, c.sw.config.awarenessMax);
}

// --- what a member emits ---------------------------------------------------------------------

/** A rare branch of a rule was taken (a scenario's `sometimes` asks sweeps to reach it; not in the trace hash). */
export function cover(c: Step, event: string): void {
  c.fx.push({ type: 'cover', event });
}

export function memberEvent(c: Step, event: MemberEvent, subject: NodeId, incarnation: number, from?: NodeId): void {
  const localMs = c.env.nowMs;
  c.fx.push({ type: 'observe', observation: from === undefined ? { type: 'member', event, subject, incarnation, localMs } : { type: 'member', event, subject, incarnation, from, localMs } });
}

export function selfEvent(c: Step, event: SelfEvent, extra: { accused?: number; members?: number } = {}): void {
  c.fx.push({ type: 'observe', observation: { type: 'self', event, incarnation: c.s.incarnation, phase: c.s.phase, ...extra, localMs: c.env.nowMs } });
}

/** Reports a refused message. The caller changes no state before or after: refusal is all or nothing. */
export function reject(c: Step, from: NodeId, reason: RejectReason, detail?: string): void {
  const localMs = c.env.nowMs;
  c.fx.push({ type: 'observe', observation: detail === undefined ? { type: 'rejected', from, reason, localMs } : { type: 'rejected', from, reason, detail, localMs } });
}

/** The incarnation record; a member emits it before anything that announces the incarnation. */
export function persist(c: Step): void {
  c.fx.push({ type: 'persist', write: { op: 'overwrite', file: FILE, records: [`${c.s.incarnation} ${c.s.phase === 'member' ? 'member' : 'left'}`] } });
}

/**
 * Sends `body` bound to the receiver's life (`toIncarnation`) and to ours (epoch, incarnation,
 * `seq`: 0 on the messages that carry no nonce), sealed with the cluster key.
 */
export function send(c: Step, to: NodeId, toIncarnation: number, seq: number, body: Body): void {
  const s = c.s;
  const message = { from: c.env.self, to, fromEpoch: s.epoch, fromIncarnation: s.incarnation, toIncarnation, seq, ...body } as WireMessage;
  c.fx.push({ type: 'send', to, message: seal(c.sw.key, encode(message)) });
}
