import { describe, expect, it } from 'vitest';
import { faultScheduleError, formatFault, parseFaultScript, swarmFaults, FaultScriptError, allFaultKinds } from './faults.ts';
import { Stream } from '../core/contract/rng.ts';

describe('fault scripts', () => {
  it('read like the story they tell', () => {
    const faults = parseFaultScript(`
      crash n2 at 3s
      restart n2 at 4.5s
      partition n1,n2 | n3,n4,n5 at 5s until 9s
      oneway n1 -> n2,n3 at 2s until 2500ms
      pause n3 at 1s for 500ms; clock n2 at 1s skew -20ms drift 100ppm
      loss 20% at 1s until 3s; crash n4 at 6s mid-step torn
    `);
    expect(faults.map(formatFault)).toEqual([
      'pause n3 at 1s for 500ms',
      'clock n2 at 1s skew -20ms drift 100ppm',
      'loss 20% at 1s',
      'oneway n1 -> n2,n3 at 2s',
      'heal at 2.5s',
      'crash n2 at 3s',
      'network back to base at 3s',
      'restart n2 at 4.5s',
      'partition n1,n2 | n3,n4,n5 at 5s',
      'crash n4 at 6s mid-step torn',
      'heal at 9s',
    ]);
    expect(faultScheduleError(faults, ['n1', 'n2', 'n3', 'n4', 'n5'])).toBeNull();
  });

  it('narrow network changes to links with "on FROM -> TO"', () => {
    const faults = parseFaultScript('latency 200..400ms on * -> n3 at 1s until 2s; loss 50% on n1,n2 -> n4 at 3s');
    expect(faults.map(formatFault)).toEqual([
      'latency {"kind":"uniform","minMs":200,"maxMs":400} on * -> n3 at 1s',
      'network back to base on * -> n3 at 2s',
      'loss 50% on n1,n2 -> n4 at 3s',
    ]);
    expect(faultScheduleError(faults, ['n1', 'n2', 'n3', 'n4'])).toBeNull();
    expect(faultScheduleError(faults, ['n1', 'n2', 'n3'])).toContain('unknown node "n4"');
  });

  it('refuse bad statements with a message naming them', () => {
    for (const [text, why] of [
      ['crash n2', 'missing "at TIME"'],
      ['crash n2 at 3', 'bad duration "3"'],
      ['explode n2 at 3s', 'unknown fault "explode"'],
      ['crash n2 at 3s torn', 'needs "mid-step"'],
      ['partition n1 at 3s', 'partition needs groups'],
      ['loss 200% at 1s', 'a rate above 100%'],
      ['partition n1 | n2 at 5s until 4s', '"until" is before "at"'],
    ] as const) {
      expect(() => parseFaultScript(text)).toThrow(FaultScriptError);
      expect(() => parseFaultScript(text)).toThrow(why);
    }
  });

  it('validation names the first bad event', () => {
    expect(faultScheduleError([{ atMs: 1, type: 'crash', node: 'n9' }], ['n1'])).toBe('fault 0: unknown node "n9"');
    expect(faultScheduleError([{ atMs: -1, type: 'heal' }], ['n1'])).toBe('fault 0: atMs must be a non-negative number');
    expect(faultScheduleError([{ atMs: 1, type: 'heal' }, { atMs: 2, type: 'network', conditions: { lossRate: 2 } }], ['n1'])).toContain('fault 1: lossRate');
    expect(faultScheduleError('nope', ['n1'])).toBe('faults must be a list');
  });
});

describe('swarm plans', () => {
  it('switch fault kinds on and off per seed, and keep a majority up', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const plan = swarmFaults(new Stream(seed, 'faults/plan'), { nodes, durationMs: 20_000, kinds: allFaultKinds, clock: { maxSkewMs: 50, maxDriftPpm: 200 } });
      seen.add(plan.enabled.join(','));
      expect(faultScheduleError(plan.faults, nodes)).toBeNull();
      // Replay the crash/restart events: never more than 2 of 5 down at once.
      const down = new Set<string>();
      for (const f of plan.faults) {
        if (f.type === 'crash') down.add(f.node);
        if (f.type === 'restart') down.delete(f.node);
        expect(down.size).toBeLessThanOrEqual(2);
      }
    }
    expect(seen.size).toBeGreaterThan(30);
  });

  it('are a pure function of the seed', () => {
    const plan = (seed: number) => swarmFaults(new Stream(seed, 'faults/plan'), { nodes: ['a', 'b', 'c'], durationMs: 5000, kinds: allFaultKinds, clock: { maxSkewMs: 10, maxDriftPpm: 10 } });
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
  });
});
