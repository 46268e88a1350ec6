/**
 * The cluster node's rules checked when they act (core/clusternode, core/failover; Redis Cluster's
 * cluster.c), beside the end-state checkers of checkers/cluster.ts:
 *
 *   election-delay-by-rank  a replica schedules its election `base + random(0..jitter) + rank *
 *                           rankDelay` ms out, rank being the siblings it knows to be ahead of it
 *                           (clusterGetSlaveRank), and starts it no sooner
 *   votes-durable           a voter never comes back from a restart having forgotten an epoch it
 *                           voted in (lastVoteEpoch is persisted before the vote is answered)
 *   config-never-backwards  a node's configuration version never goes down while it runs
 *   failover-happened       (scenarios that exist for it) a replica was promoted by the end
 *   promotion-valid         a committed promotion replaces the shard's primary of the configuration
 *                           before it (the one the failover was decided against), with an epoch
 *                           above every epoch handed out before (config.ts promote; Redis
 *                           failover_auth_epoch = ++currentEpoch)
 *   renewals-blocked-by-manual-only
 *                           a voter stops renewing a primary's lease only for a manual failover
 *                           (CLUSTER FAILOVER, default or FORCE) of that shard begun just before:
 *                           an automatic one must not, or a false suspicion costs a healthy primary
 *                           its lease (election.ts blocksRenewals)
 *   wait-counts-acks        under synchronous replication a primary acknowledges a write at offset
 *                           x only once every replica of its shard acknowledged x or beyond in its
 *                           stream (WAIT; Redis replicationCountAcksByOffset)
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView } from '../sim/scenario.ts';
import type { ElectionOptions } from '../core/failover/election.ts';
import { shardOfNode } from '../core/cluster-config/config.ts';
import type { ClusterConfig } from '../core/cluster-config/config.ts';
import type { ClusterNodeState } from '../core/clusternode/types.ts';

function nodeState(n: NodeView): ClusterNodeState | null {
  return n.role === 'server' && n.status !== 'down' && n.state !== undefined && (n.state as ClusterNodeState).started ? (n.state as ClusterNodeState) : null;
}

type Obs = { readonly type?: unknown; readonly event?: unknown } & Record<string, unknown>;
const obs = (o: unknown): Obs | null => (typeof o === 'object' && o !== null ? (o as Obs) : null);

/** A scheduled automatic election's delay and rank, checked against what the replica knew; its start, against the delay. */
export function electionDelayByRank(election: ElectionOptions): InvariantChecker {
  const scheduled = new Map<NodeId, { atMs: number; delayMs: number }>();
  return {
    name: 'election-delay-by-rank',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o?.type !== 'election') return;
      if (o.event === 'scheduled') {
        const s = nodeState(world.node(node));
        if (s === null) return;
        const me = shardOfNode(s.config, node);
        if (me === undefined) return;
        const ahead = me.replicas.filter((r) => r !== node && (s.repl.siblingOffsets[r] ?? 0) > s.repl.offset);
        const delayMs = o.delayMs as number;
        if (o.rank !== ahead.length) return `${node} scheduled its election with rank ${String(o.rank)}, but ${ahead.length} sibling(s) are ahead of its offset ${s.repl.offset} as it knows them (${ahead.join(', ') || 'none'})`;
        const min = election.baseDelayMs + ahead.length * election.rankDelayMs;
        const max = min + election.jitterMs;
        if (delayMs < min || delayMs > max) return `${node} scheduled its election ${delayMs} ms out; with rank ${ahead.length} that is ${min}..${max} ms`;
        scheduled.set(node, { atMs: world.nowMs, delayMs });
      } else if (o.event === 'started' && o.mode === 'auto') {
        const at = scheduled.get(node);
        scheduled.delete(node);
        // Its own clock runs within 200 ppm of ours: a millisecond is slack enough.
        if (at !== undefined && world.nowMs < at.atMs + at.delayMs - 1) return `${node} started its election ${Math.round(world.nowMs - at.atMs)} ms after scheduling it ${at.delayMs} ms out`;
      }
    },
  };
}

/** The highest epoch each voter voted in, checked against what it runs with (after a restart: what it read back). */
export function votesDurable(): InvariantChecker {
  const voted = new Map<NodeId, number>();
  return {
    name: 'votes-durable',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type === 'election' && o.event === 'vote') voted.set(node, Math.max(voted.get(node) ?? 0, o.epoch as number));
    },
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = nodeState(n);
        const epoch = voted.get(n.id);
        if (s === null || epoch === undefined) continue;
        if (s.lastVoteEpoch < epoch) return `${n.id} voted in epoch ${epoch} and now runs with its last vote in epoch ${s.lastVoteEpoch}: a vote forgotten`;
      }
    },
  };
}

/** Per node and life, the configuration version it runs with only grows. */
export function configNeverBackwards(): InvariantChecker {
  const seen = new Map<NodeId, { incarnation: number; version: number }>();
  return {
    name: 'config-never-backwards',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s === null) continue;
        const before = seen.get(n.id);
        if (before !== undefined && before.incarnation === n.incarnation && s.config.version < before.version) {
          return `${n.id} went from configuration version ${before.version} back to ${s.config.version}`;
        }
        if (before === undefined || before.incarnation !== n.incarnation || before.version !== s.config.version) seen.set(n.id, { incarnation: n.incarnation, version: s.config.version });
      }
    },
  };
}

/** The goal of a failover scenario: some replica was promoted by the end of the run. */
export function failoverHappened(): InvariantChecker {
  let promotions = 0;
  return {
    name: 'failover-happened',
    kind: 'liveness',
    onObservation(_node, observation) {
      const o = obs(observation);
      if (o?.type === 'failover' && o.event === 'promoted' && o.from !== null) promotions++;
    },
    atEnd() {
      if (promotions === 0) return 'no replica was promoted: the failover this scenario exists for never happened';
    },
  };
}

/**
 * Each committed configuration against the one committed just before it (by version): a shard
 * whose last promotion changed was promoted from the primary the earlier one names, and with an
 * epoch above the earlier one's currentEpoch.
 */
export function promotionValid(): InvariantChecker {
  const committed = new Map<number, ClusterConfig>();
  return {
    name: 'promotion-valid',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'config-committed') return;
      const next = o.config as ClusterConfig;
      if (committed.has(next.version)) return;
      committed.set(next.version, next);
      const prev = committed.get(next.version - 1);
      if (prev === undefined) return;
      for (const shard of next.shards) {
        const p = shard.lastPromotion;
        const was = prev.shards.find((x) => x.id === shard.id);
        if (p === null || was === undefined || (was.lastPromotion !== null && was.lastPromotion.epoch === p.epoch && was.lastPromotion.to === p.to)) continue;
        if (was.primary !== p.from) return `configuration v${next.version} (committed at ${node}) promotes ${p.to} in ${shard.id} in place of ${p.from}, but v${prev.version} makes ${was.primary} the primary: a promotion decided against a primary that was replaced meanwhile`;
        if (p.epoch <= prev.currentEpoch) return `configuration v${next.version} (committed at ${node}) promotes ${p.to} in ${shard.id} with epoch ${p.epoch}, but v${prev.version} had handed out epochs up to ${prev.currentEpoch}`;
      }
    },
  };
}

/**
 * Each new block a voter records (grantor.blocked) against the manual elections of that shard
 * begun within the block's length before it (a vote request is answered as it arrives).
 */
export function renewalsBlockedByManualOnly(election: ElectionOptions): InvariantChecker {
  const manualAtMs = new Map<string, number>();
  const seen = new Map<string, number>();
  return {
    name: 'renewals-blocked-by-manual-only',
    kind: 'safety',
    onObservation(_node, observation, world) {
      const o = obs(observation);
      if (o?.type === 'election' && o.event === 'started' && o.mode !== 'auto') manualAtMs.set(o.shard as string, world.nowMs);
    },
    afterEvent(world) {
      for (const n of world.nodes) {
        const g = nodeState(n)?.grantor;
        if (g === null || g === undefined) continue;
        for (const shard of Object.keys(g.blocked)) {
          const key = `${n.id}/${shard}`;
          const until = g.blocked[shard]!.untilMs;
          if (seen.get(key) === until) continue;
          seen.set(key, until);
          const manual = manualAtMs.get(shard);
          if (manual === undefined || world.nowMs - manual > election.blockRenewalsMs) {
            return `${n.id} stopped renewing ${g.blocked[shard]!.node}'s lease of ${shard}, but no manual failover of ${shard} began in the ${election.blockRenewalsMs} ms before (an automatic election must not block renewals)`;
          }
        }
      }
    },
  };
}

/** Per node and stream, the client acknowledgements it has noted (`repl.clientAcked`), checked against its replicas' acknowledgements as they are noted. */
export function waitCountsAcks(sync: boolean): InvariantChecker {
  const seen = new Map<NodeId, { incarnation: number; replId: string; count: number }>();
  return {
    name: 'wait-counts-acks',
    kind: 'safety',
    afterEvent(world) {
      if (!sync) return;
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s === null) continue;
        const r = s.repl;
        const before = seen.get(n.id);
        const same = before !== undefined && before.incarnation === n.incarnation && before.replId === r.replId;
        if (same && before.count === r.clientAcked.length) continue;
        seen.set(n.id, { incarnation: n.incarnation, replId: r.replId, count: r.clientAcked.length });
        const me = shardOfNode(s.config, n.id);
        if (me === undefined || me.primary !== n.id) continue;
        for (const x of r.clientAcked.slice(same ? before.count : 0)) {
          const short = me.replicas.find((rep) => (r.acks[rep] ?? 0) < x);
          if (short !== undefined) return `${n.id} acknowledged a write at offset ${x} of stream ${r.replId}, but its replica ${short} has acknowledged ${r.acks[short] === undefined ? 'nothing in that stream' : `only ${r.acks[short]}`}`;
        }
      }
    },
  };
}

export function clusterRuleCheckers(election: ElectionOptions, sync = false): InvariantChecker[] {
  return [electionDelayByRank(election), votesDurable(), configNeverBackwards(), promotionValid(), renewalsBlockedByManualOnly(election), waitCountsAcks(sync)];
}
