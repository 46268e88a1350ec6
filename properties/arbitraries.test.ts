import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { caseConfig, networkCaseArb, runCaseArb, type CaseShape } from './arbitraries.ts';
import { allFaultKinds, type FaultKind } from '../sim/faults.ts';
import { nodeIds } from '../sim/configure.ts';
import { maxGossipScenario } from '../scenarios/maxgossip.ts';

const shape = (kinds: readonly FaultKind[]): CaseShape<{ nodes: number }> => ({
  options: fc.record({ nodes: fc.integer({ min: 3, max: 5 }) }),
  servers: (o) => nodeIds('n', o.nodes),
  maxServers: nodeIds('n', 5),
  kinds,
  durationMs: 10_000,
});

/** Every link condition a config's faults set, by name. */
function conditionsSet(kinds: readonly FaultKind[], runs = 200): Set<string> {
  const set = new Set<string>();
  for (const c of fc.sample(runCaseArb(shape(kinds)), { numRuns: runs, seed: 7 })) {
    for (const f of caseConfig(maxGossipScenario, shape(kinds), c, null).faults) if (f.type === 'network') for (const k of Object.keys(f.conditions)) set.add(k);
  }
  return set;
}

describe('generated cases draw only the fault kinds their shape names', () => {
  it('a shape without loss, duplication or latency never changes the network', () => {
    expect(fc.sample(networkCaseArb(['crash', 'partition']), { numRuns: 20, seed: 1 })).toEqual(Array(20).fill({}));
    expect(conditionsSet(['crash', 'partition', 'pause'])).toEqual(new Set());
  });

  it('each of loss, duplication and latency is drawn only when named', () => {
    expect(conditionsSet(['crash', 'duplicate'])).toEqual(new Set(['duplicateRate']));
    expect(conditionsSet(['loss'])).toEqual(new Set(['lossRate']));
    expect(conditionsSet(['latency', 'clock'])).toEqual(new Set(['latency']));
    expect(conditionsSet(allFaultKinds)).toEqual(new Set(['lossRate', 'duplicateRate', 'latency']));
  });

  it('a shape naming all three draws its base conditions at 0 ms, as it always did', () => {
    const [c] = fc.sample(runCaseArb(shape(allFaultKinds)), { numRuns: 1, seed: 3 });
    const first = caseConfig(maxGossipScenario, shape(allFaultKinds), c!, null).faults[0]!;
    expect(first).toMatchObject({ atMs: 0, type: 'network' });
    expect(Object.keys(first.type === 'network' ? first.conditions : {})).toEqual(['lossRate', 'duplicateRate', 'latency']);
  });
});
