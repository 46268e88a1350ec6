/**
 * Invariants of the amaters fencing model:
 *
 *   fencing          safety    once a storage node accepted a token, it accepts no write with a lower one
 *   tokens-unique    safety    no token is handed out by two leaders
 *   writes-resume    liveness  after the final heal, writes are accepted again
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker } from '../sim/scenario.ts';
import { formatToken, type FenceObservation } from '../core/fencing/index.ts';

/** Safety: a storage node never accepts a write older than one it accepted before (across restarts too). */
export function fencing(): InvariantChecker {
  const highest = new Map<NodeId, { token: number; writer: NodeId }>();
  return {
    name: 'fencing',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as FenceObservation;
      if (o.type !== 'accepted') return;
      const before = highest.get(node);
      if (before !== undefined && o.token < before.token) {
        return `${node} accepted ${o.writer}'s write with token ${formatToken(o.token)} after accepting ${formatToken(before.token)} from ${before.writer}`;
      }
      if (before === undefined || o.token > before.token) highest.set(node, { token: o.token, writer: o.writer });
    },
  };
}

/** Safety: every token is handed out once (Raft elects one leader per term, and a leader counts up). */
export function tokensUnique(): InvariantChecker {
  const issuer = new Map<number, NodeId>();
  return {
    name: 'tokens-unique',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as FenceObservation;
      if (o.type !== 'issued') return;
      const earlier = issuer.get(o.token);
      if (earlier !== undefined) return `${node} handed out token ${formatToken(o.token)}, which ${earlier} handed out before`;
      issuer.set(o.token, node);
    },
  };
}

/** Liveness: some write is accepted by a storage node after the final heal (a leader is elected and reaches storage). */
export function writesResume(): InvariantChecker {
  let accepted = 0;
  return {
    name: 'writes-resume',
    kind: 'liveness',
    onObservation(_node, observation, world) {
      if (world.phase === 'quiet' && (observation as FenceObservation).type === 'accepted') accepted++;
    },
    atEnd() {
      if (accepted === 0) return 'no write was accepted by any storage node after the final heal';
    },
  };
}

export function fencingCheckers(): InvariantChecker[] {
  return [fencing(), tokensUnique(), writesResume()];
}
