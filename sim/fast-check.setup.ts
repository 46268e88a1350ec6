/**
 * Every property test of the suite runs fast-check from one fixed seed, so `npm test` is the same
 * run each time: a case that fails (or searches for minutes) fails every time and can be
 * debugged, instead of now and then in CI. `FC_SEED=n npm test` explores another seed;
 * `FC_SEED=random` a fresh one each run (fast-check prints the seed of a failure).
 */
import fc from 'fast-check';

const chosen = process.env.FC_SEED;
if (chosen !== 'random') fc.configureGlobal({ seed: chosen === undefined ? 20261207 : Number(chosen) });
