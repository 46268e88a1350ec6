/**
 * The cluster `npm run redis` starts from: `--nodes N`, or a JSON file
 * `{"nodes": [{"address": "127.0.0.1:7101", "id": "<40 hex>", "slots": [[0, 5460]], "replicaOf": "<id>"}]}`
 * (`slots` optional and only for primaries, `replicaOf` optional). Every node starts knowing every
 * other, as after `redis-cli --cluster create`: primaries get config epochs 1, 2, ... in file order.
 */
import seedrandom from 'seedrandom';
import { SLOT_COUNT, type SlotRange, MAX_SLOT, intersectSlotRanges, normalizeSlotRanges } from '../slots/index.ts';
import { type ClusterNode, addNode, clusterNode, createClusterState, generateNodeId, isValidNodeId, parseAddress } from '../topology/index.ts';
import type { RedisClusterModel } from './cluster.ts';
import { EMPTY_KEYSPACE } from './keyspace.ts';

export interface NodeSpec {
  readonly address: string;
  readonly id: string;
  readonly slots: readonly SlotRange[];
  readonly replicaOf: string | null;
}

/** A configuration problem, in one line naming where it is. */
export class ConfigError extends Error {}

export const MAX_NODES = 1000;

/** The nodes of a JSON configuration (already parsed from text); throws ConfigError. */
export function parseClusterConfig(json: unknown): NodeSpec[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('the configuration is an object {"nodes": [...]}');
  const nodes = (json as { nodes?: unknown }).nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) throw new ConfigError('"nodes" must be a non-empty array');
  if (nodes.length > MAX_NODES) throw new ConfigError(`"nodes": at most ${MAX_NODES} nodes`);
  const specs = nodes.map((node, i) => parseNode(node, `nodes[${i}]`));
  const seen = new Map<string, string>();
  specs.forEach((spec, i) => {
    for (const key of [`address ${spec.address}`, `id ${spec.id}`]) {
      const earlier = seen.get(key);
      if (earlier !== undefined) throw new ConfigError(`nodes[${i}]: ${key} is also ${earlier}'s`);
      seen.set(key, `nodes[${i}]`);
    }
  });
  specs.forEach((spec, i) => {
    if (spec.replicaOf === null) return;
    const primary = specs.find((other) => other.id === spec.replicaOf);
    if (primary === undefined) throw new ConfigError(`nodes[${i}].replicaOf: no node has id ${spec.replicaOf}`);
    if (primary.replicaOf !== null) throw new ConfigError(`nodes[${i}].replicaOf: ${spec.replicaOf} is a replica itself`);
    if (spec.slots.length > 0) throw new ConfigError(`nodes[${i}]: a replica serves no slots`);
  });
  for (let i = 0; i < specs.length; i++) {
    for (let j = 0; j < i; j++) {
      const shared = intersectSlotRanges(specs[i]!.slots, specs[j]!.slots)[0];
      if (shared !== undefined) throw new ConfigError(`nodes[${i}].slots: slot ${shared.start} is also nodes[${j}]'s`);
    }
  }
  return specs;
}

function parseNode(json: unknown, where: string): NodeSpec {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${where}: a node is an object {"address", "id", "slots"}`);
  const { address, id, slots, replicaOf, ...rest } = json as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new ConfigError(`${where}: unknown field ${JSON.stringify(unknown)} (address, id, slots, replicaOf)`);
  if (typeof address !== 'string' || address.includes('@') || parseAddress(address) === null) {
    throw new ConfigError(`${where}.address: ${JSON.stringify(address)} is not "host:port" with a port in 1..65535`);
  }
  if (typeof id !== 'string' || !isValidNodeId(id)) throw new ConfigError(`${where}.id: ${JSON.stringify(id)} is not 40 lower-case hex characters`);
  if (replicaOf !== undefined && (typeof replicaOf !== 'string' || !isValidNodeId(replicaOf))) {
    throw new ConfigError(`${where}.replicaOf: ${JSON.stringify(replicaOf)} is not a node id`);
  }
  return { address, id, slots: parseSlots(slots, `${where}.slots`), replicaOf: typeof replicaOf === 'string' ? replicaOf : null };
}

function parseSlots(json: unknown, where: string): SlotRange[] {
  if (json === undefined) return [];
  if (!Array.isArray(json)) throw new ConfigError(`${where}: a list of [from, to] pairs`);
  const ranges = json.map((pair, i) => {
    const ok = Array.isArray(pair) && pair.length === 2 && pair.every((s) => Number.isInteger(s) && s >= 0 && s <= MAX_SLOT);
    if (!ok || pair[0] > pair[1]) throw new ConfigError(`${where}[${i}]: ${JSON.stringify(pair)} is not [from, to] with 0 <= from <= to <= ${MAX_SLOT}`);
    return { start: pair[0] as number, end: pair[1] as number };
  });
  const normalized = normalizeSlotRanges(ranges);
  const total = ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
  if (normalized.reduce((sum, r) => sum + r.end - r.start + 1, 0) !== total) throw new ConfigError(`${where}: ranges overlap`);
  return normalized;
}

/** `--nodes N`: N primaries at 127.0.0.1:7000.., slots split as `redis-cli --cluster create` splits them. */
export function evenClusterSpecs(count: number): NodeSpec[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new ConfigError(`--nodes must be an integer in 1..${MAX_NODES}`);
  const random = seedrandom('redis-shell-node-ids');
  const perNode = SLOT_COUNT / count;
  let first = 0;
  let cursor = 0;
  const specs: NodeSpec[] = [];
  for (let i = 0; i < count; i++) {
    // clusterManagerNodeAllocSlots: last = lround(cursor + perNode - 1), the last node takes the rest.
    let last = Math.round(cursor + perNode - 1);
    if (last > MAX_SLOT || i === count - 1) last = MAX_SLOT;
    if (last < first) last = first;
    specs.push({ address: `127.0.0.1:${7000 + i}`, id: generateNodeId(() => random()), slots: [{ start: first, end: last }], replicaOf: null });
    first = last + 1;
    cursor += perNode;
  }
  return specs;
}

/** Every node's starting state: each knows all, healthy and connected, with no keys. */
export function buildCluster(specs: readonly NodeSpec[]): RedisClusterModel {
  let epoch = 0;
  const records: ClusterNode[] = specs.map((spec) => {
    const address = parseAddress(spec.address)!;
    if (spec.replicaOf !== null) return clusterNode({ id: spec.id, address, role: 'replica', primaryId: spec.replicaOf });
    epoch += 1;
    return clusterNode({ id: spec.id, address, configEpoch: epoch, slots: spec.slots });
  });
  const nodes = records.map((me) => {
    let cluster = { ...createClusterState(me), currentEpoch: epoch };
    for (const other of records) if (other.id !== me.id) cluster = addNode(cluster, other);
    return { cluster, keyspace: EMPTY_KEYSPACE };
  });
  return { nodes };
}
