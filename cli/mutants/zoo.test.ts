import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { zoo } from './zoo/index.ts';
import { locate } from './apply.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the mutant zoo', () => {
  it('every mutant applies to today\'s code: its text occurs exactly once where it says', () => {
    const broken = zoo.map((m) => locate(ROOT, m)).filter((r): r is { error: string } => 'error' in r).map((r) => r.error);
    expect(broken).toEqual([]);
  });

  it('ids are unique, each changes something, and names the rule it breaks', () => {
    expect(new Set(zoo.map((m) => m.id)).size).toBe(zoo.length);
    for (const m of zoo) {
      expect(m.find, m.id).not.toBe(m.replace);
      expect(m.rule.length, m.id).toBeGreaterThan(10);
      expect(m.id, m.id).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
    }
  });
});
