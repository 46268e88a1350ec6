/**
 * What every command of the project (`sim`, `report`, `check`, `mutants`, the deep scripts) does
 * the same way at its edges: a bad flag or a bad input file is a `UsageError`, printed as one line
 * `NAME: message` with exit 2, never a stack trace; anything else is an internal error, exit 70
 * (set SIM_DEBUG=1 for the stack); a closed pipe (`... | head`) ends the output quietly; input files
 * are read as text or refused in one line; output places are checked before any work is done.
 */
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, oneLine, outputDirError } from '../sim/files.ts';

export { InputError, oneLine, outputDirError, readTextInput } from '../sim/files.ts';

export class UsageError extends Error {}

/** Exit status of an internal error: a bug of ours, never a verdict (sysexits' EX_SOFTWARE). */
export const EXIT_INTERNAL = 70;

/**
 * Runs a command's `main` on `argv` and gives its exit status: `main`'s own, 2 for a UsageError
 * (its one line printed as `NAME: message`), EXIT_INTERNAL for anything else. Touches no process
 * state, so a harness can run many commands in one process.
 */
export async function executeCommand(name: string, main: (argv: string[]) => number | Promise<number>, argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      console.error(`${name}: ${oneLine(e.message)}`);
      return 2;
    }
    console.error(`${name}: internal error: ${oneLine(e instanceof Error ? e.message : String(e))}`);
    if (process.env.SIM_DEBUG) console.error(e);
    return EXIT_INTERNAL;
  }
}

/** Runs a command as the process's own: its exit status becomes the process's, a closed pipe ends it quietly. */
export function runCommand(name: string, main: (argv: string[]) => number | Promise<number>, argv: string[] = process.argv.slice(2)): void {
  const onPipeError = (e: NodeJS.ErrnoException) => {
    // The reader went away (`| head -1`): what was decided stands, the rest of the output is moot.
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  };
  process.stdout.on('error', onPipeError);
  process.stderr.on('error', onPipeError);
  void executeCommand(name, main, argv).then((code) => {
    process.exitCode = code;
  });
}

/** Whether the module at `moduleUrl` is the program node was started with (not imported). */
export function isEntry(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(moduleUrl);
}

/**
 * `parseArgs` with its errors as one `UsageError` line. A value that starts with a dash
 * (`--seed -1`) is named as the bad value it is, instead of Node's "argument is ambiguous".
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? [];
  const options = config.options ?? {};
  for (let i = 0; i + 1 < args.length; i++) {
    const flag = args[i]!;
    if (!flag.startsWith('--')) continue;
    const option = options[flag.slice(2)];
    const value = args[i + 1]!;
    if (option?.type === 'string' && /^-/.test(value)) {
      throw new UsageError(`${flag} ${JSON.stringify(value)}: ${/^-\d/.test(value) ? 'negative numbers are not allowed here' : `${flag} needs a value, not another option`}`);
    }
  }
  try {
    return parseArgs(config);
  } catch (e) {
    // Node's messages run on ("Unknown option '--x'. To specify a positional ..."): the first sentence names it.
    throw new UsageError(`${(e as Error).message.split(/\n|\. /)[0]!.replace(/\.$/, '')} (see --help)`);
  }
}

/** Checks before the work starts that `dir` (a folder for reports and the like) can be written. */
export function checkOutputDir(dir: string, flag: string): void {
  const error = outputDirError(dir);
  if (error !== null) throw new UsageError(`${flag}: ${error}`);
}

/** Checks before the work starts that the file `path` can be written (its folder can be, and it is no folder). */
export function checkOutputFile(path: string, flag: string): void {
  if (path.trim() === '') throw new UsageError(`${flag} needs a file name`);
  const full = resolve(path);
  if (isFolder(full)) throw new UsageError(`${flag}: ${path} is a folder, not a file`);
  const error = outputDirError(dirname(full));
  if (error !== null) throw new UsageError(`${flag}: ${error}`);
}

/**
 * Writes an output file whole or not at all (a temporary file beside it, then a rename), so a
 * crash or a full disk never leaves half a page or history; a failure is one line naming `what`.
 */
export function writeOutputFile(path: string, text: string, what: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    throw new UsageError(`${what}: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
