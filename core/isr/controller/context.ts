/**
 * The step context every rule of a controller works on: what the protocol object fixes for all its
 * controllers (options, the assigner, the nested Raft group and SWIM member), the state one step
 * mutates and the effects it emits, in order. Also the two nested steps, which hand back what the
 * controller acts on: its own proposals' answers from Raft (in place, among Raft's effects), and
 * the membership events from SWIM.
 */
import type { Effect, Env, Input, NodeId } from '../../contract/protocol.ts';
import { nest, type Nested } from '../../contract/nest.ts';
import { createRaftProtocol, isRaftTimer, type RaftTimer } from '../../raft/node.ts';
import type { RaftCommand, RaftMessage, RaftObservation, RaftReply, RaftState } from '../../raft/types.ts';
import type { SwimCommand, SwimObservation, SwimState, SwimTimer } from '../../swim/node.ts';
import type { Assign } from '../assignment.ts';
import { memberEvents, swimMember, type IsrSwimTimer, type MemberEventObservation, type SwimMember } from '../membership.ts';
import { metadataStateMachine } from '../metadata.ts';
import type { ControllerObservation, IsrMessage, IsrOptions, MetadataCommand, MetadataImage, MetadataQuery, MetadataRecord, MetadataResult } from '../types.ts';
import type { AlterRequest, HeardBroker } from '../decide.ts';

export const CONTROLLER_TIMER = 'controller';
/** ISR change requests kept waiting for a decision, at most. */
export const MAX_QUEUED_ALTERS = 256;
/** The controller's own timer. */
export type ControllerTimer = typeof CONTROLLER_TIMER;
/** Every timer a controller sets: its own, Raft's (under their own names) and its SWIM member's (under `swim/`). */
export type ControllerTimers = ControllerTimer | RaftTimer | IsrSwimTimer;

export type MetaRaftState = RaftState<MetadataImage, MetadataCommand, MetadataQuery>;
export type MetaRaftMessage = RaftMessage<MetadataCommand, MetadataQuery, MetadataResult>;

export interface ControllerState {
  raft: MetaRaftState;
  /** The controller's SWIM member: its view of the brokers is what fences and unfences them. */
  swim: SwimState;
  /** When the SWIM member's current life began (at this controller's start). */
  membershipSinceMs: number;
  /** Registrations heard since this controller became active, sorted by id; a broker's is forgotten when SWIM declares it dead or left. */
  heard: HeardBroker[];
  alters: AlterRequest[];
  /** The Raft term in which this controller became active, and when (null: not active). */
  activeTerm: number;
  activeSinceMs: number | null;
  inflight: { readonly commandId: number; readonly sentMs: number; readonly records: readonly MetadataRecord[]; readonly accepted: readonly AlterRequest[]; readonly unclean: readonly { readonly partition: number; readonly leader: NodeId; readonly leaderEpoch: number; readonly isr: readonly NodeId[] }[] } | null;
  /** Negative and decreasing: the command ids of this controller's own proposals. */
  nextCommandId: number;
  lastPreferredCheckMs: number;
  /** The metadata version last pushed to the brokers. */
  pushedVersion: number;
  /** Something worth deciding on arrived since the last decision (else the next tick decides). */
  dirty: boolean;
}

export type ControllerMessage = IsrMessage | MetaRaftMessage | Uint8Array;
export type ControllerCommand = RaftCommand<MetadataCommand>;
export type ControllerReply = RaftReply<MetadataResult>;
export type ControllerObs = ControllerObservation | RaftObservation | SwimObservation;
export type ControllerEffect = Effect<ControllerMessage, ControllerReply, ControllerObs, ControllerTimers>;

const RAFT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'requestVote',
  'requestVoteResponse',
  'appendEntries',
  'appendEntriesResponse',
  'installSnapshot',
  'timeoutNow',
  'clientRequest',
  'clientResponse',
]);

function isRaftMessage(m: IsrMessage | MetaRaftMessage): m is MetaRaftMessage {
  return RAFT_MESSAGE_TYPES.has(m.type);
}

type MetaRaft = Nested<'raft', MetaRaftState, MetaRaftMessage, ControllerCommand, ControllerReply, RaftObservation, RaftTimer, ControllerMessage, ControllerObs, ''>;

/** What one protocol object fixes for every controller it runs. */
export interface ControllerSetup {
  readonly opts: IsrOptions;
  readonly assign: Assign;
  /** The metadata Raft group, nested with its timers, files and messages under their own names. */
  readonly raft: MetaRaft;
  readonly member: SwimMember<IsrMessage | MetaRaftMessage, ControllerObservation | RaftObservation>;
  /** The SWIM group's members, in the order of its view. */
  readonly universe: readonly NodeId[];
}

export function controllerSetup(opts: IsrOptions, assign: Assign): ControllerSetup {
  const raft: MetaRaft = nest(createRaftProtocol(metadataStateMachine, { voters: opts.controllers }), {
    name: 'raft',
    timerPrefix: '',
    filePrefix: '',
    isTimer: isRaftTimer,
    wrap: (message): ControllerMessage => message,
    unwrap: (message: ControllerMessage) => (message instanceof Uint8Array || !isRaftMessage(message) ? undefined : message),
    surface: (observation): ControllerObs => observation,
  });
  const { member, config } = swimMember<IsrMessage | MetaRaftMessage, ControllerObservation | RaftObservation>(opts);
  return { opts, assign, raft, member, universe: config.universe };
}

/** One step in progress: the state it mutates and the effects it emits, in order. */
export interface Step extends ControllerSetup {
  readonly s: ControllerState;
  readonly env: Env;
  readonly fx: ControllerEffect[];
}

// ---------------------------------------------------------------------------------------------
// Effects

export function send(c: Step, to: NodeId, message: IsrMessage): void {
  c.fx.push({ type: 'send', to, message });
}

export function observe(c: Step, observation: ControllerObservation): void {
  c.fx.push({ type: 'observe', observation });
}

/**
 * One input through Raft. Its effects join ours in order; a reply to one of our own proposals
 * (a negative command id) goes to `onOwnReply` where Raft gave it, every other reply to the kernel.
 * Raft mutates its state in place (a start aside, which answers nothing), so `onOwnReply` sees
 * the state the reply comes from.
 */
export function raftStep(c: Step, input: Input<MetaRaftMessage, ControllerCommand, RaftTimer>, onOwnReply: (c: Step, commandId: number, reply: ControllerReply) => void): void {
  const r = c.raft.step(c.s.raft, input, c.env, {
    push: (e) => c.fx.push(e),
    reply: (commandId, reply) => (commandId < 0 ? onOwnReply(c, commandId, reply) : c.fx.push({ type: 'reply', commandId, reply })),
  });
  c.s.raft = r.state;
}

/** One input through the SWIM member; its effects join ours in order, its membership events come back. */
export function swimStep(c: Step, input: Input<Uint8Array, SwimCommand, SwimTimer>): MemberEventObservation[] {
  const r = c.member.step(c.s.swim, input, c.env, c.fx);
  c.s.swim = r.state;
  return memberEvents(r.observations);
}

/** The committed metadata: Raft's applied state machine. */
export function image(s: ControllerState): MetadataImage {
  return s.raft.sm;
}
