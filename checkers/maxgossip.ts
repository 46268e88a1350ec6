/**
 * Invariants of the example protocol: a node never holds less than it announced (across crashes),
 * and after the final heal every node catches up with the largest number announced before it.
 */
import type { InvariantChecker, WorldView } from '../sim/scenario.ts';
import type { MaxGossipObservation, MaxGossipState } from '../core/maxgossip/index.ts';

/** Safety: what a node announced, it keeps: its number never goes down, even after a restart. */
export function neverBackwards(): InvariantChecker {
  const announced = new Map<string, number>();
  return {
    name: 'never-backwards',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as MaxGossipObservation;
      const before = announced.get(node) ?? 0;
      if (o.value < before) return `${node} ${o.type === 'recovered' ? 'recovered' : 'holds'} ${o.value} after announcing ${before}`;
      if (o.type === 'holds') announced.set(node, o.value);
    },
  };
}

/** Liveness: by the end of the quiet phase every node holds at least the largest number held at the heal. */
export function catchesUp(): InvariantChecker {
  let target: number | null = null;
  const maxHeld = (world: WorldView) => Math.max(0, ...world.nodes.map((n) => (n.state as MaxGossipState | undefined)?.value ?? 0));
  return {
    name: 'catches-up',
    kind: 'liveness',
    afterEvent(world) {
      if (target === null && world.phase === 'quiet') target = maxHeld(world);
    },
    atEnd(world) {
      const behind = world.nodes.filter((n) => ((n.state as MaxGossipState | undefined)?.value ?? 0) < (target ?? 0));
      if (behind.length > 0) return `after the heal, ${behind.map((n) => n.id).join(', ')} never reached ${target}`;
    },
  };
}
