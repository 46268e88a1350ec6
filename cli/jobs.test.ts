import { describe, expect, it } from 'vitest';
import { runJob } from './jobs.ts';

describe('a job', () => {
  it('keeps its finding when the report cannot be written: the violation stands and the reason is given', () => {
    const r = runJob({ scenario: 'maxgossip', seed: 3, bug: 'no-persist', checkpointEvery: 0, reportDir: '/dev/null/reports', tool: { name: 't', version: '0', commit: null, dirty: false }, tail: 50 });
    expect(r.violation?.invariant).toBe('never-backwards');
    expect(r.reportPath).toBeNull();
    expect(r.reportError).toMatch(/\/dev\/null is a file, not a folder/);
  });
});
