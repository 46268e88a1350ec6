/**
 * The cluster configuration: what one Raft group (core/raft) replicates, and what every node acts
 * on. Slots belong to shards (a primary and its replicas); a shard's primary changes only through
 * a committed promotion; a slot range changes shard only through a committed migration (CLUSTER
 * SETSLOT semantics, see docs/cluster.md); every change that moves authority takes a
 * fresh config epoch, so config epochs are unique by construction.
 *
 * A config is plain JSON and immutable: `applyConfigCommand` returns a new object and shares what
 * did not change. `version` counts the changes applied since the bootstrap configuration (version
 * 0), so two configs with the same version are the same config on every node.
 */
import type { NodeId } from '../contract/protocol.ts';
import {
  type SlotRange,
  countSlots,
  intersectSlotRanges,
  normalizeSlotRanges,
  rangesContain,
  subtractSlotRanges,
  unionSlotRanges,
  SLOT_COUNT,
} from '../slots/index.ts';
import type { Json, StateMachine } from '../raft/types.ts';

export type ShardId = string;

export interface ShardConfig {
  readonly id: ShardId;
  readonly primary: NodeId;
  /** Sorted. */
  readonly replicas: readonly NodeId[];
  /** The epoch of this shard's current authority (its last promotion or the last slots it gained). */
  readonly configEpoch: number;
  /** Normalized. */
  readonly slots: readonly SlotRange[];
  /** The last promotion in this shard, for the replication-loss accounting; null before any. */
  readonly lastPromotion: PromotionRecord | null;
}

export interface PromotionRecord {
  readonly epoch: number;
  readonly from: NodeId;
  readonly to: NodeId;
  /** The replication stream the new primary followed, and how far it had got. */
  readonly fromReplId: string;
  readonly offset: number;
  readonly mode: FailoverKind;
}

/** Slots of `range` leave `source` for `target`: MIGRATING on the source, IMPORTING on the target. */
export interface MigrationConfig {
  readonly id: number;
  readonly range: SlotRange;
  readonly source: ShardId;
  readonly target: ShardId;
}

export interface ClusterConfig {
  readonly version: number;
  /** The largest epoch handed out (Redis: currentEpoch). */
  readonly currentEpoch: number;
  /** Sorted by id. */
  readonly shards: readonly ShardConfig[];
  /** In flight, sorted by id; their ranges never overlap. */
  readonly migrations: readonly MigrationConfig[];
  readonly nextMigrationId: number;
}

/** How a replica became primary: an automatic or manual election, or CLUSTER FAILOVER TAKEOVER (no election). */
export type FailoverKind = 'auto' | 'default' | 'force' | 'takeover';

export type ConfigCommand =
  /** CLUSTER SETSLOT <slot> IMPORTING <source> on the target and MIGRATING <target> on the source, for every slot of `range`, at once. */
  | { readonly op: 'migrate-begin'; readonly range: SlotRange; readonly source: ShardId; readonly target: ShardId; readonly by: string }
  /** CLUSTER SETSLOT <slot> NODE <target> for every slot of the migration: proposed by the source once it holds no key of the range. */
  | { readonly op: 'migrate-finish'; readonly migrationId: number; readonly by: string }
  /** A replica of `shard` replaces its primary `failed`. `electionEpoch` is null for TAKEOVER. */
  | {
      readonly op: 'promote';
      readonly shard: ShardId;
      readonly node: NodeId;
      readonly failed: NodeId;
      readonly electionEpoch: number | null;
      readonly fromReplId: string;
      readonly offset: number;
      readonly mode: FailoverKind;
    };

export type ConfigResult =
  | { readonly ok: true; readonly version: number; readonly migrationId?: number; readonly epoch?: number }
  | { readonly ok: false; readonly version: number; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// Building and querying

export interface ShardInit {
  readonly id: ShardId;
  readonly primary: NodeId;
  readonly replicas: readonly NodeId[];
  readonly slots: readonly SlotRange[];
}

/** The bootstrap configuration (version 0): shard k gets config epoch k, as `redis-cli --cluster create` does. */
export function bootstrapConfig(shards: readonly ShardInit[]): ClusterConfig {
  const sorted = [...shards].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: ShardConfig[] = sorted.map((s, k) => ({
    id: s.id,
    primary: s.primary,
    replicas: [...s.replicas].sort(),
    configEpoch: k + 1,
    slots: normalizeSlotRanges(s.slots),
    lastPromotion: null,
  }));
  const config: ClusterConfig = { version: 0, currentEpoch: out.length, shards: out, migrations: [], nextMigrationId: 1 };
  const problem = configProblem(config);
  if (problem !== null) throw new Error(`bootstrapConfig: ${problem}`);
  return config;
}

/** Splits 0..16383 into `count` nearly equal ranges, as `redis-cli --cluster create` does. */
export function evenSlotRanges(count: number): SlotRange[] {
  const out: SlotRange[] = [];
  for (let k = 0; k < count; k++) {
    const start = Math.floor((k * SLOT_COUNT) / count);
    const end = Math.floor(((k + 1) * SLOT_COUNT) / count) - 1;
    out.push({ start, end });
  }
  return out;
}

export function shardById(config: ClusterConfig, id: ShardId): ShardConfig | undefined {
  return config.shards.find((s) => s.id === id);
}

/** The shard `node` belongs to (as primary or replica), or undefined. */
export function shardOfNode(config: ClusterConfig, node: NodeId): ShardConfig | undefined {
  return config.shards.find((s) => s.primary === node || s.replicas.includes(node));
}

/** The shard owning `slot` (exactly one in a valid config). */
export function slotOwnerShard(config: ClusterConfig, slot: number): ShardConfig | undefined {
  return config.shards.find((s) => rangesContain(s.slots, slot));
}

/** The migration in flight that covers `slot`, if any. */
export function migrationOfSlot(config: ClusterConfig, slot: number): MigrationConfig | undefined {
  return config.migrations.find((m) => slot >= m.range.start && slot <= m.range.end);
}

export function isPrimaryIn(config: ClusterConfig, node: NodeId): boolean {
  return config.shards.some((s) => s.primary === node);
}

/** Every node named by the config, sorted. */
export function configNodes(config: ClusterConfig): NodeId[] {
  return config.shards.flatMap((s) => [s.primary, ...s.replicas]).sort();
}

/** Why a config is malformed (a slot with no owner or two, overlapping migrations, duplicate epochs, ...), or null. */
export function configProblem(config: ClusterConfig): string | null {
  let covered: SlotRange[] = [];
  for (const s of config.shards) {
    const overlap = intersectSlotRanges(covered, s.slots);
    if (overlap.length > 0) return `slot ${overlap[0]!.start} has two owners (${s.id} and another shard)`;
    covered = unionSlotRanges(covered, s.slots);
  }
  if (countSlots(covered) !== SLOT_COUNT) {
    const missing = subtractSlotRanges([{ start: 0, end: SLOT_COUNT - 1 }], covered)[0]!;
    return `slot ${missing.start} has no owner`;
  }
  const epochs = new Map<number, ShardId>();
  for (const s of config.shards) {
    const other = epochs.get(s.configEpoch);
    if (other !== undefined) return `shards ${other} and ${s.id} share config epoch ${s.configEpoch}`;
    epochs.set(s.configEpoch, s.id);
    if (s.configEpoch > config.currentEpoch) return `shard ${s.id} has config epoch ${s.configEpoch} above the current epoch ${config.currentEpoch}`;
  }
  const nodes = configNodes(config);
  for (let k = 1; k < nodes.length; k++) if (nodes[k] === nodes[k - 1]) return `node ${nodes[k]} is in two places`;
  let migrating: SlotRange[] = [];
  for (const m of config.migrations) {
    if (intersectSlotRanges(migrating, [m.range]).length > 0) return `migration ${m.id} overlaps another`;
    migrating = unionSlotRanges(migrating, [m.range]);
    const source = shardById(config, m.source);
    if (source === undefined || shardById(config, m.target) === undefined) return `migration ${m.id} names an unknown shard`;
    if (subtractSlotRanges([m.range], source.slots).length > 0) return `migration ${m.id} moves slots its source ${m.source} does not own`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Applying commands (deterministic; the Raft state machine below wraps this)

function withShard(config: ClusterConfig, shard: ShardConfig): ShardConfig[] {
  return config.shards.map((s) => (s.id === shard.id ? shard : s));
}

function refuse(config: ClusterConfig, reason: string): { config: ClusterConfig; result: ConfigResult } {
  return { config, result: { ok: false, version: config.version, reason } };
}

/**
 * Applies one command. A command whose precondition no longer holds (a retry of a change already
 * made, a promotion of a primary that was replaced meanwhile) changes nothing and says why.
 */
export function applyConfigCommand(config: ClusterConfig, cmd: ConfigCommand): { config: ClusterConfig; result: ConfigResult } {
  switch (cmd.op) {
    case 'migrate-begin': {
      const source = shardById(config, cmd.source);
      const target = shardById(config, cmd.target);
      if (source === undefined || target === undefined) return refuse(config, 'unknown shard');
      if (source.id === target.id) return refuse(config, 'source and target are the same shard');
      if (!(cmd.range.start >= 0 && cmd.range.start <= cmd.range.end && cmd.range.end < SLOT_COUNT)) return refuse(config, 'bad slot range');
      if (subtractSlotRanges([cmd.range], source.slots).length > 0) return refuse(config, `I'm not the owner of every slot of ${cmd.range.start}-${cmd.range.end}`);
      if (config.migrations.some((m) => intersectSlotRanges([m.range], [cmd.range]).length > 0)) return refuse(config, 'a slot of the range is already migrating');
      const id = config.nextMigrationId;
      const next: ClusterConfig = {
        ...config,
        version: config.version + 1,
        migrations: [...config.migrations, { id, range: cmd.range, source: source.id, target: target.id }],
        nextMigrationId: id + 1,
      };
      return { config: next, result: { ok: true, version: next.version, migrationId: id } };
    }
    case 'migrate-finish': {
      const m = config.migrations.find((x) => x.id === cmd.migrationId);
      if (m === undefined) return refuse(config, `no migration ${cmd.migrationId} in flight`);
      const source = shardById(config, m.source)!;
      const target = shardById(config, m.target)!;
      // SETSLOT NODE: the target owns the range and, as Redis's importing node does, takes a fresh epoch.
      const epoch = config.currentEpoch + 1;
      const shards = withShard(
        { ...config, shards: withShard(config, { ...source, slots: subtractSlotRanges(source.slots, [m.range]) }) },
        { ...target, slots: unionSlotRanges(target.slots, [m.range]), configEpoch: epoch },
      );
      const next: ClusterConfig = {
        ...config,
        version: config.version + 1,
        currentEpoch: epoch,
        shards,
        migrations: config.migrations.filter((x) => x.id !== m.id),
      };
      return { config: next, result: { ok: true, version: next.version, epoch } };
    }
    case 'promote': {
      const shard = shardById(config, cmd.shard);
      if (shard === undefined) return refuse(config, 'unknown shard');
      if (shard.primary === cmd.node) return refuse(config, `${cmd.node} is already the primary of ${shard.id}`);
      if (shard.primary !== cmd.failed) return refuse(config, `the primary of ${shard.id} is ${shard.primary}, not ${cmd.failed}`);
      if (!shard.replicas.includes(cmd.node)) return refuse(config, `${cmd.node} is not a replica of ${shard.id}`);
      // Every promotion takes an epoch above every epoch handed out before: config epochs stay unique.
      const epoch = Math.max(config.currentEpoch + 1, cmd.electionEpoch ?? 0);
      const promoted: ShardConfig = {
        ...shard,
        primary: cmd.node,
        replicas: [...shard.replicas.filter((r) => r !== cmd.node), cmd.failed].sort(),
        configEpoch: epoch,
        lastPromotion: { epoch, from: cmd.failed, to: cmd.node, fromReplId: cmd.fromReplId, offset: cmd.offset, mode: cmd.mode },
      };
      const next: ClusterConfig = { ...config, version: config.version + 1, currentEpoch: epoch, shards: withShard(config, promoted) };
      return { config: next, result: { ok: true, version: next.version, epoch } };
    }
    default: {
      const never: never = cmd;
      throw new Error(`unknown config command ${JSON.stringify(never)}`);
    }
  }
}

/** Raft's state machine over the configuration. Queries are unused (configs are served from applied state). */
export function configStateMachine(initial: ClusterConfig): StateMachine<ClusterConfig, ConfigCommand, null, ConfigResult> {
  return {
    name: 'cluster-config',
    init: () => initial,
    apply(state, command) {
      const { config, result } = applyConfigCommand(state, command);
      return { state: config, result };
    },
    query(state) {
      return { ok: true, version: state.version };
    },
    snapshot(state) {
      return JSON.parse(JSON.stringify(state)) as Json;
    },
    restore(snapshot) {
      return JSON.parse(JSON.stringify(snapshot)) as ClusterConfig;
    },
  };
}

/** One line: "v7 e9 s1:n1[0-5460] s2:n5[...] mig#2 100-120 s1>s2". */
export function describeConfig(config: ClusterConfig): string {
  const shards = config.shards.map((s) => `${s.id}:${s.primary}e${s.configEpoch}[${s.slots.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(',')}]`);
  const migs = config.migrations.map((m) => `mig#${m.id} ${m.range.start}-${m.range.end} ${m.source}>${m.target}`);
  return [`v${config.version}`, `e${config.currentEpoch}`, ...shards, ...migs].join(' ');
}
