import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const tsx = import.meta.resolve('tsx');

/** A project folder of a user's own: a scenario module (here the example scenario, explorable), run from that folder. */
const project = mkdtempSync(join(tmpdir(), 'scenario-file-cli-'));
writeFileSync(
  join(project, 'gossip.ts'),
  `import { maxGossipScenario } from ${JSON.stringify(join(root, 'scenarios/maxgossip.ts'))};\nexport default { ...maxGossipScenario, explore: {} };\n`,
);

function run(command: 'sim.ts' | 'report.ts', args: string[], cwd = project) {
  const r = spawnSync(process.execPath, ['--import', tsx, join(root, 'cli', command), ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args: string[], cwd = project) => {
  const r = run('sim.ts', [...args, '--json'], cwd);
  return { ...r, data: JSON.parse(r.stdout) as Record<string, any> };
};

describe('--scenario-file', () => {
  it('lists the file\'s scenarios, runs a seed, and the report remembers the file for --replay and report', () => {
    const listed = run('sim.ts', ['--scenario-file', 'gossip.ts', '--list']);
    expect(listed.stdout.trim()).toMatch(/^maxgossip +example protocol.*\(default\)$/);
    const found = json(['--scenario-file', 'gossip.ts', '--seed', '3', '--bug', 'no-persist']);
    expect(found.code).toBe(1);
    expect(found.data.replay).toMatch(/^npm run sim -- --replay reports\/out\/maxgossip-seed3-no-persist-[0-9a-f]{8}\.json$/);
    const report = JSON.parse(readFileSync(found.data.report, 'utf8'));
    expect(report.scenarioFile).toBe('gossip.ts');
    const replayed = json(['--replay', found.data.report]);
    expect(replayed.data).toMatchObject({ sameViolation: true, sameTraceHash: true });
    const page = run('report.ts', [found.data.report]);
    expect(page.code).toBe(0);
    expect(existsSync(found.data.report.replace(/\.json$/, '.html'))).toBe(true);

    // Replayed from another directory: the report also says where the file is from its own folder.
    expect(report.scenarioFileFromReport).toBe('../../gossip.ts');
    expect(json(['--replay', found.data.report], root).data).toMatchObject({ sameViolation: true, sameTraceHash: true });
    expect(run('report.ts', [found.data.report], root).code).toBe(0);

    // A report copied next to its scenario file replays from anywhere: the file is found beside it.
    const elsewhere = mkdtempSync(join(tmpdir(), 'scenario-file-copy-'));
    copyFileSync(join(project, 'gossip.ts'), join(elsewhere, 'gossip.ts'));
    copyFileSync(found.data.report, join(elsewhere, basename(found.data.report)));
    expect(json(['--replay', join(elsewhere, basename(found.data.report))], root).data).toMatchObject({ sameViolation: true, sameTraceHash: true });
    // Without the file: one line, exit 2, and how to say where it is now.
    const lost = mkdtempSync(join(tmpdir(), 'scenario-file-lost-'));
    copyFileSync(found.data.report, join(lost, 'r.json'));
    const missing = run('sim.ts', ['--replay', join(lost, 'r.json')], root);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^sim: .*r\.json: scenario file gossip\.ts: no such file \(looked in the current directory and the report's; --scenario-file PATH says where it is now\)$/);
    expect(json(['--replay', join(lost, 'r.json'), '--scenario-file', join(project, 'gossip.ts')], root).data).toMatchObject({ sameViolation: true });
  });

  it('sweeps on worker threads, which load the file themselves, with the same results as one worker', () => {
    const one = json(['--scenario-file', 'gossip.ts', '--seeds', '1..8', '--bug', 'no-persist', '--workers', '1', '--out', 'sweep1']);
    const two = json(['--scenario-file', 'gossip.ts', '--seeds', '1..8', '--bug', 'no-persist', '--workers', '2', '--out', 'sweep2']);
    expect(one.code).toBe(1);
    expect(two.data.results).toEqual(one.data.results);
    expect(two.data.determinism.mismatches).toEqual([]);
    const report = JSON.parse(readFileSync(two.data.violations[0].report, 'utf8'));
    expect(report.scenarioFile).toBe('gossip.ts');
  });

  it('explores a scenario of the file, and the counterexample replays', () => {
    const found = json(['--scenario-file', 'gossip.ts', '--explore', '--bug', 'no-persist', '--depth', '4', '--max-crashes', '1', '--out', 'explore']);
    expect(found.code).toBe(1);
    expect(found.data.violations[0].invariant).toBe('never-backwards');
    expect(json(['--replay', found.data.report]).data).toMatchObject({ sameViolation: true, sameTraceHash: true });
  });

  it('refuses a missing or broken file, and a scenario the file does not have, in one line with exit 2', () => {
    mkdirSync(join(project, 'bad'), { recursive: true });
    writeFileSync(join(project, 'bad', 'syntax.ts'), 'export default {{;\n');
    for (const [args, message] of [
      [['--scenario-file', 'nope.ts', '--seed', '1'], 'sim: scenario file nope.ts: no such file'],
      [['--scenario-file', 'bad/syntax.ts', '--seed', '1'], 'sim: scenario file bad/syntax.ts: does not load:'],
      [['--scenario-file', 'gossip.ts', '--scenario', 'raft', '--seed', '1'], 'sim: scenario file gossip.ts has no scenario "raft"; it has maxgossip'],
    ] as const) {
      const r = run('sim.ts', [...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
