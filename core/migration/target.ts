/**
 * The target side of a live slot migration: importing a batch of keys (MIGRATE without REPLACE,
 * by version). A key the target does not have is taken; a key it already has is kept unless the
 * incoming copy is newer (a higher version). The second case happens when a batch is resent, and
 * when a source primary that failed over resumes a migration whose earlier batches had arrived.
 * Either way the source may drop its copy afterwards: the target holds the newest one.
 */
import { type KeyRecord, type Store, getRecord, setRecord } from './store.ts';

export interface ImportOutcome {
  /** Keys written here, with their records (to replicate and persist). */
  readonly applied: readonly (readonly [string, KeyRecord])[];
  /** Keys already here at the same or a newer version (Redis: BUSYKEY), kept as they are. */
  readonly kept: readonly string[];
}

export function importRecords(store: Store, records: readonly (readonly [string, KeyRecord])[]): ImportOutcome {
  const applied: (readonly [string, KeyRecord])[] = [];
  const kept: string[] = [];
  for (const [key, record] of records) {
    const mine = getRecord(store, key);
    if (mine !== undefined && mine.ver >= record.ver) {
      kept.push(key);
      continue;
    }
    setRecord(store, key, record);
    applied.push([key, record]);
  }
  return { applied, kept };
}
