import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const sim = (args: string[]) => run('cli/sim.ts', args);

describe('npm run sim -- --explore', () => {
  it('finds a bug, writes a report, and --replay re-runs it in the normal simulator to the same violation and trace hash', () => {
    const out = mkdtempSync(join(tmpdir(), 'explore-cli-'));
    const r = sim(['--explore', '--scenario', 'raft-explore', '--bug', 'reply-before-persist', '--depth', '7', '--max-crashes', '1', '--mid-step', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    const data = JSON.parse(r.stdout);
    expect(data).toMatchObject({ mode: 'explore', scenario: 'raft-explore', bug: 'reply-before-persist', exhausted: false, stoppedBy: 'violation' });
    expect(data.violations[0]).toMatchObject({ invariant: 'elected-by-majority', depth: 3, faults: { crashes: 1 } });
    expect(data.counterexample.path).toHaveLength(3);
    expect(data.bounds).toMatchObject({ depth: 7, crashes: 1, midStep: true });
    const report = JSON.parse(readFileSync(data.report, 'utf8'));
    expect(report.origin).toEqual({ kind: 'explore', depth: 3 });
    const replay = sim(['--replay', data.report, '--json']);
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout)).toMatchObject({ sameViolation: true, sameTraceHash: true });
    // The HTML page works for it as for any report.
    const page = join(out, 'page.html');
    const html = run('cli/report.ts', [data.report, '--out', page]);
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(page, 'utf8')).toContain('elected-by-majority');
    // A broken directed section is refused like any broken report.
    const broken = join(out, 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...report, config: { ...report.config, directed: { ...report.config.directed, end: null } } }));
    const refused = sim(['--replay', broken]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('directed.end');
  });

  it('says how many worlds it explored and that the bounded space was exhausted, in tables or as one JSON object', () => {
    const json = sim(['--explore', '--scenario', 'raft-explore', '--depth', '5', '--symmetry', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const data = JSON.parse(json.stdout);
    expect(data).toMatchObject({ exhausted: true, stoppedBy: 'exhausted', violations: [], report: null, maxDepth: 5, symmetry: ['n1', 'n2', 'n3'] });
    expect(data.unique).toBeGreaterThan(100);
    // Fingerprints only, with TLC's estimate of a collision; a frontier of 8 bytes a world.
    expect(data.collisionProbability).toBeGreaterThan(0);
    expect(data.collisionProbability).toBeLessThan(1e-9);
    expect(data.frontierPeak).toBeGreaterThan(0);
    const text = sim(['--explore', '--scenario', 'raft-explore', '--depth', '5', '--time-budget', '60']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/unique\s+[\d,]+ worlds/);
    expect(text.stdout).toMatch(/exhausted\s+yes/);
    expect(text.stdout).toMatch(/visited\s+64-bit fingerprints, [\d.]+ MB; collision probability [\d.e-]+/);
    expect(text.stdout).toContain('ok: no invariant violated');
    // The guided order and the timer bound, on the command line.
    const guided = sim(['--explore', '--scenario', 'raft-explore', '--bug', 'votedfor-not-persisted', '--depth', '9', '--max-crashes', '1', '--guided', '--max-timers', '4', '--symmetry', '--json', '--out', mkdtempSync(join(tmpdir(), 'explore-cli-'))]);
    expect(guided.code, guided.stderr).toBe(1);
    expect(JSON.parse(guided.stdout)).toMatchObject({ order: 'guided', bounds: { timers: 4 }, violations: [{ invariant: 'election-safety' }] });
  });

  it('--liveness judges each world in its quiet continuation; the report replays the path and the quiet phase', () => {
    const out = mkdtempSync(join(tmpdir(), 'explore-cli-'));
    const known = ['--depth', '6', '--max-commands', '0'];
    const r = sim(['--explore', '--scenario', 'raft-explore', '--bug', 'ignore-higher-term', ...known, '--liveness', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    const data = JSON.parse(r.stdout);
    expect(data).toMatchObject({ bounds: { liveness: true }, violations: [{ invariant: 'raft-liveness', kind: 'liveness', depth: 4, continued: true }] });
    const replay = sim(['--replay', data.report, '--json']);
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout)).toMatchObject({ sameViolation: true, sameTraceHash: true });
    const text = sim(['--explore', '--scenario', 'raft-explore', '--bug', 'ignore-higher-term', ...known, '--liveness', '--out', out]);
    expect(text.stdout).toContain('VIOLATION of raft-liveness (liveness) after 4 steps, then the heal and the quiet phase:');
    expect(text.stdout).toMatch(/ {7}then the heal and a quiet phase of 2000 ms/);
  });

  it('uses one set of default bounds with a bug and without, printed in the summary, and names the bounds a documented bug needs', () => {
    const clean = JSON.parse(sim(['--explore', '--scenario', 'raft-explore', '--depth', '3', '--json']).stdout);
    const bug = sim(['--explore', '--scenario', 'raft-explore', '--depth', '3', '--bug', 'votedfor-not-persisted', '--json']);
    expect(JSON.parse(bug.stdout).bounds).toEqual(clean.bounds);
    expect(bug.stderr.trim()).toBe('note: votedfor-not-persisted is known to be found within --depth 9 --max-crashes 1; these bounds are not the defaults, which are the same with or without a bug');
    const text = sim(['--explore', '--scenario', 'raft-explore', '--depth', '3']);
    expect(text.stdout).toMatch(/bounds\s+depth 3, crashes 0/);
  });

  it('exits 2 with one line naming the bad flag', () => {
    for (const [args, says] of [
      [['--explore', '--depth', 'deep'], '--depth must be a whole number'],
      [['--explore', '--depth', '0'], '--depth must be between 1 and'],
      [['--explore', '--max-inflight', '0'], '--max-inflight must be between 1 and'],
      [['--explore', '--time-budget', '0'], '--time-budget must be a positive number'],
      [['--explore', '--time-budget', 'soon'], '--time-budget must be a positive number'],
      [['--explore', '--seeds', '1..3'], '--explore makes its own schedules: drop --seeds'],
      [['--explore', '--bug', 'nope'], 'has no bug "nope"'],
      [['--depth', '3'], '--depth is a bound of an exploration: give --explore too'],
      [['--symmetry', '--seed', '1'], '--symmetry is a bound of an exploration'],
      [['--explore', '--max-timers', 'many'], '--max-timers must be a whole number'],
      [['--explore', '--dfs', '--guided'], '--dfs and --guided are two search orders'],
      [['--guided'], '--guided is a bound of an exploration'],
      [['--liveness', '--seed', '1'], '--liveness is a bound of an exploration'],
      [['--explore', '--liveness', '--symmetry'], '--liveness and --symmetry do not go together'],
    ] as const) {
      const r = sim(['--scenario', 'raft-explore', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(says);
    }
  });
});
