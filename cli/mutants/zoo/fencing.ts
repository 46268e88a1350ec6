/** Mutants of leases and fencing tokens (core/fencing): token order, the storage's check, persisting before answering, the writer's term. */
import type { Mutant } from '../types.ts';

export const fencingMutants: readonly Mutant[] = [
  {
    id: 'fencing/token-seq-high',
    rule: "core/fencing/token.ts (amaters packs the term into a token's high bits): a token is term then sequence, so every token of a later term is larger than every token of an earlier one",
    in: 'core/fencing',
    find: 'return term * TOKEN_STRIDE + seq;',
    replace: 'return seq * TOKEN_STRIDE + term;',
    mistake: 'makeToken packs the sequence into the high part and the term into the low part',
  },
  {
    id: 'fencing/per-key-token',
    rule: "Fencing tokens (Kleppmann, 'How to do distributed locking'; core/fencing/storage.ts): storage refuses any write whose token is lower than the highest token it ever accepted, whatever key that was for",
    in: 'core/fencing',
    find: 'const seen = perWriter ? (s.maxByWriter[from] ?? 0) : s.maxToken;',
    replace: 'const seen = perWriter ? (s.maxByWriter[from] ?? 0) : (s.data[m.key]?.token ?? 0);',
    mistake: "storage compares a write's token with the token of that key's last write, not with the highest token it accepted",
  },
  {
    id: 'fencing/ack-before-persist',
    rule: 'core/fencing/storage.ts: the highest token and the data are persisted (one atomic overwrite) before a write is acknowledged or observed, so a restart never forgets a token it acted on',
    in: 'core/fencing',
    find: "...(fresh ? [{ type: 'persist' as const, write: { op: 'overwrite' as const, file: STORAGE_FILE, records: [JSON.stringify(s)] } }] : []),",
    replace:
      "{ type: 'observe', observation: { type: 'accepted', token: m.token, writer: from, key: m.key } },\n        { type: 'send', to: from, message: { type: 'storeResult', token: m.token, accepted: true, maxToken: s.maxToken } },\n        ...(fresh ? [{ type: 'persist' as const, write: { op: 'overwrite' as const, file: STORAGE_FILE, records: [JSON.stringify(s)] } }] : []),",
    mistake: 'the acceptance is observed and answered before the new highest token is persisted (the original answer and observation follow the write as well: a harmless duplicate)',
  },
  {
    id: 'fencing/writer-term-not-recorded',
    rule: "core/fencing/leader.ts: a leadership's tokens are (term, 1), (term, 2), ...: the writer records the term it writes in and restarts the sequence only when that term changes, so no token is handed out twice",
    in: 'core/fencing',
    find: 's.writerTerm = term;',
    replace: '',
    mistake: 'the writer never records the term it writes in, so the sequence restarts at every write',
  },
];
