/**
 * Defaults and validation of the ISR options. The time constants are Kafka's scaled down to what a
 * simulation of a few seconds can show (Kafka: 30 s replica lag, 5 s HW checkpoints); rivven's:
 * 128 virtual nodes, replication factor 3. SWIM runs five times faster than rivven's 1 s protocol
 * period: a 200 ms period, a 100 ms probe timeout, and a suspicion timeout of 800 ms (4 periods)
 * that starts at 2.4 s and shrinks to that as independent members confirm it (Lifeguard), so a
 * crashed broker is declared dead within about 1 to 2 s, and a member that stalls for half a second
 * refutes in time (a stall must outlast the suspicion plus the time the accusation takes to reach
 * it after it wakes up, a period or two).
 */
import { isIsrBug } from './bugs.ts';
import type { IsrConfig, IsrOptions, IsrSwimOptions } from './types.ts';

export const ISR_SWIM_DEFAULTS: IsrSwimOptions = {
  protocolPeriodMs: 200,
  probeTimeoutMs: 100,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 3,
  pushPullPeriods: 10,
  reconnectPeriods: 2,
  leavePeriods: 3,
  clusterKey: 'isr-cluster-secret',
};

export const ISR_DEFAULTS: Omit<IsrOptions, 'controllers' | 'brokers' | 'swim'> = {
  initialBrokers: [],
  topic: 'events',
  partitions: 4,
  replicationFactor: 3,
  virtualNodes: 128,
  minInsyncReplicas: 2,
  replicaLagTimeMaxMs: 500,
  registrationIntervalMs: 200,
  unknownMemberGraceMs: 3000,
  fetchMaxWaitMs: 200,
  fetchBackoffMs: 50,
  requestTimeoutMs: 300,
  maxFetchRecords: 50,
  hwCheckpointIntervalMs: 1000,
  tickIntervalMs: 50,
  controllerTickMs: 100,
  preferredLeaderCheckMs: 1000,
  topicCreateGraceMs: 1000,
  uncleanLeaderElection: false,
  bug: null,
};

/** Fill in defaults and check the options; throws on a bad value, naming it. */
export function resolveIsrOptions(config: IsrConfig): IsrOptions {
  const o: IsrOptions = {
    ...ISR_DEFAULTS,
    initialBrokers: config.brokers,
    ...config,
    controllers: [...config.controllers].sort(),
    brokers: [...config.brokers].sort(),
    swim: { ...ISR_SWIM_DEFAULTS, ...config.swim },
  };
  const fail = (what: string): never => {
    throw new Error(`isr: ${what}`);
  };
  if (o.controllers.length === 0) fail('controllers must not be empty');
  if (o.brokers.length === 0) fail('brokers must not be empty');
  if (new Set([...o.controllers, ...o.brokers]).size !== o.controllers.length + o.brokers.length) fail('controller and broker ids must be distinct');
  for (const b of o.initialBrokers) if (!o.brokers.includes(b)) fail(`initial broker ${b} is not a broker`);
  for (const [name, v] of [
    ['partitions', o.partitions],
    ['replicationFactor', o.replicationFactor],
    ['virtualNodes', o.virtualNodes],
    ['minInsyncReplicas', o.minInsyncReplicas],
    ['maxFetchRecords', o.maxFetchRecords],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) fail(`${name} must be an integer >= 1, got ${v}`);
  }
  if (o.minInsyncReplicas > o.replicationFactor) fail('minInsyncReplicas must not exceed replicationFactor');
  for (const [name, v] of [
    ['replicaLagTimeMaxMs', o.replicaLagTimeMaxMs],
    ['registrationIntervalMs', o.registrationIntervalMs],
    ['unknownMemberGraceMs', o.unknownMemberGraceMs],
    ['swim.protocolPeriodMs', o.swim.protocolPeriodMs],
    ['swim.probeTimeoutMs', o.swim.probeTimeoutMs],
    ['fetchMaxWaitMs', o.fetchMaxWaitMs],
    ['fetchBackoffMs', o.fetchBackoffMs],
    ['requestTimeoutMs', o.requestTimeoutMs],
    ['hwCheckpointIntervalMs', o.hwCheckpointIntervalMs],
    ['tickIntervalMs', o.tickIntervalMs],
    ['controllerTickMs', o.controllerTickMs],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) fail(`${name} must be positive, got ${v}`);
  }
  if (o.swim.probeTimeoutMs > o.swim.protocolPeriodMs) fail('swim.probeTimeoutMs must not exceed swim.protocolPeriodMs');
  if (o.bug !== null && !isIsrBug(o.bug)) fail(`unknown bug ${JSON.stringify(o.bug)}`);
  return o;
}
