/**
 * A broker: the replicas of the partitions the metadata assigns it, as leader or follower, as a
 * pure step function. Kafka's replication protocol, as of KIP-101/279 (leader epochs) and
 * KIP-497 (ISR changes through the controller):
 *
 * - Every broker runs a SWIM member (core/swim, nested as membership.ts says): the controllers,
 *   members of the same group, learn from it that the broker is alive, dead or gone. A broker
 *   joins SWIM when it joins the cluster (initial brokers are members from boot), and leaves it
 *   once it is decommissioned: after `leave`, when the committed metadata has moved all of its
 *   replicas away, so SWIM watches it for as long as it holds data.
 * - It registers with the active controller (incarnation, leaving, metadata version) every
 *   registrationIntervalMs: how it finds the controller and catches up on metadata; liveness is SWIM's.
 * - The broker acts only on committed metadata: the images the active controller pushes (or
 *   returns to registrations). It acts on an image only once the image registers this incarnation
 *   of the broker, so a restarted broker never resumes a leadership of its previous life (the
 *   controller fences it and bumps those leader epochs first).
 * - The leader appends produced records to its log (on disk, CRC-framed) and answers acks=1 at
 *   once. Followers fetch from the leader (a fetch waits at the leader until there is something
 *   new, up to fetchMaxWaitMs) and append what they get, on disk, before fetching again: a
 *   fetch's offset is the follower's LEO and a promise that everything below it is durable.
 * - The high watermark is the smallest LEO in the maximal ISR (the committed ISR plus a member
 *   being added), and only grows. An acks=all write is acknowledged once below the HW, and only
 *   while the ISR holds at least min.insync.replicas (else NotEnoughReplicas, before the append,
 *   or NotEnoughReplicasAfterAppend); consumers read only below the HW.
 * - The leader asks the controller to shrink the ISR when a follower has not caught up for
 *   replica.lag.time.max, and to grow it when a follower reaches the HW and the start of the
 *   leader's epoch (KAFKA-7128). It keeps using the old ISR for the HW until the change is
 *   committed, except that a member being added already counts.
 * - A follower of a new leader epoch asks the leader, with OffsetsForLeaderEpoch, where its
 *   latest epoch ends in the leader's log, and truncates exactly its divergent suffix (KIP-101),
 *   asking again when it lacks the epoch the leader answered with (KIP-279).
 * - The HW is checkpointed to disk every hwCheckpointIntervalMs; the log is never truncated to it.
 *
 * This file is the step itself: start, the timers, dispatch by input and by message. The rules are
 * functions over the step context (broker/context.ts), one file per part:
 *
 *   broker/context.ts       the step context, emitters, the log's two changes, small lookups
 *   broker/roles.ts         the only role changes of a replica: enterLeaderEpoch, becomeLeader/Follower/None
 *   broker/registration.ts  SWIM membership, registration, committed metadata; join and leave
 *   broker/leader.ts        produce, followers' fetches, the HW, acks=all, ISR changes, consumers
 *   broker/follower.ts      epoch requests, truncation, fetching
 */
import { assert, assertNever } from '../contract/assert.ts';
import type { DurableState, Env, Input, NodeId, Protocol, StepResult } from '../contract/protocol.ts';
import type { SwimObservation } from '../swim/node.ts';
import { resolveIsrOptions } from './config.ts';
import { SWIM_JOIN_COMMAND, swimMember } from './membership.ts';
import { HW_FILE, hwRecord, recoverBroker } from './storage.ts';
import type { BrokerCommand, BrokerObservation, BrokerReply, BrokerState, IsrConfig, IsrMessage, IsrWire } from './types.ts';
import {
  CHECKPOINT_TIMER,
  REGISTRATION_TIMER,
  TICK_TIMER,
  leo,
  newReplica,
  observe,
  persistMeta,
  setTimer,
  swimStep,
  truncate,
  type BrokerEffect,
  type BrokerSetup,
  type BrokerTimer,
  type BrokerTimers,
  type Step,
} from './broker/context.ts';
import { followerTick, onEpochResponse, onFetchResponse } from './broker/follower.ts';
import { leaderTick, onConsumerFetch, onFetch, onOffsetsForLeaderEpoch, onProduce } from './broker/leader.ts';
import { join, leave, onControllerMessage, register } from './broker/registration.ts';
import { brokerLanes, describeIsrWire } from './lanes.ts';

export { CHECKPOINT_TIMER, REGISTRATION_TIMER, TICK_TIMER, type BrokerTimer, type BrokerTimers } from './broker/context.ts';

export type BrokerProtocol = Protocol<BrokerState, IsrWire, BrokerCommand, BrokerReply, BrokerObservation | SwimObservation, BrokerTimers>;

// ---------------------------------------------------------------------------------------------
// Start

function onStart(c: Step, durable: DurableState): void {
  const s = c.s;
  const opts = c.opts;
  const rec = recoverBroker(durable, opts.partitions);
  s.started = true;
  s.incarnation = rec.incarnation + 1;
  s.joined = rec.joined ?? opts.initialBrokers.includes(s.self);
  s.leaving = rec.leaving;
  for (const w of rec.repairs) c.fx.push({ type: 'persist', write: w });
  persistMeta(c);
  for (const l of rec.logs) {
    s.replicas.push(newReplica(l.partition, l.log, rec.hws[String(l.partition)] ?? 0));
    s.checkpointed[String(l.partition)] = rec.hws[String(l.partition)] ?? 0;
    if (l.dropped > 0) observe(c, { type: 'recoveredLog', broker: s.self, partition: l.partition, kept: l.log.length, dropped: l.dropped });
  }
  observe(c, {
    type: 'brokerStarted',
    broker: s.self,
    incarnation: s.incarnation,
    partitions: s.replicas.map((r) => ({ partition: r.partition, leo: leo(r), hw: r.hw })),
  });
  // The pre-KIP-101 recovery: trust the HW checkpoint, drop everything above it.
  if (opts.bug === 'truncate-to-hw') for (const r of s.replicas) truncate(c, r, r.hw, 'high-watermark');
  s.controllerGuess = opts.controllers[c.env.rng.int(opts.controllers.length)] as NodeId;
  // SWIM: a member from a previous life rejoins by itself; one that joined the cluster but whose
  // member never got to join (a crash between the two writes of `join`) joins now.
  swimStep(c, c.member.start(durable));
  if (s.joined && s.swim.phase === 'idle') swimStep(c, { type: 'command', commandId: SWIM_JOIN_COMMAND, command: { type: 'join' } });
  setTimer(c, REGISTRATION_TIMER, c.env.rng.between(1, opts.registrationIntervalMs));
  setTimer(c, TICK_TIMER, opts.tickIntervalMs);
  setTimer(c, CHECKPOINT_TIMER, opts.hwCheckpointIntervalMs);
}

// ---------------------------------------------------------------------------------------------
// Timers

function onTimer(c: Step, timer: BrokerTimer): void {
  switch (timer) {
    case REGISTRATION_TIMER:
      register(c);
      setTimer(c, REGISTRATION_TIMER, c.opts.registrationIntervalMs);
      return;
    case TICK_TIMER:
      for (const r of c.s.replicas) {
        if (r.role === 'leader') leaderTick(c, r);
        else if (r.role === 'follower') followerTick(c, r);
      }
      setTimer(c, TICK_TIMER, c.opts.tickIntervalMs);
      return;
    case CHECKPOINT_TIMER:
      onCheckpoint(c);
      return;
    default:
      assertNever(timer, 'broker timer');
  }
}

/** The HW checkpoint, written only when a HW moved since the last one. */
function onCheckpoint(c: Step): void {
  const s = c.s;
  const hws: Record<string, number> = {};
  let changed = false;
  for (const r of s.replicas) {
    hws[String(r.partition)] = r.hw;
    if (s.checkpointed[String(r.partition)] !== r.hw) changed = true;
  }
  if (changed) {
    c.fx.push({ type: 'persist', write: { op: 'overwrite', file: HW_FILE, records: [hwRecord(hws)] } });
    s.checkpointed = hws;
  }
  setTimer(c, CHECKPOINT_TIMER, c.opts.hwCheckpointIntervalMs);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

function onMessage(c: Step, from: NodeId, m: IsrMessage): void {
  switch (m.type) {
    case 'registrationResponse':
    case 'notController':
    case 'metadataPush':
    case 'alterPartitionResponse':
      return onControllerMessage(c, from, m);
    case 'fetch':
      return onFetch(c, from, m);
    case 'offsetsForLeaderEpoch':
      return onOffsetsForLeaderEpoch(c, from, m);
    case 'fetchResponse':
      return onFetchResponse(c, m);
    case 'offsetsForLeaderEpochResponse':
      return onEpochResponse(c, m);
    case 'produce':
      return onProduce(c, from, m);
    case 'consumerFetch':
      return onConsumerFetch(c, from, m);
    case 'brokerRegistration':
    case 'alterPartition':
    case 'produceResponse':
    case 'consumerFetchResponse':
      return; // not for a broker
    default:
      assertNever(m, 'broker message');
  }
}

function reply(c: Step, commandId: number, answer: BrokerReply): void {
  c.fx.push({ type: 'reply', commandId, reply: answer });
}

function onCommand(c: Step, commandId: number, command: BrokerCommand): void {
  const s = c.s;
  switch (command.type) {
    case 'join':
      if (!s.joined) {
        join(c);
        reply(c, commandId, { type: 'ok' }); // after the writes of `join`
        register(c);
      } else {
        reply(c, commandId, { type: 'ok' });
      }
      return;
    case 'leave':
      if (!s.joined) {
        reply(c, commandId, { type: 'rejected', reason: 'not joined' });
        return;
      }
      leave(c);
      reply(c, commandId, { type: 'ok' });
      register(c); // the controller moves its replicas away; it leaves SWIM once they are gone
      return;
    default:
      assertNever(command, 'broker command');
  }
}

export function createBrokerProtocol(config: IsrConfig): BrokerProtocol {
  const opts = resolveIsrOptions(config);
  const setup: BrokerSetup = { opts, member: swimMember<IsrMessage, BrokerObservation>(opts).member };

  const init = (self: NodeId, env: Env): BrokerState => ({
    self,
    started: false,
    incarnation: 0,
    joined: false,
    leaving: false,
    swim: setup.member.init(self, env),
    controllerGuess: opts.controllers[0] as NodeId,
    lastRegistrationSentMs: 0,
    lastControllerReplyMs: 0,
    image: null,
    replicas: [],
    checkpointed: {},
    nextRequestId: 1,
  });

  return {
    name: 'isr-broker',
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => brokerLanes(setup.member.protocol, state),
    describeMessage: (message) => describeIsrWire(setup.member.protocol, message),
    init,
    step(state: BrokerState, input: Input<IsrWire, BrokerCommand, BrokerTimers>, env: Env): StepResult<BrokerState, IsrWire, BrokerReply, BrokerObservation | SwimObservation, BrokerTimers> {
      const fx: BrokerEffect[] = [];
      const c: Step = { ...setup, s: input.type === 'start' ? init(env.self, env) : state, env, fx };
      assert(input.type === 'start' || state.started, `isr broker ${state.self}: ${input.type} before start`);
      switch (input.type) {
        case 'start':
          onStart(c, input.durable);
          break;
        case 'timer':
          if (c.member.owns(input.timer)) swimStep(c, { type: 'timer', timer: c.member.timer(input.timer) });
          else onTimer(c, input.timer);
          break;
        case 'message': {
          const bytes = c.member.message(input.message);
          if (bytes !== undefined) swimStep(c, { type: 'message', from: input.from, message: bytes });
          else onMessage(c, input.from, input.message as IsrMessage);
          break;
        }
        case 'command':
          onCommand(c, input.commandId, input.command);
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: c.s, effects: fx };
    },
  };
}
