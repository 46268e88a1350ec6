/**
 * A stemedb data node: it owns ranges and serves them, copies them to replicas, splits and
 * merges them by size, hands them to other nodes, and gossips the meta-range.
 *
 * Ownership. A range version has exactly one owner, and only the owner serves it, for reads and
 * writes alike. A request names the range id and the version the gateway routed by; the owner
 * serves it only when it holds that range at exactly that version (and the subject lies in it),
 * otherwise it refuses and sends back the descriptors it knows for the subject, so the gateway
 * retries with a fresher map. Every change of a range is made by its owner alone, so no
 * consensus is needed:
 *
 *   split    owner X of R@v (over splitAboveBytes, two keys or more) installs R@v+1 (left half)
 *            and a new range Q@1 (right half), both its own, in one durable write
 *   merge    owner X of adjacent L@v and R@w (same shard, under mergeBelowBytes together)
 *            installs L@v+1 covering both and the tombstone R@w+1, in one durable write
 *   handoff  owner X of R@v persists "moving: R@v+1 owned by Y" and stops serving R; it sends
 *            Y the data until Y acknowledges. Y installs R@v+1 (stamping it with its clock);
 *            X then forgets R. Y ignores (but acknowledges) a transfer at or below the highest
 *            version of R it ever held (`highWater`), so a late retransmission can't resurrect
 *            an old version.
 *
 * Handoffs come from the operator (`shed`) and from colocation: a small range whose left
 * neighbour belongs to another node moves to that node, which can then merge the two (ranges
 * only ever move left for this, so they don't ping-pong).
 *
 * Membership: a SWIM member is nested in the node (membership.ts); a peer SWIM declares dead gets
 * no gossip, no replica copies and no handoffs until SWIM reports it alive again.
 *
 * Replication: primary to replicas, asynchronous. The owner sends a full copy of a range to its
 * replicas after each change (batched per tick) and again every 10 ticks; replicas persist the
 * copy with the highest version. Replicas never serve: they are the data's second home.
 *
 * Durable state is two files, each one record overwritten atomically: 'node' (owned ranges with
 * their data, handoffs in progress, high-water versions, the range-id counter) and 'copies'.
 * Every change is persisted before it is announced or answered.
 *
 * This file is the step itself: start, the tick, dispatch by input and by message, the operator's
 * command. The rules are functions over the step context (node/context.ts), one file per part:
 *
 *   node/context.ts      the step context, emitters, the meta-range view, the nested SWIM step
 *   node/ranges.ts       serving, handoffs, installs, replica copies; the only ownership changes
 *   node/maintenance.ts  splits, merges and colocation handoffs by size
 */
import { assertNever } from '../contract/assert.ts';
import type { DurableState, Env, Input, NodeId, Protocol, StepResult } from '../contract/protocol.ts';
import { initialLayout, mergeMeta, metaList } from './descriptor.ts';
import { swimMember } from './membership.ts';
import type { NodeCommand, NodeReply, StemeConfig, StemeMessage, StemeNodeState, StemeObservation } from './types.ts';
import {
  COPIES_FILE,
  NODE_FILE,
  TICK_TIMER,
  injectOwned,
  isDead,
  markDirty,
  observe,
  peers,
  persistNode,
  send,
  withSwim,
  cover,
  type Msg,
  type NodeSetup,
  type NodeTimer,
  type NodeTimers,
  type Obs,
  type Step,
} from './node/context.ts';
import { maintain } from './node/maintenance.ts';
import { announceHandoff, onReplicate, onRequest, onTransfer, onTransferAck, replicate, startHandoff } from './node/ranges.ts';

export { COPIES_FILE, NODE_FILE, rangeSize, type NodeTimer, type NodeTimers } from './node/context.ts';

/** Every this many ticks: retransmit handoffs and run range maintenance. */
const SLOW_TICKS = 2;
/** Every this many ticks: resend every owned range to its replicas (anti-entropy). */
const RESYNC_TICKS = 10;

type Out = StepResult<StemeNodeState, Msg, NodeReply, Obs, NodeTimers>;

export type StemeNodeProtocol = Protocol<StemeNodeState, Msg, NodeCommand, NodeReply, Obs, NodeTimers>;

// ---------------------------------------------------------------------------------------------
// Start

function onStart(c: Step, durable: DurableState): void {
  const s = c.s;
  const record = durable[NODE_FILE]?.[0];
  if (record === undefined) {
    // A fresh disk: the initial layout.
    for (const d of c.layout) {
      if (d.owner !== s.self) continue;
      s.owned[d.id] = { desc: d, data: {}, moving: null, handedOff: false };
      s.highWater[d.id] = d.version;
    }
  } else {
    cover(c, 'recovered-from-disk');
    const saved = JSON.parse(record) as Pick<StemeNodeState, 'owned' | 'highWater' | 'nextRangeSeq' | 'tombstones'>;
    s.owned = saved.owned;
    s.highWater = saved.highWater;
    s.nextRangeSeq = saved.nextRangeSeq;
    s.tombstones = saved.tombstones;
  }
  const copies = durable[COPIES_FILE]?.[0];
  if (copies !== undefined) s.copies = JSON.parse(copies) as StemeNodeState['copies'];
  s.started = true;
  for (const d of c.layout) s.meta[d.id] = d;
  injectOwned(s);
  if (record === undefined) persistNode(c);
  observe(c, { type: 'started', owned: Object.keys(s.owned).length, copies: Object.keys(s.copies).length });
  // Re-announce what survived: an install or a merge persisted just before a crash was never observed.
  for (const id of Object.keys(s.owned).sort()) {
    const r = s.owned[id]!;
    if (r.moving === null && !r.handedOff) observe(c, { type: 'installed', desc: r.desc, keys: Object.keys(r.data).length });
    markDirty(c, id);
  }
  for (const id of Object.keys(s.tombstones).sort()) observe(c, { type: 'retired', desc: s.tombstones[id]! });
  c.fx.push({ type: 'setTimer', timer: TICK_TIMER, afterMs: c.env.rng.between(1, c.config.tickMs) });
}

// ---------------------------------------------------------------------------------------------
// The tick: gossip, replication, handoff retries, maintenance

function onTimer(c: Step, timer: NodeTimer): void {
  switch (timer) {
    case TICK_TIMER:
      return onTick(c);
    default:
      assertNever(timer, 'stemedb node timer');
  }
}

function onTick(c: Step): void {
  const s = c.s;
  s.tick++;
  injectOwned(s);
  const targets = [...peers(c).filter((p) => !isDead(s, p)), ...c.config.gateways];
  if (targets.length > 0) send(c, targets[c.env.rng.int(targets.length)]!, { type: 'meta', descs: metaList(s.meta) });

  if (s.tick % RESYNC_TICKS === 0) for (const id of Object.keys(s.owned)) markDirty(c, id);
  if (s.tick % SLOW_TICKS === 0) {
    for (const id of Object.keys(s.owned).sort()) {
      const r = s.owned[id]!;
      if (r.moving === null || r.handedOff) continue;
      // A handoff not yet acknowledged (lost, or the receiver was down): the transfer goes again.
      cover(c, 'handoff-resent');
      send(c, r.moving.owner!, { type: 'transfer', desc: r.moving, data: r.data });
    }
    maintain(c);
  }
  replicate(c);
  c.fx.push({ type: 'setTimer', timer: TICK_TIMER, afterMs: c.config.tickMs });
}

// ---------------------------------------------------------------------------------------------
// Messages and commands

function onMessage(c: Step, from: NodeId, m: StemeMessage): void {
  const s = c.s;
  switch (m.type) {
    case 'meta':
      mergeGossip(c, m.descs);
      return;
    case 'metaPull':
      injectOwned(s);
      send(c, from, { type: 'meta', descs: metaList(s.meta) });
      return;
    case 'request':
      return onRequest(c, from, m);
    case 'transfer':
      return onTransfer(c, from, m);
    case 'transferAck':
      return onTransferAck(c, m);
    case 'replicate':
      return onReplicate(c, m);
    case 'served':
    case 'refused':
      return; // gateway-bound messages: a node ignores them
    default:
      assertNever(m, 'message');
  }
}

function mergeGossip(c: Step, descs: Extract<StemeMessage, { type: 'meta' }>['descs']): void {
  mergeMeta(c.s.meta, descs, c.byTimestamp);
  injectOwned(c.s);
}

function onCommand(c: Step, commandId: number, command: NodeCommand): void {
  const s = c.s;
  switch (command.type) {
    case 'shed': {
      const id = Object.keys(s.owned)
        .sort()
        .find((k) => s.owned[k]!.moving === null && !s.owned[k]!.handedOff);
      if (id === undefined || command.to === s.self || !c.config.nodes.includes(command.to)) {
        cover(c, 'shed-declined');
        c.fx.push({ type: 'reply', commandId, reply: { type: 'shed', rangeId: null } });
        return;
      }
      cover(c, 'operator-handoff');
      startHandoff(c, id, command.to);
      persistNode(c);
      announceHandoff(c, id);
      c.fx.push({ type: 'reply', commandId, reply: { type: 'shed', rangeId: id } });
      return;
    }
    default:
      assertNever(command.type, 'command');
  }
}

export function stemeNode(config: StemeConfig): StemeNodeProtocol {
  const setup: NodeSetup = {
    config,
    layout: initialLayout(config.nodes, config.shards, config.replicationFactor),
    byTimestamp: config.bug === 'merge-by-timestamp',
    member: swimMember<StemeMessage, StemeObservation>(config),
  };
  const { member } = setup;

  const blank = (self: NodeId, env: Env): StemeNodeState => ({
    self,
    started: false,
    owned: {},
    highWater: {},
    nextRangeSeq: 1,
    tombstones: {},
    copies: {},
    meta: {},
    swim: member.init(self, env),
    dead: {},
    tick: 0,
    dirty: [],
  });

  return {
    name: 'stemedb-node',
    init: (self, env) => blank(self, env),
    step(state: StemeNodeState, input: Input<Msg, NodeCommand, NodeTimers>, env: Env): Out {
      const c: Step = { ...setup, s: input.type === 'start' ? blank(state.self, env) : state, env, fx: [] };
      switch (input.type) {
        case 'start':
          withSwim(c, member.start(input.durable));
          onStart(c, input.durable);
          break;
        case 'timer':
          if (member.owns(input.timer)) withSwim(c, { type: 'timer', timer: member.timer(input.timer) });
          else onTimer(c, input.timer);
          break;
        case 'message': {
          const bytes = member.message(input.message);
          if (bytes !== undefined) withSwim(c, { type: 'message', from: input.from, message: bytes });
          else onMessage(c, input.from, input.message as StemeMessage);
          break;
        }
        case 'command':
          onCommand(c, input.commandId, input.command);
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: c.s, effects: c.fx };
    },
  };
}
