/**
 * What a member believes of the others, and how news changes it: the merge rules (which news is
 * newer than what the view holds) and the transitions they lead to. An entry of another member
 * changes only in `becomeAlive`, `becomeSuspect`, `becomeDead` and `becomeLeft`, and each asserts
 * that the change goes forward in the order news is merged in:
 *
 *   (incarnation, status), with alive < suspect < dead < left at one incarnation.
 *
 * - SWIM §4.2: alive at i overrides suspect at j only when i > j; suspect at i overrides alive at
 *   j when i >= j, and suspect at j when i > j. Only the member itself raises its incarnation, so
 *   alive news of another needs a strictly higher one.
 * - memberlist (state.go, deadNode): a death at an older incarnation is ignored, where SWIM's
 *   Confirm overrides any; so a verdict on an incarnation the member has since refuted does not
 *   kill it. A death announced by the member itself is a departure: left.
 * - Left outranks dead at one incarnation, so that a member's own word that it left wins over a
 *   failure detector's verdict on the same life.
 *
 * News of ourselves is never merged into our entry: an accusation at our incarnation or above is
 * refuted (lives.ts), anything else is old news.
 */
import { assert, assertNever } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import { cover, memberEvent, selfIndex, type Step } from './context.ts';
import { enqueue } from './dissemination.ts';
import { refute } from './lives.ts';
import { clearSuspicion, confirm, startSuspicion, takeExpired } from './suspicion.ts';
import { ALIVE, DEAD, LEFT, SUSPECT, UNKNOWN } from './types.ts';
import { addMember, incAt, statusAt, writeEntry } from './view.ts';
import type { Update } from './wire.ts';

const statusName = ['alive', 'suspect', 'dead', 'left'] as const;

/** Whether news of `status` at `incarnation` is newer than what the view holds of member `i`. */
function isNewer(c: Step, i: number, incarnation: number, status: number): boolean {
  const current = statusAt(c, i);
  if (current === UNKNOWN) return true;
  return incarnation > incAt(c, i) || (incarnation === incAt(c, i) && current < status);
}

/** The preconditions of every transition of another member's entry: it goes forward in the merge order. */
function assertForward(c: Step, i: number, incarnation: number, status: number): void {
  const node = c.sw.universe[i]!;
  assert(i !== selfIndex(c), `swim ${c.env.self}: its own entry changed by news (${statusName[status]} at ${incarnation})`);
  const current = statusAt(c, i);
  if (current === UNKNOWN) return;
  assert(incarnation >= incAt(c, i), `swim ${c.env.self}: ${node} from incarnation ${incAt(c, i)} down to ${incarnation}`);
  if (incarnation > incAt(c, i)) return;
  assert(current < status, `swim ${c.env.self}: ${node} ${statusName[current]} -> ${statusName[status]} at one incarnation ${incarnation}`);
}

// --- transitions of another member's entry ------------------------------------------------------

/** Member `i` is alive at `incarnation`: a member we did not know joined, or a known one refuted or rejoined. */
function becomeAlive(c: Step, i: number, incarnation: number): void {
  const node = c.sw.universe[i]!;
  // The lower-incarnation-alive bug breaks exactly this rule for suspects; the checkers are to see it.
  const broken = c.sw.bug === 'lower-incarnation-alive' && statusAt(c, i) === SUSPECT;
  if (!broken) assertForward(c, i, incarnation, ALIVE);
  const known = statusAt(c, i) !== UNKNOWN;
  writeEntry(c, i, incarnation, ALIVE);
  if (!known) {
    addMember(c, i);
    enqueue(c, { kind: 'alive', node, incarnation });
    memberEvent(c, 'joined', node, incarnation);
    return;
  }
  clearSuspicion(c, node);
  enqueue(c, { kind: 'alive', node, incarnation });
  memberEvent(c, 'alive', node, incarnation);
}

/** SWIM §4.2: member `i` missed a probe (ours, or `from`'s): suspect, not dead, until the suspicion times out. */
function becomeSuspect(c: Step, i: number, incarnation: number, from: NodeId): void {
  const node = c.sw.universe[i]!;
  assertForward(c, i, incarnation, SUSPECT);
  const known = statusAt(c, i) !== UNKNOWN;
  writeEntry(c, i, incarnation, SUSPECT);
  if (!known) addMember(c, i);
  startSuspicion(c, node, incarnation, from);
  enqueue(c, { kind: 'suspect', node, incarnation, from });
  memberEvent(c, 'suspect', node, incarnation, from);
}

/** Member `i` failed, in our judgement (a suspicion timed out, or no suspicion mechanism) or in `from`'s. */
function becomeDead(c: Step, i: number, incarnation: number, from: NodeId): void {
  const node = c.sw.universe[i]!;
  assertForward(c, i, incarnation, DEAD);
  const known = statusAt(c, i) !== UNKNOWN;
  writeEntry(c, i, incarnation, DEAD);
  if (!known) addMember(c, i);
  clearSuspicion(c, node);
  enqueue(c, { kind: 'dead', node, incarnation, from });
  memberEvent(c, 'dead', node, incarnation, from);
}

/** Member `i` left gracefully, by its own word. */
function becomeLeft(c: Step, i: number, incarnation: number): void {
  const node = c.sw.universe[i]!;
  assertForward(c, i, incarnation, LEFT);
  const known = statusAt(c, i) !== UNKNOWN;
  writeEntry(c, i, incarnation, LEFT);
  if (!known) addMember(c, i);
  clearSuspicion(c, node);
  enqueue(c, { kind: 'left', node, incarnation });
  memberEvent(c, 'left', node, incarnation);
}

// --- the merge rules -------------------------------------------------------------------------------

/*
 * The rules below take the newer of two views of a member and nothing else: applying the same news
 * twice, or old news after newer, changes nothing. (memberlist ignores news of members it doesn't
 * know and suspicions of dead ones; that makes the outcome depend on the order news arrives in, so
 * a replayed sync could change state. Here such news is recorded.)
 */

export function applyAlive(c: Step, node: NodeId, incarnation: number): void {
  const i = c.sw.indexOf.get(node);
  if (i === undefined || node === c.env.self) return;
  // The bug: any alive news clears a suspicion, even news older than the suspicion.
  const broken = c.sw.bug === 'lower-incarnation-alive' && statusAt(c, i) === SUSPECT;
  if (!isNewer(c, i, incarnation, ALIVE) && !broken) return;
  becomeAlive(c, i, incarnation);
}

export function applySuspect(c: Step, node: NodeId, incarnation: number, from: NodeId): void {
  const i = c.sw.indexOf.get(node);
  if (i === undefined) return;
  if (node === c.env.self) {
    // SWIM §4.2: a member that hears it is suspected refutes it (a leaving one lets it stand).
    if (c.s.phase === 'member' && incarnation >= c.s.incarnation) refute(c, incarnation);
    return;
  }
  if (!isNewer(c, i, incarnation, SUSPECT)) {
    // The same suspicion again: from an independent member, a Lifeguard confirmation worth passing on.
    if (incarnation === incAt(c, i) && statusAt(c, i) === SUSPECT && confirm(c, node, from)) enqueue(c, { kind: 'suspect', node, incarnation, from });
    return;
  }
  // SWIM's basic version (§3): without suspicion, a failed probe is a death.
  if (!c.sw.suspicionOn) return applyDead(c, node, incarnation, from);
  becomeSuspect(c, i, incarnation, from);
}

export function applyDead(c: Step, node: NodeId, incarnation: number, from: NodeId): void {
  const i = c.sw.indexOf.get(node);
  if (i === undefined) return;
  if (node === c.env.self) {
    // memberlist's deadNode: unless we are leaving, news of our death is refuted like a suspicion.
    if (c.s.phase === 'member' && incarnation >= c.s.incarnation) refute(c, incarnation);
    return;
  }
  if (!isNewer(c, i, incarnation, DEAD)) return;
  becomeDead(c, i, incarnation, from);
}

export function applyLeft(c: Step, node: NodeId, incarnation: number): void {
  const i = c.sw.indexOf.get(node);
  if (i === undefined) return;
  if (node === c.env.self) {
    // As for a death: while we are a member, we have not left.
    if (c.s.phase === 'member' && incarnation >= c.s.incarnation) refute(c, incarnation);
    return;
  }
  if (!isNewer(c, i, incarnation, LEFT)) return;
  becomeLeft(c, i, incarnation);
}

/** Gossip from a protocol message, or (`sync` set) one entry of a sync from `sync`: a remote "dead" there is only a suspicion. */
export function applyUpdate(c: Step, u: Update, sync: NodeId | null): void {
  switch (u.kind) {
    case 'alive':
      return applyAlive(c, u.node, u.incarnation);
    case 'suspect':
      return applySuspect(c, u.node, u.incarnation, sync ?? u.from);
    case 'dead':
      // memberlist's push-pull merges a remote dead as a suspicion: the peer's verdict may be stale.
      if (sync !== null && u.node !== c.env.self) cover(c, 'swim/sync-dead-as-suspect');
      if (sync !== null && u.node !== c.env.self) return applySuspect(c, u.node, u.incarnation, sync);
      return applyDead(c, u.node, u.incarnation, u.from);
    case 'left':
      return applyLeft(c, u.node, u.incarnation);
    default:
      return assertNever(u, 'update');
  }
}

/** A suspicion timer fired: SWIM §4.2, the suspect did not refute in time and is declared dead. */
export function suspicionTimedOut(c: Step, node: NodeId): void {
  const sus = takeExpired(c, node);
  if (sus === undefined) return;
  const i = c.sw.indexOf.get(node)!;
  assert(statusAt(c, i) === SUSPECT, `swim ${c.env.self}: suspicion of ${node} outlived its entry (${statusName[statusAt(c, i)] ?? 'unknown'})`);
  assert(incAt(c, i) === sus.incarnation, `swim ${c.env.self}: suspicion of ${node} at ${sus.incarnation}, the view holds ${incAt(c, i)}`);
  becomeDead(c, i, sus.incarnation, c.env.self);
}
