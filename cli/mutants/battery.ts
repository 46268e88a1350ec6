/**
 * The simulation battery, run inside a mutated copy of the checkout: seed sweeps of the relevant
 * scenarios, the explorer where a model applies, the property targets with shrinking, then longer
 * sweeps, until something fails or the time budget is spent. Never unit tests: a mistake counts as
 * caught only when the simulation catches it.
 *
 * `node --import tsx cli/mutants/battery.ts '{"scenarios": [...], "budgetMs": 300000}'` prints one
 * JSON line, a BatteryResult.
 */
import { findScenario } from '../../scenarios/index.ts';
import { runSeed } from '../../sim/run.ts';
import { coverageShortfall, type Scenario } from '../../sim/scenario.ts';
import { exploreScenario, resolveBounds } from '../../explore/index.ts';
import { propertyTargets } from '../../properties/targets.ts';
import { checkScenario } from '../../properties/check.ts';
import { shrinkFaults } from '../shrink.ts';
import type { BatteryResult, Method } from './types.ts';

export interface BatteryRequest {
  /** Nearest to the change first (cli/mutants/relevant.ts). */
  readonly scenarios: readonly string[];
  /** How many of them, from the first, are nearest: the quick rounds run those. */
  readonly nearest: number;
  /** CPU time of this process, so a loaded machine does not shrink the battery. */
  readonly budgetMs: number;
}

/** This process's CPU time in ms (user and system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Seeds per scenario in the first rounds: a few of everything before many of anything. */
const QUICK_ROUNDS = [3, 10, 25];
const LONG_ROUND = 50;
/** fast-check's seed for the property runs: fixed, so a battery's result is reproducible. */
const PROPERTY_SEED = 424242;
const PROPERTY_RUNS = 150;

export function runBattery(request: BatteryRequest): BatteryResult {
  const started = performance.now(); // determinism-ok: the battery's wall time, outside every world
  const cpuStarted = cpuMs(); // determinism-ok: its budget, outside every world
  const elapsed = () => cpuMs() - cpuStarted;
  const left = () => request.budgetMs - elapsed();
  const scenarios = request.scenarios.map((n) => findScenario(n)).filter((s): s is Scenario => s !== undefined);
  const nearest = scenarios.slice(0, Math.max(1, request.nearest));
  const ran = { sweepRuns: 0, propertyCases: 0, exploredWorlds: 0 };
  const done = (kill: { method: Method; scenario: string; invariant: string; message: string; tries: number; shrunkFaults: number | null; reproduce: string } | null): BatteryResult => ({
    killed: kill !== null,
    method: kill?.method ?? null,
    scenario: kill?.scenario ?? null,
    invariant: kill?.invariant ?? null,
    message: kill?.message.split('\n')[0] ?? null,
    tries: kill?.tries ?? ran.sweepRuns + ran.propertyCases + ran.exploredWorlds,
    shrunkFaults: kill?.shrunkFaults ?? null,
    reproduce: kill?.reproduce ?? null,
    wallMs: Math.round(performance.now() - started), // determinism-ok
    cpuMs: Math.round(elapsed()),
    scenarios: request.scenarios,
    ran,
  });

  const nextSeed = new Map<string, number>(scenarios.map((s) => [s.name, 1]));
  const coverage = new Map<string, Map<string, number>>(scenarios.map((s) => [s.name, new Map()]));
  /** A scenario's required rare branches, once it has run just enough seeds: those it fell short of. */
  const unreached = (s: Scenario, runs: number): string[] =>
    s.sometimes === undefined || runs !== s.sometimes.seeds ? [] : coverageShortfall(s.sometimes, Object.fromEntries(coverage.get(s.name)!), runs);
  /** One round: `count` more seeds of every scenario; the first violation, shrunk. */
  const sweepRound = (count: number, among: readonly Scenario[]) => {
    for (const s of among) {
      const from = nextSeed.get(s.name)!;
      for (let seed = from; seed < from + count; seed++) {
        if (left() <= 0) return null;
        ran.sweepRuns++;
        const r = runSeed(s, seed);
        nextSeed.set(s.name, seed + 1);
        const seen = coverage.get(s.name)!;
        for (const [event, n] of Object.entries(r.coverage)) seen.set(event, (seen.get(event) ?? 0) + n);
        const missing = unreached(s, seed);
        if (missing.length > 0) {
          return {
            method: 'coverage' as const,
            scenario: s.name,
            invariant: `sometimes: ${missing[0]}`,
            message: `${seed} seeds of ${s.name} never reached ${missing.join(', ')}`,
            tries: ran.sweepRuns,
            shrunkFaults: null,
            reproduce: `npm run sim -- --scenario ${s.name} --seeds 1..${seed}`,
          };
        }
        if (r.violation === null) continue;
        const shrunk = shrinkFaults(s, r.config, r.violation.invariant, 150);
        return {
          method: 'sweep' as const,
          scenario: s.name,
          invariant: r.violation.invariant,
          message: r.violation.message,
          tries: ran.sweepRuns,
          shrunkFaults: shrunk.config.faults.length,
          reproduce: `npm run sim -- --scenario ${s.name} --seed ${seed}`,
        };
      }
    }
    return null;
  };

  for (const count of QUICK_ROUNDS) {
    const kill = sweepRound(count, nearest);
    if (kill !== null) return done(kill);
  }

  // Then the nearest scenarios' coverage requirements: a sweep as long as each asks for, so a rule
  // that stops being exercised (a transfer that can never win) fails before the costlier methods.
  for (const s of nearest) {
    const need = s.sometimes?.seeds;
    if (need === undefined || nextSeed.get(s.name)! > need) continue;
    const kill = sweepRound(need - nextSeed.get(s.name)! + 1, [s]);
    if (kill !== null) return done(kill);
  }

  // The explorer, where the scenario has a model: its default bounds, then its quiet continuations.
  for (const s of scenarios.filter((x) => x.explore !== undefined)) {
    const variants = s.explore!.variants ?? 1;
    for (let seed = 0; seed < variants; seed++) for (const liveness of [false, true]) {
      if (left() <= 0) break;
      const o = exploreScenario(s, { seed, bounds: resolveBounds(s, { liveness, ...(liveness ? { depth: 6 } : {}) }), timeBudgetMs: Math.max(1000, Math.min(left(), request.budgetMs / (6 * variants))), reportDir: null });
      ran.exploredWorlds += o.unique;
      const v = o.violation;
      if (v !== null) {
        return done({
          method: 'explore',
          scenario: s.name,
          invariant: v.invariant,
          message: v.message,
          tries: ran.exploredWorlds,
          shrunkFaults: v.faults.total,
          reproduce: `npm run sim -- --explore --scenario ${s.name} --seed ${seed}${liveness ? ' --depth 6 --liveness' : ''}`,
        });
      }
    }
  }

  // The property targets: generated fault schedules, shrunk by fast-check.
  for (const target of propertyTargets.filter((t) => request.scenarios.includes(t.scenario.name))) {
    if (left() <= 0) break;
    const o = checkScenario(target.scenario, target.shape, { numRuns: PROPERTY_RUNS, seed: PROPERTY_SEED, reportDir: null });
    ran.propertyCases += o.numRuns;
    if (o.failed && o.violation !== null) {
      return done({
        method: 'property',
        scenario: target.scenario.name,
        invariant: o.violation.invariant,
        message: o.violation.message,
        tries: o.numRuns,
        shrunkFaults: o.config?.faults.length ?? null,
        reproduce: `fast-check { seed: ${o.seed}, path: "${o.path ?? ''}" } on ${target.scenario.name}`,
      });
    }
  }

  // Longer sweeps until the budget is spent.
  while (left() > 0) {
    const kill = sweepRound(LONG_ROUND, scenarios);
    if (kill !== null) return done(kill);
  }
  return done(null);
}

if (process.argv[1]?.endsWith('battery.ts') && process.argv[2] !== undefined) {
  const request = JSON.parse(process.argv[2]) as BatteryRequest;
  process.stdout.write(`${JSON.stringify(runBattery(request))}\n`);
}
