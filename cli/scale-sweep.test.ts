import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareHashes } from './scale-sweep.ts';

const root = join(import.meta.dirname, '..');

describe('the scale sweep', () => {
  it('names the seeds whose two runs disagree, or ran in one process only', () => {
    const a = [{ seed: 1, traceHash: 'aa' }, { seed: 2, traceHash: 'bb' }, { seed: 3, traceHash: 'cc' }];
    const b = [{ seed: 1, traceHash: 'aa' }, { seed: 2, traceHash: 'bX' }, { seed: 4, traceHash: 'dd' }];
    expect(compareHashes(a, b)).toEqual([2, 3, 4]);
    expect(compareHashes(a, a)).toEqual([]);
  });

  it('runs every seed twice in two processes and writes each scenario\'s row with its coverage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scale-'));
    const json = join(dir, 'scale.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/scale-sweep.ts', '--seeds', '1..6', '--scenario', 'raft', '--out', dir, '--json', json], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}raft +6 seeds {2}0 violation\(s\) {2}0 mismatch\(es\)/m);
    expect(r.stdout).toMatch(/coverage {2}raft\/[a-z-]+ \d+/);
    const data = JSON.parse(readFileSync(json, 'utf8')) as { rows: { scenario: string; seeds: number; mismatches: number[]; coverage: Record<string, number>; unreached: string[] }[] };
    expect(data.rows).toHaveLength(1);
    expect(data.rows[0]).toMatchObject({ scenario: 'raft', seeds: 6, mismatches: [], unreached: [] });
    expect(Object.keys(data.rows[0]!.coverage).length).toBeGreaterThan(3);
  });

  it('refuses bad usage in one line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/scale-sweep.ts', '--seeds', '10'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
