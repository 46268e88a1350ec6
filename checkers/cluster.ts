/**
 * Invariant checkers of the composed cluster (core/clusternode): plain functions over what the
 * kernel shows them, observations as they happen and the nodes' states after each event.
 *
 * Safety:
 *   config-single-owner       every committed configuration gives every slot exactly one owner
 *                             (and is otherwise well formed: one place per node, no overlapping
 *                             migrations, distinct epochs)
 *   config-epochs-unique      an epoch names one (shard, primary) authority, in every committed
 *                             configuration and in every role a node announces
 *   single-writer             at every instant at most one node would execute a write, arriving
 *                             without ASKING, for a slot (leases and migrations in real time)
 *   acts-on-committed-config  a node acts as primary only where its committed configuration says
 *                             so, and the configuration it acts on is the committed one
 *   no-key-lost-by-migration  when a node gives keys up (a migrated batch, or keys of a slot it no
 *                             longer owns) the owning side holds them; at the end no key is on two
 *                             primaries
 *   keys-on-owner             after the final heal, every key lives on its slot's owner
 *   election-single-winner    at most one replica wins an election epoch
 *   vote-once-per-epoch       a voter grants at most one candidate per epoch
 *   acked-writes-survive      with synchronous replication no acknowledged write is lost across a
 *                             failover; with asynchronous replication the loss is measured
 *   linearizable              each key's client history is linearizable (deterministic budget per
 *                             key); checked under synchronous replication, and under asynchronous
 *                             replication only in runs without a promotion (a failover may then
 *                             legitimately lose acknowledged writes)
 *   redirects-bounded         an operation whose replies all carried one configuration version
 *                             took at most two redirects in any attempt
 *   redirects-explained       a MOVED always comes from a configuration newer or older than the
 *                             one that sent the client there (never from the same one)
 *   config-raft-leader        at most one leader of the configuration group per Raft term
 * Liveness:
 *   cluster-liveness          after the final heal, every migration completes, the resharder has
 *                             nothing left, and every slot is served by an up primary
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Culprit, InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { type SlotRange, intersectSlotRanges, unionSlotRanges, countSlots, rangesContain, keySlot, SLOT_COUNT } from '../core/slots/index.ts';
import { configProblem, describeConfig, shardOfNode, type ClusterConfig } from '../core/cluster-config/config.ts';
import { isServing, nodeClaims } from '../core/clusternode/node.ts';
import type { ClusterNodeState } from '../core/clusternode/types.ts';
import type { OperatorState } from '../core/clusternode/operator.ts';
import type { ClusterBug } from '../core/clusternode/bugs.ts';
import { claimedSlots, type WriteClaims } from '../core/migration/routing.ts';
import { hasKey } from '../core/migration/store.ts';
import { kvHistory, type KvHistory } from '../core/raft/client.ts';
import type { LinearizabilityEvidence } from './linearizability/evidence.ts';
import { checkHistory } from './linearizability/checker.ts';
import type { History } from './linearizability/history.ts';

type Obs = Record<string, unknown>;
const obs = (o: unknown): Obs | null => (typeof o === 'object' && o !== null ? (o as Obs) : null);

function nodeState(n: NodeView): ClusterNodeState | null {
  return n.role === 'server' && n.status !== 'down' && n.state !== undefined && (n.state as ClusterNodeState).started ? (n.state as ClusterNodeState) : null;
}

function configDigest(c: ClusterConfig): string {
  return JSON.stringify(c);
}

const fmt = (r: readonly SlotRange[]) => r.map((x) => (x.start === x.end ? `${x.start}` : `${x.start}-${x.end}`)).join(',');

/** Every committed configuration gives every slot exactly one owner, and is well formed. */
export function configSingleOwner(): InvariantChecker {
  return {
    name: 'config-single-owner',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'config-committed') return;
      const problem = configProblem(o.config as ClusterConfig);
      if (problem !== null) return `${node} committed configuration v${o.version}: ${problem}`;
    },
  };
}

/** An epoch names one authority: the same (shard, primary) wherever it appears. */
export function configEpochsUnique(): InvariantChecker {
  const owner = new Map<number, string>();
  const note = (epoch: number, who: string, where: string): string | void => {
    const before = owner.get(epoch);
    if (before !== undefined && before !== who) return `epoch ${epoch} names ${before} and, ${where}, ${who}`;
    owner.set(epoch, who);
  };
  return {
    name: 'config-epochs-unique',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type === 'config-committed') {
        for (const s of (o.config as ClusterConfig).shards) {
          const err = note(s.configEpoch, `${s.id}/${s.primary}`, `in configuration v${o.version}`);
          if (err) return err;
        }
      } else if (o?.type === 'role' && o.role === 'primary') {
        return note(o.epoch as number, `${o.shard as string}/${node}`, `as ${node} announces itself primary`);
      }
    },
  };
}

/** A node's write claims (and their slots, and until when they hold on its clock) as of its last step. */
interface NodeClaims {
  readonly claims: WriteClaims;
  readonly untilLocalMs: number;
  readonly slots: SlotRange[];
}

/** `nodeClaims` of a state as of an event; the same object for the same state, step and event. */
type ClaimsOf = (s: ClusterNodeState, eventIndex: number) => NodeClaims;

/**
 * single-writer and acts-on-committed-config both read the claims of every primary that stepped,
 * after the same event: computed once per node and event (the claims are a function of the state
 * alone, and a state does not change within an event's checks).
 */
function claimsMemo(bugs: readonly ClusterBug[]): ClaimsOf {
  const memo = new Map<NodeId, { state: ClusterNodeState; steps: number; eventIndex: number; value: NodeClaims }>();
  return (s, eventIndex) => {
    const m = memo.get(s.self);
    if (m !== undefined && m.state === s && m.steps === s.steps && m.eventIndex === eventIndex) return m.value;
    const { claims, untilLocalMs } = nodeClaims(s, bugs);
    const value = { claims, untilLocalMs, slots: claimedSlots(claims) };
    memo.set(s.self, { state: s, steps: s.steps, eventIndex, value });
    return value;
  };
}

interface Claim {
  readonly claims: WriteClaims;
  readonly slots: readonly SlotRange[];
  readonly fromMs: number;
  readonly untilMs: number;
  /** The event (trace index) at which the claim was read, for the report's story. */
  readonly fromEvent: number;
}

/**
 * At every instant at most one node would execute a write for a slot without ASKING. Each node's
 * claims are re-read whenever it steps, and held for as long as its lease allows (in real time,
 * from the offset of its clock at that step); two nodes' overlapping claims are a violation.
 */
export function singleWriter(bugs: readonly ClusterBug[], claimsOf: ClaimsOf = claimsMemo(bugs)): InvariantChecker {
  const steps = new Map<NodeId, number>();
  const claims = new Map<NodeId, Claim>();
  // The two claims of the last violation, for the report (`evidence`).
  let found: readonly Culprit[] = [];
  return {
    name: 'single-writer',
    kind: 'safety',
    description: 'at every instant at most one node would execute a write (without ASKING) for a slot',
    evidence: () => ({ culprits: found }),
    afterEvent(world) {
      for (const n of world.nodes) {
        if (n.role !== 'server') continue;
        const s = nodeState(n);
        if (s === null) {
          claims.delete(n.id);
          steps.delete(n.id);
          continue;
        }
        if (steps.get(n.id) === s.steps) continue;
        steps.set(n.id, s.steps);
        if (s.selfPromoted === null && shardOfNode(s.config, n.id)?.primary !== n.id) {
          claims.delete(n.id);
          continue;
        }
        const { claims: c, untilLocalMs, slots } = claimsOf(s, world.eventIndex);
        if (slots.length === 0) {
          claims.delete(n.id);
          continue;
        }
        const untilMs = untilLocalMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : world.nowMs + (untilLocalMs - s.localNowMs);
        claims.set(n.id, { claims: c, slots, fromMs: world.nowMs, untilMs, fromEvent: world.eventIndex - 1 });
        for (const [other, oc] of claims) {
          if (other === n.id || oc.untilMs <= world.nowMs || world.node(other).status === 'down') continue;
          const shared = intersectSlotRanges(slots, oc.slots);
          if (shared.length > 0) {
            found = [
              { node: other, eventIndex: oc.fromEvent, atMs: oc.fromMs, what: `${other} accepts writes for ${fmt(oc.slots)} (lease until ${oc.untilMs.toFixed(0)} ms)` },
              { node: n.id, eventIndex: world.eventIndex - 1, atMs: world.nowMs, what: `${n.id} accepts writes for ${fmt(slots)}` },
            ];
            return `${n.id} and ${other} both accept writes for slot ${shared[0]!.start} (${n.id}: ${fmt(slots)}; ${other}: ${fmt(oc.slots)} since ${oc.fromMs.toFixed(0)} ms, until ${oc.untilMs.toFixed(0)} ms)`;
          }
        }
      }
    },
  };
}

/** A node acts as primary only where its committed configuration says so, on a configuration that was committed. */
export function actsOnCommittedConfig(bugs: readonly ClusterBug[], claimsOf: ClaimsOf = claimsMemo(bugs)): InvariantChecker {
  const committed = new Map<number, string>();
  const steps = new Map<NodeId, number>();
  // Configurations are immutable objects: each is compared with the committed one once.
  const verified = new WeakSet<ClusterConfig>();
  return {
    name: 'acts-on-committed-config',
    kind: 'safety',
    onObservation(_node, observation) {
      const o = obs(observation);
      if (o?.type === 'config-committed') committed.set(o.version as number, configDigest(o.config as ClusterConfig));
    },
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s === null || steps.get(n.id) === s.steps) continue;
        steps.set(n.id, s.steps);
        if (!verified.has(s.config)) {
          const digest = committed.get(s.config.version);
          if (s.config.version > 0 && digest !== undefined) {
            if (digest !== configDigest(s.config)) return `${n.id} acts on a configuration v${s.config.version} that differs from the committed v${s.config.version}: ${describeConfig(s.config)}`;
            verified.add(s.config);
          }
        }
        if (s.selfPromoted === null && shardOfNode(s.config, n.id)?.primary !== n.id) continue;
        const { slots } = claimsOf(s, world.eventIndex);
        if (slots.length === 0) continue;
        const me = shardOfNode(s.config, n.id);
        if (me === undefined || me.primary !== n.id) {
          return `${n.id} accepts writes for slots ${fmt(slots)} as a primary, but its committed configuration v${s.config.version} makes ${me?.primary ?? 'nobody'} the primary of ${me?.id ?? 'its shard'}`;
        }
      }
    },
  };
}

/** The up nodes of `shard` (by the node's own configuration) that hold `key`. */
function holdersInShard(world: WorldView, shard: string, key: string): NodeId[] {
  const out: NodeId[] = [];
  for (const n of world.nodes) {
    const s = nodeState(n);
    if (s !== null && shardOfNode(s.config, n.id)?.id === shard && hasKey(s.store, key)) out.push(n.id);
  }
  return out;
}

/**
 * When a node gives keys up, the owning side holds them: after a migrated batch, the target
 * shard; after dropping keys of a slot its shard no longer owns, the slot's owner. At the end no
 * key is held by two primaries.
 */
export function noKeyLostByMigration(): InvariantChecker {
  return {
    name: 'no-key-lost-by-migration',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o?.type !== 'migration' || (o.event !== 'handed-over' && o.event !== 'dropped')) return;
      const s = nodeState(world.node(node));
      const config = s?.config;
      if (config === undefined) return;
      for (const key of o.keys as string[]) {
        const shard = o.event === 'handed-over' ? (o.to as string) : config.shards.find((x) => rangesContain(x.slots, keySlot(key)))?.id;
        if (shard === undefined) continue;
        if (holdersInShard(world, shard, key).length === 0 && world.nodes.some((n) => n.role === 'server' && n.status !== 'down' && shardOfNode(config, n.id)?.id === shard)) {
          return `${node} ${o.event === 'handed-over' ? `handed key ${key} over to ${shard}` : `dropped key ${key} (slot ${keySlot(key)} is not its shard's)`}, but no node of ${shard} holds it`;
        }
      }
    },
    atEnd(world) {
      const seen = new Map<string, NodeId>();
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s === null || shardOfNode(s.config, n.id)?.primary !== n.id) continue;
        for (const key of Object.keys(s.store.records)) {
          const other = seen.get(key);
          if (other !== undefined && shardOfNode(s.config, other)?.id !== shardOfNode(s.config, n.id)?.id) return `key ${key} is on two primaries: ${other} and ${n.id}`;
          seen.set(key, n.id);
        }
      }
    },
  };
}

/** After the final heal every key lives on its slot's owner (checked at the end, on every up primary). */
export function keysOnOwner(): InvariantChecker {
  return {
    name: 'keys-on-owner',
    kind: 'liveness',
    atEnd(world) {
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s === null) continue;
        const me = shardOfNode(s.config, n.id);
        if (me === undefined || me.primary !== n.id) continue;
        for (const key of Object.keys(s.store.records).sort()) {
          const slot = keySlot(key);
          // A key still moving is cluster-liveness's business (the migration must finish).
          if (!rangesContain(me.slots, slot) && !s.config.migrations.some((m) => slot >= m.range.start && slot <= m.range.end)) {
            const owner = s.config.shards.find((x) => rangesContain(x.slots, slot));
            return `after the heal ${n.id} (primary of ${me.id}) still holds key ${key} of slot ${slot}, which ${owner?.id ?? 'nobody'} owns (config v${s.config.version})`;
          }
        }
      }
    },
  };
}

export function electionSingleWinner(): InvariantChecker {
  const winners = new Map<number, NodeId>();
  return {
    name: 'election-single-winner',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'election' || o.event !== 'won') return;
      const epoch = o.epoch as number;
      const before = winners.get(epoch);
      if (before !== undefined && before !== node) return `two replicas won election epoch ${epoch}: ${before} and ${node}`;
      winners.set(epoch, node);
    },
  };
}

export function voteOncePerEpoch(): InvariantChecker {
  const votes = new Map<string, NodeId>();
  return {
    name: 'vote-once-per-epoch',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'election' || o.event !== 'vote') return;
      const key = `${node}/${o.epoch as number}`;
      const before = votes.get(key);
      if (before !== undefined && before !== o.candidate) return `voter ${node} voted for ${before} and for ${o.candidate as string} in epoch ${o.epoch as number}`;
      votes.set(key, o.candidate as NodeId);
    },
  };
}

export interface LossMeasurement {
  /** Writes acknowledged to clients. */
  readonly ackedWrites: number;
  /** Promotions (failovers) of the run. */
  readonly promotions: number;
  /** Acknowledged writes a promotion lost: acknowledged at an offset of a stream beyond where the promoted replica had got. */
  readonly lostAckedWrites: number;
  /** The lost writes, for a person (key, shard, offset). */
  readonly lost: readonly string[];
}

/**
 * Acknowledged writes survive failovers: a write acknowledged at offset `o` of stream `r` is lost
 * when a replica that had followed `r` only up to an offset below `o` was promoted. Under
 * synchronous replication any loss is a violation; under asynchronous replication it is measured
 * (`measurement()`), and reported by the demoted primary's observation.
 */
export function ackedWritesSurvive(sync: boolean): InvariantChecker & { measurement(): LossMeasurement } {
  const writes: { shard: string; replId: string; offset: number; key: string; client: number }[] = [];
  const promotions: { shard: string; fromReplId: string; offset: number; node: NodeId }[] = [];
  const lostList = (): string[] => {
    const out: string[] = [];
    for (const w of writes) {
      const p = promotions.find((x) => x.fromReplId === w.replId && x.offset < w.offset);
      if (p !== undefined) out.push(`${w.key}@${w.shard}:${w.replId}#${w.offset} (client ${w.client}; ${p.node} was promoted at #${p.offset})`);
    }
    return out;
  };
  return {
    name: 'acked-writes-survive',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o === null) return;
      if (o.kind === 'ok' && typeof o.offset === 'number' && o.offset > 0 && typeof o.replId === 'string') {
        writes.push({ shard: o.shard as string, replId: o.replId, offset: o.offset, key: o.key as string, client: o.client as number });
      } else if (o.type === 'failover' && o.event === 'promoted' && typeof o.fromReplId === 'string') {
        promotions.push({ shard: o.shard as string, fromReplId: o.fromReplId, offset: o.offset as number, node });
      }
    },
    atEnd() {
      if (!sync) return;
      const lost = lostList();
      if (lost.length > 0) return `${lost.length} acknowledged write(s) lost across a failover under synchronous replication: ${lost.slice(0, 5).join('; ')}`;
    },
    measurement() {
      const lost = lostList();
      return { ackedWrites: writes.length, promotions: promotions.length, lostAckedWrites: lost.length, lost };
    },
  };
}

/** Per-key linearizability of the clients' history (each key with its own deterministic search budget). */
export function clusterLinearizable(options: { sync: boolean; budgetPerKey?: number }): InvariantChecker & { skippedBecause(): string | null } {
  const observations: unknown[] = [];
  let promoted = false;
  let skipped: string | null = null;
  let evidence: LinearizabilityEvidence | null = null;
  return {
    name: 'linearizable',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = obs(observation);
      if (o?.type === 'failover' && o.event === 'promoted' && o.from !== null) promoted = true;
      if (world.node(node).role === 'client') observations.push(observation);
    },
    atEnd() {
      if (!options.sync && promoted) {
        skipped = 'asynchronous replication and a failover happened: acknowledged writes may legitimately be lost';
        return;
      }
      const history = kvHistory(observations);
      const byKey = new Map<string, KvHistory['operations'][number][]>();
      for (const op of history.operations) {
        const list = byKey.get(op.key) ?? [];
        list.push(op);
        byKey.set(op.key, list);
      }
      for (const key of [...byKey.keys()].sort()) {
        const operations = byKey.get(key)!;
        const result = checkHistory({ model: 'kv', operations } as History, { budget: options.budgetPerKey ?? 300_000, explainBudget: 100_000 });
        if (result.verdict === 'not-linearizable') {
          evidence = { key, history: { model: 'kv', operations } };
          const why = result.explanation?.text.split('\n').slice(0, 14).join('\n') ?? '';
          return `key ${key}: its history of ${operations.length} operations is not linearizable\n${why}`;
        }
      }
    },
    evidence: () => evidence,
    skippedBecause: () => skipped,
  };
}

export function redirectsBounded(maxRedirects = 2): InvariantChecker {
  return {
    name: 'redirects-bounded',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.kind !== 'ok' || typeof o.stableRedirects !== 'number') return;
      if (o.stableRedirects > maxRedirects) return `${node}'s ${o.op as string} of ${o.key as string} took ${o.stableRedirects} redirects in one attempt with the configuration unchanged (at most ${maxRedirects})`;
    },
  };
}

export function redirectsExplained(): InvariantChecker {
  return {
    name: 'redirects-explained',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'redirect' || o.kind !== 'moved' || o.basisCv === null) return;
      if (o.replyCv === o.basisCv) {
        return `${node} was sent to ${o.from as string} for slot ${o.slot as number} by configuration v${o.basisCv as number}, and ${o.from as string} answered MOVED ${o.to as string} with the same configuration: no configuration change explains the redirect`;
      }
    },
  };
}

export function configRaftLeader(): InvariantChecker {
  const leaders = new Map<number, NodeId>();
  return {
    name: 'config-raft-leader',
    kind: 'safety',
    onObservation(node, observation) {
      const o = obs(observation);
      if (o?.type !== 'config-raft' || o.event !== 'leader') return;
      const term = o.term as number;
      const before = leaders.get(term);
      if (before !== undefined && before !== node) return `two leaders of the configuration group in term ${term}: ${before} and ${node}`;
      leaders.set(term, node);
    },
  };
}

/**
 * After the final heal (at the end of the quiet phase): no migration in flight in the newest
 * configuration, the resharder idle with nothing queued, every shard's primary up and serving,
 * and their slots covering all 16384.
 */
export function clusterLiveness(operator: NodeId | null): InvariantChecker {
  return {
    name: 'cluster-liveness',
    kind: 'liveness',
    atEnd(world) {
      let newest: ClusterConfig | null = null;
      for (const n of world.nodes) {
        const s = nodeState(n);
        if (s !== null && (newest === null || s.config.version > newest.version)) newest = s.config;
      }
      if (newest === null) return 'after the heal no data node is up';
      const pending: string[] = [];
      for (const m of newest.migrations) pending.push(`migration ${m.id} of ${m.range.start}-${m.range.end} from ${m.source} to ${m.target} unfinished`);
      if (operator !== null) {
        const op = world.node(operator).state as OperatorState | undefined;
        if (op !== undefined && (op.active !== null || op.queue.length > 0)) pending.push(`the resharder still has ${op.queue.length + (op.active !== null ? 1 : 0)} range(s) to move`);
      }
      let served: SlotRange[] = [];
      for (const sh of newest.shards) {
        const n = world.node(sh.primary);
        const s = nodeState(n);
        if (s === null) {
          pending.push(`${sh.primary} (primary of ${sh.id}) is down`);
          continue;
        }
        if (s.config.version < newest.version) pending.push(`${sh.primary} knows only configuration v${s.config.version} of v${newest.version}`);
        else if (!isServing(s, s.localNowMs)) pending.push(`${sh.primary} (primary of ${sh.id}) is not serving (no lease)`);
        else served = unionSlotRanges(served, sh.slots);
      }
      if (pending.length === 0 && countSlots(served) !== SLOT_COUNT) pending.push(`only ${countSlots(served)} of ${SLOT_COUNT} slots are served`);
      if (pending.length > 0) return `after the heal: ${pending.join('; ')} (${describeConfig(newest)})`;
    },
  };
}

export interface ClusterCheckerOptions {
  readonly sync: boolean;
  readonly bugs: readonly ClusterBug[];
  readonly operator: NodeId | null;
  readonly linearizabilityBudgetPerKey?: number;
}

/** Every cluster checker, for a run with these options. */
export function clusterCheckers(o: ClusterCheckerOptions): InvariantChecker[] {
  const claimsOf = claimsMemo(o.bugs);
  return [
    configSingleOwner(),
    configEpochsUnique(),
    configRaftLeader(),
    singleWriter(o.bugs, claimsOf),
    actsOnCommittedConfig(o.bugs, claimsOf),
    noKeyLostByMigration(),
    electionSingleWinner(),
    voteOncePerEpoch(),
    ackedWritesSurvive(o.sync),
    redirectsBounded(),
    redirectsExplained(),
    clusterLinearizable({ sync: o.sync, ...(o.linearizabilityBudgetPerKey !== undefined ? { budgetPerKey: o.linearizabilityBudgetPerKey } : {}) }),
    clusterLiveness(o.operator),
    keysOnOwner(),
  ];
}

