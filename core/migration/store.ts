/**
 * A node's data: a key-value store grouped by hash slot, with the per-slot key index of
 * core/cluster (what CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT read and what a migration walks).
 *
 * Each key carries a version (incremented by every write, carried along when the key is
 * replicated or migrated) and a small per-client session table: the last operation number each
 * client executed on this key, with its result. A client retries a write with the same number, so
 * a retry that reaches the key again (on the same node, a promoted replica or a migration target)
 * is answered from the table instead of being executed twice.
 *
 * The store is plain JSON and a step owns it: the functions here mutate it in place.
 */
import { keySlot, type SlotRange } from '../slots/index.ts';
import { addKey, removeKey, type SlotKeyIndex, EMPTY_KEY_INDEX } from '../cluster/key-index.ts';

/** What one client last did to a key: its operation number and the result ('ok', or 't'/'f' for a cas). */
export type Session = readonly [seq: number, result: string];

export interface KeyRecord {
  readonly v: string;
  /** Writes applied to this key so far (across nodes: it travels with the key). */
  readonly ver: number;
  /** Client number -> its last operation on this key. At most one entry per client. */
  readonly w: Readonly<Record<string, Session>>;
}

export interface Store {
  /** key -> record. */
  records: Record<string, KeyRecord>;
  index: SlotKeyIndex;
}

export type DataOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string; readonly value: string };

export type DataOutput = string | null | boolean;

export function emptyStore(): Store {
  return { records: {}, index: EMPTY_KEY_INDEX };
}

export function getRecord(store: Store, key: string): KeyRecord | undefined {
  return Object.hasOwn(store.records, key) ? store.records[key] : undefined;
}

export function hasKey(store: Store, key: string): boolean {
  return Object.hasOwn(store.records, key);
}

/** Sets or (record null) deletes a key, keeping the slot index in step. */
export function setRecord(store: Store, key: string, record: KeyRecord | null): void {
  if (record === null) {
    if (!Object.hasOwn(store.records, key)) return;
    delete store.records[key];
    store.index = removeKey(store.index, key);
    return;
  }
  const fresh = !Object.hasOwn(store.records, key);
  // defineProperty, so a key such as "__proto__" is stored as data.
  Object.defineProperty(store.records, key, { value: record, writable: true, enumerable: true, configurable: true });
  if (fresh) store.index = addKey(store.index, key);
}

/** Builds a store from records (a full sync, a recovered snapshot). */
export function storeOf(records: Readonly<Record<string, KeyRecord>>): Store {
  const store = emptyStore();
  for (const key of Object.keys(records).sort()) setRecord(store, key, records[key]!);
  return store;
}

/** Non-empty slots of the index inside `range`, ascending. */
export function slotsWithKeys(store: Store, range: SlotRange): number[] {
  const out: number[] = [];
  for (const text of Object.keys(store.index.slots)) {
    const slot = Number(text);
    if (slot >= range.start && slot <= range.end) out.push(slot);
  }
  return out.sort((a, b) => a - b);
}

/** Up to `limit` keys in `range`, by slot then key (CLUSTER GETKEYSINSLOT over the range), skipping `skip`. */
export function keysInRange(store: Store, range: SlotRange, limit: number, skip: (key: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const slot of slotsWithKeys(store, range)) {
    for (const key of store.index.slots[slot] ?? []) {
      if (out.length >= limit) return out;
      if (!skip(key)) out.push(key);
    }
  }
  return out;
}

export function countKeysInRange(store: Store, range: SlotRange): number {
  let n = 0;
  for (const slot of slotsWithKeys(store, range)) n += (store.index.slots[slot] ?? []).length;
  return n;
}

/** Every key of the store, sorted. */
export function allKeys(store: Store): string[] {
  return Object.keys(store.records).sort();
}

export interface Execution {
  readonly output: DataOutput;
  /** The new record, or null when nothing was written (a get, or a retry answered from the session table). */
  readonly record: KeyRecord | null;
  /** The client had already executed this operation on this key: the cached result is returned. */
  readonly duplicate: boolean;
}

/**
 * Runs an operation of client `client` numbered `seq` against a key's record (undefined: the key
 * is missing). Writes record the session; a retry of the last recorded write returns its result.
 */
export function execute(record: KeyRecord | undefined, op: DataOp, client: number, seq: number): Execution {
  const current = record?.v ?? null;
  if (op.op === 'get') return { output: current, record: null, duplicate: false };
  const session = record === undefined ? undefined : Object.hasOwn(record.w, String(client)) ? record.w[String(client)] : undefined;
  if (session !== undefined && seq <= session[0]) {
    const cached: DataOutput = session[1] === 't' ? true : session[1] === 'f' ? false : null;
    return { output: seq === session[0] ? cached : null, record: null, duplicate: true };
  }
  let value: string;
  let result: string;
  switch (op.op) {
    case 'put':
      value = op.value;
      result = 'ok';
      break;
    case 'append':
      value = (current ?? '') + op.value;
      result = 'ok';
      break;
    case 'cas':
      // A failed cas writes nothing and needs no session entry: executing it again on a retry is
      // the same as executing it once, later (its result never reached the client).
      if (current !== op.expected) return { output: false, record: null, duplicate: false };
      value = op.value;
      result = 't';
      break;
    default: {
      const never: never = op;
      throw new Error(`unknown op ${JSON.stringify(never)}`);
    }
  }
  const w = { ...(record?.w ?? {}), [String(client)]: [seq, result] as Session };
  return { output: result === 't' ? true : result === 'ok' ? null : false, record: { v: value, ver: (record?.ver ?? 0) + 1, w }, duplicate: false };
}

export function slotOfKey(key: string): number {
  return keySlot(key);
}
