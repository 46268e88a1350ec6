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

/** Import hops from `from` to the nearest of `targets`, or -1 when it reaches none. */
function distance(graph: Map<string, string[]>, from: string, targets: ReadonlySet<string>): number {
  const seen = new Set<string>([from]);
  let frontier = [from];
  for (let hops = 0; frontier.length > 0; hops++) {
    const next: string[] = [];
    for (const f of frontier) {
      if (targets.has(f)) return hops;
      for (const n of graph.get(f) ?? []) if (!seen.has(n)) seen.add(n) && next.push(n);
    }
    frontier = next;
  }
  return -1;
}

function isScenario(v: unknown): v is Scenario {
  return typeof v === 'object' && v !== null && typeof (v as Scenario).name === 'string' && typeof (v as Scenario).configure === 'function' && typeof (v as Scenario).build === 'function';
}

/**
 * The scenarios whose modules reach one of `changed` (repository-relative paths), nearest first
 * (fewest import hops from the scenario's module to the change, then registry order), each with
 * its distance: a Raft mutant is judged by the Raft scenarios first, then by those embedding Raft.
 */
export async function relevantScenarios(root: string, changed: readonly string[], registry: readonly Scenario[]): Promise<{ readonly name: string; readonly distance: number }[]> {
  const graph = importGraph(root);
  const targets = new Set(changed);
  const near = new Map<string, number>();
  for (const file of [...graph.keys()].filter((f) => f.startsWith('scenarios/') && f !== 'scenarios/index.ts')) {
    const d = distance(graph, file, targets);
    if (d < 0) continue;
    const mod = (await import(pathToFileURL(join(root, file)).href)) as Record<string, unknown>;
    const found = (v: unknown) => isScenario(v) && near.set(v.name, Math.min(near.get(v.name) ?? Infinity, d));
    for (const value of Object.values(mod)) {
      if (Array.isArray(value)) value.forEach(found);
      else found(value);
    }
  }
  const order = registry.map((s) => s.name).filter((n) => near.has(n));
  return order.map((name) => ({ name, distance: near.get(name)! })).sort((a, b) => a.distance - b.distance || order.indexOf(a.name) - order.indexOf(b.name));
}
