/**
 * The step context every rule of a broker works on: what the protocol object fixes for all its
 * brokers (options, the bug switched on, the nested SWIM member), the state one step mutates and
 * the effects it emits, in order. Also the emitters, the two log changes (always persisted), and
 * the small lookups the rules share.
 */
import { assert } from '../../contract/assert.ts';
import type { Effect, Env, Input, NodeId } from '../../contract/protocol.ts';
import type { SwimCommand, SwimObservation, SwimTimer } from '../../swim/node.ts';
import { buildEpochCache, noteAppend, truncateEpochCache } from '../epochs.ts';
import { memberEvents, type IsrSwimTimer, type MemberEventObservation, type SwimMember } from '../membership.ts';
import { BROKER_FILE, brokerRecord, logFile, logRecord } from '../storage.ts';
import type { BrokerObservation, BrokerReply, BrokerState, IsrMessage, IsrOptions, LogRecord, ReplicaState } from '../types.ts';

export const REGISTRATION_TIMER = 'registration';
export const TICK_TIMER = 'tick';
export const CHECKPOINT_TIMER = 'checkpoint';
/** The broker's own timers. */
export type BrokerTimer = typeof REGISTRATION_TIMER | typeof TICK_TIMER | typeof CHECKPOINT_TIMER;
/** Every timer a broker sets: its own and its SWIM member's (under `swim/`). */
export type BrokerTimers = BrokerTimer | IsrSwimTimer;

export type BrokerEffect = Effect<IsrMessage | Uint8Array, BrokerReply, BrokerObservation | SwimObservation, BrokerTimers>;

/** What one protocol object fixes for every broker it runs. */
export interface BrokerSetup {
  readonly opts: IsrOptions;
  readonly member: SwimMember<IsrMessage, BrokerObservation>;
}

/** One step in progress: the state it mutates and the effects it emits, in order. */
export interface Step extends BrokerSetup {
  readonly s: BrokerState;
  readonly env: Env;
  readonly fx: BrokerEffect[];
}

// ---------------------------------------------------------------------------------------------
// Effects

export function send(c: Step, to: NodeId, message: IsrMessage): void {
  c.fx.push({ type: 'send', to, message });
}

export function observe(c: Step, observation: BrokerObservation): void {
  c.fx.push({ type: 'observe', observation });
}

export function setTimer(c: Step, timer: BrokerTimer, afterMs: number): void {
  c.fx.push({ type: 'setTimer', timer, afterMs });
}

export function persistMeta(c: Step): void {
  c.fx.push({ type: 'persist', write: { op: 'overwrite', file: BROKER_FILE, records: [brokerRecord(c.s)] } });
}

/** One input through the SWIM member; its effects join ours in order, its membership events come back. */
export function swimStep(c: Step, input: Input<Uint8Array, SwimCommand, SwimTimer>): MemberEventObservation[] {
  const r = c.member.step(c.s.swim, input, c.env, c.fx);
  c.s.swim = r.state;
  return memberEvents(r.observations);
}

// ---------------------------------------------------------------------------------------------
// Log changes: always persisted

export function append(c: Step, r: ReplicaState, record: LogRecord): number {
  const offset = r.log.length;
  noteAppend(r.epochs, record.epoch, offset);
  r.log.push(record);
  c.fx.push({ type: 'persist', write: { op: 'append', file: logFile(r.partition), record: logRecord(offset, record) } });
  return offset;
}

export function truncate(c: Step, r: ReplicaState, to: number, reason: 'divergence' | 'high-watermark' | 'deleted'): void {
  if (to >= leo(r)) return;
  assert(to >= 0, `isr ${c.s.self}: truncate partition ${r.partition} to ${to}`);
  const removed = r.log.slice(to);
  const committed = Math.max(0, Math.min(r.hw, leo(r)) - to);
  r.log.length = to;
  truncateEpochCache(r.epochs, to);
  r.hw = Math.min(r.hw, to);
  c.fx.push({ type: 'persist', write: { op: 'truncate', file: logFile(r.partition), keep: to } });
  observe(c, {
    type: 'truncated',
    broker: c.s.self,
    partition: r.partition,
    fromOffset: to,
    ids: removed.map((x) => x.id),
    committed,
    reason,
    leaderEpoch: r.leaderEpoch,
  });
}

// ---------------------------------------------------------------------------------------------
// Small lookups

export const replicaOf = (s: BrokerState, partition: number): ReplicaState | undefined => s.replicas.find((r) => r.partition === partition);
export const leo = (r: ReplicaState): number => r.log.length;
export const nextRequestId = (s: BrokerState): number => s.nextRequestId++;

export function leaderHint(s: BrokerState, partition: number): NodeId | null {
  const r = replicaOf(s, partition);
  if (r !== undefined && r.leaderEpoch >= 0) return r.leader;
  return s.image?.partitions[partition]?.leader ?? null;
}

export function nextController(c: Step, after: NodeId): NodeId {
  const controllers = c.opts.controllers;
  return controllers[(controllers.indexOf(after) + 1) % controllers.length] as NodeId;
}

/** The ISR the HW is computed over: the committed one plus a member being added. */
export function maximalIsr(r: ReplicaState): NodeId[] {
  const pending = r.pendingIsr?.isr ?? [];
  return pending.length === 0 ? r.isr : [...new Set([...r.isr, ...pending])].sort();
}

/** A hosted replica before any metadata for it: no role, no leader epoch. */
export function newReplica(partition: number, log: LogRecord[], hw: number): ReplicaState {
  return {
    partition,
    log,
    epochs: buildEpochCache(log),
    hw: Math.min(hw, log.length),
    role: 'none',
    leader: null,
    leaderEpoch: -1,
    partitionEpoch: -1,
    isr: [],
    replicas: [],
    epochStartOffset: 0,
    followers: [],
    pendingIsr: null,
    waiting: [],
    fetchPhase: 'fetching',
    inflight: null,
    nextFetchMs: 0,
  };
}
