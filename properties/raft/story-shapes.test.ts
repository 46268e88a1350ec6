import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatFault } from '../../sim/faults.ts';
import { applicableFaults, runCaseArb, type RunCase } from '../arbitraries.ts';
import { figure8CaseShape, figure8Faults, flickerFaults, voteRestartCaseShape, type Figure8Round } from './story-shapes.ts';

const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
const round: Figure8Round = {
  atMs: 100,
  roles: ['n1', 'n2', 'n3', 'n4', 'n5'],
  elect: { downMs: 20, leadMs: 300 },
  rivalFirst: { downMs: 100 },
  rivalCutAfterMs: 230,
  returnCutAfterMs: 350,
  healAfterMs: 500,
};

describe('Figure 8 rounds', () => {
  it('tell the story: the others flicker so a leads, a is cut off with its partner, x wins and is cut off, a returns and is cut off again', () => {
    expect(figure8Faults(five, [round], 6_000).map(formatFault)).toEqual([
      'crash n2 at 100ms',
      'crash n3 at 100ms',
      'crash n4 at 100ms',
      'crash n5 at 100ms',
      'restart n2 at 120ms',
      'restart n3 at 120ms',
      'restart n4 at 120ms',
      'restart n5 at 120ms',
      'partition n1,n2 | n3,n4,n5 at 400ms',
      'crash n4 at 400ms',
      'crash n5 at 400ms',
      'restart n4 at 500ms',
      'restart n5 at 500ms',
      'partition n3 | n1,n2,n4,n5 at 630ms',
      'partition n1,n2 | n3,n4,n5 at 980ms',
      'heal at 1480ms',
    ]);
  });

  it('drop the pieces fast-check left out', () => {
    expect(figure8Faults(five, [{ ...round, elect: null, rivalFirst: null }], 6_000).map(formatFault)).toEqual([
      'partition n1,n2 | n3,n4,n5 at 100ms',
      'partition n3 | n1,n2,n4,n5 at 330ms',
      'partition n1,n2 | n3,n4,n5 at 680ms',
      'heal at 1180ms',
    ]);
  });

  it('leave out a round that overlaps the one before or outlasts the faulty phase', () => {
    const overlapping = { ...round, atMs: 1_000 };
    const late = { ...round, atMs: 5_000 };
    const next = { ...round, atMs: 1_500 };
    expect(figure8Faults(five, [late, next, overlapping, round], 6_000)).toEqual([...figure8Faults(five, [round], 6_000), ...figure8Faults(five, [next], 6_000)]);
  });
});

describe('flicker trains', () => {
  it('crash a server and bring it back after each flicker, at times from the start of the train', () => {
    const events = flickerFaults([{ node: 'n2', atMs: 1_000, flickers: [{ offsetMs: 0, downMs: 10 }, { offsetMs: 50, downMs: 5 }] }]);
    expect(events.map(formatFault)).toEqual(['crash n2 at 1s', 'restart n2 at 1010ms', 'crash n2 at 1050ms', 'restart n2 at 1055ms']);
  });
});

describe.each([
  ['raft-figure8', figure8CaseShape],
  ['raft-vote-restart', voteRestartCaseShape],
] as const)('%s cases', (_, shape) => {
  it('switch on every kind their schedule draws, so every generated event applies', () => {
    for (const c of fc.sample(runCaseArb(shape), { numRuns: 100, seed: 1 })) {
      expect(c.enabled).toEqual(shape.kinds);
      expect(applicableFaults(c as unknown as RunCase, shape.servers!(c.options))).toHaveLength(c.faults.length);
    }
  });
});
