/**
 * The replicated key-value store: get, put, append and compare-and-set over string values, with
 * client sessions that make retried writes exactly-once (thesis §6.3).
 *
 * Every write carries its client's id and a sequence number that grows with each new operation of
 * that client (a client has one operation outstanding and retries it with the same number). The
 * store remembers, per client, the last sequence number it executed and its result: a retry of
 * that number gets the cached result without executing again, an older number gets 'stale'.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { Json, StateMachine } from './types.ts';

interface Session {
  readonly client: NodeId;
  readonly seq: number;
}

export type KvCommand =
  | (Session & { readonly op: 'put'; readonly key: string; readonly value: string })
  | (Session & { readonly op: 'append'; readonly key: string; readonly value: string })
  | (Session & { readonly op: 'cas'; readonly key: string; readonly expected: string; readonly value: string })
  /** A read through the log (the alternative to a ReadIndex query). */
  | (Session & { readonly op: 'get'; readonly key: string });

export type KvQuery = { readonly op: 'get'; readonly key: string };

export type KvResult =
  | { readonly type: 'written' }
  | { readonly type: 'value'; readonly value: string | null }
  | { readonly type: 'cas'; readonly succeeded: boolean }
  /** A retry of an operation older than the client's last executed one: not executed again. */
  | { readonly type: 'stale' };

export interface KvState {
  /** key -> value; a key never written is absent. */
  data: Record<string, string>;
  /** client id -> its last executed sequence number and the result it got. */
  sessions: Record<NodeId, { seq: number; result: KvResult }>;
}

function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function set<V>(record: Record<string, V>, key: string, value: V): void {
  // defineProperty, so a key such as "__proto__" is stored as data rather than changing the prototype.
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}

function execute(state: KvState, command: KvCommand): KvResult {
  const current = own(state.data, command.key) ?? null;
  switch (command.op) {
    case 'get':
      return { type: 'value', value: current };
    case 'put':
      set(state.data, command.key, command.value);
      return { type: 'written' };
    case 'append':
      set(state.data, command.key, (current ?? '') + command.value);
      return { type: 'written' };
    case 'cas': {
      const succeeded = current === command.expected;
      if (succeeded) set(state.data, command.key, command.value);
      return { type: 'cas', succeeded };
    }
    default:
      throw new Error(`kv: unknown command ${JSON.stringify(command satisfies never)}`);
  }
}

export const kvStateMachine: StateMachine<KvState, KvCommand, KvQuery, KvResult> = {
  name: 'kv',
  init: () => ({ data: {}, sessions: {} }),
  apply(state, command) {
    const session = own(state.sessions, command.client);
    if (session !== undefined && command.seq <= session.seq) {
      return { state, result: command.seq === session.seq ? session.result : { type: 'stale' } };
    }
    const result = execute(state, command);
    set(state.sessions, command.client, { seq: command.seq, result });
    return { state, result };
  },
  query(state, query) {
    return { type: 'value', value: own(state.data, query.key) ?? null };
  },
  snapshot(state) {
    return JSON.parse(JSON.stringify(state)) as Json;
  },
  restore(snapshot) {
    const copy = JSON.parse(JSON.stringify(snapshot)) as KvState;
    // Rebuild through `set`, so a key such as "__proto__" stays plain data.
    const data: Record<string, string> = {};
    for (const key of Object.keys(copy.data)) set(data, key, copy.data[key] as string);
    const sessions: KvState['sessions'] = {};
    for (const key of Object.keys(copy.sessions)) set(sessions, key, copy.sessions[key] as KvState['sessions'][string]);
    return { data, sessions };
  },
};
