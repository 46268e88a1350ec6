/**
 * A SWIM member's state and everything it exchanges with its host: commands, replies,
 * observations, timer names. Messages are bytes (wire.ts).
 */
import { AssertionFailed } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import type { Update } from './wire.ts';

export type Phase = 'idle' | 'member' | 'leaving' | 'left';

export const ALIVE = 0;
export const SUSPECT = 1;
export const DEAD = 2;
export const LEFT = 3;
export const UNKNOWN = -1;
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';
const statusNames: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left'];

/** The probe of this protocol period. */
export interface Probe {
  readonly seq: number;
  readonly target: NodeId;
  /** Ping-reqs have gone out (or would have: the probe timeout passed). */
  indirect: boolean;
  /** Lifeguard: nacks we asked the relays for. */
  expectedNacks: number;
  /** Relays that sent a nack (each counts once). */
  nacks: NodeId[];
}

/** A ping-req we are relaying: our ping `seq` to the target answers the requester's probe. */
export interface Relay {
  readonly seq: number;
  readonly requester: NodeId;
  readonly requesterProbe: number;
  readonly requesterIncarnation: number;
  readonly nack: boolean;
}

export interface Suspicion {
  readonly node: NodeId;
  readonly incarnation: number;
  /** Who suspected first (never counts as a confirmation). */
  readonly from: NodeId;
  readonly startMs: number;
  /** Confirmations wanted (Lifeguard's K). */
  readonly wanted: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Independent confirmations so far, at most `wanted`. */
  confirmations: NodeId[];
}

export type Broadcast = Update & { transmits: number };

export interface SwimState {
  phase: Phase;
  incarnation: number;
  /** The incarnation this life began with: messages addressed to a lower one are for an earlier life. */
  epoch: number;
  /** Messages sent in this life that carry a nonce (the last one used). */
  seq: number;
  /** Lifeguard's local health score. */
  awareness: number;
  /** Universe indices of the members we know (not us), in probe order: reshuffled every round. */
  members: number[];
  probeCursor: number;
  /** Per universe index: UNKNOWN, or incarnation · 4 + status (ALIVE, SUSPECT, DEAD, LEFT). Includes us. */
  view: number[];
  /** Members alive or suspect, us included: the n of the formulas. */
  live: number;
  probe: Probe | null;
  relays: Relay[];
  suspicions: Suspicion[];
  /** Updates to piggyback, fewest transmissions first. */
  broadcasts: Broadcast[];
  /** Per sender: [epoch, highest seq, bitmask of the 32 seqs up to it]. */
  windows: Record<NodeId, [number, number, number]>;
  /** Protocol periods in this life. */
  periods: number;
  /** Probes started in this life (for measurements). */
  probes: number;
  reconnectCursor: number;
  leaveCountdown: number;
}

export type SwimCommand = { readonly type: 'join' } | { readonly type: 'leave' };
export type SwimReply = { readonly ok: boolean; readonly phase: Phase; readonly incarnation: number };

export type MemberEvent = 'joined' | 'alive' | 'suspect' | 'dead' | 'left';
export type SelfEvent = 'start' | 'join' | 'refute' | 'leave' | 'left';

export type RejectReason =
  | 'not-bytes' | 'truncated' | 'bad-version' | 'unknown-type' | 'bad-length' | 'bad-utf8' | 'bad-value' | 'trailing-bytes' | 'bad-mac'
  | 'wrong-recipient' | 'wrong-sender' | 'unknown-node' | 'not-a-member' | 'unbound' | 'earlier-life' | 'future-incarnation'
  | 'replay' | 'too-old' | 'old-epoch' | 'relays-full';

export type SwimObservation =
  /** This observer's view of `subject` changed. `localMs` is the observer's clock. */
  | { readonly type: 'member'; readonly event: MemberEvent; readonly subject: NodeId; readonly incarnation: number; readonly from?: NodeId; readonly localMs: number }
  /** Something about the observer itself: a (re)start, a join, a refutation (of `accused`), a leave. */
  | { readonly type: 'self'; readonly event: SelfEvent; readonly incarnation: number; readonly phase: Phase; readonly accused?: number; readonly members?: number; readonly localMs: number }
  /** A probe got no ack in its period (the target is suspected unless it is already suspect or dead). */
  | { readonly type: 'probe-failed'; readonly target: NodeId; readonly nacks: number; readonly expectedNacks: number; readonly awareness: number; readonly localMs: number }
  /** A message refused without any change of state. */
  | { readonly type: 'rejected'; readonly from: NodeId; readonly reason: RejectReason; readonly detail?: string; readonly localMs: number };

/**
 * The timers a member sets: its protocol period, the end of a direct probe, one per suspicion (named
 * by the suspect) and one per relayed ping-req (named by our ping's sequence number). A host that
 * embeds SWIM runs them under its own prefix and hands them back without it.
 */
export type SwimTimer = 'tick' | 'probe-timeout' | `suspect/${NodeId}` | `relay/${number}`;

export const SUSPECT_TIMER_PREFIX = 'suspect/';
export const RELAY_TIMER_PREFIX = 'relay/';

export const suspectTimer = (node: NodeId): SwimTimer => `suspect/${node}`;
export const relayTimer = (seq: number): SwimTimer => `relay/${seq}`;

/** Whether a name is one SWIM sets: how a host that runs SWIM's timers under their own names tells them from its own. */
export function isSwimTimer(timer: string): timer is SwimTimer {
  return timer === 'tick' || timer === 'probe-timeout' || timer.startsWith(SUSPECT_TIMER_PREFIX) || timer.startsWith(RELAY_TIMER_PREFIX);
}

/** A timer name taken apart, for an exhaustive switch. */
export type SwimTimerEvent =
  | { readonly kind: 'tick' }
  | { readonly kind: 'probe-timeout' }
  | { readonly kind: 'suspect'; readonly node: NodeId }
  | { readonly kind: 'relay'; readonly seq: number };

/** Throws on a name SWIM never sets: a host that routes someone else's timer here has a bug. */
export function parseSwimTimer(timer: SwimTimer): SwimTimerEvent {
  if (timer === 'tick' || timer === 'probe-timeout') return { kind: timer };
  if (timer.startsWith(RELAY_TIMER_PREFIX)) return { kind: 'relay', seq: Number(timer.slice(RELAY_TIMER_PREFIX.length)) };
  if (timer.startsWith(SUSPECT_TIMER_PREFIX)) return { kind: 'suspect', node: timer.slice(SUSPECT_TIMER_PREFIX.length) };
  throw new AssertionFailed(`swim: unknown timer ${timer}`);
}

/** The status a view entry holds, or null for unknown. */
export function entryStatus(entry: number | undefined): MemberStatus | null {
  return entry === undefined || entry < 0 ? null : statusNames[entry & 3]!;
}
export function entryIncarnation(entry: number | undefined): number {
  return entry === undefined || entry < 0 ? -1 : Math.floor(entry / 4);
}

/** A readable copy of a node's membership view: id -> status and incarnation. */
export function membershipOf(state: SwimState, universe: readonly NodeId[]): Record<NodeId, { status: MemberStatus; incarnation: number }> {
  const out: Record<NodeId, { status: MemberStatus; incarnation: number }> = {};
  state.view.forEach((e, i) => {
    const status = entryStatus(e);
    if (status !== null) out[universe[i]!] = { status, incarnation: entryIncarnation(e) };
  });
  return out;
}
