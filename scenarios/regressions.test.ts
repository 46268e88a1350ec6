/**
 * Runs that once failed on correct code, kept as their whole configurations (not as seeds, so a
 * change to how a scenario draws its configuration cannot lose them), each with what was wrong.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../sim/scenario.ts';
import { runConfig } from '../sim/run.ts';
import { findScenario } from './index.ts';

const regressions: readonly { file: string; what: string }[] = [
  {
    file: 'cluster-seed688.json',
    what:
      'a primary restarted under synchronous replication and answered a cas from an append no replica had; ' +
      'a forced failover then lost the append (the restarted primary must hold every key until its replicas have it)',
  },
];

describe('regressions: runs that once failed on correct code', () => {
  for (const r of regressions) {
    it(`${r.file}: ${r.what}`, () => {
      const config = JSON.parse(readFileSync(join(import.meta.dirname, 'regressions', r.file), 'utf8')) as RunConfig;
      const result = runConfig(findScenario(config.scenario)!, config);
      expect(result.violation).toBeNull();
    });
  }
});
