/**
 * Invariants of the stemedb cluster, over what nodes and gateways observe:
 *
 *   owner-serves               safety    a request is served only by the owner of the newest range version holding its subject, at that version
 *   no-route-to-dead           safety    a gateway never sends a request to a node its failure detector holds dead
 *   gateway-maps-converge      liveness  after the final heal, every gateway's cache holds every range at its newest version
 *   no-lost-keys               safety    at the end, every subject holds what its last acknowledged write left (or what a write of unknown outcome wrote)
 *   replicas-synced            liveness  after the final heal, every replica holds the owner's copy of the range
 *
 * The history of installs is the checkers' ground truth: a node observes `installed` after it
 * durably became a range version's owner, and the newest install holding a subject is who owns it.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, WorldView } from '../sim/scenario.ts';
import { describeDesc, shardOf, type GatewayCommand, type GatewayReply, type GatewayState, type RangeDesc, type StemeNodeState, type StemeObservation } from '../core/stemedb/index.ts';

interface Install {
  readonly desc: RangeDesc;
  readonly owner: NodeId;
  readonly seq: number;
}

/** Every range version ever installed or retired, in the order it happened. */
class RangeHistory {
  private readonly installs: Install[] = [];
  private readonly seen = new Map<string, Install>();
  /** Range id -> its newest version, and whether that is a tombstone. */
  readonly newest = new Map<string, { version: number; live: boolean }>();

  /** Records an observation; returns a complaint when two installs of one version disagree. */
  record(node: NodeId, o: StemeObservation): string | void {
    if (o.type !== 'installed' && o.type !== 'retired') return;
    const d = o.desc;
    const known = this.newest.get(d.id);
    if (known === undefined || d.version > known.version) this.newest.set(d.id, { version: d.version, live: o.type === 'installed' });
    if (o.type === 'retired') return;
    if (d.owner !== node) return `${node} installed ${describeDesc(d)}, which names another owner`;
    const key = `${d.id}@${d.version}`;
    const earlier = this.seen.get(key);
    if (earlier !== undefined) {
      if (earlier.owner !== node || earlier.desc.startKey !== d.startKey || earlier.desc.endKey !== d.endKey) {
        return `${key} installed twice, differently: ${describeDesc(earlier.desc)} and ${describeDesc(d)} by ${node}`;
      }
      return; // a restart re-announcing what it holds
    }
    const install = { desc: d, owner: node, seq: this.installs.length };
    this.installs.push(install);
    this.seen.set(key, install);
  }

  /** The newest install holding `subject` of `shard`, or null. */
  current(shard: number, subject: string): Install | null {
    for (let k = this.installs.length - 1; k >= 0; k--) {
      const i = this.installs[k]!;
      const d = i.desc;
      if (d.shard === shard && d.startKey <= subject && (d.endKey === null || subject < d.endKey)) return i;
    }
    return null;
  }

  /** The newest install of every range that is still live. */
  liveRanges(): Install[] {
    const out: Install[] = [];
    for (const [id, n] of [...this.newest].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!n.live) continue;
      const i = this.seen.get(`${id}@${n.version}`);
      if (i !== undefined) out.push(i);
    }
    return out;
  }
}

/** Safety: only the current owner serves, at the current version. */
export function ownerServes(shards: number): InvariantChecker {
  const history = new RangeHistory();
  return {
    name: 'owner-serves',
    kind: 'safety',
    onObservation(node, observation) {
      const o = observation as StemeObservation;
      const complaint = history.record(node, o);
      if (complaint) return complaint;
      if (o.type !== 'served') return;
      const shard = shardOf(o.subject, shards);
      const current = history.current(shard, o.subject);
      const what = `${node} served ${o.op} ${JSON.stringify(o.subject)} (shard ${shard}) for ${o.gateway} at ${o.rangeId}@${o.version}`;
      if (current === null) return `${what}, but no range holding the subject was ever installed`;
      if (current.owner !== node || current.desc.id !== o.rangeId || current.desc.version !== o.version) {
        return `${what}, but the subject's range is ${describeDesc(current.desc)}`;
      }
    },
  };
}

/** Safety: a gateway routes nothing to a node it has declared dead (and not alive again since). */
export function noRouteToDead(gateways: readonly NodeId[]): InvariantChecker {
  const dead = new Map<NodeId, Set<NodeId>>(gateways.map((g) => [g, new Set<NodeId>()]));
  return {
    name: 'no-route-to-dead',
    kind: 'safety',
    onObservation(node, observation) {
      const believed = dead.get(node);
      if (believed === undefined) return;
      const o = observation as StemeObservation;
      if (o.type === 'declared') {
        if (o.status === 'dead') believed.add(o.peer);
        else believed.delete(o.peer);
      } else if (o.type === 'routed' && believed.has(o.to)) {
        return `${node} routed ${JSON.stringify(o.subject)} to ${o.to} (${o.rangeId}@${o.version}), which it had declared dead`;
      }
    },
  };
}

/** Liveness: at the end, every gateway's cache holds the newest version of every range (tombstones may be missing). */
export function gatewayMapsConverge(gateways: readonly NodeId[]): InvariantChecker {
  const history = new RangeHistory();
  return {
    name: 'gateway-maps-converge',
    kind: 'liveness',
    onObservation(node, observation) {
      history.record(node, observation as StemeObservation);
    },
    atEnd(world) {
      for (const g of gateways) {
        const state = world.node(g).state as GatewayState | undefined;
        if (state === undefined) return `gateway ${g} is down at the end`;
        const stale: string[] = [];
        for (const [id, n] of [...history.newest].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
          const cached = state.cache[id];
          if (n.live ? cached?.version !== n.version : cached !== undefined && cached.version !== n.version) {
            stale.push(`${id}@${cached?.version ?? 'none'} (newest ${id}@${n.version}${n.live ? '' : ', a tombstone'})`);
          }
        }
        if (stale.length > 0) return `after the heal, gateway ${g} holds ${stale.length} stale range(s): ${stale.slice(0, 4).join(', ')}${stale.length > 4 ? ', ...' : ''}`;
      }
    },
  };
}

type Outcome = 'acked' | 'unknown' | 'not-applied';

/**
 * Safety, checked at the end: a subject holds what its last acknowledged write left, or what a
 * later write of unknown outcome wrote. One gateway issues all writes of a subject, one at a time,
 * and a node applies a gateway's writes in issue order, so nothing older can land last.
 */
export function noLostKeys(options: { shards: number; commands: readonly { readonly node: NodeId; readonly command: unknown }[]; gateways: readonly NodeId[] }): InvariantChecker {
  const history = new RangeHistory();
  const outcomes = new Map<number, Outcome>();
  const gateways = new Set(options.gateways);
  return {
    name: 'no-lost-keys',
    kind: 'safety',
    onObservation(node, observation) {
      history.record(node, observation as StemeObservation);
    },
    onReply(node, commandId, reply) {
      if (!gateways.has(node)) return;
      const r = reply as GatewayReply;
      outcomes.set(commandId, r.type === 'ok' ? 'acked' : r.maybeApplied ? 'unknown' : 'not-applied');
    },
    atEnd(world: WorldView) {
      const writes = new Map<string, { commandId: number; command: GatewayCommand }[]>();
      options.commands.forEach((c, commandId) => {
        if (!gateways.has(c.node)) return;
        const command = c.command as GatewayCommand;
        if (command.type === 'get') return;
        const list = writes.get(command.subject) ?? [];
        list.push({ commandId, command });
        writes.set(command.subject, list);
      });
      for (const subject of [...writes.keys()].sort()) {
        const list = writes.get(subject)!;
        let lastAcked = -1;
        list.forEach((w, k) => {
          if (outcomes.get(w.commandId) === 'acked') lastAcked = k;
        });
        const valueOf = (c: GatewayCommand) => (c.type === 'put' ? c.value : null);
        const possible = new Set<string | null>(lastAcked >= 0 ? [valueOf(list[lastAcked]!.command)] : [null]);
        for (let k = lastAcked + 1; k < list.length; k++) {
          const outcome = outcomes.get(list[k]!.commandId) ?? 'unknown'; // no answer by the end: unknown
          if (outcome === 'unknown') possible.add(valueOf(list[k]!.command));
        }
        const shard = shardOf(subject, options.shards);
        const current = history.current(shard, subject);
        if (current === null) return `subject ${JSON.stringify(subject)} (shard ${shard}) has no range`;
        const owner = world.node(current.owner).state as StemeNodeState | undefined;
        const range = owner?.owned[current.desc.id];
        if (range === undefined || range.desc.version !== current.desc.version) {
          return `${current.owner} no longer holds ${describeDesc(current.desc)}, the newest range of ${JSON.stringify(subject)}`;
        }
        const actual = range.data[subject]?.value ?? null;
        if (!possible.has(actual)) {
          const expected = [...possible].map((v) => (v === null ? 'nothing' : JSON.stringify(v))).join(' or ');
          return `subject ${JSON.stringify(subject)} should hold ${expected}, but ${current.owner} holds ${actual === null ? 'nothing' : JSON.stringify(actual)} in ${describeDesc(current.desc)}`;
        }
      }
    },
  };
}

/** Liveness: at the end, every replica of every live range holds the owner's copy at the owner's version. */
export function replicasSynced(): InvariantChecker {
  const history = new RangeHistory();
  return {
    name: 'replicas-synced',
    kind: 'liveness',
    onObservation(node, observation) {
      history.record(node, observation as StemeObservation);
    },
    atEnd(world) {
      for (const install of history.liveRanges()) {
        const owner = world.node(install.owner).state as StemeNodeState | undefined;
        const range = owner?.owned[install.desc.id];
        if (range === undefined) continue; // no-lost-keys reports a vanished range
        for (const replica of range.desc.replicas) {
          const copy = (world.node(replica).state as StemeNodeState | undefined)?.copies[range.desc.id];
          if (copy === undefined || copy.desc.version !== range.desc.version || canonical(copy.data) !== canonical(range.data)) {
            return `after the heal, replica ${replica} of ${describeDesc(range.desc)} holds ${copy === undefined ? 'no copy' : `version ${copy.desc.version} with ${Object.keys(copy.data).length} subjects`} (the owner has ${Object.keys(range.data).length})`;
          }
        }
      }
    },
  };
}

function canonical(data: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
}

export function stemedbCheckers(options: { shards: number; gateways: readonly NodeId[]; commands: readonly { readonly node: NodeId; readonly command: unknown }[] }): InvariantChecker[] {
  return [ownerServes(options.shards), noRouteToDead(options.gateways), noLostKeys(options), gatewayMapsConverge(options.gateways), replicasSynced()];
}
