import { describe, expect, it } from 'vitest';
import { runWorld, FixedRng } from '../sim/kernel.ts';
import type { InvariantChecker, RunConfig } from '../sim/scenario.ts';
import { probeConfig, probeWorld, type ProbeState } from '../sim/testkit.ts';
import { directedScheduleError } from './directed.ts';

/** Remembers n2's state after every event. */
function watch(into: { state: ProbeState | null; status: string }): InvariantChecker {
  return {
    name: 'watch',
    kind: 'safety',
    afterEvent(world) {
      const n = world.node('b');
      into.state = n.state === undefined ? null : structuredClone(n.state as ProbeState);
      into.status = n.status;
    },
  };
}

describe('a directed run in the kernel', () => {
  it('delivers, drops and duplicates messages, fires timers and delivers commands exactly as directed, in the directed order at equal times', () => {
    const seen = { state: null as ProbeState | null, status: '' };
    const world = probeWorld(
      ['a', 'b'],
      [
        { atMs: 0, node: 'a', command: { type: 'send', to: 'b', count: 3 } },
        { atMs: 0, node: 'b', command: { type: 'timer', afterMs: 5 } },
        { atMs: 0, node: 'b', command: { type: 'timer', afterMs: 1 } },
      ],
      [watch(seen)],
    );
    const config: RunConfig = probeConfig({
      conditions: { lossRate: 0.5, duplicateRate: 0.5 }, // ignored: the schedule decides
      directed: {
        fixedRng: true,
        commands: [{ atMs: 1, order: 0 }, { atMs: 1, order: 1 }, null],
        // Message 0 is dropped, 1 arrives twice, 2 arrives before both copies of 1 at the same instant.
        deliveries: [[], [{ atMs: 3, order: 3 }, { atMs: 3, order: 4 }], [{ atMs: 3, order: 2 }]],
        timers: [{ atMs: 9, order: 5 }],
        faults: [],
        end: { atMs: 9, order: 6 },
      },
      quietMs: 0,
    });
    const r = runWorld(config, world);
    expect(r.violation).toBeNull();
    expect(seen.state!.received).toEqual([{ from: 'a', seq: 2, atMs: 3 }, { from: 'a', seq: 1, atMs: 3 }, { from: 'a', seq: 1, atMs: 3 }]);
    expect(seen.state!.timerFiredAtMs).toEqual([9]);
    expect(r.events).toBe(7); // two commands, three deliveries, one timer, the end
    expect(r.stats).toMatchObject({ messagesSent: 3, messagesDelivered: 3, messagesDropped: 1, messagesDuplicated: 1, timersFired: 1 });
    expect(r.simulatedMs).toBe(9);

    // With a quiet phase the run goes on from the end, as after a heal: a timer the schedule never
    // fires (due at 6) fires at once, the command it never delivers arrives (and arms the timer
    // again, 1 ms later), the message it lists as in flight arrives, and the run ends 100 ms on.
    seen.state = null;
    const quiet = runWorld({ ...config, quietMs: 100, directed: { ...config.directed!, timers: [null], end: { atMs: 9, order: 5 }, inflight: [0] } }, world);
    expect(quiet.violation).toBeNull();
    expect(seen.state!.timerFiredAtMs).toEqual([9, 10]);
    expect(seen.state!.received.map((m) => m.seq)).toEqual([2, 1, 1, 0]);
    expect(seen.state!.received[3]!.atMs).toBeGreaterThanOrEqual(9); // at the link's latency (drawn from its stream) after the end
    expect(quiet.stats).toMatchObject({ commands: 3, messagesDelivered: 4, timersFired: 2 });
    expect(quiet.simulatedMs).toBe(109);
    // Without `inflight`, every message the schedule never delivers stays lost.
    seen.state = null;
    runWorld({ ...config, quietMs: 100 }, world);
    expect(seen.state!.received).toHaveLength(3);
  });

  it('refuses a schedule whose orders skip a number, instead of ending early without a word', () => {
    const world = probeWorld(['a', 'b'], [{ atMs: 0, node: 'b', command: { type: 'timer', afterMs: 5 } }]);
    const config = probeConfig({ quietMs: 0, directed: { fixedRng: true, commands: [{ atMs: 1, order: 0 }], deliveries: [], timers: [null], faults: [], end: { atMs: 9, order: 2 } } });
    expect(() => runWorld(config, world)).toThrow('directed schedule: no event took order 1');
  });

  it('lands a mid-step crash after the directed number of effects, and restarts as scheduled', () => {
    const seen = { state: null as ProbeState | null, status: '' };
    const world = probeWorld(['a', 'b'], [{ atMs: 0, node: 'b', command: { type: 'write', file: 'f', records: ['x', 'y', 'z'] } }], [watch(seen)]);
    const config: RunConfig = probeConfig({
      faults: [
        { atMs: 1, type: 'crash', node: 'b', landing: 'mid-step', writeFault: 'lost' },
        { atMs: 2, type: 'restart', node: 'b' },
      ],
      directed: {
        fixedRng: true,
        commands: [{ atMs: 1, order: 1 }],
        deliveries: [],
        timers: [],
        faults: [{ order: 0, landing: 2 }, { order: 2 }],
        end: { atMs: 2, order: 3 },
      },
      quietMs: 0,
    });
    const r = runWorld(config, world);
    expect(r.violation).toBeNull();
    expect(seen.status).toBe('up');
    expect(seen.state!.recovered).toEqual({ f: ['x', 'y'] }); // 'z' was the write in flight, lost
    expect(r.stats).toMatchObject({ crashes: 1, restarts: 1 });
  });

  it('gives every node a fixed Rng: next() 0, int() 0, between(min, max) min', () => {
    const rng = new FixedRng();
    expect([rng.next(), rng.int(7), rng.between(150, 300)]).toEqual([0, 0, 150]);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('names what is wrong with a broken directed section', () => {
    const good = { fixedRng: true, deliveries: [[{ atMs: 1, order: 0 }]], timers: [null], commands: [], faults: [], end: { atMs: 1, order: 1 } };
    expect(directedScheduleError(good, 0)).toBeNull();
    expect(directedScheduleError({ ...good, fixedRng: 'yes' }, 0)).toContain('fixedRng');
    expect(directedScheduleError({ ...good, end: { atMs: 1, order: 0 } }, 0)).toContain('used twice');
    expect(directedScheduleError({ ...good, end: { atMs: 1, order: 5 } }, 0)).toContain('without a gap');
    expect(directedScheduleError({ ...good, deliveries: [[{ atMs: 1, order: 1 }]], end: { atMs: 1, order: 0 } }, 0)).toBe('directed.end must come last (the highest order)');
    expect(directedScheduleError({ ...good, faults: [] }, 1)).toContain('one entry per fault');
    expect(directedScheduleError({ ...good, timers: [{ atMs: -1, order: 2 }] }, 0)).toContain('directed.timers');
  });
});
