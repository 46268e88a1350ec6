import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Runs the CLI; `--scenario maxgossip` (fast, with simple bugs) unless the test names a scenario or replays. */
function sim(args: string[], defaults = true) {
  const pinned = defaults && !args.includes('--scenario') && !args.includes('--replay') ? ['--scenario', 'maxgossip', ...args] : args;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', ...pinned], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args: string[]) => {
  const r = sim([...args, '--json']);
  return { ...r, data: JSON.parse(r.stdout) as Record<string, any> };
};

describe('npm run sim', () => {
  it('gives the same trace hash for the same seed in two separate processes, and another for another seed', () => {
    const a = json(['--seed', '7']);
    const b = json(['--seed', '7']);
    const c = json(['--seed', '8']);
    expect(a.code).toBe(0);
    expect(a.data.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(b.data.traceHash).toBe(a.data.traceHash);
    expect(c.data.traceHash).not.toBe(a.data.traceHash);
    expect(a.data).toMatchObject({ scenario: 'maxgossip', seed: 7, violations: [], report: null });
    expect(a.data.events).toBeGreaterThan(0);
  });

  it('writes a report on a violation, exits 1, and the report replays to the same violation and hash', () => {
    const out = mkdtempSync(join(tmpdir(), 'sim-out-'));
    const run = json(['--seed', '3', '--bug', 'no-persist', '--out', out]);
    expect(run.code).toBe(1);
    expect(run.data.violations[0].invariant).toBe('never-backwards');
    expect(run.data.report).toMatch(/maxgossip-seed3-no-persist-[0-9a-f]{8}\.json$/);
    const replay = json(['--replay', run.data.report]);
    expect(replay.code).toBe(1);
    expect(replay.data).toMatchObject({ sameViolation: true, sameTraceHash: true, traceHash: run.data.traceHash });
    const plain = sim(['--replay', run.data.report]);
    expect(plain.stdout).toContain('reproduced: the same violation');
  });

  it('sweeps give identical results on one and on two workers, and shards add up to the sweep', () => {
    const one = json(['--seeds', '1..12', '--workers', '1']);
    const two = json(['--seeds', '1..12', '--workers', '2']);
    expect(two.data.results).toEqual(one.data.results);
    const s1 = json(['--seeds', '1..12', '--shard', '1/2']);
    const s2 = json(['--seeds', '1..12', '--shard', '2/2']);
    const merged = [...s1.data.results, ...s2.data.results].sort((x, y) => x.seed - y.seed);
    expect(merged).toEqual(one.data.results);
    expect(s1.data.results.map((r: { seed: number }) => r.seed)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(one.data.determinism.checked).toBeGreaterThanOrEqual(1);
    expect(one.data.determinism.mismatches).toEqual([]);
  });

  it('catches a determinism leak and names the first event where the runs part', () => {
    const out = mkdtempSync(join(tmpdir(), 'sim-out-'));
    const r = json(['--seeds', '1..2', '--bug', 'nondeterministic', '--check-determinism', '--out', out]);
    expect(r.code).toBe(1);
    const m = r.data.determinism.mismatches;
    expect(m.length).toBe(2);
    expect(m[0].hashes[0]).not.toBe(m[0].hashes[1]);
    expect(m[0].eventIndex).toBeTypeOf('number');
    expect(m[0].first).not.toEqual(m[0].second);
    expect(readdirSync(out).length).toBeGreaterThanOrEqual(2);
  });

  it('writes one run\'s page with --html: a passing run\'s, and a failing run\'s with its story', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-page-'));
    const ok = json(['--seed', '7', '--html', join(dir, 'ok.html')]);
    expect(ok.code).toBe(0);
    expect(ok.data.page).toBe(join(dir, 'ok.html'));
    const passed = readFileSync(join(dir, 'ok.html'), 'utf8');
    expect(passed).toContain('no invariant broke');
    expect(passed).toContain('--scenario maxgossip --seed 7');
    const bad = sim(['--seed', '3', '--bug', 'no-persist', '--html', join(dir, 'bad.html'), '--out', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`page        ${join(dir, 'bad.html')}`);
    const failed = readFileSync(join(dir, 'bad.html'), 'utf8');
    expect(failed).toContain('class="story"');
    expect(failed).not.toContain('no invariant broke');
  });

  it('exits 2 with one clear line on bad usage', () => {
    for (const [args, says] of [
      [['--seed', 'abc'], '--seed must be a whole number'],
      [['--seed', '-1'], '--seed "-1": negative numbers are not allowed here'],
      [['--seed', '1', '--out', '/proc/x'], '--out: /proc/x is under /proc, a system pseudo-filesystem'],
      [['--seed', '1', '--out', '/dev/null/x'], '--out: /dev/null/x cannot be made: /dev/null is a file, not a folder'],
      [['--seed', '1', '--out', 'package.json'], '--out: package.json is a file, not a folder'],
      [['--seed', '1', '--metrics', '/proc/m.prom'], '--metrics: /proc is under /proc'],
      [['--seed', '1', '--history', '/sys/h.json'], '--history: /sys is under /sys'],
      [['--seeds', '1..2', '--history', 'h.json'], '--history writes the history of one run'],
      [['--explore'], '--explore needs --scenario: the explorable scenarios are raft-explore, swim-explore'],
      [['--explore', '--scenario', 'raft'], 'scenario raft has no model for --explore'],
      [['--scenario', 'maxgossip', '--seed', '1', '--faults', 'crash n1 at 500s'], "'crash n1 at 500s' comes at or after the end of the faulty phase"],
      [['--seeds', '9..3'], 'the end is before the start'],
      [['--seeds', '1-3'], '--seeds must look like A..B'],
      [['--shard', '3/2', '--seeds', '1..4'], '--shard I must be between 1 and 2'],
      [['--workers', 'many', '--seeds', '1..2'], '--workers must be a whole number'],
      [['--scenario', 'nope'], 'unknown scenario "nope"'],
      [['--bug', 'nope'], 'has no bug "nope"'],
      [['--frobnicate'], "Unknown option '--frobnicate' (see --help)"],
      [['--seed', '1', '--seeds', '1..2'], 'either --seed or --seeds'],
      [['--seed', '1', '--faults', 'crash n1 at soon'], 'bad duration "soon"'],
      [['--seed', '1', '--faults', 'crash n99 at 1s'], 'unknown node "n99"'],
      [['--replay', 'reports/nope.json'], 'no such file'],
    ] as const) {
      const r = sim([...args], !(args as readonly string[]).includes('--explore'));
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toContain(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('caps --workers at the number of seeds, and says so', () => {
    const r = sim(['--seeds', '1..2', '--workers', '64']);
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe('sim: note: --workers 64 capped at 2, the number of seeds to run'.replace('sim: ', ''));
    expect(r.stdout).toMatch(/workers\s+2/);
  });

  it('writes the run\'s client history for npm run check, and a report carries the failing key\'s history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-history-'));
    const history = join(dir, 'h.json');
    const r = json(['--scenario', 'raft-leader-isolated', '--seed', '2', '--bug', 'stale-read', '--out', dir, '--history', history]);
    expect(r.code).toBe(1);
    expect(r.data.history.operations).toBeGreaterThan(50);
    const written = JSON.parse(readFileSync(history, 'utf8')) as { model: string; operations: unknown[] };
    expect(written.model).toBe('kv');
    expect(written.operations.length).toBe(r.data.history.operations);
    const check = (file: string) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/check.ts', file], { cwd: root, encoding: 'utf8' });
    expect(check(history).status).toBe(1);
    const fromReport = check(r.data.report as string);
    expect(fromReport.status, fromReport.stderr).toBe(1);
    expect(fromReport.stdout).toContain('NOT LINEARIZABLE');
    const report = JSON.parse(readFileSync(r.data.report as string, 'utf8'));
    expect(report.violation.evidence.key).toBe('a');
  });

  it('refuses a broken or foreign report with exit 2 and a message naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-bad-'));
    const good = json(['--seed', '3', '--bug', 'no-persist', '--out', dir]).data.report as string;
    const report = JSON.parse(readFileSync(good, 'utf8'));
    const cases: [string, string, string][] = [
      ['truncated.json', readFileSync(good, 'utf8').slice(0, 200), 'not valid JSON'],
      ['foreign.json', JSON.stringify({ name: 'some-package', version: '1.0.0' }), 'not a cluster-sim-report file'],
      ['array.json', '[1,2,3]', 'no JSON object'],
      ['future.json', JSON.stringify({ ...report, version: 99 }), 'newer than this tool reads'],
      ['scenario.json', JSON.stringify({ ...report, config: { ...report.config, scenario: 'gone' } }), 'unknown scenario "gone"'],
      ['faults.json', JSON.stringify({ ...report, config: { ...report.config, faults: [{ atMs: 5, type: 'crash', node: 'zz' }] } }), 'unknown node "zz"'],
      ['seed.json', JSON.stringify({ ...report, config: { ...report.config, seed: 'x' } }), 'config.seed must be'],
      ['hash.json', JSON.stringify({ ...report, traceHash: 'xyz' }), 'traceHash must be 16 hex digits'],
      ['edited.json', JSON.stringify({ ...report, seed: report.seed + 1 }), `its seed ${report.seed + 1} disagrees with its config's ${report.seed}`],
      ['bug.json', JSON.stringify({ ...report, bug: null }), 'its bug null disagrees with its config\'s "no-persist"'],
      ['binary.json', '\u0000\u0001\u0002ELF', 'is not a report: it holds binary data'],
      ['latin1.json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), 'is not a report: it is not UTF-8 text'],
    ];
    for (const [name, text, says] of cases) {
      const path = join(dir, name);
      writeFileSync(path, name === 'latin1.json' ? Buffer.from(text, 'latin1') : text);
      const r = sim(['--replay', path]);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBe(1);
      expect(r.stderr, name).toContain(says);
    }
    // The good report is untouched by all this.
    expect(JSON.parse(readFileSync(good, 'utf8'))).toEqual(report);
  });

  it('runs the most complete scenario by default', () => {
    const r = JSON.parse(sim(['--seed', '1', '--json'], false).stdout);
    expect(r.scenario).toBe('cluster');
  });

  it('writes the metrics of a sweep in the Prometheus text format, summed over its workers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-metrics-'));
    const file = join(dir, 'sweep.prom');
    const r = sim(['--seeds', '1..6', '--workers', '2', '--bug', 'no-persist', '--out', dir, '--metrics', file]);
    expect(r.code).toBe(1);
    const text = readFileSync(file, 'utf8');
    const value = (name: string, label: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect((value('cluster_sim_runs_total', 'result="ok"') ?? 0) + (value('cluster_sim_runs_total', 'result="violation"') ?? 0)).toBe(6);
    expect(value('cluster_sim_violations_total', 'invariant="never-backwards"')).toBeGreaterThan(0);
    expect(value('cluster_sim_messages_total', 'outcome="sent"')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE cluster_sim_client_operation_latency_ms histogram');
  });

  it('lists scenarios and bugs, and --help names every flag of the contract', () => {
    expect(sim(['--list']).stdout).toContain('maxgossip');
    expect(sim(['--list-bugs']).stdout).toContain('announce-before-persist');
    const help = sim(['--help']).stdout;
    for (const flag of ['--seed', '--scenario', '--list', '--seeds', '--workers', '--shard', '--replay', '--bug', '--list-bugs', '--check-determinism', '--json', '--out', '--metrics']) {
      expect(help).toContain(flag);
    }
  });
});
