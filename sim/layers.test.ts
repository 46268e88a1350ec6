/**
 * The layer rule (README, "Where things are"), checked over the import graph of every source file
 * (tests may reach across, to drive what they test):
 *
 *   core        -> core                     (protocols and their contract: no kernel, no I/O)
 *   sim         -> core                     (the kernel)
 *   explore     -> core, sim                (the bounded model checker)
 *   checkers    -> core, sim                (invariant checkers, the linearizability checker)
 *   scenarios   -> core, sim, checkers
 *   properties  -> core, sim, checkers, scenarios      (fast-check targets)
 *   reports     -> core, sim, checkers, scenarios      (renderers)
 *   cli         -> everything but api and bench
 *   api         -> everything but bench    (the package's public entry, api/index.ts, and its helpers)
 *   bench       -> everything
 *
 * and no cycle between the folders of core (one protocol may embed another, never both ways).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: ['core'],
  sim: ['core', 'sim'],
  explore: ['core', 'sim', 'explore'],
  checkers: ['core', 'sim', 'checkers'],
  scenarios: ['core', 'sim', 'checkers', 'scenarios'],
  properties: ['core', 'sim', 'checkers', 'scenarios', 'properties'],
  reports: ['core', 'sim', 'checkers', 'scenarios', 'reports'],
  cli: ['core', 'sim', 'explore', 'checkers', 'scenarios', 'properties', 'reports', 'cli'],
  api: ['core', 'sim', 'explore', 'checkers', 'scenarios', 'properties', 'reports', 'cli', 'api'],
  bench: ['core', 'sim', 'explore', 'checkers', 'scenarios', 'properties', 'reports', 'cli', 'api', 'bench'],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if ((name.endsWith('.ts') || name.endsWith('.mjs')) && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Repository-relative paths this file imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(relative(ROOT, normalize(join(dirname(file), m[1]!))));
  }
  return out;
}

const edges: { from: string; to: string }[] = [];
for (const layer of Object.keys(ALLOWED)) {
  for (const file of sources(join(ROOT, layer))) {
    for (const target of importsOf(file)) edges.push({ from: relative(ROOT, file), to: target });
  }
}
const top = (path: string) => path.split('/')[0]!;

describe('the layer rule', () => {
  it('every import of a source file goes to its own layer or one below', () => {
    const broken = edges.filter((e) => ALLOWED[top(e.from)] !== undefined && !ALLOWED[top(e.from)]!.includes(top(e.to)));
    expect(broken.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('no cycle between the folders of core', () => {
    const folder = (path: string) => path.split('/').slice(0, 2).join('/');
    const graph = new Map<string, Set<string>>();
    for (const e of edges) {
      if (top(e.from) !== 'core' || top(e.to) !== 'core' || folder(e.from) === folder(e.to)) continue;
      const set = graph.get(folder(e.from)) ?? new Set<string>();
      set.add(folder(e.to));
      graph.set(folder(e.from), set);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]) => {
      state.set(node, 'open');
      for (const next of [...(graph.get(node) ?? [])].sort()) {
        if (state.get(next) === 'open') cycles.push([...path, node, next].slice(path.indexOf(next) >= 0 ? path.indexOf(next) : 0).join(' -> '));
        else if (state.get(next) === undefined) visit(next, [...path, node]);
      }
      state.set(node, 'done');
    };
    for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('fires on an import that goes up (the check can fail)', () => {
    const up = { from: 'core/raft/node.ts', to: 'sim/kernel.ts' };
    expect(ALLOWED[top(up.from)]!.includes(top(up.to))).toBe(false);
  });
});
