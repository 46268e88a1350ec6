/**
 * Raft's rules checked at the moment they act, not only by the states they leave: each action the
 * paper puts a precondition on is looked at when it happens, against what the whole world knows
 * (every server's state, including the last one of a server that is down now).
 *
 *   elected-by-majority   Figure 2, Candidates: a server becomes leader only with the votes of a
 *                         majority of its configuration's voters, cast for it in that term
 *   commit-on-majority    Figure 2, Leaders 4: a leader moves its commit index to N only when a
 *                         majority of its configuration's voters hold its entry at N, and only
 *                         through an entry of its own term (§5.4.2, Figure 8)
 *   commit-and-apply-bounds  AppendEntries receiver 5: commitIndex never runs past the log; All
 *                         Servers: only committed entries are applied (lastApplied <= commitIndex)
 *
 * Each has `clone()` for the explorer.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { entryAt, lastIndex } from '../core/raft/log.ts';
import type { RaftObservation, RaftState } from '../core/raft/types.ts';
import { raftStateRuleCheckers } from './raft-state-rules.ts';

type ServerState = RaftState<unknown, unknown, unknown>;

function serverState(n: NodeView): ServerState | null {
  return n.role === 'server' && n.status !== 'down' && n.state !== undefined ? (n.state as ServerState) : null;
}

function raftObservation(o: unknown): RaftObservation | null {
  return typeof o === 'object' && o !== null && typeof (o as { kind?: unknown }).kind === 'string' ? (o as RaftObservation) : null;
}

const majorityOf = (voters: readonly NodeId[]) => Math.floor(voters.length / 2) + 1;

/** Who voted for whom in which term, as the servers' states showed it after each event and as they wrote it to disk. */
function electedByMajorityFrom(votes: Map<NodeId, Map<number, NodeId>>): InvariantChecker {
  return {
    name: 'elected-by-majority',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s === null || s.votedFor === null) continue;
        let mine = votes.get(n.id);
        if (mine === undefined) votes.set(n.id, (mine = new Map()));
        if (mine.get(s.currentTerm) !== s.votedFor) mine.set(s.currentTerm, s.votedFor);
      }
    },
    onObservation(node, observation, world) {
      const o = raftObservation(observation);
      // A vote on disk counts even when its voter goes down in the same event (its state is gone then).
      if (o?.kind === 'persistedMeta' && o.votedFor !== null) {
        let mine = votes.get(node);
        if (mine === undefined) votes.set(node, (mine = new Map()));
        mine.set(o.term, o.votedFor);
        return;
      }
      if (o?.kind !== 'becameLeader') return;
      const s = serverState(world.node(node));
      if (s === null) return;
      const voters = s.membership.voters;
      // Its own vote is in its state already; the others' were seen after earlier events.
      const granted = voters.filter((v) => (v === node ? s.votedFor === node : votes.get(v)?.get(o.term) === node));
      if (granted.length < majorityOf(voters)) {
        return `${node} became leader of term ${o.term} with ${granted.length} of its ${voters.length} voters' votes on record (${granted.join(', ') || 'none'}); a majority is ${majorityOf(voters)}`;
      }
    },
    clone() {
      return electedByMajorityFrom(new Map([...votes].map(([id, m]) => [id, new Map(m)])));
    },
  };
}

export function electedByMajority(): InvariantChecker {
  return electedByMajorityFrom(new Map());
}

/**
 * A leader's commit: a majority of its voters hold its entry at the new commit index. A server
 * that is down counts with the state it had when it went down (it persisted an entry before it
 * acknowledged it, and the check is about what it acknowledged).
 */
function commitOnMajorityFrom(lastSeen: Map<NodeId, ServerState>): InvariantChecker {
  return {
    name: 'commit-on-majority',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s !== null) lastSeen.set(n.id, s);
      }
    },
    onObservation(node, observation, world) {
      const o = raftObservation(observation);
      if (o?.kind !== 'committed') return;
      const leader = serverState(world.node(node));
      if (leader === null || leader.role !== 'leader' || leader.currentTerm !== o.term) return;
      const n = o.commitIndex;
      const mine = entryAt(leader.log, n);
      if (mine === undefined) return; // compacted already: committed long ago
      // §5.4.2: the commit point moves only through an entry of the leader's own term.
      if (mine.term !== leader.currentTerm) return `leader ${node} of term ${leader.currentTerm} committed index ${n}, an entry of term ${mine.term}, counting replicas (Figure 8: only entries of the current term are committed that way)`;
      const voters = leader.membership.voters;
      const holders = voters.filter((v) => {
        const s = v === node ? leader : (serverState(world.node(v)) ?? lastSeen.get(v));
        if (s === undefined) return false;
        if (n <= s.log.snapshotIndex) return true;
        const e = entryAt(s.log, n);
        return e !== undefined && e.term === mine.term && e.hash === mine.hash;
      });
      if (holders.length < majorityOf(voters)) {
        return `leader ${node} of term ${leader.currentTerm} committed index ${n} held by ${holders.length} of its ${voters.length} voters (${holders.join(', ')}); a majority is ${majorityOf(voters)}`;
      }
    },
    clone() {
      return commitOnMajorityFrom(new Map(lastSeen));
    },
  };
}

export function commitOnMajority(): InvariantChecker {
  return commitOnMajorityFrom(new Map());
}

/** commitIndex within the log, lastApplied within commitIndex, on every server after every event. */
export function commitAndApplyBounds(): InvariantChecker {
  const check: InvariantChecker = {
    name: 'commit-and-apply-bounds',
    kind: 'safety',
    afterEvent(world: WorldView) {
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s === null || !s.started) continue;
        if (s.commitIndex > lastIndex(s.log)) return `${n.id}'s commitIndex ${s.commitIndex} is past its last entry ${lastIndex(s.log)}`;
        if (s.lastApplied > s.commitIndex) return `${n.id} applied up to ${s.lastApplied} with commitIndex ${s.commitIndex}: only committed entries may be applied`;
      }
    },
    clone: () => commitAndApplyBounds(),
  };
  return check;
}

/** Every rule checker, with those of raft-state-rules.ts. */
export function raftRuleCheckers(): InvariantChecker[] {
  return [electedByMajority(), commitOnMajority(), commitAndApplyBounds(), ...raftStateRuleCheckers()];
}
