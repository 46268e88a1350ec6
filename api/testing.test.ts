import { describe, expect, it } from 'vitest';
import { AssertionError } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertProperty, assertSeeds, replayReport, runSeeds, scenarioShape } from './index.ts';
import { maxGossipScenario } from '../scenarios/maxgossip.ts';

const thrown = (f: () => unknown): AssertionError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AssertionError) return e;
    throw e;
  }
  throw new Error('expected an AssertionError');
};

describe('the test-runner helper', () => {
  it('passes a clean sweep and returns what it ran', () => {
    const o = assertSeeds(maxGossipScenario, { seeds: '1..5' });
    expect(o.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(o.failures).toEqual([]);
  });

  it('fails a sweep with the seed, the violation, the report and the command that replays it; the report replays', async () => {
    const out = mkdtempSync(join(tmpdir(), 'helper-'));
    const e = thrown(() => assertSeeds(maxGossipScenario, { seeds: 10, bug: 'no-persist', out, scenarioFile: new URL('../scenarios/maxgossip.ts', import.meta.url) }));
    const lines = e.message.split('\n');
    expect(lines[0]).toMatch(/^maxgossip with bug no-persist, seeds 1\.\.10: seed \d+ broke never-backwards at [\d.]+m?s/);
    const report = /^report: (.+)$/m.exec(e.message)![1]!;
    expect(e.message).toContain(`replay: npm run sim -- --replay ${report}`);
    // The report names the scenario's module, as a path from here, so --replay finds it.
    expect(JSON.parse(readFileSync(report, 'utf8')).scenarioFile).toBe('scenarios/maxgossip.ts');
    const replayed = await replayReport(report);
    expect(replayed).toMatchObject({ sameViolation: true, sameTraceHash: true });
  });

  it('expectViolation: passes when a seed breaks an invariant (no report), fails when none does', () => {
    const o = assertSeeds(maxGossipScenario, { seeds: 10, bug: 'no-persist', expectViolation: true });
    expect(o.first?.reportPath).toBeNull();
    expect(thrown(() => assertSeeds(maxGossipScenario, { seeds: [1, 2], expectViolation: true })).message).toBe('maxgossip, seeds 1..2: no seed broke an invariant, so the bug went unnoticed');
    expect(runSeeds(maxGossipScenario, { seeds: [4, 2] }).seeds).toEqual([4, 2]);
  });

  it('runs a property with a shape made from the scenario, and fails with the shrunk case and its replay', () => {
    const shape = scenarioShape(maxGossipScenario);
    expect(shape.maxServers).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
    assertProperty(maxGossipScenario, { numRuns: 10, seed: 42 });
    const out = mkdtempSync(join(tmpdir(), 'helper-'));
    const e = thrown(() => assertProperty(maxGossipScenario, { numRuns: 300, seed: 42, bug: 'no-persist', out }));
    expect(e.message).toMatch(/^maxgossip \(bug no-persist\): never-backwards after \d+ cases; shrunk \d+ times to \d+ fault events/);
    const replay = /replay: npm run sim -- --replay (.+)$/m.exec(e.message)![1]!;
    expect(existsSync(replay)).toBe(true);
  });
});
