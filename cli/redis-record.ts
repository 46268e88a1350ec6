/**
 * `npm run redis:record -- --script FILE [--timeout SECONDS]`
 *
 * Runs a `npm run redis -- --script` file against real redis-server nodes (at the addresses its
 * lines name) and prints their replies in the same JSON line form, so the transcript of a real
 * cluster can be compared line by line with the model's. One TCP connection per node, kept for the
 * whole script (ASKING and READONLY belong to a connection); no redirection is followed.
 * Exit status: 0, 2 for bad usage or input, 1 when a node cannot be reached or a reply is malformed.
 */
import { connect, type Socket } from 'node:net';
import { decodeResp, replyToJson } from '../core/redis/index.ts';
import { parseAddress } from '../core/topology/index.ts';
import { UsageError, isEntry, parseCommandLine, readTextInput, runCommand } from './command.ts';
import { type ScriptLine, parseScript } from './redis.ts';

/** A connection that hands out one decoded reply per command, in order. */
class Connection {
  private buffer = new Uint8Array(0);
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      const joined = new Uint8Array(this.buffer.length + chunk.length);
      joined.set(this.buffer);
      joined.set(chunk, this.buffer.length);
      this.buffer = joined;
      this.wake();
    });
    socket.on('error', (e) => {
      this.failure = e;
      this.wake();
    });
    socket.on('close', () => {
      this.failure ??= new Error('connection closed');
      this.wake();
    });
  }

  static open(address: string, timeoutMs: number): Promise<Connection> {
    const { host, port } = parseAddressText(address);
    return new Promise((done, fail) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => fail(new Error(`cannot connect to ${address}: timed out`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        done(new Connection(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        fail(new Error(`cannot connect to ${address}: ${e.message}`));
      });
    });
  }

  async command(argv: readonly string[], timeoutMs: number) {
    const utf8 = new TextEncoder();
    let wire = `*${argv.length}\r\n`;
    for (const arg of argv) wire += `$${utf8.encode(arg).length}\r\n${arg}\r\n`;
    this.socket.write(wire);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const decoded = decodeResp(this.buffer);
      if (decoded.kind === 'reply') {
        this.buffer = this.buffer.slice(decoded.next);
        return decoded.reply;
      }
      if (decoded.kind === 'invalid') throw new Error(`malformed reply: ${decoded.message}`);
      if (this.failure !== null) throw this.failure;
      if (Date.now() > deadline) throw new Error(`no reply to ${argv[0]} within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        this.waiting = wake;
        setTimeout(wake, 50);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}

function parseAddressText(address: string): { host: string; port: number } {
  const parsed = parseAddress(address);
  if (parsed === null || address.includes('@')) throw new UsageError(`"${address}" is not host:port`);
  return { host: parsed.host, port: parsed.port };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: argv,
    strict: true,
    options: { script: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log('usage: npm run redis:record -- --script FILE [--timeout SECONDS]');
    return 0;
  }
  if (values.script === undefined) throw new UsageError('missing --script FILE');
  const seconds = values.timeout === undefined ? 5 : Number(values.timeout);
  if (!(seconds > 0)) throw new UsageError(`--timeout must be a number of seconds > 0, got '${values.timeout}'`);
  const text = readTextInput(values.script, 'script');
  const addresses = [...new Set(text.split('\n').flatMap((row) => /"node"\s*:\s*"([^"]*)"/.exec(row)?.[1] ?? []))];
  for (const address of addresses) parseAddressText(address);
  const lines: ScriptLine[] = parseScript(text, values.script, addresses);
  const connections = new Map<string, Connection>();
  try {
    for (const line of lines) {
      let connection = connections.get(line.node);
      if (connection === undefined) {
        connection = await Connection.open(line.node, seconds * 1000);
        connections.set(line.node, connection);
      }
      const reply = await connection.command(line.cmd, seconds * 1000);
      process.stdout.write(`${JSON.stringify(replyToJson(reply))}\n`);
    }
  } catch (e) {
    console.error(`redis:record: ${(e as Error).message}`);
    return 1;
  } finally {
    for (const connection of connections.values()) connection.close();
  }
  return 0;
}

if (isEntry(import.meta.url)) runCommand('redis:record', main);
