/**
 * Invariant checkers for Raft (core/raft), as plain functions over what the kernel shows them:
 * observations as they happen and the servers' states after each event.
 *
 * Safety (Figure 3 of the Raft paper, plus durability and the clients' view):
 *   election-safety        at most one leader per term
 *   leader-append-only     a leader never overwrites or deletes entries in its log
 *   log-matching           two logs with an entry of the same index and term agree up to it
 *   leader-completeness    a new leader's log holds every entry committed before its term
 *   state-machine-safety   no two servers commit or apply different entries at one index
 *   applied-in-order       each server applies indices one after another (so, with the
 *                          previous one, applied sequences are prefixes of one another)
 *   committed-never-lost   a server never loses an entry it knew committed, crash and restart included
 *   acked-entries-durable  a follower holds every entry it acknowledged to the leader of its term
 *   linearizable           the clients' history is linearizable (checked at the end)
 * Liveness:
 *   raft-liveness          after the final heal a leader is elected and every voter applies
 *                          what the cluster had committed by the middle of the quiet phase
 *   snapshot-installed     (named scenarios that ask for it) a server caught up by InstallSnapshot
 *
 * Checkers only look at nodes whose role is 'server'; they never mutate what they see.
 * Each has `clone()`: a copy of its state so far, which the explorer (explore/) takes for every
 * world it reaches instead of re-creating the checker from the path's history.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Culprit, InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { kvHistory, type KvClientObservation } from '../core/raft/client.ts';
import { failingKeyEvidence, type LinearizabilityEvidence } from './linearizability/evidence.ts';
import { entryAt, lastIndex } from '../core/raft/log.ts';
import type { EntryId, RaftObservation, RaftState } from '../core/raft/types.ts';
import { checkHistory } from './linearizability/checker.ts';
import { raftRuleCheckers } from './raft-rules.ts';

type ServerState = RaftState<unknown, unknown, unknown>;

function serverState(n: NodeView): ServerState | null {
  return n.role === 'server' && n.status !== 'down' && n.state !== undefined ? (n.state as ServerState) : null;
}

function servers(world: WorldView): { id: NodeId; s: ServerState }[] {
  const out: { id: NodeId; s: ServerState }[] = [];
  for (const n of world.nodes) {
    const s = serverState(n);
    if (s !== null && s.started) out.push({ id: n.id, s });
  }
  return out;
}

function raftObservation(o: unknown): RaftObservation | null {
  return typeof o === 'object' && o !== null && typeof (o as { kind?: unknown }).kind === 'string' ? (o as RaftObservation) : null;
}

const show = (e: EntryId): string => `(index ${e.index}, term ${e.term}, #${e.hash.toString(16)})`;

/** Election Safety: at most one leader can be elected in a given term. */
export function electionSafety(): InvariantChecker {
  return electionSafetyFrom(new Map());
}

function electionSafetyFrom(leaders: Map<number, Culprit>): InvariantChecker {
  // The two elections of the last violation, for the report (`evidence`).
  let found: readonly Culprit[] = [];
  return {
    name: 'election-safety',
    kind: 'safety',
    description: 'at most one leader is elected in a term',
    onObservation(node, observation, world) {
      const o = raftObservation(observation);
      if (o?.kind !== 'becameLeader') return;
      const other = leaders.get(o.term);
      const here: Culprit = { node, eventIndex: world.eventIndex, atMs: world.nowMs, what: `${node} became leader of term ${o.term}` };
      if (other !== undefined && other.node !== node) {
        found = [other, here];
        return `two leaders in term ${o.term}: ${other.node} and ${node}`;
      }
      leaders.set(o.term, here);
    },
    evidence: () => ({ culprits: found }),
    clone() {
      return electionSafetyFrom(new Map(leaders));
    },
  };
}

/** Leader Append-Only: a leader never overwrites or deletes entries in its log; it only appends. */
export function leaderAppendOnly(): InvariantChecker {
  return leaderAppendOnlyFrom(new Map());
}

/** Per server: its last entry while it leads (term -1: not leading); updated in place, as this runs after every event. */
type LastEntrySeen = { term: number; index: number; entryTerm: number; hash: number };

function leaderAppendOnlyFrom(seen: Map<NodeId, LastEntrySeen>): InvariantChecker {
  return {
    name: 'leader-append-only',
    kind: 'safety',
    afterEvent(world) {
      for (const n of world.nodes) {
        const s = serverState(n);
        const mine = seen.get(n.id);
        if (s === null || s.role !== 'leader') {
          if (mine !== undefined) mine.term = -1;
          continue;
        }
        if (mine !== undefined && mine.term === s.currentTerm && mine.index > s.log.snapshotIndex) {
          const e = entryAt(s.log, mine.index);
          if (e === undefined || e.term !== mine.entryTerm || e.hash !== mine.hash) {
            const before = { index: mine.index, term: mine.entryTerm, hash: mine.hash };
            return `leader ${n.id} of term ${s.currentTerm} had ${show(before)} and now has ${e === undefined ? 'no entry there' : show(e)}`;
          }
        }
        const last = s.log.entries[s.log.entries.length - 1];
        const record = mine ?? { term: 0, index: 0, entryTerm: 0, hash: 0 };
        record.term = s.currentTerm;
        record.index = last === undefined ? s.log.snapshotIndex : last.index;
        record.entryTerm = last === undefined ? s.log.snapshotTerm : last.term;
        record.hash = last === undefined ? 0 : last.hash;
        if (mine === undefined) seen.set(n.id, record);
      }
    },
    clone() {
      return leaderAppendOnlyFrom(new Map([...seen].map(([id, r]) => [id, { ...r }])));
    },
  };
}

/** Where two logs break Log Matching, or null. */
export function logMatchingError(a: { id: NodeId; s: ServerState }, b: { id: NodeId; s: ServerState }): string | null {
  const lo = Math.max(a.s.log.snapshotIndex, b.s.log.snapshotIndex) + 1;
  let i = Math.min(lastIndex(a.s.log), lastIndex(b.s.log));
  // The highest index where both hold an entry of the same term...
  for (; i >= lo; i--) if (entryAt(a.s.log, i)?.term === entryAt(b.s.log, i)?.term) break;
  // ...and everything below it (that both still hold) must be the same entry.
  for (let j = i; j >= lo; j--) {
    const x = entryAt(a.s.log, j) as EntryId;
    const y = entryAt(b.s.log, j) as EntryId;
    if (x.term !== y.term || x.hash !== y.hash) {
      return `${a.id} and ${b.id} agree on index ${i} (term ${entryAt(a.s.log, i)?.term}) but differ at ${j}: ${a.id} has ${show(x)}, ${b.id} has ${show(y)}`;
    }
  }
  return null;
}

/**
 * Log Matching: if two logs contain an entry with the same index and term, the logs are identical
 * in all entries up through that index. Compared pairwise every `everyEvents` events and at the end.
 */
export function logMatching(everyEvents = 250): InvariantChecker {
  return logMatchingFrom(everyEvents, 0);
}

function logMatchingFrom(everyEvents: number, eventsSoFar: number): InvariantChecker {
  let count = eventsSoFar;
  return {
    name: 'log-matching',
    kind: 'safety',
    afterEvent(world) {
      if (++count % everyEvents === 0) return logsMatch(world);
    },
    atEnd: logsMatch,
    clone() {
      return logMatchingFrom(everyEvents, count);
    },
  };
}

/** Every pair of servers' logs, compared. */
function logsMatch(world: WorldView): string | void {
  const all = servers(world);
  for (let x = 0; x < all.length; x++) {
    for (let y = x + 1; y < all.length; y++) {
      const error = logMatchingError(all[x]!, all[y]!);
      if (error !== null) return error;
    }
  }
}

/** Entries the servers reported committed (or applied), by index, with who reported each first. */
class EntryRecord {
  readonly entries = new Map<number, EntryId & { node: NodeId }>();
  maxIndex = 0;

  constructor(private readonly verb: 'committed' | 'applied') {}

  /** A copy (its entries are never mutated, so they are shared). */
  clone(): EntryRecord {
    const copy = new EntryRecord(this.verb);
    for (const [index, e] of this.entries) copy.entries.set(index, e);
    copy.maxIndex = this.maxIndex;
    return copy;
  }

  /** Records a server's entries; returns a conflict with an earlier report, if any. */
  add(node: NodeId, entries: readonly EntryId[]): string | null {
    for (const e of entries) {
      const known = this.entries.get(e.index);
      if (known === undefined) this.entries.set(e.index, { ...e, node });
      else if (known.term !== e.term || known.hash !== e.hash) {
        return `${node} ${this.verb} ${show(e)} but ${known.node} ${this.verb} ${show(known)} at the same index`;
      }
      if (e.index > this.maxIndex) this.maxIndex = e.index;
    }
    return null;
  }
}

/**
 * Leader Completeness: if an entry is committed in a term, it is in the log of every leader of a
 * later term. (A server commits in its current term: a leader by counting, a follower on hearing
 * of it from the leader of that term.)
 */
export function leaderCompleteness(): InvariantChecker {
  return leaderCompletenessFrom(new Map());
}

/** index -> the entry, and the earliest term in which a server reported it committed (records are replaced, never mutated). */
function leaderCompletenessFrom(committed: Map<number, EntryId & { node: NodeId; inTerm: number }>): InvariantChecker {
  return {
    name: 'leader-completeness',
    kind: 'safety',
    onObservation(node, observation, world) {
      const o = raftObservation(observation);
      if (o?.kind === 'committed') {
        for (const e of o.entries) {
          const known = committed.get(e.index);
          if (known === undefined || o.term < known.inTerm) committed.set(e.index, { ...e, node, inTerm: o.term });
        }
        return;
      }
      if (o?.kind !== 'becameLeader') return;
      const s = world.node(node).state as ServerState;
      for (const want of committed.values()) {
        if (want.inTerm >= o.term) continue;
        if (want.index > lastIndex(s.log)) {
          return `${node} became leader of term ${o.term} with a log ending at ${lastIndex(s.log)}, but ${show(want)} was committed in term ${want.inTerm}`;
        }
        const have = entryAt(s.log, want.index);
        if (have !== undefined && (want.term !== have.term || want.hash !== have.hash)) {
          return `${node} became leader of term ${o.term} with ${show(have)}, but ${show(want)} was committed there in term ${want.inTerm}`;
        }
      }
    },
    clone() {
      return leaderCompletenessFrom(new Map(committed));
    },
  };
}

/**
 * State Machine Safety: if a server has applied an entry at an index, no other server ever
 * applies (or commits) a different entry at that index.
 */
export function stateMachineSafety(): InvariantChecker {
  return stateMachineSafetyFrom(new EntryRecord('committed'), new EntryRecord('applied'));
}

function stateMachineSafetyFrom(committed: EntryRecord, applied: EntryRecord): InvariantChecker {
  return {
    name: 'state-machine-safety',
    kind: 'safety',
    onObservation(node, observation) {
      const o = raftObservation(observation);
      if (o?.kind === 'committed') return committed.add(node, o.entries) ?? undefined;
      if (o?.kind === 'applied') return applied.add(node, o.entries) ?? undefined;
    },
    clone() {
      return stateMachineSafetyFrom(committed.clone(), applied.clone());
    },
  };
}

/** Each server applies index after index with no gap or repeat, except where a snapshot or a restart moves it. */
export function appliedInOrder(): InvariantChecker {
  return appliedInOrderFrom(new Map());
}

function appliedInOrderFrom(next: Map<NodeId, number>): InvariantChecker {
  return {
    name: 'applied-in-order',
    kind: 'safety',
    onObservation(node, observation) {
      const o = raftObservation(observation);
      if (o === null) return;
      switch (o.kind) {
        case 'started':
          next.set(node, o.snapshotIndex + 1);
          return;
        case 'snapshotInstalled':
          next.set(node, o.index + 1);
          return;
        case 'applied':
          for (const e of o.entries) {
            const want = next.get(node) ?? 1;
            if (e.index !== want) return `${node} applied index ${e.index} when ${want} was next`;
            next.set(node, want + 1);
          }
          return;
        default:
          return;
      }
    },
    clone() {
      return appliedInOrderFrom(new Map(next));
    },
  };
}

/**
 * Durability: a server never loses an entry it knew to be committed. It must not truncate at or
 * below its commit index, and what it recovers after a restart must reach every commit index it
 * ever reported (a torn record at the tail was never acknowledged, so never committed).
 */
export function committedNeverLost(): InvariantChecker {
  return committedNeverLostFrom(new Map());
}

function committedNeverLostFrom(known: Map<NodeId, number>): InvariantChecker {
  return {
    name: 'committed-never-lost',
    kind: 'safety',
    onObservation(node, observation) {
      const o = raftObservation(observation);
      if (o === null) return;
      const mine = known.get(node) ?? 0;
      switch (o.kind) {
        case 'committed':
          if (o.commitIndex > mine) known.set(node, o.commitIndex);
          return;
        case 'snapshotInstalled':
          if (o.index > mine) known.set(node, o.index);
          return;
        case 'truncated':
          if (o.fromIndex <= mine) return `${node} dropped entries from ${o.fromIndex} (${o.reason}: ${o.detail}) after knowing ${mine} committed`;
          return;
        case 'started':
          if (o.lastIndex < mine) return `${node} restarted with its log ending at ${o.lastIndex} after knowing ${mine} committed`;
          return;
        default:
          return;
      }
    },
    clone() {
      return committedNeverLostFrom(new Map(known));
    },
  };
}

/**
 * Durability of acknowledgements: whatever a follower acknowledged to the leader of its current
 * term (the leader's matchIndex for it) is in its log, restarts included. An acknowledgement is
 * sent only after the entries are on disk, so only a lost acknowledged write breaks this.
 */
export function ackedEntriesDurable(): InvariantChecker {
  return {
    name: 'acked-entries-durable',
    kind: 'safety',
    afterEvent(world) {
      const nodes = world.nodes;
      for (const n of nodes) {
        const l = serverState(n);
        if (l === null || l.leader === null) continue;
        for (const pr of l.leader.progress) {
          if (pr.matchIndex === 0) continue;
          const f = serverState(nodeById(nodes, pr.id) ?? world.node(pr.id));
          if (f === null || !f.started || f.currentTerm !== l.currentTerm) continue;
          if (lastIndex(f.log) < pr.matchIndex) {
            return `${pr.id} acknowledged entries up to ${pr.matchIndex} to ${n.id} (term ${l.currentTerm}) but its log ends at ${lastIndex(f.log)}`;
          }
          const mine = entryAt(f.log, pr.matchIndex);
          const theirs = entryAt(l.log, pr.matchIndex);
          if (mine !== undefined && theirs !== undefined && (mine.term !== theirs.term || mine.hash !== theirs.hash)) {
            return `${pr.id} acknowledged ${show(theirs)} to ${n.id} but holds ${show(mine)}`;
          }
        }
      }
    },
    clone: ackedEntriesDurable, // no state
  };
}

/** A node of a short list by id without a map lookup (clusters here have a handful of nodes). */
function nodeById(nodes: readonly NodeView[], id: NodeId): NodeView | undefined {
  for (let k = 0; k < nodes.length; k++) if ((nodes[k] as NodeView).id === id) return nodes[k];
  return undefined;
}

/** The clients' history is linearizable (checked at the end, within a deterministic search budget). */
export function linearizable(options: { budget?: number } = {}): InvariantChecker {
  return linearizableFrom(options, [], 0);
}

/**
 * The clients' observations so far (never mutated, so a copy shares them), and how many of them the
 * last check saw: the explorer asks at every world, and a step that no client saw needs no new check.
 */
function linearizableFrom(options: { budget?: number }, observations: KvClientObservation[], checkedUpTo: number): InvariantChecker {
  let checked = checkedUpTo;
  let evidence: LinearizabilityEvidence | null = null;
  return {
    name: 'linearizable',
    kind: 'safety',
    onObservation(node, observation, world) {
      if (world.node(node).role === 'client') observations.push(observation as KvClientObservation);
    },
    atEnd() {
      if (observations.length === checked) return;
      checked = observations.length;
      const history = kvHistory(observations);
      if (history.operations.length === 0) return;
      const result = checkHistory(history, { budget: options.budget ?? 2_000_000, explainBudget: 200_000 });
      if (result.verdict === 'not-linearizable') {
        checked = -1; // still not linearizable when asked again
        evidence = failingKeyEvidence(history, result.explanation?.failures[0]?.key ?? null);
        const why = result.explanation?.text.split('\n').slice(0, 12).join('\n') ?? '';
        return `the clients' history of ${history.operations.length} operations is not linearizable\n${why}`;
      }
    },
    evidence: () => evidence,
    clone() {
      return linearizableFrom(options, observations.slice(), checked);
    },
  };
}

/**
 * Liveness: by the end of the quiet phase the leader of the highest term has committed an entry
 * of its term, every voter of its configuration is up in that term, and each has applied at least
 * what any server had committed half-way through the quiet phase. Servers outside the leader's
 * configuration (removed ones that never heard so) are left out. The message says what is pending.
 */
export function raftLiveness(timing: LivenessTiming): InvariantChecker {
  return raftLivenessFrom(timing, null);
}

/**
 * When the run heals and how long it is quiet; `impaired`: servers that lasting faults
 * (`RunConfig.lasting`) leave cut off, lossy or slow. Progress is then asked of the others, a
 * connected majority: an impaired server neither has to keep up nor may stand for the leader.
 */
export interface LivenessTiming {
  readonly durationMs: number;
  readonly quietMs: number;
  readonly impaired?: readonly NodeId[];
}

function raftLivenessFrom(timing: LivenessTiming, targetSoFar: number | null): InvariantChecker {
  const midQuietMs = timing.durationMs + timing.quietMs / 2;
  const impaired = new Set(timing.impaired ?? []);
  let target = targetSoFar;
  return {
    name: 'raft-liveness',
    kind: 'liveness',
    afterEvent(world) {
      if (target === null && world.nowMs >= midQuietMs) target = Math.max(0, ...servers(world).filter(({ id }) => !impaired.has(id)).map(({ s }) => s.commitIndex));
    },
    atEnd(world) {
      const all = servers(world).filter(({ id }) => !impaired.has(id));
      const leader = all.filter(({ s }) => s.role === 'leader').sort((a, b) => b.s.currentTerm - a.s.currentTerm)[0];
      if (leader === undefined) return `after the heal: no leader (servers: ${all.map(({ id, s }) => `${id} ${s.role} t${s.currentTerm}`).join(', ')})`;
      const { id, s } = leader;
      if (s.leader === null || s.commitIndex < s.leader.termStartIndex) return `after the heal: leader ${id} of term ${s.currentTerm} has not committed an entry of its term`;
      const pending: string[] = [];
      for (const v of s.membership.voters) {
        if (impaired.has(v)) continue;
        const st = all.find((x) => x.id === v)?.s;
        if (st === undefined) pending.push(`${v} is down`);
        else if (st.currentTerm !== s.currentTerm) pending.push(`${v} is in term ${st.currentTerm}`);
        else if (st.lastApplied < (target ?? 0)) pending.push(`${v} applied ${st.lastApplied}`);
      }
      if (pending.length > 0) return `after the heal, with ${id} leading term ${s.currentTerm}: ${pending.join(', ')}; ${target} was committed by ${midQuietMs} ms`;
    },
    clone() {
      return raftLivenessFrom(timing, target);
    },
  };
}

/**
 * A goal of a named scenario, checked at the end: `node` installed a snapshot sent by a leader
 * (InstallSnapshot), so it caught up from a compacted log rather than entry by entry.
 */
export function snapshotInstalled(node: NodeId): InvariantChecker {
  return snapshotInstalledFrom(node, 0);
}

function snapshotInstalledFrom(node: NodeId, installsSoFar: number): InvariantChecker {
  let installs = installsSoFar;
  return {
    name: 'snapshot-installed',
    kind: 'liveness',
    onObservation(from, observation) {
      if (from === node && raftObservation(observation)?.kind === 'snapshotInstalled') installs++;
    },
    atEnd(world) {
      if (installs > 0) return;
      const s = serverState(world.node(node));
      const where = s === null ? 'it is down' : `its log runs from ${s.log.snapshotIndex} to ${lastIndex(s.log)}, commit index ${s.commitIndex}`;
      return `${node} never installed a snapshot from a leader (${where})`;
    },
    clone() {
      return snapshotInstalledFrom(node, installs);
    },
  };
}

/** Every Raft checker, for a run of this timing. */
export function raftCheckers(timing: LivenessTiming): InvariantChecker[] {
  return [
    electionSafety(),
    leaderAppendOnly(),
    logMatching(),
    leaderCompleteness(),
    stateMachineSafety(),
    appliedInOrder(),
    committedNeverLost(),
    ackedEntriesDurable(),
    linearizable(),
    raftLiveness(timing),
    ...raftRuleCheckers(),
  ];
}
