/**
 * The CI budget of the property tests: for every scenario in properties/targets.ts, generated
 * cases (shape, network, swarm-switched faults) pass every invariant without a bug, and every
 * known bug is found and shrunk to a small fault schedule whose report replays. fast-check's seed
 * is fixed (PROPERTY_SEED overrides it) so CI is reproducible; `npm run test:deep` runs more
 * cases from random seeds.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { propertyTargets } from './targets.ts';
import { checkScenario, describeOutcome } from './check.ts';
import { loadReport } from '../sim/report.ts';
import { findScenario } from '../scenarios/index.ts';
import { runConfig } from '../sim/run.ts';

const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : 42;
const CLEAN_RUNS = 40;
const BUG_BUDGET = 300;
const MAX_SHRUNK_EVENTS = 30;

describe.each(propertyTargets.map((t) => [t.scenario.name, t] as const))('%s properties', (_, target) => {
  it(`hold over ${CLEAN_RUNS} generated cases without a bug`, () => {
    const outcome = checkScenario(target.scenario, target.shape, { numRuns: CLEAN_RUNS, seed, reportDir: 'reports/out' });
    expect(outcome.failed, describeOutcome(outcome)).toBe(false);
  });

  it.each(target.bugs.map((b) => [b]))(`find bug %s within ${BUG_BUDGET} cases and shrink it`, (bug) => {
    const dir = mkdtempSync(join(tmpdir(), 'prop-'));
    const outcome = checkScenario(target.scenario, target.shape, { bug, numRuns: BUG_BUDGET, seed, reportDir: dir });
    expect(outcome.failed, `${bug} not found in ${BUG_BUDGET} cases`).toBe(true);
    expect(outcome.config!.faults.length).toBeLessThanOrEqual(MAX_SHRUNK_EVENTS);
    // The report holds the shrunk case, and replaying it gives the same violation and hash.
    const report = loadReport(outcome.reportPath!, findScenario);
    expect(report.origin.kind).toBe('property');
    expect(report.config.faults).toEqual(outcome.config!.faults);
    const again = runConfig(target.scenario, report.config);
    expect(again.violation?.invariant).toBe(report.violation.invariant);
    expect(again.violation?.eventIndex).toBe(report.violation.eventIndex);
    expect(again.traceHash).toBe(report.traceHash);
  });
});
