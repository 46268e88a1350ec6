/**
 * The contract between the kernel and any protocol: a pure step function.
 *
 *   step(state, input, env) -> { state, effects }
 *
 * Everything a protocol sees of the world arrives as an `Input` or through `Env`; everything it
 * does to the world leaves as an `Effect`. A step must not read the wall clock, a global random source, timers,
 * I/O or module-level mutable state: that is what makes a run replayable from its seed.
 *
 * Effects run in the order they are returned. The kernel may crash a node between two effects of
 * one step (and tear the write in flight), so a protocol must emit `persist` before any `send`
 * or `reply` that depends on it, exactly as it would have to fsync before answering on a real disk.
 */
import type { LaneView, MessageDescription, OperationEvent } from './report.ts';

export type { LaneFact, LaneTone, LaneView, MessageDescription, OperationEvent, PeerStatus } from './report.ts';

/** A node's name in the simulated world, e.g. "n1" or "c2". Sorted lexicographically wherever order matters. */
export type NodeId = string;

/** A node's private, deterministic random stream. Never share one between nodes. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). `n` must be a positive integer. */
  int(n: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  between(min: number, max: number): number;
}

export interface Env {
  /** The node's own id. */
  readonly self: NodeId;
  /** The node's local clock in milliseconds: virtual time seen through this node's skew and drift. */
  readonly nowMs: number;
  /** The node's PRNG stream, derived from (run seed, node id). */
  readonly rng: Rng;
}

/**
 * What a node had on disk when it (re)started. Files are named by the protocol; each is a list of
 * records (strings). Records the protocol appended may come back torn or corrupted after a crash
 * when disk faults are on: a protocol that cares checks them (e.g. by checksum).
 */
export type DurableState = Readonly<Record<string, readonly string[]>>;

/**
 * Timer names are a protocol's own union of strings (`'election' | 'heartbeat'`, or a template such
 * as `` `suspect/${string}` ``), so a timer handled nowhere fails to compile as a message handled
 * nowhere does. `string` where a protocol has not said.
 */
export type Input<M, C, T extends string = string> =
  /** Boot (durable = {} on a fresh disk) or restart after a crash (durable = what survived). */
  | { readonly type: 'start'; readonly durable: DurableState }
  /** A timer the node set earlier fired. */
  | { readonly type: 'timer'; readonly timer: T }
  /** A message from a peer. */
  | { readonly type: 'message'; readonly from: NodeId; readonly message: M }
  /** A command from an operator or the scenario's workload; answer with a `reply` effect carrying `commandId`. */
  | { readonly type: 'command'; readonly commandId: number; readonly command: C };

/** One write to a node's disk. Every write is durable when the effect completes (an fsync'd write). */
export type DiskWrite =
  /** Append one record to a file. */
  | { readonly op: 'append'; readonly file: string; readonly record: string }
  /** Keep only the first `keep` records of a file (e.g. a Raft log truncated at a conflict). */
  | { readonly op: 'truncate'; readonly file: string; readonly keep: number }
  /** Replace a file's whole content (small metadata: a term and vote, a snapshot). Atomic: never torn. */
  | { readonly op: 'overwrite'; readonly file: string; readonly records: readonly string[] };

export type Effect<M, R, O, T extends string = string> =
  | { readonly type: 'send'; readonly to: NodeId; readonly message: M }
  /** Arm a named timer `afterMs` of local time from now; re-arming a name replaces the old one. */
  | { readonly type: 'setTimer'; readonly timer: T; readonly afterMs: number }
  | { readonly type: 'cancelTimer'; readonly timer: T }
  | { readonly type: 'persist'; readonly write: DiskWrite }
  /** Answer the command with id `commandId` (see `Input`). */
  | { readonly type: 'reply'; readonly commandId: number; readonly reply: R }
  /** Tell the checkers something ("became leader of term 7", "applied index 12"). Has no effect on the world. */
  | { readonly type: 'observe'; readonly observation: O }
  /**
   * A rare branch of the protocol's rules was taken ("raft/vote-refused-stale-log"): counted, so a
   * sweep can say which branches it reached and a scenario can require some (`Scenario.sometimes`).
   * Checkers never see it, and it is not part of the trace or its hash: adding one changes no run.
   */
  | { readonly type: 'cover'; readonly event: string };

export interface StepResult<S, M, R, O, T extends string = string> {
  readonly state: S;
  readonly effects: readonly Effect<M, R, O, T>[];
}

/**
 * A protocol: how to make a node's state and how to step it. Generic over
 * S (state), M (message union), C (command union), R (reply union), O (observation union) and
 * T (timer names).
 */
export interface Protocol<S, M, C, R, O, T extends string = string> {
  readonly name: string;
  /** The state before `start`; the kernel calls `step` with a `start` input right after. */
  init(self: NodeId, env: Env): S;
  step(state: S, input: Input<M, C, T>, env: Env): StepResult<S, M, R, O, T>;
  /**
   * Optional, for the explorer (explore/): the state as the explorer should compare it, at
   * virtual time `nowMs`. Absolute times are made relative to now (or abstracted to expired / not
   * expired), so two worlds that differ only by when they happen compare equal. Any JSON value;
   * a string is hashed as it is. Without it the explorer compares `canonicalJson(state)`. Must be
   * pure, must not mutate the state, and must keep everything the next steps depend on.
   */
  canonical?(state: S, nowMs: number): unknown;
  /**
   * Optional, for the explorer: a copy of the state that `step` may mutate, sharing only parts that
   * no step ever mutates (log entries, say). Without it the explorer deep-copies the state before
   * every step. The explorer never mutates a state it keeps, so parts shared this way stay as they were.
   */
  clone?(state: S): S;
  /**
   * Optional, for the explorer: a node's disk as it should compare it (e.g. records decoded from
   * their framing, so that symmetry reduction can rename node ids inside them). Without it the
   * explorer compares the records as they are.
   */
  canonicalDisk?(disk: DurableState): unknown;
  /**
   * Optional, for the explorer's guided search (`--guided`): the few facts of the state that mark
   * protocol progress (a role, a term, the terms of the log, a commit point), as a short string.
   * A world whose nodes' summaries make a combination the search has not met is explored before
   * worlds that only reorder what it has met. Without it the guided search is breadth-first.
   */
  progress?(state: S): string;
  /**
   * Optional, for reports only (never the kernel or the explorer): the facts of the state a person
   * thinks in (role, term or epoch, slot ownership, a lease, a failure detector's view), drawn as
   * bands under the node's lane. Read after every step of a report's replay; pure, and cheap.
   */
  lanes?(state: S): LaneView;
  /** Optional, for reports only: a message as a person reads it (binary formats decoded). Pure. */
  describeMessage?(message: M): MessageDescription;
  /** Optional, for reports only: which observations are client operations (the report's client timeline). Pure. */
  operation?(observation: O): OperationEvent | null;
}

/** A protocol with its types erased, as the kernel holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocol = Protocol<any, any, any, any, any, any>;

export { assertNever } from './assert.ts';

/** A documented protocol bug a scenario can switch on (`--bug NAME`): its name and what it breaks. */
export interface BugInfo {
  readonly name: string;
  readonly description: string;
}
