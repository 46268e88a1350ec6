import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioFile, ScenarioFileError } from './scenario-file.ts';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'scenario-file-'));
const maxgossip = JSON.stringify(join(root, 'scenarios/maxgossip.ts'));

/** Writes a module into the temporary folder and loads it. */
function load(name: string, text: string) {
  writeFileSync(join(dir, name), text);
  return loadScenarioFile(name, join(dir, name));
}

describe('scenario files', () => {
  it('take a default export: one scenario, or a list', async () => {
    const one = await load('one.ts', `import { maxGossipScenario } from ${maxgossip};\nexport default maxGossipScenario;\n`);
    expect(one.scenarios.map((s) => s.name)).toEqual(['maxgossip']);
    expect(one.given).toBe('one.ts');
    const list = await load('list.mjs', `import { maxGossipScenario } from ${maxgossip};\nexport default [maxGossipScenario];\n`);
    expect(list.scenarios).toHaveLength(1);
  });

  it("take an export 'scenarios', else every named export that is a scenario", async () => {
    const listed = await load('listed.ts', `import { maxGossipScenario } from ${maxgossip};\nexport const scenarios = [maxGossipScenario];\nexport const other = 1;\n`);
    expect(listed.scenarios.map((s) => s.name)).toEqual(['maxgossip']);
    const named = await load('named.ts', `import { maxGossipScenario } from ${maxgossip};\nexport const gossip = maxGossipScenario;\nexport const helper = () => 1;\n`);
    expect(named.scenarios.map((s) => s.name)).toEqual(['maxgossip']);
  });

  it('load a path once', async () => {
    const a = await loadScenarioFile('one.ts', join(dir, 'one.ts'));
    const b = await loadScenarioFile('one.ts', join(dir, 'one.ts'));
    expect(b).toBe(a);
  });

  it('say how to load TypeScript in a package that is not "type": "module", when it does not load', async () => {
    const cjs = mkdtempSync(join(tmpdir(), 'scenario-file-cjs-'));
    writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');
    writeFileSync(join(cjs, 'ring.ts'), 'export default {{;\n');
    const error = await loadScenarioFile('ring.ts', join(cjs, 'ring.ts')).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^scenario file ring\.ts: does not load: .*\(a TypeScript file with ES imports in a package that is not "type": "module": set it in package\.json, or name the file \.mts\)$/);
  });

  it.each([
    ['missing.ts', null, 'scenario file missing.ts: no such file'],
    ['notes.txt', 'hello', 'scenario file notes.txt: not a TypeScript or JavaScript module'],
    ['broken.ts', 'export default {{;', 'scenario file broken.ts: does not load:'],
    ['throws.mjs', "throw new Error('no config here');", 'scenario file throws.mjs: does not load: no config here'],
    ['empty.mjs', 'export const x = 1;', 'scenario file empty.mjs: exports no scenario'],
    ['nameless.mjs', 'export default { description: "", bugs: [], faultKinds: [], configure() {}, build() {} };', 'name must be a word'],
    ['nobugs.mjs', 'export default { name: "a", description: "", faultKinds: [], configure() {}, build() {} };', 'scenario a: bugs must be a list'],
    ['other.mjs', 'export default { name: "a", description: "", bugs: [], faultKinds: [], configure: () => ({ scenario: "b" }), build() {} };', 'scenario a: configure gave a config for scenario "b"'],
    ['twice.ts', `import { maxGossipScenario } from ${maxgossip};\nexport default [maxGossipScenario, maxGossipScenario];\n`, 'two scenarios are named "maxgossip"'],
  ])('refuse %s in one line', async (name, text, message) => {
    const attempt = text === null ? loadScenarioFile(name, join(dir, name)) : load(name, text);
    const error = await attempt.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScenarioFileError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
