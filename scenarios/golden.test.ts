/**
 * Golden trace hashes: three seeds of every scenario, one with each documented bug, and the hash
 * each run gives. A change that
 * should not change behaviour (a refactor, a speed-up) must leave them all as they are; a change
 * that does must say so by rewriting them: `UPDATE_GOLDEN=1 npx vitest run scenarios/golden.test.ts`,
 * and the diff of golden-hashes.json shows which runs changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSeed } from '../sim/run.ts';
import { scenarios } from './index.ts';

const FILE = join(import.meta.dirname, 'golden-hashes.json');
const SEEDS = [1, 2, 3];

describe('golden trace hashes', () => {
  it('every scenario gives the recorded trace hash for seeds 1 to 3, and with each of its bugs for seed 1', () => {
    const actual: Record<string, string[]> = {};
    for (const s of scenarios) {
      actual[s.name] = SEEDS.map((seed) => runSeed(s, seed).traceHash);
      // Every documented bug too, at seed 1: a refactor must not change how a bug plays out either.
      // (Not 'nondeterministic': that bug draws from the global random source, on purpose.)
      for (const b of s.bugs) if (b.name !== 'nondeterministic') actual[`${s.name} --bug ${b.name}`] = [runSeed(s, 1, b.name).traceHash];
    }
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(FILE, `${JSON.stringify(actual, null, 1)}\n`);
      return;
    }
    const expected = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, string[]>;
    expect(actual).toEqual(expected);
  });
});
