import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ELECTION_DEFAULTS,
  LEASE_DEFAULTS,
  blockRenewals,
  blocksRenewals,
  decideGrant,
  decideVote,
  electionDelayMs,
  emptyGrantor,
  emptyHolder,
  leaseGranted,
  leaseValid,
  nextElectionEpoch,
  recordVote,
  replicaRank,
  requestLease,
  type Candidacy,
  type VoteContext,
  type VoteRequest,
} from './index.ts';
import type { Rng } from '../contract/protocol.ts';

const fixed = (x: number): Rng => ({ next: () => x, int: (n) => Math.floor(x * n), between: (a, b) => a + Math.floor(x * (b - a + 1)) });

describe('rank and delay (Redis: 500 + random(0..500) + rank * 1000 ms)', () => {
  it.each([
    [100, [90, 80], 0],
    [90, [100, 80], 1],
    [80, [100, 90], 2],
    [100, [100], 0], // equal offsets share a rank, as in Redis
  ])('offset %d among %j has rank %d', (mine, others, rank) => {
    expect(replicaRank(mine, others)).toBe(rank);
  });
  it('matches a dumb oracle and stays within its bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 4 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (mine, others, x) => {
        const rank = replicaRank(mine, others);
        expect(rank).toBe(others.filter((o) => o > mine).length);
        const d = electionDelayMs(rank, fixed(x), ELECTION_DEFAULTS);
        expect(d).toBeGreaterThanOrEqual(500 + rank * 1000);
        expect(d).toBeLessThanOrEqual(1000 + rank * 1000);
      }),
    );
  });
  it('a new epoch is above the committed one and every one seen', () => {
    expect(nextElectionEpoch(3, 0)).toBe(4);
    expect(nextElectionEpoch(3, 9)).toBe(10);
  });
});

describe('votes', () => {
  const req: VoteRequest = { shard: 's1', epoch: 5, failed: 'n1', mode: 'auto', candidate: 'n4' };
  const ctx: VoteContext = { primary: 'n1', replicas: ['n4', 'n7'], failedSuspected: true, leasePromised: false, quiet: false, doubleVote: false };
  it.each([
    ['grants a valid request', 4, req, ctx, null],
    ['at most one vote per epoch', 5, req, ctx, 'old-epoch'],
    ['bug double-vote: a second vote in the same epoch', 5, req, { ...ctx, doubleVote: true }, null],
    ['bug double-vote still refuses older epochs', 6, req, { ...ctx, doubleVote: true }, 'old-epoch'],
    ['refuses when the primary changed meanwhile', 4, req, { ...ctx, primary: 'n4' }, 'not-the-primary'],
    ['refuses a node that is not a replica of the shard', 4, { ...req, candidate: 'n2' }, ctx, 'not-a-replica'],
    ['refuses an automatic failover of a primary SWIM thinks alive', 4, req, { ...ctx, failedSuspected: false }, 'primary-not-failed'],
    ['a manual failover needs no failure', 4, { ...req, mode: 'force' }, { ...ctx, failedSuspected: false }, null],
    ['refuses while the primary may hold a lease', 4, req, { ...ctx, leasePromised: true }, 'lease-in-force'],
    ['refuses right after a restart', 4, req, { ...ctx, quiet: true }, 'restarting'],
  ] as const)('%s', (_, last, r, c, expected) => {
    expect(decideVote(last, r, c)).toBe(expected);
  });
  it('only a valid manual failover stops the primary\'s lease renewals (a false suspicion must not)', () => {
    expect(blocksRenewals({ ...req, mode: 'force' }, ctx)).toBe(true);
    expect(blocksRenewals({ ...req, mode: 'default' }, ctx)).toBe(true);
    expect(blocksRenewals(req, ctx)).toBe(false);
    expect(blocksRenewals({ ...req, mode: 'force', candidate: 'n2' }, ctx)).toBe(false);
    expect(blocksRenewals({ ...req, mode: 'force' }, { ...ctx, primary: 'n4' })).toBe(false);
  });
  it('a majority of voters wins, a majority of refusals loses, each voter counts once', () => {
    const voters = ['n1', 'n2', 'n3'];
    const c: Candidacy = { shard: 's1', failed: 'n1', epoch: 5, mode: 'auto', startedAtMs: 0, votes: [], refusals: [], won: false };
    expect(recordVote(c, 'n2', true, voters)).toBe('pending');
    expect(recordVote(c, 'n2', true, voters)).toBe('pending');
    expect(recordVote(c, 'n9', true, voters)).toBe('pending');
    expect(recordVote(c, 'n3', true, voters)).toBe('won');
    const d: Candidacy = { ...c, votes: [], refusals: [] };
    recordVote(d, 'n1', false, voters);
    expect(recordVote(d, 'n2', false, voters)).toBe('lost');
  });
});

describe('leases', () => {
  const o = LEASE_DEFAULTS;
  const voters = ['v1', 'v2', 'v3'];
  it('a majority of grants for one request gives a lease from its send time, minus the margin', () => {
    const h = emptyHolder();
    const seq = requestLease(h, 's1', 1000);
    expect(leaseGranted(h, 'v1', seq, voters, o)).toBe(false);
    expect(leaseValid(h, 's1', 1001)).toBe(false);
    expect(leaseGranted(h, 'v2', seq, voters, o)).toBe(true);
    expect(h.untilMs).toBe(1000 + o.leaseMs - o.marginMs);
    expect(leaseValid(h, 's1', h.untilMs - 1)).toBe(true);
    expect(leaseValid(h, 's1', h.untilMs)).toBe(false);
    expect(leaseValid(h, 's2', 1001)).toBe(false);
  });
  it('a voter promises a shard to one node at a time, and to nobody right after a restart', () => {
    const g = emptyGrantor(0);
    expect(decideGrant(g, 's1', 'n1', true, 100, o)).toBeNull();
    expect(decideGrant(g, 's1', 'n4', true, 200, o)).toBe('promised-to-another');
    expect(decideGrant(g, 's1', 'n4', true, 100 + o.leaseMs, o)).toBeNull();
    expect(decideGrant(g, 's1', 'n1', false, 5000, o)).toBe('not-primary');
    expect(decideGrant(emptyGrantor(o.leaseMs), 's1', 'n1', true, 10, o)).toBe('restarting');
    const b = emptyGrantor(0);
    blockRenewals(b, 's1', 'n1', 3000);
    expect(decideGrant(b, 's1', 'n1', true, 100, o)).toBe('failover-pending');
    expect(decideGrant(b, 's1', 'n1', true, 3000, o)).toBeNull();
  });
  it('two holders of one shard never hold overlapping leases (any interleaving, ideal clocks)', () => {
    // Each step: some holder requests at time t; voters answer (grant/refuse) at t + delay in order.
    fc.assert(
      fc.property(
        fc.array(fc.record({ who: fc.constantFrom('n1', 'n4'), at: fc.integer({ min: 0, max: 5000 }), delays: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 3, maxLength: 3 }) }), { maxLength: 12 }),
        (requests) => {
          const grantors = Object.fromEntries(voters.map((v) => [v, emptyGrantor(0)]));
          const holders = { n1: emptyHolder(), n4: emptyHolder() };
          type Ev = { t: number; kind: 'req' | 'ans'; who: 'n1' | 'n4'; voter?: string; seq?: number };
          const events: Ev[] = [];
          for (const r of requests) events.push({ t: r.at, kind: 'req', who: r.who });
          events.sort((a, b) => a.t - b.t);
          const intervals: { who: string; from: number; to: number }[] = [];
          const queue = [...events];
          while (queue.length > 0) {
            queue.sort((a, b) => a.t - b.t);
            const e = queue.shift()!;
            if (e.kind === 'req') {
              const seq = requestLease(holders[e.who], 's1', e.t);
              const r = requests.find((x) => x.at === e.t && x.who === e.who)!;
              voters.forEach((v, k) => queue.push({ t: e.t + r.delays[k]!, kind: 'ans', who: e.who, voter: v, seq }));
            } else {
              // Both nodes are "the primary" in the voters' eyes at some point: the worst case.
              const granted = decideGrant(grantors[e.voter!]!, 's1', e.who, true, e.t, o) === null;
              if (granted && leaseGranted(holders[e.who], e.voter!, e.seq!, voters, o)) intervals.push({ who: e.who, from: e.t, to: holders[e.who].untilMs });
            }
          }
          for (const a of intervals) for (const b of intervals) {
            if (a.who !== b.who) expect(a.to <= b.from || b.to <= a.from).toBe(true);
          }
        },
      ),
    );
  });
});
