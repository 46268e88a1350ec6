/**
 * Range maintenance by size, run every few ticks by the owner alone: splits (over
 * splitAboveBytes, two keys or more), merges of adjacent ranges of one shard (under
 * mergeBelowBytes together), then at most one colocation handoff (a small range moves to the owner
 * of its left neighbour, so they can merge; ranges only ever move left for this, so they don't
 * ping-pong). One durable write for all of them, before anything is announced.
 */
import type { NodeId } from '../../contract/protocol.ts';
import { metaList, type RangeDesc } from '../descriptor.ts';
import type { OwnedRange, RangeData } from '../types.ts';
import { cover, injectOwned, isDead, isStable, markDirty, observe, persistNode, raiseHighWater, rangeSize, type Step } from './context.ts';
import { announceHandoff, startHandoff } from './ranges.ts';

export function maintain(c: Step): void {
  const s = c.s;
  const { config } = c;
  const installed: RangeDesc[] = [];
  const retired: RangeDesc[] = [];
  const stable = (id: string) => isStable(s.owned[id]);
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
    cover(c, 'range-split');
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
      cover(c, 'range-merged');
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
  if (handoff !== null) {
    cover(c, 'colocation-handoff');
    startHandoff(c, handoff.id, handoff.to);
  }
  if (installed.length === 0 && retired.length === 0 && handoff === null) return;
  persistNode(c);
  for (const d of installed) {
    observe(c, { type: 'installed', desc: d, keys: Object.keys(s.owned[d.id]!.data).length });
    markDirty(c, d.id);
  }
  for (const d of retired) observe(c, { type: 'retired', desc: d });
  injectOwned(s);
  if (handoff !== null) announceHandoff(c, handoff.id);
}
