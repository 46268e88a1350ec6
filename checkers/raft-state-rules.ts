/**
 * More of Raft's rules, checked at the moment they act (after each event, or on the observation
 * that shows the action), over every server, not only on the states a run ends in:
 *
 *   log-terms-ordered     Figure 2 / §5.3: terms never decrease along a log, its snapshot point
 *                         included, and no entry is of a term later than the server's current term
 *   snapshot-is-committed §7 / Figure 13: a snapshot's last included index and term are those of
 *                         the entry committed there (lastIncludedTerm is that entry's term)
 *   config-is-latest      thesis §4.1: a server uses the latest configuration in its log, so the
 *                         entry its membership came from is in its log and is that configuration
 *   config-change-after-own-commit  thesis §4.1 with the single-server fix: a leader appends a
 *                         configuration entry only once an entry of its own term is committed
 *   removed-leader-steps-down  thesis §4.2.2: a leader that is not in its configuration does not
 *                         lead past the commit of that configuration
 *   term-durable          Figure 2 "Persistent state": currentTerm is on stable storage before the
 *                         server acts in it, so a restart never brings a server back in an earlier term
 *   read-confirmed-after-arrival  thesis §6.4 ReadIndex step 3: a leader answers a read only after
 *                         a majority of its voters heard from it, in its term, after the read arrived
 *   transfer-abandoned-in-time  thesis §3.10: a leader that has not handed over its leadership
 *                         within the transfer's timeout abandons it and takes requests again
 *
 * Each has `clone()` for the explorer.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView } from '../sim/scenario.ts';
import { entryAt, lastIndex } from '../core/raft/log.ts';
import { RAFT_DEFAULTS } from '../core/raft/options.ts';
import type { RaftObservation, RaftState } from '../core/raft/types.ts';

type ServerState = RaftState<unknown, unknown, unknown>;

function serverState(n: NodeView): ServerState | null {
  return n.role === 'server' && n.status !== 'down' && n.state !== undefined && (n.state as ServerState).started ? (n.state as ServerState) : null;
}

function raftObservation(o: unknown): RaftObservation | null {
  return typeof o === 'object' && o !== null && typeof (o as { kind?: unknown }).kind === 'string' ? (o as RaftObservation) : null;
}

const majorityOf = (voters: readonly NodeId[]) => Math.floor(voters.length / 2) + 1;
const sameVoters = (a: readonly NodeId[], b: readonly NodeId[]) => a.length === b.length && a.every((v, k) => v === b[k]);

/**
 * Terms along a log never decrease (each leader appends in its own term, later than any term
 * before it), and no entry is of a term the server has not reached. Checked where a log can go
 * wrong in O(1): the snapshot point against the first entry after it, and the last entry against
 * the current term; a full pass every `everyEvents` events.
 */
export function logTermsOrdered(everyEvents = 250): InvariantChecker {
  return logTermsOrderedFrom(everyEvents, 0);
}

function logTermsOrderedFrom(everyEvents: number, eventsSoFar: number): InvariantChecker {
  let count = eventsSoFar;
  return {
    name: 'log-terms-ordered',
    kind: 'safety',
    afterEvent(world) {
      const full = ++count % everyEvents === 0;
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s === null) continue;
        const entries = s.log.entries;
        const first = entries[0];
        const last = entries[entries.length - 1];
        if (first !== undefined && first.term < s.log.snapshotTerm) return `${n.id}'s snapshot ends at index ${s.log.snapshotIndex} in term ${s.log.snapshotTerm}, but the entry after it is of term ${first.term}`;
        if (last !== undefined && last.term > s.currentTerm) return `${n.id} is in term ${s.currentTerm} but holds an entry of term ${last.term} at index ${last.index}`;
        if (s.log.snapshotTerm > s.currentTerm) return `${n.id} is in term ${s.currentTerm} but its snapshot is of term ${s.log.snapshotTerm}`;
        if (!full) continue;
        for (let k = 1; k < entries.length; k++) {
          const a = entries[k - 1]!;
          const b = entries[k]!;
          if (b.term < a.term) return `${n.id}'s log goes back from term ${a.term} at index ${a.index} to term ${b.term} at index ${b.index}`;
        }
      }
    },
    clone() {
      return logTermsOrderedFrom(everyEvents, count);
    },
  };
}

/** A snapshot (taken or installed) ends at a committed entry and carries that entry's term. */
export function snapshotIsCommitted(): InvariantChecker {
  return snapshotIsCommittedFrom(new Map());
}

/** index -> term of the committed entry there, and who reported it (records are replaced, never mutated). */
function snapshotIsCommittedFrom(committed: Map<number, { term: number; node: NodeId }>): InvariantChecker {
  return {
    name: 'snapshot-is-committed',
    kind: 'safety',
    onObservation(node, observation) {
      const o = raftObservation(observation);
      if (o === null) return;
      if (o.kind === 'committed') {
        for (const e of o.entries) if (!committed.has(e.index)) committed.set(e.index, { term: e.term, node });
        return;
      }
      if (o.kind !== 'snapshotTaken' && o.kind !== 'snapshotInstalled') return;
      const known = committed.get(o.index);
      const verb = o.kind === 'snapshotTaken' ? 'took' : 'installed';
      if (known !== undefined && known.term !== o.term) return `${node} ${verb} a snapshot ending at index ${o.index} with term ${o.term}, but ${known.node} committed an entry of term ${known.term} there`;
      if (known === undefined) committed.set(o.index, { term: o.term, node });
    },
    clone() {
      return snapshotIsCommittedFrom(new Map(committed));
    },
  };
}

/** The membership a server uses comes from the configuration entry at its index, which its log still holds. */
export function configIsLatest(): InvariantChecker {
  const check: InvariantChecker = {
    name: 'config-is-latest',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s === null) continue;
        const m = s.membership;
        if (m.index > lastIndex(s.log)) return `${n.id} uses the configuration of index ${m.index} (${m.voters.join(', ')}) but its log ends at ${lastIndex(s.log)}`;
        if (m.index <= s.log.snapshotIndex) continue;
        const e = entryAt(s.log, m.index);
        if (e === undefined || e.data.type !== 'config') return `${n.id} uses the configuration of index ${m.index} (${m.voters.join(', ')}) but its entry there is ${e === undefined ? 'missing' : `a ${e.data.type} of term ${e.term}`}`;
        if (!sameVoters(e.data.voters, m.voters)) return `${n.id} uses voters ${m.voters.join(', ')} from index ${m.index}, whose entry names ${e.data.voters.join(', ')}`;
      }
    },
    clone: () => configIsLatest(),
  };
  return check;
}

/**
 * When a leader adds a configuration entry to its log (the `membership` observation of its own
 * append), an entry of its term below it is committed already.
 */
export function configChangeAfterOwnCommit(): InvariantChecker {
  const check: InvariantChecker = {
    name: 'config-change-after-own-commit',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = raftObservation(observation);
      if (o?.kind !== 'membership') return;
      const s = serverState(world.node(node));
      if (s === null || s.leader === null) return;
      // Only the leader's own append: an entry of its term (not a truncation back to an older one).
      if (o.index < s.leader.termStartIndex) return;
      // Its term's first entry (the no-op) lies below the change and is committed. (With one voter the
      // change commits in the step that appends it, and may be compacted at once: hence no termAt.)
      if (s.leader.termStartIndex >= o.index || s.commitIndex < s.leader.termStartIndex) return `leader ${node} of term ${s.currentTerm} appended the configuration ${o.voters.join(', ')} at index ${o.index} with commit index ${s.commitIndex}, before an entry of its term was committed`;
    },
    clone: () => configChangeAfterOwnCommit(),
  };
  return check;
}

/** After every event: no leader outside its own configuration once that configuration is committed. */
export function removedLeaderStepsDown(): InvariantChecker {
  const check: InvariantChecker = {
    name: 'removed-leader-steps-down',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s === null || s.role !== 'leader') continue;
        if (!s.membership.voters.includes(n.id) && s.membership.index <= s.commitIndex) {
          return `${n.id} still leads term ${s.currentTerm} after committing its removal (configuration ${s.membership.voters.join(', ')} at index ${s.membership.index}, commit index ${s.commitIndex})`;
        }
      }
    },
    clone: () => removedLeaderStepsDown(),
  };
  return check;
}

/**
 * A server restarts in a term at least as late as any it was seen in after a whole step: each step
 * writes a new term to disk before it answers anyone, so a crash inside the step is the only way
 * to lose it (and then the node is down when this looks, and nothing was seen).
 */
export function termDurable(): InvariantChecker {
  return termDurableFrom(new Map());
}

function termDurableFrom(highest: Map<NodeId, number>): InvariantChecker {
  return {
    name: 'term-durable',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        if (s !== null && s.currentTerm > (highest.get(n.id) ?? 0)) highest.set(n.id, s.currentTerm);
      }
    },
    onObservation(node, observation) {
      const o = raftObservation(observation);
      if (o?.kind !== 'started') return;
      const before = highest.get(node) ?? 0;
      if (o.term < before) return `${node} restarted in term ${o.term} after it was seen in term ${before}`;
    },
    clone() {
      return termDurableFrom(new Map(highest));
    },
  };
}

/** Per leader: its term, reads counted so far (its read round counter) and when each unanswered one arrived. */
interface ReadsSeen {
  readonly term: number;
  seq: number;
  arrivedMs: number[];
}

/**
 * ReadIndex: each read a leader takes bumps its read counter and waits in its queue, answered in
 * order. When reads leave the queue while it still leads the term, each of them needs a majority
 * of the voters (itself included) to have heard from it in that term at or after the read arrived:
 * an answer to a heartbeat sent earlier confirms nothing about the time of the read.
 */
export function readConfirmedAfterArrival(): InvariantChecker {
  return readConfirmedFrom(new Map(), new Map(), new Map());
}

/**
 * Per server and term: the leader it heard from, when (simulated time: a server's own clock may be
 * skewed) and that server's own reading of the time then (a change of it is a new contact).
 */
type Contacts = Map<NodeId, Map<number, { readonly leader: NodeId | null; readonly atMs: number; readonly localMs: number }>>;

/** Per server up after the last event: its term and the leader it followed (null: none yet). */
type LastSeen = Map<NodeId, { readonly term: number; readonly leader: NodeId | null }>;

function readConfirmedFrom(reads: Map<NodeId, ReadsSeen>, contact: Contacts, followed: LastSeen): InvariantChecker {
  return {
    name: 'read-confirmed-after-arrival',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        if (n.role !== 'server') continue;
        const s = serverState(n);
        let mine = contact.get(n.id);
        if (s === null) {
          // Down now: a crash inside this event's step may have come after it heard from the leader
          // of its term and answered (the answer still goes out), so it counts as heard from now,
          // by its leader if it knew one, else by whoever leads that term (at most one does).
          const last = followed.get(n.id);
          if (last !== undefined) {
            if (mine === undefined) contact.set(n.id, (mine = new Map()));
            mine.set(last.term, { leader: last.leader, atMs: world.nowMs, localMs: NaN });
          }
          followed.delete(n.id);
          continue;
        }
        followed.set(n.id, { term: s.currentTerm, leader: s.leaderId === n.id ? null : s.leaderId });
        if (s.lastLeaderContactMs === null || s.leaderId === null || s.leaderId === n.id) continue;
        if (mine === undefined) contact.set(n.id, (mine = new Map()));
        const had = mine.get(s.currentTerm);
        if (had === undefined || had.localMs !== s.lastLeaderContactMs) mine.set(s.currentTerm, { leader: s.leaderId, atMs: world.nowMs, localMs: s.lastLeaderContactMs });
      }
      for (const n of world.nodes) {
        const s = serverState(n);
        const l = s?.leader ?? null;
        if (s === null || l === null) {
          reads.delete(n.id);
          continue;
        }
        let seen = reads.get(n.id);
        if (seen === undefined || seen.term !== s.currentTerm) reads.set(n.id, (seen = { term: s.currentTerm, seq: 0, arrivedMs: [] }));
        // Replaced, not mutated: a clone shares the array.
        if (l.readSeq > seen.seq) seen.arrivedMs = [...seen.arrivedMs, ...new Array<number>(l.readSeq - seen.seq).fill(world.nowMs)];
        seen.seq = l.readSeq;
        const answered = seen.arrivedMs.length - l.pendingReads.length;
        if (answered <= 0) continue;
        const voters = s.membership.voters;
        for (const arrived of seen.arrivedMs.slice(0, answered)) {
          const heard = voters.filter((v) => v === n.id || ((c) => c !== undefined && (c.leader === n.id || c.leader === null) && c.atMs >= arrived)(contact.get(v)?.get(s.currentTerm)));
          if (heard.length < majorityOf(voters)) {
            return `leader ${n.id} of term ${s.currentTerm} answered a read that arrived at ${arrived} ms when only ${heard.join(', ')} of ${voters.join(', ')} had heard from it since`;
          }
        }
        seen.arrivedMs = seen.arrivedMs.slice(answered);
      }
    },
    clone() {
      return readConfirmedFrom(
        new Map([...reads].map(([id, r]) => [id, { ...r }])),
        new Map([...contact].map(([id, m]) => [id, new Map(m)])),
        new Map(followed),
      );
    },
  };
}

/** Per leader: which transfer (term and operator command), how long it ran while the leader could act, and when last looked at. */
interface TransferSeen {
  readonly key: string;
  runningMs: number;
  lastMs: number;
  wasUp: boolean;
}

/**
 * A transfer lasts no longer than its timeout while its leader is up and not paused (a paused
 * leader's timers wait, as a real process's do). `boundMs`: the default timeout (300 ms) with room
 * for the heartbeat tick that enforces it, a clock skew both ways and drift.
 */
export function transferAbandonedInTime(boundMs = 2 * RAFT_DEFAULTS.transferTimeoutMs + 200): InvariantChecker {
  return transferAbandonedFrom(boundMs, new Map());
}

function transferAbandonedFrom(boundMs: number, seen: Map<NodeId, TransferSeen>): InvariantChecker {
  return {
    name: 'transfer-abandoned-in-time',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        const t = s?.leader?.transfer ?? null;
        if (s === null || t === null) {
          seen.delete(n.id);
          continue;
        }
        const key = `${s.currentTerm}/${t.commandId}/${t.target}`;
        const mine = seen.get(n.id);
        if (mine === undefined || mine.key !== key) {
          seen.set(n.id, { key, runningMs: 0, lastMs: world.nowMs, wasUp: n.status === 'up' });
          continue;
        }
        if (mine.wasUp) mine.runningMs += world.nowMs - mine.lastMs;
        mine.lastMs = world.nowMs;
        mine.wasUp = n.status === 'up';
        if (mine.runningMs > boundMs) return `leader ${n.id} of term ${s.currentTerm} has been transferring its leadership to ${t.target} for ${Math.round(mine.runningMs)} ms${t.timeoutNowSent ? ' (TimeoutNow sent)' : ''}, refusing requests; a transfer is abandoned after its timeout`;
      }
    },
    clone() {
      return transferAbandonedFrom(boundMs, new Map([...seen].map(([id, t]) => [id, { ...t }])));
    },
  };
}

/** Every checker of this file. */
export function raftStateRuleCheckers(): InvariantChecker[] {
  return [
    logTermsOrdered(),
    snapshotIsCommitted(),
    configIsLatest(),
    configChangeAfterOwnCommit(),
    removedLeaderStepsDown(),
    termDurable(),
    readConfirmedAfterArrival(),
    transferAbandonedInTime(),
  ];
}
