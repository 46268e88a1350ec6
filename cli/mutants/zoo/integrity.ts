/**
 * Mutants of the write-ahead logs and the sealed log: recovery of torn and corrupt tails (the
 * sealed log of core/integrity, the maxgossip example's checksummed records), and the sealed log's
 * authentication and replay checks (frame MAC, incarnation and term binding).
 */
import type { Mutant } from '../types.ts';

export const integrityMutants: readonly Mutant[] = [
  {
    id: 'wal/truncate-keeps-bad-record',
    rule: "amaters' WAL corruption policy (core/integrity/log.ts): at a restart the first record that fails verification and every record after it are truncated, on disk as in memory",
    in: 'core/integrity',
    find: "write: { op: 'truncate', file: LOG_FILE, keep: k } }",
    replace: "write: { op: 'truncate', file: LOG_FILE, keep: k + 1 } }",
    mistake: 'the repair keeps k + 1 records, so the bad record stays on disk (memory drops it) and later appends land after it',
  },
  {
    id: 'wal/checksum-skips-last-char',
    rule: 'core/maxgossip: a record is `<value>:<FNV-1a of the value>` and recovery trusts only a record whose checksum holds, so the checksum must cover every character of the body',
    in: 'core/maxgossip',
    find: 'for (let i = 0; i < text.length; i++)',
    replace: 'for (let i = 0; i < text.length - 1; i++)',
    mistake: 'the checksum loop stops one character short, so a record whose last digit rotted still checks out',
  },
  {
    id: 'wal/torn-tail-resets',
    rule: 'core/maxgossip (persist-then-announce): at a restart a torn or corrupt tail is skipped and the last record that checks out wins, since only the write in flight at a crash can be damaged and it was never announced',
    in: 'core/maxgossip',
    find: 'badRecords++;',
    replace: 'break;',
    mistake: 'recovery gives up at the first bad record from the end and starts from zero instead of reading the record before it',
  },
  {
    id: 'seal/append-to-earlier-life',
    rule: 'core/integrity/log.ts replay safety: an append names the replica incarnation it is for, and one addressed to any other life (an earlier one: a replay or a late message) is refused without a change of state',
    in: 'core/integrity',
    find: 'if (h.toInc !== s.inc) {',
    replace: 'if (h.toInc > s.inc) {',
    mistake: 'the incarnation check refuses only appends to a later incarnation, so one addressed to an earlier life is applied',
  },
  {
    id: 'seal/status-from-earlier-term',
    rule: 'core/integrity/log.ts replay safety: a status names the primary term it answers, and the primary refuses a status for any other term (one from before its restart)',
    in: 'core/integrity',
    find: 'if (h.toTerm !== s.inc)',
    replace: 'if (h.toTerm > s.inc)',
    mistake: "the primary refuses only a status for a later term, so a status answering its previous life updates its view of the replica",
  },
  {
    id: 'seal/header-mac-result-ignored',
    rule: "core/integrity/frame.ts: a frame's header (term, incarnation, prevIndex) is authenticated by HMAC-SHA256 and a frame whose header MAC does not match is refused before anything in it is used",
    in: 'core/integrity',
    find: "if (!timingSafeEqual(headerMac(keys, json), mac)) return { ok: false, reason: 'header HMAC mismatch' };",
    replace: 'timingSafeEqual(headerMac(keys, json), mac);',
    mistake: "the header MAC is compared but the comparison's result is ignored",
  },
];
