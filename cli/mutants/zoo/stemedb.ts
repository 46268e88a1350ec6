/**
 * Mutants of stemedb (core/stemedb, core/hashing/ranges.ts): the gateway's routing and dead-node
 * invalidation, and the node's range split, merge and handoff.
 */
import type { Mutant } from '../types.ts';

export const stemedbMutants: readonly Mutant[] = [
  {
    id: 'gateway/route-to-dead-after-regossip',
    rule: 'core/stemedb/gateway.ts: a gateway never routes to a node its SWIM member holds dead; it pulls a fresh map from a live node and tries again later (dropping the dead node\'s cached ranges is not enough: gossip from nodes that still name it brings them back)',
    in: 'core/stemedb',
    find: 'if (d === null || (c.invalidates && isDead(s, d.owner!))) {',
    replace: 'if (d === null) {',
    mistake: "the router relies on the invalidated cache and drops the is-the-owner-dead test",
  },
  {
    id: 'gateway/maybe-applied-overwritten',
    rule: 'core/stemedb/gateway.ts: a write whose attempt went unanswered may have been applied; the failure of the operation reports maybeApplied when any attempt went unanswered (an indeterminate outcome, as Jepsen\'s :info)',
    in: 'core/stemedb',
    find: "if (op.awaiting !== null && op.op !== 'get') op.maybeApplied = true;",
    replace: "op.maybeApplied = op.awaiting !== null && op.op !== 'get';",
    mistake: 'each timeout sets maybeApplied from that attempt alone (= instead of ||=), so a later backoff timer clears it',
  },
  {
    id: 'stemedb/split-key-to-left',
    rule: 'core/stemedb/node.ts split: the left half is [startKey, splitKey) and the right half [splitKey, endKey), and each subject\'s data goes to the half that covers it',
    in: 'core/stemedb',
    find: '(k < splitKey ? leftData : rightData)[k]',
    replace: '(k <= splitKey ? leftData : rightData)[k]',
    mistake: "the split key's own data goes to the left half, which does not cover it",
  },
  {
    id: 'stemedb/merge-keeps-version',
    rule: "core/stemedb/descriptor.ts: a descriptor's version grows by one at every change of the range (split, merge, handoff), so gossip (higher version wins) replaces every stale copy",
    in: 'core/stemedb',
    find: 'endKey: right.desc.endKey, version: left.desc.version + 1',
    replace: 'endKey: right.desc.endKey, version: left.desc.version',
    mistake: "the merged range keeps the left range's version",
  },
  {
    id: 'stemedb/handoff-accepts-own-version',
    rule: 'core/stemedb/node.ts handoff: the receiver ignores (but acknowledges) a transfer at or below the highest version of the range it ever held (highWater), so a late retransmission cannot resurrect an old version',
    in: 'core/stemedb',
    find: 'if ((s.highWater[d.id] ?? 0) >= d.version) {',
    replace: 'if ((s.highWater[d.id] ?? 0) > d.version) {',
    mistake: 'the receiver ignores only transfers below its high-water version, so a retransmission of the version it already installed is installed again',
  },
  {
    id: 'stemedb/range-plan-merges-across-owners',
    rule: 'core/hashing/ranges.ts (stemedb: "Ranges can split (>64MB) or merge (<20MB combined)"): only adjacent ranges with the same owner are merged; a range must be moved to its neighbour\'s owner first',
    in: 'core/hashing',
    find: 'next.owner === range.owner &&',
    replace: '',
    mistake: 'the maintenance plan merges adjacent small ranges without checking that one node owns both',
    equivalent:
      'no run executes it: planRangeMaintenance (like splitRange, mergeRanges and routeKey of ranges.ts) is called only by core/hashing/ranges.test.ts; the stemedb node splits and merges ranges itself (node.ts maintain), and scenarios/stemedb.ts takes only SPLIT_THRESHOLD_BYTES and MERGE_THRESHOLD_BYTES from core/hashing. The battery runs the stemedb and isr scenarios only because relevant.ts follows the re-export in core/hashing/index.ts',
  },
];
