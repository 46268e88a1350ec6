/**
 * Metrics of a run or a sweep, in the Prometheus text exposition format (`--metrics FILE`), so a
 * sweep can be graphed with the tools people already have. Kernel counters come from the run's
 * statistics; protocol metrics are read from observations by convention, the same convention
 * the HTML report's role bands use:
 *
 * - a role change: an observation with a string `role`, or a `kind`/`type` `becameX` (role x);
 *   a change to `leader` or `primary` also counts as a leader change;
 * - a client operation: an observation with `kind`/`type` `ok`, `fail` or `info` and numeric
 *   `callMs` (and `returnMs` when it returned): its latency goes into a histogram by outcome;
 * - a failure detection: an observation with `kind`, `type` or `event` `dead` (or `declaredDead`)
 *   naming the dead member in `subject` (or `member`/`node`), as SWIM's `{ type: 'member',
 *   event: 'dead', subject }`: the time since that member's last crash in
 *   the fault schedule goes into a histogram. A false detection (the member was up) is counted;
 * - a protocol's own counter: an observation `{ type: 'metric', name, value }` adds `value` to
 *   `cluster_sim_protocol_total{name}` (e.g. acknowledged writes lost to an unclean election).
 *
 * Each run fills its own registry; a sweep adds the runs' registries up (counters and histograms
 * sum), which is how the workers' results are combined.
 */
import { AggregatorRegistry, Counter, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { NodeId } from '../core/contract/protocol.ts';
import type { RunConfig } from '../sim/scenario.ts';
import type { RunResult } from '../sim/kernel.ts';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000];

function field(o: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

/** The role an observation announces, by the convention above; null when it announces none. */
export function roleOf(observation: unknown): string | null {
  if (typeof observation !== 'object' || observation === null) return null;
  const o = observation as Record<string, unknown>;
  if (typeof o.role === 'string') return o.role;
  for (const name of [o.kind, o.type]) {
    if (typeof name === 'string' && /^became[A-Z]/.test(name)) return name.slice('became'.length).toLowerCase();
  }
  return null;
}

export class RunMetrics {
  readonly registry = new Registry();
  private readonly labels: { scenario: string };
  private readonly messages: Counter<'scenario' | 'outcome'>;
  private readonly kernelEvents: Counter<'scenario' | 'kind'>;
  private readonly runs: Counter<'scenario' | 'result'>;
  private readonly violations: Counter<'scenario' | 'invariant' | 'kind'>;
  private readonly simulatedSeconds: Counter<'scenario'>;
  private readonly roleChanges: Counter<'scenario' | 'role'>;
  private readonly leaderChanges: Counter<'scenario'>;
  private readonly falseDetections: Counter<'scenario'>;
  private readonly detectionLatency: Histogram<'scenario'>;
  private readonly clientLatency: Histogram<'scenario' | 'outcome'>;
  private readonly clientOps: Counter<'scenario' | 'outcome'>;
  private readonly protocolCounters: Counter<'scenario' | 'name'>;
  private crashTimes = new Map<NodeId, number[]>();

  constructor(scenario: string) {
    this.labels = { scenario };
    const registers = [this.registry];
    this.messages = new Counter({ name: 'cluster_sim_messages_total', help: 'Messages by what became of them: sent, delivered, dropped, duplicated', labelNames: ['scenario', 'outcome'], registers });
    this.kernelEvents = new Counter({ name: 'cluster_sim_node_events_total', help: 'Kernel events by kind: timers, commands, replies, observations, writes, crashes, restarts, pauses, forgeries', labelNames: ['scenario', 'kind'], registers });
    this.runs = new Counter({ name: 'cluster_sim_runs_total', help: 'Runs by result: ok or violation', labelNames: ['scenario', 'result'], registers });
    this.violations = new Counter({ name: 'cluster_sim_violations_total', help: 'Violations by invariant', labelNames: ['scenario', 'invariant', 'kind'], registers });
    this.simulatedSeconds = new Counter({ name: 'cluster_sim_simulated_seconds_total', help: 'Virtual time covered by the runs', labelNames: ['scenario'], registers });
    this.roleChanges = new Counter({ name: 'cluster_sim_role_changes_total', help: 'Role changes announced by nodes (elections are changes to candidate)', labelNames: ['scenario', 'role'], registers });
    this.leaderChanges = new Counter({ name: 'cluster_sim_leader_changes_total', help: 'Changes of a node to leader or primary', labelNames: ['scenario'], registers });
    this.falseDetections = new Counter({ name: 'cluster_sim_false_failure_detections_total', help: 'Members declared dead while they were up', labelNames: ['scenario'], registers });
    this.detectionLatency = new Histogram({ name: 'cluster_sim_failure_detection_latency_ms', help: 'Time from a member crash to a member declaring it dead', labelNames: ['scenario'], buckets: LATENCY_BUCKETS_MS, registers });
    this.clientLatency = new Histogram({ name: 'cluster_sim_client_operation_latency_ms', help: 'Client operation latency (call to return) by outcome', labelNames: ['scenario', 'outcome'], buckets: LATENCY_BUCKETS_MS, registers });
    this.protocolCounters = new Counter({ name: 'cluster_sim_protocol_total', help: "Protocols' own counters, from observations { type: 'metric', name, value }", labelNames: ['scenario', 'name'], registers });
    this.clientOps = new Counter({ name: 'cluster_sim_client_operations_total', help: 'Client operations by outcome (info: unknown, never returned)', labelNames: ['scenario', 'outcome'], registers });
  }

  /** Call before a run: crash times come from its fault schedule. */
  startRun(config: RunConfig): void {
    this.crashTimes = new Map();
    for (const f of config.faults) {
      if (f.type === 'crash') {
        const list = this.crashTimes.get(f.node) ?? [];
        list.push(f.atMs);
        this.crashTimes.set(f.node, list);
      }
    }
  }

  /** Feed every observation of the run (RunOptions.onObservation). */
  observe(_node: NodeId, observation: unknown, nowMs: number): void {
    if (typeof observation !== 'object' || observation === null) return;
    const o = observation as Record<string, unknown>;
    const role = roleOf(o);
    if (role !== null) {
      this.roleChanges.inc({ ...this.labels, role });
      if (role === 'leader' || role === 'primary') this.leaderChanges.inc(this.labels);
    }
    const name = field(o, 'kind', 'type');
    if (o.type === 'metric' && typeof o.name === 'string' && typeof o.value === 'number' && Number.isFinite(o.value) && o.value >= 0) {
      this.protocolCounters.inc({ ...this.labels, name: o.name }, o.value);
      return;
    }
    if ((name === 'ok' || name === 'fail' || name === 'info') && typeof o.callMs === 'number') {
      this.clientOps.inc({ ...this.labels, outcome: name });
      if (typeof o.returnMs === 'number') this.clientLatency.observe({ ...this.labels, outcome: name }, o.returnMs - o.callMs);
    }
    const event = field(o, 'event');
    if (name === 'dead' || name === 'declaredDead' || event === 'dead') {
      const subject = field(o, 'subject', 'member', 'node');
      if (typeof subject === 'string') {
        const crashes = (this.crashTimes.get(subject) ?? []).filter((t) => t <= nowMs);
        if (crashes.length === 0) this.falseDetections.inc(this.labels);
        else this.detectionLatency.observe(this.labels, nowMs - crashes[crashes.length - 1]!);
      }
    }
  }

  /** Call after a run with its result. */
  finishRun(result: RunResult): void {
    const s = result.stats;
    const l = this.labels;
    this.messages.inc({ ...l, outcome: 'sent' }, s.messagesSent);
    this.messages.inc({ ...l, outcome: 'delivered' }, s.messagesDelivered);
    this.messages.inc({ ...l, outcome: 'dropped' }, s.messagesDropped);
    this.messages.inc({ ...l, outcome: 'duplicated' }, s.messagesDuplicated);
    for (const [kind, n] of [
      ['timer', s.timersFired], ['command', s.commands], ['reply', s.replies], ['observation', s.observations], ['write', s.writes],
      ['crash', s.crashes], ['restart', s.restarts], ['pause', s.pauses], ['forgery', s.forgeries],
    ] as const) this.kernelEvents.inc({ ...l, kind }, n);
    this.runs.inc({ ...l, result: result.violation ? 'violation' : 'ok' });
    if (result.violation) this.violations.inc({ ...l, invariant: result.violation.invariant, kind: result.violation.kind });
    this.simulatedSeconds.inc(l, result.simulatedMs / 1000);
  }

  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON() as Promise<MetricsJson>;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Adds up the metrics of many runs (counters and histograms sum), e.g. from a sweep's workers. */
export function sumMetrics(runs: readonly MetricsJson[]): Promise<string> {
  return AggregatorRegistry.aggregate(runs as MetricsJson[]).metrics();
}
