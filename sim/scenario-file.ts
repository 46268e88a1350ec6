/**
 * A user's scenario module (`--scenario-file PATH`): a TypeScript or JavaScript file that exports
 * scenarios, loaded at run time so a project can run its own protocols without forking the tool.
 *
 * What the module exports, looked for in this order (the first that is present counts):
 *
 *   export default scenario;               // a Scenario, or an array of them
 *   export const scenarios = [a, b];       // an array of Scenarios
 *   export const tokenRing: Scenario = ... // otherwise: every named export that is a Scenario
 *
 * TypeScript needs a loader at run time: from the compiled package, tsx's is registered the first
 * time a `.ts` file is loaded (the repository's own sources already run under one). Every problem
 * (no such file, a syntax error, a module that throws, nothing that is a scenario) is one
 * `ScenarioFileError` line naming the file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunConfig, Scenario } from './scenario.ts';
import { Stream } from '../core/contract/rng.ts';
import { typeScriptLoaded } from './invocation.ts';
import { oneLine } from './files.ts';

export class ScenarioFileError extends Error {}

export interface ScenarioFile {
  /** The path as the user gave it (what a report records). */
  readonly given: string;
  /** The absolute path it was loaded from. */
  readonly path: string;
  /** Its scenarios, in the order the module gives them. */
  readonly scenarios: readonly Scenario[];
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs']);

const loaded = new Map<string, Promise<ScenarioFile>>();
const settled = new Map<string, ScenarioFile>();
let tsLoader: Promise<void> | null = null;

/** The absolute path a given scenario file names, against `base` (default: the current directory). */
export function scenarioFilePath(given: string, base = process.cwd()): string {
  return isAbsolute(given) ? given : resolve(base, given);
}

/**
 * Loads a scenario module once per path (later calls get the same scenarios). `given` is kept as
 * the file's name in messages and reports; it is read from `path` (default: `given` against the
 * current directory).
 */
export function loadScenarioFile(given: string, path = scenarioFilePath(given)): Promise<ScenarioFile> {
  let pending = loaded.get(path);
  if (pending === undefined) {
    pending = load(given, path).then((file) => {
      settled.set(path, file);
      return file;
    });
    // A failed load is not cached: the next call (after the file is fixed) tries again.
    pending.catch(() => loaded.delete(path));
    loaded.set(path, pending);
  }
  return pending;
}

/** The scenarios of a file loaded before (`loadScenarioFile`), for code that cannot wait. */
export function loadedScenarioFile(path: string): ScenarioFile {
  const file = settled.get(path);
  if (file === undefined) throw new Error(`scenario file ${path} was not loaded first`);
  return file;
}

async function load(given: string, path: string): Promise<ScenarioFile> {
  const fail = (why: string): never => {
    throw new ScenarioFileError(`scenario file ${given}: ${why}`);
  };
  if (!existsSync(path)) fail('no such file');
  if (!statSync(path).isFile()) fail('is not a file');
  const ext = extname(path).toLowerCase();
  if (!TYPESCRIPT.has(ext) && !JAVASCRIPT.has(ext)) fail(`not a TypeScript or JavaScript module (expected ${[...TYPESCRIPT, ...JAVASCRIPT].join(', ')})`);
  if (TYPESCRIPT.has(ext) && !typeScriptLoaded) await registerTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const hint = TYPESCRIPT.has(ext) && ext !== '.mts' && !inModulePackage(path) ? ' (a TypeScript file with ES imports in a package that is not "type": "module": set it in package.json, or name the file .mts)' : '';
    return fail(`does not load: ${oneLine(e instanceof Error ? e.message : String(e), 300)}${hint}`);
  }
  const scenarios = scenariosOf(module, fail);
  const names = new Set<string>();
  for (const s of scenarios) {
    if (names.has(s.name)) fail(`two scenarios are named ${JSON.stringify(s.name)}`);
    names.add(s.name);
  }
  return { given, path, scenarios };
}

/** Whether the nearest package.json above a file says "type": "module" (how Node and tsx read a `.ts` file's imports). */
function inModulePackage(path: string): boolean {
  // Bounded by the path's depth: the walk ends at the root.
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/** tsx's loader, registered once for the process (or the worker thread) on the first TypeScript file. */
function registerTypeScript(): Promise<void> {
  tsLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return tsLoader;
}

function scenariosOf(module: Record<string, unknown>, fail: (why: string) => never): Scenario[] {
  const from = (value: unknown, what: string): Scenario[] => {
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) fail(`${what} is an empty list`);
    return list.map((s, k) => checkedScenario(s, Array.isArray(value) ? `${what}[${k}]` : what, fail));
  };
  if (module.default !== undefined) return from(module.default, 'the default export');
  if (module.scenarios !== undefined) return from(module.scenarios, "the export 'scenarios'");
  // A module namespace lists its exports in name order, so this order is stable.
  const named = Object.keys(module).filter((k) => looksLikeScenario(module[k]));
  if (named.length === 0) fail('exports no scenario (export one as default, a list of them as `scenarios`, or each under a name)');
  return named.map((k) => checkedScenario(module[k], `the export '${k}'`, fail));
}

function looksLikeScenario(value: unknown): boolean {
  const s = value as Record<string, unknown> | null;
  return typeof s === 'object' && s !== null && typeof s.configure === 'function' && typeof s.build === 'function';
}

/** The fields the kernel and the command line rely on, checked up front so a mistake is one line, not a crash mid-run. */
function checkedScenario(value: unknown, what: string, fail: (why: string) => never): Scenario {
  if (typeof value !== 'object' || value === null) fail(`${what} is not a scenario (an object with name, description, bugs, faultKinds, configure and build)`);
  const s = value as Record<string, unknown>;
  if (typeof s.name !== 'string' || !/^[\w.-]+$/.test(s.name)) fail(`${what}: name must be a word (letters, digits, '.', '_', '-'), got ${JSON.stringify(s.name)}`);
  const where = `scenario ${s.name as string}`;
  if (typeof s.description !== 'string') fail(`${where}: description must be a string`);
  if (!Array.isArray(s.faultKinds)) fail(`${where}: faultKinds must be a list (e.g. allFaultKinds)`);
  if (!Array.isArray(s.bugs)) fail(`${where}: bugs must be a list of { name, description } (empty when it has none)`);
  for (const b of s.bugs as unknown[]) {
    const bug = b as Record<string, unknown> | null;
    if (typeof bug?.name !== 'string' || typeof bug.description !== 'string') fail(`${where}: every bug needs a name and a description, got ${JSON.stringify(b)}`);
  }
  if (typeof s.configure !== 'function') fail(`${where}: configure must be a function`);
  if (typeof s.build !== 'function') fail(`${where}: build must be a function`);
  const scenario = value as Scenario;
  // One seed, expanded and built: the usual slips (a config naming another scenario, which no
  // replay could find again; a build that throws) show here as one line, before any sweep.
  let config: RunConfig;
  try {
    config = scenario.configure(1, new Stream(1, 'config'), null);
  } catch (e) {
    return fail(`${where}: configure(seed 1) threw: ${oneLine(e instanceof Error ? e.message : String(e), 200)}`);
  }
  if (config?.scenario !== scenario.name) fail(`${where}: configure gave a config for scenario ${JSON.stringify(config?.scenario)}; it must name its own scenario, or its reports would not replay`);
  try {
    scenario.build(config);
  } catch (e) {
    fail(`${where}: build(configure(seed 1)) threw: ${oneLine(e instanceof Error ? e.message : String(e), 200)}`);
  }
  return scenario;
}
