/**
 * Following a given path through the explorer's model: each step is named as the explorer prints
 * it ("deliver requestVote n1 -> n2", "fire timer 'election' of n3", "crash n2", ...), and the
 * checkers run in every world on the way, as in a search. For counterexamples deeper than an
 * exhaustive search reaches in its budget: the path shows that the model has them and how long
 * they are, and its directed config replays them in the kernel.
 */
import { describeChoice } from './directed.ts';
import type { Finding } from './checkers.ts';
import type { Model, XWorld } from './model.ts';

export interface Followed {
  /** The last world reached: the first violating one, or the end of the path. */
  readonly world: XWorld;
  readonly finding: Finding | null;
}

/** Walks `steps` from the initial world; throws when a step is not one of the world's transitions. */
export function followPath(model: Model, steps: readonly string[]): Followed {
  const checkers = model.freshCheckers();
  let w = model.root();
  let finding = checkers.feedAll(model.callsOf(w)) ?? checkers.end(model.viewOf(w.now, w.events, w.slots));
  for (let k = 0; k < steps.length && finding === null; k++) {
    const children: XWorld[] = [];
    model.expand(w, children);
    const named = children.map((c) => describeChoice(model, w, c.via!, c).replace(/^\S+\s+/, ''));
    const at = named.indexOf(steps[k]!);
    if (at < 0) throw new Error(`step ${k + 1} "${steps[k]}" is not possible here; the possible steps are:\n  ${[...new Set(named)].join('\n  ')}`);
    w = children[at]!;
    finding = w.thrown ?? checkers.feedAll(model.callsOf(w)) ?? checkers.end(model.viewOf(w.now, w.events, w.slots));
  }
  return { world: w, finding };
}
