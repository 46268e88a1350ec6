/**
 * `npm run redis -- [--nodes N | --config FILE] [-c] [--script FILE] [--node HOST:PORT]`
 *
 * A redis-cli-like shell over a modelled Redis Cluster (core/redis): each node answers with its
 * own view, in RESP, with Redis's reply texts. Interactive, a prompt per node (`connect HOST PORT`
 * switches, as in redis-cli); `-c` follows MOVED and ASK as `redis-cli -c` does. With `--script`,
 * a file of JSON lines `{"node": "host:port", "cmd": ["SET", "k", "v"]}` runs line by line, one
 * connection per node kept across lines, and each reply is printed as one JSON line
 * `{"type": "status|error|integer|bulk|array", "value": ...}` (nil as null). Exit status: 0, or
 * 2 for bad usage or input (one line, never a stack trace).
 */
import { createInterface } from 'node:readline';
import { type ClientSession, type NodeSpec, ConfigError, addressOf, buildCluster, evenClusterSpecs, newSession, parseClusterConfig, replyToJson, send } from '../core/redis/index.ts';
import { UsageError, isEntry, parseCommandLine, readTextInput, runCommand } from './command.ts';
import { formatReplyTTY, splitArgs } from './redis-format.ts';

const USAGE = `usage: npm run redis -- [--nodes N | --config FILE] [-c] [--script FILE] [--node HOST:PORT]
  --nodes N        N primaries at 127.0.0.1:7000.. with the slots split as redis-cli --cluster create does (default 3)
  --config FILE    JSON {"nodes": [{"address": "host:port", "id": "<40 hex>", "slots": [[from, to], ...], "replicaOf": "<id>"}]}
  -c               follow MOVED and ASK redirections (as redis-cli -c)
  --script FILE    run JSON lines {"node": "host:port", "cmd": [...]}, printing one JSON reply per line
  --node HOST:PORT the node the interactive prompt starts at (default: the first)`;

/** The script lines a run accepts at most. */
export const MAX_SCRIPT_LINES = 100_000;

interface Args {
  readonly specs: readonly NodeSpec[];
  readonly follow: boolean;
  readonly script: string | undefined;
  readonly node: string | undefined;
}

function parseArgv(argv: readonly string[]): Args | 'help' {
  const { values, positionals } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      nodes: { type: 'string' },
      config: { type: 'string' },
      c: { type: 'boolean', short: 'c', default: false },
      script: { type: 'string' },
      node: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.nodes !== undefined && values.config !== undefined) throw new UsageError('give --nodes N or --config FILE, not both');
  let specs: NodeSpec[];
  try {
    if (values.config !== undefined) specs = parseClusterConfig(parseJson(readTextInput(values.config, 'cluster configuration'), values.config));
    else {
      const count = values.nodes === undefined ? 3 : Number(values.nodes);
      if (values.nodes !== undefined && !/^[0-9]+$/.test(values.nodes)) throw new ConfigError(`--nodes must be an integer, got '${values.nodes}'`);
      specs = evenClusterSpecs(count);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(values.config === undefined ? e.message : `${values.config}: ${e.message}`);
    throw e;
  }
  return { specs, follow: values.c, script: values.script, node: values.node };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not JSON (${(e as Error).message})`);
  }
}

export interface ScriptLine {
  readonly node: string;
  readonly cmd: readonly string[];
}

/** The lines of a script, all checked before any runs; a bad one is a one-line UsageError naming FILE:LINE. */
export function parseScript(text: string, file: string, addresses: readonly string[]): ScriptLine[] {
  const lines: ScriptLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    const where = `${file}:${i + 1}`;
    if (lines.length >= MAX_SCRIPT_LINES) throw new UsageError(`${where}: more than ${MAX_SCRIPT_LINES} lines`);
    let json: unknown;
    try {
      json = JSON.parse(row);
    } catch (e) {
      throw new UsageError(`${where}: not a JSON line (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${where}: expected {"node": "host:port", "cmd": [...]}`);
    const { node, cmd, ...rest } = json as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new UsageError(`${where}: unknown field ${JSON.stringify(extra)} (node, cmd)`);
    if (typeof node !== 'string') throw new UsageError(`${where}: "node" must be a "host:port" string`);
    if (!addresses.includes(node)) throw new UsageError(`${where}: no node at ${node} (nodes: ${addresses.join(', ')})`);
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === 'string')) {
      throw new UsageError(`${where}: "cmd" must be a non-empty array of strings`);
    }
    lines.push({ node, cmd });
  }
  return lines;
}

/** Runs script lines over one session; one JSON reply line each. */
export function runScript(session: ClientSession, lines: readonly ScriptLine[], follow: boolean): { session: ClientSession; output: string[] } {
  let current = session;
  const output: string[] = [];
  for (const line of lines) {
    const sent = send(current, line.node, line.cmd, { follow, nowMs: 0 });
    current = sent.session;
    if (sent.kind === 'unreachable') throw new UsageError(`a redirection named ${sent.address}, where no node runs`);
    output.push(JSON.stringify(replyToJson(sent.reply)));
  }
  return { session: current, output };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgv(argv);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  let session = newSession(buildCluster(args.specs));
  const addresses = session.cluster.nodes.map(addressOf);
  if (args.script !== undefined) {
    const lines = parseScript(readTextInput(args.script, 'script'), args.script, addresses);
    for (const line of runScript(session, lines, args.follow).output) process.stdout.write(`${line}\n`);
    return 0;
  }
  if (args.node !== undefined && !addresses.includes(args.node)) throw new UsageError(`--node: no node at ${args.node} (nodes: ${addresses.join(', ')})`);
  let at = args.node ?? addresses[0]!;
  const terminal = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal });
  const prompt = () => {
    rl.setPrompt(`${at}> `);
    if (terminal) rl.prompt();
  };
  prompt();
  for await (const text of rl) {
    const words = splitArgs(text);
    if (words === null) process.stdout.write('Invalid argument(s)\n');
    else if (words.length > 0) {
      const name = words[0]!.toLowerCase();
      if (name === 'quit' || name === 'exit') break;
      if (name === 'connect' && words.length === 3) {
        const target = `${words[1]}:${words[2]}`;
        if (addresses.includes(target)) at = target;
        else process.stdout.write(`Could not connect to Redis at ${target}: Connection refused\n`);
      } else {
        const sent = send(session, at, words, { follow: args.follow, nowMs: 0 });
        session = sent.session;
        for (const hop of sent.hops) process.stdout.write(`-> Redirected to slot [${hop.slot}] located at ${hop.address}\n`);
        if (sent.kind === 'unreachable') process.stdout.write(`Could not connect to Redis at ${sent.address}: Connection refused\n`);
        else {
          at = sent.address;
          process.stdout.write(formatReplyTTY(sent.reply));
        }
      }
    }
    prompt();
  }
  rl.close();
  return 0;
}

if (isEntry(import.meta.url)) runCommand('redis', main);
