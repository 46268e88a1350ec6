import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'lin-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Runs the CLI as a user would; async, so the spawns of concurrent tests overlap. */
function check(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env['FORCE_COLOR'];
  return new Promise((done) => {
    execFile('npx', ['tsx', 'cli/check.ts', ...args], { cwd: root, encoding: 'utf8', env }, (error, stdout, stderr) => {
      // npx may print its own configuration warnings; they are not the checker's output.
      const ours = stderr
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('npm warn'))
        .join('\n');
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      done({ status, stdout, stderr: ours });
    });
  });
}

const good = {
  model: 'register',
  operations: [
    { client: 3, call: 120, return: 135, op: 'write', value: '4' },
    { client: 1, call: 121, return: null, op: 'cas', expected: '4', value: '7' },
    { client: 2, call: 125, return: 140, op: 'read', output: '4' },
  ],
};
const bad = {
  model: 'register',
  operations: [
    { client: 9, call: -10, return: -5, op: 'write', value: '0' },
    { client: 0, call: 0, return: 100, op: 'write', value: '200' },
    { client: 1, call: 10, return: 30, op: 'read', output: '200' },
    { client: 2, call: 40, return: 90, op: 'read', output: '0' },
  ],
};
/**
 * 18 concurrent writes, then a read of a value none wrote: millions of configurations to rule out
 * (two writes write the same value, so the unique-writes check does not decide it at once).
 */
const hard = {
  model: 'register',
  operations: [
    ...Array.from({ length: 18 }, (_, k) => ({ client: k, call: 0, return: 100, op: 'write', value: `v${Math.min(k, 16)}` })),
    { client: 99, call: 200, return: 210, op: 'read', output: 'nope' },
  ],
};

/** For each of the other models: a linearizable history, and one with an impossible operation (index `culprit`). */
const models: Record<string, { good: unknown[]; bad: unknown[]; culprit: string }> = {
  mutex: {
    good: [
      { client: 1, call: 0, return: 2, op: 'acquire' },
      { client: 2, call: 1, return: 5, op: 'acquire' },
      { client: 1, call: 3, return: 4, op: 'release' },
    ],
    bad: [
      { client: 1, call: 0, return: 2, op: 'acquire' },
      { client: 2, call: 3, return: 5, op: 'acquire' },
      { client: 1, call: 6, return: 7, op: 'release' },
    ],
    culprit: '! #1  client 2  [3, 5]  acquire',
  },
  'multi-register': {
    good: [
      { client: 1, call: 0, return: 1, op: 'txn', value: [['write', 'x', '1'], ['write', 'y', '1']] },
      { client: 2, call: 2, return: 5, op: 'txn', value: [['write', 'x', '2'], ['write', 'y', '2']] },
      { client: 3, call: 3, return: 4, op: 'txn', value: [['read', 'x', '2'], ['read', 'y', '2']] },
    ],
    bad: [
      { client: 1, call: 0, return: 1, op: 'txn', value: [['write', 'x', '1'], ['write', 'y', '1']] },
      { client: 2, call: 2, return: 5, op: 'txn', value: [['write', 'x', '2'], ['write', 'y', '2']] },
      { client: 3, call: 3, return: 4, op: 'txn', value: [['read', 'x', '2'], ['read', 'y', '1']] },
    ],
    culprit: '! #2  client 3  [3, 4]  txn read "x" -> "2", read "y" -> "1"',
  },
  set: {
    good: [
      { client: 1, call: 0, return: 1, op: 'add', value: 'a' },
      { client: 2, call: 0, return: 9, op: 'add', value: 'b' },
      { client: 3, call: 2, return: 3, op: 'read', output: ['a'] },
      { client: 3, call: 10, return: 11, op: 'read', output: ['b', 'a'] },
    ],
    bad: [
      { client: 1, call: 0, return: 1, op: 'add', value: 'a' },
      { client: 2, call: 2, return: 3, op: 'read', output: [] },
    ],
    culprit: '! #1  client 2  [2, 3]  read -> []',
  },
  'fifo-queue': {
    good: [
      { client: 1, call: 0, return: 1, op: 'enqueue', value: 'a' },
      { client: 2, call: 0, return: 1, op: 'enqueue', value: 'b' },
      { client: 1, call: 2, return: 3, op: 'dequeue', output: 'b' },
      { client: 2, call: 2, return: 3, op: 'dequeue', output: 'a' },
      { client: 1, call: 4, return: 5, op: 'dequeue', output: null },
    ],
    bad: [
      { client: 1, call: 0, return: 1, op: 'enqueue', value: 'a' },
      { client: 1, call: 2, return: 3, op: 'dequeue', output: 'a' },
      { client: 2, call: 4, return: 5, op: 'dequeue', output: 'a' },
    ],
    culprit: '! #2  client 2  [4, 5]  dequeue -> "a"',
  },
};

describe.concurrent('npm run check', () => {
  for (const [model, { good: goodOps, bad: badOps, culprit }] of Object.entries(models)) {
    it(`checks a ${model} history: exit 0, or 1 with the culprit in the explanation, --json and --html`, async () => {
      const ok = await check(file(`${model}-good.json`, { model, operations: goodOps }));
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain(`${model}, ${goodOps.length} operations`);
      expect(ok.stdout).toContain('verdict: LINEARIZABLE');
      const html = join(dir, `${model}.html`);
      const bad = await check(file(`${model}-bad.json`, { model, operations: badOps }), '--html', html);
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('verdict: NOT LINEARIZABLE');
      expect(bad.stdout).toContain(culprit);
      expect(readFileSync(html, 'utf8')).toContain('<svg');
      const json = await check(join(dir, `${model}-bad.json`), '--json');
      const out = JSON.parse(json.stdout) as { model: string; verdict: string; failures: { key: null; operations: number[] }[] };
      expect(out).toMatchObject({ model, verdict: 'not-linearizable' });
      expect(out.failures[0]!.operations).toContain(Number(/#(\d+)/.exec(culprit)![1]));
    });
  }

  it('says when the unique-writes check decided without a search', async () => {
    const run = await check(file('unique.json', bad), '--json');
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'not-linearizable', steps: 0, decidedBy: { uniqueWrites: 1, search: 0 } });
    const text = await check(file('unique2.json', { model: 'register', operations: bad.operations.slice(0, 3) }));
    expect(text.stdout).toContain('unique writes: the register decided without a search');
  });

  it('exits 0 on a linearizable history', async () => {
    const run = await check(file('good.json', good));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('verdict: LINEARIZABLE');
    expect(run.stderr).toBe('');
  });

  it('exits 1 on a non-linearizable one, explaining it with a timeline, and writes HTML', async () => {
    const html = join(dir, 'out.html');
    const run = await check(file('bad.json', bad), '--html', html);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('verdict: NOT LINEARIZABLE');
    expect(run.stdout).toContain('these 3 operations cannot all have had the outcomes they had');
    expect(run.stdout).toContain("timeline (offending operations marked with '*' and '!')");
    expect(run.stdout).toContain('! #3  client 2  [40, 90]   read -> "0"');
    expect(readFileSync(html, 'utf8')).toContain('<svg');
  });

  it('prints one JSON object with --json', async () => {
    const run = await check(file('bad2.json', bad), '--json');
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as { verdict: string; failures: { operations: number[]; minimal: boolean }[] };
    expect(out.verdict).toBe('not-linearizable');
    expect(out.failures).toEqual([{ key: null, operations: [0, 2, 3], minimal: true }]);
  });

  it('keeps its verdict and prints no stack trace when the reader closes the pipe early (| head -1)', async () => {
    const bigBad = file('big-bad.json', { model: 'register', operations: [...bad.operations, ...Array.from({ length: 300 }, (_, k) => ({ client: 9, call: 1000 + 2 * k, return: 1001 + 2 * k, op: 'read', output: null }))] });
    const run = await new Promise<{ stdout: string; stderr: string }>((res) =>
      execFile('bash', ['-c', `node --import tsx cli/check.ts ${bigBad} | head -1; echo "exit \${PIPESTATUS[0]}"`], { cwd: root }, (_e, stdout, stderr) => res({ stdout, stderr })),
    );
    expect(run.stdout.trim().split('\n')).toEqual([expect.stringContaining('big-bad.json: register'), 'exit 1']);
    expect(run.stderr).toBe('');
  });

  it('exits 3 when the time budget runs out', async () => {
    const run = await check(file('hard.json', hard), '--timeout', '0.05', '--json');
    expect(run.status).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'unknown', exhausted: 'timeout' });
  });

  describe('exits 2 with one line naming the problem, never a stack trace', () => {
    const cases: [string, () => string[], RegExp][] = [
      ['a missing file', () => [join(dir, 'nope.json')], /^check: cannot read .*nope\.json: no such file$/],
      ['invalid JSON', () => [file('broken.json', '{"model": ')], /^check: .*broken\.json: invalid JSON: /],
      [
        'a bad operation',
        () => [file('incr.json', { model: 'register', operations: [good.operations[0], { ...good.operations[0], op: 'incr' }] })],
        /^check: .*incr\.json: operation 1: unknown op 'incr' for model register/,
      ],
      [
        'overlapping operations of one client',
        () => [file('overlap.json', { model: 'register', operations: [good.operations[0], { ...good.operations[2], client: 3 }] })],
        /operation 1: client 3 is still running operation 0/,
      ],
      [
        'an op of another model',
        () => [file('lock.json', { model: 'mutex', operations: [{ client: 1, call: 0, return: 1, op: 'lock' }] })],
        /^check: .*lock\.json: operation 0: unknown op 'lock' for model mutex \(expected one of acquire, release\)$/,
      ],
      [
        'a set read that is not a list',
        () => [file('set.json', { model: 'set', operations: [{ client: 1, call: 0, return: 1, op: 'read', output: 'a' }] })],
        /^check: .*set\.json: operation 0: 'output' of a read must be an array of strings \(the whole set\), got string "a"$/,
      ],
      [
        'a bad micro-op',
        () => [file('txn.json', { model: 'multi-register', operations: [{ client: 1, call: 0, return: 1, op: 'txn', value: [['write', 'x']] }] })],
        /^check: .*txn\.json: operation 0: micro-op 0 of the txn: a write needs a value: \["write", "x", value\]$/,
      ],
      [
        'a dequeue without its output',
        () => [file('deq.json', { model: 'fifo-queue', operations: [{ client: 1, call: 0, return: 1, op: 'dequeue' }] })],
        /^check: .*deq\.json: operation 0: missing 'output' \(a dequeue that returned needs 'output': a string, or null when the queue was empty\)$/,
      ],
      ['an unknown flag', () => [file('g1.json', good), '--frobnicate'], /^check: Unknown option '--frobnicate' \(see --help\)$/],
      ['no file', () => [], /^check: missing FILE/],
      ['two files', () => [file('g2.json', good), file('g3.json', good)], /^check: expected one FILE, got 2/],
      ['a bad timeout', () => [file('g4.json', good), '--timeout', 'soon'], /^check: --timeout must be a number of seconds >= 0, got 'soon'$/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const run = await check(...args());
        expect(run.status).toBe(2);
        expect(run.stderr.split('\n')).toHaveLength(1);
        expect(run.stderr).toMatch(message);
        expect(run.stderr).not.toMatch(/\n\s+at /);
      });
    }
  });

  it('--help prints usage', async () => {
    const run = await check('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('usage: npm run check -- FILE');
    expect(existsSync(dir)).toBe(true);
  });
});
