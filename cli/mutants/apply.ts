/**
 * A temporary copy of the checkout to mutate: the source folders copied, node_modules linked, so
 * the working tree is never touched. A mutant edits one file of the copy; a patch from outside is
 * applied with `git apply` (which works outside a repository).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Mutant } from './types.ts';

/** What a run of the battery needs from the checkout (everything that is code, nothing that is output). */
const COPIED = ['core', 'sim', 'explore', 'checkers', 'scenarios', 'properties', 'reports', 'cli', 'bench', 'types', 'package.json', 'tsconfig.json'];

export class MutationError extends Error {}

export function makeCopy(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mutant-'));
  for (const name of COPIED) {
    const from = join(root, name);
    if (!existsSync(from)) continue;
    cpSync(from, join(dir, name), { recursive: true, filter: (src) => !src.includes(`${join(root, 'reports', 'out')}`) });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export function removeCopy(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Where `m.find` occurs in the tree at `root` (its one file), or why it cannot be applied. */
export function locate(root: string, m: Mutant): { file: string } | { error: string } {
  const where = join(root, m.in);
  if (!existsSync(where)) return { error: `${m.id}: ${m.in} does not exist` };
  const hits: string[] = [];
  for (const file of filesUnder(where)) {
    const text = readFileSync(file, 'utf8');
    let at = text.indexOf(m.find);
    while (at >= 0) {
      hits.push(file);
      at = text.indexOf(m.find, at + 1);
    }
  }
  if (hits.length !== 1) return { error: `${m.id}: the text to change occurs ${hits.length} times in ${m.in} (must be once)` };
  return { file: relative(root, hits[0]!) };
}

export function applyMutant(copy: string, m: Mutant): string {
  const found = locate(copy, m);
  if ('error' in found) throw new MutationError(found.error);
  const path = join(copy, found.file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(m.find, m.replace));
  return found.file;
}

/** Applies a unified diff to the copy; the files it changes (repository-relative). */
export function applyPatch(copy: string, patchFile: string): string[] {
  const check = spawnSync('git', ['apply', '--check', '--verbose', patchFile], { cwd: copy, encoding: 'utf8' });
  if (check.status !== 0) throw new MutationError(`the patch does not apply: ${(check.stderr || check.stdout).trim().split('\n').find((l) => l.startsWith('error:')) ?? 'git apply refused it'}`);
  const files = (check.stderr + check.stdout)
    .split('\n')
    .map((l) => /^Checking patch (.+)\.\.\.$/.exec(l)?.[1])
    .filter((f): f is string => f !== undefined);
  const applied = spawnSync('git', ['apply', patchFile], { cwd: copy, encoding: 'utf8' });
  if (applied.status !== 0) throw new MutationError(`the patch does not apply: ${applied.stderr.trim().split('\n')[0] ?? ''}`);
  return files;
}
