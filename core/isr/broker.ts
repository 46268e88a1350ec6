/**
 * A broker: the replicas of the partitions the metadata assigns it, as leader or follower, as a
 * pure step function. Kafka's replication protocol, as of KIP-101/279 (leader epochs) and
 * KIP-497 (ISR changes through the controller):
 *
 * - Every broker runs a SWIM member (core/swim, composed as membership.ts says): the controllers,
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
 */
import { assert } from '../contract/assert.ts';
import { assertNever, type DurableState, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { resolveIsrOptions } from './config.ts';
import { buildEpochCache, divergence, endOffsetForEpoch, latestEpoch, noteAppend, truncateEpochCache } from './epochs.ts';
import { brokerOf, isActiveBroker } from './metadata.ts';
import { BROKER_FILE, HW_FILE, brokerRecord, hwRecord, logFile, logRecord, recoverBroker } from './storage.ts';
import { SWIM_JOIN_COMMAND, SWIM_LEAVE_COMMAND, createSwimMember, isSwimTimer, stepSwim } from './membership.ts';
import { brokerLanes, describeIsrWire } from './lanes.ts';
import type { SwimObservation } from '../swim/node.ts';
import type {
  BrokerCommand,
  BrokerObservation,
  BrokerReply,
  BrokerState,
  FetchError,
  FollowerProgress,
  IsrConfig,
  IsrMessage,
  IsrOptions,
  IsrWire,
  LogRecord,
  MetadataImage,
  PartitionState,
  ProduceError,
  ReplicaState,
} from './types.ts';

export const REGISTRATION_TIMER = 'registration';
export const TICK_TIMER = 'tick';
export const CHECKPOINT_TIMER = 'checkpoint';
const MAX_WAITING = 10_000;

export type BrokerProtocol = Protocol<BrokerState, IsrWire, BrokerCommand, BrokerReply, BrokerObservation | SwimObservation>;

type Fx = Effect<IsrWire, BrokerReply, BrokerObservation | SwimObservation>;

class AssertionError extends Error {
  override name = 'AssertionError';
}


/** One step in progress. */
interface Step {
  readonly s: BrokerState;
  readonly env: Env;
  readonly fx: Fx[];
}

export function createBrokerProtocol(config: IsrConfig): BrokerProtocol {
  const opts: IsrOptions = resolveIsrOptions(config);
  const bug = opts.bug;
  const member = createSwimMember(opts);

  // -------------------------------------------------------------------------------------------
  // Small helpers

  const send = (c: Step, to: NodeId, message: IsrMessage): void => {
    c.fx.push({ type: 'send', to, message });
  };
  const observe = (c: Step, observation: BrokerObservation): void => {
    c.fx.push({ type: 'observe', observation });
  };
  const replicaOf = (s: BrokerState, partition: number): ReplicaState | undefined => s.replicas.find((r) => r.partition === partition);
  const leo = (r: ReplicaState): number => r.log.length;
  const nextRequestId = (s: BrokerState): number => s.nextRequestId++;
  const leaderHint = (s: BrokerState, partition: number): NodeId | null => {
    const r = replicaOf(s, partition);
    if (r !== undefined && r.leaderEpoch >= 0) return r.leader;
    return s.image?.partitions[partition]?.leader ?? null;
  };
  const nextController = (after: NodeId): NodeId => opts.controllers[(opts.controllers.indexOf(after) + 1) % opts.controllers.length] as NodeId;

  /** The ISR the HW is computed over: the committed one plus a member being added. */
  const maximalIsr = (r: ReplicaState): NodeId[] => {
    const pending = r.pendingIsr?.isr ?? [];
    return pending.length === 0 ? r.isr : [...new Set([...r.isr, ...pending])].sort();
  };

  const newReplica = (partition: number, log: LogRecord[], hw: number): ReplicaState => ({
    partition,
    log,
    epochs: buildEpochCache(log),
    hw: Math.min(hw, log.length),
    role: 'none',
    leader: null,
    leaderEpoch: -1,
    partitionEpoch: -1,
    isr: [],
    replicas: [],
    epochStartOffset: 0,
    followers: [],
    pendingIsr: null,
    waiting: [],
    fetchPhase: 'fetching',
    inflight: null,
    nextFetchMs: 0,
  });

  const persistMeta = (c: Step): void => {
    c.fx.push({ type: 'persist', write: { op: 'overwrite', file: BROKER_FILE, records: [brokerRecord(c.s)] } });
  };

  // -------------------------------------------------------------------------------------------
  // Log changes: always persisted

  function append(c: Step, r: ReplicaState, record: LogRecord): number {
    const offset = r.log.length;
    noteAppend(r.epochs, record.epoch, offset);
    r.log.push(record);
    c.fx.push({ type: 'persist', write: { op: 'append', file: logFile(r.partition), record: logRecord(offset, record) } });
    return offset;
  }

  function truncate(c: Step, r: ReplicaState, to: number, reason: 'divergence' | 'high-watermark' | 'deleted'): void {
    if (to >= leo(r)) return;
    const removed = r.log.slice(to);
    const committed = Math.max(0, Math.min(r.hw, leo(r)) - to);
    r.log.length = to;
    truncateEpochCache(r.epochs, to);
    r.hw = Math.min(r.hw, to);
    c.fx.push({ type: 'persist', write: { op: 'truncate', file: logFile(r.partition), keep: to } });
    observe(c, {
      type: 'truncated',
      broker: c.s.self,
      partition: r.partition,
      fromOffset: to,
      ids: removed.map((x) => x.id),
      committed,
      reason,
      leaderEpoch: r.leaderEpoch,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Start

  function onStart(c: Step, durable: DurableState): void {
    const s = c.s;
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
    if (bug === 'truncate-to-hw') for (const r of s.replicas) truncate(c, r, r.hw, 'high-watermark');
    s.controllerGuess = opts.controllers[c.env.rng.int(opts.controllers.length)] as NodeId;
    // SWIM: a member from a previous life rejoins by itself; one that joined the cluster but whose
    // member never got to join (a crash between the two writes of `join`) joins now.
    swimStep(c, { type: 'start', durable });
    if (s.joined && s.swim.phase === 'idle') swimStep(c, { type: 'command', commandId: SWIM_JOIN_COMMAND, command: { type: 'join' } });
    c.fx.push({ type: 'setTimer', timer: REGISTRATION_TIMER, afterMs: c.env.rng.between(1, opts.registrationIntervalMs) });
    c.fx.push({ type: 'setTimer', timer: TICK_TIMER, afterMs: opts.tickIntervalMs });
    c.fx.push({ type: 'setTimer', timer: CHECKPOINT_TIMER, afterMs: opts.hwCheckpointIntervalMs });
  }

  // -------------------------------------------------------------------------------------------
  // SWIM and the controller: membership, registration and metadata

  function swimStep(c: Step, input: Parameters<typeof stepSwim>[2]): void {
    c.s.swim = stepSwim(member.protocol, c.s.swim, input, c.env, c.fx).state;
  }

  /** Out of SWIM: nothing more to register (the controller fences a member that left). */
  const departed = (s: BrokerState): boolean => s.swim.phase === 'leaving' || s.swim.phase === 'left';

  function register(c: Step): void {
    const s = c.s;
    if (!s.joined || departed(s)) return;
    // No answer to the last one: try the next controller.
    if (s.lastRegistrationSentMs > s.lastControllerReplyMs && c.env.nowMs - s.lastRegistrationSentMs >= opts.registrationIntervalMs) {
      s.controllerGuess = nextController(s.controllerGuess);
    }
    s.lastRegistrationSentMs = c.env.nowMs;
    send(c, s.controllerGuess, { type: 'brokerRegistration', incarnation: s.incarnation, knownVersion: s.image?.version ?? -1, leaving: s.leaving });
  }

  /** Decommissioned: the committed metadata has it leaving and no partition on it any more. Then, and only then, it leaves SWIM. */
  function maybeLeaveSwim(c: Step, image: MetadataImage): void {
    const s = c.s;
    if (!s.leaving || s.swim.phase !== 'member' || s.replicas.length > 0) return;
    const me = brokerOf(image, s.self);
    if (me === undefined || me.incarnation !== s.incarnation || !me.leaving) return;
    if (image.partitions.some((p) => p.replicas.includes(s.self))) return;
    swimStep(c, { type: 'command', commandId: SWIM_LEAVE_COMMAND, command: { type: 'leave' } });
  }

  function applyImage(c: Step, image: MetadataImage): void {
    const s = c.s;
    if (s.image !== null && image.version <= s.image.version) return;
    s.image = image;
    const me = brokerOf(image, s.self);
    if (me === undefined || me.incarnation !== s.incarnation) return; // not (yet) registered as this incarnation
    for (const ps of image.partitions) {
      let r = replicaOf(s, ps.partition);
      if (ps.replicas.includes(s.self)) {
        if (r === undefined) {
          r = newReplica(ps.partition, [], 0);
          s.replicas.push(r);
          s.replicas.sort((a, b) => a.partition - b.partition);
        }
        applyPartition(c, r, ps);
      } else if (r !== undefined) {
        deleteReplica(c, r);
      }
    }
    maybeLeaveSwim(c, image);
  }

  /** The replica was reassigned away: its log goes (every new replica was in sync first). */
  function deleteReplica(c: Step, r: ReplicaState): void {
    const s = c.s;
    failWaiting(c, r, 'leadershipLost');
    truncate(c, r, 0, 'deleted');
    s.replicas = s.replicas.filter((x) => x !== r);
  }

  function applyPartition(c: Step, r: ReplicaState, ps: PartitionState): void {
    if (ps.leaderEpoch < r.leaderEpoch) return;
    if (ps.leaderEpoch === r.leaderEpoch && ps.partitionEpoch <= r.partitionEpoch) return;
    const newEpoch = ps.leaderEpoch !== r.leaderEpoch;
    r.partitionEpoch = ps.partitionEpoch;
    r.isr = [...ps.isr];
    r.replicas = [...ps.replicas];
    r.pendingIsr = null; // superseded: a committed change carries what was asked for, or refused it
    if (newEpoch) {
      r.leaderEpoch = ps.leaderEpoch;
      r.leader = ps.leader;
      if (ps.leader === c.s.self) becomeLeader(c, r, ps.unclean);
      else if (ps.leader !== null) becomeFollower(c, r);
      else becomeNone(c, r);
      return;
    }
    if (r.role === 'leader') {
      syncFollowers(c, r);
      maybeAdvanceHw(c, r);
      completeWaiting(c, r);
    }
  }

  function failWaiting(c: Step, r: ReplicaState, error: ProduceError): void {
    for (const w of r.waiting) {
      send(c, w.client, { type: 'produceResponse', requestId: w.requestId, partition: r.partition, offset: null, leaderEpoch: r.leaderEpoch, error, leaderHint: r.leader === c.s.self ? null : r.leader });
    }
    r.waiting = [];
  }

  function newProgress(id: NodeId, r: ReplicaState, nowMs: number): FollowerProgress {
    return { id, leo: -1, lastFetchMs: nowMs, leaderLeoAtLastFetch: leo(r), lastCaughtUpMs: nowMs, sentHw: -1, parked: null };
  }

  function syncFollowers(c: Step, r: ReplicaState): void {
    const ids = r.replicas.filter((id) => id !== c.s.self);
    r.followers = ids.map((id) => r.followers.find((f) => f.id === id) ?? newProgress(id, r, c.env.nowMs));
  }

  /** `unclean`: the controller elected this replica from outside the ISR (unclean election on). */
  function becomeLeader(c: Step, r: ReplicaState, unclean: boolean): void {
    failWaiting(c, r, 'leadershipLost');
    r.role = 'leader';
    r.epochStartOffset = leo(r);
    r.followers = [];
    r.inflight = null;
    syncFollowers(c, r);
    observe(c, { type: 'partitionLeader', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, leo: leo(r), hw: r.hw, unclean });
    maybeAdvanceHw(c, r);
    completeWaiting(c, r);
  }

  function becomeFollower(c: Step, r: ReplicaState): void {
    failWaiting(c, r, 'leadershipLost');
    r.role = 'follower';
    r.followers = [];
    r.inflight = null;
    observe(c, { type: 'partitionFollower', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, leader: r.leader as NodeId });
    if (bug === 'truncate-to-hw') {
      truncate(c, r, r.hw, 'high-watermark');
      r.fetchPhase = 'fetching';
      sendFetch(c, r);
      return;
    }
    r.fetchPhase = 'truncating';
    sendEpochRequest(c, r);
  }

  function becomeNone(c: Step, r: ReplicaState): void {
    failWaiting(c, r, 'leadershipLost');
    r.role = 'none';
    r.followers = [];
    r.inflight = null;
  }

  // -------------------------------------------------------------------------------------------
  // Leader

  function maybeAdvanceHw(c: Step, r: ReplicaState): void {
    let hw = leo(r);
    for (const id of maximalIsr(r)) {
      if (id === c.s.self) continue;
      const f = r.followers.find((x) => x.id === id);
      if (f === undefined || f.leo < 0) return; // not heard from in this epoch: the HW waits
      hw = Math.min(hw, f.leo);
    }
    raiseHw(c, r, hw);
  }

  function raiseHw(c: Step, r: ReplicaState, hw: number): void {
    if (hw <= r.hw) return;
    assert(hw <= leo(r), `isr ${c.s.self}: HW ${hw} past LEO ${leo(r)} of partition ${r.partition}`);
    const previous = r.hw;
    r.hw = hw;
    observe(c, { type: 'hw', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, hw, previous });
    completeWaiting(c, r);
    answerParked(c, r);
  }

  function completeWaiting(c: Step, r: ReplicaState): void {
    while (r.waiting.length > 0 && (r.waiting[0] as (typeof r.waiting)[number]).offset < r.hw) {
      const w = r.waiting.shift() as (typeof r.waiting)[number];
      const isr = maximalIsr(r);
      const enough = isr.length >= opts.minInsyncReplicas || bug === 'ack-below-min-isr';
      if (enough) {
        observe(c, { type: 'ackedAll', broker: c.s.self, partition: r.partition, offset: w.offset, id: w.id, leaderEpoch: r.leaderEpoch, isr });
      }
      send(c, w.client, {
        type: 'produceResponse',
        requestId: w.requestId,
        partition: r.partition,
        offset: enough ? w.offset : null,
        leaderEpoch: r.leaderEpoch,
        error: enough ? null : 'notEnoughReplicasAfterAppend',
        leaderHint: null,
      });
    }
  }

  function onProduce(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'produce' }>): void {
    const s = c.s;
    const r = replicaOf(s, m.partition);
    const refuse = (error: ProduceError): void =>
      send(c, from, { type: 'produceResponse', requestId: m.requestId, partition: m.partition, offset: null, leaderEpoch: r?.leaderEpoch ?? -1, error, leaderHint: leaderHint(s, m.partition) });
    if (r === undefined || r.role !== 'leader') return refuse('notLeader');
    if (m.acks === 'all' && r.isr.length < opts.minInsyncReplicas && bug !== 'ack-below-min-isr') return refuse('notEnoughReplicas');
    if (r.waiting.length >= MAX_WAITING) return refuse('notEnoughReplicas');
    const offset = append(c, r, { epoch: r.leaderEpoch, id: m.id });
    if (m.acks === 'one') {
      send(c, from, { type: 'produceResponse', requestId: m.requestId, partition: m.partition, offset, leaderEpoch: r.leaderEpoch, error: null, leaderHint: null });
    } else {
      r.waiting.push({ client: from, requestId: m.requestId, offset, id: m.id });
    }
    maybeAdvanceHw(c, r);
    answerParked(c, r);
  }

  function respondFetch(c: Step, r: ReplicaState, f: FollowerProgress, requestId: number, fetchOffset: number): void {
    const records = r.log.slice(fetchOffset, fetchOffset + opts.maxFetchRecords);
    f.sentHw = r.hw;
    f.parked = null;
    send(c, f.id, { type: 'fetchResponse', requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, fetchOffset, records, hw: r.hw, error: null });
  }

  /** Answer held fetches that now have something to carry: records, or a higher HW. */
  function answerParked(c: Step, r: ReplicaState): void {
    for (const f of r.followers) {
      if (f.parked !== null && (f.parked.fetchOffset < leo(r) || f.sentHw < r.hw)) respondFetch(c, r, f, f.parked.requestId, f.parked.fetchOffset);
    }
  }

  function fetchError(c: Step, to: NodeId, m: { requestId: number; partition: number; leaderEpoch: number; fetchOffset: number }, error: FetchError, epoch: number): void {
    send(c, to, { type: 'fetchResponse', requestId: m.requestId, partition: m.partition, leaderEpoch: epoch, fetchOffset: m.fetchOffset, records: [], hw: 0, error });
  }

  /** The error for a request that names leader epoch `asked`, or null when this broker leads that epoch. */
  function leaderEpochError(r: ReplicaState | undefined, asked: number): FetchError | null {
    if (r === undefined || r.leaderEpoch < asked) return 'unknownLeaderEpoch';
    if (r.leaderEpoch > asked) return 'fencedLeaderEpoch';
    return r.role === 'leader' ? null : 'notLeader';
  }

  function onFetch(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'fetch' }>): void {
    const r = replicaOf(c.s, m.partition);
    const error = leaderEpochError(r, m.leaderEpoch);
    if (error !== null || r === undefined) return fetchError(c, from, m, error ?? 'notLeader', r?.leaderEpoch ?? -1);
    const f = r.followers.find((x) => x.id === from);
    if (f === undefined) return fetchError(c, from, m, 'notLeader', r.leaderEpoch);
    if (m.fetchOffset > leo(r)) return fetchError(c, from, m, 'offsetOutOfRange', r.leaderEpoch);
    const now = c.env.nowMs;
    // Kafka's lastCaughtUpTime: caught up now, or caught up to where the leader was at its previous fetch.
    if (m.fetchOffset >= leo(r)) f.lastCaughtUpMs = now;
    else if (m.fetchOffset >= f.leaderLeoAtLastFetch) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.leo = m.fetchOffset;
    f.lastFetchMs = now;
    f.leaderLeoAtLastFetch = leo(r);
    if (bug === 'hw-from-outside-isr' && !r.isr.includes(from)) raiseHw(c, r, Math.min(leo(r), m.fetchOffset));
    maybeExpandIsr(c, r, f);
    maybeAdvanceHw(c, r);
    if (m.fetchOffset < leo(r) || f.sentHw < r.hw) respondFetch(c, r, f, m.requestId, m.fetchOffset);
    else f.parked = { requestId: m.requestId, fetchOffset: m.fetchOffset, expiresMs: now + opts.fetchMaxWaitMs };
  }

  function onOffsetsForLeaderEpoch(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'offsetsForLeaderEpoch' }>): void {
    const r = replicaOf(c.s, m.partition);
    const error = leaderEpochError(r, m.leaderEpoch);
    const answer = r !== undefined && error === null ? endOffsetForEpoch(r.epochs, leo(r), m.epoch) : { epoch: -1, endOffset: 0 };
    send(c, from, { type: 'offsetsForLeaderEpochResponse', requestId: m.requestId, partition: m.partition, leaderEpoch: r?.leaderEpoch ?? -1, ...answer, error });
  }

  function caughtUp(r: ReplicaState, f: FollowerProgress, nowMs: number): boolean {
    return f.leo === leo(r) || nowMs - f.lastCaughtUpMs <= opts.replicaLagTimeMaxMs;
  }

  function requestIsr(c: Step, r: ReplicaState, isr: NodeId[]): void {
    const requestId = nextRequestId(c.s);
    r.pendingIsr = { isr, requestId, sentMs: c.env.nowMs };
    observe(c, { type: 'isrChangeRequested', broker: c.s.self, partition: r.partition, leaderEpoch: r.leaderEpoch, from: r.isr, to: isr });
    sendAlter(c, r);
  }

  function sendAlter(c: Step, r: ReplicaState): void {
    const p = r.pendingIsr;
    if (p === null) return;
    p.sentMs = c.env.nowMs;
    send(c, c.s.controllerGuess, { type: 'alterPartition', requestId: p.requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, partitionEpoch: r.partitionEpoch, isr: p.isr });
  }

  function maybeShrinkIsr(c: Step, r: ReplicaState): void {
    if (r.pendingIsr !== null) return;
    const now = c.env.nowMs;
    const lagging = r.isr.filter((id) => {
      if (id === c.s.self) return false;
      const f = r.followers.find((x) => x.id === id);
      return f === undefined || !caughtUp(r, f, now);
    });
    if (lagging.length > 0) requestIsr(c, r, r.isr.filter((id) => !lagging.includes(id)));
  }

  function maybeExpandIsr(c: Step, r: ReplicaState, f: FollowerProgress): void {
    if (r.pendingIsr !== null || r.isr.includes(f.id)) return;
    if (f.leo < r.hw || f.leo < r.epochStartOffset) return;
    const image = c.s.image;
    if (image === null || !isActiveBroker(image, f.id)) return;
    requestIsr(c, r, [...r.isr, f.id].sort());
  }

  // -------------------------------------------------------------------------------------------
  // Follower

  function sendFetch(c: Step, r: ReplicaState): void {
    const requestId = nextRequestId(c.s);
    r.inflight = { requestId, deadlineMs: c.env.nowMs + opts.requestTimeoutMs + opts.fetchMaxWaitMs };
    send(c, r.leader as NodeId, { type: 'fetch', requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, fetchOffset: leo(r) });
  }

  function sendEpochRequest(c: Step, r: ReplicaState): void {
    const requestId = nextRequestId(c.s);
    r.inflight = { requestId, deadlineMs: c.env.nowMs + opts.requestTimeoutMs };
    send(c, r.leader as NodeId, { type: 'offsetsForLeaderEpoch', requestId, partition: r.partition, leaderEpoch: r.leaderEpoch, epoch: latestEpoch(r.epochs) });
  }

  function sendNext(c: Step, r: ReplicaState): void {
    if (r.fetchPhase === 'truncating') sendEpochRequest(c, r);
    else sendFetch(c, r);
  }

  function backOff(c: Step, r: ReplicaState): void {
    r.nextFetchMs = c.env.nowMs + opts.fetchBackoffMs;
  }

  function onEpochResponse(c: Step, m: Extract<IsrMessage, { type: 'offsetsForLeaderEpochResponse' }>): void {
    const r = replicaOf(c.s, m.partition);
    // A leader of another epoch answers with its own epoch: such answers are dropped by the epoch check.
    if (r === undefined || r.role !== 'follower' || r.inflight?.requestId !== m.requestId) return;
    if (m.error !== null || m.leaderEpoch !== r.leaderEpoch || r.fetchPhase !== 'truncating') {
      r.inflight = null;
      backOff(c, r);
      return;
    }
    r.inflight = null;
    const d = divergence(r.epochs, leo(r), m);
    truncate(c, r, d.truncateTo, 'divergence');
    if (d.again) {
      sendEpochRequest(c, r);
      return;
    }
    r.fetchPhase = 'fetching';
    sendFetch(c, r);
  }

  function onFetchResponse(c: Step, m: Extract<IsrMessage, { type: 'fetchResponse' }>): void {
    const r = replicaOf(c.s, m.partition);
    if (r === undefined || r.role !== 'follower' || r.inflight?.requestId !== m.requestId) return;
    r.inflight = null;
    if (m.leaderEpoch !== r.leaderEpoch || r.fetchPhase !== 'fetching') {
      backOff(c, r);
      return;
    }
    if (m.error !== null) {
      if (m.error === 'offsetOutOfRange') {
        r.fetchPhase = 'truncating';
        sendEpochRequest(c, r);
      } else {
        backOff(c, r);
      }
      return;
    }
    if (m.fetchOffset !== leo(r)) {
      sendFetch(c, r);
      return;
    }
    for (const record of m.records) {
      assert(record.epoch <= r.leaderEpoch, `isr ${c.s.self}: fetched a record of epoch ${record.epoch} in leader epoch ${r.leaderEpoch}`);
      append(c, r, record);
    }
    const hw = Math.min(m.hw, leo(r));
    if (hw > r.hw) r.hw = hw;
    sendFetch(c, r); // after the appends: the fetch offset promises they are on disk
  }

  // -------------------------------------------------------------------------------------------
  // Consumers

  function onConsumerFetch(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'consumerFetch' }>): void {
    const s = c.s;
    const r = replicaOf(s, m.partition);
    const base = { type: 'consumerFetchResponse' as const, requestId: m.requestId, partition: m.partition, offset: m.offset };
    if (r === undefined || r.role !== 'leader') {
      send(c, from, { ...base, ids: [], hw: 0, leaderEpoch: r?.leaderEpoch ?? -1, error: 'notLeader', leaderHint: leaderHint(s, m.partition) });
      return;
    }
    if (m.offset > leo(r)) {
      send(c, from, { ...base, ids: [], hw: r.hw, leaderEpoch: r.leaderEpoch, error: 'offsetOutOfRange', leaderHint: null });
      return;
    }
    const ids = r.log.slice(m.offset, Math.min(r.hw, m.offset + opts.maxFetchRecords)).map((x) => x.id);
    send(c, from, { ...base, ids, hw: r.hw, leaderEpoch: r.leaderEpoch, error: null, leaderHint: null });
  }

  // -------------------------------------------------------------------------------------------
  // Timers

  function onTick(c: Step): void {
    const now = c.env.nowMs;
    for (const r of c.s.replicas) {
      if (r.role === 'leader') {
        for (const f of r.followers) if (f.parked !== null && f.parked.expiresMs <= now) respondFetch(c, r, f, f.parked.requestId, f.parked.fetchOffset);
        if (r.pendingIsr !== null && now - r.pendingIsr.sentMs >= opts.requestTimeoutMs) sendAlter(c, r);
        maybeShrinkIsr(c, r);
      } else if (r.role === 'follower') {
        if (r.inflight !== null && now >= r.inflight.deadlineMs) r.inflight = null;
        if (r.inflight === null && now >= r.nextFetchMs) sendNext(c, r);
      }
    }
    c.fx.push({ type: 'setTimer', timer: TICK_TIMER, afterMs: opts.tickIntervalMs });
  }

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
    c.fx.push({ type: 'setTimer', timer: CHECKPOINT_TIMER, afterMs: opts.hwCheckpointIntervalMs });
  }

  // -------------------------------------------------------------------------------------------
  // Dispatch

  function onMessage(c: Step, from: NodeId, m: IsrMessage): void {
    const s = c.s;
    switch (m.type) {
      case 'registrationResponse':
        s.lastControllerReplyMs = c.env.nowMs;
        s.controllerGuess = from;
        if (m.image !== null) applyImage(c, m.image);
        return;
      case 'notController':
        if (from !== s.controllerGuess) return;
        s.controllerGuess = m.hint !== null && opts.controllers.includes(m.hint) ? m.hint : nextController(from);
        s.lastControllerReplyMs = c.env.nowMs; // an answer, if not the one wanted: no rotation on top of the hint
        return;
      case 'metadataPush':
        if (opts.controllers.includes(from)) s.controllerGuess = from;
        applyImage(c, m.image);
        return;
      case 'alterPartitionResponse': {
        const r = replicaOf(s, m.partition);
        if (r === undefined) return;
        if (r.pendingIsr?.requestId === m.requestId) r.pendingIsr = null;
        if (m.state !== null) applyPartition(c, r, m.state);
        if (r.role === 'leader') maybeAdvanceHw(c, r);
        return;
      }
      case 'fetch':
        onFetch(c, from, m);
        return;
      case 'offsetsForLeaderEpoch':
        onOffsetsForLeaderEpoch(c, from, m);
        return;
      case 'fetchResponse':
        onFetchResponse(c, m);
        return;
      case 'offsetsForLeaderEpochResponse':
        onEpochResponse(c, m);
        return;
      case 'produce':
        onProduce(c, from, m);
        return;
      case 'consumerFetch':
        onConsumerFetch(c, from, m);
        return;
      case 'brokerRegistration':
      case 'alterPartition':
      case 'produceResponse':
      case 'consumerFetchResponse':
        return; // not for a broker
      default:
        assertNever(m, 'broker message');
    }
  }

  function onCommand(c: Step, commandId: number, command: BrokerCommand): void {
    const s = c.s;
    switch (command.type) {
      case 'join':
        if (!s.joined) {
          // Into SWIM first (it persists its own membership), then registered as joined, then the answer.
          swimStep(c, { type: 'command', commandId: SWIM_JOIN_COMMAND, command: { type: 'join' } });
          s.joined = true;
          persistMeta(c);
          c.fx.push({ type: 'reply', commandId, reply: { type: 'ok' } });
          register(c);
        } else {
          c.fx.push({ type: 'reply', commandId, reply: { type: 'ok' } });
        }
        return;
      case 'leave':
        if (!s.joined) {
          c.fx.push({ type: 'reply', commandId, reply: { type: 'rejected', reason: 'not joined' } });
          return;
        }
        s.leaving = true;
        persistMeta(c);
        c.fx.push({ type: 'reply', commandId, reply: { type: 'ok' } });
        register(c); // the controller moves its replicas away; it leaves SWIM once they are gone
        return;
      default:
        assertNever(command, 'broker command');
    }
  }

  const init = (self: NodeId, env: Env): BrokerState => ({
    self,
    started: false,
    incarnation: 0,
    joined: false,
    leaving: false,
    swim: member.protocol.init(self, env),
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
    init,
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => brokerLanes(member.protocol, state),
    describeMessage: (message) => describeIsrWire(member.protocol, message),
    step(state: BrokerState, input: Input<IsrWire, BrokerCommand>, env: Env): StepResult<BrokerState, IsrWire, BrokerReply, BrokerObservation | SwimObservation> {
      const c: Step = { s: input.type === 'start' ? init(env.self, env) : state, env, fx: [] };
      assert(input.type === 'start' || state.started, `isr broker ${state.self}: ${input.type} before start`);
      switch (input.type) {
        case 'start':
          onStart(c, input.durable);
          break;
        case 'timer':
          if (isSwimTimer(input.timer)) {
            swimStep(c, input);
            break;
          }
          switch (input.timer) {
            case REGISTRATION_TIMER:
              register(c);
              c.fx.push({ type: 'setTimer', timer: REGISTRATION_TIMER, afterMs: opts.registrationIntervalMs });
              break;
            case TICK_TIMER:
              onTick(c);
              break;
            case CHECKPOINT_TIMER:
              onCheckpoint(c);
              break;
            default:
              throw new AssertionError(`isr broker ${state.self}: unknown timer '${input.timer}'`);
          }
          break;
        case 'message': {
          const m = input.message;
          if (m instanceof Uint8Array) swimStep(c, { type: 'message', from: input.from, message: m });
          else onMessage(c, input.from, m);
          break;
        }
        case 'command':
          onCommand(c, input.commandId, input.command);
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: c.s, effects: c.fx };
    },
  };
}
