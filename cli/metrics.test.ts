import { describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { RunMetrics, roleOf, sumMetrics } from './metrics.ts';
import { runWorld } from '../sim/kernel.ts';
import { probeConfig, probeWorld } from '../sim/testkit.ts';

type Family = { name: string; type: string; metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[] };
const parse = (text: string) => parsePrometheusTextFormat(text) as Family[];
const family = (fs: Family[], name: string) => fs.find((f) => f.name === name)!;

/**
 * The exposition format's sample lines, strictly: `name{label="value",...} number`. The parser
 * library flattens labeled histograms into one series, so histogram series are read with this.
 */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|-Inf|NaN))$/;
function samples(text: string): { name: string; labels: string; value: number }[] {
  return text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#')).map((line) => {
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not an exposition-format sample line: ${line}`);
    return { name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) };
  });
}
const sample = (text: string, name: string, labels: string) => samples(text).find((x) => x.name === name && x.labels.includes(labels))?.value;

describe('run metrics', () => {
  it('count kernel events and violations, and read roles, client latency and failure detection from observations', async () => {
    const config = probeConfig({ conditions: { lossRate: 0.25 }, faults: [{ atMs: 100, type: 'crash', node: 'b' }] });
    const world = probeWorld(['a', 'b'], [{ atMs: 0, node: 'a', command: { type: 'send', to: 'b', count: 200 } }]);
    const m = new RunMetrics('probe');
    m.startRun(config);
    const result = runWorld(config, world, { onObservation: (n, o, t) => m.observe(n, o, t) });
    // Observations a protocol would make, fed by hand (the probe makes none).
    m.observe('a', { kind: 'becameCandidate', term: 1 }, 10);
    m.observe('a', { kind: 'becameLeader', term: 1 }, 20);
    m.observe('c1', { kind: 'ok', callMs: 100, returnMs: 130 }, 130);
    m.observe('c1', { kind: 'info', callMs: 200, returnMs: null }, 900);
    m.observe('a', { type: 'dead', subject: 'b' }, 1600);
    m.observe('a', { type: 'dead', subject: 'a' }, 1700);
    m.observe('a', { type: 'metric', name: 'acked_writes_lost', value: 3 }, 1800);
    m.observe('a', { type: 'metric', name: 'acked_writes_lost', value: 2 }, 1900);
    m.finishRun(result);
    const text = await m.text();
    const fs = parse(text);
    const messages = family(fs, 'cluster_sim_messages_total');
    expect(messages.type).toBe('COUNTER');
    const sent = messages.metrics.find((x) => x.labels?.outcome === 'sent')!;
    expect(Number(sent.value)).toBe(result.stats.messagesSent);
    expect(Number(messages.metrics.find((x) => x.labels?.outcome === 'dropped')!.value)).toBe(result.stats.messagesDropped);
    expect(Number(family(fs, 'cluster_sim_leader_changes_total').metrics[0]!.value)).toBe(1);
    expect(family(fs, 'cluster_sim_role_changes_total').metrics.map((x) => x.labels?.role).sort()).toEqual(['candidate', 'leader']);
    expect(family(fs, 'cluster_sim_client_operation_latency_ms').type).toBe('HISTOGRAM');
    expect(sample(text, 'cluster_sim_client_operation_latency_ms_count', 'outcome="ok"')).toBe(1);
    expect(sample(text, 'cluster_sim_client_operation_latency_ms_sum', 'outcome="ok"')).toBe(30);
    expect(sample(text, 'cluster_sim_client_operation_latency_ms_bucket', 'le="20"')).toBe(0);
    expect(sample(text, 'cluster_sim_client_operation_latency_ms_bucket', 'le="50"')).toBe(1);
    expect(sample(text, 'cluster_sim_failure_detection_latency_ms_sum', 'scenario="probe"')).toBe(1500);
    expect(sample(text, 'cluster_sim_client_operations_total', 'outcome="info"')).toBe(1);
    expect(sample(text, 'cluster_sim_protocol_total', 'name="acked_writes_lost"')).toBe(5);
    expect(Number(family(fs, 'cluster_sim_false_failure_detections_total').metrics[0]!.value)).toBe(1);
    expect(Number(family(fs, 'cluster_sim_runs_total').metrics.find((x) => x.labels?.result === 'ok')!.value)).toBe(1);
  });

  it('sum over the runs of a sweep', async () => {
    const runs = [];
    for (const seed of [1, 2, 3]) {
      const config = probeConfig({ seed, conditions: { lossRate: 0.5 } });
      const m = new RunMetrics('probe');
      m.startRun(config);
      const r = runWorld(config, probeWorld(['a', 'b'], [{ atMs: 0, node: 'a', command: { type: 'send', to: 'b', count: 100 } }]));
      m.finishRun(r);
      runs.push(await m.json());
    }
    const fs = parse(await sumMetrics(runs));
    expect(Number(family(fs, 'cluster_sim_runs_total').metrics.find((x) => x.labels?.result === 'ok')!.value)).toBe(3);
    expect(Number(family(fs, 'cluster_sim_messages_total').metrics.find((x) => x.labels?.outcome === 'sent')!.value)).toBe(300);
  });

  it('recognise roles by the report convention', () => {
    expect(roleOf({ role: 'primary', epoch: 3 })).toBe('primary');
    expect(roleOf({ kind: 'becameFollower' })).toBe('follower');
    expect(roleOf({ type: 'holds', value: 3 })).toBeNull();
    expect(roleOf(7)).toBeNull();
  });
});
