import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const ambient = /\b(Math\.random|Date\.now|new Date\(|performance\.now|setTimeout|setInterval|setImmediate|process\.hrtime)\b/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('determinism leaks', () => {
  it('no protocol or kernel code reads ambient time or randomness (outside marked wall-clock lines)', () => {
    const leaks: string[] = [];
    for (const dir of ['core', 'sim', 'scenarios']) {
      for (const file of files(join(root, dir))) {
        if (/\/cli[^/]*\.ts$/.test(file)) continue; // the CLI times itself with the wall clock, outside the simulated world
        readFileSync(file, 'utf8').split('\n').forEach((line, k) => {
          const code = line.trim();
          const comment = code.startsWith('*') || code.startsWith('//') || code.startsWith('/*');
          if (!comment && ambient.test(line) && !line.includes('determinism-ok')) leaks.push(`${relative(root, file)}:${k + 1}: ${line.trim()}`);
        });
      }
    }
    expect(leaks).toEqual([]);
  });
});
