import { describe, expect, it } from 'vitest';
import { SLOT_COUNT, keySlot, slotRange } from '../slots/index.ts';
import {
  type ClusterState,
  addNode,
  checkClusterState,
  clusterNode,
  createClusterState,
  getNode,
  nodeAddress,
  ownsSlot,
  slotOwnerNode,
  updateNode,
} from '../topology/index.ts';
import { testNodeIds, threeByTwo } from '../topology/test-fixtures.ts';
import { executeClusterCommand } from './commands.ts';
import { EMPTY_KEY_INDEX, type SlotKeyIndex, keyIndexOf } from './key-index.ts';
import { OK, type Reply } from './resp.ts';
import type { ClusterView, CommandResult } from './types.ts';

const ctx = { nowMs: 1_000 };
const [ME, OTHER, FOLLOWER, STRANGER] = testNodeIds(4, 'commands') as [string, string, string, string];

/** Myself (a fresh primary, no slots), another primary OTHER, and FOLLOWER replicating OTHER. */
function freshView(keys: SlotKeyIndex = EMPTY_KEY_INDEX): ClusterView {
  let cluster = createClusterState(clusterNode({ id: ME, address: nodeAddress('10.0.0.1', 7000) }));
  cluster = addNode(cluster, clusterNode({ id: OTHER, address: nodeAddress('10.0.0.2', 7001), configEpoch: 2 }));
  cluster = addNode(
    cluster,
    clusterNode({ id: FOLLOWER, address: nodeAddress('10.0.0.3', 7002), role: 'replica', primaryId: OTHER }),
  );
  return { cluster: { ...cluster, currentEpoch: 2 }, keys };
}

function run(view: ClusterView, command: string | string[]): CommandResult {
  const argv = typeof command === 'string' ? command.split(' ') : command;
  const result = executeClusterCommand(view, argv, ctx);
  expect(checkClusterState(result.state.cluster)).toEqual([]);
  return result;
}

const err = (message: string): Reply => ({ type: 'error', message });

/** Runs `command` and expects an error reply with exactly `message`, and no change at all. */
function expectError(view: ClusterView, command: string | string[], message: string): void {
  const result = run(view, command);
  expect(result.reply).toEqual(err(message));
  expect(result.state).toBe(view);
  expect(result.intent).toBeNull();
  expect(result.saveConfig).toBe(false);
}

function withCluster(view: ClusterView, cluster: ClusterState): ClusterView {
  return { ...view, cluster };
}

describe('dispatch', () => {
  it('matches names case-insensitively', () => {
    expect(run(freshView(), 'cluster myid').reply).toEqual({ type: 'bulk', value: ME });
    expect(run(freshView(), 'ClUsTeR MyId').reply).toEqual({ type: 'bulk', value: ME });
  });

  it('reports wrong arity with the full command name', () => {
    const view = freshView();
    expectError(view, 'CLUSTER', "ERR wrong number of arguments for 'cluster' command");
    expectError(view, 'CLUSTER ADDSLOTS', "ERR wrong number of arguments for 'cluster|addslots' command");
    expectError(view, 'cluster DelSlots', "ERR wrong number of arguments for 'cluster|delslots' command");
    expectError(view, 'CLUSTER INFO extra', "ERR wrong number of arguments for 'cluster|info' command");
    expectError(view, 'CLUSTER KEYSLOT', "ERR wrong number of arguments for 'cluster|keyslot' command");
    expectError(view, 'CLUSTER GETKEYSINSLOT 1', "ERR wrong number of arguments for 'cluster|getkeysinslot' command");
    expectError(view, 'CLUSTER SETSLOT 1', "ERR wrong number of arguments for 'cluster|setslot' command");
    expectError(view, 'CLUSTER MEET 10.0.0.9', "ERR wrong number of arguments for 'cluster|meet' command");
    expectError(view, 'CLUSTER FORGET', "ERR wrong number of arguments for 'cluster|forget' command");
    expectError(view, 'CLUSTER REPLICATE a b', "ERR wrong number of arguments for 'cluster|replicate' command");
    expectError(view, 'ASKING now', "ERR wrong number of arguments for 'asking' command");
    expectError(view, 'MIGRATE h 1 k 0', "ERR wrong number of arguments for 'migrate' command");
    expectError(view, 'CLUSTER ADDSLOTSRANGE 1 2 3', "ERR wrong number of arguments for 'cluster|addslotsrange' command");
  });

  it('reports unknown subcommands and commands in Redis words', () => {
    const view = freshView();
    expectError(view, 'cluster frobnicate 1', "ERR unknown subcommand 'frobnicate'. Try CLUSTER HELP.");
    expectError(view, 'GET foo bar', "ERR unknown command 'GET', with args beginning with: 'foo' 'bar' ");
    expectError(view, 'PING', "ERR unknown command 'PING', with args beginning with: ");
  });

  it('reports a subcommand whose own count check fails as Redis does', () => {
    const view = freshView();
    expectError(view, 'CLUSTER MEET 10.0.0.9 7000 17000 x', "ERR unknown subcommand or wrong number of arguments for 'MEET'. Try CLUSTER HELP.");
    expectError(view, 'cluster failover force now', "ERR unknown subcommand or wrong number of arguments for 'failover'. Try CLUSTER HELP.");
  });

  it('refuses an empty argv as a caller bug', () => {
    expect(() => executeClusterCommand(freshView(), [], ctx)).toThrow(RangeError);
  });
});

describe('read-only commands', () => {
  it('KEYSLOT hashes the key, tags included', () => {
    expect(run(freshView(), 'CLUSTER KEYSLOT foo').reply).toEqual({ type: 'integer', value: 12182 });
    expect(run(freshView(), 'CLUSTER KEYSLOT {user1000}.following').reply).toEqual({
      type: 'integer',
      value: keySlot('user1000'),
    });
  });

  it('COUNTKEYSINSLOT and GETKEYSINSLOT read the key index, sorted and capped', () => {
    const keys = keyIndexOf(['{t}c', '{t}a', '{t}b', 'foo']);
    const view = freshView(keys);
    const slot = keySlot('t');
    expect(run(view, `CLUSTER COUNTKEYSINSLOT ${slot}`).reply).toEqual({ type: 'integer', value: 3 });
    expect(run(view, 'CLUSTER COUNTKEYSINSLOT 0').reply).toEqual({ type: 'integer', value: 0 });
    expect(run(view, `CLUSTER GETKEYSINSLOT ${slot} 2`).reply).toEqual({
      type: 'array',
      items: [
        { type: 'bulk', value: '{t}a' },
        { type: 'bulk', value: '{t}b' },
      ],
    });
    expect(run(view, `CLUSTER GETKEYSINSLOT ${slot} 0`).reply).toEqual({ type: 'array', items: [] });
    expect(run(view, `CLUSTER GETKEYSINSLOT ${slot} 9223372036854775807`).reply).toMatchObject({ type: 'array' });
  });

  it('COUNTKEYSINSLOT and GETKEYSINSLOT errors', () => {
    const view = freshView();
    expectError(view, 'CLUSTER COUNTKEYSINSLOT 16384', 'ERR Invalid slot');
    expectError(view, 'CLUSTER COUNTKEYSINSLOT -1', 'ERR Invalid slot');
    expectError(view, 'CLUSTER COUNTKEYSINSLOT x', 'ERR value is not an integer or out of range');
    expectError(view, 'CLUSTER COUNTKEYSINSLOT 01', 'ERR value is not an integer or out of range');
    expectError(view, 'CLUSTER GETKEYSINSLOT 16384 1', 'ERR Invalid slot or number of keys');
    expectError(view, 'CLUSTER GETKEYSINSLOT 1 -1', 'ERR Invalid slot or number of keys');
    expectError(view, 'CLUSTER GETKEYSINSLOT a 1', 'ERR value is not an integer or out of range');
    expectError(view, 'CLUSTER GETKEYSINSLOT 1 b', 'ERR value is not an integer or out of range');
    expectError(view, 'CLUSTER GETKEYSINSLOT 1 9223372036854775808', 'ERR value is not an integer or out of range');
  });

  it('INFO, NODES and SLOTS are bulk text and a nested array', () => {
    const { state } = threeByTwo();
    const view = { cluster: state, keys: EMPTY_KEY_INDEX };
    const infoReply = run(view, 'CLUSTER INFO').reply;
    expect(infoReply.type === 'bulk' && infoReply.value.startsWith('cluster_state:ok\r\n')).toBe(true);
    const nodesReply = run(view, 'CLUSTER NODES').reply;
    expect(nodesReply.type === 'bulk' && nodesReply.value.split('\n')).toHaveLength(7);
    const slotsReply = run(view, 'CLUSTER SLOTS').reply;
    expect(slotsReply.type === 'array' && slotsReply.items).toHaveLength(3);
  });
});

describe('ADDSLOTS / DELSLOTS / ADDSLOTSRANGE / DELSLOTSRANGE', () => {
  it('assigns and unassigns slots, asking for the config to be saved', () => {
    const added = run(freshView(), 'CLUSTER ADDSLOTS 0 1 2 100');
    expect(added.reply).toEqual(OK);
    expect(added.saveConfig).toBe(true);
    expect(getNode(added.state.cluster, ME)!.slots).toEqual([slotRange(0, 2), slotRange(100)]);
    const removed = run(added.state, 'CLUSTER DELSLOTS 1 100');
    expect(getNode(removed.state.cluster, ME)!.slots).toEqual([slotRange(0), slotRange(2)]);
    const ranged = run(removed.state, 'CLUSTER ADDSLOTSRANGE 3 5460 1 1');
    expect(getNode(ranged.state.cluster, ME)!.slots).toEqual([slotRange(0, 5460)]);
    const unranged = run(ranged.state, 'CLUSTER DELSLOTSRANGE 10 20');
    expect(getNode(unranged.state.cluster, ME)!.slots).toEqual([slotRange(0, 9), slotRange(21, 5460)]);
  });

  it('DELSLOTS unassigns a slot whoever serves it', () => {
    const view = withCluster(freshView(), { ...freshView().cluster });
    const other = run(view, 'CLUSTER SETSLOT 7 NODE ' + OTHER).state;
    expect(slotOwnerNode(other.cluster, 7)?.id).toBe(OTHER);
    expect(slotOwnerNode(run(other, 'CLUSTER DELSLOTS 7').state.cluster, 7)).toBeNull();
  });

  it('ends an import of a slot it assigns', () => {
    const importing = run(freshView(), `CLUSTER SETSLOT 5 IMPORTING ${OTHER}`).state;
    expect(importing.cluster.importing[5]).toBe(OTHER);
    expect(run(importing, 'CLUSTER ADDSLOTS 5').state.cluster.importing).toEqual({});
  });

  it('validates every argument before checking any assignment, and changes nothing on error', () => {
    const view = run(freshView(), 'CLUSTER ADDSLOTS 10').state;
    expectError(view, 'CLUSTER ADDSLOTS 10 abc', 'ERR Invalid or out of range slot');
    expectError(view, 'CLUSTER ADDSLOTS 3001 -1000', 'ERR Invalid or out of range slot');
    expectError(view, 'CLUSTER ADDSLOTS 3001 16384', 'ERR Invalid or out of range slot');
    expectError(view, 'CLUSTER ADDSLOTS 10 11', 'ERR Slot 10 is already busy');
    expectError(view, 'CLUSTER ADDSLOTS 11 12 11', 'ERR Slot 11 specified multiple times');
    expectError(view, 'CLUSTER DELSLOTS 10 11', 'ERR Slot 11 is already unassigned');
    expectError(view, 'CLUSTER DELSLOTS 10 10', 'ERR Slot 10 specified multiple times');
    expectError(view, 'CLUSTER ADDSLOTSRANGE 5 4', 'ERR start slot number 5 is greater than end slot number 4');
    expectError(view, 'CLUSTER ADDSLOTSRANGE 0 16384', 'ERR Invalid or out of range slot');
    expectError(view, 'CLUSTER ADDSLOTSRANGE 0 20', 'ERR Slot 10 is already busy');
    expectError(view, 'CLUSTER ADDSLOTSRANGE 0 5 5 6', 'ERR Slot 5 specified multiple times');
    expectError(view, 'CLUSTER DELSLOTSRANGE 9 10', 'ERR Slot 9 is already unassigned');
  });
});

describe('SETSLOT', () => {
  const owning = () => run(freshView(keyIndexOf(['{a}1'])), 'CLUSTER ADDSLOTSRANGE 0 16383').state;
  const slotOfA = keySlot('a');

  it('MIGRATING, IMPORTING and STABLE mark and clear a migration', () => {
    const view = owning();
    const migrating = run(view, `CLUSTER SETSLOT 42 MIGRATING ${OTHER}`);
    expect(migrating.reply).toEqual(OK);
    expect(migrating.state.cluster.migrating).toEqual({ 42: OTHER });
    const stable = run(migrating.state, 'cluster setslot 42 stable');
    expect(stable.state.cluster.migrating).toEqual({});
    const importing = run(freshView(), `CLUSTER SETSLOT 42 importing ${OTHER}`);
    expect(importing.state.cluster.importing).toEqual({ 42: OTHER });
  });

  it('NODE hands an empty slot over and clears its migration', () => {
    const view = run(owning(), `CLUSTER SETSLOT 42 MIGRATING ${OTHER}`).state;
    const handed = run(view, `CLUSTER SETSLOT 42 NODE ${OTHER}`);
    expect(handed.reply).toEqual(OK);
    expect(slotOwnerNode(handed.state.cluster, 42)?.id).toBe(OTHER);
    expect(handed.state.cluster.migrating).toEqual({});
    expect(handed.intent).toBeNull();
  });

  it('NODE to myself while importing bumps my config epoch and ends the import', () => {
    const importing = run(freshView(), `CLUSTER SETSLOT 42 IMPORTING ${OTHER}`).state;
    const done = run(importing, `CLUSTER SETSLOT 42 NODE ${ME}`);
    expect(ownsSlot(done.state.cluster, 42)).toBe(true);
    expect(done.state.cluster.importing).toEqual({});
    expect(done.state.cluster.currentEpoch).toBe(3);
    expect(getNode(done.state.cluster, ME)!.configEpoch).toBe(3);
  });

  it('NODE giving away my last slot makes me a replica of the taker (replica migration)', () => {
    const view = run(freshView(), 'CLUSTER ADDSLOTS 9').state;
    const gave = run(view, `CLUSTER SETSLOT 9 NODE ${OTHER}`);
    expect(getNode(gave.state.cluster, ME)).toMatchObject({ role: 'replica', primaryId: OTHER });
    expect(gave.intent).toEqual({ type: 'replicate', primaryId: OTHER });
    const noMigration = withCluster(view, { ...view.cluster, options: { ...view.cluster.options, allowReplicaMigration: false } });
    expect(getNode(run(noMigration, `CLUSTER SETSLOT 9 NODE ${OTHER}`).state.cluster, ME)!.role).toBe('primary');
  });

  it('errors', () => {
    const view = owning();
    expectError(view, 'CLUSTER SETSLOT 16384 STABLE', 'ERR Invalid or out of range slot');
    expectError(view, 'CLUSTER SETSLOT x STABLE', 'ERR Invalid or out of range slot');
    expectError(view, 'CLUSTER SETSLOT 1 MIGRATING', 'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
    expectError(view, 'CLUSTER SETSLOT 1 STABLE now', 'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
    expectError(view, 'CLUSTER SETSLOT 1 MOVE x', 'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
    expectError(view, `CLUSTER SETSLOT 1 MIGRATING ${STRANGER}`, `ERR I don't know about node ${STRANGER}`);
    expectError(view, `CLUSTER SETSLOT 1 MIGRATING ${FOLLOWER}`, 'ERR Target node is not a master');
    expectError(view, `CLUSTER SETSLOT 1 IMPORTING ${OTHER}`, "ERR I'm already the owner of hash slot 1");
    expectError(view, `CLUSTER SETSLOT 1 NODE ${STRANGER}`, `ERR Unknown node ${STRANGER}`);
    expectError(view, `CLUSTER SETSLOT 1 NODE ${FOLLOWER}`, 'ERR Target node is not a master');
    expectError(
      view,
      `CLUSTER SETSLOT ${slotOfA} NODE ${OTHER}`,
      `ERR Can't assign hashslot ${slotOfA} to a different node while I still hold keys for this hash slot.`,
    );
    const fresh = freshView();
    expectError(fresh, `CLUSTER SETSLOT 1 MIGRATING ${OTHER}`, "ERR I'm not the owner of hash slot 1");
    expectError(fresh, `CLUSTER SETSLOT 1 IMPORTING ${STRANGER}`, `ERR I don't know about node ${STRANGER}`);
    expectError(fresh, `CLUSTER SETSLOT 1 IMPORTING ${FOLLOWER}`, 'ERR Target node is not a master');
    const replica = run(fresh, `CLUSTER REPLICATE ${OTHER}`).state;
    expectError(replica, 'CLUSTER SETSLOT 1 STABLE', 'ERR Please use SETSLOT only with masters.');
    expectError(replica, 'CLUSTER SETSLOT 99999 STABLE', 'ERR Please use SETSLOT only with masters.');
  });
});

describe('MEET', () => {
  it('validates the address and hands the handshake over', () => {
    const view = freshView();
    const met = run(view, 'CLUSTER MEET 10.0.0.9 7009');
    expect(met).toEqual({ state: view, reply: OK, intent: { type: 'meet', host: '10.0.0.9', port: 7009, busPort: 17009 }, saveConfig: false });
    expect(run(view, 'CLUSTER MEET ::1 7009 7777').intent).toEqual({ type: 'meet', host: '::1', port: 7009, busPort: 7777 });
  });

  it('errors', () => {
    const view = freshView();
    expectError(view, 'CLUSTER MEET 10.0.0.9 abc', 'ERR Invalid base port specified: abc');
    expectError(view, 'CLUSTER MEET 10.0.0.9 7000 x', 'ERR Invalid bus port specified: x');
    expectError(view, 'CLUSTER MEET localhost 7000', 'ERR Invalid node address specified: localhost:7000');
    expectError(view, 'CLUSTER MEET 10.0.0.9 0', 'ERR Invalid node address specified: 10.0.0.9:0');
    expectError(view, 'CLUSTER MEET 10.0.0.9 65536', 'ERR Invalid node address specified: 10.0.0.9:65536');
    expectError(view, 'CLUSTER MEET 10.0.0.9 60000', 'ERR Invalid node address specified: 10.0.0.9:60000');
  });
});

describe('FORGET', () => {
  it('removes the node and bans it; forgetting it again while banned succeeds', () => {
    const view = freshView();
    const forgot = run(view, `CLUSTER FORGET ${FOLLOWER}`);
    expect(forgot.reply).toEqual(OK);
    expect(forgot.saveConfig).toBe(true);
    expect(getNode(forgot.state.cluster, FOLLOWER)).toBeUndefined();
    const again = run(forgot.state, `CLUSTER FORGET ${FOLLOWER}`);
    expect(again.reply).toEqual(OK);
    expect(again.state).toBe(forgot.state);
    const later = executeClusterCommand(forgot.state, ['CLUSTER', 'FORGET', FOLLOWER], { nowMs: 1_000 + 60_000 });
    expect(later.reply).toEqual(err(`ERR Unknown node ${FOLLOWER}`));
  });

  it('errors', () => {
    const view = freshView();
    expectError(view, `CLUSTER FORGET ${STRANGER}`, `ERR Unknown node ${STRANGER}`);
    expectError(view, `CLUSTER FORGET ${ME}`, "ERR I tried hard but I can't forget myself...");
    const replica = run(view, `CLUSTER REPLICATE ${OTHER}`).state;
    expectError(replica, `CLUSTER FORGET ${OTHER}`, "ERR Can't forget my master!");
  });
});

describe('REPLICATE', () => {
  it('makes an empty primary a replica and asks for replication to start', () => {
    const done = run(freshView(), `CLUSTER REPLICATE ${OTHER}`);
    expect(done.reply).toEqual(OK);
    expect(done.intent).toEqual({ type: 'replicate', primaryId: OTHER });
    expect(done.saveConfig).toBe(true);
    expect(getNode(done.state.cluster, ME)).toMatchObject({ role: 'replica', primaryId: OTHER });
  });

  it('lets a replica switch primaries even with data', () => {
    let cluster = addNode(freshView().cluster, clusterNode({ id: STRANGER, address: nodeAddress('10.0.0.4', 7003) }));
    cluster = updateNode(cluster, ME, { role: 'replica', primaryId: OTHER });
    const view = { cluster, keys: keyIndexOf(['k']) };
    expect(getNode(run(view, `CLUSTER REPLICATE ${STRANGER}`).state.cluster, ME)!.primaryId).toBe(STRANGER);
  });

  it('errors', () => {
    const view = freshView();
    expectError(view, `CLUSTER REPLICATE ${STRANGER}`, `ERR Unknown node ${STRANGER}`);
    expectError(view, `CLUSTER REPLICATE ${ME}`, "ERR Can't replicate myself");
    expectError(view, `CLUSTER REPLICATE ${FOLLOWER}`, 'ERR I can only replicate a master, not a replica.');
    const withSlots = run(view, 'CLUSTER ADDSLOTS 1').state;
    expectError(withSlots, `CLUSTER REPLICATE ${OTHER}`, 'ERR To set a master the node must be empty and without assigned slots.');
    const withKeys = freshView(keyIndexOf(['k']));
    expectError(withKeys, `CLUSTER REPLICATE ${OTHER}`, 'ERR To set a master the node must be empty and without assigned slots.');
  });
});

describe('FAILOVER', () => {
  const asReplica = () => threeByTwo(3);

  it('returns an intent for each mode without changing the config', () => {
    const { state, primaries } = asReplica();
    const view = { cluster: state, keys: EMPTY_KEY_INDEX };
    for (const [args, mode] of [['', 'default'], [' FORCE', 'force'], [' takeover', 'takeover']] as const) {
      const result = run(view, `CLUSTER FAILOVER${args}`);
      expect(result).toEqual({ state: view, reply: OK, intent: { type: 'failover', mode, primaryId: primaries[0] }, saveConfig: false });
    }
  });

  it('errors', () => {
    const { state, primaries, replicas } = asReplica();
    const view = { cluster: state, keys: EMPTY_KEY_INDEX };
    expectError(view, 'CLUSTER FAILOVER NOW', 'ERR syntax error');
    expectError(freshView(), 'CLUSTER FAILOVER', 'ERR You should send CLUSTER FAILOVER to a replica');
    const orphan = withCluster(view, updateNode(state, replicas[0], { primaryId: null }));
    expectError(orphan, 'CLUSTER FAILOVER FORCE', "ERR I'm a replica but my master is unknown to me");
    const down = withCluster(view, updateNode(state, primaries[0], { health: 'fail' }));
    expectError(down, 'CLUSTER FAILOVER', 'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
    expect(run(down, 'CLUSTER FAILOVER FORCE').intent).toMatchObject({ mode: 'force' });
    const unlinked = withCluster(view, updateNode(state, primaries[0], { link: 'disconnected' }));
    expectError(unlinked, 'CLUSTER FAILOVER', 'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
  });
});

describe('ASKING and MIGRATE', () => {
  const view = freshView(keyIndexOf(['a', 'b', 'c']));

  it('ASKING returns OK and the per-connection intent', () => {
    expect(run(view, 'ASKING')).toEqual({ state: view, reply: OK, intent: { type: 'asking' }, saveConfig: false });
  });

  it('MIGRATE validates and returns the transfer as an intent', () => {
    const one = run(view, 'MIGRATE 10.0.0.2 7001 a 0 5000');
    expect(one.reply).toEqual(OK);
    expect(one.intent).toEqual({
      type: 'migrate', host: '10.0.0.2', port: 7001, db: 0, timeoutMs: 5000, keys: ['a'], copy: false, replace: false, auth: null,
    });
    const many = run(view, ['MIGRATE', '10.0.0.2', '7001', '', '0', '0', 'COPY', 'REPLACE', 'AUTH2', 'u', 'p', 'KEYS', 'a', 'zz', 'c']);
    expect(many.intent).toEqual({
      type: 'migrate', host: '10.0.0.2', port: 7001, db: 0, timeoutMs: 1000, keys: ['a', 'c'], copy: true, replace: true,
      auth: { username: 'u', password: 'p' },
    });
    expect(run(view, 'MIGRATE 10.0.0.2 7001 a 0 5000 AUTH secret').intent).toMatchObject({ auth: { username: null, password: 'secret' } });
  });

  it('MIGRATE of missing keys answers NOKEY', () => {
    expect(run(view, 'MIGRATE 10.0.0.2 7001 nope 0 5000').reply).toEqual({ type: 'simple', value: 'NOKEY' });
    expect(run(view, ['MIGRATE', 'h', '7001', '', '0', '10', 'KEYS']).reply).toEqual({ type: 'simple', value: 'NOKEY' });
  });

  it('MIGRATE errors', () => {
    expectError(view, 'MIGRATE h 7001 a 0 5000 KEYS b', 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
    expectError(view, 'MIGRATE h 7001 a 0 5000 AUTH', 'ERR syntax error');
    expectError(view, 'MIGRATE h 7001 a 0 5000 AUTH2 u', 'ERR syntax error');
    expectError(view, 'MIGRATE h 7001 a 0 5000 FAST', 'ERR syntax error');
    expectError(view, 'MIGRATE h 7001 a 0 soon', 'ERR value is not an integer or out of range');
    expectError(view, 'MIGRATE h 7001 a zero 5000', 'ERR value is not an integer or out of range');
    expectError(view, 'MIGRATE h port a 0 5000', 'IOERR error or timeout connecting to the client');
  });
});

describe('CLUSTER INFO after ADDSLOTSRANGE 0 16383', () => {
  it('counts all 16384 slots as assigned and the cluster as ok', () => {
    const view = run(freshView(), 'CLUSTER ADDSLOTSRANGE 0 16383').state;
    const infoReply = run(view, 'CLUSTER INFO').reply;
    expect(infoReply.type === 'bulk' && infoReply.value).toContain(`cluster_slots_assigned:${SLOT_COUNT}\r\n`);
    expect(infoReply.type === 'bulk' && infoReply.value).toContain('cluster_state:ok\r\n');
  });
});
