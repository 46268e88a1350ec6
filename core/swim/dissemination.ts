/**
 * How news travels. SWIM §4.1: membership updates ride on the protocol's own messages (pings, acks,
 * ping-reqs) instead of a multicast, each retransmitted a bounded number of times, λ·⌈log10(n+1)⌉
 * (memberlist's retransmit limit), so that it reaches everyone with high probability. Next to that,
 * the whole view travels in syncs: a join (to the seeds), and memberlist's push-pull anti-entropy
 * every few periods with one random member, which repairs what gossip missed.
 */
import { cover, send, type Step } from './context.ts';
import { retransmitLimit } from './lifeguard.ts';
import { ALIVE, DEAD, LEFT, SUSPECT } from './types.ts';
import { incAt, randomAlive, statusAt } from './view.ts';
import { UNBOUND, type Update } from './wire.ts';

/** Queues an update for piggybacking. Older news about the same node is worthless once this is out: it goes. */
export function enqueue(c: Step, u: Update): void {
  const q = c.s.broadcasts;
  for (let k = 0; k < q.length; k++) {
    if (q[k]!.node === u.node) {
      q.splice(k, 1);
      break;
    }
  }
  q.unshift({ ...u, transmits: 0 });
}

/** The updates to piggyback on one message: fewest transmissions first; spent ones leave the queue. */
export function piggyback(c: Step): Update[] {
  const { config, bug } = c.sw;
  const q = c.s.broadcasts;
  const out: Update[] = [];
  if (q.length === 0 || config.maxPiggyback === 0) return out;
  const limit = bug === 'early-dissemination-stop' ? 1 : Math.max(1, retransmitLimit(config.retransmitMult, c.s.live));
  const take = Math.min(config.maxPiggyback, q.length);
  if (take < q.length) cover(c, 'swim/piggyback-budget-full'); // fewest-sent first decides what waits
  const taken = q.splice(0, take);
  for (const b of taken) {
    const { transmits, ...u } = b;
    out.push(u as Update);
    b.transmits = transmits + 1;
    if (b.transmits >= limit) continue;
    // Keep the queue ordered by transmissions: insert after every entry with as many or fewer.
    let at = q.length;
    while (at > 0 && q[at - 1]!.transmits > b.transmits) at--;
    q.splice(at, 0, b);
  }
  return out;
}

/** Our whole view as updates, us first; suspicions and deaths carry us as their accuser. */
export function fullMembership(c: Step): Update[] {
  const s = c.s;
  const self = c.env.self;
  const own: Update = s.phase === 'member' ? { kind: 'alive', node: self, incarnation: s.incarnation } : { kind: 'left', node: self, incarnation: s.incarnation };
  const out: Update[] = [own];
  for (const i of s.members) {
    const node = c.sw.universe[i]!;
    const incarnation = incAt(c, i);
    switch (statusAt(c, i)) {
      case ALIVE: out.push({ kind: 'alive', node, incarnation }); break;
      case SUSPECT: out.push({ kind: 'suspect', node, incarnation, from: self }); break;
      case DEAD: out.push({ kind: 'dead', node, incarnation, from: self }); break;
      case LEFT: out.push({ kind: 'left', node, incarnation }); break;
    }
  }
  return out;
}

/**
 * Asks every seed for its view. Unbound (the joiner knows no seed's incarnation), so a seed only
 * answers it: anyone could replay a join, and a seed must learn nothing from one.
 */
export function sendJoins(c: Step): void {
  for (const seed of c.sw.config.seeds) {
    if (seed !== c.env.self) send(c, seed, UNBOUND, 0, { type: 'sync', reply: true, updates: [{ kind: 'alive', node: c.env.self, incarnation: c.s.incarnation }] });
  }
}

/** memberlist's push-pull: our view to one random alive member, which answers with its own. */
export function pushPull(c: Step): void {
  const [peer] = randomAlive(c, 1, -1);
  if (peer === undefined) return;
  send(c, c.sw.universe[peer]!, incAt(c, peer), 0, { type: 'sync', reply: true, updates: fullMembership(c) });
}
