/**
 * The deterministic kernel: a virtual clock, an event queue ordered by (time, sequence), the
 * simulated network and disks, node crash/restart/pause and clock faults, invariant hooks, and
 * the trace. `runWorld` is the whole of it: a config and a world in, a result out.
 *
 * A run has two phases. The faulty phase applies the fault schedule for `durationMs`; then the
 * kernel heals everything (partitions, network conditions, crashed and paused nodes) and runs a
 * quiet phase of `quietMs` in which the liveness checkers' conditions must come true.
 */
import type { AnyProtocol, DiskWrite, Effect, Env, Input, NodeId, Rng } from '../core/contract/protocol.ts';
import type { DirectedSchedule, InvariantChecker, NodeStatus, NodeView, RunConfig, World, WorldView } from './scenario.ts';
import type { FaultEvent } from './faults.ts';
import { LinkModel, sampleLatencyMs, type LatencyDistribution, type LinkConditions } from './network.ts';
import { Stream } from '../core/contract/rng.ts';
import { applyDiskWrite, landedWrite, type WriteFault } from '../core/contract/disk.ts';
import { EventHeap, emptyObjectArray } from './heap.ts';
import { Trace, canonicalJson, hashString, traceCode, type TraceEntry, type TraceKind, type TraceRecording } from './trace.ts';

const T_SEND = traceCode.send;
const T_DELIVER = traceCode.deliver;
const T_TIMER = traceCode.timer;

export type ViolationKind = 'safety' | 'liveness' | 'crash' | 'budget';

export interface Violation {
  /** The checker's name, or `kernel:step-threw` / `kernel:event-budget`. */
  readonly invariant: string;
  readonly kind: ViolationKind;
  readonly message: string;
  readonly atMs: number;
  readonly eventIndex: number;
  /** Every node's state (null while down) when the violation was seen. */
  readonly states: Readonly<Record<NodeId, unknown>>;
  /** What the checker kept to show it (`InvariantChecker.evidence`), e.g. the failing key's history. */
  readonly evidence?: unknown;
}

export interface RunStats {
  messagesSent: number;
  messagesDelivered: number;
  messagesDropped: number;
  messagesDuplicated: number;
  timersFired: number;
  commands: number;
  replies: number;
  observations: number;
  writes: number;
  crashes: number;
  restarts: number;
  pauses: number;
  forgeries: number;
}

export interface RunResult {
  readonly config: RunConfig;
  readonly traceHash: string;
  readonly events: number;
  readonly simulatedMs: number;
  readonly violation: Violation | null;
  readonly stats: RunStats;
  /** Recorded trace entries (empty unless recording was asked for). */
  readonly trace: readonly TraceEntry[];
  /** Entries recorded and then dropped to keep the tail within capacity. */
  readonly traceOmitted: number;
  /** The running hash after every `checkpointEvery` events, to find where two runs diverge. */
  readonly checkpoints: readonly string[];
  /** How often each `cover` event fired (not part of the trace hash). */
  readonly coverage: Readonly<Record<string, number>>;
}

export interface RunOptions {
  readonly trace?: TraceRecording | null;
  /** Record the running hash every this many events (0: never). */
  readonly checkpointEvery?: number;
  /** Called for every observation, after the checkers: measurements and metrics hook in here. */
  readonly onObservation?: (node: NodeId, observation: unknown, nowMs: number) => void;
}

const DELIVER = 0;
const TIMER = 1;
const COMMAND = 2;
const FAULT = 3;
const RESUME = 4;
const HEAL = 5;
const END = 6;
/** A write completing on a disk with latency (`RunConfig.disk`), or an effect held behind one. */
const DISK = 7;

/**
 * One queued event. A single shape for every kind keeps the hot loop monomorphic; what each field
 * holds depends on the kind (-1 or 0 where unused):
 *
 *   kind     node      peer                  gen                    msg         data
 *   DELIVER  receiver  sender                the message's tag      message id  the message
 *   TIMER    owner     owner's incarnation   the timer's generation             the timer's name
 *   COMMAND  target                          command id                         the command
 *   FAULT                                    index in config.faults             the fault
 *   RESUME   node                                                               (a pause ends)
 *   HEAL, END
 *   DISK     writer    writer's incarnation                                     the effect held
 *
 * An incarnation in `peer` makes an event of a node's earlier life (before a crash) a no-op.
 */
interface Ev {
  t: number;
  seq: number;
  kind: number;
  node: number;
  peer: number;
  gen: number;
  msg: number;
  data: unknown;
}

const UP = 0;
const DOWN = 1;
const PAUSED = 2;
const statusNames: readonly NodeStatus[] = ['up', 'down', 'paused'];

const BLOCK_PARTITION = 1;
const BLOCK_ONEWAY = 2;

class NodeEnv implements Env {
  nowMs = 0;
  constructor(
    readonly self: NodeId,
    /** Replaced once, when a directed run's quiet phase begins. */
    public rng: Rng,
  ) {}
}

/** What a directed run's schedule leaves pending at its end, for its quiet phase. */
interface DirectedContinuation {
  /** Ids of the messages in flight at the end. */
  readonly inflight: ReadonlySet<number>;
  /** Those messages, as they were sent. */
  readonly held: { readonly from: number; readonly to: number; readonly message: unknown; readonly msg: number; readonly tag: number }[];
  /** Timer arms the schedule never fires: their due times. */
  readonly unfired: Map<number, number>;
  /** Commands the schedule never delivers. */
  readonly commands: { readonly node: number; readonly commandId: number; readonly atMs: number; readonly command: unknown }[];
}

/**
 * The randomness of a directed run and of the explorer: next() is always 0, so int(n) is 0 and
 * between(min, max) is min. An explored scenario fixes its randomness this way; the explorer
 * branches on what the world does, not on what a node draws.
 */
export class FixedRng implements Rng {
  next(): number {
    return 0;
  }
  int(n: number): number {
    if (!(n >= 1 && Number.isInteger(n))) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return 0;
  }
  between(min: number, max: number): number {
    if (!(max >= min)) throw new RangeError(`Rng.between: max ${max} < min ${min}`);
    return min;
  }
}

class LiveNodeView implements NodeView {
  status: NodeStatus = 'up';
  state: unknown = undefined;
  incarnation = 0;
  constructor(
    readonly id: NodeId,
    readonly role: string,
    readonly disk: Record<string, string[]>,
  ) {}
}

class LiveWorldView implements WorldView {
  phase: 'faulty' | 'quiet' = 'faulty';
  private readonly byId: Map<NodeId, LiveNodeView>;
  constructor(
    readonly nodes: readonly LiveNodeView[],
    private readonly clock: { readonly now: number; readonly eventIndex: number },
  ) {
    this.byId = new Map(nodes.map((n) => [n.id, n]));
  }
  // Read from the kernel when asked, rather than copied into the view on every event.
  get nowMs(): number {
    return this.clock.now;
  }
  get eventIndex(): number {
    return this.clock.eventIndex;
  }
  node(id: NodeId): NodeView {
    const n = this.byId.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }
}

class StopRun extends Error {}

/** The disk-write latency model of a run (`RunConfig.disk`), when it has one. */
interface DiskModel {
  readonly latency: LatencyDistribution;
  /** Per node: its disk's own stream, so draws for writes never shift any other randomness. */
  readonly rngs: readonly Stream[];
  /** Per node: when its last write completes (its disk writes one at a time). */
  readonly busyUntil: Float64Array;
}

/** What the kernel keeps per directed link. */
interface LinkState {
  readonly index: number;
  readonly rng: Stream;
  /** The link's conditions (current as of `epoch`), compiled for the per-message path. */
  model: LinkModel;
  epoch: number;
  /** Latest arrival time scheduled on the link, for FIFO links. */
  lastArrival: number;
  /** The last message delivered on the link: what a replaying or tampering attacker has seen. */
  lastDelivered: unknown;
}

interface LinkTable {
  get(index: number): LinkState | undefined;
  set(index: number, link: LinkState): void;
}

class DenseLinks implements LinkTable {
  private readonly slots: (LinkState | undefined)[];
  constructor(size: number) {
    this.slots = new Array(size).fill(undefined);
  }
  get(index: number): LinkState | undefined {
    return this.slots[index];
  }
  set(index: number, link: LinkState): void {
    this.slots[index] = link;
  }
}

class SparseLinks extends Map<number, LinkState> implements LinkTable {}

export function runWorld(config: RunConfig, world: World, options: RunOptions = {}): RunResult {
  return new Kernel(config, world, options).run();
}

class Kernel {
  private readonly names: NodeId[];
  private readonly protocols: AnyProtocol[];
  private readonly faultable: boolean[];
  private readonly n: number;
  private readonly states: unknown[];
  private readonly status: Uint8Array;
  private readonly pauseUntil: Float64Array;
  private readonly incarnation: Int32Array;
  private readonly timers: Map<string, number>[];
  private timerGen = 0;
  private readonly disks: Record<string, string[]>[];
  private readonly skewMs: Float64Array;
  private readonly driftRate: Float64Array;
  /** No clock fault has been applied yet: every node's clock reads the global time. */
  private clocksExact = true;
  private readonly envs: NodeEnv[];
  private readonly faultRng: Stream;
  private readonly baseConditions: LinkConditions;
  private currentConditions: LinkConditions;
  /** `currentConditions` compiled, shared by every link without an override. */
  private currentModel: LinkModel;
  private readonly overrides = new Map<number, Partial<LinkConditions>>();
  /** Link conditions set by `network` fault events that name links; cleared by the final heal. */
  private readonly faultOverrides = new Map<number, Partial<LinkConditions>>();
  /** Events that arrived for a paused node, in arrival order. */
  private readonly deferred: Ev[][];
  /** Commands, faults, the final heal and the end, by (time, sequence); run from `fixedNext` on. */
  private readonly fixed: Ev[] = [];
  private fixedNext = 0;
  /** `fixed[fixedNext]`: the next fixed event, or undefined when none is left. */
  private fixedHead: Ev | undefined = undefined;
  /** Spent event objects, for reuse. */
  private readonly spare: Ev[] = emptyObjectArray<Ev>();
  /** The event being dispatched, when dispatching kept it (deferred for a paused node). */
  private kept: Ev | null = null;
  /** Whether the schedule has forgeries (then links remember their last message). */
  private readonly forgeries: boolean;
  /** Bumped whenever link conditions change; a link recomputes its conditions when its epoch is older. */
  private conditionsEpoch = 0;
  private readonly links: LinkTable;
  private readonly blocked: Uint8Array;
  private readonly pendingCrash: ((FaultEvent & { type: 'crash' }) | undefined)[];
  private readonly index: Map<NodeId, number>;
  private readonly lastTarget: NodeId[];
  private readonly lastTargetIndex: Int32Array;
  private readonly heap = new EventHeap<Ev>();
  private readonly trace: Trace;
  private readonly view: LiveWorldView;
  /** `view.nodes`, one load nearer. */
  private readonly nodeViews: readonly LiveNodeView[];
  private readonly checkers: readonly InvariantChecker[];
  private readonly afterEventCheckers: readonly InvariantChecker[];
  private readonly observationCheckers: readonly InvariantChecker[];
  private readonly replyCheckers: readonly InvariantChecker[];
  private readonly messageCheckers: readonly InvariantChecker[];
  // Not private: the world view reads them (see LiveWorldView).
  now = 0;
  eventIndex = 0;
  private nextMsgId = 0;
  private violation: Violation | null = null;
  /** A directed run's schedule (null in every ordinary run, and once a directed run's quiet phase begins). */
  private directed: DirectedSchedule | null;
  /** A directed run with a quiet phase: what the schedule left pending at its end, to go on with. */
  private readonly continuation: DirectedContinuation | null;
  /** Directed events waiting for their turn, by order: they enter the queue strictly in order. */
  private readonly pendingOrdered: (Ev | undefined)[] = [];
  private nextOrder = 0;
  /** Directed mid-step crashes: the landing point of the crash armed on each node (-1: draw it). */
  private readonly pendingLanding: Int32Array;
  /** Index in config.faults of the fault being applied. */
  private faultIndex = -1;
  private readonly checkpoints: string[] = [];
  private readonly coverage = new Map<string, number>();
  /** Disk-write latency; null (the default) when writes are instant. */
  private readonly disk: DiskModel | null;
  private readonly stats: RunStats = {
    messagesSent: 0, messagesDelivered: 0, messagesDropped: 0, messagesDuplicated: 0, timersFired: 0, commands: 0,
    replies: 0, observations: 0, writes: 0, crashes: 0, restarts: 0, pauses: 0, forgeries: 0,
  };

  constructor(
    private readonly config: RunConfig,
    world: World,
    private readonly options: RunOptions,
  ) {
    const specs = [...world.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let k = 1; k < specs.length; k++) if (specs[k]!.id === specs[k - 1]!.id) throw new Error(`duplicate node id ${specs[k]!.id}`);
    const n = specs.length;
    this.n = n;
    this.names = specs.map((s) => internalized(s.id));
    this.protocols = specs.map((s) => s.protocol);
    this.faultable = specs.map((s) => s.faultable);
    this.states = new Array<unknown>(n).fill(undefined);
    this.status = new Uint8Array(n);
    this.pauseUntil = new Float64Array(n);
    this.incarnation = new Int32Array(n);
    this.timers = specs.map(() => new Map());
    this.disks = specs.map(() => ({}));
    this.skewMs = new Float64Array(n);
    this.driftRate = new Float64Array(n);
    this.directed = config.directed ?? null;
    this.continuation = this.directed !== null && config.quietMs > 0 ? { inflight: new Set(this.directed.inflight ?? []), held: [], unfired: new Map(), commands: [] } : null;
    const fixed = this.directed?.fixedRng === true ? new FixedRng() : null;
    this.envs = specs.map((s, i) => new NodeEnv(this.names[i]!, fixed ?? new Stream(config.seed, `node/${s.id}`)));
    this.pendingLanding = new Int32Array(n).fill(-1);
    if (config.disk !== undefined && this.directed !== null) throw new Error('a directed run cannot have a disk latency model');
    this.disk =
      config.disk === undefined
        ? null
        : { latency: config.disk.latency, rngs: specs.map((s) => new Stream(config.seed, `disk/${s.id}`)), busyUntil: new Float64Array(n) };
    this.faultRng = new Stream(config.seed, 'faults/runtime');
    this.baseConditions = config.network.base;
    this.currentConditions = this.baseConditions;
    this.currentModel = new LinkModel(this.baseConditions);
    const index = new Map(this.names.map((id, i) => [id, i]));
    this.index = index;
    // Each node starts out having "last sent" to itself: a true mapping, and a string from the
    // start (an undefined here would make every later comparison a generic one).
    this.lastTarget = this.names.slice();
    this.lastTargetIndex = Int32Array.from(this.names, (_, i) => i);
    for (const o of config.network.overrides ?? []) {
      const from = index.get(o.from);
      const to = index.get(o.to);
      if (from === undefined || to === undefined) throw new Error(`network override names an unknown node: ${o.from}>${o.to}`);
      this.overrides.set(from * n + to, o.conditions);
    }
    this.links = n <= 256 ? new DenseLinks(n * n) : new SparseLinks();
    this.blocked = new Uint8Array(n * n);
    this.pendingCrash = new Array(n).fill(undefined);
    this.deferred = specs.map(() => []);
    this.forgeries = config.faults.some((f) => f.type === 'forge');
    this.trace = new Trace(options.trace ?? null);
    this.view = new LiveWorldView(specs.map((s, i) => new LiveNodeView(this.names[i]!, s.role, this.disks[i]!)), this);
    this.nodeViews = this.view.nodes;
    this.checkers = world.checkers;
    this.afterEventCheckers = world.checkers.filter((c) => c.afterEvent);
    this.observationCheckers = world.checkers.filter((c) => c.onObservation);
    this.replyCheckers = world.checkers.filter((c) => c.onReply);
    this.messageCheckers = world.checkers.filter((c) => c.onMessage);

    const indexOf = (id: NodeId, what: string): number => {
      const i = index.get(id);
      if (i === undefined) throw new Error(`${what} names an unknown node ${id}`);
      return i;
    };
    const directed = this.directed;
    world.commands.forEach((c, commandId) => {
      const node = indexOf(c.node, 'a command');
      if (directed === null) this.scheduleFixed(c.atMs, COMMAND, node, commandId, c.command);
      else {
        const at = directed.commands[commandId];
        if (at) this.scheduleOrdered(at, COMMAND, node, -1, commandId, -1, c.command);
        else this.continuation?.commands.push({ node, commandId, atMs: c.atMs, command: c.command });
      }
    });
    config.faults.forEach((f, k) => {
      if ('node' in f) {
        const i = indexOf(f.node, `fault ${f.type}`);
        if (!this.faultable[i]) throw new Error(`fault ${f.type} targets ${f.node}, which takes no faults`);
      }
      if (directed !== null) {
        const d = directed.faults[k];
        if (d === undefined) throw new Error(`the directed schedule has no order for fault ${k}`);
        this.scheduleOrdered({ atMs: f.atMs, order: d.order }, FAULT, -1, -1, k, -1, f);
      } else if (f.atMs < config.durationMs) this.scheduleFixed(f.atMs, FAULT, -1, k, f);
    });
    if (directed !== null) {
      // A directed run ends where its schedule ends, or heals there and goes on for its quiet phase.
      this.scheduleOrdered(directed.end, this.continuation === null ? END : HEAL, -1, -1, 0, -1, undefined);
    } else {
      this.scheduleFixed(config.durationMs, HEAL, -1, 0, undefined);
      this.scheduleFixed(config.durationMs + config.quietMs, END, -1, 0, undefined);
      this.fixed.sort((a, b) => a.t - b.t || a.seq - b.seq);
      this.fixedHead = this.fixed[0];
    }
  }

  run(): RunResult {
    try {
      for (let i = 0; i < this.n; i++) this.boot(i);
      this.loop();
    } catch (e) {
      if (!(e instanceof StopRun)) throw e;
    }
    // Fold every node's final state and disk into the hash: a divergence in message contents
    // that never changed timing still changes the run's identity.
    for (let i = 0; i < this.n; i++) {
      // Plain JSON, not canonical: deterministic code writes keys in a deterministic order, and
      // canonicalising every state was the cost of a large run's end (seconds at 5,000 nodes).
      this.trace.mixInt(hashString(JSON.stringify(this.states[i] ?? null)));
      this.trace.mixInt(hashString(JSON.stringify(this.disks[i])));
    }
    const recorded = this.trace.recorded();
    return {
      config: this.config,
      traceHash: this.trace.hash(),
      events: this.eventIndex,
      simulatedMs: this.now,
      violation: this.violation,
      stats: this.stats,
      trace: recorded.entries,
      traceOmitted: recorded.omitted,
      checkpoints: this.checkpoints,
      coverage: Object.fromEntries([...this.coverage.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    };
  }

  private loop(): void {
    const heap = this.heap;
    const maxEvents = this.config.maxEvents;
    const every = this.options.checkpointEvery ?? 0;
    const after = this.afterEventCheckers;
    const spare = this.spare;
    for (;;) {
      // The next event is the queue's first or the next fixed event, whichever is earlier.
      let ev = heap.peek();
      const fixed = this.fixedHead;
      if (fixed !== undefined && (ev === undefined || fixed.t < ev.t || (fixed.t === ev.t && fixed.seq < ev.seq))) {
        ev = fixed;
        this.fixedHead = this.fixed[++this.fixedNext];
      } else if (ev === undefined) return this.drained();
      else heap.pop();
      this.now = ev.t;
      // Deliveries are most events: their call is direct, not through the switch over every kind.
      const counted = ev.kind === DELIVER ? this.deliver(ev) : this.dispatch(ev);
      // An event waiting for a paused node is still in use; any other is spent once dispatched.
      if (this.kept === ev) this.kept = null;
      else {
        ev.data = undefined;
        spare.push(ev);
      }
      if (counted === false) continue;
      this.eventIndex++;
      if (every > 0 && this.eventIndex % every === 0) this.checkpoints.push(this.trace.hash());
      for (let k = 0; k < after.length; k++) {
        const c = after[k]!;
        const msg = c.afterEvent!(this.view);
        if (msg) this.failChecker(c, msg);
      }
      if (ev.kind === END) return;
      if (this.eventIndex >= maxEvents) {
        this.fail('kernel:event-budget', 'budget', `the run used its budget of ${maxEvents} events before ${this.config.durationMs + this.config.quietMs} ms of virtual time (at ${ev.t.toFixed(3)} ms): a message or timer storm`);
      }
    }
  }

  /**
   * The queue ran dry before the end. An ordinary run can't get here (its end waits in `fixed`);
   * a directed run whose orders skip a number holds back every later event, its end included.
   */
  private drained(): void {
    if (this.nextOrder < this.pendingOrdered.length) {
      throw new Error(`directed schedule: no event took order ${this.nextOrder} (a gap in the orders, or a message or timer the run never made), so the later ones, the end among them, never happen`);
    }
  }

  /** Runs one event. Returns false for events that don't count (stale timers, deferrals). */
  private dispatch(ev: Ev): boolean {
    switch (ev.kind) {
      case DELIVER:
        return this.deliver(ev);
      case TIMER: {
        const i = ev.node;
        const name = ev.data as string;
        if (this.status[i] === DOWN || this.incarnation[i] !== ev.peer || this.timers[i]!.get(name) !== ev.gen) return false;
        if (this.status[i] === PAUSED) return this.defer(ev);
        // The entry stays through the step: a re-arm (the usual next step) overwrites it without a
        // delete and an insert. One the step did not re-arm is spent and goes, or timers named
        // once each (a relay per probe) would pile up for the length of the run.
        this.stats.timersFired++;
        this.begin(ev.t);
        this.trace.note(this.eventIndex, this.now, T_TIMER, i, -1, name, this.names, -1, this.trace.tag(name));
        this.step(i, { type: 'timer', timer: name });
        const timers = this.timers[i]!;
        if (timers.get(name) === ev.gen) timers.delete(name);
        return true;
      }
      case COMMAND: {
        const i = ev.node;
        if (this.status[i] === PAUSED) return this.defer(ev);
        this.begin(ev.t);
        this.stats.commands++;
        if (this.status[i] === DOWN) {
          this.note('drop', i, -1, { reason: 'node down', commandId: ev.gen });
          return true;
        }
        this.note('command', i, -1, ev.data, ev.gen);
        this.step(i, { type: 'command', commandId: ev.gen, command: ev.data });
        return true;
      }
      case FAULT:
        this.begin(ev.t);
        this.faultIndex = ev.gen;
        this.applyFault(ev.data as FaultEvent);
        return true;
      case RESUME: {
        const i = ev.node;
        if (this.status[i] !== PAUSED || this.pauseUntil[i]! > ev.t) return false;
        this.begin(ev.t);
        this.resume(i);
        return true;
      }
      case HEAL:
        this.begin(ev.t);
        if (this.directed !== null) this.leaveDirected();
        else this.finalHeal();
        return true;
      case END:
        this.begin(ev.t);
        this.note('phase', -1, -1, 'end');
        this.atEnd();
        return true;
      case DISK:
        return this.diskDone(ev);
      default:
        throw new Error(`unknown event kind ${ev.kind}`);
    }
  }

  private begin(t: number): void {
    this.trace.mixNumber(t);
  }

  private deliver(ev: Ev): boolean {
    const to = ev.node;
    const from = ev.peer;
    if (this.status[to] !== UP || this.blocked[from * this.n + to] !== 0) return this.undeliverable(ev);
    this.begin(ev.t);
    this.stats.messagesDelivered++;
    // Only an attacker needs the last message of a link; don't pay for it on every delivery otherwise.
    if (this.forgeries) this.link(from * this.n + to).lastDelivered = ev.data;
    this.trace.note(this.eventIndex, this.now, T_DELIVER, to, from, ev.data, this.names, ev.msg, ev.gen);
    if (this.messageCheckers.length > 0) this.tellMessage('delivered', from, to, ev.data);
    this.step(to, { type: 'message', from: this.names[from]!, message: ev.data });
    return true;
  }

  /** A message for a node that is paused (it waits), down or cut off (it is dropped). */
  private undeliverable(ev: Ev): boolean {
    const to = ev.node;
    const from = ev.peer;
    if (this.status[to] === PAUSED) return this.defer(ev);
    this.begin(ev.t);
    this.stats.messagesDropped++;
    this.note('drop', to, from, this.status[to] === DOWN ? 'target down' : 'partition', ev.msg);
    return true;
  }

  /** A paused node's events wait, in their order, until it resumes (or crashes). */
  private defer(ev: Ev): false {
    this.deferred[ev.node]!.push(ev);
    this.kept = ev;
    return false;
  }

  /**
   * A stalled process that wakes finds its overdue timers and a backlog of messages: like an event
   * loop that checks its timers before it polls its sockets, it handles the timers first. This is
   * the slow member of Lifeguard: its probe times out before it reads the ack that came meanwhile.
   */
  private releaseDeferred(i: number): void {
    const waiting = this.deferred[i]!;
    if (waiting.length === 0) return;
    this.deferred[i] = [];
    for (const ev of waiting) if (ev.kind === TIMER) this.requeue(ev);
    for (const ev of waiting) if (ev.kind !== TIMER) this.requeue(ev);
  }

  private requeue(ev: Ev): void {
    ev.t = this.now;
    this.heap.push(ev);
  }

  private resume(i: number): void {
    this.status[i] = UP;
    this.view.nodes[i]!.status = 'up';
    this.note('resume', i, -1, undefined);
    this.releaseDeferred(i);
  }

  private schedule(t: number, kind: number, node: number, peer: number, gen: number, msg: number, data: unknown): void {
    // Spent events are reused: the run allocates one per event in flight, not one per event.
    const ev = this.spare.pop();
    if (ev === undefined) {
      this.heap.push({ t, seq: 0, kind, node, peer, gen, msg, data });
      return;
    }
    ev.t = t;
    ev.kind = kind;
    ev.node = node;
    ev.peer = peer;
    ev.gen = gen;
    ev.msg = msg;
    ev.data = data;
    this.heap.push(ev);
  }

  /**
   * An event whose time is known before the run starts (a command, a fault, the final heal, the
   * end). It takes its place in the order now (its sequence number) but waits outside the queue,
   * in `fixed`: the queue every message goes through stays as shallow as the traffic.
   */
  private scheduleFixed(t: number, kind: number, node: number, gen: number, data: unknown): void {
    this.fixed.push({ t, seq: this.heap.reserve(), kind, node, peer: -1, gen, msg: -1, data });
  }

  /**
   * A directed event. It enters the queue only after every event of a lower order did, so events
   * at the same time keep the directed order (the queue breaks ties by insertion).
   */
  private scheduleOrdered(at: { atMs: number; order: number }, kind: number, node: number, peer: number, gen: number, msg: number, data: unknown): void {
    if (!(Number.isSafeInteger(at.order) && at.order >= this.nextOrder) || this.pendingOrdered[at.order] !== undefined) {
      throw new Error(`directed schedule: order ${at.order} is used twice or comes too late`);
    }
    this.pendingOrdered[at.order] = { t: at.atMs, seq: 0, kind, node, peer, gen, msg, data };
    for (let ev = this.pendingOrdered[this.nextOrder]; ev !== undefined; ev = this.pendingOrdered[this.nextOrder]) {
      this.pendingOrdered[this.nextOrder++] = undefined;
      this.heap.push(ev);
    }
  }

  private localTime(i: number): number {
    // Without skew and drift the formula gives exactly `now`; skip it until a clock fault.
    if (this.clocksExact) return this.now;
    return this.now * (1 + this.driftRate[i]!) + this.skewMs[i]!;
  }

  private boot(i: number): void {
    const env = this.envs[i]!;
    env.nowMs = this.localTime(i);
    const state = this.protocols[i]!.init(this.names[i]!, env);
    this.states[i] = state;
    this.status[i] = UP;
    const view = this.view.nodes[i]!;
    view.state = state;
    view.status = 'up';
    view.incarnation = this.incarnation[i]!;
    const disk = this.disks[i]!;
    const durable: Record<string, readonly string[]> = {};
    for (const file of Object.keys(disk).sort()) durable[file] = disk[file]!.slice();
    this.step(i, { type: 'start', durable });
  }

  private step(i: number, input: Input<unknown, unknown>): void {
    const env = this.envs[i]!;
    env.nowMs = this.localTime(i);
    let effects: readonly Effect<unknown, unknown, unknown>[];
    try {
      const result = this.protocols[i]!.step(this.states[i], input, env);
      const state = result.state;
      // A step that kept its state object needs no stores (and no write barriers).
      if (state !== this.states[i]) {
        this.states[i] = state;
        this.nodeViews[i]!.state = state;
      }
      effects = result.effects;
    } catch (e) {
      this.stepThrew(i, input, e);
    }
    // The effects loop is the hot path; the rest of a step's handling is kept out of line so
    // that this stays small enough to be inlined into the deliveries.
    if (this.pendingCrash[i] !== undefined) return this.crashMidStep(i, effects.some(isCover) ? this.countCover(effects) : effects);
    if (this.disk !== null) return this.effectsWithDisk(i, effects, this.disk);
    for (let k = 0; k < effects.length; k++) {
      const effect = effects[k]!;
      // Sends are most effects: a direct call, not through the switch over every kind.
      if (effect.type === 'send') this.send(i, effect.to, effect.message);
      else this.apply(i, effect);
    }
  }

  /**
   * A step's effects on a disk with latency. A write starts when the disk is free and completes a
   * drawn latency later (a DISK event applies it then); a send or reply waits for every write the
   * node issued before it, whether in this step or an earlier one, so no message or reply reveals
   * state that is not yet on disk. Other effects act now.
   */
  private effectsWithDisk(i: number, effects: readonly Effect<unknown, unknown, unknown>[], disk: DiskModel): void {
    for (let k = 0; k < effects.length; k++) {
      const effect = effects[k]!;
      if (effect.type === 'persist') {
        const done = Math.max(this.now, disk.busyUntil[i]!) + sampleLatencyMs(disk.latency, disk.rngs[i]!);
        disk.busyUntil[i] = done;
        this.schedule(done, DISK, i, this.incarnation[i]!, 0, -1, effect);
      } else if ((effect.type === 'send' || effect.type === 'reply') && disk.busyUntil[i]! > this.now) {
        this.schedule(disk.busyUntil[i]!, DISK, i, this.incarnation[i]!, 0, -1, effect);
      } else this.apply(i, effect);
    }
  }

  /**
   * A write completes, or an effect held behind writes is released. A crash before this point lost
   * it (the fsync never returned). A pause doesn't hold it: the write and the queue behind it belong
   * to a step that already ran.
   */
  private diskDone(ev: Ev): true {
    const i = ev.node;
    const effect = ev.data as Effect<unknown, unknown, unknown>;
    this.begin(ev.t);
    if (this.status[i] === DOWN || this.incarnation[i] !== ev.peer) {
      this.note('note', i, -1, effect.type === 'persist' ? { writeLost: effect.write } : `${effect.type} held behind a write lost in a crash`);
      return true;
    }
    this.apply(i, effect);
    return true;
  }

  private stepThrew(i: number, input: Input<unknown, unknown>, e: unknown): never {
    if (e instanceof StopRun) throw e;
    const what = e instanceof Error ? e.message : String(e);
    this.fail('kernel:step-threw', 'crash', `${this.names[i]} threw while handling ${input.type}: ${what}`);
  }

  /**
   * A mid-step crash: pick the effect it lands before. With a write fault, land on a write when
   * the step has one, since that's the fault being asked for.
   */
  private crashMidStep(i: number, effects: readonly Effect<unknown, unknown, unknown>[]): void {
    const pending = this.pendingCrash[i]!;
    const writes: number[] = [];
    for (let k = 0; k < effects.length; k++) if (effects[k]!.type === 'persist') writes.push(k);
    const fault = pending.writeFault ?? 'none';
    const directedLanding = this.pendingLanding[i]!;
    this.pendingLanding[i] = -1;
    const landAt =
      directedLanding >= 0
        ? Math.min(directedLanding, effects.length)
        : fault !== 'none' && writes.length > 0
          ? this.faultRng.pick(writes)
          : this.faultRng.int(effects.length + 1);
    for (let k = 0; k < landAt; k++) this.apply(i, effects[k]!);
    const inFlight = effects[landAt];
    if (inFlight?.type === 'persist') this.damagedWrite(i, inFlight.write, fault);
    this.note('note', i, -1, `crash landed before effect ${landAt} of ${effects.length}`);
    this.crash(i);
  }

  private apply(i: number, effect: Effect<unknown, unknown, unknown>): void {
    switch (effect.type) {
      case 'send':
        this.send(i, effect.to, effect.message);
        return;
      case 'setTimer': {
        const gen = ++this.timerGen;
        this.timers[i]!.set(effect.timer, gen);
        const afterMs = effect.afterMs;
        if (!(afterMs >= 0)) throw new Error(`${this.names[i]} set timer ${effect.timer} with a bad duration ${afterMs}`);
        if (this.directed !== null) return this.setTimerDirected(i, gen, effect.timer, afterMs);
        const localMs = this.clocksExact ? afterMs : afterMs / (1 + this.driftRate[i]!);
        this.schedule(this.now + localMs, TIMER, i, this.incarnation[i]!, gen, -1, effect.timer);
        return;
      }
      case 'cancelTimer':
        this.timers[i]!.delete(effect.timer);
        return;
      case 'persist':
        this.stats.writes++;
        this.note('persist', i, -1, effect.write);
        applyDiskWrite(this.disks[i]!, effect.write);
        return;
      case 'reply': {
        this.stats.replies++;
        this.note('reply', i, -1, effect.reply, effect.commandId);
        const checkers = this.replyCheckers;
        for (let k = 0; k < checkers.length; k++) {
          const c = checkers[k]!;
          const msg = c.onReply!(this.names[i]!, effect.commandId, effect.reply, this.view);
          if (msg) this.failChecker(c, msg);
        }
        return;
      }
      case 'cover':
        this.coverage.set(effect.event, (this.coverage.get(effect.event) ?? 0) + 1);
        return;
      case 'observe': {
        this.stats.observations++;
        this.note('observe', i, -1, effect.observation);
        const checkers = this.observationCheckers;
        for (let k = 0; k < checkers.length; k++) {
          const c = checkers[k]!;
          const msg = c.onObservation!(this.names[i]!, effect.observation, this.view);
          if (msg) this.failChecker(c, msg);
        }
        this.options.onObservation?.(this.names[i]!, effect.observation, this.now);
        return;
      }
      default: {
        const unknown: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A step's effects without its cover effects, counted: a crash lands among the effects that touch the world. */
  private countCover(effects: readonly Effect<unknown, unknown, unknown>[]): Effect<unknown, unknown, unknown>[] {
    const rest: Effect<unknown, unknown, unknown>[] = [];
    for (const e of effects) {
      if (e.type === 'cover') this.coverage.set(e.event, (this.coverage.get(e.event) ?? 0) + 1);
      else rest.push(e);
    }
    return rest;
  }

  private send(from: number, toId: NodeId, message: unknown): void {
    // Most sends go where the sender's last one went: skip the map lookup then.
    const to = this.lastTarget[from] === toId ? this.lastTargetIndex[from]! : this.targetOf(from, toId);
    const msg = this.nextMsgId++;
    this.stats.messagesSent++;
    // The message's fingerprint is computed once and travels with it (in `gen`) to its delivery.
    const tag = this.trace.detailTag(message);
    this.trace.note(this.eventIndex, this.now, T_SEND, from, to, message, this.names, msg, tag);
    if (this.messageCheckers.length > 0) this.tellMessage('sent', from, to, message);
    if (this.directed !== null) return this.sendDirected(from, to, message, msg, tag);
    const link = this.link(from * this.n + to);
    const model = link.epoch === this.conditionsEpoch ? link.model : this.refreshModel(link);
    const rng = link.rng;
    // `chance` draws nothing for a rate of 0; the checks here only save the call.
    if (model.lossRate > 0 && rng.chance(model.lossRate)) {
      this.stats.messagesDropped++;
      this.note('drop', to, from, 'loss', msg);
      return;
    }
    this.schedule(this.arrival(link, model, rng), DELIVER, to, from, tag, msg, message);
    if (model.duplicateRate > 0 && rng.chance(model.duplicateRate)) {
      this.stats.messagesDuplicated++;
      this.note('duplicate', to, from, undefined, msg);
      this.schedule(this.arrival(link, model, rng), DELIVER, to, from, tag, msg, message);
    }
  }

  /** The index of a node a send names, remembered as the sender's last target. */
  private targetOf(from: number, toId: NodeId): number {
    const to = this.index.get(toId);
    if (to === undefined) throw new Error(`${this.names[from]} sent to an unknown node ${JSON.stringify(toId)}`);
    this.lastTarget[from] = toId;
    this.lastTargetIndex[from] = to;
    return to;
  }

  /** A timer armed in a directed run: it fires when directed, or never (a quiet phase fires it when due). */
  private setTimerDirected(i: number, gen: number, timer: string, afterMs: number): void {
    const at = this.directed!.timers[gen - 1];
    if (at) this.scheduleOrdered(at, TIMER, i, this.incarnation[i]!, gen, -1, timer);
    else this.continuation?.unfired.set(gen, this.now + afterMs);
  }

  /** A send in a directed run: delivered at the given times (none: lost; two or more: duplicated). */
  private sendDirected(from: number, to: number, message: unknown, msg: number, tag: number): void {
    const times = this.directed!.deliveries[msg] ?? [];
    const c = this.continuation;
    if (c !== null && c.inflight.has(msg)) c.held.push({ from, to, message, msg, tag });
    else if (times.length === 0) {
      this.stats.messagesDropped++;
      this.note('drop', to, from, 'not delivered (directed run)', msg);
      return;
    }
    for (let k = 0; k < times.length; k++) {
      if (k > 0) {
        this.stats.messagesDuplicated++;
        this.note('duplicate', to, from, undefined, msg);
      }
      this.scheduleOrdered(times[k]!, DELIVER, to, from, tag, msg, message);
    }
  }

  private arrival(link: LinkState, model: LinkModel, rng: Stream): number {
    let t = this.now + model.latencyMs(rng);
    // A FIFO link never lets a message overtake an earlier one (equal times keep send order).
    if (!model.reorder) {
      if (t < link.lastArrival) t = link.lastArrival;
      link.lastArrival = t;
    }
    return t;
  }

  /** A link's state, made on first use: big clusters only pay for the links they use. */
  private link(index: number): LinkState {
    const link = this.links.get(index);
    return link === undefined ? this.newLink(index) : link;
  }

  private newLink(index: number): LinkState {
    const from = this.names[Math.floor(index / this.n)]!;
    const to = this.names[index % this.n]!;
    const link: LinkState = { index, rng: new Stream(this.config.seed, `link/${from}>${to}`), model: this.currentModel, epoch: -1, lastArrival: 0, lastDelivered: undefined };
    this.links.set(index, link);
    return link;
  }

  /** A link's conditions after a change: the current ones, with the link's own overrides on top. */
  private refreshModel(link: LinkState): LinkModel {
    const o = this.overrides.get(link.index);
    const f = this.faultOverrides.get(link.index);
    link.model = o || f ? new LinkModel({ ...this.currentConditions, ...o, ...f }) : this.currentModel;
    link.epoch = this.conditionsEpoch;
    return link.model;
  }

  private setConditions(c: LinkConditions): void {
    this.currentConditions = c;
    this.currentModel = new LinkModel(c);
  }

  /** Node indices named by a fault's node list, where `*` means every node. */
  private nodesOf(ids: readonly NodeId[]): number[] {
    return ids.includes('*') ? this.names.map((_, i) => i) : ids.map((id) => this.index.get(id)!);
  }

  /** The write in flight when a crash landed: lost, torn or corrupted (appends only; the rest are atomic). */
  private damagedWrite(i: number, w: DiskWrite, fault: WriteFault): void {
    if (fault === 'none') {
      this.stats.writes++;
      this.note('persist', i, -1, w);
      applyDiskWrite(this.disks[i]!, w);
      return;
    }
    const landed = landedWrite(w, fault, this.faultRng);
    if (landed === null) {
      this.note('note', i, -1, { writeLost: w });
      return;
    }
    this.note('note', i, -1, { writeDamaged: fault, file: w.file });
    applyDiskWrite(this.disks[i]!, landed);
  }

  private crash(i: number): void {
    this.stats.crashes++;
    this.status[i] = DOWN;
    this.states[i] = undefined;
    this.timers[i] = new Map();
    this.pendingCrash[i] = undefined;
    if (this.disk !== null) this.disk.busyUntil[i] = 0;
    const view = this.view.nodes[i]!;
    view.status = 'down';
    view.state = undefined;
    this.note('crash', i, -1, undefined);
    // What waited for a paused node meets a dead one: messages are dropped, timers are stale.
    this.releaseDeferred(i);
  }

  private restart(i: number): void {
    this.stats.restarts++;
    this.incarnation[i]!++;
    this.note('restart', i, -1, undefined);
    this.boot(i);
  }

  private applyFault(f: FaultEvent): void {
    const index = (id: NodeId) => this.index.get(id)!;
    switch (f.type) {
      case 'crash': {
        const i = index(f.node);
        if (this.status[i] === DOWN) return this.note('note', i, -1, 'crash of a node already down: ignored');
        if (f.landing === 'mid-step') {
          this.pendingCrash[i] = f;
          if (this.directed !== null) this.pendingLanding[i] = this.directed.faults[this.faultIndex]?.landing ?? -1;
          return this.note('note', i, -1, 'crash armed: lands inside the next step');
        }
        return this.crash(i);
      }
      case 'restart': {
        const i = index(f.node);
        if (this.status[i] !== DOWN) return this.note('note', i, -1, 'restart of a node that is up: ignored');
        return this.restart(i);
      }
      case 'partition': {
        for (let k = 0; k < this.blocked.length; k++) this.blocked[k]! &= ~BLOCK_PARTITION;
        const group = new Int32Array(this.n).fill(-1);
        f.groups.forEach((g, gi) => g.forEach((id) => (group[index(id)] = gi)));
        for (let a = 0; a < this.n; a++)
          for (let b = 0; b < this.n; b++)
            if (group[a]! >= 0 && group[b]! >= 0 && group[a] !== group[b]) this.blocked[a * this.n + b]! |= BLOCK_PARTITION;
        return this.note('partition', -1, -1, f.groups);
      }
      case 'oneway':
        for (const a of f.from) for (const b of f.to) this.blocked[index(a) * this.n + index(b)]! |= BLOCK_ONEWAY;
        return this.note('oneway', -1, -1, { from: f.from, to: f.to });
      case 'heal':
        this.blocked.fill(0);
        return this.note('heal', -1, -1, undefined);
      case 'pause': {
        const i = index(f.node);
        if (this.status[i] === DOWN) return this.note('note', i, -1, 'pause of a node that is down: ignored');
        this.stats.pauses++;
        this.status[i] = PAUSED;
        this.view.nodes[i]!.status = 'paused';
        this.pauseUntil[i] = Math.max(this.pauseUntil[i]!, this.now + f.durationMs);
        this.schedule(this.pauseUntil[i]!, RESUME, i, -1, 0, -1, undefined);
        return this.note('pause', i, -1, f.durationMs);
      }
      case 'clock': {
        const i = index(f.node);
        const bound = this.config.clock;
        const skew = Math.max(-bound.maxSkewMs, Math.min(bound.maxSkewMs, f.skewMs));
        const drift = Math.max(-bound.maxDriftPpm, Math.min(bound.maxDriftPpm, f.driftPpm));
        this.skewMs[i] = skew;
        this.driftRate[i] = drift / 1e6;
        this.clocksExact = false;
        return this.note('clock', i, -1, { skewMs: skew, driftPpm: drift });
      }
      case 'forge':
        return this.forge(index(f.node), index(f.from), f.mode);
      case 'network':
        if (f.links === undefined) this.setConditions({ ...this.baseConditions, ...f.conditions });
        else {
          const empty = Object.keys(f.conditions).length === 0;
          for (const a of this.nodesOf(f.links.from))
            for (const b of this.nodesOf(f.links.to)) {
              if (a === b) continue;
              if (empty) this.faultOverrides.delete(a * this.n + b);
              else this.faultOverrides.set(a * this.n + b, f.conditions);
            }
        }
        this.conditionsEpoch++;
        return this.note('network', -1, -1, f.links === undefined ? f.conditions : { ...f.conditions, links: f.links });
    }
  }

  private forge(to: number, from: number, mode: 'replay' | 'tamper' | 'garbage'): void {
    if (this.status[to] !== UP) return this.note('note', to, from, `forge ${mode}: target not up, nothing delivered`);
    const seen = this.links.get(from * this.n + to)?.lastDelivered;
    let message: unknown;
    if (mode === 'garbage') {
      const bytes = new Uint8Array(1 + this.faultRng.int(64));
      for (let k = 0; k < bytes.length; k++) bytes[k] = this.faultRng.int(256);
      message = bytes;
    } else if (seen === undefined) {
      return this.note('note', to, from, `forge ${mode}: nothing seen on the link yet`);
    } else if (mode === 'replay') {
      message = seen;
    } else {
      if (!(seen instanceof Uint8Array) || seen.length === 0) return this.note('note', to, from, 'forge tamper: the link carries no binary messages');
      const copy = seen.slice();
      const at = this.faultRng.int(copy.length);
      copy[at] = copy[at]! ^ (1 + this.faultRng.int(255));
      message = copy;
    }
    this.stats.forgeries++;
    this.note('forge', to, from, { mode, message });
    // Forgery must bounce off: the receiver's state after the step equals its state before.
    const before = canonicalJson(this.states[to]);
    // To the checkers that follow messages, a forgery is a delivery like any other.
    if (this.messageCheckers.length > 0) this.tellMessage('delivered', from, to, message);
    this.step(to, { type: 'message', from: this.names[from]!, message });
    if (this.status[to] === UP && canonicalJson(this.states[to]) !== before) {
      this.fail('kernel:forgery-accepted', 'safety', `${this.names[to]} changed its state on a ${mode === 'garbage' ? 'garbage' : mode === 'replay' ? 'replayed' : 'tampered'} message claiming to come from ${this.names[from]}`);
    }
  }

  /**
   * A directed run's schedule has ended and its quiet phase begins: the final heal, and from here
   * the kernel schedules as in any run. What the schedule left pending goes on: the messages still
   * in flight arrive at their link's latency, armed timers fire when due (an overdue one now),
   * commands not yet delivered arrive at their time (or now), and nodes draw from their seeded streams.
   */
  private leaveDirected(): void {
    const c = this.continuation!;
    this.directed = null;
    this.envs.forEach((env, i) => (env.rng = new Stream(this.config.seed, `node/${this.names[i]}`)));
    this.finalHeal();
    // What goes on is ordered by the world alone, never by the path that reached it (send order
    // across links, arm order across nodes): the explorer takes a world reached along two paths
    // for one, so its continuation must be one too.
    const held = c.held.map((m) => {
      const link = this.link(m.from * this.n + m.to);
      const model = link.epoch === this.conditionsEpoch ? link.model : this.refreshModel(link);
      // A FIFO link's messages keep their send order; a reordering link's are a set, ordered by content.
      return { m, link, model, key: model.reorder ? canonicalJson(m.message) : '' };
    });
    held.sort((a, b) => a.m.from - b.m.from || a.m.to - b.m.to || (a.key < b.key ? -1 : a.key > b.key ? 1 : a.m.msg - b.m.msg));
    for (const { m, link, model } of held) this.schedule(this.arrival(link, model, link.rng), DELIVER, m.to, m.from, m.tag, m.msg, m.message);
    const armed: { i: number; name: string; gen: number; due: number }[] = [];
    for (let i = 0; i < this.n; i++) {
      for (const [name, gen] of this.timers[i]!) {
        const due = c.unfired.get(gen);
        if (due !== undefined) armed.push({ i, name, gen, due: Math.max(this.now, due) });
      }
    }
    armed.sort((a, b) => a.due - b.due || a.i - b.i || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const t of armed) this.schedule(t.due, TIMER, t.i, this.incarnation[t.i]!, t.gen, -1, t.name);
    for (const k of c.commands) this.schedule(Math.max(this.now, k.atMs), COMMAND, k.node, -1, k.commandId, -1, k.command);
    this.schedule(this.now + this.config.quietMs, END, -1, -1, 0, -1, undefined);
  }

  private finalHeal(): void {
    this.view.phase = 'quiet';
    this.note('phase', -1, -1, 'heal');
    this.blocked.fill(0);
    this.setConditions(this.baseConditions);
    this.faultOverrides.clear();
    this.conditionsEpoch++;
    for (let i = 0; i < this.n; i++) {
      this.pendingCrash[i] = undefined;
      if (this.status[i] === PAUSED) this.resume(i);
    }
    for (let i = 0; i < this.n; i++) if (this.status[i] === DOWN) this.restart(i);
    // Faults that outlast the heal (the liveness mode with lasting faults) come back at once.
    for (const f of this.config.lasting ?? []) {
      this.note('note', -1, -1, { lasting: f.type });
      this.applyFault(f);
    }
  }

  private atEnd(): void {
    for (const c of this.checkers) {
      // A directed run without a quiet phase ends at an arbitrary point, not after a heal: only safety is judged.
      if (this.directed !== null && c.kind === 'liveness') continue;
      const msg = c.atEnd?.(this.view);
      if (msg) this.failChecker(c, msg);
    }
  }

  private note(kind: TraceKind, node: number, peer: number, detail: unknown, msg = -1): void {
    this.trace.note(this.eventIndex, this.now, traceCode[kind], node, peer, detail, this.names, msg, this.trace.detailTag(detail));
  }

  /** The checkers that follow messages (`InvariantChecker.onMessage`). */
  private tellMessage(event: 'sent' | 'delivered', from: number, to: number, message: unknown): void {
    const checkers = this.messageCheckers;
    for (let k = 0; k < checkers.length; k++) {
      const c = checkers[k]!;
      const msg = c.onMessage!(event, this.names[from]!, this.names[to]!, message, this.view);
      if (msg) this.failChecker(c, msg);
    }
  }

  private failChecker(c: InvariantChecker, message: string): never {
    return this.fail(c.name, c.kind, message, c.evidence?.());
  }

  private fail(invariant: string, kind: ViolationKind, message: string, evidence?: unknown): never {
    const states: Record<NodeId, unknown> = {};
    for (let i = 0; i < this.n; i++) {
      const s = this.states[i];
      states[this.names[i]!] = s === undefined ? null : JSON.parse(JSON.stringify(s));
    }
    this.violation = { invariant, kind, message, atMs: this.now, eventIndex: this.eventIndex, states, ...(evidence === undefined ? {} : { evidence: JSON.parse(JSON.stringify(evidence)) as unknown }) };
    this.trace.mixString(invariant);
    throw new StopRun(message);
  }

  /** For tests and the explorer: how each node looks right now. */
  statusOf(i: number): NodeStatus {
    return statusNames[this.status[i]!]!;
  }
}

/**
 * The engine's unique copy of a string: V8 keeps one copy of every string used as a property
 * key. Node ids are compared on every send (the sender's last target) and handed to protocols as
 * message senders; when they are unique copies, as string literals are, those comparisons are
 * pointer comparisons. Ids built at run time (`n${k}`) are not, until they go through here.
 * Equal either way: this changes speed, never results.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}


function isCover(e: Effect<unknown, unknown, unknown>): boolean {
  return e.type === 'cover';
}
