/**
 * Invariants of the sealed log (core/integrity):
 *
 *   applies-only-authentic  safety    every applied entry is the one the primary sealed at that index (same term, same payload)
 *   log-stable              safety    the primary never seals two different entries at one index
 *   replicas-catch-up       liveness  after the final heal, every replica has applied the primary's whole log
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker } from '../sim/scenario.ts';
import type { SealedLogObservation, SealedLogState } from '../core/integrity/index.ts';

/** Safety: nothing tampered, corrupt or invented is ever applied, by any node. */
export function appliesOnlyAuthentic(): InvariantChecker {
  const sealed = new Map<number, { term: number; digest: string }>();
  return {
    name: 'applies-only-authentic',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as SealedLogObservation;
      if (o.type === 'sealed') {
        if (!sealed.has(o.index)) sealed.set(o.index, { term: o.term, digest: o.digest });
        return;
      }
      if (o.type !== 'applied') return;
      const truth = sealed.get(o.index);
      if (truth === undefined) return `${node} applied entry ${o.index} (term ${o.term}, payload ${o.digest}), which the primary never sealed`;
      if (truth.term !== o.term || truth.digest !== o.digest) {
        return `${node} applied entry ${o.index} as term ${o.term} payload ${o.digest}, but the primary sealed term ${truth.term} payload ${truth.digest}`;
      }
    },
  };
}

/** Safety: an index, once sealed, always holds the same entry (the primary's log only grows). */
export function logStable(): InvariantChecker {
  const sealed = new Map<number, { term: number; digest: string }>();
  return {
    name: 'log-stable',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as SealedLogObservation;
      if (o.type !== 'sealed') return;
      const before = sealed.get(o.index);
      if (before === undefined) sealed.set(o.index, { term: o.term, digest: o.digest });
      else if (before.term !== o.term || before.digest !== o.digest) return `${node} sealed index ${o.index} as term ${o.term} after sealing it as term ${before.term}`;
    },
  };
}

/** Liveness: at the end every replica holds and has applied the primary's log. */
export function replicasCatchUp(primary: NodeId, replicas: readonly NodeId[]): InvariantChecker {
  return {
    name: 'replicas-catch-up',
    kind: 'liveness',
    atEnd(world) {
      const p = world.node(primary).state as SealedLogState | undefined;
      if (p === undefined) return `the primary ${primary} is down at the end`;
      for (const r of replicas) {
        const s = world.node(r).state as SealedLogState | undefined;
        if (s === undefined) return `replica ${r} is down at the end`;
        if (s.applied !== p.log.length || s.chain !== p.chain) return `after the heal, replica ${r} applied ${s.applied} of the primary's ${p.log.length} entries${s.applied === p.log.length ? ', with a different result' : ''}`;
      }
    },
  };
}

export function integrityCheckers(primary: NodeId, replicas: readonly NodeId[]): InvariantChecker[] {
  return [appliesOnlyAuthentic(), logStable(), replicasCatchUp(primary, replicas)];
}
