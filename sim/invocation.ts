/**
 * How a person runs this tool's commands where it runs now, so that every command it prints (a
 * replay, a re-run, a report's page) works when pasted: from a checkout of the repository the
 * TypeScript sources run under tsx and the commands are npm scripts (`npm run sim -- ...`); from
 * the installed package the compiled JavaScript runs and the commands are its bin
 * (`npx cluster-sim ...`). Which one is decided by this very module's file: `.ts` (or a bundle of the
 * sources under .build/) or `.js`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolCommand = 'sim' | 'report' | 'check';

/**
 * True when this code runs from its TypeScript sources (the repository), or from a bundle of them
 * that cli/compiled.ts cached under .build/ for worker threads; false when compiled (the package).
 */
export const fromSources = import.meta.url.endsWith('.ts') || /\/\.build\/[^/]+\.mjs$/.test(import.meta.url);

/** True when a TypeScript loader runs this code (the sources under tsx); false in a bundle or the package. */
export const typeScriptLoaded = import.meta.url.endsWith('.ts');

/** The words that start a command, e.g. `npm run sim --` or `npx cluster-sim`. */
export function commandPrefix(command: ToolCommand): string {
  if (fromSources) return `npm run ${command} --`;
  return command === 'sim' ? 'npx cluster-sim' : `npx cluster-sim ${command}`;
}

/** A full command line: the prefix, then the arguments (quoted where a shell would split them). */
export function commandLine(command: ToolCommand, ...args: string[]): string {
  return [commandPrefix(command), ...args.map(shellWord)].join(' ');
}

/** A word as a shell reads it back: as it is when it is plain, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The folder holding the package's package.json (the repository root, or the installed package's root). */
export function packageRoot(): string {
  // Sources: sim/ is one level down; compiled: dist/sim/ is two. Bounded by the path's depth.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}
