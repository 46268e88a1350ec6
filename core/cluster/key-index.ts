/**
 * Which keys a node holds, grouped by hash slot: what CLUSTER COUNTKEYSINSLOT and
 * CLUSTER GETKEYSINSLOT read, what SETSLOT NODE checks ("while I still hold keys"), and what a
 * slot migration walks.
 *
 * Plain data: per non-empty slot, the sorted list of its keys (JavaScript string order, i.e. by
 * UTF-16 code unit). Sorted order makes GETKEYSINSLOT deterministic, where Redis returns its
 * dict order. Updates copy only the one slot's list they touch.
 */
import { keySlot, isValidSlot } from '../slots/index.ts';

export interface SlotKeyIndex {
  /** Keys per non-empty slot, sorted and distinct. Slots without keys are absent. */
  readonly slots: Readonly<Record<number, readonly string[]>>;
  /** Total number of keys. */
  readonly size: number;
}

export const EMPTY_KEY_INDEX: SlotKeyIndex = Object.freeze({ slots: Object.freeze({}), size: 0 });

export function keyIndexOf(keys: Iterable<string>): SlotKeyIndex {
  let index = EMPTY_KEY_INDEX;
  for (const key of keys) index = addKey(index, key);
  return index;
}

export function hasKey(index: SlotKeyIndex, key: string): boolean {
  const keys = keysOf(index, keySlot(key));
  return keys[lowerBound(keys, key)] === key;
}

/** Adds `key` (no change if present). */
export function addKey(index: SlotKeyIndex, key: string): SlotKeyIndex {
  const slot = keySlot(key);
  const keys = keysOf(index, slot);
  const at = lowerBound(keys, key);
  if (keys[at] === key) return index;
  const next = [...keys.slice(0, at), key, ...keys.slice(at)];
  return { slots: { ...index.slots, [slot]: next }, size: index.size + 1 };
}

/** Removes `key` (no change if absent). */
export function removeKey(index: SlotKeyIndex, key: string): SlotKeyIndex {
  const slot = keySlot(key);
  const keys = keysOf(index, slot);
  const at = lowerBound(keys, key);
  if (keys[at] !== key) return index;
  const slots: Record<number, readonly string[]> = { ...index.slots };
  if (keys.length === 1) delete slots[slot];
  else slots[slot] = [...keys.slice(0, at), ...keys.slice(at + 1)];
  return { slots, size: index.size - 1 };
}

export function countKeysInSlot(index: SlotKeyIndex, slot: number): number {
  return keysOf(index, slot).length;
}

/** Up to `count` keys of `slot`, in sorted order. */
export function getKeysInSlot(index: SlotKeyIndex, slot: number, count: number): string[] {
  if (!(count >= 0)) throw new RangeError(`count must be >= 0, got ${count}`);
  return keysOf(index, slot).slice(0, count);
}

function keysOf(index: SlotKeyIndex, slot: number): readonly string[] {
  if (!isValidSlot(slot)) throw new RangeError(`slot out of range: ${slot}`);
  return (Object.hasOwn(index.slots, slot) ? index.slots[slot] : undefined) ?? [];
}

/** First position whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
