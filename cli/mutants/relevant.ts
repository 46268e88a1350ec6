/**
 * Which scenarios run the code a mutant or patch changes: those whose module (in scenarios/)
 * imports a changed file, directly or through others. Read from the static import graph, so a
 * patch from outside gets the same battery a zoo mutant of the same file would.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../../sim/scenario.ts';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** file -> the files it imports (repository-relative), static relative imports only. */
export function importGraph(root: string, folders: readonly string[] = ['core', 'sim', 'checkers', 'scenarios']): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of folders) {
    for (const file of sourceFiles(join(root, folder))) {
      const text = readFileSync(file, 'utf8');
      const targets: string[] = [];
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) targets.push(relative(root, normalize(join(dirname(file), m[1]!))));
      graph.set(relative(root, file), targets);
    }
  }
  return graph;
}

function reaches(graph: Map<string, string[]>, from: string, targets: ReadonlySet<string>): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (targets.has(f)) return true;
    for (const next of graph.get(f) ?? []) if (!seen.has(next)) stack.push(next) && seen.add(next);
  }
  return false;
}

function isScenario(v: unknown): v is Scenario {
  return typeof v === 'object' && v !== null && typeof (v as Scenario).name === 'string' && typeof (v as Scenario).configure === 'function' && typeof (v as Scenario).build === 'function';
}

/** Names of the scenarios whose modules reach one of `changed` (repository-relative paths), in registry order. */
export async function relevantScenarios(root: string, changed: readonly string[], registry: readonly Scenario[]): Promise<string[]> {
  const graph = importGraph(root);
  const targets = new Set(changed);
  const names = new Set<string>();
  for (const file of [...graph.keys()].filter((f) => f.startsWith('scenarios/') && f !== 'scenarios/index.ts')) {
    if (!reaches(graph, file, targets)) continue;
    const mod = (await import(pathToFileURL(join(root, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (isScenario(value)) names.add(value.name);
      else if (Array.isArray(value)) for (const v of value) if (isScenario(v)) names.add(v.name);
    }
  }
  return registry.map((s) => s.name).filter((n) => names.has(n));
}
