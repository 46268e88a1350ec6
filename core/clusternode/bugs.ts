/** Known, documented bugs of the cluster node and its client, switched on with `--bug NAME`. */
import type { BugInfo } from '../contract/protocol.ts';

export type ClusterBug = 'migrating-exit-early' | 'importing-without-asking' | 'double-vote' | 'promote-without-raft' | 'ask-updates-cache';

export const CLUSTER_BUGS: readonly (BugInfo & { readonly name: ClusterBug })[] = [
  { name: 'migrating-exit-early', description: 'the source proposes SETSLOT NODE (leaves MIGRATING) before its last batch has gone: those keys stay behind on a node that no longer owns their slot' },
  { name: 'importing-without-asking', description: 'the target serves a slot in IMPORTING without ASKING: it answers for keys the source still holds' },
  { name: 'double-vote', description: 'a voter grants a second vote in an epoch it already voted in: two replicas can win one epoch' },
  { name: 'promote-without-raft', description: 'the election winner acts as primary at once, without the Raft-committed promotion (and without a lease)' },
  { name: 'ask-updates-cache', description: 'the client updates its slot cache on ASK (as if it were MOVED): its next request for the slot goes to the target without ASKING' },
];

export const CLUSTER_BUG_NAMES: readonly ClusterBug[] = CLUSTER_BUGS.map((b) => b.name);

export function isClusterBug(name: string): name is ClusterBug {
  return (CLUSTER_BUG_NAMES as readonly string[]).includes(name);
}
