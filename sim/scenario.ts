/**
 * What a scenario gives the kernel, and what invariant checkers see.
 *
 * A scenario expands a seed into a `RunConfig` (plain JSON: it is what a report stores and what
 * `--replay` re-runs), then builds the world from that config: the nodes with their protocols,
 * the timed operator commands, and the invariant checkers. The kernel never looks inside a
 * protocol's state; checkers do, through `WorldView`.
 */
import type { AnyProtocol, DurableState, NodeId, Rng } from '../core/contract/protocol.ts';
import type { FaultEvent, FaultKind } from './faults.ts';
import type { LatencyDistribution, NetworkConfig } from './network.ts';

export interface ClockConfig {
  /** Largest offset of any node's clock from virtual time, in ms. Clock faults are clamped to it. */
  readonly maxSkewMs: number;
  /** Largest rate error of any node's clock, in parts per million. */
  readonly maxDriftPpm: number;
}

/**
 * Everything that decides a run, as JSON. Same config + same code => same trace hash.
 * `options` is the scenario's own (cluster size, workload size, ...).
 */
/** A fault that can outlast the final heal (`RunConfig.lasting`). */
export type LastingFault = Extract<FaultEvent, { readonly type: 'oneway' | 'partition' | 'network' }>;

export interface RunConfig {
  readonly scenario: string;
  readonly seed: number;
  readonly bug: string | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly network: NetworkConfig;
  readonly clock: ClockConfig;
  /** The fault schedule, sorted by time. The kernel adds the final heal itself at `durationMs`. */
  readonly faults: readonly FaultEvent[];
  /** Length of the faulty phase. */
  readonly durationMs: number;
  /** Length of the quiet phase after the final heal, in which liveness must be reached. */
  readonly quietMs: number;
  /** A hard bound on events, so a livelocked protocol can't hang a sweep. */
  readonly maxEvents: number;
  /**
   * Optional: faults that outlast the final heal and stay on for the whole quiet phase (a one-way
   * partition, a partition of a minority, a lossy or slow link), applied again right after it. The
   * scenario's liveness checkers then ask progress of the nodes these leave connected (TigerBeetle's
   * VOPR runs its liveness mode so). Their `atMs` is ignored.
   */
  readonly lasting?: readonly LastingFault[];
  /**
   * Optional: a directed run (an explorer counterexample, explore/). The kernel follows this
   * schedule instead of drawing latency, loss and duplication from the link streams and instead of
   * firing timers at now + afterMs; see `DirectedSchedule`. Absent in every ordinary run.
   */
  readonly directed?: DirectedSchedule;
  /**
   * Optional: how long a write to a node's disk takes (the fsync). Absent: writes are instant and
   * the kernel draws nothing for them. Present: each `persist` completes after a latency drawn from
   * the node's own stream (`disk/<node>`), one write at a time per disk, and the `send` and `reply`
   * effects issued after it (in that step or a later one) leave only once it has completed, as a
   * server that acknowledges after its fsync. See `DiskLatencyConfig`.
   */
  readonly disk?: DiskLatencyConfig;
}

/**
 * A disk-write latency model, per run. Timers, cancellations, observations and cover effects are
 * not held back by a pending write (they are local); what a node sends or replies is, in the order
 * the node issued it. A crash before a write completes loses that write and everything held behind
 * it (the fsync never returned). Not supported in directed runs.
 */
export interface DiskLatencyConfig {
  readonly latency: LatencyDistribution;
}

/**
 * When a directed event happens: virtual time, and its rank in the run's order of directed events
 * (0, 1, 2, ...). Events at the same time happen in rank order.
 */
export interface DirectedAt {
  readonly atMs: number;
  readonly order: number;
}

/** A fault of the config's schedule, in a directed run. */
export interface DirectedFault {
  readonly order: number;
  /** A mid-step crash: how many effects of the node's next step happen before it (the rest never do). */
  readonly landing?: number;
}

/**
 * A run in which the kernel draws nothing: every message's deliveries, every timer's firing, every
 * command's delivery and every fault's place in the order are given. This is how an explorer
 * counterexample replays in the normal simulator.
 *
 * With the config's `quietMs` at 0 the run ends at `end`, where only the safety checkers' `atEnd`
 * hooks run. With `quietMs` above 0 the world goes on past `end` as a run goes on past its final
 * heal: down nodes restart, the messages of `inflight` arrive at their link's normal latency from
 * `end`, timers still armed fire when due (an overdue one at once), commands not yet delivered
 * arrive at their time (or at `end`), nodes draw from their seeded streams, and everything after
 * is scheduled as in any run. What is pending goes on in an order the world alone fixes (by link,
 * then send order; by due time, then node and timer name), never the path's. The run ends
 * `quietMs` later and every checker, liveness included, judges it there.
 */
export interface DirectedSchedule {
  /** Every node's Rng returns 0 from next() (so int(n) = 0 and between(min, max) = min). */
  readonly fixedRng: boolean;
  /** Per message id (sends numbered from 0 in send order): its deliveries; none = dropped, two = duplicated. Ids past the end: dropped. */
  readonly deliveries: readonly (readonly DirectedAt[])[];
  /** Per timer arm (setTimer effects numbered from 0 in order): when it fires, or null: never. Arms past the end: never. */
  readonly timers: readonly (DirectedAt | null)[];
  /** Per command of the world (`World.commands`, same index): when it is delivered, or null: never. */
  readonly commands: readonly (DirectedAt | null)[];
  /** Per fault of `RunConfig.faults` (same index). */
  readonly faults: readonly DirectedFault[];
  /** Where the directed schedule ends (and the run, unless it has a quiet phase). */
  readonly end: DirectedAt;
  /** Ids of the messages still in flight at `end`: delivered in the quiet phase (none: every undelivered message is lost). */
  readonly inflight?: readonly number[];
  /** The path in words, one line per step (for people; the kernel ignores it). */
  readonly path?: readonly string[];
}

export interface NodeSpec {
  readonly id: NodeId;
  readonly protocol: AnyProtocol;
  /** Servers take faults (crash, pause, clock); clients and other observers normally don't. */
  readonly faultable: boolean;
  /** Shown in reports ("server", "client", ...). */
  readonly role: string;
}

/** An operator or workload command delivered to a node at a fixed virtual time. */
export interface TimedCommand {
  readonly atMs: number;
  readonly node: NodeId;
  readonly command: unknown;
}

export type NodeStatus = 'up' | 'down' | 'paused';

export interface NodeView {
  readonly id: NodeId;
  readonly role: string;
  readonly status: NodeStatus;
  /** The live state (undefined while down). Checkers must not mutate it. */
  readonly state: unknown;
  /** What the node's disk holds right now. */
  readonly disk: DurableState;
  /** Incremented at every restart. */
  readonly incarnation: number;
}

export interface WorldView {
  /** Virtual time (global, not any node's skewed clock). */
  readonly nowMs: number;
  /** Number of events processed so far. */
  readonly eventIndex: number;
  /** 'faulty' during the fault schedule, 'quiet' after the final heal. */
  readonly phase: 'faulty' | 'quiet';
  /** All nodes, sorted by id. */
  readonly nodes: readonly NodeView[];
  node(id: NodeId): NodeView;
}

/**
 * A checker returns a message (a string) when its invariant is broken, and nothing otherwise.
 * One checker object is made per run, so it may keep state across calls (e.g. the leader seen
 * for every term). Hooks it doesn't need can be left out; cheap checks go in `afterEvent`,
 * history checks and liveness in `atEnd`.
 */
export interface InvariantChecker {
  readonly name: string;
  readonly kind: 'safety' | 'liveness';
  /** Optional: what the invariant says, in one line, for reports ("at most one leader is elected in a term"). */
  readonly description?: string;
  onObservation?(node: NodeId, observation: unknown, world: WorldView): string | void;
  onReply?(node: NodeId, commandId: number, reply: unknown, world: WorldView): string | void;
  afterEvent?(world: WorldView): string | void;
  /**
   * Optional: a message as the network carries it, for rule checkers that need causality (a reply
   * only after the request that asks for it). `sent`: as the sender's effect is applied, whether or
   * not the network then loses it; `delivered`: just before the receiver's step, so the receiver's
   * state is still the one it had before. The kernel calls it; the explorer does not, so a checker
   * must judge nothing it has not seen.
   */
  onMessage?(event: 'sent' | 'delivered', from: NodeId, to: NodeId, message: unknown, world: WorldView): string | void;
  atEnd?(world: WorldView): string | void;
  /**
   * Optional: what this checker kept that shows its last violation, asked for once when it fires
   * and stored in the report (plain JSON). The linearizability checkers give the failing key's
   * whole history, so `npm run check -- REPORT` can judge it again from the report alone. An
   * evidence object may name the events that make the violation in `culprits: Culprit[]` (the two
   * elections of one term, the false deaths a bound counted): the HTML report starts its story
   * from them, and marks them.
   */
  evidence?(): unknown;
  /**
   * Optional, for the explorer: an independent copy of this checker with the same state, so a
   * world can be copied with its checkers. Checkers without it are re-created by replaying the
   * path to the world (see docs/explorer.md).
   */
  clone?(): InvariantChecker;
}

/** An event that makes a violation, as a checker's evidence names it (`InvariantChecker.evidence`). */
export interface Culprit {
  readonly node: NodeId;
  /**
   * The event's index as the trace numbers it (`TraceEntry.i`): `world.eventIndex` in
   * `onObservation` and `onReply`, `world.eventIndex - 1` in `afterEvent` (which runs after it).
   */
  readonly eventIndex: number;
  readonly atMs: number;
  /** What happened there, in a few words: "n2 became leader of term 3". */
  readonly what: string;
}

export interface World {
  readonly nodes: readonly NodeSpec[];
  readonly commands: readonly TimedCommand[];
  readonly checkers: readonly InvariantChecker[];
}

export type { BugInfo } from '../core/contract/protocol.ts';
import type { BugInfo } from '../core/contract/protocol.ts';

/** Bounds of an exhaustive exploration (explore/): how far and how many faults. */
export interface ExploreBounds {
  /** Steps from the initial world. */
  readonly depth: number;
  readonly crashes: number;
  readonly drops: number;
  readonly dups: number;
  /** Messages in flight per directed link; a send beyond it is lost (a full buffer). */
  readonly inflight: number;
  /** Commands of the world (client or operator) that may be delivered. */
  readonly commands: number;
  /** Crashes may also land inside a step, after some of its effects, with the write in flight lost. */
  readonly midStep: boolean;
  /**
   * Timer firings on the whole path, every node's together (null: any number). Like a preemption
   * bound, it keeps the search on paths with few elections and heartbeats, where long message
   * interleavings fit in the depth.
   */
  readonly timers: number | null;
  /**
   * Liveness too: in every world reached, the kernel runs the world's quiet continuation (the heal
   * and the scenario's quiet phase, scheduled as in any run; see `DirectedSchedule`), and every
   * checker judges it, liveness included. About a kernel run per world, so several times slower.
   * Not with symmetry reduction: node streams are named, so permuted worlds go on differently.
   */
  readonly liveness: boolean;
}

/** How a scenario is explored exhaustively (`npm run sim -- --explore`). */
export interface ExploreSpec {
  /** Bounds when the command line gives none. */
  readonly bounds?: Partial<ExploreBounds>;
  /**
   * How many config seeds (0, 1, ...) pick different features of the model to search; each feature
   * of the protocol is searched by some seed. Absent: one.
   */
  readonly variants?: number;
  /** Per known bug: bounds (over `bounds`) within which the explorer finds it. */
  readonly bugBounds?: Readonly<Record<string, Partial<ExploreBounds>>>;
  /**
   * Node ids of a config that are interchangeable, for `--symmetry`: same protocol and role, and
   * nothing in the scenario depends on which is which (commands sent to each of them alike, or to
   * none; no other node treating them differently).
   */
  symmetric?(config: RunConfig): readonly NodeId[];
  /**
   * Fresh checkers for a config, as `build(config).checkers` would give, without building the
   * nodes: the explorer re-creates checkers often (see docs/explorer.md).
   */
  checkers?(config: RunConfig): readonly InvariantChecker[];
}

export interface Scenario {
  readonly name: string;
  /** One line, shown by `--list`. */
  readonly description: string;
  readonly bugs: readonly BugInfo[];
  /** Fault kinds the swarm generator may use in this scenario. */
  readonly faultKinds: readonly FaultKind[];
  /**
   * Expand a seed into a full run configuration. `rng` is the run's config stream (derived from
   * the seed), so a scenario can draw its cluster shape and timings from it: swarm testing.
   */
  configure(seed: number, rng: Rng, bug: string | null): RunConfig;
  /** Build the world a config describes. Must be a pure function of the config. */
  build(config: RunConfig): World;
  /**
   * Optional: the rare branches of the protocols' rules (`cover` events) that a sweep of this
   * scenario must reach, so that a fault plan or a code path that never fires cannot pass in
   * silence. Checked on sweeps of at least `seeds` seeds (a shorter one may miss some by chance).
   * `atLeast` raises the bar for some events from once to a count, where reaching a branch rarely
   * is itself the symptom (a leadership transfer that almost never wins).
   */
  readonly sometimes?: { readonly events: readonly string[]; readonly seeds: number; readonly atLeast?: Readonly<Record<string, number>> };
  /** Optional: defaults for exhaustive exploration of this scenario (explore/). */
  readonly explore?: ExploreSpec;
}

/** The required events a sweep of `runs` seeds fell short of, as `event` or `event (n of m)`; none before `seeds` runs. */
export function coverageShortfall(sometimes: Scenario['sometimes'], coverage: Readonly<Record<string, number>>, runs: number): string[] {
  if (sometimes === undefined || runs < sometimes.seeds) return [];
  const out: string[] = [];
  for (const e of sometimes.events) {
    const need = sometimes.atLeast?.[e] ?? 1;
    const got = coverage[e] ?? 0;
    if (got < need) out.push(need === 1 ? e : `${e} (${got} of ${need})`);
  }
  return out;
}
