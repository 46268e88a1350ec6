import { describe, expect, it } from 'vitest';
import { applyConfigCommand, bootstrapConfig, configProblem, configStateMachine, evenSlotRanges, slotOwnerShard } from './config.ts';

const [r1, r2] = evenSlotRanges(2) as [{ start: number; end: number }, { start: number; end: number }];
const base = bootstrapConfig([
  { id: 's1', primary: 'n1', replicas: ['n3'], slots: [r1] },
  { id: 's2', primary: 'n2', replicas: ['n4', 'n5'], slots: [r2] },
]);

describe('cluster configuration', () => {
  it('splits the slots evenly and gives each shard its own epoch', () => {
    expect(evenSlotRanges(3)).toEqual([{ start: 0, end: 5460 }, { start: 5461, end: 10921 }, { start: 10922, end: 16383 }]);
    expect(base.shards.map((s) => s.configEpoch)).toEqual([1, 2]);
    expect(configProblem(base)).toBeNull();
  });

  it('migrates a range: begin (MIGRATING/IMPORTING), finish (SETSLOT NODE) with a fresh epoch', () => {
    const begin = applyConfigCommand(base, { op: 'migrate-begin', range: { start: 10, end: 20 }, source: 's1', target: 's2', by: 'op' });
    expect(begin.result).toEqual({ ok: true, version: 1, migrationId: 1 });
    expect(applyConfigCommand(begin.config, { op: 'migrate-begin', range: { start: 15, end: 30 }, source: 's1', target: 's2', by: 'op' }).result.ok).toBe(false);
    expect(applyConfigCommand(base, { op: 'migrate-begin', range: { start: 10, end: 20 }, source: 's2', target: 's1', by: 'op' }).result.ok).toBe(false);
    const finish = applyConfigCommand(begin.config, { op: 'migrate-finish', migrationId: 1, by: 'n1' });
    expect(finish.result).toEqual({ ok: true, version: 2, epoch: 3 });
    expect(slotOwnerShard(finish.config, 15)!.id).toBe('s2');
    expect(slotOwnerShard(finish.config, 9)!.id).toBe('s1');
    expect(configProblem(finish.config)).toBeNull();
    // A retried finish changes nothing.
    expect(applyConfigCommand(finish.config, { op: 'migrate-finish', migrationId: 1, by: 'n1' }).config).toBe(finish.config);
  });

  it('promotes a replica of the failed primary once, with an epoch above every other', () => {
    const cmd = { op: 'promote', shard: 's2', node: 'n4', failed: 'n2', electionEpoch: 7, fromReplId: 'n2@2', offset: 40, mode: 'auto' } as const;
    const p = applyConfigCommand(base, cmd);
    expect(p.result).toEqual({ ok: true, version: 1, epoch: 7 });
    const s2 = p.config.shards[1]!;
    expect(s2).toMatchObject({ primary: 'n4', replicas: ['n2', 'n5'], configEpoch: 7 });
    // The other replica's promotion for the same failure is refused: the primary is no longer n2.
    expect(applyConfigCommand(p.config, { ...cmd, node: 'n5' }).result).toMatchObject({ ok: false });
    // A takeover has no election epoch: it gets currentEpoch + 1.
    expect(applyConfigCommand(base, { ...cmd, electionEpoch: null, mode: 'takeover' }).result).toMatchObject({ ok: true, epoch: 3 });
    expect(configProblem(p.config)).toBeNull();
  });

  it('finds malformed configurations', () => {
    expect(configProblem({ ...base, shards: [base.shards[0]!, { ...base.shards[1]!, slots: [{ start: 0, end: 16383 }] }] })).toMatch(/two owners/);
    expect(configProblem({ ...base, shards: [base.shards[0]!] })).toMatch(/no owner/);
    expect(configProblem({ ...base, shards: [base.shards[0]!, { ...base.shards[1]!, configEpoch: 1 }] })).toMatch(/share config epoch/);
  });

  it('is a Raft state machine whose snapshot restores an equal config', () => {
    const sm = configStateMachine(base);
    const { state } = sm.apply(sm.init(), { op: 'migrate-begin', range: { start: 1, end: 2 }, source: 's1', target: 's2', by: 'op' });
    expect(sm.restore(sm.snapshot(state))).toEqual(state);
  });
});
