import { describe, expect, it } from 'vitest';
import type { NodeView, WorldView } from '../sim/scenario.ts';
import { ELECTION_DEFAULTS } from '../core/failover/election.ts';
import { configNeverBackwards, electionDelayByRank, failoverHappened, promotionValid, renewalsBlockedByManualOnly, votesDurable, waitCountsAcks } from './cluster-rules.ts';

// The few fields of a cluster node's state the rule checkers read; the rest is left out.
interface FakeNode {
  id: string;
  incarnation?: number;
  version?: number;
  offset?: number;
  siblingOffsets?: Record<string, number>;
  lastVoteEpoch?: number;
}

function world(nowMs: number, nodes: FakeNode[]): WorldView {
  const views: NodeView[] = nodes.map((n) => ({
    id: n.id,
    role: 'server',
    status: 'up',
    incarnation: n.incarnation ?? 0,
    disk: {} as NodeView['disk'],
    state: {
      started: true,
      localNowMs: nowMs,
      lastVoteEpoch: n.lastVoteEpoch ?? 0,
      repl: { offset: n.offset ?? 0, siblingOffsets: n.siblingOffsets ?? {} },
      config: { version: n.version ?? 1, shards: [{ id: 's1', primary: 'p', replicas: ['r1', 'r2', 'r3'] }] },
    },
  }));
  return { nowMs, eventIndex: 0, phase: 'faulty', nodes: views, node: (id) => views.find((v) => v.id === id)! };
}

const scheduled = (rank: number, delayMs: number) => ({ type: 'election', event: 'scheduled', rank, delayMs });
const started = { type: 'election', event: 'started', mode: 'auto' };

describe('election-delay-by-rank', () => {
  const r1 = { id: 'r1', offset: 100, siblingOffsets: { r2: 150, r3: 90 } };

  it('accepts a delay of base + rank × rankDelay + jitter, and a start no sooner', () => {
    const c = electionDelayByRank(ELECTION_DEFAULTS);
    expect(c.onObservation!('r1', scheduled(1, 1700), world(0, [r1]))).toBeUndefined();
    expect(c.onObservation!('r1', started, world(1700, [r1]))).toBeUndefined();
  });

  it('fires on a rank that does not count the siblings ahead', () => {
    const c = electionDelayByRank(ELECTION_DEFAULTS);
    expect(c.onObservation!('r1', scheduled(0, 700), world(0, [r1]))).toMatch(/rank 0, but 1 sibling/);
  });

  it('fires on a delay outside the rank’s window', () => {
    const c = electionDelayByRank(ELECTION_DEFAULTS);
    expect(c.onObservation!('r1', scheduled(1, 700), world(0, [r1]))).toMatch(/1500\.\.2000 ms/);
  });

  it('fires on an election started before its delay ran out', () => {
    const c = electionDelayByRank(ELECTION_DEFAULTS);
    c.onObservation!('r1', scheduled(1, 1800), world(0, [r1]));
    expect(c.onObservation!('r1', started, world(900, [r1]))).toMatch(/started its election 900 ms after scheduling it 1800 ms out/);
  });
});

describe('votes-durable', () => {
  it('fires when a voter runs with an older last vote than one it cast', () => {
    const c = votesDurable();
    c.onObservation!('r2', { type: 'election', event: 'vote', epoch: 7 }, world(0, [{ id: 'r2', lastVoteEpoch: 7 }]));
    expect(c.afterEvent!(world(1, [{ id: 'r2', lastVoteEpoch: 7 }]))).toBeUndefined();
    expect(c.afterEvent!(world(2, [{ id: 'r2', lastVoteEpoch: 3, incarnation: 1 }]))).toMatch(/voted in epoch 7 .* epoch 3/);
  });
});

describe('config-never-backwards', () => {
  it('fires when a running node adopts an older configuration, not when a restart reads an older one', () => {
    const c = configNeverBackwards();
    expect(c.afterEvent!(world(0, [{ id: 'p', version: 5 }]))).toBeUndefined();
    expect(c.afterEvent!(world(1, [{ id: 'p', version: 3, incarnation: 1 }]))).toBeUndefined();
    expect(c.afterEvent!(world(2, [{ id: 'p', version: 2, incarnation: 1 }]))).toMatch(/from configuration version 3 back to 2/);
  });
});

describe('failover-happened', () => {
  it('fires at the end of a run with no promotion, and not after one', () => {
    const none = failoverHappened();
    none.onObservation!('r1', { type: 'failover', event: 'promoted', from: null }, world(0, []));
    expect(none.atEnd!(world(1, []))).toMatch(/never happened/);
    const one = failoverHappened();
    one.onObservation!('r1', { type: 'failover', event: 'promoted', from: 'p' }, world(0, []));
    expect(one.atEnd!(world(1, []))).toBeUndefined();
  });
});

describe('promotion-valid', () => {
  const shard = (primary: string, replicas: string[], epoch: number, promo: { from: string; to: string; epoch: number } | null) => ({
    id: 's1', primary, replicas, slots: [], configEpoch: epoch,
    lastPromotion: promo === null ? null : { ...promo, fromReplId: 'x', offset: 0, mode: 'auto' },
  });
  const committed = (version: number, currentEpoch: number, s: ReturnType<typeof shard>) => ({ type: 'config-committed', version, config: { version, currentEpoch, shards: [s], migrations: [], nextMigrationId: 1 } });

  it('accepts a promotion of the current primary’s replica with a fresh epoch', () => {
    const c = promotionValid();
    expect(c.onObservation!('n1', committed(4, 5, shard('p', ['r1', 'r2'], 3, null)), world(0, []))).toBeUndefined();
    expect(c.onObservation!('n1', committed(5, 6, shard('r1', ['p', 'r2'], 6, { from: 'p', to: 'r1', epoch: 6 })), world(1, []))).toBeUndefined();
  });

  it('fires on a promotion decided against a primary already replaced', () => {
    const c = promotionValid();
    c.onObservation!('n1', committed(5, 6, shard('r1', ['p', 'r2'], 6, { from: 'p', to: 'r1', epoch: 6 })), world(0, []));
    expect(c.onObservation!('n1', committed(6, 7, shard('r2', ['p', 'r1'], 7, { from: 'p', to: 'r2', epoch: 7 })), world(1, []))).toMatch(/in place of p, but v5 makes r1 the primary/);
  });

  it('fires on a promotion whose epoch is not above every epoch handed out', () => {
    const c = promotionValid();
    c.onObservation!('n1', committed(4, 6, shard('p', ['r1'], 3, null)), world(0, []));
    expect(c.onObservation!('n1', committed(5, 6, shard('r1', ['p'], 5, { from: 'p', to: 'r1', epoch: 5 })), world(1, []))).toMatch(/epoch 5, but v4 had handed out epochs up to 6/);
  });
});

describe('wait-counts-acks', () => {
  // A primary p of s1 with replicas r1..r3, its acknowledged client writes and its replicas' acks.
  const primary = (clientAcked: number[], acks: Record<string, number>) => {
    const w = world(0, [{ id: 'p' }]);
    const st = w.nodes[0]!.state as { repl: Record<string, unknown> };
    st.repl = { ...st.repl, replId: 'p@1', clientAcked, acks };
    return w;
  };

  it('stays quiet while every replica acknowledged what the primary acknowledges', () => {
    const c = waitCountsAcks(true);
    expect(c.afterEvent!(primary([], {}))).toBeUndefined();
    expect(c.afterEvent!(primary([3], { r1: 3, r2: 4, r3: 3 }))).toBeUndefined();
  });

  it('fires on a write acknowledged while a replica has acknowledged nothing in the stream', () => {
    const c = waitCountsAcks(true);
    c.afterEvent!(primary([], {}));
    expect(c.afterEvent!(primary([3], { r1: 3, r2: 4 }))).toMatch(/offset 3 .* replica r3 has acknowledged nothing/);
  });

  it('is off under asynchronous replication', () => {
    expect(waitCountsAcks(false).afterEvent!(primary([3], {}))).toBeUndefined();
  });
});

describe('renewals-blocked-by-manual-only', () => {
  // A voter v whose grantor blocks p's renewals of s1 until `untilMs` (none: no block).
  const voter = (nowMs: number, untilMs?: number) => {
    const w = world(nowMs, [{ id: 'v' }]);
    (w.nodes[0]!.state as Record<string, unknown>).grantor = { promises: {}, blocked: untilMs === undefined ? {} : { s1: { node: 'p', untilMs } }, quietUntilMs: 0 };
    return w;
  };
  const startedAs = (mode: string) => ({ type: 'election', event: 'started', shard: 's1', mode });

  it('stays quiet on a block that follows a manual failover of the shard', () => {
    const c = renewalsBlockedByManualOnly(ELECTION_DEFAULTS);
    expect(c.afterEvent!(voter(0))).toBeUndefined();
    c.onObservation!('r1', startedAs('force'), voter(100));
    expect(c.afterEvent!(voter(105, 3105))).toBeUndefined();
  });

  it('fires on a block that only an automatic election can have caused', () => {
    const c = renewalsBlockedByManualOnly(ELECTION_DEFAULTS);
    c.onObservation!('r1', startedAs('auto'), voter(100));
    expect(c.afterEvent!(voter(105, 3105))).toMatch(/v stopped renewing p's lease of s1, but no manual failover/);
  });
});
