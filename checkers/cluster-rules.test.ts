import { describe, expect, it } from 'vitest';
import type { NodeView, WorldView } from '../sim/scenario.ts';
import { ELECTION_DEFAULTS } from '../core/failover/election.ts';
import { configNeverBackwards, electionDelayByRank, failoverHappened, votesDurable } from './cluster-rules.ts';

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
