/**
 * The command-line fuzz test's runner (cli/fuzz.test.ts): a child process that runs `sim`,
 * `report` and `check` in-process, one case at a time, so a case costs no process start. Cases
 * come as JSON lines on stdin, `{ "id": 1, "command": "sim", "argv": [...] }`; for each, one JSON
 * line goes out on the original stdout: `{ "id", "code", "stdout", "stderr", "ms" }`. What the
 * command prints is captured. The parent kills this process when a case outlives its time bound.
 * Its one argument is the folder to work in (relative output places land there).
 */
import { createInterface } from 'node:readline';
import { executeCommand } from './command.ts';
import { main as simMain } from './sim.ts';
import { main as reportMain } from './report.ts';
import { main as checkMain } from './check.ts';

const commands = { sim: simMain, report: reportMain, check: checkMain } as const;
export type FuzzCommand = keyof typeof commands;

export interface FuzzCase {
  readonly id: number;
  readonly command: FuzzCommand;
  readonly argv: readonly string[];
}

export interface FuzzResult {
  readonly id: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

// Default output places (reports/out/) resolve under this folder, not the checkout.
if (process.argv[2] !== undefined) process.chdir(process.argv[2]);

const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);

async function runCase(c: FuzzCase): Promise<FuzzResult> {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  const started = performance.now(); // determinism-ok: the harness's own timing
  let code: number;
  try {
    code = await executeCommand(c.command, commands[c.command], [...c.argv]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { id: c.id, code, stdout, stderr, ms: performance.now() - started }; // determinism-ok
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  const c = JSON.parse(line) as FuzzCase;
  queue = queue.then(async () => {
    const result = await runCase(c);
    out(`${JSON.stringify(result)}\n`);
  });
});
