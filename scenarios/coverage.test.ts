import { describe, expect, it } from 'vitest';
import { runSeed } from '../sim/run.ts';
import { coverageShortfall, type Scenario } from '../sim/scenario.ts';
import { maxGossipScenario } from './maxgossip.ts';
import { sealedLogScenario } from './amaters-log.ts';

/** What a sweep of seeds 1..n of `scenario` (with `bug`) fell short of, as the CLI judges it. */
function shortfall(scenario: Scenario, bug: string | null): string[] {
  const n = scenario.sometimes!.seeds;
  const total: Record<string, number> = {};
  for (let seed = 1; seed <= n; seed++) {
    for (const [event, count] of Object.entries(runSeed(scenario, seed, bug).coverage)) total[event] = (total[event] ?? 0) + count;
  }
  return coverageShortfall(scenario.sometimes, total, n);
}

// A requirement that cannot fail checks nothing: each bug here turns a required branch off, and the
// sweep falls short of it, whether or not an invariant also catches the run.
describe('scenario coverage requirements', () => {
  it('maxgossip: correct code reaches every required event', () => {
    expect(shortfall(maxGossipScenario, null)).toEqual([]);
  });

  it('maxgossip: trusting torn records at recovery (no-checksum) stops skipping bad ones, and the sweep falls short', () => {
    const missed = shortfall(maxGossipScenario, 'no-checksum');
    expect(missed.some((e) => e.startsWith('maxgossip/recovery-skipped-bad-record'))).toBe(true);
  });

  it('amaters-log: replicas that skip verification (apply-unverified) never refuse a bad entry, and the sweep falls short', () => {
    const missed = shortfall(sealedLogScenario, 'apply-unverified');
    expect(missed).toContain('integrity/refused-bad-entry (0 of 100)');
    expect(missed.some((e) => e.startsWith('integrity/recovery-truncated-bad-record'))).toBe(true);
  });
});
