/**
 * `npm run test:deep [-- --runs N] [--scenario NAME] [--bug NAME] [--seed S]`: the property runs
 * of properties/targets.ts with as many cases as asked (default: PROPERTY_RUNS or 1000), from a
 * random fast-check seed unless one is given. Without --bug it checks that no invariant breaks;
 * with --bug (or --bugs, for every known bug) it reports how fast each bug is found and how small
 * its schedule shrinks. Exit 0 when everything held (and every hunted bug was found), 1 otherwise,
 * 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import { propertyTargets } from '../properties/targets.ts';
import { checkScenario, describeOutcome } from '../properties/check.ts';

function usage(message: string): never {
  console.error(`test:deep: ${message}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: { runs: { type: 'string' }, scenario: { type: 'string' }, bug: { type: 'string' }, bugs: { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  }));
} catch (e) {
  usage((e as Error).message.split('\n')[0]!);
}
const runsText = values.runs ?? process.env.PROPERTY_RUNS ?? '1000';
if (!/^\d+$/.test(runsText) || Number(runsText) < 1) usage(`--runs must be a positive whole number, got ${JSON.stringify(runsText)}`);
const runs = Number(runsText);
if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) usage(`--seed must be a whole number, got ${JSON.stringify(values.seed)}`);
const seed = values.seed !== undefined ? Number(values.seed) : randomInt(0, 2 ** 31);
const targets = propertyTargets.filter((t) => values.scenario === undefined || t.scenario.name === values.scenario);
if (targets.length === 0) usage(`no property target for scenario ${JSON.stringify(values.scenario)} (targets: ${propertyTargets.map((t) => t.scenario.name).join(', ')})`);
const out = values.out ?? 'reports/out';

let ok = true;
console.log(`fast-check seed ${seed}, ${runs} cases per property`);
for (const target of targets) {
  const bugs = values.bug !== undefined ? [values.bug] : values.bugs ? target.bugs : [];
  if (values.bug !== undefined && !target.scenario.bugs.some((b) => b.name === values.bug)) usage(`scenario ${target.scenario.name} has no bug ${JSON.stringify(values.bug)}`);
  if (bugs.length === 0) {
    const started = performance.now();
    const o = checkScenario(target.scenario, target.shape, { numRuns: runs, seed, reportDir: out });
    console.log(`${describeOutcome(o)}  [${((performance.now() - started) / 1000).toFixed(1)} s]`);
    ok &&= !o.failed;
  }
  for (const bug of bugs) {
    const started = performance.now();
    const o = checkScenario(target.scenario, target.shape, { bug, numRuns: runs, seed, reportDir: out });
    console.log(`${describeOutcome(o)}  [${((performance.now() - started) / 1000).toFixed(1)} s]`);
    ok &&= o.failed;
  }
}
process.exit(ok ? 0 : 1);
