import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { SLOT_COUNT, slotRange, slotOwner as mapOwner } from '../slots/index.ts';
import {
  CLUSTER_PORT_INCR,
  FORGET_BAN_MS,
  addNode,
  assignNodeSlots,
  bumpConfigEpochWithoutConsensus,
  checkClusterState,
  clusterNode,
  clusterStatus,
  createClusterState,
  effectiveConfigEpoch,
  forgetNode,
  formatAddress,
  formatNodesAddress,
  generateNodeId,
  getNode,
  isForgotten,
  isValidIp,
  isValidNodeId,
  makeReplicaOf,
  maxEpoch,
  nodeAddress,
  ownsSlot,
  parseAddress,
  releaseSlots,
  removeNode,
  replicasOf,
  setImporting,
  setMigrating,
  singleNodeCluster,
  slotMapOf,
  slotOwnerNode,
  updateNode,
} from './index.ts';
import { testNodeIds, threeByTwo } from './test-fixtures.ts';

describe('node ids', () => {
  it('are 40 hex characters drawn from the caller PRNG, the same for the same seed', () => {
    const a = seedrandom('x');
    const b = seedrandom('x');
    const id = generateNodeId(() => a());
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(isValidNodeId(id)).toBe(true);
    expect(generateNodeId(() => b())).toBe(id);
    expect(new Set(testNodeIds(50)).size).toBe(50);
  });

  it('use every hex digit and reject a PRNG outside [0, 1)', () => {
    let i = 0;
    expect(generateNodeId(() => (i++ % 16) / 16)).toBe('0123456789abcdef'.repeat(3).slice(0, 40));
    expect(() => generateNodeId(() => 1)).toThrow(RangeError);
    expect(() => generateNodeId(() => -0.1)).toThrow(RangeError);
    expect(() => generateNodeId(() => Number.NaN)).toThrow(RangeError);
  });

  it('validation wants exactly 40 lowercase hex characters', () => {
    expect(isValidNodeId('a'.repeat(40))).toBe(true);
    expect(isValidNodeId('A'.repeat(40))).toBe(false);
    expect(isValidNodeId('a'.repeat(39))).toBe(false);
    expect(isValidNodeId('g'.repeat(40))).toBe(false);
  });
});

describe('addresses', () => {
  it('default the bus port to port + 10000 and format like CLUSTER NODES', () => {
    const address = nodeAddress('127.0.0.1', 7000);
    expect(address.busPort).toBe(7000 + CLUSTER_PORT_INCR);
    expect(formatAddress(address)).toBe('127.0.0.1:7000');
    expect(formatNodesAddress(address)).toBe('127.0.0.1:7000@17000');
  });

  it('parse what they format, IPv6 included', () => {
    expect(parseAddress('127.0.0.1:7000@17000')).toEqual({ host: '127.0.0.1', port: 7000, busPort: 17000 });
    expect(parseAddress('10.0.0.1:6379')).toEqual({ host: '10.0.0.1', port: 6379, busPort: 16379 });
    expect(parseAddress('::1:6379@16379')).toEqual({ host: '::1', port: 6379, busPort: 16379 });
    for (const bad of ['', 'host', ':6379', 'h:0', 'h:65536', 'h:6379@', 'h:6379@0', 'h:06379', 'h:60000']) {
      // 'h:60000' is fine as a port, but its default bus port 70000 is not.
      expect(parseAddress(bad), bad).toBeNull();
    }
  });

  it('accept IP literals only, as inet_pton does', () => {
    for (const ip of ['127.0.0.1', '0.0.0.0', '255.255.255.255', '::', '::1', 'fe80::1', '2001:db8::ff00:42:8329', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8']) {
      expect(isValidIp(ip), ip).toBe(true);
    }
    for (const ip of ['', 'localhost', 'n1', '256.0.0.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7']) {
      expect(isValidIp(ip), ip).toBe(false);
    }
  });
});

describe('ClusterState', () => {
  const [idA, idB, idC] = testNodeIds(3, 'strangers');

  it('single node cluster owns every slot (ember: ClusterState::single_node, owns_slot)', () => {
    const state = singleNodeCluster(clusterNode({ id: idA!, address: nodeAddress('127.0.0.1', 6379) }));
    for (const slot of [0, 1, 866, 12182, 16383]) expect(ownsSlot(state, slot)).toBe(true);
    expect(slotOwnerNode(state, 42)?.id).toBe(idA);
    expect(clusterStatus(state).state).toBe('ok');
    expect(checkClusterState(state)).toEqual([]);
  });

  it('a fresh node knows only itself and serves nothing', () => {
    const state = createClusterState(clusterNode({ id: idA!, address: nodeAddress('127.0.0.1', 6379) }));
    expect(Object.keys(state.nodes)).toEqual([idA]);
    expect(ownsSlot(state, 0)).toBe(false);
    expect(slotOwnerNode(state, 0)).toBeNull();
    expect(clusterStatus(state)).toMatchObject({ state: 'fail', slotsAssigned: 0, size: 0, knownNodes: 1 });
  });

  it('assigning slots takes them from their previous owner and keeps the input untouched', () => {
    const { state, primaries } = threeByTwo();
    const next = assignNodeSlots(state, primaries[1], [slotRange(5000, 5460)]);
    expect(getNode(next, primaries[0])!.slots).toEqual([{ start: 0, end: 4999 }]);
    expect(getNode(next, primaries[1])!.slots).toEqual([{ start: 5000, end: 10922 }]);
    expect(getNode(state, primaries[0])!.slots).toEqual([{ start: 0, end: 5460 }]);
    expect(checkClusterState(next)).toEqual([]);
    const released = releaseSlots(next, [slotRange(0, 10)]);
    expect(slotOwnerNode(released, 5)).toBeNull();
    expect(clusterStatus(released)).toMatchObject({ state: 'fail', slotsAssigned: SLOT_COUNT - 11 });
  });

  it('the dense slot map agrees with per-node ranges', () => {
    const { state, primaries } = threeByTwo(4);
    const map = slotMapOf(state);
    expect(mapOwner(map, 0)).toBe(primaries[0]);
    expect(mapOwner(map, 5461)).toBe(primaries[1]);
    expect(mapOwner(map, 16383)).toBe(primaries[2]);
  });

  it('removing a node drops its slots and migrations and orphans its replicas (clusterDelNode)', () => {
    const { state, primaries, replicas } = threeByTwo();
    const migrating = setMigrating(setImporting(state, 6000, primaries[1]), 10, primaries[1]);
    const next = removeNode(migrating, primaries[1]);
    expect(getNode(next, primaries[1])).toBeUndefined();
    expect(slotOwnerNode(next, 6000)).toBeNull();
    expect(getNode(next, replicas[1])).toMatchObject({ role: 'replica', primaryId: null });
    expect(next.migrating).toEqual({});
    expect(next.importing).toEqual({});
    expect(checkClusterState(next)).toEqual([]);
    expect(() => removeNode(state, state.myId)).toThrow();
  });

  it('a forgotten node stays banned for 60 s', () => {
    const { state, primaries } = threeByTwo();
    const next = forgetNode(state, primaries[2], 1_000);
    expect(isForgotten(next, primaries[2], 1_000 + FORGET_BAN_MS - 1)).toBe(true);
    expect(isForgotten(next, primaries[2], 1_000 + FORGET_BAN_MS)).toBe(false);
    const later = forgetNode(next, primaries[1], 1_000 + FORGET_BAN_MS);
    expect(Object.keys(later.forgotten)).toEqual([primaries[1]]);
  });

  it('a primary that becomes a replica drops its migrations', () => {
    const { state, primaries } = threeByTwo();
    const emptied = releaseSlots(setMigrating(state, 1, primaries[1]), [slotRange(0, 5460)]);
    const next = makeReplicaOf(emptied, primaries[0], primaries[2]);
    expect(getNode(next, primaries[0])).toMatchObject({ role: 'replica', primaryId: primaries[2] });
    expect(next.migrating).toEqual({});
    expect(replicasOf(next, primaries[2]).map((n) => n.id)).toContain(primaries[0]);
  });

  it('a replica reports its primary config epoch', () => {
    const { state, primaries, replicas } = threeByTwo(3);
    expect(effectiveConfigEpoch(state, getNode(state, replicas[0])!)).toBe(1);
    expect(effectiveConfigEpoch(state, getNode(state, primaries[2])!)).toBe(3);
    expect(maxEpoch(state)).toBe(6);
  });

  it('bumps the config epoch without consensus only when not already the greatest', () => {
    const { state } = threeByTwo();
    const first = bumpConfigEpochWithoutConsensus(state);
    expect(first.bumped).toBe(true);
    expect(first.state.currentEpoch).toBe(7);
    expect(getNode(first.state, state.myId)!.configEpoch).toBe(7);
    const second = bumpConfigEpochWithoutConsensus(first.state);
    expect(second).toEqual({ state: first.state, bumped: false });
  });

  it('is plain data: JSON and structuredClone round-trip to an equal state', () => {
    const { state, primaries } = threeByTwo();
    const busy = setMigrating(forgetNode(state, primaries[2], 5), 100, primaries[1]);
    expect(JSON.parse(JSON.stringify(busy))).toEqual(busy);
    expect(structuredClone(busy)).toEqual(busy);
    expect(checkClusterState(JSON.parse(JSON.stringify(busy)))).toEqual([]);
  });

  it('status counts PFAIL/FAIL slots and fails on the minority side', () => {
    const { state, primaries } = threeByTwo();
    const pfail = updateNode(state, primaries[1], { health: 'pfail' });
    expect(clusterStatus(pfail)).toMatchObject({ state: 'ok', slotsPfail: 5462, slotsOk: SLOT_COUNT - 5462, size: 3 });
    const failed = updateNode(state, primaries[1], { health: 'fail' });
    expect(clusterStatus(failed)).toMatchObject({ state: 'fail', slotsFail: 5462 });
    const noCoverage = { ...failed, options: { ...failed.options, requireFullCoverage: false } };
    expect(clusterStatus(noCoverage).state).toBe('ok');
    const minority = updateNode(pfail, primaries[2], { health: 'pfail' });
    expect(clusterStatus(minority)).toMatchObject({ state: 'fail', reachablePrimaries: 1 });
  });

  it('invariant check names double ownership, bad references and bad epochs', () => {
    const { state, primaries, replicas } = threeByTwo();
    const doubled = updateNode(state, primaries[1], { slots: [slotRange(5460, 10922)] });
    const [first, second] = [primaries[0], primaries[1]].sort();
    expect(checkClusterState(doubled)).toEqual([`slot 5460 is served by both ${first} and ${second}`]);
    const dangling = updateNode(state, replicas[0], { primaryId: idC! });
    expect(checkClusterState(dangling)).toContain(`replica ${replicas[0]} follows unknown node ${idC}`);
    const chained = updateNode(state, replicas[0], { primaryId: replicas[1] });
    expect(checkClusterState(chained)).toContain(`replica ${replicas[0]} follows ${replicas[1]}, which is not a primary`);
    const ahead = updateNode(state, state.myId, { configEpoch: 99 });
    expect(checkClusterState(ahead)).toContain('my config epoch 99 is above the current epoch 6');
    const strayImport = setImporting(state, 7, idB!);
    expect(checkClusterState(strayImport)).toContain(`slot 7 is importing with unknown node ${idB}`);
    expect(() => addNode(state, getNode(state, primaries[1])!)).toThrow();
  });
});
