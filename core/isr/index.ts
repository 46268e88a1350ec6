/**
 * Kafka-style ISR replication and partition assignment (rivven-cluster's partition manager) as
 * pure step functions:
 *
 *   const assign = createAssigner({ topic, partitions, replicationFactor: 3, virtualNodes: 128 });
 *   const controller = createControllerProtocol(config, assign);   // a Raft voter (core/raft) and a SWIM member
 *   const broker = createBrokerProtocol(config);                   // replicas: leader / follower; a SWIM member
 *   const producer = createProducerProtocol({ brokers, partitions, operations, acksAllRatio, ... });
 *   const consumer = createConsumerProtocol({ brokers, partitions, pollIntervalMs });
 *
 * All fit `Protocol` of core/contract/protocol.ts. See types.ts for the shapes, decide.ts for what the
 * controller decides, broker.ts for the replication protocol, epochs.ts for KIP-101's arithmetic.
 */
export * from './types.ts';
export { ISR_BUGS, ISR_BUG_NAMES, isIsrBug, type IsrBug } from './bugs.ts';
export { ISR_DEFAULTS, ISR_SWIM_DEFAULTS, resolveIsrOptions } from './config.ts';
export { createAssigner, assignmentMoves, type Assign, type AssignerOptions } from './assignment.ts';
export { emptyImage, applyRecord, applyRecords, metadataStateMachine, changePartition, brokerOf, isActiveBroker } from './metadata.ts';
export { decide, type DecideInput, type Decision, type HeardBroker, type BrokerMember, type AlterRequest } from './decide.ts';
export { isrSwimConfig, swimMember, memberEvents, memberStatus, SWIM_TIMER_PREFIX, SWIM_FILE, type SwimMember, type IsrSwimTimer, type MemberEventObservation } from './membership.ts';
export { buildEpochCache, noteAppend, truncateEpochCache, latestEpoch, endOffsetForEpoch, divergence, type EpochEntry } from './epochs.ts';
export { BROKER_FILE, HW_FILE, logFile, logRecord, parseLogRecord, recoverBroker } from './storage.ts';
export { createControllerProtocol, CONTROLLER_TIMER, type ControllerState, type ControllerProtocol, type ControllerMessage, type ControllerTimer, type ControllerTimers } from './controller.ts';
export { createBrokerProtocol, REGISTRATION_TIMER, TICK_TIMER, CHECKPOINT_TIMER, type BrokerProtocol, type BrokerTimer, type BrokerTimers } from './broker.ts';
export {
  createProducerProtocol,
  createConsumerProtocol,
  type ProducerConfig,
  type ProducerState,
  type ProducerProtocol,
  type ConsumerConfig,
  type ConsumerState,
  type ConsumerProtocol,
} from './clients.ts';
