/**
 * Suspicion timers. SWIM §4.2: a member that misses a probe is not declared dead at once but
 * suspected, and declared dead only when the suspicion outlives a timeout without a refutation.
 * Lifeguard's Local Health Aware Suspicion (memberlist's suspicion.go) makes the timeout dynamic:
 * it starts at `suspicionMaxTimeoutMult` times the minimum and shrinks towards the minimum as
 * independent members confirm the suspicion, log(C+1)/log(K+1) of the way after C of the K wanted.
 * A suspicion many members share is likely true, and one only we hold gets time to be refuted.
 * Without Lifeguard the timeout is the minimum and nothing confirms.
 *
 * Every suspicion here belongs to a view entry that is suspect at the suspicion's incarnation: the
 * transitions of membership.ts start one right after marking the entry suspect and end it when the
 * entry changes again, and a fresh view (lives.ts) drops them all. The refutation, our own answer
 * to being suspected, is an own-life transition (lives.ts).
 */
import { assert } from '../contract/assert.ts';
import type { NodeId } from '../contract/protocol.ts';
import type { Step } from './context.ts';
import { confirmationsWanted, remainingSuspicionTimeMs, suspicionTimeoutMaxMs, suspicionTimeoutMinMs } from './lifeguard.ts';
import { SUSPECT, suspectTimer, type Suspicion } from './types.ts';
import { incAt, statusAt } from './view.ts';

const findSuspicion = (c: Step, node: NodeId): number => c.s.suspicions.findIndex((x) => x.node === node);

/** Ends the suspicion of `node`, if there is one, and its timer. */
export function clearSuspicion(c: Step, node: NodeId): void {
  const k = findSuspicion(c, node);
  if (k < 0) return;
  c.s.suspicions.splice(k, 1);
  c.fx.push({ type: 'cancelTimer', timer: suspectTimer(node) });
}

/** Starts the suspicion of `node` (replacing any older one): its entry has just become suspect at `incarnation`. */
export function startSuspicion(c: Step, node: NodeId, incarnation: number, from: NodeId): void {
  const { config, lifeguard } = c.sw;
  const i = c.sw.indexOf.get(node)!;
  assert(c.sw.suspicionOn, `swim ${c.env.self}: suspicion of ${node} with the suspicion mechanism off`);
  assert(statusAt(c, i) === SUSPECT, `swim ${c.env.self}: suspicion of ${node}, which the view does not hold suspect`);
  assert(incAt(c, i) === incarnation, `swim ${c.env.self}: suspicion of ${node} at ${incarnation}, the view holds ${incAt(c, i)}`);
  clearSuspicion(c, node);
  const s = c.s;
  const minMs = suspicionTimeoutMinMs(config.suspicionMult, s.live, c.sw.periodMs);
  const maxMs = lifeguard ? suspicionTimeoutMaxMs(config.suspicionMaxTimeoutMult, minMs) : minMs;
  const wanted = lifeguard ? confirmationsWanted(config.suspicionMult, s.live) : 0;
  s.suspicions.push({ node, incarnation, from, startMs: c.env.nowMs, wanted, minMs, maxMs, confirmations: [] });
  const afterMs = remainingSuspicionTimeMs({ confirmations: 0, wanted, elapsedMs: 0, minMs, maxMs });
  c.fx.push({ type: 'setTimer', timer: suspectTimer(node), afterMs: Math.max(0, afterMs) });
}

/**
 * A suspicion of `node` at the incarnation we hold it suspect at, heard from `from`. It counts when
 * it is independent: not from the first accuser, not from one who confirmed already, and only up to
 * the K wanted (Lifeguard). True when it counted and the timer shrank: the news is worth
 * passing on.
 */
export function confirm(c: Step, node: NodeId, from: NodeId): boolean {
  const k = findSuspicion(c, node);
  if (k < 0) return false;
  const sus = c.s.suspicions[k]!;
  assert(sus.incarnation === incAt(c, c.sw.indexOf.get(node)!), `swim ${c.env.self}: suspicion of ${node} at ${sus.incarnation} outlived its entry`);
  if (sus.confirmations.length >= sus.wanted || from === sus.from || sus.confirmations.includes(from)) return false;
  sus.confirmations.push(from);
  const left = remainingSuspicionTimeMs({ confirmations: sus.confirmations.length, wanted: sus.wanted, elapsedMs: c.env.nowMs - sus.startMs, minMs: sus.minMs, maxMs: sus.maxMs });
  c.fx.push({ type: 'setTimer', timer: suspectTimer(node), afterMs: Math.max(0, left) });
  return true;
}

/** The suspicion whose timer fired, taken out; undefined when it ended before (the timer was stale). */
export function takeExpired(c: Step, node: NodeId): Suspicion | undefined {
  const k = findSuspicion(c, node);
  if (k < 0) return undefined;
  const sus = c.s.suspicions[k]!;
  c.s.suspicions.splice(k, 1);
  return sus;
}
