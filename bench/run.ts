/**
 * `npm run bench [-- NAME ...]`: runs every `bench/*.bench.ts` (or those whose name contains one
 * of the given words) in this one process, one after another, and prints their figures.
 * A benchmark is a module whose default export is `async () => void` and prints its own table.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(`npm run bench [-- NAME ...]: runs the benchmarks whose file name contains one of the words, or all of them:\n  ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}\n(some read options from the environment, e.g. SWIM_BENCH=lifeguard: see the top of each bench/*.bench.ts)`);
  process.exit(0);
}
// Options some benchmarks read themselves (explore: --compare); `--` separates them from the names.
const KNOWN = new Set(['--', '--compare']);
const flags = args.filter((a) => a.startsWith('-') && !KNOWN.has(a));
if (flags.length > 0) {
  console.error(`bench: unknown option ${flags[0]} (npm run bench -- NAME ... picks benchmarks by name; --help lists them)`);
  process.exit(2);
}
const filters = args.filter((a) => !a.startsWith('-'));
const files = all.filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error(`bench: no benchmark matches ${filters.join(', ')}`);
  process.exit(2);
}
for (const file of files) {
  console.log(`\n== ${file.replace('.bench.ts', '')}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> | void };
  await mod.default();
}
