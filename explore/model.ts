/**
 * The explorer's world and its transitions: the same step functions the kernel runs, with the
 * world's nondeterminism turned into branches.
 *
 * A world is immutable: a step clones the state of the one node it steps and builds a new world
 * that shares every other node (structural sharing). Its pieces:
 *   - the virtual time `now`;
 *   - per node: up or down, its state, its disk, its armed timers (absolute due times);
 *   - the messages in flight, in send order, each with its send time;
 *   - which of the world's commands are still to be delivered;
 *   - the bounds' counters (crashes, drops, duplicates, commands);
 *   - for the directed replay: the next message id and timer arm number (as the kernel numbers them).
 *
 * From a world, any of these may happen next (each a child world):
 *   - a message in flight is delivered (only the oldest of a FIFO link), at max(now, sent + min
 *     latency); to a node that is down it is lost; it may instead be delivered and kept in flight
 *     (a duplicate) or dropped, within the bounds;
 *   - an armed timer fires, at max(now, its due time);
 *   - a command of the world is delivered, at max(now, its time);
 *   - a faultable node crashes between steps, or inside the step of one of the events above after
 *     some of its effects (the write in flight lost); a node that is down restarts from its disk.
 */
import type { AnyProtocol, DiskWrite, DurableState, Effect, Env, Input, NodeId } from '../core/contract/protocol.ts';
import type { ExploreBounds, InvariantChecker, NodeStatus, NodeView, RunConfig, Scenario, TimedCommand } from '../sim/scenario.ts';
import type { LinkConditions } from '../sim/network.ts';
import { FixedRng } from '../sim/kernel.ts';
import { applyDiskWrite } from '../core/contract/disk.ts';
import { CALL_AFTER, CALL_OBSERVE, CALL_REPLY, CheckerSet, FrozenView, type CheckerCall, type Finding } from './checkers.ts';
import { canonicalJson } from '../sim/trace.ts';
import { PermutationHasher, fmix32 as importedFmix32, hashValue, mix32 as importedMix32, type Hash64 } from './hash.ts';

// Bound once: under a loader that compiles imports to live-binding getters, a call through the
// import would pay for the getter on every hash mix.
const mix32 = importedMix32;
const fmix32 = importedFmix32;

export type Disk = Readonly<Record<string, readonly string[]>>;

export const UP = 0;
export const DOWN = 1;

export interface TimerArm {
  readonly name: string;
  readonly due: number;
  /** The kernel's arm number of this setTimer (0-based, in effect order over the whole run). */
  readonly arm: number;
}

/** One node of a world. Immutable; shared by every world in which the node didn't change. */
export class Slot {
  /** Cached hash of the canonical state at `hashedAt` (NaN: none). */
  hashedAt = NaN;
  sh1 = 0;
  sh2 = 0;
  /** Cached hash of the disk. */
  diskHashed = false;
  dh1 = 0;
  dh2 = 0;
  /** Per permutation (symmetry): hashes of the state and disk, at `symAt`. */
  sym: Int32Array | null = null;
  symAt = NaN;
  private nodeView: NodeView | null = null;

  constructor(
    readonly status: number,
    readonly state: unknown,
    readonly disk: Disk,
    readonly timers: readonly TimerArm[],
    readonly incarnation: number,
  ) {}

  view(id: NodeId, role: string): NodeView {
    if (this.nodeView === null) {
      const status: NodeStatus = this.status === UP ? 'up' : 'down';
      this.nodeView = { id, role, status, state: this.state, disk: this.disk, incarnation: this.incarnation };
    }
    return this.nodeView;
  }
}

/** A message in flight. */
export class Msg {
  /** Per permutation (symmetry): the payload's hash renamed. */
  sym: Int32Array | null = null;
  constructor(
    /** The kernel's message id (sends numbered in order from 0). */
    readonly id: number,
    readonly from: number,
    readonly to: number,
    readonly payload: unknown,
    readonly sentMs: number,
    readonly h1: number,
    readonly h2: number,
  ) {}
}

export type EventChoice =
  /** Deliver message `msg` (by id); `keep`: a duplicate, the message stays in flight. */
  | { readonly type: 'deliver'; readonly msg: number; readonly keep: boolean }
  | { readonly type: 'timer'; readonly node: number; readonly name: string; readonly arm: number }
  | { readonly type: 'command'; readonly index: number };

export type Choice =
  | EventChoice
  | { readonly type: 'drop'; readonly msg: number }
  | { readonly type: 'crash'; readonly node: number }
  /** A crash inside the node's step of `event`, after `landing` of its effects; the write in flight is lost. */
  | { readonly type: 'crashIn'; readonly node: number; readonly landing: number; readonly event: EventChoice }
  | { readonly type: 'restart'; readonly node: number };

/** How a world's step calls the checkers (see `Model.callsOf`). */
export const SHAPE_NONE = 0;
/** One kernel event with no step (a crash, a message or command lost at a node that is down): afterEvent. */
export const SHAPE_AFTER = 1;
/** One step (delivery, timer, command, restart): its observations and replies, then afterEvent. */
export const SHAPE_STEP = 2;
/** A crash fault armed (afterEvent), then the step it lands in: its calls up to the crash, then afterEvent. */
export const SHAPE_CRASH_IN = 3;
/** The initial world: every node's boot, with no afterEvent (boots are not events). */
export const SHAPE_ROOT = 4;

export class XWorld {
  /** The checkers' state in this world, when it is held (see explorer.ts). */
  checkers: CheckerSet | null = null;
  h1 = 0;
  h2 = 0;
  /**
   * Which child of its parent this world is: `Model.expand` numbers the parent's transitions in a
   * fixed order (ordinals), each making one world or more (a step, then crashes inside it), and
   * the code is ordinal * 256 + the place among them; `Model.child` makes it again from the code.
   */
  code = 0;
  constructor(
    readonly now: number,
    readonly slots: readonly Slot[],
    readonly inflight: readonly Msg[],
    /** Bit k set: command k is still to be delivered. */
    readonly commandsLeft: number,
    readonly crashes: number,
    readonly drops: number,
    readonly dups: number,
    readonly commandsUsed: number,
    /** Timers fired so far (counted against the timer bound). */
    readonly fired: number,
    readonly nextMsgId: number,
    readonly nextArm: number,
    /** Kernel events so far on the path here (what `eventIndex` would be). */
    readonly events: number,
    readonly depth: number,
    readonly parent: XWorld | null,
    readonly via: Choice | null,
    /** How the step that made this world calls the checkers, with `pending`. */
    readonly shape: number,
    /** The observations and replies of that step, in order (null: none). */
    readonly pending: readonly Pending[] | null,
    /** SHAPE_CRASH_IN: the stepped node as it was inside the step, before the crash landed. */
    readonly during: Slot | null,
    /** A step threw: the kernel reports that as a violation of its own. */
    readonly thrown: Finding | null,
  ) {}
}

/** An observation or reply of a step, for the checkers. */
export interface Pending {
  readonly kind: number;
  /** The node that made it. */
  readonly node: number;
  readonly commandId: number;
  readonly data: unknown;
}

/** One scenario config, ready to explore: its nodes, commands, network and checkers. */
export class Model {
  readonly n: number;
  readonly names: readonly NodeId[];
  readonly roles: readonly string[];
  readonly protocols: readonly AnyProtocol[];
  readonly faultable: readonly boolean[];
  readonly commands: readonly TimedCommand[];
  readonly commandNode: Int32Array;
  /** Per directed link (from * n + to). */
  readonly fifo: Uint8Array;
  readonly minLatencyMs: Float64Array;
  private readonly index: Map<NodeId, number>;
  private readonly envs: { self: NodeId; nowMs: number; rng: FixedRng }[];
  private readonly linkSeen: Uint8Array;
  private readonly commandHashes: Int32Array;
  private readonly hasCanonical: boolean[];

  /**
   * The world's progress as the guided search compares it: per node, its status and its
   * protocol's `progress` summary (nothing without one).
   */
  progressOf(w: XWorld): string {
    let key = '';
    for (let i = 0; i < this.n; i++) {
      const slot = w.slots[i]!;
      const summarise = this.protocols[i]!.progress;
      key += slot.status === UP ? (summarise !== undefined ? summarise(slot.state) : '') : 'down';
      key += '|';
    }
    return key;
  }
  /** Symmetry reduction: per permutation of the interchangeable nodes, where node i goes (the identity first); or null. */
  readonly perms: readonly { readonly slot: Int32Array }[] | null;
  private readonly permHasher: PermutationHasher | null;
  /** Per command: its hash under each permutation (symmetry), 2 lanes each. */
  private readonly permCommandHashes: Int32Array[] = [];

  constructor(
    readonly scenario: Scenario,
    readonly config: RunConfig,
    readonly bounds: ExploreBounds,
    symmetric: readonly NodeId[] | null,
  ) {
    const world = scenario.build(config);
    const specs = [...world.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.n = specs.length;
    this.names = specs.map((s) => s.id);
    this.roles = specs.map((s) => s.role);
    this.protocols = specs.map((s) => s.protocol);
    this.faultable = specs.map((s) => s.faultable);
    this.hasCanonical = specs.map((s) => typeof s.protocol.canonical === 'function');
    this.index = new Map(this.names.map((id, i) => [id, i]));
    this.commands = world.commands;
    this.commandNode = Int32Array.from(world.commands, (c) => this.indexOf(c.node));
    const n = this.n;
    this.fifo = new Uint8Array(n * n);
    this.minLatencyMs = new Float64Array(n * n);
    const overrides = new Map<number, Partial<LinkConditions>>();
    for (const o of config.network.overrides ?? []) overrides.set(this.indexOf(o.from) * n + this.indexOf(o.to), o.conditions);
    for (let link = 0; link < n * n; link++) {
      const c: LinkConditions = { ...config.network.base, ...overrides.get(link) };
      this.fifo[link] = c.reorder ? 0 : 1;
      this.minLatencyMs[link] = c.latency.kind === 'constant' ? c.latency.ms : c.latency.minMs;
    }
    this.linkSeen = new Uint8Array(n * n);
    this.envs = this.names.map((self) => ({ self, nowMs: 0, rng: new FixedRng() }));
    const h: Hash64 = { h1: 0, h2: 0 };
    this.commandHashes = new Int32Array(2 * world.commands.length);
    world.commands.forEach((c, k) => {
      hashValue([c.node, c.command], h, 0x636d64);
      this.commandHashes[2 * k] = h.h1;
      this.commandHashes[2 * k + 1] = h.h2;
    });
    if (symmetric !== null && symmetric.length > 1) {
      const { perms, hasher } = this.permutations(symmetric);
      this.perms = perms;
      this.permHasher = hasher;
      for (const c of world.commands) {
        const hashes = new Int32Array(2 * perms.length);
        hasher.hashAll([c.node, c.command], hashes, 0, 2, 0x636d64);
        this.permCommandHashes.push(hashes);
      }
    } else {
      this.perms = null;
      this.permHasher = null;
    }
  }

  indexOf(id: NodeId): number {
    const i = this.index.get(id);
    if (i === undefined) throw new Error(`explorer: unknown node ${JSON.stringify(id)}`);
    return i;
  }

  /** Fresh checkers, as a run would start with. */
  freshCheckers(): CheckerSet {
    const make = this.scenario.explore?.checkers;
    return new CheckerSet(make ? make(this.config) : (this.scenario.build(this.config).checkers as InvariantChecker[]));
  }

  // -------------------------------------------------------------------------------------------
  // The initial world: every node boots, in id order, as the kernel boots them.

  root(): XWorld {
    const n = this.n;
    const slots: Slot[] = this.names.map(() => new Slot(UP, undefined, {}, [], 0));
    let inflight: readonly Msg[] = [];
    let nextMsgId = 0;
    let nextArm = 0;
    const calls: CheckerCall[] = [];
    for (let i = 0; i < n; i++) {
      const env = this.env(i, 0);
      const state = this.protocols[i]!.init(this.names[i]!, env);
      let result;
      try {
        result = this.protocols[i]!.step(state, { type: 'start', durable: {} }, env);
      } catch (e) {
        throw new Error(`explorer: ${this.names[i]} threw while booting: ${e instanceof Error ? e.message : String(e)}`);
      }
      const r = this.applyEffects(slots[i]!, i, result.state, result.effects, result.effects.length, 0, inflight, nextMsgId, nextArm);
      slots[i] = r.slot;
      inflight = r.inflight;
      nextMsgId = r.nextMsgId;
      nextArm = r.nextArm;
      // Checkers see each boot with the nodes booted so far.
      const view = this.viewOf(0, 0, slots.slice());
      for (const p of r.pending ?? []) calls.push(this.call(p, view));
    }
    if (this.commands.length > 30) throw new Error(`explorer: at most 30 commands in a world, this one has ${this.commands.length}`);
    const left = this.commands.length === 0 ? 0 : (2 ** this.commands.length - 1) | 0;
    const root = new XWorld(0, slots, inflight, left, 0, 0, 0, 0, 0, nextMsgId, nextArm, 0, 0, null, null, SHAPE_ROOT, null, null, null);
    this.rootCalls = calls;
    return root;
  }

  private rootCalls: readonly CheckerCall[] = [];

  /** The checker calls of the step that made `w`, each with the view of the world it was made in. */
  callsOf(w: XWorld): CheckerCall[] {
    const p = w.parent;
    switch (w.shape) {
      case SHAPE_NONE:
        return [];
      case SHAPE_ROOT:
        return this.rootCalls.slice();
      case SHAPE_AFTER:
        return [afterCall(this.viewOf(w.now, w.events, w.slots))];
      case SHAPE_STEP: {
        const out: CheckerCall[] = [];
        if (w.pending !== null) {
          const view = this.viewOf(w.now, p!.events, w.slots);
          for (const x of w.pending) out.push(this.call(x, view));
        }
        out.push(afterCall(this.viewOf(w.now, w.events, w.slots)));
        return out;
      }
      case SHAPE_CRASH_IN: {
        const out: CheckerCall[] = [afterCall(this.viewOf(w.now, p!.events + 1, p!.slots))];
        if (w.pending !== null) {
          const node = (w.via as { node: number }).node;
          const view = this.viewOf(w.now, p!.events + 1, replace(w.slots, node, w.during!));
          for (const x of w.pending) out.push(this.call(x, view));
        }
        out.push(afterCall(this.viewOf(w.now, w.events, w.slots)));
        return out;
      }
      default:
        throw new Error(`explorer: unknown world shape ${w.shape}`);
    }
  }

  private call(p: Pending, view: FrozenView): CheckerCall {
    return { kind: p.kind, node: this.names[p.node]!, commandId: p.commandId, data: p.data, view };
  }

  // -------------------------------------------------------------------------------------------
  // Transitions

  /**
   * Every child of `w`, in a fixed order, pushed onto `out`, each with its `code`. With `only` >= 0,
   * only the children of that ordinal (see XWorld.code): the others are not stepped.
   */
  expand(w: XWorld, out: XWorld[], only = -1): void {
    const b = this.bounds;
    const n = this.n;
    const slots = w.slots;
    const seen = this.linkSeen;
    seen.fill(0);
    const inflight = w.inflight;
    let ord = 0;
    let start = out.length;
    for (let k = 0; k < inflight.length; k++) {
      const m = inflight[k]!;
      const link = m.from * n + m.to;
      if (this.fifo[link] === 1) {
        if (seen[link] === 1) continue; // only the oldest message of a FIFO link can arrive
        seen[link] = 1;
      }
      const t = Math.max(w.now, m.sentMs + this.minLatencyMs[link]!);
      if (slots[m.to]!.status === DOWN) {
        if (only < 0 || only === ord) out.push(this.lost(w, m, t));
        start = numbered(out, start, ord++);
      } else {
        const input: Input<unknown, unknown> | null = only < 0 || only === ord || only === ord + 1 ? { type: 'message', from: this.names[m.from]!, message: m.payload } : null;
        if (only < 0 || only === ord) this.event(w, m.to, input!, t, { type: 'deliver', msg: m.id, keep: false }, out);
        start = numbered(out, start, ord++);
        if (w.dups < b.dups) {
          if (only < 0 || only === ord) this.event(w, m.to, input!, t, { type: 'deliver', msg: m.id, keep: true }, out);
          start = numbered(out, start, ord++);
        }
      }
      if (w.drops < b.drops) {
        if (only < 0 || only === ord) out.push(this.drop(w, m));
        start = numbered(out, start, ord++);
      }
    }
    for (let i = 0; i < n && (b.timers === null || w.fired < b.timers); i++) {
      const slot = slots[i]!;
      if (slot.status !== UP) continue;
      for (const timer of slot.timers) {
        if (only < 0 || only === ord) this.event(w, i, { type: 'timer', timer: timer.name }, Math.max(w.now, timer.due), { type: 'timer', node: i, name: timer.name, arm: timer.arm }, out);
        start = numbered(out, start, ord++);
      }
    }
    if (w.commandsUsed < b.commands) {
      for (let k = 0; k < this.commands.length; k++) {
        if ((w.commandsLeft & (1 << k)) === 0) continue;
        if (only < 0 || only === ord) {
          const i = this.commandNode[k]!;
          const t = Math.max(w.now, this.commands[k]!.atMs);
          if (slots[i]!.status === DOWN) out.push(this.commandLost(w, k, t));
          else this.event(w, i, { type: 'command', commandId: k, command: this.commands[k]!.command }, t, { type: 'command', index: k }, out);
        }
        start = numbered(out, start, ord++);
      }
    }
    if (w.crashes < b.crashes) {
      for (let i = 0; i < n; i++) {
        if (slots[i]!.status !== UP || !this.faultable[i]) continue;
        if (only < 0 || only === ord) out.push(this.crash(w, i));
        start = numbered(out, start, ord++);
      }
    }
    for (let i = 0; i < n; i++) {
      if (slots[i]!.status !== DOWN) continue;
      if (only < 0 || only === ord) out.push(this.restart(w, i));
      start = numbered(out, start, ord++);
    }
  }

  /** The child of `w` with this code (XWorld.code), made again: the same world `expand` made. */
  child(w: XWorld, code: number): XWorld {
    const out = this.childScratch;
    out.length = 0;
    this.expand(w, out, code >>> 8);
    const c = out[code & 255];
    out.length = 0;
    if (c === undefined || c.code !== code) throw new Error(`explorer: world at depth ${w.depth} has no child ${code}: the model is not deterministic`);
    return c;
  }

  private readonly childScratch: XWorld[] = [];

  /** Node `i` handles `input` at time `t`: the whole step, and (within the bounds) crashes inside it. */
  private event(w: XWorld, i: number, input: Input<unknown, unknown>, t: number, choice: EventChoice, out: XWorld[]): void {
    const slot = w.slots[i]!;
    // What the event consumes, before the step: the message, the timer, the command.
    let inflight = w.inflight;
    let timers = slot.timers;
    let left = w.commandsLeft;
    let dups = w.dups;
    let commandsUsed = w.commandsUsed;
    let fired = w.fired;
    switch (choice.type) {
      case 'deliver':
        if (choice.keep) dups++;
        else inflight = without(inflight, choice.msg);
        break;
      case 'timer':
        timers = timers.filter((x) => x.name !== choice.name);
        fired++;
        break;
      case 'command':
        left &= ~(1 << choice.index);
        commandsUsed++;
        break;
    }
    const env = this.env(i, t);
    const protocol = this.protocols[i]!;
    const state = this.cloneOf(i, slot.state);
    let result;
    try {
      result = protocol.step(state, input, env);
    } catch (e) {
      const what = e instanceof Error ? e.message : String(e);
      const thrown: Finding = { invariant: 'kernel:step-threw', kind: 'crash', message: `${this.names[i]} threw while handling ${input.type}: ${what}` };
      out.push(new XWorld(t, w.slots, inflight, left, w.crashes, w.drops, dups, commandsUsed, fired, w.nextMsgId, w.nextArm, w.events, w.depth + 1, w, choice, SHAPE_NONE, null, null, thrown));
      return;
    }
    if (this.verifyClones) this.checkUnchanged(i, slot.state);
    // Crash landings are counted among the effects that touch the world, as the kernel counts them.
    const effects = result.effects.some((e) => e.type === 'cover') ? result.effects.filter((e) => e.type !== 'cover') : result.effects;
    const base = new Slot(UP, slot.state, slot.disk, timers, slot.incarnation);
    {
      const r = this.applyEffects(base, i, result.state, effects, effects.length, t, inflight, w.nextMsgId, w.nextArm);
      const slots = replace(w.slots, i, r.slot);
      out.push(new XWorld(t, slots, r.inflight, left, w.crashes, w.drops, dups, commandsUsed, fired, r.nextMsgId, r.nextArm, w.events + 1, w.depth + 1, w, choice, SHAPE_STEP, r.pending, null, null));
    }
    // Crashes landing inside the step: after `landing` effects, the write in flight lost. Landing
    // after a timer effect is the same as landing before it (a crash clears the timers), and
    // before the first or after the last effect is a crash between steps, explored on its own.
    if (!this.bounds.midStep || w.crashes >= this.bounds.crashes || !this.faultable[i] || (choice.type === 'deliver' && choice.keep)) return;
    for (let landing = 1; landing < effects.length; landing++) {
      const last = effects[landing - 1]!.type;
      if (last === 'setTimer' || last === 'cancelTimer') continue;
      const r = this.applyEffects(base, i, result.state, effects, landing, t, inflight, w.nextMsgId, w.nextArm);
      const slots = replace(w.slots, i, new Slot(DOWN, undefined, r.slot.disk, [], slot.incarnation));
      // Two kernel events: the crash fault (armed), then the step it lands in.
      const crashIn: Choice = { type: 'crashIn', node: i, landing, event: choice };
      out.push(new XWorld(t, slots, r.inflight, left, w.crashes + 1, w.drops, dups, commandsUsed, fired, r.nextMsgId, r.nextArm, w.events + 2, w.depth + 1, w, crashIn, SHAPE_CRASH_IN, r.pending, r.slot, null));
    }
  }

  /** A message that reaches a node that is down: lost (a kernel event, like its 'drop' note). */
  private lost(w: XWorld, m: Msg, t: number): XWorld {
    return new XWorld(t, w.slots, without(w.inflight, m.id), w.commandsLeft, w.crashes, w.drops, w.dups, w.commandsUsed, w.fired, w.nextMsgId, w.nextArm, w.events + 1, w.depth + 1, w, { type: 'deliver', msg: m.id, keep: false }, SHAPE_AFTER, null, null, null);
  }

  private commandLost(w: XWorld, k: number, t: number): XWorld {
    const left = w.commandsLeft & ~(1 << k);
    return new XWorld(t, w.slots, w.inflight, left, w.crashes, w.drops, w.dups, w.commandsUsed + 1, w.fired, w.nextMsgId, w.nextArm, w.events + 1, w.depth + 1, w, { type: 'command', index: k }, SHAPE_AFTER, null, null, null);
  }

  /** The network loses a message (no kernel event: in the replay it is simply never delivered). */
  private drop(w: XWorld, m: Msg): XWorld {
    return new XWorld(w.now, w.slots, without(w.inflight, m.id), w.commandsLeft, w.crashes, w.drops + 1, w.dups, w.commandsUsed, w.fired, w.nextMsgId, w.nextArm, w.events, w.depth + 1, w, { type: 'drop', msg: m.id }, SHAPE_NONE, null, null, null);
  }

  private crash(w: XWorld, i: number): XWorld {
    const slot = w.slots[i]!;
    const slots = replace(w.slots, i, new Slot(DOWN, undefined, slot.disk, [], slot.incarnation));
    return new XWorld(w.now, slots, w.inflight, w.commandsLeft, w.crashes + 1, w.drops, w.dups, w.commandsUsed, w.fired, w.nextMsgId, w.nextArm, w.events + 1, w.depth + 1, w, { type: 'crash', node: i }, SHAPE_AFTER, null, null, null);
  }

  private restart(w: XWorld, i: number): XWorld {
    const slot = w.slots[i]!;
    const t = w.now;
    const env = this.env(i, t);
    const durable: Record<string, readonly string[]> = {};
    for (const file of Object.keys(slot.disk).sort()) durable[file] = slot.disk[file]!.slice();
    const choice: Choice = { type: 'restart', node: i };
    let result;
    try {
      const state = this.protocols[i]!.init(this.names[i]!, env);
      result = this.protocols[i]!.step(state, { type: 'start', durable: durable as DurableState }, env);
    } catch (e) {
      const what = e instanceof Error ? e.message : String(e);
      const thrown: Finding = { invariant: 'kernel:step-threw', kind: 'crash', message: `${this.names[i]} threw while handling start: ${what}` };
      return new XWorld(t, w.slots, w.inflight, w.commandsLeft, w.crashes, w.drops, w.dups, w.commandsUsed, w.fired, w.nextMsgId, w.nextArm, w.events, w.depth + 1, w, choice, SHAPE_NONE, null, null, thrown);
    }
    const base = new Slot(UP, undefined, slot.disk, [], slot.incarnation + 1);
    const r = this.applyEffects(base, i, result.state, result.effects, result.effects.length, t, w.inflight, w.nextMsgId, w.nextArm);
    const slots = replace(w.slots, i, r.slot);
    return new XWorld(t, slots, r.inflight, w.commandsLeft, w.crashes, w.drops, w.dups, w.commandsUsed, w.fired, r.nextMsgId, r.nextArm, w.events + 1, w.depth + 1, w, choice, SHAPE_STEP, r.pending, null, null);
  }

  /** Applies `effects[0..upTo)` of node i's step as the kernel applies them (the rest never happen). */
  private applyEffects(
    base: Slot,
    i: number,
    state: unknown,
    effects: readonly Effect<unknown, unknown, unknown>[],
    upTo: number,
    t: number,
    inflightIn: readonly Msg[],
    nextMsgIdIn: number,
    nextArmIn: number,
  ): { slot: Slot; inflight: readonly Msg[]; nextMsgId: number; nextArm: number; pending: Pending[] | null } {
    let timers: TimerArm[] | null = null;
    let disk: Record<string, readonly string[]> | null = null;
    let inflight: Msg[] | null = null;
    let nextMsgId = nextMsgIdIn;
    let nextArm = nextArmIn;
    let pending: Pending[] | null = null;
    const h = this.scratch;
    for (let k = 0; k < upTo; k++) {
      const e = effects[k]!;
      switch (e.type) {
        case 'send': {
          const to = this.indexOf(e.to);
          const id = nextMsgId++;
          inflight ??= inflightIn.slice();
          let onLink = 0;
          for (const m of inflight) if (m.from === i && m.to === to) onLink++;
          if (onLink >= this.bounds.inflight) break; // the link's buffer is full: the message is lost
          hashValue(e.message, h);
          inflight.push(new Msg(id, i, to, e.message, t, h.h1, h.h2));
          break;
        }
        case 'setTimer': {
          if (!(e.afterMs >= 0)) throw new Error(`${this.names[i]} set timer ${e.timer} with a bad duration ${e.afterMs}`);
          timers ??= base.timers.slice();
          const arm: TimerArm = { name: e.timer, due: t + e.afterMs, arm: nextArm++ };
          const at = timers.findIndex((x) => x.name === e.timer);
          if (at >= 0) timers[at] = arm;
          else {
            timers.push(arm);
            timers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          }
          break;
        }
        case 'cancelTimer': {
          timers ??= base.timers.slice();
          const at = timers.findIndex((x) => x.name === e.timer);
          if (at >= 0) timers.splice(at, 1);
          break;
        }
        case 'persist':
          disk ??= { ...base.disk };
          applyDiskWrite(disk as Record<string, string[]>, e.write, true); // shared: worlds keep unchanged files in common
          break;
        case 'reply':
          (pending ??= []).push({ kind: CALL_REPLY, node: i, commandId: e.commandId, data: e.reply });
          break;
        case 'observe':
          (pending ??= []).push({ kind: CALL_OBSERVE, node: i, commandId: -1, data: e.observation });
          break;
        case 'cover':
          break; // counted by the kernel's runs; a world is the same world whichever branches led to it
        default: {
          const unknown: never = e;
          throw new Error(`unknown effect ${JSON.stringify(unknown)}`);
        }
      }
    }
    const slot = new Slot(UP, state, disk ?? base.disk, timers ?? base.timers, base.incarnation);
    return { slot, inflight: inflight ?? inflightIn, nextMsgId, nextArm, pending };
  }

  /** A copy of a node's state for its step to mutate: the protocol's own clone, or a deep copy. */
  private cloneOf(i: number, state: unknown): unknown {
    const protocol = this.protocols[i]!;
    return typeof protocol.clone === 'function' ? protocol.clone(state) : cloneState(state);
  }

  /** Debugging a protocol's clone: throws if a step changed the state it was cloned from. */
  verifyClones = false;
  private readonly before = new Map<unknown, string>();
  private checkUnchanged(i: number, state: unknown): void {
    const was = this.before.get(state);
    const now = canonicalJson(state);
    if (was !== undefined && was !== now) throw new Error(`explorer: ${this.names[i]}'s step changed the state it was cloned from: its clone shares something a step mutates`);
    this.before.set(state, now);
  }

  private env(i: number, t: number): Env {
    const env = this.envs[i]!;
    env.nowMs = t;
    return env;
  }

  viewOf(now: number, eventIndex: number, slots: readonly Slot[]): FrozenView {
    const nodes = new Array<NodeView>(slots.length);
    for (let i = 0; i < slots.length; i++) nodes[i] = slots[i]!.view(this.names[i]!, this.roles[i]!);
    return new FrozenView(now, eventIndex, nodes);
  }

  // -------------------------------------------------------------------------------------------
  // Recognising worlds: a 64-bit hash of what decides the world's future

  /**
   * Hashes the world into w.h1/w.h2: every node's status, canonical state (times relative to now),
   * disk and armed timers (due times relative to now, an overdue timer as due now); the messages
   * in flight as a multiset (FIFO links: with their place in the link's queue) with how long until
   * each may arrive; the commands still to be delivered; the bounds' counters. Not the time itself,
   * nor ids and counts that only number things for the replay. With symmetry reduction: the least
   * hash over every permutation of the interchangeable nodes.
   */
  hash(w: XWorld): void {
    if (this.perms === null) {
      this.hashWith(w, -1);
      return;
    }
    let best1 = 0;
    let best2 = 0;
    for (let p = 0; p < this.perms.length; p++) {
      this.hashWith(w, p);
      if (p === 0 || (w.h1 >>> 0) < (best1 >>> 0) || (w.h1 === best1 && (w.h2 >>> 0) < (best2 >>> 0))) {
        best1 = w.h1;
        best2 = w.h2;
      }
    }
    w.h1 = best1;
    w.h2 = best2;
  }

  private hashWith(w: XWorld, p: number): void {
    const n = this.n;
    const now = w.now;
    const perm = p >= 0 ? this.perms![p]! : null;
    let a = 0x6a09e667 ^ n;
    let b = 0xbb67ae85 ^ w.inflight.length;
    // Nodes, in slot order (permuted: node i goes to slot perm(i)).
    let nodes1 = 0;
    let nodes2 = 0;
    for (let i = 0; i < n; i++) {
      const slot = w.slots[i]!;
      const pos = perm === null ? i : perm.slot[i]!;
      this.slotHash(slot, i, now, p);
      let x = mix32(mix32(0x1000193 + pos, slot.status), this.t1);
      let y = mix32(mix32(0x5bd1e995 + pos, slot.status), this.t2);
      x = mix32(mix32(x, this.d1), this.timersHash(slot, now, 1));
      y = mix32(mix32(y, this.d2), this.timersHash(slot, now, 2));
      // Positions differ, so a sum of finalised per-node hashes is order-free only across permutations.
      nodes1 = (nodes1 + fmix32(x)) | 0;
      nodes2 = (nodes2 + fmix32(y ^ 0x2c1b3c6d)) | 0;
    }
    a = mix32(a, nodes1);
    b = mix32(b, nodes2);
    // Messages in flight: a multiset.
    let m1 = 0;
    let m2 = 0;
    const inflight = w.inflight;
    const position = this.linkSeen;
    position.fill(0);
    for (let k = 0; k < inflight.length; k++) {
      const m = inflight[k]!;
      const link = m.from * n + m.to;
      const from = perm === null ? m.from : perm.slot[m.from]!;
      const to = perm === null ? m.to : perm.slot[m.to]!;
      let place = 0;
      if (this.fifo[link] === 1) place = ++position[link]!;
      const wait = Math.max(0, m.sentMs + this.minLatencyMs[link]! - now);
      let ph1 = m.h1;
      let ph2 = m.h2;
      if (perm !== null) {
        const sym = this.messageSym(m);
        ph1 = sym[2 * p]!;
        ph2 = sym[2 * p + 1]!;
      }
      const key = (from << 16) | (to << 4) | (place & 15);
      m1 = (m1 + fmix32(mix32(mix32(mix32(ph1, key), place), numBits(wait)))) | 0;
      m2 = (m2 + fmix32(mix32(mix32(mix32(ph2 ^ 0x68e31da4, key), place), numBits(wait)))) | 0;
    }
    a = mix32(a, m1);
    b = mix32(b, m2);
    // Commands still to deliver.
    let c1 = 0;
    let c2 = 0;
    const left = w.commandsLeft;
    for (let k = 0; k < this.commands.length; k++) {
      if ((left & (1 << k)) === 0) continue;
      const ch = perm === null ? this.commandHashes : this.permCommandHashes[k]!;
      const at = perm === null ? 2 * k : 2 * p;
      const wait = Math.max(0, this.commands[k]!.atMs - now);
      c1 = (c1 + fmix32(mix32(ch[at]!, numBits(wait)))) | 0;
      c2 = (c2 + fmix32(mix32(ch[at + 1]! ^ 0x1b873593, numBits(wait)))) | 0;
    }
    a = mix32(mix32(a, c1), w.crashes);
    b = mix32(mix32(b, c2), w.drops);
    a = mix32(mix32(a, w.dups), w.commandsUsed);
    b = mix32(mix32(b, w.commandsUsed), w.dups);
    // Timers fired count only against a bound (unbounded, worlds that differ in it alone are one).
    if (this.bounds.timers !== null) {
      a = mix32(a, w.fired);
      b = mix32(b, w.fired ^ 0x3c6ef372);
    }
    w.h1 = fmix32(a);
    w.h2 = fmix32(b ^ 0x510e527f);
  }

  // Results of slotHash (fields, to keep the hot path free of small objects).
  private t1 = 0;
  private t2 = 0;
  private d1 = 0;
  private d2 = 0;
  private readonly scratch: Hash64 = { h1: 0, h2: 0 };

  /** The canonical state's and disk's hashes of a node (cached on the slot), into t1/t2, d1/d2. */
  private slotHash(slot: Slot, i: number, now: number, p: number): void {
    const timed = this.hasCanonical[i]!;
    if (p < 0) {
      if (!(slot.hashedAt === now || (!timed && slot.hashedAt === slot.hashedAt))) {
        hashValue(this.canonicalState(slot, i, now), this.scratch);
        slot.sh1 = this.scratch.h1;
        slot.sh2 = this.scratch.h2;
        slot.hashedAt = now;
      }
      if (!slot.diskHashed) {
        hashValue(this.canonicalDisk(slot, i), this.scratch, 0x6469736b);
        slot.dh1 = this.scratch.h1;
        slot.dh2 = this.scratch.h2;
        slot.diskHashed = true;
      }
      this.t1 = slot.sh1;
      this.t2 = slot.sh2;
      this.d1 = slot.dh1;
      this.d2 = slot.dh2;
      return;
    }
    const perms = this.perms!;
    if (slot.sym === null || !(slot.symAt === now || (!timed && slot.symAt === slot.symAt))) {
      const fresh = slot.sym === null;
      const sym = slot.sym ?? new Int32Array(4 * perms.length);
      this.permHasher!.hashAll(this.canonicalState(slot, i, now), sym, 0, 4);
      if (fresh) this.permHasher!.hashAll(this.canonicalDisk(slot, i), sym, 2, 4, 0x6469736b);
      slot.sym = sym;
      slot.symAt = now;
    }
    const sym = slot.sym;
    this.t1 = sym[4 * p]!;
    this.t2 = sym[4 * p + 1]!;
    this.d1 = sym[4 * p + 2]!;
    this.d2 = sym[4 * p + 3]!;
  }

  private canonicalState(slot: Slot, i: number, now: number): unknown {
    if (slot.status !== UP || slot.state === undefined) return null;
    const protocol = this.protocols[i]!;
    return this.hasCanonical[i] ? protocol.canonical!(slot.state, now) : slot.state;
  }

  /**
   * The disk as the protocol says to compare it, under symmetry reduction (where ids inside records
   * must be renamed); otherwise the records as they are, which never compares more worlds equal.
   */
  private canonicalDisk(slot: Slot, i: number): unknown {
    const protocol = this.protocols[i]!;
    return this.perms !== null && typeof protocol.canonicalDisk === 'function' ? protocol.canonicalDisk(slot.disk) : slot.disk;
  }

  /** Armed timers: name and due time relative to now (an overdue timer fires now, however late). */
  private timersHash(slot: Slot, now: number, lane: number): number {
    let h = lane;
    for (const timer of slot.timers) {
      h = mix32(h, stringHash(timer.name));
      h = mix32(h, numBits(Math.max(0, timer.due - now)));
    }
    return h;
  }

  private messageSym(m: Msg): Int32Array {
    if (m.sym === null) {
      const sym = new Int32Array(2 * this.perms!.length);
      this.permHasher!.hashAll(m.payload, sym, 0, 2);
      m.sym = sym;
    }
    return m.sym;
  }

  /** Every permutation of the interchangeable ids (the identity first): where each node goes, and a hasher that renames. */
  private permutations(ids: readonly NodeId[]): { perms: { slot: Int32Array }[]; hasher: PermutationHasher } {
    for (const id of ids) this.indexOf(id);
    if (ids.length > 5) throw new Error('explorer: symmetry reduction over at most 5 nodes (120 permutations)');
    const sorted = [...ids].sort();
    const orders: number[][] = [];
    const permute = (rest: number[], chosen: number[]): void => {
      if (rest.length === 0) orders.push(chosen);
      for (let k = 0; k < rest.length; k++) permute([...rest.slice(0, k), ...rest.slice(k + 1)], [...chosen, rest[k]!]);
    };
    permute(sorted.map((_, k) => k), []);
    const perms = orders.map((order) => {
      const slot = Int32Array.from({ length: this.n }, (_, i) => i);
      sorted.forEach((id, k) => (slot[this.indexOf(id)] = this.indexOf(sorted[order[k]!]!)));
      return { slot };
    });
    return { perms, hasher: new PermutationHasher(sorted, orders) };
  }
}

/** Numbers the children out[start..] as those of ordinal `ord`; where the next ordinal's start. */
function numbered(out: XWorld[], start: number, ord: number): number {
  const made = out.length - start;
  if (made > 256) throw new Error(`explorer: ${made} children of one transition (at most 256)`);
  for (let k = 0; k < made; k++) out[start + k]!.code = ord * 256 + k;
  return out.length;
}

function afterCall(view: FrozenView): CheckerCall {
  return { kind: CALL_AFTER, node: '', commandId: -1, data: undefined, view };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function numBits(x: number): number {
  if ((x | 0) === x) return x;
  f64[0] = x;
  return u32[0]! ^ Math.imul(u32[1]!, 0x9e3779b1);
}

const stringHashes = new Map<string, number>();
function stringHash(s: string): number {
  let h = stringHashes.get(s);
  if (h === undefined) {
    h = 0x811c9dc5;
    for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
    stringHashes.set(s, h | 0);
  }
  return h;
}

function replace(slots: readonly Slot[], i: number, slot: Slot): Slot[] {
  const out = slots.slice();
  out[i] = slot;
  return out;
}

function without(inflight: readonly Msg[], id: number): Msg[] {
  const out: Msg[] = [];
  let removed = false;
  for (const m of inflight) {
    if (!removed && m.id === id) removed = true;
    else out.push(m);
  }
  return out;
}


/**
 * A deep copy of a node's state before a step mutates it: plain objects and arrays are copied,
 * byte arrays sliced, anything else (Map, Set, class instances) structured-cloned.
 */
export function cloneState<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let k = 0; k < v.length; k++) out[k] = cloneState(v[k]);
    return out as T;
  }
  if (v instanceof Uint8Array) return v.slice() as T;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(v)) {
    const field = cloneState((v as Record<string, unknown>)[key]);
    if (key === '__proto__') Object.defineProperty(out, key, { value: field, writable: true, enumerable: true, configurable: true });
    else out[key] = field;
  }
  return out as T;
}
