/**
 * The migration and key-version rules of the cluster node, checked when they act (core/migration,
 * core/clusternode; Redis's MIGRATE and CLUSTER SETSLOT), beside no-key-lost-by-migration:
 *
 *   handover-on-target-replicas  when the source deletes a batch the target acknowledged, every up
 *                                replica of the target shard holds its keys (source.ts step 3: the
 *                                target stores a batch on its replicas too, and only then
 *                                acknowledges it; an import waits like a synchronous write)
 *   handover-keeps-newest        when the source deletes a batch, the target's primary holds each key
 *                                at a version at least the source's (MIGRATE by version: a key moves
 *                                forward, never back to an older write)
 *   primary-versions-forward     while a node is one shard's primary (one life, one stream), no key's
 *                                version goes down (every write adds one; an import replaces a key
 *                                only with a newer copy)
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { shardOfNode } from '../core/cluster-config/config.ts';
import { getRecord } from '../core/migration/store.ts';
import type { ClusterNodeState } from '../core/clusternode/types.ts';

function nodeState(n: NodeView): ClusterNodeState | null {
  return n.role === 'server' && n.status !== 'down' && n.state !== undefined && (n.state as ClusterNodeState).started ? (n.state as ClusterNodeState) : null;
}

type Obs = { readonly type?: unknown; readonly event?: unknown } & Record<string, unknown>;
const obs = (o: unknown): Obs | null => (typeof o === 'object' && o !== null ? (o as Obs) : null);
const isHandover = (o: Obs | null): o is Obs => o?.type === 'migration' && o.event === 'handed-over';

/** The acker's state, when it is (by its own configuration) the primary of the shard the batch went to. */
function targetPrimary(world: WorldView, acker: NodeId, shard: string): ClusterNodeState | null {
  const s = nodeState(world.node(acker));
  const me = s === null ? undefined : shardOfNode(s.config, acker);
  return s !== null && me?.id === shard && me.primary === acker ? s : null;
}

/** A handed-over batch's keys are on every up replica the acknowledging primary names. */
export function handoverOnTargetReplicas(): InvariantChecker {
  return {
    name: 'handover-on-target-replicas',
    kind: 'safety',
    description: 'a batch the source deletes is on every up replica of the target shard',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (!isHandover(o)) return;
      const t = targetPrimary(world, o.acker as NodeId, o.to as string);
      if (t === null) return;
      for (const r of shardOfNode(t.config, t.self)!.replicas) {
        const rs = nodeState(world.node(r));
        // A replica that is down kept what it acknowledged on its disk; one that moved shard is not the target's.
        if (rs === null || shardOfNode(rs.config, r)?.id !== o.to) continue;
        const missing = (o.keys as string[]).find((k) => getRecord(rs.store, k) === undefined);
        if (missing !== undefined) return `${node} deleted batch ${String(o.batch)} of migration ${String(o.mig)} on ${t.self}'s acknowledgement, but ${t.self}'s replica ${r} does not hold key ${missing}`;
      }
    },
  };
}

/** Per node, the key versions of its store as of its last step, and whether it was a primary then (for which stream). */
interface Seen {
  readonly steps: number;
  readonly incarnation: number;
  /** The stream it led at that step (null: not a primary). */
  readonly stream: string | null;
  readonly versions: Map<string, number>;
}

/**
 * handover-keeps-newest and primary-versions-forward: both read every node's key versions after
 * each of its steps. The source's version of a handed-over key is the one it had before the step
 * that deleted it (its keys are locked while the batch is on the wire, so that is what it sent).
 */
export function keyVersionRules(): InvariantChecker[] {
  const seen = new Map<NodeId, Seen>();
  const keepsNewest: InvariantChecker = {
    name: 'handover-keeps-newest',
    kind: 'safety',
    description: 'the target holds a handed-over key at a version at least the source’s',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (!isHandover(o)) return;
      const t = targetPrimary(world, o.acker as NodeId, o.to as string);
      const mine = seen.get(node);
      if (t === null || mine === undefined) return;
      for (const k of o.keys as string[]) {
        const before = mine.versions.get(k);
        const theirs = getRecord(t.store, k)?.ver;
        if (before !== undefined && theirs !== undefined && theirs < before) {
          return `${node} deleted key ${k} at version ${before}, handed over to ${t.self}, which holds version ${theirs}: an older write replaced a newer one`;
        }
      }
    },
  };
  const forward: InvariantChecker = {
    name: 'primary-versions-forward',
    kind: 'safety',
    description: 'while a node leads one stream, no key’s version goes down',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s === null) {
          seen.delete(n.id);
          continue;
        }
        const before = seen.get(n.id);
        if (before !== undefined && before.steps === s.steps && before.incarnation === n.incarnation) continue;
        const stream = shardOfNode(s.config, n.id)?.primary === n.id ? s.repl.replId : null;
        const versions = new Map<string, number>();
        for (const k of Object.keys(s.store.records)) versions.set(k, s.store.records[k]!.ver);
        seen.set(n.id, { steps: s.steps, incarnation: n.incarnation, stream, versions });
        if (before === undefined || stream === null || before.stream !== stream || before.incarnation !== n.incarnation) continue;
        for (const [k, ver] of versions) {
          const was = before.versions.get(k);
          if (was !== undefined && ver < was) return `${n.id}, primary of stream ${stream}, had key ${k} at version ${was} and now at ${ver}: a key went back to an older write`;
        }
      }
    },
  };
  return [keepsNewest, forward];
}

export function migrationRuleCheckers(): InvariantChecker[] {
  return [handoverOnTargetReplicas(), ...keyVersionRules()];
}
