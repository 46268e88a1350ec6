import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from './compiled.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function checkout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'compiled-'));
  dirs.push(root);
  writeFileSync(join(root, 'tsconfig.json'), '{}\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return root;
}

describe('the cached bundle of an entry module', () => {
  it('bundles the modules the entry imports into one JavaScript file under .build/', async () => {
    const root = checkout({ 'main.ts': "import { x } from './dep.ts';\nexport const y: number = x + 1;\n", 'dep.ts': 'export const x: number = 41;\n' });
    const out = build(join(root, 'main.ts'), root);
    expect(out).toBe(join(root, '.build', 'main.mjs'));
    const mod = (await import(pathToFileURL(out!).href)) as { y: number };
    expect(mod.y).toBe(42);
    expect(Object.keys((JSON.parse(readFileSync(join(root, '.build', 'main.json'), 'utf8')) as { inputs: object }).inputs).sort()).toEqual(['dep.ts', 'main.ts', 'tsconfig.json']);
  });

  it('keeps the bundle while no input changed, and rebuilds it when one did', () => {
    const root = checkout({ 'main.ts': "export { x } from './dep.ts';\n", 'dep.ts': 'export const x = 41;\n' });
    const out = build(join(root, 'main.ts'), root)!;
    const first = statSync(out).ino;
    expect(build(join(root, 'main.ts'), root)).toBe(out);
    expect(statSync(out).ino).toBe(first);
    writeFileSync(join(root, 'dep.ts'), 'export const x = 7;\n');
    expect(build(join(root, 'main.ts'), root)).toBe(out);
    expect(readFileSync(out, 'utf8')).toContain('x = 7');
    writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    build(join(root, 'main.ts'), root);
    expect(statSync(out).ino).not.toBe(first);
  });

  it('gives null for a module that does not compile, so the caller runs the TypeScript', () => {
    const root = checkout({ 'main.ts': 'export const x = ;\n' });
    expect(build(join(root, 'main.ts'), root)).toBeNull();
  });
});
