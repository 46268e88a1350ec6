/**
 * Compiled JavaScript for worker threads and child processes, built once and cached.
 *
 * A worker started on TypeScript spends its first second (several on a busy machine) compiling
 * every module it imports through the tsx loader, and every worker of a sweep does it again. This
 * bundles an entry module and everything it imports from the checkout (packages stay external, as
 * imports of node_modules) into one ES module under `.build/`, with esbuild, and keeps it while its
 * inputs are unchanged: a manifest beside the bundle holds the SHA-1 of each input file, of
 * tsconfig.json and the esbuild version, and a start re-hashes them (a few milliseconds for the
 * 160 files of the sweep worker) before it trusts the bundle. Any change of a source file, a
 * mutated copy of the checkout included, rebuilds it (a fraction of a second).
 *
 * The bundle sits one folder below the checkout's root, as every module of the checkout does, so
 * a module that finds the root from its own place (`import.meta.url`, '..') finds the same root.
 *
 * When the bundle cannot be had (esbuild missing, a read-only checkout, a build error), the caller
 * gets null and runs the TypeScript as before: slower to start, the same results.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { threadId } from 'node:worker_threads';

const ROOT = join(import.meta.dirname, '..');
const FORMAT = 1;

interface Manifest {
  readonly format: number;
  readonly esbuild: string;
  readonly entry: string;
  /** Path relative to the root, and the SHA-1 of its bytes, of every input (tsconfig.json included). */
  readonly inputs: Readonly<Record<string, string>>;
}

type Esbuild = typeof import('esbuild');

let esbuildModule: Esbuild | null | undefined;
function loadEsbuild(): Esbuild | null {
  if (esbuildModule === undefined) {
    try {
      esbuildModule = createRequire(import.meta.url)('esbuild') as Esbuild;
    } catch {
      esbuildModule = null;
    }
  }
  return esbuildModule;
}

function sha1(path: string): string | null {
  try {
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

function readManifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Whether every input the manifest lists still has the bytes it had when the bundle was built. */
function fresh(manifest: Manifest, root: string, entry: string, esbuild: Esbuild): boolean {
  if (manifest.format !== FORMAT || manifest.esbuild !== esbuild.version || manifest.entry !== entry) return false;
  for (const [file, hash] of Object.entries(manifest.inputs)) if (sha1(join(root, file)) !== hash) return false;
  return true;
}

const built = new Map<string, string | null>();

/**
 * The path of a cached JavaScript bundle of `entry` (an absolute path to a .ts module of the
 * checkout at `root`), built now if it is missing or out of date; null if it cannot be built
 * (or SIM_NO_BUILD=1 says not to). Synchronous; checked once per entry per process.
 */
export function compiledEntry(entry: string, root: string = ROOT): string | null {
  const known = built.get(entry);
  if (known !== undefined) return known;
  const result = process.env.SIM_NO_BUILD === '1' ? null : build(entry, root);
  built.set(entry, result);
  return result;
}

/** Builds (or finds fresh) the bundle of `entry`, with no memory of earlier calls. */
export function build(entry: string, root: string): string | null {
  const esbuild = loadEsbuild();
  if (esbuild === null) return null;
  const name = basename(entry).replace(/\.ts$/, '');
  const rel = relative(root, entry);
  const outDir = join(root, '.build');
  const outfile = join(outDir, `${name}.mjs`);
  const manifestFile = join(outDir, `${name}.json`);
  const old = readManifest(manifestFile);
  if (old !== null && fresh(old, root, rel, esbuild)) return outfile;
  try {
    mkdirSync(outDir, { recursive: true });
    const result = esbuild.buildSync({
      absWorkingDir: root,
      entryPoints: [rel],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      metafile: true,
      write: false,
      outfile,
      logLevel: 'silent',
    });
    const output = result.outputFiles[0];
    if (output === undefined) return null;
    const inputs: Record<string, string> = {};
    for (const file of [...Object.keys(result.metafile.inputs), 'tsconfig.json']) {
      const hash = sha1(join(root, file));
      if (hash === null) return null;
      inputs[file] = hash;
    }
    const manifest: Manifest = { format: FORMAT, esbuild: esbuild.version, entry: rel, inputs };
    // Another process may build the same bundle at the same time: each writes its own file and
    // renames it into place, so a reader sees a whole bundle, never half of one.
    const tag = `${process.pid}-${threadId}`;
    writeFileSync(`${outfile}.${tag}`, output.contents);
    renameSync(`${outfile}.${tag}`, outfile);
    writeFileSync(`${manifestFile}.${tag}`, `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(`${manifestFile}.${tag}`, manifestFile);
    return outfile;
  } catch {
    return null;
  }
}
