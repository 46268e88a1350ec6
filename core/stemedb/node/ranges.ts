/**
 * A node's ranges and the gateways' requests: serving (only the owner, only at the exact version
 * routed by), handoffs (persist "moving", send until acknowledged, then forget), installing a
 * transferred range, and replica copies. A range's ownership changes only in `startHandoff`,
 * `finishHandoff` and `install`, each asserting the move is legal.
 */
import { assert, assertNever } from '../../contract/assert.ts';
import type { NodeId } from '../../contract/protocol.ts';
import { coveringDescs, covers, mergeMeta, replicasFor, shardOf, type RangeDesc } from '../descriptor.ts';
import type { RangeData, RefusalReason, StemeMessage } from '../types.ts';
import { cover, injectOwned, isDead, isStable, markDirty, observe, persistCopies, persistNode, raiseHighWater, send, serving, type Step } from './context.ts';

// ---------------------------------------------------------------------------------------------
// Ownership transitions

/** Marks a stable range as moving to `to` (the caller persists, then announces). */
export function startHandoff(c: Step, id: string, to: NodeId): void {
  const r = c.s.owned[id];
  assert(isStable(r), `stemedb ${c.s.self}: hands off ${id}, which it does not hold stable`);
  assert(to !== c.s.self, `stemedb ${c.s.self}: hands off ${id} to itself`);
  r.moving = { ...r.desc, version: r.desc.version + 1, owner: to, replicas: replicasFor(to, c.config.nodes, c.config.replicationFactor), timestampMs: 0 };
}

export function announceHandoff(c: Step, id: string): void {
  const r = c.s.owned[id]!;
  observe(c, { type: 'handoffStarted', id, version: r.moving!.version, to: r.moving!.owner! });
  send(c, r.moving!.owner!, { type: 'transfer', desc: r.moving!, data: r.data });
}

/** The receiver acknowledged the version being moved: the range is no longer ours (persisted, then observed). */
function finishHandoff(c: Step, id: string, version: number): void {
  const s = c.s;
  const r = s.owned[id];
  assert(r !== undefined && r.moving !== null && r.moving.version === version && !r.handedOff, `stemedb ${s.self}: finishes a handoff of ${id}@${version} not in progress`);
  const to = r.moving.owner!;
  cover(c, 'handoff-finished');
  if (c.config.bug === 'serve-after-handoff') r.handedOff = true; // keeps the range, and serves it
  else delete s.owned[id];
  persistNode(c);
  observe(c, { type: 'handedOff', id, version, to });
}

/** A transferred range version (above everything we held of it, the caller checked): ours now (persisted, then observed and acknowledged). */
function install(c: Step, from: NodeId, d: RangeDesc, data: RangeData): void {
  const s = c.s;
  assert(d.owner === s.self, `stemedb ${s.self}: installs ${d.id}@${d.version} owned by ${d.owner}`);
  const desc: RangeDesc = { ...d, timestampMs: c.env.nowMs };
  cover(c, 'transfer-installed');
  s.owned[d.id] = { desc, data: { ...data }, moving: null, handedOff: false };
  raiseHighWater(s, d.id, d.version);
  persistNode(c);
  observe(c, { type: 'installed', desc, keys: Object.keys(data).length });
  s.meta[d.id] = desc;
  markDirty(c, d.id);
  send(c, from, { type: 'transferAck', id: d.id, version: d.version, desc });
}

// ---------------------------------------------------------------------------------------------
// Messages

export function onRequest(c: Step, from: NodeId, m: Extract<StemeMessage, { type: 'request' }>): void {
  const s = c.s;
  const shard = shardOf(m.subject, c.config.shards);
  const r = s.owned[m.rangeId];
  let reason: RefusalReason | null = null;
  if (r === undefined) reason = 'not-owner';
  else if (r.desc.version !== m.version || !covers(r.desc, shard, m.subject)) reason = 'stale-version';
  else if (!serving(c, r)) reason = 'moving';
  if (reason !== null) {
    cover(c, `refused-${reason}`);
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
      if (!fresh) {
        cover(c, 'write-duplicate-answered');
        break;
      }
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
}

export function onTransfer(c: Step, from: NodeId, m: Extract<StemeMessage, { type: 'transfer' }>): void {
  const s = c.s;
  const d = m.desc;
  if (d.owner !== s.self) return; // not for us: ignore
  if ((s.highWater[d.id] ?? 0) >= d.version) {
    // A retransmitted transfer of a version already installed: acknowledged again, not re-installed.
    cover(c, 'transfer-duplicate-acked');
    const held = s.owned[d.id];
    send(c, from, { type: 'transferAck', id: d.id, version: d.version, desc: held !== undefined && held.desc.version === d.version ? held.desc : null });
    return;
  }
  install(c, from, d, m.data);
}

export function onTransferAck(c: Step, m: Extract<StemeMessage, { type: 'transferAck' }>): void {
  const s = c.s;
  if (m.desc !== null) mergeMeta(s.meta, [m.desc], c.byTimestamp);
  const r = s.owned[m.id];
  const before = s.highWater[m.id] ?? 0;
  raiseHighWater(s, m.id, m.version);
  if (r === undefined || r.moving === null || r.moving.version !== m.version || r.handedOff) {
    cover(c, 'transfer-ack-stale');
    if ((s.highWater[m.id] ?? 0) !== before) persistNode(c);
    return;
  }
  finishHandoff(c, m.id, m.version);
}

export function onReplicate(c: Step, m: Extract<StemeMessage, { type: 'replicate' }>): void {
  const s = c.s;
  if (!m.desc.replicas.includes(s.self)) return;
  const held = s.copies[m.desc.id];
  if (held !== undefined && (held.desc.version > m.desc.version || (held.desc.version === m.desc.version && JSON.stringify(held.data) === JSON.stringify(m.data)))) return;
  s.copies[m.desc.id] = { desc: m.desc, data: { ...m.data } };
  persistCopies(c);
}

/** Sends every dirty range that is still ours and stable to its live replicas. */
export function replicate(c: Step): void {
  const s = c.s;
  for (const id of s.dirty) {
    const r = s.owned[id];
    if (r === undefined || r.moving !== null || r.handedOff) continue;
    for (const replica of r.desc.replicas) if (!isDead(s, replica)) send(c, replica, { type: 'replicate', desc: r.desc, data: r.data });
  }
  s.dirty = [];
}
