/**
 * A node's keyspace for the string commands: key -> value, grouped by hash slot, with the per-slot
 * key index of core/cluster (what CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT and SETSLOT NODE read).
 *
 * Plain JSON and immutable: an update copies only the one slot's table it touches, so a state
 * can be kept (a transcript, a test) while the next one is built.
 */
import { EMPTY_KEY_INDEX, type SlotKeyIndex, addKey, removeKey } from '../cluster/key-index.ts';
import { keySlot } from '../slots/index.ts';

export interface Keyspace {
  /** Values per non-empty slot. */
  readonly slots: Readonly<Record<number, Readonly<Record<string, string>>>>;
  readonly index: SlotKeyIndex;
}

export const EMPTY_KEYSPACE: Keyspace = Object.freeze({ slots: Object.freeze({}), index: EMPTY_KEY_INDEX });

export function getValue(keyspace: Keyspace, key: string): string | null {
  const table = tableOf(keyspace, keySlot(key));
  return table !== undefined && Object.hasOwn(table, key) ? table[key]! : null;
}

export function keyExists(keyspace: Keyspace, key: string): boolean {
  return getValue(keyspace, key) !== null;
}

/** Sets `key` to `value` (a string; null deletes it). */
export function setValue(keyspace: Keyspace, key: string, value: string | null): Keyspace {
  const slot = keySlot(key);
  const table = tableOf(keyspace, slot);
  const present = table !== undefined && Object.hasOwn(table, key);
  if (value === null && !present) return keyspace;
  const copy: Record<string, string> = {};
  for (const [k, v] of Object.entries(table ?? {})) if (k !== key) define(copy, k, v);
  if (value !== null) define(copy, key, value);
  const slots: Record<number, Readonly<Record<string, string>>> = { ...keyspace.slots };
  if (Object.keys(copy).length === 0) delete slots[slot];
  else slots[slot] = copy;
  const index = value === null ? removeKey(keyspace.index, key) : present ? keyspace.index : addKey(keyspace.index, key);
  return { slots, index };
}

/** Every key and value, sorted by slot then key (the order of a deterministic dump). */
export function entries(keyspace: Keyspace): [string, string][] {
  const out: [string, string][] = [];
  for (const slot of Object.keys(keyspace.index.slots).map(Number).sort((a, b) => a - b)) {
    for (const key of keyspace.index.slots[slot]!) out.push([key, getValue(keyspace, key)!]);
  }
  return out;
}

function tableOf(keyspace: Keyspace, slot: number): Readonly<Record<string, string>> | undefined {
  return Object.hasOwn(keyspace.slots, slot) ? keyspace.slots[slot] : undefined;
}

/** A key such as "__proto__" is stored as data. */
function define(table: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(table, key, { value, writable: true, enumerable: true, configurable: true });
}
