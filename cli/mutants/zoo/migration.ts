/**
 * Mutants of live slot migration: the source's batches (sent, acknowledged, deleted, settled, sent
 * again), the key locks, the target's import and its acknowledgement, and the keys a shard keeps
 * while a slot is IMPORTING (core/migration/source.ts, target.ts, routing.ts and their use in
 * core/clusternode/node.ts).
 */
import type { Mutant } from '../types.ts';

export const migrationMutants: readonly Mutant[] = [
  {
    id: 'migration/serve-locked-key',
    rule: 'Keys of a batch on the wire are locked: requests on them get TRYAGAIN until the batch is acknowledged and settled (source.ts step 2, routing.ts; Redis MIGRATE is atomic for the keys it moves, and multi-key requests get -TRYAGAIN)',
    in: 'core/migration',
    find: 'if (Object.hasOwn(view.locked, key)) return { kind: \'tryagain\', slot, reason: \'migrating-key\' };',
    replace: '',
    mistake: 'the lock on a key in flight is never consulted: the source keeps serving it while its copy travels to the target',
  },
  {
    id: 'migration/stale-ack-deletes-batch',
    rule: 'source.ts batchAcknowledged: an acknowledgement counts only for the batch on the wire; an answer to an older batch (a duplicate, or a batch resent since) changes nothing',
    in: 'core/migration',
    find: 'if (m.inFlight === null || m.inFlight.batch !== batch) return null;',
    replace: 'if (m.inFlight === null) return null;',
    mistake: 'the acknowledgement\'s batch number is not compared, so a late or duplicated ack of the previous batch deletes the keys of the one in flight',
  },
  {
    id: 'migration/import-version-swapped',
    rule: 'target.ts importRecords (MIGRATE without REPLACE, by version): a key the target has is kept unless the incoming copy is newer (a higher version)',
    in: 'core/migration',
    find: 'if (mine !== undefined && mine.ver >= record.ver) {',
    replace: 'if (mine !== undefined && record.ver >= mine.ver) {',
    mistake: 'the version comparison has its operands swapped: an older incoming copy replaces the target\'s, a newer one is refused',
  },
  {
    id: 'migration/import-acked-before-replicas',
    rule: 'source.ts step 3: the target stores an imported batch durably, on its replicas too, and only then acknowledges it (node.ts onImport: an import waits like a synchronous write)',
    in: 'core/clusternode',
    find: 's.waiting.push({ kind: \'import\', to: from, mig: m.mig, batch: m.batch, offset: s.repl.offset });',
    replace: 'send(c, from, { t: \'import-ack\', mig: m.mig, batch: m.batch, cv: s.config.version });',
    mistake: 'the target acknowledges an imported batch at once, before its replicas have it',
  },
  {
    id: 'migration/unlock-before-settled',
    rule: 'source.ts step 3: under synchronous replication the deleted keys stay locked until the source\'s replicas have the deletion ("so no failover can resurrect them")',
    in: 'core/clusternode',
    find: 'if (out.settling === null) for (const k of keys) delete s.locked[k];',
    replace: 'for (const k of keys) delete s.locked[k];',
    mistake: 'the source unlocks a batch\'s keys as soon as the target acknowledges it, settling or not',
  },
  {
    id: 'migration/strays-include-importing',
    rule: 'Dirty slots (node.ts dropStrays; cluster.c clusterUpdateSlotsConfigWith): a primary drops the keys of slots its shard neither owns nor imports; an IMPORTING slot\'s keys are the target\'s to keep',
    in: 'core/clusternode',
    find: 'if (m !== undefined && m.target === me.id) continue;',
    replace: 'if (m !== undefined && m.source === me.id) continue;',
    mistake: 'the exemption tests the migration\'s source instead of its target, so the target drops the keys it has imported whenever it reconciles',
  },
  {
    id: 'migration/no-batch-resend',
    rule: 'source.ts: a batch not acknowledged within resendAfterMs is sent again (to the target\'s primary of the moment); importing is idempotent',
    in: 'core/migration',
    find: 'if (m.inFlight !== null) return nowMs - m.inFlight.sentAtMs >= o.resendAfterMs ? { kind: \'resend\' } : { kind: \'idle\' };',
    replace: 'if (m.inFlight !== null) return { kind: \'idle\' };',
    mistake: 'the resend timer is never re-armed: the source waits forever for the ack of a batch or ack that was lost',
  },
];
