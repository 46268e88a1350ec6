/**
 * What every command of the project (`sim`, `report`, `check`) does the same way at its edges: a
 * bad flag or a bad input file is a `UsageError`, printed as one line `NAME: message` with exit 2,
 * never a stack trace; anything else is an internal error, exit 3 (set SIM_DEBUG=1 for the stack);
 * and a closed pipe (`... | head`) ends the output quietly.
 */
export class UsageError extends Error {}

export function runCommand(name: string, main: (argv: string[]) => number | Promise<number>): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const fail = (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`${name}: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(`${name}: internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (process.env.SIM_DEBUG) console.error(e);
      process.exitCode = 3;
    }
  };
  try {
    Promise.resolve(main(process.argv.slice(2))).then((code) => {
      process.exitCode = code;
    }, fail);
  } catch (e) {
    fail(e);
  }
}
