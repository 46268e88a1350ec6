/**
 * Defaults and validation of the ISR options. The time constants are Kafka's scaled down to what a
 * simulation of a few seconds can show (Kafka: 9 s session timeout, 30 s replica lag, 5 s HW
 * checkpoints); rivven's: 128 virtual nodes, replication factor 3.
 */
import { isIsrBug } from './bugs.ts';
import type { IsrConfig, IsrOptions } from './types.ts';

export const ISR_DEFAULTS: Omit<IsrOptions, 'controllers' | 'brokers'> = {
  initialBrokers: [],
  topic: 'events',
  partitions: 4,
  replicationFactor: 3,
  virtualNodes: 128,
  minInsyncReplicas: 2,
  replicaLagTimeMaxMs: 500,
  brokerHeartbeatIntervalMs: 100,
  brokerSessionTimeoutMs: 600,
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
    ['brokerHeartbeatIntervalMs', o.brokerHeartbeatIntervalMs],
    ['brokerSessionTimeoutMs', o.brokerSessionTimeoutMs],
    ['fetchMaxWaitMs', o.fetchMaxWaitMs],
    ['fetchBackoffMs', o.fetchBackoffMs],
    ['requestTimeoutMs', o.requestTimeoutMs],
    ['hwCheckpointIntervalMs', o.hwCheckpointIntervalMs],
    ['tickIntervalMs', o.tickIntervalMs],
    ['controllerTickMs', o.controllerTickMs],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) fail(`${name} must be positive, got ${v}`);
  }
  if (o.brokerSessionTimeoutMs <= o.brokerHeartbeatIntervalMs) fail('brokerSessionTimeoutMs must exceed brokerHeartbeatIntervalMs');
  if (o.bug !== null && !isIsrBug(o.bug)) fail(`unknown bug ${JSON.stringify(o.bug)}`);
  return o;
}
