import { describe, expect, it } from 'vitest';
import { runWorld } from './kernel.ts';
import { probeConfig, probeWorld, type ProbeState } from './testkit.ts';
import { parseFaultScript } from './faults.ts';
import type { TimedCommand } from './scenario.ts';

const send = (atMs: number, node: string, to: string, count: number): TimedCommand => ({ atMs, node, command: { type: 'send', to, count } });

function finalStates(config = probeConfig(), world = probeWorld(['a', 'b'], [])) {
  const states = new Map<string, ProbeState>();
  const checker = {
    name: 'collect',
    kind: 'safety' as const,
    atEnd(w: { nodes: readonly { id: string; state: unknown }[] }) {
      for (const n of w.nodes) states.set(n.id, structuredClone(n.state as ProbeState));
    },
  };
  const result = runWorld(config, { ...world, checkers: [...world.checkers, checker] });
  return { result, states };
}

describe('network', () => {
  it('loses and duplicates messages at the configured rates (within 3 standard deviations)', () => {
    const n = 20_000;
    for (const [lossRate, duplicateRate] of [[0.1, 0.05], [0.3, 0.2], [0, 0.5]] as const) {
      const { result, states } = finalStates(probeConfig({ conditions: { lossRate, duplicateRate } }), probeWorld(['a', 'b'], [send(0, 'a', 'b', n)]));
      const received = states.get('b')!.received.length;
      const lost = result.stats.messagesDropped;
      const dup = result.stats.messagesDuplicated;
      const sd = (p: number, k: number) => Math.sqrt(k * p * (1 - p));
      expect(Math.abs(lost - n * lossRate)).toBeLessThanOrEqual(3 * sd(lossRate, n) + 1);
      expect(Math.abs(dup - (n - lost) * duplicateRate)).toBeLessThanOrEqual(3 * sd(duplicateRate, n - lost) + 1);
      expect(received).toBe(n - lost + dup);
    }
  });

  it('keeps a FIFO link in order and lets a reordering link reorder', () => {
    const latency = { kind: 'uniform' as const, minMs: 1, maxMs: 50 };
    const fifo = finalStates(probeConfig({ conditions: { latency, reorder: false } }), probeWorld(['a', 'b'], [send(0, 'a', 'b', 500)]));
    const seqs = fifo.states.get('b')!.received.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const loose = finalStates(probeConfig({ conditions: { latency, reorder: true } }), probeWorld(['a', 'b'], [send(0, 'a', 'b', 500)]));
    const looseSeqs = loose.states.get('b')!.received.map((r) => r.seq);
    expect(looseSeqs).not.toEqual([...looseSeqs].sort((x, y) => x - y));
    expect([...looseSeqs].sort((x, y) => x - y)).toEqual([...Array(500).keys()]);
  });

  it('delivers nothing across a partition and everything after the heal', () => {
    const commands: TimedCommand[] = [];
    for (let t = 0; t < 900; t += 10) commands.push(send(t, 'a', 'c', 1), send(t, 'a', 'b', 1), send(t, 'c', 'a', 1));
    const faults = [
      { atMs: 200, type: 'partition' as const, groups: [['a', 'b'], ['c']] },
      { atMs: 500, type: 'heal' as const },
    ];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b', 'c'], commands));
    const cFromA = states.get('c')!.received.filter((r) => r.from === 'a');
    const aFromC = states.get('a')!.received.filter((r) => r.from === 'c');
    // Latency is 1-5 ms: nothing arrives across the cut while it stands...
    for (const r of [...cFromA, ...aFromC]) expect(r.atMs < 200 || r.atMs >= 500).toBe(true);
    // ...everything sent after the heal arrives, and the same side never lost anything.
    expect(cFromA.filter((r) => r.atMs >= 500).length).toBe(40);
    expect(states.get('b')!.received.length).toBe(90);
  });

  it('blocks only one direction of a one-way partition', () => {
    const commands = [send(100, 'a', 'b', 10), send(100, 'b', 'a', 10)];
    const faults = [{ atMs: 50, type: 'oneway' as const, from: ['a'], to: ['b'] }];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b'], commands));
    expect(states.get('b')!.received.length).toBe(0);
    expect(states.get('a')!.received.length).toBe(10);
  });
});

describe('disk and crashes', () => {
  it('a crash loses exactly the unpersisted state', () => {
    const commands: TimedCommand[] = [
      { atMs: 10, node: 'a', command: { type: 'write', file: 'log', records: ['r1', 'r2'] } },
      { atMs: 20, node: 'a', command: { type: 'remember', value: 'volatile' } },
      { atMs: 30, node: 'a', command: { type: 'write', file: 'log', records: ['r3'] } },
    ];
    const faults = [
      { atMs: 40, type: 'crash' as const, node: 'a' },
      { atMs: 60, type: 'restart' as const, node: 'a' },
    ];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a'], commands));
    const a = states.get('a')!;
    expect(a.recovered).toEqual({ log: ['r1', 'r2', 'r3'] });
    expect(a.memory).toEqual([]);
  });

  it('a mid-step crash can land between two writes and damage the one in flight', () => {
    const outcomes = new Map<string, number>();
    for (const writeFault of ['lost', 'torn', 'corrupt'] as const) {
      for (let seed = 1; seed <= 20; seed++) {
        const commands: TimedCommand[] = [{ atMs: 10, node: 'a', command: { type: 'write', file: 'log', records: ['first-record', 'second-record', 'third-record'] } }];
        const faults = [
          { atMs: 5, type: 'crash' as const, node: 'a', landing: 'mid-step' as const, writeFault },
          { atMs: 60, type: 'restart' as const, node: 'a' },
        ];
        const { states } = finalStates(probeConfig({ seed, faults }), probeWorld(['a'], commands));
        const log = states.get('a')!.recovered.log ?? [];
        const intact = ['first-record', 'second-record', 'third-record'];
        // Writes before the landing point are whole; the one in flight is damaged; the rest never happened.
        const whole = log.filter((r, k) => r === intact[k]).length;
        expect(log.length).toBeLessThanOrEqual(whole + 1);
        if (writeFault === 'lost') expect(log.length).toBe(whole);
        else {
          expect(log.length).toBe(whole + 1);
          const damaged = log[whole]!;
          if (writeFault === 'torn') expect(intact[whole]!.startsWith(damaged) && damaged !== intact[whole]).toBe(true);
          else expect(damaged.length === intact[whole]!.length && damaged !== intact[whole]).toBe(true);
        }
        outcomes.set(`${writeFault}:${whole}`, (outcomes.get(`${writeFault}:${whole}`) ?? 0) + 1);
      }
    }
    // Over 20 seeds the landing point varies.
    expect([...outcomes.keys()].filter((k) => k.startsWith('torn')).length).toBeGreaterThan(1);
  });

  it('drops messages to a crashed node and fires no timer of an earlier life', () => {
    const commands: TimedCommand[] = [
      { atMs: 10, node: 'b', command: { type: 'timer', afterMs: 100 } },
      send(50, 'a', 'b', 5),
    ];
    const faults = [
      { atMs: 20, type: 'crash' as const, node: 'b' },
      { atMs: 80, type: 'restart' as const, node: 'b' },
    ];
    const { states, result } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b'], commands));
    expect(states.get('b')!.received).toEqual([]);
    expect(states.get('b')!.timerFiredAtMs).toEqual([]);
    expect(result.stats.messagesDropped).toBe(5);
  });
});

describe('pauses and clocks', () => {
  it('a paused node receives its messages late, in order, and fires timers late', () => {
    const commands: TimedCommand[] = [{ atMs: 0, node: 'b', command: { type: 'timer', afterMs: 50 } }, send(10, 'a', 'b', 20)];
    const faults = [{ atMs: 5, type: 'pause' as const, node: 'b', durationMs: 200 }];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b'], commands));
    const b = states.get('b')!;
    expect(b.received.length).toBe(20);
    for (const r of b.received) expect(r.atMs).toBeGreaterThanOrEqual(205);
    expect(b.timerFiredAtMs[0]).toBeGreaterThanOrEqual(205);
  });

  it('skew shifts a node\'s clock and drift changes its rate, within the configured bounds', () => {
    const commands: TimedCommand[] = [{ atMs: 100, node: 'a', command: { type: 'timer', afterMs: 100 } }];
    const faults = [{ atMs: 0, type: 'clock' as const, node: 'a', skewMs: 500, driftPpm: 5000 }];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a'], commands));
    const fired = states.get('a')!.timerFiredAtMs[0]!;
    // Clamped to maxSkewMs 100 and maxDriftPpm 1000: local = t * 1.001 + 100; the timer fires
    // after 100 ms of local time, at t = 100 + 100 / 1.001 virtual.
    const t = 100 + 100 / 1.001;
    expect(fired).toBeCloseTo(t * 1.001 + 100, 6);
  });
});

describe('runs', () => {
  it('are deterministic: the same config gives the same hash, a different seed a different one', () => {
    const commands = [send(0, 'a', 'b', 300), send(5, 'b', 'a', 300)];
    const conditions = { lossRate: 0.1, duplicateRate: 0.1 };
    const run = (seed: number) => runWorld(probeConfig({ seed, conditions }), probeWorld(['a', 'b'], commands)).traceHash;
    expect(run(1)).toBe(run(1));
    expect(run(1)).not.toBe(run(2));
  });

  it('record the same hash with and without trace recording', () => {
    const config = probeConfig({ conditions: { lossRate: 0.2 } });
    const world = () => probeWorld(['a', 'b'], [send(0, 'a', 'b', 100)]);
    const lean = runWorld(config, world());
    const traced = runWorld(config, world(), { trace: { fromEvent: 0, toEvent: Infinity, capacity: 50 } });
    expect(traced.traceHash).toBe(lean.traceHash);
    expect(traced.trace.length).toBe(50);
    expect(traced.traceOmitted).toBeGreaterThan(0);
  });

  it('stop at the first violation, with every node\'s state', () => {
    const checker = { name: 'no-more-than-3', kind: 'safety' as const, afterEvent: (w: { nodes: readonly { state: unknown }[] }) => ((w.nodes[1]!.state as ProbeState).received.length > 3 ? 'b got a fourth message' : undefined) };
    const r = runWorld(probeConfig(), probeWorld(['a', 'b'], [send(0, 'a', 'b', 10)], [checker]));
    expect(r.violation?.invariant).toBe('no-more-than-3');
    expect((r.violation?.states.b as ProbeState).received.length).toBe(4);
  });

  it('turn an exception in a step into a crash violation, and an event storm into a budget violation', () => {
    const bad = { ...probeWorld(['a'], [{ atMs: 1, node: 'a', command: { type: 'nonsense' } }]) };
    bad.nodes = [{ ...bad.nodes[0]!, protocol: { name: 'x', init: () => ({}), step: () => { throw new Error('assertion failed: boom'); } } }];
    const threw = runWorld(probeConfig(), { ...bad, commands: [] });
    expect(threw.violation?.invariant).toBe('kernel:step-threw');
    expect(threw.violation?.message).toContain('boom');
    const storm = runWorld(probeConfig({ maxEvents: 100 }), probeWorld(['a', 'b'], [send(0, 'a', 'b', 1000)]));
    expect(storm.violation?.invariant).toBe('kernel:event-budget');
  });

  it('heal, restart and resume everything at the end of the faulty phase', () => {
    const faults = [
      { atMs: 100, type: 'crash' as const, node: 'a' },
      { atMs: 100, type: 'partition' as const, groups: [['b'], ['c']] },
      { atMs: 100, type: 'pause' as const, node: 'c', durationMs: 10_000 },
    ];
    const commands = [send(1050, 'b', 'c', 3), send(1050, 'c', 'b', 3), send(1050, 'b', 'a', 3)];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b', 'c'], commands));
    expect(states.get('a')!.received.length).toBe(3);
    expect(states.get('b')!.received.length).toBe(3);
    expect(states.get('c')!.received.length).toBe(3);
  });
});

describe('the forger', () => {
  it('fires kernel:forgery-accepted when a replayed message changes the receiver', () => {
    const faults = [{ atMs: 50, type: 'forge' as const, node: 'b', from: 'a', mode: 'replay' as const }];
    const r = runWorld(probeConfig({ faults }), probeWorld(['a', 'b'], [send(10, 'a', 'b', 1)]));
    expect(r.violation?.invariant).toBe('kernel:forgery-accepted');
    expect(r.violation?.message).toContain('replayed message claiming to come from a');
  });

  it('lets a receiver that rejects what it cannot authenticate pass', () => {
    const faults = [
      { atMs: 50, type: 'forge' as const, node: 'b', from: 'a', mode: 'garbage' as const },
      { atMs: 60, type: 'forge' as const, node: 'b', from: 'a', mode: 'tamper' as const },
    ];
    const world = probeWorld(['a', 'b'], []);
    // Only well-formed probe objects count; raw bytes are refused without a trace in the state.
    const strict = { ...world.nodes[1]!.protocol, step: (s: ProbeState, input: Parameters<typeof world.nodes[0]['protocol']['step']>[1], env: never) =>
      input.type === 'message' && input.message instanceof Uint8Array ? { state: s, effects: [] } : world.nodes[1]!.protocol.step(s, input, env) };
    const r = runWorld(probeConfig({ faults }), { ...world, nodes: [world.nodes[0]!, { ...world.nodes[1]!, protocol: strict }] });
    expect(r.violation).toBeNull();
    expect(r.stats.forgeries).toBe(1); // tamper found no binary message on the link to copy
  });
});

describe('slow nodes', () => {
  it('a node waking from a pause handles its overdue timers before its message backlog', () => {
    // b arms a 50 ms timer at 0; messages arrive at 10-15 ms; b is stalled from 5 ms to 200 ms.
    const commands: TimedCommand[] = [{ atMs: 0, node: 'b', command: { type: 'timer', afterMs: 50 } }, send(10, 'a', 'b', 5)];
    const faults = [{ atMs: 5, type: 'pause' as const, node: 'b', durationMs: 195 }];
    const r = runWorld(probeConfig({ faults }), probeWorld(['a', 'b'], commands), { trace: { fromEvent: 0, toEvent: Infinity, capacity: 10_000 } });
    const atB = r.trace.filter((e) => e.node === 'b' && (e.kind === 'timer' || e.kind === 'deliver'));
    expect(atB[0]?.kind).toBe('timer');
    expect(atB.slice(1).every((e) => e.kind === 'deliver')).toBe(true);
    expect(atB.length).toBe(6);
  });

  it('messages waiting for a paused node that crashes are dropped, not delivered after its restart', () => {
    const faults = [
      { atMs: 5, type: 'pause' as const, node: 'b', durationMs: 500 },
      { atMs: 50, type: 'crash' as const, node: 'b' },
      { atMs: 60, type: 'restart' as const, node: 'b' },
    ];
    const { states, result } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b'], [send(10, 'a', 'b', 4)]));
    expect(states.get('b')!.received).toEqual([]);
    expect(result.stats.messagesDropped).toBe(4);
  });

  it('network conditions can be set on chosen links only', () => {
    const faults = [{ atMs: 0, type: 'network' as const, conditions: { lossRate: 1 }, links: { from: ['a'], to: ['b'] } }];
    const commands = [send(10, 'a', 'b', 20), send(10, 'a', 'c', 20), send(10, 'b', 'a', 20)];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b', 'c'], commands));
    expect(states.get('b')!.received.length).toBe(0);
    expect(states.get('c')!.received.length).toBe(20);
    expect(states.get('a')!.received.length).toBe(20);
  });

  it('a slow receiver: latency on every link into one node, removed by its "until"', () => {
    const faults = parseFaultScript('latency 300..300ms on * -> b at 0ms until 400ms');
    const commands = [send(10, 'a', 'b', 1), send(10, 'a', 'c', 1), send(500, 'a', 'b', 1)];
    const { states } = finalStates(probeConfig({ faults }), probeWorld(['a', 'b', 'c'], commands));
    const atB = states.get('b')!.received.map((x) => x.atMs);
    expect(atB[0]).toBeCloseTo(310, 6);
    expect(atB[1]).toBeLessThan(506);
    expect(states.get('c')!.received[0]!.atMs).toBeLessThan(16);
  });
});

describe('fixed events', () => {
  it('run before messages due at the same instant, as when they waited in the queue', () => {
    // Faults and commands are scheduled before the run starts, so at a tie they come first: the
    // crash at 10 ms lands before the message that arrives at exactly 10 ms.
    const conditions = { latency: { kind: 'constant' as const, ms: 10 } };
    const faults = [
      { atMs: 10, type: 'crash' as const, node: 'b', landing: 'between-steps' as const },
      { atMs: 30, type: 'restart' as const, node: 'b' },
    ];
    const { result, states } = finalStates(probeConfig({ conditions, faults }), probeWorld(['a', 'b'], [send(0, 'a', 'b', 1), send(25, 'a', 'b', 1)]));
    expect(result.stats.messagesDropped).toBe(1);
    expect(states.get('b')!.received.map((r) => r.atMs)).toEqual([35]);
  });
});

describe('message hooks', () => {
  it('tells checkers every send as it leaves (lost or not) and every delivery before the receiver steps', () => {
    const events: string[] = [];
    const checker = {
      name: 'messages',
      kind: 'safety' as const,
      onMessage(event: 'sent' | 'delivered', from: string, to: string, _m: unknown, w: { node(id: string): { state: unknown } }) {
        events.push(`${event} ${from}>${to} ${(w.node(to).state as ProbeState).received.length}`);
      },
    };
    const { result } = finalStates(probeConfig({ conditions: { lossRate: 0.5 } }), probeWorld(['a', 'b'], [send(0, 'a', 'b', 200)], [checker]));
    const sent = events.filter((e) => e.startsWith('sent a>b')).length;
    const delivered = events.filter((e) => e.startsWith('delivered a>b'));
    expect(sent).toBe(200);
    expect(delivered.length).toBe(200 - result.stats.messagesDropped + result.stats.messagesDuplicated);
    // Before the step: the k-th delivery finds k - 1 messages received.
    delivered.forEach((e, k) => expect(e).toBe(`delivered a>b ${k}`));
  });
});
