/**
 * Mutants of the cluster node (core/clusternode): replication with offsets, partial and full
 * resynchronisation, synchronous replication (WAIT) and what waits for it, the data plane's serve
 * path, promotion handling; the smart client's redirects (client.ts); MOVED/ASK/TRYAGAIN routing
 * (core/migration/routing.ts); and the configuration commands (core/cluster-config/config.ts).
 */
import type { Mutant } from '../types.ts';

export const clusterMutants: readonly Mutant[] = [
  // --- replication -------------------------------------------------------------------------------
  {
    id: 'cluster/psync-ignores-replid',
    rule: 'Redis PSYNC (replication.c, masterTryPartialResynchronization): a partial resync continues only the stream the replica followed (same replication id) from an offset still in the backlog; otherwise a full resync (node.ts onPsync)',
    in: 'core/clusternode',
    find: 'if (m.replId === r.replId && m.offset <= r.offset && m.offset >= first - 1) {',
    replace: 'if (m.offset <= r.offset && m.offset >= first - 1) {',
    mistake: 'the primary grants a partial resync on the offset alone, so a replica (or demoted primary) that followed another stream keeps its divergent entries',
  },
  {
    id: 'cluster/promoted-keeps-replid',
    rule: 'Redis PSYNC2 (shiftReplicationId): a promoted replica starts a new replication id, so no node can mistake the new history for the old one beyond the promotion offset (node.ts becomePrimary: replId = self@configEpoch)',
    in: 'core/clusternode',
    find: 'r.replId = `${s.self}@${me.configEpoch}`;',
    replace: '',
    mistake: 'the promoted replica keeps writing under the replication id of the stream it followed',
  },
  // --- synchronous replication (WAIT) -----------------------------------------------------------
  {
    id: 'cluster/wait-counts-silent-replica',
    rule: 'WAIT for every replica (node.ts ackedOffset: the offset every replica of the shard has acknowledged; Redis replicationCountAcksByOffset counts only replicas whose acknowledged offset reaches the write)',
    in: 'core/clusternode',
    find: 'min = Math.min(min, s.repl.acks[r] ?? 0);',
    replace: 'min = Math.min(min, s.repl.acks[r] ?? s.repl.offset);',
    mistake: 'a replica that has not acknowledged anything yet in this stream (after a restart or a promotion) is taken to be up to date',
  },
  {
    id: 'cluster/wait-release-off-by-one',
    rule: 'Synchronous replication: a write is acknowledged to its client only once every replica acknowledged an offset at or beyond the write\'s own (node.ts releaseWaiting)',
    in: 'core/clusternode',
    find: 'if (w.offset <= acked) {',
    replace: 'if (w.offset <= acked + 1) {',
    mistake: 'off by one between "acknowledged up to" and "next expected": the newest write is acknowledged one entry before the replicas have it',
  },
  {
    id: 'cluster/read-skips-wait',
    rule: 'Synchronous replication serves a key only once its last write is on every replica: a read of a pending key waits (node.ts holdEveryKey / serve; cluster seed 688: a dirty read of a write the next failover loses)',
    in: 'core/clusternode',
    find: 'const waitForKey = o.syncReplication && Object.hasOwn(s.repl.pendingKeys, op.key);',
    replace: 'const waitForKey = o.syncReplication && op.op !== \'get\' && Object.hasOwn(s.repl.pendingKeys, op.key);',
    mistake: 'only retried writes wait for the replicas; a plain read of a key whose last write is not yet replicated is answered at once',
  },
  // --- the client's redirects -------------------------------------------------------------------
  {
    id: 'cluster/client-accepts-stale-reply',
    rule: 'A cluster client takes as the answer of an operation only the reply to the request it is waiting for (client.ts: `send`, the send the client waits for); a late reply to an earlier attempt or operation is dropped',
    in: 'core/clusternode',
    find: 'if (m.t !== \'res\' || cur === null || m.send !== cur.send) break;',
    replace: 'if (m.t !== \'res\' || cur === null) break;',
    mistake: 'the client matches replies by type only, so a delayed or duplicated reply to an earlier request completes the current operation',
  },
  {
    id: 'cluster/client-ask-without-asking',
    rule: 'Redis Cluster specification, ASK redirection: the client sends ASKING to the node named, then the command; without ASKING the importing node answers MOVED to the owner',
    in: 'core/clusternode',
    find: 'sendReq(s, fx, r.node, true, null);',
    replace: 'sendReq(s, fx, r.node, false, null);',
    mistake: 'the client follows ASK to the target but forgets to send ASKING first',
  },
  // --- routing ------------------------------------------------------------------------------------
  {
    id: 'cluster/migrating-serves-absent-key',
    rule: 'Redis Cluster specification (getNodeByQuery): in a MIGRATING slot the source serves a key it still holds and answers ASK <target> for a key it does not have, existing or not (routing.ts)',
    in: 'core/migration',
    find: 'if (hasKey(view.store, key)) return { kind: \'serve\', slot };',
    replace: 'return { kind: \'serve\', slot };',
    mistake: 'the source serves a MIGRATING slot like a stable one: no ASK for the keys already handed over',
  },
  {
    id: 'cluster/adopt-older-config',
    rule: 'A node acts on the newest committed configuration it knows: a configuration whose version is not above its own is ignored (node.ts adoptConfig; Redis accepts slot ownership only from a greater configEpoch, clusterUpdateSlotsConfigWith)',
    in: 'core/clusternode',
    find: 'if (next.version <= s.config.version) return;',
    replace: 'if (next.version === s.config.version) return;',
    mistake: 'only the same version is ignored, so a delayed push or pull answer of an older configuration replaces the newer one',
  },
  // --- the configuration commands -------------------------------------------------------------------
  {
    id: 'cluster/promote-skips-failed-check',
    rule: 'config.ts applyConfigCommand: a promotion applies only while the primary it replaces is still the shard\'s primary ("a promotion of a primary that was replaced meanwhile changes nothing and says why")',
    in: 'core/cluster-config',
    find: 'if (shard.primary !== cmd.failed) return refuse(config, `the primary of ${shard.id} is ${shard.primary}, not ${cmd.failed}`);',
    replace: '',
    mistake: 'the promotion does not check that the node it replaces is still the primary, so a second, stale promotion of the same shard is applied too',
  },
  {
    id: 'cluster/promote-epoch-not-bumped',
    rule: 'config.ts promote: "every promotion takes an epoch above every epoch handed out before: config epochs stay unique" (Redis: failover_auth_epoch = ++currentEpoch, and configEpoch collisions are resolved)',
    in: 'core/cluster-config',
    find: 'const epoch = Math.max(config.currentEpoch + 1, cmd.electionEpoch ?? 0);',
    replace: 'const epoch = cmd.electionEpoch ?? config.currentEpoch + 1;',
    mistake: 'the promotion takes the election\'s epoch as it is, though the configuration may have handed that epoch (or a later one) out since the election began',
  },
  {
    id: 'cluster/finish-reuses-epoch',
    rule: 'config.ts migrate-finish: SETSLOT NODE gives the target the range with a fresh epoch, as Redis\'s importing node bumps its configEpoch (cluster.c clusterBumpConfigEpochWithoutConsensus)',
    in: 'core/cluster-config',
    find: 'const epoch = config.currentEpoch + 1;',
    replace: 'const epoch = config.currentEpoch;',
    mistake: 'off by one: the target takes the current epoch, which another shard already holds, instead of a new one',
  },
];
