/**
 * Model-based test of slot ownership through the CLUSTER commands: random sequences of ADDSLOTS,
 * DELSLOTS, SETSLOT (NODE/MIGRATING/IMPORTING/STABLE), REPLICATE and COUNTKEYSINSLOT run against
 * both executeClusterCommand and a reference model made of plain Maps. After every command the
 * replies must be identical, and so must slot owners, migrations, my role and my epochs.
 *
 * The model restates Redis's rules from its documentation and source comments in the simplest
 * possible way (a Map per table, one slot at a time); it shares no code with the implementation
 * except keySlot, which has its own oracle tests.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keySlot, rangesToSlots } from '../slots/index.ts';
import { addNode, checkClusterState, clusterNode, createClusterState, nodeAddress } from '../topology/index.ts';
import { testNodeIds } from '../topology/test-fixtures.ts';
import { executeClusterCommand } from './commands.ts';
import { EMPTY_KEY_INDEX, keyIndexOf } from './key-index.ts';
import type { Reply } from './resp.ts';
import type { ClusterView } from './types.ts';

const [ME, OTHER, THIRD, FOLLOWER, STRANGER] = testNodeIds(5, 'model') as [string, string, string, string, string];
const PRIMARIES = new Set([OTHER, THIRD]);
const KNOWN = new Set([ME, OTHER, THIRD, FOLLOWER]);
const OTHER_EPOCHS = [2, 3, 0];
const KEY = '{a}x';
const KEY_SLOT = keySlot(KEY);

interface Model {
  owners: Map<number, string>;
  migrating: Map<number, string>;
  importing: Map<number, string>;
  myRole: 'primary' | 'replica';
  myPrimary: string | null;
  myEpoch: number;
  currentEpoch: number;
  holdsKey: boolean;
}

interface Real {
  view: ClusterView;
}

const OK_REPLY: Reply = { type: 'simple', value: 'OK' };
const error = (message: string): Reply => ({ type: 'error', message: `ERR ${message}` });

/** A slot argument as Redis reads it: canonical decimal in 0..16383, or null. */
function modelSlot(text: string): number | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const n = Number(text);
  return n >= 0 && n < 16384 ? n : null;
}

function isInteger(text: string): boolean {
  return /^(0|-?[1-9][0-9]*)$/.test(text);
}

function roleOf(model: Model, id: string): 'primary' | 'replica' {
  if (id === ME) return model.myRole;
  return PRIMARIES.has(id) ? 'primary' : 'replica';
}

function ownsAnything(model: Model): boolean {
  return [...model.owners.values()].includes(ME);
}

function execute(real: Real, argv: string[]): Reply {
  const result = executeClusterCommand(real.view, argv, { nowMs: 0 });
  real.view = result.state;
  return result.reply;
}

/** After every command: the real view says exactly what the model says. */
function compare(model: Model, real: Real): void {
  const cluster = real.view.cluster;
  expect(checkClusterState(cluster)).toEqual([]);
  const owners = new Map<number, string>();
  for (const node of Object.values(cluster.nodes)) for (const slot of rangesToSlots(node.slots)) owners.set(slot, node.id);
  expect(sorted(owners)).toEqual(sorted(model.owners));
  expect(sorted(new Map(Object.entries(cluster.migrating).map(([s, id]) => [Number(s), id])))).toEqual(sorted(model.migrating));
  expect(sorted(new Map(Object.entries(cluster.importing).map(([s, id]) => [Number(s), id])))).toEqual(sorted(model.importing));
  const me = cluster.nodes[ME]!;
  expect([me.role, me.primaryId, me.configEpoch, cluster.currentEpoch]).toEqual([model.myRole, model.myPrimary, model.myEpoch, model.currentEpoch]);
}

function sorted(map: Map<number, string>): [number, string][] {
  return [...map].sort((a, b) => a[0] - b[0]);
}

class SlotsCommand implements fc.Command<Model, Real> {
  constructor(
    readonly mode: 'ADDSLOTS' | 'DELSLOTS',
    readonly args: string[],
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const reply = execute(real, ['CLUSTER', this.mode, ...this.args]);
    let expected: Reply = OK_REPLY;
    const slots = this.args.map(modelSlot);
    if (slots.includes(null)) expected = error('Invalid or out of range slot');
    else {
      const seen = new Set<number>();
      for (const slot of slots as number[]) {
        if (this.mode === 'DELSLOTS' && !model.owners.has(slot)) expected = error(`Slot ${slot} is already unassigned`);
        else if (this.mode === 'ADDSLOTS' && model.owners.has(slot)) expected = error(`Slot ${slot} is already busy`);
        else if (seen.has(slot)) expected = error(`Slot ${slot} specified multiple times`);
        if (expected !== OK_REPLY) break;
        seen.add(slot);
      }
      if (expected === OK_REPLY) {
        for (const slot of seen) {
          if (this.mode === 'ADDSLOTS') model.owners.set(slot, ME);
          else model.owners.delete(slot);
          model.importing.delete(slot);
        }
      }
    }
    expect(reply).toEqual(expected);
    compare(model, real);
  }
  toString = () => `CLUSTER ${this.mode} ${this.args.join(' ')}`;
}

class SetSlotCommand implements fc.Command<Model, Real> {
  constructor(
    readonly slotArg: string,
    readonly action: 'NODE' | 'MIGRATING' | 'IMPORTING' | 'STABLE',
    readonly node: string,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const argv = ['CLUSTER', 'SETSLOT', this.slotArg, this.action, ...(this.action === 'STABLE' ? [] : [this.node])];
    const reply = execute(real, argv);
    expect(reply).toEqual(this.apply(model));
    compare(model, real);
  }
  apply(model: Model): Reply {
    if (model.myRole === 'replica') return error('Please use SETSLOT only with masters.');
    const slot = modelSlot(this.slotArg);
    if (slot === null) return error('Invalid or out of range slot');
    const node = this.node;
    const owner = model.owners.get(slot);
    switch (this.action) {
      case 'STABLE':
        model.migrating.delete(slot);
        model.importing.delete(slot);
        return OK_REPLY;
      case 'MIGRATING':
        if (owner !== ME) return error(`I'm not the owner of hash slot ${slot}`);
        if (!KNOWN.has(node)) return error(`I don't know about node ${node}`);
        if (roleOf(model, node) === 'replica') return error('Target node is not a master');
        model.migrating.set(slot, node);
        return OK_REPLY;
      case 'IMPORTING':
        if (owner === ME) return error(`I'm already the owner of hash slot ${slot}`);
        if (!KNOWN.has(node)) return error(`I don't know about node ${node}`);
        if (roleOf(model, node) === 'replica') return error('Target node is not a master');
        model.importing.set(slot, node);
        return OK_REPLY;
      case 'NODE': {
        if (!KNOWN.has(node)) return error(`Unknown node ${node}`);
        if (roleOf(model, node) === 'replica') return error('Target node is not a master');
        const keys = model.holdsKey && slot === KEY_SLOT ? 1 : 0;
        if (owner === ME && node !== ME && keys > 0) {
          return error(`Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
        }
        if (keys === 0) model.migrating.delete(slot);
        model.owners.set(slot, node);
        if (owner === ME && node !== ME && !ownsAnything(model)) {
          model.myRole = 'replica';
          model.myPrimary = node;
          model.migrating.clear();
          model.importing.clear();
        }
        if (node === ME && model.importing.has(slot)) {
          const max = Math.max(model.currentEpoch, model.myEpoch, ...OTHER_EPOCHS);
          if (model.myEpoch === 0 || model.myEpoch !== max) {
            model.currentEpoch += 1;
            model.myEpoch = model.currentEpoch;
          }
          model.importing.delete(slot);
        }
        return OK_REPLY;
      }
    }
  }
  toString = () => `CLUSTER SETSLOT ${this.slotArg} ${this.action}${this.action === 'STABLE' ? '' : ` ${this.node.slice(0, 6)}`}`;
}

class ReplicateCommand implements fc.Command<Model, Real> {
  constructor(readonly node: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const reply = execute(real, ['CLUSTER', 'REPLICATE', this.node]);
    expect(reply).toEqual(this.apply(model));
    compare(model, real);
  }
  apply(model: Model): Reply {
    if (!KNOWN.has(this.node)) return error(`Unknown node ${this.node}`);
    if (this.node === ME) return error("Can't replicate myself");
    if (roleOf(model, this.node) === 'replica') return error('I can only replicate a master, not a replica.');
    if (model.myRole === 'primary' && (ownsAnything(model) || model.holdsKey)) {
      return error('To set a master the node must be empty and without assigned slots.');
    }
    if (model.myRole === 'primary') {
      model.migrating.clear();
      model.importing.clear();
    }
    model.myRole = 'replica';
    model.myPrimary = this.node;
    return OK_REPLY;
  }
  toString = () => `CLUSTER REPLICATE ${this.node.slice(0, 6)}`;
}

class CountKeysCommand implements fc.Command<Model, Real> {
  constructor(readonly slotArg: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const reply = execute(real, ['CLUSTER', 'COUNTKEYSINSLOT', this.slotArg]);
    const slot = modelSlot(this.slotArg);
    const expected: Reply = !isInteger(this.slotArg)
      ? error('value is not an integer or out of range')
      : slot === null
        ? error('Invalid slot')
        : { type: 'integer', value: model.holdsKey && slot === KEY_SLOT ? 1 : 0 };
    expect(reply).toEqual(expected);
    compare(model, real);
  }
  toString = () => `CLUSTER COUNTKEYSINSLOT ${this.slotArg}`;
}

/** Few distinct slots, so that commands collide on them; plus invalid forms. */
const slotArg = fc.constantFrom('0', '1', '2', '100', String(KEY_SLOT), '16383', '16384', '-1', 'x', '01');
const validSlotArg = fc.constantFrom('0', '1', '2', '100', String(KEY_SLOT), '16383');
const nodeArg = fc.constantFrom(ME, OTHER, THIRD, FOLLOWER, STRANGER);

const commandArbitraries = [
  fc.tuple(fc.constantFrom('ADDSLOTS' as const, 'DELSLOTS' as const), fc.array(fc.oneof({ weight: 9, arbitrary: validSlotArg }, { weight: 1, arbitrary: slotArg }), { minLength: 1, maxLength: 4 }))
    .map(([mode, args]) => new SlotsCommand(mode, args)),
  fc.tuple(fc.oneof({ weight: 9, arbitrary: validSlotArg }, { weight: 1, arbitrary: slotArg }), fc.constantFrom('NODE' as const, 'MIGRATING' as const, 'IMPORTING' as const, 'STABLE' as const), nodeArg)
    .map(([slot, action, node]) => new SetSlotCommand(slot, action, node)),
  nodeArg.map((node) => new ReplicateCommand(node)),
  slotArg.map((slot) => new CountKeysCommand(slot)),
];

function setup(holdsKey: boolean): { model: Model; real: Real } {
  let cluster = createClusterState(clusterNode({ id: ME, address: nodeAddress('10.0.0.1', 7000) }));
  cluster = addNode(cluster, clusterNode({ id: OTHER, address: nodeAddress('10.0.0.2', 7001), configEpoch: 2 }));
  cluster = addNode(cluster, clusterNode({ id: THIRD, address: nodeAddress('10.0.0.3', 7002), configEpoch: 3 }));
  cluster = addNode(cluster, clusterNode({ id: FOLLOWER, address: nodeAddress('10.0.0.4', 7003), role: 'replica', primaryId: OTHER }));
  cluster = { ...cluster, currentEpoch: 3 };
  return {
    model: {
      owners: new Map(),
      migrating: new Map(),
      importing: new Map(),
      myRole: 'primary',
      myPrimary: null,
      myEpoch: 0,
      currentEpoch: 3,
      holdsKey,
    },
    real: { view: { cluster, keys: holdsKey ? keyIndexOf([KEY]) : EMPTY_KEY_INDEX } },
  };
}

describe('CLUSTER slot commands against a Map model', () => {
  it('agree on every reply and on slot ownership after every command', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.commands(commandArbitraries, { maxCommands: 40, size: 'max' }), (holdsKey, commands) => {
        fc.modelRun(() => setup(holdsKey), commands);
      }),
      { numRuns: 300 },
    );
  });
});
