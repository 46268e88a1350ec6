/**
 * Each Raft checker stays quiet on a healthy cluster and fires on a state or observation that
 * breaks its invariant (built by hand, so each checker is shown to be able to fail).
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { awaitLeader, kvCluster, makeEntry, putEntry, type KvDriver, type KvServerState } from '../core/raft/testing.ts';
import {
  ackedEntriesDurable,
  appliedInOrder,
  committedNeverLost,
  electionSafety,
  leaderAppendOnly,
  leaderCompleteness,
  linearizable,
  logMatching,
  raftCheckers,
  raftLiveness,
  stateMachineSafety,
} from './raft.ts';

function world(states: Record<NodeId, unknown>, extra: { nowMs?: number; roles?: Record<NodeId, string> } = {}): WorldView {
  const nodes: NodeView[] = Object.keys(states)
    .sort()
    .map((id) => ({ id, role: extra.roles?.[id] ?? 'server', status: 'up', state: states[id], disk: {}, incarnation: 0 }));
  return {
    nowMs: extra.nowMs ?? 0,
    eventIndex: 0,
    phase: 'faulty',
    nodes,
    node: (id) => {
      const n = nodes.find((x) => x.id === id);
      if (n === undefined) throw new Error(`no node ${id}`);
      return n;
    },
  };
}

function driverWorld(d: KvDriver, nowMs = d.nowMs): WorldView {
  return world(Object.fromEntries(d.ids().map((id) => [id, d.state(id)])), { nowMs });
}

/** Feed a checker every observation a driver recorded, with the driver's final states as the world. */
function replay(checker: InvariantChecker, d: KvDriver): string | void {
  const w = driverWorld(d);
  for (const r of d.observations) {
    const msg = checker.onObservation?.(r.node, r.observation, w);
    if (msg) return msg;
  }
  return checker.afterEvent?.(w) ?? checker.atEnd?.(w);
}

function healthy(): KvDriver {
  const { d } = kvCluster(['n1', 'n2', 'n3'], { snapshotEveryEntries: 4 });
  const leader = awaitLeader(d);
  for (let i = 1; i <= 10; i++) d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: `${i}`, client: 'op', seq: i } });
  d.crash(leader);
  d.start(leader);
  d.runFor(1_000);
  return d;
}

describe('raft checkers on a healthy run', () => {
  it('are all quiet', () => {
    const d = healthy();
    for (const checker of raftCheckers({ durationMs: 0, quietMs: 2 })) {
      expect(replay(checker, d), checker.name).toBeUndefined();
    }
  });
});

describe('raft checkers fire', () => {
  it('election-safety: two leaders in one term', () => {
    const c = electionSafety();
    const w = world({});
    expect(c.onObservation!('n1', { kind: 'becameLeader', node: 'n1', term: 3, lastIndex: 0 }, w)).toBeUndefined();
    expect(c.onObservation!('n2', { kind: 'becameLeader', node: 'n2', term: 4, lastIndex: 0 }, w)).toBeUndefined();
    expect(c.onObservation!('n3', { kind: 'becameLeader', node: 'n3', term: 3, lastIndex: 0 }, w)).toMatch(/two leaders in term 3: n1 and n3/);
  });

  it('leader-append-only: a leader whose entry changed', () => {
    const d = healthy();
    const leader = d.ids().find((id) => d.state(id).role === 'leader') as string;
    d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: 'new', client: 'op', seq: 100 } });
    const c = leaderAppendOnly();
    expect(c.afterEvent!(driverWorld(d))).toBeUndefined();
    const s = d.state(leader);
    const last = s.log.entries[s.log.entries.length - 1]!;
    s.log.entries[s.log.entries.length - 1] = putEntry(last.index, last.term, 'rewritten');
    expect(c.afterEvent!(driverWorld(d))).toMatch(/leader .* had .* and now has/);
  });

  it('log-matching: logs that agree at an index but differ below it', () => {
    const d = healthy();
    const [a, b] = d.ids() as [string, string];
    const sa = d.state(a);
    const sb = d.state(b);
    expect(logMatching(1).afterEvent!(driverWorld(d))).toBeUndefined();
    // Same shape for both: entries 1..3 after the snapshot, with one differing underneath.
    for (const s of [sa, sb]) s.log = { snapshotIndex: 0, snapshotTerm: 0, entries: [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 2)] };
    sb.log.entries[1] = putEntry(2, 1, 'other');
    expect(logMatching(1).afterEvent!(driverWorld(d))).toMatch(/agree on index 3 .* but differ at 2/);
  });

  it('leader-completeness: a new leader without an entry committed earlier', () => {
    const d = healthy();
    const c = leaderCompleteness();
    const w = driverWorld(d);
    const s = d.state('n1');
    c.onObservation!('n2', { kind: 'committed', node: 'n2', term: 1, commitIndex: 1, entries: [{ index: 1, term: 1, hash: 7 }] }, w);
    s.log = { snapshotIndex: 0, snapshotTerm: 0, entries: [] };
    expect(c.onObservation!('n1', { kind: 'becameLeader', node: 'n1', term: 1, lastIndex: 0 }, w)).toBeUndefined(); // same term: no claim
    expect(c.onObservation!('n1', { kind: 'becameLeader', node: 'n1', term: 2, lastIndex: 0 }, w)).toMatch(/log ending at 0/);
    s.log = { snapshotIndex: 0, snapshotTerm: 0, entries: [makeEntry(1, 1)] };
    expect(c.onObservation!('n1', { kind: 'becameLeader', node: 'n1', term: 2, lastIndex: 1 }, w)).toMatch(/was committed there/);
  });

  it('state-machine-safety: two servers apply different entries at one index', () => {
    const c = stateMachineSafety();
    const w = world({});
    expect(c.onObservation!('n1', { kind: 'applied', node: 'n1', entries: [{ index: 5, term: 2, hash: 1 }] }, w)).toBeUndefined();
    expect(c.onObservation!('n2', { kind: 'applied', node: 'n2', entries: [{ index: 5, term: 2, hash: 1 }] }, w)).toBeUndefined();
    expect(c.onObservation!('n3', { kind: 'applied', node: 'n3', entries: [{ index: 5, term: 3, hash: 9 }] }, w)).toMatch(/n3 applied .* but n1 applied/);
    expect(c.onObservation!('n3', { kind: 'committed', node: 'n3', term: 3, commitIndex: 6, entries: [{ index: 6, term: 3, hash: 9 }] }, w)).toBeUndefined();
    expect(c.onObservation!('n1', { kind: 'committed', node: 'n1', term: 3, commitIndex: 6, entries: [{ index: 6, term: 2, hash: 2 }] }, w)).toMatch(/committed/);
  });

  it('applied-in-order: a gap', () => {
    const c = appliedInOrder();
    const w = world({});
    c.onObservation!('n1', { kind: 'started', node: 'n1', term: 0, votedFor: null, snapshotIndex: 0, lastIndex: 0 }, w);
    expect(c.onObservation!('n1', { kind: 'applied', node: 'n1', entries: [{ index: 1, term: 1, hash: 1 }, { index: 2, term: 1, hash: 1 }] }, w)).toBeUndefined();
    expect(c.onObservation!('n1', { kind: 'applied', node: 'n1', entries: [{ index: 4, term: 1, hash: 1 }] }, w)).toMatch(/applied index 4 when 3 was next/);
    c.onObservation!('n2', { kind: 'snapshotInstalled', node: 'n2', index: 10, term: 2 }, w);
    expect(c.onObservation!('n2', { kind: 'applied', node: 'n2', entries: [{ index: 11, term: 2, hash: 1 }] }, w)).toBeUndefined();
  });

  it('committed-never-lost: truncating or restarting below a known commit', () => {
    const c = committedNeverLost();
    const w = world({});
    c.onObservation!('n1', { kind: 'committed', node: 'n1', term: 2, commitIndex: 8, entries: [] }, w);
    expect(c.onObservation!('n1', { kind: 'truncated', node: 'n1', fromIndex: 9, removed: 1, reason: 'corrupt-record', commitIndex: 0, detail: '' }, w)).toBeUndefined();
    expect(c.onObservation!('n1', { kind: 'truncated', node: 'n1', fromIndex: 8, removed: 1, reason: 'corrupt-record', commitIndex: 0, detail: 'x' }, w)).toMatch(/dropped entries from 8/);
    expect(c.onObservation!('n1', { kind: 'started', node: 'n1', term: 2, votedFor: null, snapshotIndex: 0, lastIndex: 7 }, w)).toMatch(/log ending at 7 after knowing 8/);
  });

  it('acked-entries-durable: a leader counts entries its follower does not hold', () => {
    const d = healthy();
    const c = ackedEntriesDurable();
    expect(c.afterEvent!(driverWorld(d))).toBeUndefined();
    const leader = d.ids().find((id) => d.state(id).role === 'leader') as string;
    const pr = d.state(leader).leader!.progress[0]!;
    pr.matchIndex = 1_000;
    d.state(leader).log.entries.length = 0; // keep the check about the follower's length only
    expect(c.afterEvent!(driverWorld(d))).toMatch(new RegExp(`${pr.id} acknowledged entries up to 1000`));
  });

  it('linearizable: a read of a value overwritten before it began', () => {
    const c = linearizable();
    const w = world({ c1: {}, c2: {} }, { roles: { c1: 'client', c2: 'client' } });
    const ops = [
      ['c1', { kind: 'invoke', client: 1, opId: 1, op: 'put', key: 'k', value: '1', atMs: 0 }],
      ['c1', { kind: 'ok', client: 1, opId: 1, op: 'put', key: 'k', value: '1', output: null, callMs: 0, returnMs: 10, attempts: 1, atMs: 10 }],
      ['c1', { kind: 'invoke', client: 1, opId: 2, op: 'put', key: 'k', value: '2', atMs: 20 }],
      ['c1', { kind: 'ok', client: 1, opId: 2, op: 'put', key: 'k', value: '2', output: null, callMs: 20, returnMs: 30, attempts: 1, atMs: 30 }],
      ['c2', { kind: 'invoke', client: 2, opId: 1, op: 'get', key: 'k', atMs: 40 }],
      ['c2', { kind: 'ok', client: 2, opId: 1, op: 'get', key: 'k', output: '1', callMs: 40, returnMs: 50, attempts: 1, atMs: 50 }],
    ] as const;
    for (const [node, o] of ops) c.onObservation!(node, o, w);
    expect(c.atEnd!(w)).toMatch(/not linearizable/);
    const fine = linearizable();
    for (const [node, o] of ops.slice(0, 4)) fine.onObservation!(node, o, w);
    expect(fine.atEnd!(w)).toBeUndefined();
  });

  it('raft-liveness: no leader, or a voter that stays behind', () => {
    const d = healthy();
    const c = raftLiveness({ durationMs: 0, quietMs: 2 });
    c.afterEvent!(driverWorld(d, 1));
    expect(c.atEnd!(driverWorld(d))).toBeUndefined();
    const leader = d.ids().find((id) => d.state(id).role === 'leader') as string;
    const follower = d.ids().find((id) => id !== leader) as string;
    (d.state(follower) as KvServerState).lastApplied = 0;
    expect(c.atEnd!(driverWorld(d))).toMatch(new RegExp(`${follower} applied 0`));
    d.state(leader).role = 'follower';
    expect(c.atEnd!(driverWorld(d))).toMatch(/no leader/);
  });
});
