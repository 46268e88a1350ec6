import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCluster, evenClusterSpecs, newSession, parseClusterConfig } from '../core/redis/index.ts';
import { formatReplyTTY, splitArgs } from './redis-format.ts';
import { parseScript, runScript } from './redis.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'cli', 'redis-examples');
const dir = mkdtempSync(join(tmpdir(), 'redis-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function redis(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('npx', ['tsx', 'cli/redis.ts', ...args], { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) => {
      const ours = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn')).join('\n');
      done({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr: ours });
    });
  });
}

/** The model's replies to a script of cli/redis-examples over a configuration there. */
function modelReplies(script: string, config = 'three-nodes.json'): string[] {
  const specs = parseClusterConfig(JSON.parse(readFileSync(join(examples, config), 'utf8')));
  const lines = parseScript(readFileSync(join(examples, script), 'utf8'), script, specs.map((s) => s.address));
  return runScript(newSession(buildCluster(specs)), lines, false).output;
}

/**
 * What redis-server 7.0.15 answered to the same script (`npm run redis:record`), on three nodes
 * started from nodes.conf files with three-nodes.json's ids, addresses, slots and epochs.
 * CLUSTER GETKEYSINSLOT lists keys in Redis's dict order where the model sorts them, so those
 * lines are compared as sets.
 */
function realReplies(script: string, transcript: string): string[] {
  const commands = readFileSync(join(examples, script), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return readFileSync(join(examples, transcript), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line, i) => (/"GETKEYSINSLOT"/i.test(commands[i] ?? '') ? sortArray(line) : line));
}

function sortArray(line: string): string {
  const reply = JSON.parse(line) as { type: string; value: { value: string }[] };
  return JSON.stringify({ ...reply, value: [...reply.value].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)) });
}

describe('the model against a real redis-server 7.0.15 cluster, line by line', () => {
  it('a live migration of slot 1649: IMPORTING, MIGRATING, ASK, ASKING one-shot, MIGRATE KEYS, TRYAGAIN, NOKEY, SETSLOT NODE', () => {
    expect(modelReplies('live-migration.jsonl')).toEqual(realReplies('live-migration.jsonl', 'live-migration.redis-7.0.15.jsonl'));
  });

  it('edge cases: arity and unknown commands, string replies and errors, CROSSSLOT, MIGRATE refusals (BUSYKEY, MOVED, SELECT, AUTH), TRYAGAIN with ASKING, SETSLOT errors', () => {
    expect(modelReplies('edge-cases.jsonl')).toEqual(realReplies('edge-cases.jsonl', 'edge-cases.redis-7.0.15.jsonl'));
  });

  it('a cluster with unassigned slots (partial-coverage.json): CLUSTERDOWN unbound before CROSSSLOT, down for served slots, keyless commands run', () => {
    expect(modelReplies('partial-coverage.jsonl', 'partial-coverage.json')).toEqual(
      realReplies('partial-coverage.jsonl', 'partial-coverage.redis-7.0.15.jsonl'),
    );
  });

  it('a replica (with-replica.json): MOVED to its primary, reads for a READONLY connection, writes still MOVED, WAIT', () => {
    expect(modelReplies('with-replica.jsonl', 'with-replica.json')).toEqual(realReplies('with-replica.jsonl', 'with-replica.redis-7.0.15.jsonl'));
  });
});

describe('npm run redis -- --script', () => {
  it('prints one JSON reply line per script line', async () => {
    const run = await redis('--config', join(examples, 'three-nodes.json'), '--script', join(examples, 'live-migration.jsonl'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l !== '')).toEqual(modelReplies('live-migration.jsonl'));
  });

  it('with -c follows MOVED, and ASK with ASKING, to the reply', () => {
    const session = newSession(buildCluster(evenClusterSpecs(3)));
    const script = [
      '{"node": "127.0.0.1:7000", "cmd": ["SET", "foo", "bar"]}',
      '{"node": "127.0.0.1:7001", "cmd": ["GET", "foo"]}',
    ].join('\n');
    const lines = parseScript(script, 's.jsonl', ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002']);
    expect(runScript(session, lines, true).output).toEqual(['{"type":"status","value":"OK"}', '{"type":"bulk","value":"bar"}']);
    expect(runScript(session, lines, false).output).toEqual([
      '{"type":"error","value":"MOVED 12182 127.0.0.1:7002"}',
      '{"type":"error","value":"MOVED 12182 127.0.0.1:7002"}',
    ]);
  });

  it('refuses a malformed script line, naming FILE:LINE, before running anything', () => {
    const nodes = ['127.0.0.1:7000'];
    const bad: [string, string][] = [
      ['{"node": "127.0.0.1:7000", "cmd": ["PING"]}\n{oops', 's:2: not a JSON line'],
      ['\n[1]', 's:2: expected {"node": "host:port", "cmd": [...]}'],
      ['{"node": "127.0.0.1:9", "cmd": ["PING"]}', 's:1: no node at 127.0.0.1:9 (nodes: 127.0.0.1:7000)'],
      ['{"node": "127.0.0.1:7000", "cmd": []}', 's:1: "cmd" must be a non-empty array of strings'],
      ['{"node": "127.0.0.1:7000", "cmd": ["GET", 1]}', 's:1: "cmd" must be a non-empty array of strings'],
      ['{"node": "127.0.0.1:7000", "cmd": ["PING"], "x": 1}', 's:1: unknown field "x" (node, cmd)'],
    ];
    for (const [text, message] of bad) expect(() => parseScript(text, 's', nodes)).toThrow(message);
  });

  it('exits 2 with one line for a bad configuration or script', async () => {
    const config = await redis('--config', file('bad.json', '{"nodes": [{"address": "x", "id": "y"}]}'), '--script', file('empty.jsonl', ''));
    expect([config.status, config.stderr]).toEqual([2, `redis: ${join(dir, 'bad.json')}: nodes[0].address: "x" is not "host:port" with a port in 1..65535`]);
    const notJson = await redis('--config', file('notjson.json', '{nodes'), '--script', file('empty2.jsonl', ''));
    expect(notJson.status).toBe(2);
    expect(notJson.stderr.split('\n')).toHaveLength(1);
    const script = await redis('--nodes', '2', '--script', file('bad.jsonl', '{"node": "127.0.0.1:7000", "cmd": ["PING"]}\nnot json'));
    expect([script.status, script.stdout]).toEqual([2, '']);
    expect(script.stderr).toMatch(/^redis: .*bad\.jsonl:2: not a JSON line \(/);
  });
});

describe('the interactive shell prints as redis-cli does', () => {
  it('splits arguments with quotes and escapes, and refuses unbalanced quotes', () => {
    expect(splitArgs('set "a b" \'c\\\'d\' "\\x41\\n"  x')).toEqual(['set', 'a b', "c'd", 'A\n', 'x']);
    expect(splitArgs('get "unclosed')).toBeNull();
    expect(splitArgs('get "a"b')).toBeNull();
    expect(splitArgs('   ')).toEqual([]);
  });

  it('formats replies as cliFormatReplyTTY', () => {
    expect(formatReplyTTY({ type: 'simple', value: 'OK' })).toBe('OK\n');
    expect(formatReplyTTY({ type: 'error', message: 'MOVED 1 127.0.0.1:7000' })).toBe('(error) MOVED 1 127.0.0.1:7000\n');
    expect(formatReplyTTY({ type: 'integer', value: 3 })).toBe('(integer) 3\n');
    expect(formatReplyTTY({ type: 'null' })).toBe('(nil)\n');
    expect(formatReplyTTY({ type: 'bulk', value: 'a"b\n' })).toBe('"a\\"b\\n"\n');
    expect(formatReplyTTY({ type: 'array', items: [] })).toBe('(empty array)\n');
    const slots = {
      type: 'array' as const,
      items: [{ type: 'array' as const, items: [{ type: 'integer' as const, value: 0 }, { type: 'array' as const, items: [{ type: 'bulk' as const, value: 'x' }] }] }],
    };
    expect(formatReplyTTY(slots)).toBe('1) 1) (integer) 0\n   2) 1) "x"\n');
  });
});
