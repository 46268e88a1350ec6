/**
 * The driver for unit tests of step functions: a few nodes, one event queue ordered by (time,
 * sequence), a fixed latency, a disk per node that keeps what was persisted (the kernel's disk
 * semantics, core/contract/disk.ts), crash/restart and cut links, and each node's random stream as
 * the kernel would give it (`node/ID` of the seed). Tests use it to run a protocol for a while, or
 * to step one node by hand and look at the effects; the kernel itself is for whole worlds.
 */
import type { Effect, Env, Input, NodeId, Protocol, Rng } from './protocol.ts';
import { Stream } from './rng.ts';
import { applyDiskWrite } from './disk.ts';
import { assertNever } from './assert.ts';

export interface DriverNode<S> {
  readonly id: NodeId;
  state: S;
  up: boolean;
  disk: Record<string, string[]>;
  /** timer name -> generation of the armed one. */
  timers: Map<string, number>;
  rng: Rng;
}

type Event<M> =
  | { at: number; seq: number; kind: 'message'; from: NodeId; to: NodeId; message: M }
  | { at: number; seq: number; kind: 'timer'; node: NodeId; timer: string; generation: number };

export interface Recorded<O> {
  readonly node: NodeId;
  readonly atMs: number;
  readonly observation: O;
}

export class TestDriver<S, M, C, R, O> {
  nowMs = 0;
  latencyMs = 1;
  readonly observations: Recorded<O>[] = [];
  readonly replies: { node: NodeId; commandId: number; reply: R }[] = [];
  /** How often each `cover` event fired. */
  readonly coverage = new Map<string, number>();
  /** Every message delivered or dropped, for tests that count traffic. */
  readonly delivered: { from: NodeId; to: NodeId; message: M }[] = [];
  /** Directed links that lose every message, as "from>to". */
  readonly cut = new Set<string>();
  /** When set, every step's input and effects are kept here (for tests of effect order). */
  stepLog: { node: NodeId; input: Input<M, C>; effects: readonly Effect<M, R, O>[] }[] | null = null;
  /** Drops a message when it returns true (on top of `cut`). */
  dropIf: ((from: NodeId, to: NodeId, message: M) => boolean) | null = null;
  private readonly nodes = new Map<NodeId, DriverNode<S>>();
  private readonly protocols = new Map<NodeId, Protocol<S, M, C, R, O>>();
  private queue: Event<M>[] = [];
  private seq = 0;
  private nextCommandId = 1;
  private timerGeneration = 0;

  constructor(private readonly seed = 1) {}

  /** Add a node and start it on an empty disk. */
  add(id: NodeId, protocol: Protocol<S, M, C, R, O>): this {
    this.protocols.set(id, protocol);
    const node: DriverNode<S> = { id, state: undefined as S, up: false, disk: {}, timers: new Map(), rng: new Stream(this.seed, `node/${id}`) };
    this.nodes.set(id, node);
    this.start(id);
    return this;
  }

  node(id: NodeId): DriverNode<S> {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  state(id: NodeId): S {
    return this.node(id).state;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()].sort();
  }

  env(id: NodeId): Env {
    const n = this.node(id);
    return { self: id, nowMs: this.nowMs, rng: n.rng };
  }

  /**
   * Step a node with an input and apply the effects: all of them, or only the first `applyOnly`
   * (a count, or a function of the effects giving it), after which the node crashes.
   */
  step(id: NodeId, input: Input<M, C>, applyOnly?: number | ((effects: readonly Effect<M, R, O>[]) => number)): readonly Effect<M, R, O>[] {
    const n = this.node(id);
    if (!n.up && input.type !== 'start') throw new Error(`${id} is down`);
    const protocol = this.protocols.get(id) as Protocol<S, M, C, R, O>;
    const { state, effects } = protocol.step(n.state, input, this.env(id));
    n.state = state;
    n.up = true;
    this.stepLog?.push({ node: id, input, effects });
    const limit = typeof applyOnly === 'function' ? applyOnly(effects) : applyOnly;
    const upTo = limit === undefined ? effects.length : Math.min(limit, effects.length);
    for (let i = 0; i < upTo; i++) this.apply(n, effects[i] as Effect<M, R, O>);
    if (upTo < effects.length) this.crash(id);
    return effects;
  }

  private apply(n: DriverNode<S>, e: Effect<M, R, O>): void {
    switch (e.type) {
      case 'send':
        this.queue.push({ at: this.nowMs + this.latencyMs, seq: this.seq++, kind: 'message', from: n.id, to: e.to, message: e.message });
        return;
      case 'setTimer': {
        const generation = ++this.timerGeneration;
        n.timers.set(e.timer, generation);
        this.queue.push({ at: this.nowMs + e.afterMs, seq: this.seq++, kind: 'timer', node: n.id, timer: e.timer, generation });
        return;
      }
      case 'cancelTimer':
        n.timers.delete(e.timer);
        return;
      case 'persist':
        applyDiskWrite(n.disk, e.write);
        return;
      case 'reply':
        this.replies.push({ node: n.id, commandId: e.commandId, reply: e.reply });
        return;
      case 'observe':
        this.observations.push({ node: n.id, atMs: this.nowMs, observation: e.observation });
        return;
      case 'cover':
        this.coverage.set(e.event, (this.coverage.get(e.event) ?? 0) + 1);
        return;
      default:
        assertNever(e, 'effect');
    }
  }

  start(id: NodeId): void {
    const n = this.node(id);
    const protocol = this.protocols.get(id) as Protocol<S, M, C, R, O>;
    n.timers.clear();
    n.state = protocol.init(id, this.env(id));
    const durable: Record<string, readonly string[]> = {};
    for (const [file, records] of Object.entries(n.disk)) durable[file] = [...records];
    this.step(id, { type: 'start', durable });
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    n.up = false;
    n.timers.clear();
  }

  restart(id: NodeId): void {
    this.crash(id);
    this.start(id);
  }

  /** Deliver a command to a node now; returns its command id. */
  command(id: NodeId, command: C): number {
    const commandId = this.nextCommandId++;
    this.step(id, { type: 'command', commandId, command });
    return commandId;
  }

  replyTo(commandId: number): R | undefined {
    return this.replies.find((r) => r.commandId === commandId)?.reply;
  }

  /** Cut every link between `a` and the others (both directions). */
  isolate(a: NodeId): void {
    for (const b of this.ids()) if (b !== a) this.cut.add(`${a}>${b}`).add(`${b}>${a}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Process the next event, if any is due by `untilMs`; false when none is. */
  private next(untilMs: number): boolean {
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const e = this.queue[i] as Event<M>;
      const b = best < 0 ? undefined : (this.queue[best] as Event<M>);
      if (b === undefined || e.at < b.at || (e.at === b.at && e.seq < b.seq)) best = i;
    }
    if (best < 0) return false;
    const e = this.queue[best] as Event<M>;
    if (e.at > untilMs) return false;
    this.queue.splice(best, 1);
    this.nowMs = Math.max(this.nowMs, e.at);
    if (e.kind === 'timer') {
      const n = this.node(e.node);
      if (!n.up || n.timers.get(e.timer) !== e.generation) return true;
      n.timers.delete(e.timer);
      this.step(e.node, { type: 'timer', timer: e.timer });
      return true;
    }
    const to = this.nodes.get(e.to);
    this.delivered.push({ from: e.from, to: e.to, message: e.message });
    if (to === undefined || !to.up || this.cut.has(`${e.from}>${e.to}`) || (this.dropIf !== null && this.dropIf(e.from, e.to, e.message))) return true;
    this.step(e.to, { type: 'message', from: e.from, message: e.message });
    return true;
  }

  /** Run events for `ms` of virtual time. */
  runFor(ms: number, maxEvents = 1_000_000): void {
    const until = this.nowMs + ms;
    for (let i = 0; i < maxEvents && this.next(until); i++);
    this.nowMs = Math.max(this.nowMs, until);
  }

  /** Run until `done()` holds (checked after every event) or `maxMs` pass; returns whether it held. */
  runUntil(done: () => boolean, maxMs = 10_000): boolean {
    const until = this.nowMs + maxMs;
    for (let i = 0; i < 1_000_000; i++) {
      if (done()) return true;
      if (!this.next(until)) break;
    }
    return done();
  }

  /** Deliver only messages already in flight (no timers), until none is left. */
  deliverMessages(maxEvents = 100_000): void {
    for (let i = 0; i < maxEvents; i++) {
      const pending = this.queue.filter((e) => e.kind === 'message');
      if (pending.length === 0) return;
      const first = pending.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a));
      this.queue.splice(this.queue.indexOf(first), 1);
      this.nowMs = Math.max(this.nowMs, first.at);
      const e = first as Extract<Event<M>, { kind: 'message' }>;
      const to = this.nodes.get(e.to);
      this.delivered.push({ from: e.from, to: e.to, message: e.message });
      if (to === undefined || !to.up || this.cut.has(`${e.from}>${e.to}`) || (this.dropIf !== null && this.dropIf(e.from, e.to, e.message))) continue;
      this.step(e.to, { type: 'message', from: e.from, message: e.message });
    }
  }

  /** Observations of one kind (by their `kind` field). */
  observed<K extends string>(kind: K): (Recorded<O> & { observation: Extract<O, { kind: K }> })[] {
    return this.observations.filter((r) => (r.observation as { kind?: unknown }).kind === kind) as (Recorded<O> & {
      observation: Extract<O, { kind: K }>;
    })[];
  }
}

