import { describe, expect, it } from 'vitest';
import { runWorld } from './kernel.ts';
import type { Protocol } from '../core/contract/protocol.ts';
import type { RunConfig, World } from './scenario.ts';
import type { TraceEntry } from './trace.ts';
import type { FaultEvent } from './faults.ts';

/**
 * A server that acknowledges a request after writing it down (persist, then send), answers a ping
 * at once (no write), and sets a timer right after a write: the shape of a Raft voter.
 */
type Msg = { readonly type: 'req' | 'ack' | 'ping' | 'pong'; readonly id: number };
type Cmd = { readonly type: 'req' | 'ping'; readonly to: string; readonly id: number } | { readonly type: 'write'; readonly record: string };
interface S {
  got: { type: Msg['type']; id: number; atMs: number }[];
  recovered: readonly string[];
  timerAtMs: number[];
}

const server: Protocol<S, Msg, Cmd, string, never> = {
  name: 'ack-after-write',
  init: () => ({ got: [], recovered: [], timerAtMs: [] }),
  step(state, input, env) {
    switch (input.type) {
      case 'start':
        state.recovered = input.durable.log ?? [];
        return { state, effects: [] };
      case 'timer':
        state.timerAtMs.push(env.nowMs);
        return { state, effects: [] };
      case 'command': {
        const c = input.command;
        if (c.type === 'write') {
          return {
            state,
            effects: [
              { type: 'persist', write: { op: 'append', file: 'log', record: c.record } },
              { type: 'reply', commandId: input.commandId, reply: 'written' },
            ],
          };
        }
        return { state, effects: [{ type: 'send', to: c.to, message: { type: c.type, id: c.id } }] };
      }
      case 'message': {
        const m = input.message;
        state.got.push({ type: m.type, id: m.id, atMs: env.nowMs });
        if (m.type === 'req') {
          return {
            state,
            effects: [
              { type: 'persist', write: { op: 'append', file: 'log', record: `req ${m.id}` } },
              { type: 'setTimer', timer: 't', afterMs: 5 },
              { type: 'send', to: input.from, message: { type: 'ack', id: m.id } },
            ],
          };
        }
        if (m.type === 'ping') return { state, effects: [{ type: 'send', to: input.from, message: { type: 'pong', id: m.id } }] };
        return { state, effects: [] };
      }
    }
  },
};

function config(over: Partial<RunConfig> = {}): RunConfig {
  return {
    scenario: 'disk-latency',
    seed: 7,
    bug: null,
    options: {},
    network: { base: { lossRate: 0, duplicateRate: 0, latency: { kind: 'constant', ms: 1 }, reorder: false } },
    clock: { maxSkewMs: 0, maxDriftPpm: 0 },
    faults: [],
    durationMs: 200,
    quietMs: 0,
    maxEvents: 100_000,
    ...over,
  };
}

const disk7 = { latency: { kind: 'constant' as const, ms: 7 } };

function run(commands: World['commands'], over: Partial<RunConfig> = {}) {
  const states = new Map<string, S>();
  const disks = new Map<string, Record<string, string[]>>();
  const world: World = {
    nodes: ['a', 'b'].map((id) => ({ id, protocol: server, faultable: true, role: 'server' })),
    commands,
    checkers: [
      {
        name: 'collect',
        kind: 'safety',
        atEnd(w) {
          for (const n of w.nodes) {
            states.set(n.id, structuredClone(n.state as S));
            disks.set(n.id, structuredClone(n.disk) as Record<string, string[]>);
          }
        },
      },
    ],
  };
  const result = runWorld(config(over), world, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 100_000 } });
  return { result, states, disks, trace: result.trace };
}

const at = (trace: readonly TraceEntry[], kind: TraceEntry['kind'], node: string, type?: string): number[] =>
  trace.filter((e) => e.kind === kind && e.node === node && (type === undefined || (e.detail as { type?: string } | undefined)?.type === type)).map((e) => e.t);

const req = (atMs: number, id: number) => ({ atMs, node: 'a', command: { type: 'req' as const, to: 'b', id } });

describe('disk-write latency', () => {
  it('without a model, a write and the acknowledgement after it act at once', () => {
    const { states } = run([req(10, 1)]);
    expect(states.get('a')!.got).toEqual([{ type: 'ack', id: 1, atMs: 12 }]);
  });

  it('holds an acknowledgement sent after a write until the write has completed', () => {
    const { states, trace } = run([req(10, 1)], { disk: disk7 });
    // The request arrives at 11; the write takes 7 ms; the ack leaves at 18 and arrives at 19.
    expect(at(trace, 'persist', 'b')).toEqual([18]);
    expect(at(trace, 'send', 'b', 'ack')).toEqual([18]);
    expect(states.get('a')!.got).toEqual([{ type: 'ack', id: 1, atMs: 19 }]);
  });

  it('does not hold the timer set after the write: timers are local', () => {
    const { states } = run([req(10, 1)], { disk: disk7 });
    expect(states.get('b')!.timerAtMs).toEqual([16]);
  });

  it('writes one at a time: the second write waits for the first', () => {
    const { states } = run([req(10, 1), req(10, 2)], { disk: disk7 });
    expect(states.get('a')!.got).toEqual([
      { type: 'ack', id: 1, atMs: 19 },
      { type: 'ack', id: 2, atMs: 26 },
    ]);
  });

  it('holds a later reply that needs no write behind the pending write, in order', () => {
    const ping = { atMs: 11, node: 'a', command: { type: 'ping' as const, to: 'b', id: 9 } };
    const { states, trace } = run([req(10, 1), ping], { disk: disk7 });
    // The ping arrives at 12, while the write is pending until 18: the pong leaves after the ack.
    expect(at(trace, 'send', 'b')).toEqual([18, 18]);
    expect(states.get('a')!.got.map((g) => g.type)).toEqual(['ack', 'pong']);
  });

  it('sends at once when no write is pending', () => {
    const ping = { atMs: 30, node: 'a', command: { type: 'ping' as const, to: 'b', id: 9 } };
    const { states } = run([req(10, 1), ping], { disk: disk7 });
    expect(states.get('a')!.got).toEqual([
      { type: 'ack', id: 1, atMs: 19 },
      { type: 'pong', id: 9, atMs: 32 },
    ]);
  });

  it('holds a client reply after a write too', () => {
    const { trace } = run([{ atMs: 10, node: 'b', command: { type: 'write', record: 'x' } }], { disk: disk7 });
    expect(at(trace, 'reply', 'b')).toEqual([17]);
  });

  it('a crash before the write completes loses the write and the acknowledgement', () => {
    const faults: FaultEvent[] = [
      { atMs: 15, type: 'crash', node: 'b' },
      { atMs: 20, type: 'restart', node: 'b' },
    ];
    const { states, disks } = run([req(10, 1)], { disk: disk7, faults });
    expect(states.get('a')!.got).toEqual([]);
    expect(states.get('b')!.recovered).toEqual([]);
    expect(disks.get('b')!.log ?? []).toEqual([]);
  });

  it('a crash after it completes keeps both', () => {
    const faults: FaultEvent[] = [
      { atMs: 18.5, type: 'crash', node: 'b' },
      { atMs: 20, type: 'restart', node: 'b' },
    ];
    const { states } = run([req(10, 1)], { disk: disk7, faults });
    expect(states.get('a')!.got).toEqual([{ type: 'ack', id: 1, atMs: 19 }]);
    expect(states.get('b')!.recovered).toEqual(['req 1']);
  });

  it('draws latencies from the disk stream alone: the network and the trace of a run without writes are unchanged', () => {
    const latency = { kind: 'uniform' as const, minMs: 1, maxMs: 9 };
    const pings = [1, 2, 3].map((id) => ({ atMs: 10 * id, node: 'a', command: { type: 'ping' as const, to: 'b', id } }));
    const network = { base: { lossRate: 0, duplicateRate: 0, latency, reorder: true } };
    const off = run(pings, { network });
    const on = run(pings, { network, disk: { latency: { kind: 'uniform', minMs: 2, maxMs: 20 } } });
    expect(on.result.traceHash).toBe(off.result.traceHash);
    // With writes, the acks' network delays are the same draws as without the model.
    const reqs = [1, 2, 3].map((id) => req(40 * id, id));
    const a = run(reqs, { network });
    const b = run(reqs, { network, disk: { latency: { kind: 'uniform', minMs: 2, maxMs: 20 } } });
    const delays = (r: ReturnType<typeof run>) => {
      const sent = at(r.trace, 'send', 'b', 'ack');
      return r.states.get('a')!.got.map((g, k) => g.atMs - sent[k]!);
    };
    expect(delays(b)).toEqual(delays(a));
    expect(at(b.trace, 'send', 'b', 'ack')).not.toEqual(at(a.trace, 'send', 'b', 'ack'));
  });

  it('is refused in a directed run', () => {
    expect(() => run([], { disk: disk7, directed: { faults: [], commands: [], timers: [], deliveries: [], end: { atMs: 10, order: 0 } } as never })).toThrow(/directed/);
  });
});

describe('disk-write latency under Raft', () => {
  it('a vote leaves only once the voter has written it, and the candidate asks only once its own term is on disk', async () => {
    const { createKvRaftProtocol } = await import('../core/raft/index.ts');
    const voters = ['n1', 'n2', 'n3'];
    const protocol = createKvRaftProtocol({ voters, electionTimeoutMinMs: 150, electionTimeoutMaxMs: 300, heartbeatIntervalMs: 50, preVote: false, checkQuorum: false, snapshotEveryEntries: 0 });
    const world: World = { nodes: voters.map((id) => ({ id, protocol, faultable: true, role: 'server' })), commands: [], checkers: [] };
    const diskMs = 9;
    const result = runWorld(config({ durationMs: 1000, disk: { latency: { kind: 'constant', ms: diskMs } } }), world, { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 1_000_000 } });
    const trace = result.trace;
    const type = (e: TraceEntry) => (e.detail as { type?: string } | undefined)?.type;
    const votes = trace.filter((e) => e.kind === 'send' && type(e) === 'requestVoteResponse' && (e.detail as { granted: boolean }).granted);
    const requests = trace.filter((e) => e.kind === 'send' && type(e) === 'requestVote');
    expect(votes.length).toBeGreaterThan(0);
    for (const vote of votes) {
      // The voter wrote once or twice on the request (its new term, then its vote: two writes in a
      // row, as LogCabin's stepDown and vote each update the metadata); the vote left when the last completed.
      const asked = trace.filter((e) => e.kind === 'deliver' && e.node === vote.node && e.peer === vote.peer && type(e) === 'requestVote' && e.t <= vote.t).at(-1)!;
      const writes = trace.filter((e) => e.kind === 'persist' && e.node === vote.node && e.t > asked.t && e.t <= vote.t);
      expect(writes.length).toBeGreaterThanOrEqual(1);
      expect(vote.t - asked.t).toBeCloseTo(writes.length * diskMs, 9);
      expect(writes.at(-1)!.t).toBe(vote.t);
    }
    for (const request of requests) {
      // The candidate's term and vote for itself are on disk before it asks anyone.
      expect(trace.some((e) => e.kind === 'persist' && e.node === request.node && e.t === request.t && e.i <= request.i)).toBe(true);
      const timedOut = trace.filter((e) => e.kind === 'timer' && e.node === request.node && e.t <= request.t).at(-1)!;
      expect(request.t - timedOut.t).toBeCloseTo(diskMs, 9);
    }
  });
});
