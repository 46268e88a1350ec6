/**
 * npm run redis:record against servers that speak RESP over TCP: here the model itself behind
 * node:net sockets (one model cluster, one connection state per socket), so the recorder's wire
 * handling is checked without a redis-server. Its output must equal `npm run redis -- --script`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeResp } from '../core/cluster/resp.ts';
import { type Connection, type NodeSpec, type RedisClusterModel, NEW_CONNECTION, buildCluster, commandAt, decodeResp, newSession } from '../core/redis/index.ts';
import { parseScript, runScript } from './redis.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'redis-record-'));
const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A TCP server in front of the model's node `address()` (read per request, so the address can be
 * fixed once the port is known); the cluster is shared through `world`.
 */
function serve(world: { cluster: RedisClusterModel }, address: () => string): Promise<number> {
  const server = createServer((socket) => {
    let connection: Connection = NEW_CONNECTION;
    let buffer = new Uint8Array(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = new Uint8Array([...buffer, ...chunk]);
      for (;;) {
        const decoded = decodeResp(buffer);
        if (decoded.kind !== 'reply') return;
        buffer = buffer.slice(decoded.next);
        const request = decoded.reply;
        const argv = request.type === 'array' ? request.items.map((item) => (item.type === 'bulk' ? item.value : '')) : [];
        const answered = commandAt(world.cluster, address(), connection, argv, { nowMs: 0 });
        world.cluster = answered.cluster;
        connection = answered.connection;
        socket.write(encodeResp(answered.reply));
      }
    });
  });
  servers.push(server);
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
}

function record(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('npx', ['tsx', 'cli/redis-record.ts', '--script', script], { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

describe('npm run redis:record', () => {
  it('records over TCP what the model answers in-process, ASKING kept on its connection', async () => {
    // Two nodes configured at the ports their servers got.
    const ids = ['a', 'b'].map((c) => c.repeat(40));
    const addresses = ['', ''];
    const world = { cluster: buildCluster([]) };
    const ports = await Promise.all([0, 1].map((i) => serve(world, () => addresses[i]!)));
    const specs: NodeSpec[] = [0, 1].map((i) => ({
      address: `127.0.0.1:${ports[i]}`,
      id: ids[i]!,
      slots: [{ start: i * 8192, end: i * 8192 + 8191 }],
      replicaOf: null,
    }));
    specs.forEach((spec, i) => (addresses[i] = spec.address));
    world.cluster = buildCluster(specs);

    const [A, B] = specs.map((s) => s.address) as [string, string];
    const lines = [
      { node: A, cmd: ['SET', '{b}x', '1'] },
      { node: B, cmd: ['CLUSTER', 'SETSLOT', '3300', 'IMPORTING', ids[0]!] },
      { node: A, cmd: ['CLUSTER', 'SETSLOT', '3300', 'MIGRATING', ids[1]!] },
      { node: A, cmd: ['GET', '{b}new'] },
      { node: B, cmd: ['ASKING'] },
      { node: B, cmd: ['SET', '{b}new', 'é\r\n'] },
      { node: B, cmd: ['GET', '{b}new'] },
      { node: B, cmd: ['ASKING'] },
      { node: B, cmd: ['MGET', '{b}new', '{b}new'] },
      { node: A, cmd: ['INCRBY', '{b}x', '9223372036854775806'] },
    ];
    const script = join(dir, 'script.jsonl');
    writeFileSync(script, lines.map((l) => JSON.stringify(l)).join('\n'));
    const expected = runScript(newSession(buildCluster(specs)), parseScript(readFileSync(script, 'utf8'), 'script', [A, B]), false).output;
    const run = await record(script);
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout.split('\n').filter((l) => l !== '')).toEqual(expected);
  });

  it('exits 1 with one line when a node cannot be reached', async () => {
    const script = join(dir, 'nobody.jsonl');
    writeFileSync(script, '{"node": "127.0.0.1:1", "cmd": ["PING"]}\n');
    const run = await record(script);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^redis:record: cannot connect to 127\.0\.0\.1:1: /);
  });
});
