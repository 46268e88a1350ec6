import { describe, expect, it } from 'vitest';
import { checkScenario, describeOutcome } from '../check.ts';
import { raftScenario } from '../../scenarios/raft/index.ts';
import { raftCaseShape } from './shape.ts';

describe('raft property cases', () => {
  it('hold every invariant over generated cases without a bug', () => {
    const outcome = checkScenario(raftScenario, raftCaseShape, { numRuns: 15, seed: 42, reportDir: null });
    expect(outcome.failed, describeOutcome(outcome)).toBe(false);
  });

  it('find a bug and shrink it to a short fault schedule', () => {
    const outcome = checkScenario(raftScenario, raftCaseShape, { bug: 'apply-before-commit', numRuns: 100, seed: 42, reportDir: null });
    expect(outcome.failed).toBe(true);
    expect(['state-machine-safety', 'commit-and-apply-bounds']).toContain(outcome.violation?.invariant);
    expect(outcome.config!.faults.length).toBeLessThanOrEqual(5);
  });
});
