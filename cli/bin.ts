/**
 * `cluster-sim`, the installed package's command (its `bin`), one program for the repository's
 * three npm scripts:
 *
 *   cluster-sim [sim] [options]     a seed, a sweep, a replay, an exploration (`npm run sim`)
 *   cluster-sim report FILE ...     a report as an HTML page (`npm run report`)
 *   cluster-sim check FILE ...      linearizability of a history (`npm run check`)
 *
 * The first word picks the command; without one it is `sim`, so `npx cluster-sim --seed 1` runs
 * a seed. Each command is loaded only when it is the one asked for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEntry, runCommand } from './command.ts';
import { packageRoot } from '../sim/invocation.ts';

const usage = `Usage: cluster-sim [sim] [options]      run a seed, a sweep, a replay or an exploration (--help for the options)
       cluster-sim report FILE [options]  write a report's HTML page with its space-time diagram
       cluster-sim check FILE [options]   check a history for linearizability
       cluster-sim --version`;

export function runCli(argv: string[] = process.argv.slice(2)): void {
  const [first, ...rest] = argv;
  switch (first) {
    case 'report':
      runCommand('cluster-sim report', async (args) => (await import('./report.ts')).main(args), rest);
      return;
    case 'check':
      runCommand('cluster-sim check', async (args) => (await import('./check.ts')).main(args), rest);
      return;
    case 'sim':
      runCommand('cluster-sim', async (args) => (await import('./sim.ts')).main(args), rest);
      return;
    case '--version':
      console.log((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
      return;
    case 'help':
      console.log(usage);
      return;
    default:
      if (first !== undefined && !first.startsWith('-')) {
        console.error(`cluster-sim: unknown command ${JSON.stringify(first)} (the commands are sim, report and check; cluster-sim help)`);
        process.exitCode = 2;
        return;
      }
      runCommand('cluster-sim', async (args) => (await import('./sim.ts')).main(args), argv);
  }
}

if (isEntry(import.meta.url)) runCli();
