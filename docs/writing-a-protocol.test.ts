/**
 * docs/writing-a-protocol.md, as a user meets it: the package is built as `npm pack` builds it and
 * laid out as `npm install` lays it out, in a new project whose only files are the page's own
 * (extracted from the `<!-- file: NAME -->` blocks). Then every step of the page: the files
 * type-check against the package's declarations, the command runs a seed, a sweep finds the
 * example's bug switch, its report replays and renders, and the page's test files pass under vitest
 * and node:test. This is also the test of the compiled package: its bin, its worker threads and its
 * TypeScript loader, with no tsx of the repository's in the way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const page = readFileSync(join(import.meta.dirname, 'writing-a-protocol.md'), 'utf8');
const files = new Map([...page.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)\n```\n/g)].map((m) => [m[1]!, `${m[2]!}\n`]));

const project = mkdtempSync(join(tmpdir(), 'my-protocol-'));
const pkg = join(project, 'node_modules', 'cluster-sim');
const LONG = 600_000;

function run(command: string, args: readonly string[], timeout = LONG) {
  const r = spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' } });
  const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
  return { code: r.status, stdout: plain(r.stdout), stderr: plain(r.stderr), all: plain(`${r.stdout}\n${r.stderr}`) };
}
const tsc = (...args: string[]) => run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...args]);
const clusterSim = (...args: string[]) => run(process.execPath, [join(pkg, 'bin/cluster-sim.js'), ...args]);
const json = (...args: string[]) => {
  const r = clusterSim(...args, '--json');
  return { ...r, data: JSON.parse(r.stdout) as Record<string, any> };
};

/** The files `npm pack` puts in the tarball besides the build's dist/ (its own selection, by package.json's `files`). */
function packedFiles(): string[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: LONG, shell: process.platform === 'win32' });
  expect(r.status, r.stderr).toBe(0);
  const [packed] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  return packed!.files.map((f) => f.path).filter((path) => !path.startsWith('dist/'));
}

/** Every file under a folder, as paths relative to it. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

const packed: string[] = [];

beforeAll(() => {
  // What `npm pack` puts in the tarball (its own file list, plus the build's dist/), where `npm install` puts it.
  mkdirSync(pkg, { recursive: true });
  // As `npm run build` compiles it, without checking the types again (CI's `tsc --noEmit` does; the
  // output is the same, declaration errors are still reported, at less than half the time).
  const built = tsc('-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', join(pkg, 'dist'));
  expect(built.all.trim(), 'the build').toBe('');
  packed.push(...packedFiles());
  for (const path of packed) {
    mkdirSync(dirname(join(pkg, path)), { recursive: true });
    cpSync(join(root, path), join(pkg, path));
  }
  // The package's dependencies, and the project's own (the test runner, the types of node), as installed.
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  for (const name of ['vitest', 'tsx', '@types']) symlinkSync(join(root, 'node_modules', name), join(project, 'node_modules', name), 'dir');
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-protocol', version: '1.0.0', type: 'module' }, null, 2)}\n`);
  for (const [name, text] of files) writeFileSync(join(project, name), text);
}, LONG);

describe('the package', () => {
  it('ships its command, its manifest, the docs and the build, and nothing else of the repository', () => {
    const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    expect(docs).toContain('docs/writing-a-protocol.md');
    expect(packed.sort()).toEqual(['README.md', 'bin/cluster-sim.js', ...docs, 'package.json'].sort());
    expect(walk(join(pkg, 'dist')).filter((f) => !/\.(js|d\.ts)$/.test(f))).toEqual([]);
    expect(walk(join(pkg, 'dist')).filter((f) => /\.test\./.test(f))).toEqual([]);
  });

  it('imports, in its code and its declarations, only node and its own dependencies', () => {
    // This test's project borrows the repository's node_modules, which also holds the development
    // dependencies; a real install has only the package's dependencies.
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const outside = new Set<string>();
    for (const file of [...walk(join(pkg, 'dist')).map((f) => join(pkg, 'dist', f)), join(pkg, 'bin/cluster-sim.js')]) {
      const text = readFileSync(file, 'utf8');
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([\w@./:-]+)['"]/gm), // import/export ... from '...'
        ...text.matchAll(/^\s*import\s*['"]([\w@./:-]+)['"]/gm), // import '...'
        ...text.matchAll(/\b(?:import|require)\(\s*['"]([\w@./:-]+)['"]\s*\)/g), // import('...'), require('...')
      ].map((m) => m[1]!);
      for (const spec of specifiers) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!(name in manifest.dependencies)) outside.add(`${name} (${file.slice(pkg.length + 1)})`);
      }
    }
    expect([...outside]).toEqual([]);
  });
});

describe('docs/writing-a-protocol.md', () => {
  it('holds the example, its tests and a tsconfig', () => {
    expect([...files.keys()].sort()).toEqual(['token-ring.node-test.ts', 'token-ring.test.ts', 'token-ring.ts', 'tsconfig.json']);
  });

  it("type-checks as pasted, against the package's declarations, which need no types of node", () => {
    const checked = tsc('-p', 'tsconfig.json');
    expect(checked.all.trim()).toBe('');
    // The example alone, with every declaration file checked and no @types at all.
    writeFileSync(join(project, 'tsconfig.strict.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { skipLibCheck: false, types: [] }, files: ['token-ring.ts'] }));
    const strict = tsc('-p', 'tsconfig.strict.json');
    expect(strict.all.trim()).toBe('');
  }, LONG);

  it('runs a seed; a sweep on two workers finds the bug switch; its report replays and renders', () => {
    const seed = json('--scenario-file', 'token-ring.ts', '--seed', '1');
    expect(seed.code, seed.stderr).toBe(0);
    expect(seed.data).toMatchObject({ scenario: 'token-ring', seed: 1, violations: [] });
    // What the page shows is what a run prints: the trace hash of step 1, the report of step 2.
    expect(seed.data.traceHash).toBe(/^trace hash {2}([0-9a-f]{16})$/m.exec(page)![1]);
    const bug = json('--scenario-file', 'token-ring.ts', '--seed', '1', '--bug', 'no-dedup');
    expect(bug.code).toBe(1);
    expect(page).toContain(`Report:  ${bug.data.report.slice(project.length + 1)}`);
    const listed = clusterSim('--scenario-file', 'token-ring.ts', '--list-bugs');
    expect(listed.stdout).toContain('no-dedup');

    const sweep = json('--scenario-file', 'token-ring.ts', '--seeds', '1..20', '--workers', '2', '--bug', 'no-dedup');
    expect(sweep.code, sweep.stderr).toBe(1);
    expect(sweep.data.determinism.mismatches).toEqual([]);
    const first = sweep.data.violations[0];
    expect(first.invariant).toBe('one-holder');
    const report = JSON.parse(readFileSync(first.report, 'utf8'));
    expect(report.scenarioFile).toBe('token-ring.ts');
    expect(report.replay).toMatch(/^npx cluster-sim --replay reports\/out\/token-ring-seed\d+-no-dedup-[0-9a-f]{8}\.json$/);

    const replay = json('--replay', first.report);
    expect(replay.data).toMatchObject({ sameViolation: true, sameTraceHash: true });
    const html = clusterSim('report', first.report);
    expect(html.code, html.stderr).toBe(0);
    expect(existsSync(first.report.replace(/\.json$/, '.html'))).toBe(true);

    const explored = json('--scenario-file', 'token-ring.ts', '--explore', '--bug', 'no-dedup');
    expect(explored.code).toBe(1);
    expect(explored.data.violations[0].invariant).toBe('one-holder');
    expect(json('--replay', explored.data.report).data).toMatchObject({ sameViolation: true, sameTraceHash: true });
  }, LONG);

  it("passes the page's vitest file and its node:test file", () => {
    // `npx vitest run`, as the page says: every test file of the project (the node:test one is not named as one).
    const vitest = run(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run']);
    expect(vitest.code, vitest.all).toBe(0);
    expect(vitest.stdout).toMatch(/Test Files\s+1 passed \(1\)/);
    expect(vitest.stdout).toMatch(/Tests\s+4 passed/);
    const nodeTest = run(process.execPath, ['--import', 'tsx', '--test', 'token-ring.node-test.ts']);
    expect(nodeTest.code, nodeTest.all).toBe(0);
  }, LONG);

  it("fails a user's test with the report and the command that replays it", () => {
    writeFileSync(
      join(project, 'failing.test.ts'),
      "import { it } from 'vitest';\nimport { assertSeeds } from 'cluster-sim';\nimport { scenario } from './token-ring.ts';\n\nit('fails', () => {\n  assertSeeds(scenario, { seeds: 20, bug: 'no-dedup', scenarioFile: 'token-ring.ts' });\n});\n",
    );
    const failing = run(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', 'failing.test.ts']);
    expect(failing.code).toBe(1);
    const replay = /^replay: (npx cluster-sim --replay (\S+))$/m.exec(failing.all);
    expect(replay, failing.all).not.toBeNull();
    expect(json('--replay', replay![2]!).data).toMatchObject({ sameViolation: true, sameTraceHash: true });
  }, LONG);
});
