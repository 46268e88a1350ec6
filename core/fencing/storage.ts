/**
 * A storage node of the amaters fencing model: a key-value store that takes writes only from a
 * current leader. It remembers the highest fencing token it accepted and refuses any write with
 * a lower one; a write with an equal token is the same write again (a retry) and is accepted
 * again. The highest token and the data are persisted (one atomic overwrite) before a write is
 * acknowledged or observed, so a restart never forgets a token it acted on.
 *
 * The 'per-client-tokens' bug keeps the highest token per writer and compares a write only with
 * its own writer's: a deposed leader's old token is then accepted after its successor's newer one.
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import type { FenceMessage, FenceObservation, FencingBug, StorageState } from './types.ts';

export const STORAGE_FILE = 'storage';

type Out = StepResult<StorageState, FenceMessage, never, FenceObservation>;

export type FenceStorageProtocol = Protocol<StorageState, FenceMessage, never, never, FenceObservation>;

export function fenceStorage(config: { readonly bug: FencingBug | null }): FenceStorageProtocol {
  const perWriter = config.bug === 'per-client-tokens';
  const blank = (): StorageState => ({ maxToken: 0, maxByWriter: {}, data: {} });

  const onStore = (s: StorageState, from: NodeId, m: Extract<FenceMessage, { type: 'store' }>): Out => {
    const seen = perWriter ? (s.maxByWriter[from] ?? 0) : s.maxToken;
    if (m.token < seen) {
      return {
        state: s,
        effects: [
          { type: 'cover', event: 'fencing/store-refused-stale-token' },
          { type: 'observe', observation: { type: 'rejected', token: m.token, writer: from, seen } },
          { type: 'send', to: from, message: { type: 'storeResult', token: m.token, accepted: false, maxToken: s.maxToken } },
        ],
      };
    }
    const held = s.data[m.key];
    const writerMax = Math.max(s.maxByWriter[from] ?? 0, m.token);
    // A retry of a write already stored changes nothing and needs no write to disk.
    const fresh = m.token > s.maxToken || writerMax !== s.maxByWriter[from] || held?.token !== m.token || held.value !== m.value;
    const retried: Effect<FenceMessage, never, FenceObservation>[] = fresh ? [] : [{ type: 'cover', event: 'fencing/store-retry-accepted' }];
    s.maxToken = Math.max(s.maxToken, m.token);
    s.maxByWriter[from] = writerMax;
    s.data[m.key] = { value: m.value, token: m.token };
    return {
      state: s,
      effects: [
        ...retried,
        ...(fresh ? [{ type: 'persist' as const, write: { op: 'overwrite' as const, file: STORAGE_FILE, records: [JSON.stringify(s)] } }] : []),
        { type: 'observe', observation: { type: 'accepted', token: m.token, writer: from, key: m.key } },
        { type: 'send', to: from, message: { type: 'storeResult', token: m.token, accepted: true, maxToken: s.maxToken } },
      ],
    };
  };

  return {
    name: 'fence-storage',
    init: () => blank(),
    step(state: StorageState, input: Input<FenceMessage, never>, _env: Env): Out {
      switch (input.type) {
        case 'start': {
          const record = input.durable[STORAGE_FILE]?.[0];
          const s = record === undefined ? blank() : (JSON.parse(record) as StorageState);
          // A restart that found a token on disk: the refusals after it rest on that record.
          const recovered = s.maxToken > 0 ? [{ type: 'cover' as const, event: 'fencing/storage-recovered-token' }] : [];
          return { state: s, effects: [...recovered, { type: 'observe', observation: { type: 'role', role: 'storage' } }] };
        }
        case 'message': {
          const m = input.message;
          if (typeof m !== 'object' || m === null) return { state, effects: [] };
          switch (m.type) {
            case 'store':
              return onStore(state, input.from, m);
            case 'write':
            case 'writeResult':
            case 'storeResult':
              return { state, effects: [] };
            default:
              return assertNever(m, 'message');
          }
        }
        case 'timer':
          throw new Error(`fence storage: unexpected timer ${input.timer}`);
        case 'command':
          return { state, effects: [] };
        default:
          return assertNever(input, 'input');
      }
    },
  };
}
