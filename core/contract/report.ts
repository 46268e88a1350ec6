/**
 * What a protocol may declare for the HTML report (reports/): the facts of its state that its
 * users think in (drawn as bands under the node's lane), its messages as a person reads them, and
 * its client operations (drawn as a Jepsen-style timeline). The kernel and the explorer never call
 * these hooks, so declaring them changes no run, no trace and no hash; they are read only when a
 * report is rendered (see `Protocol.lanes`, `Protocol.describeMessage`, `Protocol.operation`).
 */
import type { NodeId } from './protocol.ts';

/** How a band is coloured when its value alone does not say: a warning, a fault, a quiet state. */
export type LaneTone = 'ok' | 'warn' | 'bad' | 'muted';

/** One band under a node's lane: a named fact and its current value. */
export interface LaneFact {
  /** The band's name, the same at every step ('slots', 'migrating', 'lease'). Bands keep the order of first appearance. */
  readonly name: string;
  /** What the band says now; a new value starts a new stretch of the band. '' draws nothing there. */
  readonly value: string;
  readonly tone?: LaneTone;
}

/** A member's status as a failure detector sees it (SWIM's). */
export type PeerStatus = 'alive' | 'suspect' | 'dead' | 'left';

/**
 * A node's state as its users think of it, read after every step of a replay. Everything is
 * optional: a protocol declares what it has. Keep it small and cheap: it is computed at each step.
 */
export interface LaneView {
  /** The node's role, the main band: 'leader', 'candidate', 'primary', 'replica', 'member'. */
  readonly role?: string;
  /** What orders authority, with its name: Raft's term, a config epoch, a leader epoch, an incarnation. */
  readonly epoch?: { readonly name: string; readonly value: number };
  /** More bands, in this order: slot ownership, MIGRATING/IMPORTING, a lease, an ISR, a high watermark. */
  readonly facts?: readonly LaneFact[];
  /** How this node sees the others (a failure detector's view); the report draws it under each of them. */
  readonly peers?: Readonly<Record<NodeId, PeerStatus>>;
}

/** A message as a person reads it: a short label for its arrow, and the whole of it decoded. */
export interface MessageDescription {
  /** A few words: 'requestVote t3', 'ping #12 (n4 dead)', 'cfg v2'. */
  readonly label: string;
  /** The message decoded (binary formats as fields), for the tooltip; absent: the message as it is. */
  readonly detail?: unknown;
}

/** A client operation's invocation or completion, as an observation of the client declares it. */
export interface OperationEvent {
  /** 'fail': certainly had no effect; 'info': may have taken effect (a time-out). */
  readonly phase: 'invoke' | 'ok' | 'fail' | 'info';
  /** The operation's id, unique among this client's operations. */
  readonly id: string;
  /** What it does, for people: 'put x "c1.4"', 'get x', 'produce p2 (acks=all)'. */
  readonly op: string;
  /** The key (or partition) it touches, when it has one: the linearizability checks go by key. */
  readonly key?: string;
  /** What it returned (ok), or why it failed. */
  readonly result?: string;
}
