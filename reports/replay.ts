/**
 * A report's run again, with everything the page draws: the whole trace, and each node's lanes
 * (`Protocol.lanes`) after each of its steps, read through a wrapper around the node's protocol and
 * a checker that never fails. Neither changes the run: the wrapper returns what the protocol
 * returned, the checker only reads, and the kernel never sees the hooks; so the trace hash is the
 * report's. Also here: the protocols' message decoders and client operations, as plain functions
 * over trace entries, for the renderer (which imports no protocol).
 */
import type { AnyProtocol, Input, LaneView, MessageDescription, NodeId, OperationEvent } from '../core/contract/protocol.ts';
import { runWorld, type RunResult } from '../sim/kernel.ts';
import type { InvariantChecker, NodeSpec, RunConfig, Scenario, WorldView } from '../sim/scenario.ts';

/** A node's lanes from an event on: `view` null while the node is down. */
export interface LaneSample {
  /** The event (trace index) after which the node looked so; boots are at event 0, time 0. */
  readonly i: number;
  readonly t: number;
  readonly node: NodeId;
  readonly view: LaneView | null;
}

/** What the protocols declare, as functions over what the trace holds. */
export interface ReportHooks {
  /** A message as its sender's protocol describes it (null: the protocol declares nothing). */
  describe(from: NodeId, detail: unknown): MessageDescription | null;
  /** A node's observation as a client operation (null: not one, or the protocol declares none). */
  operation(node: NodeId, observation: unknown): OperationEvent | null;
  /** Whether the node's protocol declares lanes (else the page falls back on role observations). */
  declaresLanes(node: NodeId): boolean;
}

export interface RecordedRun {
  readonly result: RunResult;
  readonly lanes: readonly LaneSample[];
  readonly hooks: ReportHooks;
  /** Node id -> its role in the scenario ("server", "client", ...). */
  readonly nodeRoles: Readonly<Record<NodeId, string>>;
  /** Invariant -> what it says (`InvariantChecker.description`), where the checker says. */
  readonly invariants: Readonly<Record<string, string>>;
}

/** Trace entries kept: enough for any run the kernel's event budgets allow in practice. */
export const TRACE_CAPACITY = 5_000_000;

/**
 * Binary messages as the trace records them (`{ bytes, hex }`, sim/trace.ts `readable`) back into
 * bytes, at the top level or one level deep, as `readable` wrote them, for a protocol's decoder.
 */
export function fromReadable(detail: unknown): unknown {
  const bytesOf = (v: unknown): Uint8Array | null => {
    const o = v as { bytes?: unknown; hex?: unknown } | null;
    if (typeof o !== 'object' || o === null || typeof o.bytes !== 'number' || typeof o.hex !== 'string' || Object.keys(o).length !== 2) return null;
    return o.hex.length === o.bytes * 2 ? Uint8Array.from(Buffer.from(o.hex, 'hex')) : null;
  };
  const top = bytesOf(detail);
  if (top !== null) return top;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return detail;
  const o = detail as Record<string, unknown>;
  if (!Object.values(o).some((v) => bytesOf(v) !== null)) return detail;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) copy[k] = bytesOf(v) ?? v;
  return copy;
}

function hooksOf(protocols: ReadonlyMap<NodeId, AnyProtocol>): ReportHooks {
  return {
    describe(from, detail) {
      const p = protocols.get(from);
      if (p?.describeMessage === undefined) return null;
      try {
        return p.describeMessage(fromReadable(detail));
      } catch {
        return null; // a decoder that chokes on a forged message must not take the page down
      }
    },
    operation(node, observation) {
      const p = protocols.get(node);
      return p?.operation === undefined ? null : p.operation(observation);
    },
    declaresLanes: (node) => protocols.get(node)?.lanes !== undefined,
  };
}

/** Runs `config` with the whole trace recorded and every node's lanes sampled after each step. */
export function recordRun(scenario: Scenario, config: RunConfig, capacity = TRACE_CAPACITY): RecordedRun {
  const world = scenario.build(config);
  const protocols = new Map<NodeId, AnyProtocol>(world.nodes.map((n) => [n.id, n.protocol]));
  const samples: LaneSample[] = [];
  const last = new Map<NodeId, string>();
  const state = new Map<NodeId, unknown>();
  const dirty = new Set<NodeId>();
  const status = new Map<NodeId, string>();
  let started = false;
  const note = (node: NodeId, i: number, t: number, view: LaneView | null) => {
    const key = view === null ? 'down' : JSON.stringify(view);
    if (last.get(node) === key) return;
    last.set(node, key);
    samples.push({ i, t, node, view });
  };
  const lanesOf = (node: NodeId): LaneView => protocols.get(node)!.lanes!(state.get(node));
  const wrap = (n: NodeSpec): NodeSpec => {
    const p = n.protocol;
    if (p.lanes === undefined) return n;
    const step = (s: unknown, input: Input<unknown, unknown>, env: Parameters<AnyProtocol['step']>[2]) => {
      const r = p.step(s, input, env);
      state.set(n.id, r.state);
      // Boots come before the first event, at time 0; every other step is sampled when its event ends.
      if (!started && input.type === 'start') note(n.id, 0, 0, lanesOf(n.id));
      else dirty.add(n.id);
      return r;
    };
    return { ...n, protocol: { ...p, step } };
  };
  const flush = (i: number, t: number, world: WorldView | null) => {
    for (const id of [...dirty].sort()) if (world === null || world.node(id).status !== 'down') note(id, i, t, lanesOf(id));
    dirty.clear();
  };
  const sampler: InvariantChecker = {
    name: 'report:lanes',
    kind: 'safety',
    afterEvent(w) {
      started = true;
      const i = w.eventIndex - 1;
      for (const n of w.nodes) {
        if (status.get(n.id) === n.status) continue;
        status.set(n.id, n.status);
        if (n.status === 'down' && protocols.get(n.id)?.lanes !== undefined) {
          dirty.delete(n.id);
          note(n.id, i, w.nowMs, null);
        }
      }
      flush(i, w.nowMs, w);
    },
  };
  const result = runWorld(config, { ...world, nodes: world.nodes.map(wrap), checkers: [...world.checkers, sampler] }, {
    trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity },
  });
  // A violation seen inside a step stops the run before its event ends: its steps are sampled here.
  if (result.violation !== null) flush(result.violation.eventIndex, result.violation.atMs, null);
  const nodeRoles: Record<NodeId, string> = {};
  for (const n of world.nodes) nodeRoles[n.id] = n.role;
  const invariants: Record<string, string> = {};
  for (const c of world.checkers) invariants[c.name] = c.description ?? '';
  return { result, lanes: samples, hooks: hooksOf(protocols), nodeRoles, invariants };
}
