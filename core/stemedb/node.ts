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
 * Membership: a SWIM member runs beside the node (membership.ts); a peer SWIM declares dead gets
 * no gossip, no replica copies and no handoffs until SWIM reports it alive again.
 *
 * Replication: primary to replicas, asynchronous. The owner sends a full copy of a range to its
 * replicas after each change (batched per tick) and again every 10 ticks; replicas persist the
 * copy with the highest version. Replicas never serve: they are the data's second home.
 *
 * Durable state is two files, each one record overwritten atomically: 'node' (owned ranges with
 * their data, handoffs in progress, high-water versions, the range-id counter) and 'copies'.
 * Every change is persisted before it is announced or answered.
 */
import { assertNever, type DurableState, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { coveringDescs, covers, initialLayout, mergeMeta, metaList, replicasFor, shardOf, type RangeDesc } from './descriptor.ts';
import { applyDeadEvents, deadEvents, membership, TIMER_PREFIX } from './membership.ts';
import type { SwimObservation } from '../swim/index.ts';
import type {
  NodeCommand,
  NodeReply,
  OwnedRange,
  RangeData,
  RefusalReason,
  StemeConfig,
  StemeMessage,
  StemeNodeState,
  StemeObservation,
} from './types.ts';

export const NODE_FILE = 'node';
export const COPIES_FILE = 'copies';
const TICK = `${TIMER_PREFIX}tick`;
/** Every this many ticks: retransmit handoffs and run range maintenance. */
const SLOW_TICKS = 2;
/** Every this many ticks: resend every owned range to its replicas (anti-entropy). */
const RESYNC_TICKS = 10;

type Msg = StemeMessage | Uint8Array;
type Obs = StemeObservation | SwimObservation;
type Out = StepResult<StemeNodeState, Msg, NodeReply, Obs>;
type Eff = Effect<Msg, NodeReply, Obs>;

interface Step {
  readonly s: StemeNodeState;
  readonly env: Env;
  readonly fx: Eff[];
}

export function rangeSize(data: RangeData): number {
  let total = 0;
  for (const key of Object.keys(data)) total += data[key]!.sizeBytes;
  return total;
}

export type StemeNodeProtocol = Protocol<StemeNodeState, Msg, NodeCommand, NodeReply, Obs>;

export function stemeNode(config: StemeConfig): StemeNodeProtocol {
  const layout = initialLayout(config.nodes, config.shards, config.replicationFactor);
  const byTimestamp = config.bug === 'merge-by-timestamp';
  const swim = membership(config);

  const blank = (self: NodeId, env: Env): StemeNodeState => ({
    self,
    started: false,
    owned: {},
    highWater: {},
    nextRangeSeq: 1,
    tombstones: {},
    copies: {},
    meta: {},
    swim: swim.init(self, env),
    dead: {},
    tick: 0,
    dirty: [],
  });

  const persistNode = (c: Step): void => {
    const s = c.s;
    c.fx.push({ type: 'persist', write: { op: 'overwrite', file: NODE_FILE, records: [JSON.stringify({ owned: s.owned, highWater: s.highWater, nextRangeSeq: s.nextRangeSeq, tombstones: s.tombstones })] } });
  };
  const persistCopies = (c: Step): void => {
    c.fx.push({ type: 'persist', write: { op: 'overwrite', file: COPIES_FILE, records: [JSON.stringify(c.s.copies)] } });
  };
  const observe = (c: Step, o: StemeObservation): void => {
    c.fx.push({ type: 'observe', observation: o });
  };
  const send = (c: Step, to: NodeId, message: StemeMessage): void => {
    c.fx.push({ type: 'send', to, message });
  };
  const markDirty = (c: Step, id: string): void => {
    if (!c.s.dirty.includes(id)) {
      c.s.dirty.push(id);
      c.s.dirty.sort();
    }
  };
  const raiseHighWater = (s: StemeNodeState, id: string, version: number): void => {
    s.highWater[id] = Math.max(s.highWater[id] ?? 0, version);
  };
  /** The owner's own descriptors (and its tombstones) are authoritative in its meta-range, whatever gossip said. */
  const injectOwned = (s: StemeNodeState): void => {
    mergeMeta(s.meta, Object.values(s.tombstones), false);
    for (const id of Object.keys(s.owned).sort()) {
      const r = s.owned[id]!;
      if (!r.handedOff && r.moving === null) s.meta[id] = r.desc;
    }
  };
  const peers = (self: NodeId) => config.nodes.filter((n) => n !== self);
  const isDead = (s: StemeNodeState, peer: NodeId) => s.dead[peer] === true;
  const serving = (r: OwnedRange): boolean => (r.moving === null && !r.handedOff) || config.bug === 'serve-after-handoff';

  // -------------------------------------------------------------------------------------------
  // Start

  const onStart = (c: Step, durable: DurableState): void => {
    const s = c.s;
    const record = durable[NODE_FILE]?.[0];
    if (record === undefined) {
      // A fresh disk: the initial layout.
      for (const d of layout) {
        if (d.owner !== s.self) continue;
        s.owned[d.id] = { desc: d, data: {}, moving: null, handedOff: false };
        s.highWater[d.id] = d.version;
      }
    } else {
      const saved = JSON.parse(record) as Pick<StemeNodeState, 'owned' | 'highWater' | 'nextRangeSeq' | 'tombstones'>;
      s.owned = saved.owned;
      s.highWater = saved.highWater;
      s.nextRangeSeq = saved.nextRangeSeq;
      s.tombstones = saved.tombstones;
    }
    const copies = durable[COPIES_FILE]?.[0];
    if (copies !== undefined) s.copies = JSON.parse(copies) as StemeNodeState['copies'];
    s.started = true;
    for (const d of layout) s.meta[d.id] = d;
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
    c.fx.push({ type: 'setTimer', timer: TICK, afterMs: c.env.rng.between(1, config.tickMs) });
  };

  // -------------------------------------------------------------------------------------------
  // The tick: gossip, replication, handoff retries, maintenance

  const onTick = (c: Step): void => {
    const s = c.s;
    s.tick++;
    injectOwned(s);
    const targets = [...peers(s.self).filter((p) => !isDead(s, p)), ...config.gateways];
    if (targets.length > 0) send(c, targets[c.env.rng.int(targets.length)]!, { type: 'meta', descs: metaList(s.meta) });

    if (s.tick % RESYNC_TICKS === 0) for (const id of Object.keys(s.owned)) markDirty(c, id);
    if (s.tick % SLOW_TICKS === 0) {
      for (const id of Object.keys(s.owned).sort()) {
        const r = s.owned[id]!;
        if (r.moving !== null && !r.handedOff) send(c, r.moving.owner!, { type: 'transfer', desc: r.moving, data: r.data });
      }
      maintain(c);
    }
    replicate(c);
    c.fx.push({ type: 'setTimer', timer: TICK, afterMs: config.tickMs });
  };

  const replicate = (c: Step): void => {
    const s = c.s;
    for (const id of s.dirty) {
      const r = s.owned[id];
      if (r === undefined || r.moving !== null || r.handedOff) continue;
      for (const replica of r.desc.replicas) if (!isDead(s, replica)) send(c, replica, { type: 'replicate', desc: r.desc, data: r.data });
    }
    s.dirty = [];
  };

  /** Splits and merges by size, then at most one colocation handoff. One durable write for all of them. */
  const maintain = (c: Step): void => {
    const s = c.s;
    const installed: RangeDesc[] = [];
    const retired: RangeDesc[] = [];
    const stable = (id: string) => {
      const r = s.owned[id];
      return r !== undefined && r.moving === null && !r.handedOff;
    };
    // Splits.
    for (const id of Object.keys(s.owned).sort()) {
      if (!stable(id)) continue;
      const r = s.owned[id]!;
      const keys = Object.keys(r.data).sort();
      if (rangeSize(r.data) <= config.thresholds.splitAboveBytes || keys.length < 2) continue;
      const splitKey = keys[Math.floor(keys.length / 2)]!;
      const rightId = `${s.self}.${s.nextRangeSeq++}`;
      const left: RangeDesc = { ...r.desc, endKey: splitKey, version: r.desc.version + 1, timestampMs: c.env.nowMs };
      const right: RangeDesc = { ...r.desc, id: rightId, startKey: splitKey, version: 1, timestampMs: c.env.nowMs };
      const leftData: RangeData = {};
      const rightData: RangeData = {};
      for (const k of keys) (k < splitKey ? leftData : rightData)[k] = r.data[k]!;
      s.owned[id] = { desc: left, data: leftData, moving: null, handedOff: false };
      s.owned[rightId] = { desc: right, data: rightData, moving: null, handedOff: false };
      raiseHighWater(s, id, left.version);
      raiseHighWater(s, rightId, right.version);
      installed.push(left, right);
    }
    // Merges: adjacent stable ranges of one shard, left to right, a range in one merge at most.
    const byShard = new Map<number, OwnedRange[]>();
    for (const id of Object.keys(s.owned).sort()) {
      if (!stable(id)) continue;
      const r = s.owned[id]!;
      const list = byShard.get(r.desc.shard) ?? [];
      list.push(r);
      byShard.set(r.desc.shard, list);
    }
    for (const shard of [...byShard.keys()].sort((a, b) => a - b)) {
      const list = byShard.get(shard)!.sort((a, b) => (a.desc.startKey < b.desc.startKey ? -1 : a.desc.startKey > b.desc.startKey ? 1 : 0));
      for (let k = 0; k + 1 < list.length; k++) {
        const left = list[k]!;
        const right = list[k + 1]!;
        if (left.desc.endKey !== right.desc.startKey) continue;
        if (installed.some((d) => d.id === left.desc.id || d.id === right.desc.id)) continue; // split this tick
        if (rangeSize(left.data) + rangeSize(right.data) >= config.thresholds.mergeBelowBytes) continue;
        const merged: RangeDesc = { ...left.desc, endKey: right.desc.endKey, version: left.desc.version + 1, timestampMs: c.env.nowMs };
        const tombstone: RangeDesc = { ...right.desc, owner: null, replicas: [], version: right.desc.version + 1, timestampMs: c.env.nowMs };
        const data: RangeData = { ...left.data, ...(config.bug === 'merge-drops-right' ? {} : right.data) };
        s.owned[left.desc.id] = { desc: merged, data, moving: null, handedOff: false };
        delete s.owned[right.desc.id];
        raiseHighWater(s, merged.id, merged.version);
        raiseHighWater(s, tombstone.id, tombstone.version);
        s.tombstones[tombstone.id] = tombstone;
        installed.push(merged);
        retired.push(tombstone);
        k++;
      }
    }
    // Colocation: move one small range to the owner of its left neighbour, so they can merge.
    let handoff: { id: string; to: NodeId } | null = null;
    for (const id of Object.keys(s.owned).sort()) {
      if (!stable(id) || installed.some((d) => d.id === id)) continue;
      const r = s.owned[id]!;
      if (r.desc.startKey === '' || rangeSize(r.data) * 2 >= config.thresholds.mergeBelowBytes) continue;
      const left = metaList(s.meta).find((d) => d.owner !== null && d.shard === r.desc.shard && d.endKey === r.desc.startKey);
      if (left === undefined || left.owner === s.self || isDead(s, left.owner!)) continue;
      handoff = { id, to: left.owner! };
      break;
    }
    if (handoff !== null) startHandoff(s, handoff.id, handoff.to);
    if (installed.length === 0 && retired.length === 0 && handoff === null) return;
    persistNode(c);
    for (const d of installed) {
      observe(c, { type: 'installed', desc: d, keys: Object.keys(s.owned[d.id]!.data).length });
      markDirty(c, d.id);
    }
    for (const d of retired) observe(c, { type: 'retired', desc: d });
    injectOwned(s);
    if (handoff !== null) announceHandoff(c, handoff.id);
  };

  /** Marks a range as moving to `to` (the caller persists, then announces). */
  const startHandoff = (s: StemeNodeState, id: string, to: NodeId): void => {
    const r = s.owned[id]!;
    r.moving = { ...r.desc, version: r.desc.version + 1, owner: to, replicas: replicasFor(to, config.nodes, config.replicationFactor), timestampMs: 0 };
  };
  const announceHandoff = (c: Step, id: string): void => {
    const r = c.s.owned[id]!;
    observe(c, { type: 'handoffStarted', id, version: r.moving!.version, to: r.moving!.owner! });
    send(c, r.moving!.owner!, { type: 'transfer', desc: r.moving!, data: r.data });
  };

  // -------------------------------------------------------------------------------------------
  // Messages

  const onRequest = (c: Step, from: NodeId, m: Extract<StemeMessage, { type: 'request' }>): void => {
    const s = c.s;
    const shard = shardOf(m.subject, config.shards);
    const r = s.owned[m.rangeId];
    let reason: RefusalReason | null = null;
    if (r === undefined) reason = 'not-owner';
    else if (r.desc.version !== m.version || !covers(r.desc, shard, m.subject)) reason = 'stale-version';
    else if (!serving(r)) reason = 'moving';
    if (reason !== null) {
      injectOwned(s);
      const descs = coveringDescs(s.meta, shard, m.subject);
      const named = s.meta[m.rangeId];
      if (named !== undefined && !descs.some((d) => d.id === named.id)) descs.push(named);
      observe(c, { type: 'refused', rangeId: m.rangeId, version: m.version, subject: m.subject, reason });
      send(c, from, { type: 'refused', reqId: m.reqId, attempt: m.attempt, reason, descs });
      return;
    }
    const range = r!;
    const held = range.data[m.subject];
    let value: string | null = held?.value ?? null;
    switch (m.op) {
      case 'get':
        break;
      case 'put':
      case 'delete': {
        // One gateway's writes apply in the order it issued them: a duplicate or a late retry is answered, not re-applied.
        const fresh = held === undefined || held.gateway !== from || m.reqId > held.seq;
        value = m.op === 'put' ? m.value : null;
        if (!fresh) break;
        range.data[m.subject] = { value, sizeBytes: m.op === 'put' ? m.sizeBytes : 0, gateway: from, seq: m.reqId };
        persistNode(c);
        markDirty(c, m.rangeId);
        break;
      }
      default:
        assertNever(m.op, 'op');
    }
    observe(c, { type: 'served', rangeId: m.rangeId, version: m.version, subject: m.subject, op: m.op, gateway: from, reqId: m.reqId });
    send(c, from, { type: 'served', reqId: m.reqId, attempt: m.attempt, value });
  };

  const onTransfer = (c: Step, from: NodeId, m: Extract<StemeMessage, { type: 'transfer' }>): void => {
    const s = c.s;
    const d = m.desc;
    if (d.owner !== s.self) return; // not for us: ignore
    if ((s.highWater[d.id] ?? 0) >= d.version) {
      const held = s.owned[d.id];
      send(c, from, { type: 'transferAck', id: d.id, version: d.version, desc: held !== undefined && held.desc.version === d.version ? held.desc : null });
      return;
    }
    const desc: RangeDesc = { ...d, timestampMs: c.env.nowMs };
    s.owned[d.id] = { desc, data: { ...m.data }, moving: null, handedOff: false };
    raiseHighWater(s, d.id, d.version);
    persistNode(c);
    observe(c, { type: 'installed', desc, keys: Object.keys(m.data).length });
    s.meta[d.id] = desc;
    markDirty(c, d.id);
    send(c, from, { type: 'transferAck', id: d.id, version: d.version, desc });
  };

  const onTransferAck = (c: Step, m: Extract<StemeMessage, { type: 'transferAck' }>): void => {
    const s = c.s;
    if (m.desc !== null) mergeMeta(s.meta, [m.desc], byTimestamp);
    const r = s.owned[m.id];
    const before = s.highWater[m.id] ?? 0;
    raiseHighWater(s, m.id, m.version);
    if (r === undefined || r.moving === null || r.moving.version !== m.version || r.handedOff) {
      if ((s.highWater[m.id] ?? 0) !== before) persistNode(c);
      return;
    }
    const to = r.moving.owner!;
    if (config.bug === 'serve-after-handoff') r.handedOff = true; // keeps the range, and serves it
    else delete s.owned[m.id];
    persistNode(c);
    observe(c, { type: 'handedOff', id: m.id, version: m.version, to });
  };

  const onReplicate = (c: Step, m: Extract<StemeMessage, { type: 'replicate' }>): void => {
    const s = c.s;
    if (!m.desc.replicas.includes(s.self)) return;
    const held = s.copies[m.desc.id];
    if (held !== undefined && (held.desc.version > m.desc.version || (held.desc.version === m.desc.version && JSON.stringify(held.data) === JSON.stringify(m.data)))) return;
    s.copies[m.desc.id] = { desc: m.desc, data: { ...m.data } };
    persistCopies(c);
  };

  const onMessage = (c: Step, from: NodeId, m: StemeMessage): void => {
    const s = c.s;
    switch (m.type) {
      case 'meta':
        mergeMeta(s.meta, m.descs, byTimestamp);
        injectOwned(s);
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
  };

  const onCommand = (c: Step, commandId: number, command: NodeCommand): void => {
    const s = c.s;
    switch (command.type) {
      case 'shed': {
        const id = Object.keys(s.owned)
          .sort()
          .find((k) => s.owned[k]!.moving === null && !s.owned[k]!.handedOff);
        if (id === undefined || command.to === s.self || !config.nodes.includes(command.to)) {
          c.fx.push({ type: 'reply', commandId, reply: { type: 'shed', rangeId: null } });
          return;
        }
        startHandoff(s, id, command.to);
        persistNode(c);
        announceHandoff(c, id);
        c.fx.push({ type: 'reply', commandId, reply: { type: 'shed', rangeId: id } });
        return;
      }
      default:
        assertNever(command.type, 'command');
    }
  };

  /** Runs SWIM on an input of its own, then turns its dead events into ours. */
  const withSwim = (c: Step, input: Input<Uint8Array, never>): void => {
    const out = swim.step(c.s.swim, input as Input<Uint8Array, never>, c.env);
    c.s.swim = out.state;
    c.fx.push(...(out.effects as Eff[]));
    for (const e of applyDeadEvents(c.s.dead, deadEvents(out.effects))) observe(c, { type: 'declared', peer: e.peer, status: e.status });
  };

  return {
    name: 'stemedb-node',
    init: (self, env) => blank(self, env),
    step(state: StemeNodeState, input: Input<Msg, NodeCommand>, env: Env): Out {
      const c: Step = { s: input.type === 'start' ? blank(state.self, env) : state, env, fx: [] };
      switch (input.type) {
        case 'start':
          withSwim(c, input);
          onStart(c, input.durable);
          break;
        case 'timer':
          if (!input.timer.startsWith(TIMER_PREFIX)) withSwim(c, input);
          else if (input.timer === TICK) onTick(c);
          else throw new Error(`stemedb node: unknown timer ${input.timer}`);
          break;
        case 'message':
          if (input.message instanceof Uint8Array) withSwim(c, { type: 'message', from: input.from, message: input.message });
          else onMessage(c, input.from, input.message);
          break;
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
