import { describe, expect, it } from 'vitest';
import { configFor } from '../sim/run.ts';
import { runWorld } from '../sim/kernel.ts';
import { clusterScenarios, type ClusterScenarioOptions } from './cluster.ts';
import { measureSeed } from '../properties/cluster/measure.ts';

const byName = (name: string) => clusterScenarios.find((s) => s.name === name)!;

interface Seen {
  readonly node: string;
  readonly t: number;
  readonly o: Record<string, unknown>;
}

function run(name: string, seed: number) {
  const sc = byName(name);
  const config = configFor(sc, seed, null);
  const seen: Seen[] = [];
  const result = runWorld(config, sc.build(config), { onObservation: (node, o, t) => seen.push({ node, t, o: o as Record<string, unknown> }) });
  const of = (type: string, event?: string) => seen.filter((x) => x.o.type === type && (event === undefined || x.o.event === event));
  return { result, seen, of, options: config.options as unknown as ClusterScenarioOptions };
}

describe('cluster scenarios', () => {
  it('the full scenario is deterministic and clean on its first seeds', () => {
    const a = run('cluster', 1);
    const b = run('cluster', 1);
    expect(a.result.violation).toBeNull();
    expect(b.result.traceHash).toBe(a.result.traceHash);
    expect(run('cluster', 2).result.traceHash).not.toBe(a.result.traceHash);
    expect(a.result.simulatedMs).toBe(20_000);
  });

  it('cluster-migration: every range moves while clients write, keys stream in batches, and clients follow the redirects', () => {
    const r = run('cluster-migration', 1);
    expect(r.result.violation).toBeNull();
    const planned = r.options.reshards.length;
    expect(r.of('reshard', 'done').length).toBe(planned);
    expect(r.of('reshard', 'skipped')).toEqual([]);
    expect(r.of('migration', 'handed-over').length).toBeGreaterThanOrEqual(planned);
    const ok = r.seen.filter((x) => x.o.kind === 'ok');
    expect(ok.length).toBe(r.options.clients.length * r.options.opsPerClient);
    expect(ok.some((x) => (x.o.redirects as number) > 0)).toBe(true);
    expect(r.seen.filter((x) => x.o.kind === 'info' || x.o.kind === 'fail')).toEqual([]);
  });

  it('cluster-migration-crash: the migration finishes after its source or target crashed', () => {
    for (const seed of [1, 2, 3]) {
      const r = run('cluster-migration-crash', seed);
      expect(r.result.violation, `seed ${seed}`).toBeNull();
      expect(r.of('reshard', 'done').length, `seed ${seed}`).toBe(1);
    }
  });

  it('cluster-failover: SWIM declares the primary dead, replicas wait 500 + random(0..500) + rank x 1000 ms, one wins and is promoted through Raft', () => {
    const r = run('cluster-failover', 1);
    expect(r.result.violation).toBeNull();
    const victim = /crash (n\d+)/.exec(r.options.script!)![1]!;
    expect(r.of('member', 'dead').some((x) => x.o.subject === victim)).toBe(true);
    for (const s of r.of('election', 'scheduled')) {
      const rank = s.o.rank as number;
      expect(s.o.delayMs as number).toBeGreaterThanOrEqual(500 + rank * 1000);
      expect(s.o.delayMs as number).toBeLessThanOrEqual(1000 + rank * 1000);
    }
    const won = r.of('election', 'won');
    expect(won.length).toBe(1);
    const promoted = r.of('failover', 'promoted').filter((x) => x.o.from === victim);
    expect(promoted.map((x) => x.node)).toEqual([won[0]!.node]);
    expect(promoted[0]!.o.mode).toBe('auto');
    // The old primary comes back, learns it was replaced, and reports what it lost (nothing: it crashed).
    expect(r.of('failover', 'demoted').find((x) => x.node === victim)?.o.lostAckedWrites).toBe(0);
  });

  it('cluster-failover-sync: no acknowledged write is lost and the history is checked for linearizability', () => {
    for (const seed of [1, 2, 3]) {
      const m = measureSeed(byName('cluster-failover-sync'), seed);
      expect(m.violation, `seed ${seed}`).toBeNull();
      expect(m.promotions, `seed ${seed}`).toBeGreaterThan(0);
      expect(m.lostAckedWrites).toBe(0);
      expect(m.linearizabilitySkipped).toBeNull();
    }
  });

  it('cluster-manual-failover: default, FORCE and TAKEOVER each promote a replica of a live primary', () => {
    const modes = new Set<string>();
    for (let seed = 1; seed <= 8 && modes.size < 3; seed++) {
      const r = run('cluster-manual-failover', seed);
      expect(r.result.violation, `seed ${seed}`).toBeNull();
      const f = r.options.failovers[0]!;
      const promoted = r.of('failover', 'promoted').filter((x) => x.o.shard === f.shard && x.o.from !== null);
      expect(promoted.length, `seed ${seed} (${f.mode})`).toBeGreaterThanOrEqual(1);
      expect(promoted[0]!.o.mode).toBe(f.mode);
      if (f.mode === 'default') {
        // The replica waited for the primary's offset: the demoted primary lost nothing.
        expect(r.of('failover', 'demoted').every((x) => x.o.lostAckedWrites === 0)).toBe(true);
      }
      modes.add(f.mode);
    }
    expect([...modes].sort()).toEqual(['default', 'force', 'takeover']);
  });

  it('cluster-partition: the majority side fails over; the old primary, cut off, rejoins as a replica', () => {
    const r = run('cluster-partition', 1);
    expect(r.result.violation).toBeNull();
    const old = r.options.script!.split(' ')[1]!.split(',').find((n) => r.options.shards.some((s) => s.primary === n))!;
    const promoted = r.of('failover', 'promoted').filter((x) => x.o.from === old);
    expect(promoted.length).toBe(1);
    expect(r.of('failover', 'demoted').some((x) => x.node === old)).toBe(true);
    // A role band for every change: the old primary ends as a replica, in the new epoch.
    const roles = r.of('role').filter((x) => x.node === old);
    expect(roles[roles.length - 1]!.o).toMatchObject({ role: 'replica', epoch: promoted[0]!.o.epoch });
  });
});
