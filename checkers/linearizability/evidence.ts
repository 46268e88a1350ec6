/**
 * What a linearizability checker keeps when it fires: the failing key's whole history, in
 * `npm run check`'s format, so the verdict can be judged again from the report alone
 * (`npm run check -- REPORT.json`). A kv history is linearizable iff each key's is, so the failing
 * key's operations are the whole evidence.
 */
import type { KvHistory } from '../../core/raft/client.ts';

export interface LinearizabilityEvidence {
  /** The failing key (null: the history has one register and no keys). */
  readonly key: string | null;
  readonly history: KvHistory;
}

/** The history narrowed to one key (the whole history when the key is null). */
export function failingKeyEvidence(history: KvHistory, key: string | null): LinearizabilityEvidence {
  return { key, history: key === null ? history : { model: 'kv', operations: history.operations.filter((o) => o.key === key) } };
}

/** The history a report's violation carries, or null when it carries none. */
export function evidenceHistory(violation: { readonly evidence?: unknown }): unknown {
  const e = violation.evidence;
  if (typeof e !== 'object' || e === null) return null;
  return (e as { history?: unknown }).history ?? null;
}
