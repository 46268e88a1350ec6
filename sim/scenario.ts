/**
 * What a scenario gives the kernel, and what invariant checkers see.
 *
 * A scenario expands a seed into a `RunConfig` (plain JSON: it is what a report stores and what
 * `--replay` re-runs), then builds the world from that config: the nodes with their protocols,
 * the timed operator commands, and the invariant checkers. The kernel never looks inside a
 * protocol's state; checkers do, through `WorldView`.
 */
import type { AnyProtocol, DurableState, NodeId, Rng } from './protocol.ts';
import type { FaultEvent, FaultKind } from './faults.ts';
import type { NetworkConfig } from './network.ts';

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
  onObservation?(node: NodeId, observation: unknown, world: WorldView): string | void;
  onReply?(node: NodeId, commandId: number, reply: unknown, world: WorldView): string | void;
  afterEvent?(world: WorldView): string | void;
  atEnd?(world: WorldView): string | void;
}

export interface World {
  readonly nodes: readonly NodeSpec[];
  readonly commands: readonly TimedCommand[];
  readonly checkers: readonly InvariantChecker[];
}

export interface BugInfo {
  readonly name: string;
  readonly description: string;
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
}
