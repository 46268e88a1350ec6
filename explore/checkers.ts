/**
 * The scenario's invariant checkers, run by the explorer in every world it reaches.
 *
 * Checkers keep state across calls (sim/scenario.ts), in closures the explorer cannot copy. So a
 * world carries the checker calls of the step that made it (observations, replies, the end of the
 * event, each with the view of the world it was made in), and the checkers of a world are
 * re-created by feeding fresh checkers every call on the path from the initial world: exactly what
 * the kernel would have fed them on a run along that path. A world's checker set is handed to its
 * first new child as it is; a checker set whose checkers all have `clone()` is copied instead of
 * replayed.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import type { ViolationKind } from '../sim/kernel.ts';

export const CALL_OBSERVE = 0;
export const CALL_REPLY = 1;
export const CALL_AFTER = 2;

/** One call the kernel makes to the checkers. */
export interface CheckerCall {
  readonly kind: number;
  readonly node: NodeId;
  readonly commandId: number;
  readonly data: unknown;
  readonly view: WorldView;
}

export interface Finding {
  readonly invariant: string;
  readonly kind: ViolationKind;
  readonly message: string;
}

export class CheckerSet {
  private readonly observers: InvariantChecker[];
  private readonly repliers: InvariantChecker[];
  private readonly afters: InvariantChecker[];
  private readonly enders: InvariantChecker[];
  readonly cloneable: boolean;

  constructor(
    readonly checkers: readonly InvariantChecker[],
    /** The set this one copies: its checkers are in the same places, so its partition holds. */
    like: CheckerSet | null = null,
  ) {
    if (like !== null) {
      // Copies are made for every world explored: rebuild the partition by position, no filtering.
      this.observers = pick(checkers, like.layout, 0);
      this.repliers = pick(checkers, like.layout, 1);
      this.afters = pick(checkers, like.layout, 2);
      this.enders = pick(checkers, like.layout, 3);
      this.cloneable = like.cloneable;
      this.layout = like.layout;
      return;
    }
    this.observers = checkers.filter((c) => c.onObservation);
    this.repliers = checkers.filter((c) => c.onReply);
    this.afters = checkers.filter((c) => c.afterEvent);
    // Liveness is judged after a heal and a quiet phase, which an explored world never reaches
    // (with --liveness, the kernel judges each world's quiet continuation: explorer.ts).
    this.enders = checkers.filter((c) => c.atEnd && c.kind === 'safety');
    this.cloneable = checkers.length > 0 && checkers.every((c) => typeof c.clone === 'function');
    this.layout = [this.observers, this.repliers, this.afters, this.enders].map((part) => Int32Array.from(part, (c) => checkers.indexOf(c)));
  }

  /** Per part (observers, repliers, afters, enders): the positions of its checkers in `checkers`. */
  private readonly layout: readonly Int32Array[];

  /** A copy: every checker's `clone()`. */
  clone(): CheckerSet {
    const from = this.checkers;
    const copies = new Array<InvariantChecker>(from.length);
    for (let k = 0; k < from.length; k++) copies[k] = from[k]!.clone!();
    return new CheckerSet(copies, this);
  }

  /** Feeds one call; the first checker that objects, or null. */
  feed(call: CheckerCall): Finding | null {
    switch (call.kind) {
      case CALL_OBSERVE:
        for (const c of this.observers) {
          const msg = c.onObservation!(call.node, call.data, call.view);
          if (msg) return { invariant: c.name, kind: c.kind, message: msg };
        }
        return null;
      case CALL_REPLY:
        for (const c of this.repliers) {
          const msg = c.onReply!(call.node, call.commandId, call.data, call.view);
          if (msg) return { invariant: c.name, kind: c.kind, message: msg };
        }
        return null;
      case CALL_AFTER:
        for (const c of this.afters) {
          const msg = c.afterEvent!(call.view);
          if (msg) return { invariant: c.name, kind: c.kind, message: msg };
        }
        return null;
      default:
        throw new Error(`explorer: unknown checker call ${call.kind}`);
    }
  }

  feedAll(calls: readonly CheckerCall[]): Finding | null {
    for (let k = 0; k < calls.length; k++) {
      const f = this.feed(calls[k]!);
      if (f !== null) return f;
    }
    return null;
  }

  /**
   * "If the run ended here": the safety checkers' atEnd hooks (history checks such as
   * linearizability), in every world. They must not change the checker's state.
   */
  end(view: WorldView): Finding | null {
    for (const c of this.enders) {
      const msg = c.atEnd!(view);
      if (msg) return { invariant: c.name, kind: c.kind, message: msg };
    }
    return null;
  }
}

/** A read-only view of nodes, as the kernel's checkers see the world. */
export class FrozenView implements WorldView {
  readonly phase = 'faulty' as const;
  private byId: Map<NodeId, NodeView> | null = null;
  constructor(
    readonly nowMs: number,
    readonly eventIndex: number,
    readonly nodes: readonly NodeView[],
  ) {}
  node(id: NodeId): NodeView {
    if (this.byId === null) this.byId = new Map(this.nodes.map((n) => [n.id, n]));
    const n = this.byId.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }
}

function pick(checkers: readonly InvariantChecker[], layout: readonly Int32Array[], part: number): InvariantChecker[] {
  const at = layout[part]!;
  const out = new Array<InvariantChecker>(at.length);
  for (let k = 0; k < at.length; k++) out[k] = checkers[at[k]!]!;
  return out;
}
