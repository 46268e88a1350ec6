/**
 * Simulated producers and consumers, themselves pure step functions, whose observations are the
 * histories the checkers read.
 *
 * A producer runs one write at a time: a record with a unique id ("p1-17") to a random partition,
 * acks=1 or acks=all. It sends to the broker it believes leads the partition and follows the
 * NotLeader hints. A write refused before it was appended (NotLeader, NotEnoughReplicas) is tried
 * again after a back-off, up to `maxAttempts`, and then recorded as 'fail'. A write that may have
 * been appended (a time-out, NotEnoughReplicasAfterAppend, leadership lost while it waited) is
 * never retried, so no record is written twice: it is recorded as 'info'.
 *
 * A consumer polls every partition in turn from its leader, from its own position on, and
 * records every batch it gets (leaders serve only what is below their high watermark).
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../../sim/protocol.ts';
import type { Acks, ConsumerObservation, IsrMessage, ProducerObservation } from './types.ts';

const THINK_TIMER = 'think';
const REQUEST_TIMER = 'request';
const RETRY_TIMER = 'retry';
const POLL_TIMER = 'poll';

export interface ProducerConfig {
  readonly brokers: readonly NodeId[];
  readonly partitions: number;
  /** Writes to make in all. */
  readonly operations: number;
  /** Share of writes with acks=all (the rest acks=1). */
  readonly acksAllRatio: number;
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  readonly requestTimeoutMs?: number;
  readonly retryBackoffMs?: number;
  readonly maxAttempts?: number;
}

interface CurrentWrite {
  readonly id: string;
  readonly partition: number;
  readonly acks: Acks;
  readonly callMs: number;
  attempts: number;
  requestId: number;
}

export interface ProducerState {
  readonly self: NodeId;
  started: boolean;
  nextSeq: number;
  nextRequestId: number;
  left: number;
  /** Per partition, the broker believed to lead it. */
  leaders: (NodeId | null)[];
  current: CurrentWrite | null;
}

export type ProducerProtocol = Protocol<ProducerState, IsrMessage, never, never, ProducerObservation>;

export function createProducerProtocol(config: ProducerConfig): ProducerProtocol {
  const requestTimeoutMs = config.requestTimeoutMs ?? 1000;
  const retryBackoffMs = config.retryBackoffMs ?? 50;
  const maxAttempts = config.maxAttempts ?? 10;
  if (config.brokers.length === 0) throw new Error('isr producer: brokers must not be empty');
  if (config.thinkMsMax < config.thinkMsMin || config.thinkMsMin < 0) throw new Error('isr producer: bad think time');
  type Fx = Effect<IsrMessage, never, ProducerObservation>;

  const think = (env: Env, fx: Fx[]): void => {
    fx.push({ type: 'setTimer', timer: THINK_TIMER, afterMs: env.rng.between(config.thinkMsMin, config.thinkMsMax) });
  };

  function attempt(s: ProducerState, cur: CurrentWrite, env: Env, fx: Fx[]): void {
    cur.attempts += 1;
    cur.requestId = s.nextRequestId++;
    const to = s.leaders[cur.partition] ?? (config.brokers[env.rng.int(config.brokers.length)] as NodeId);
    fx.push({ type: 'send', to, message: { type: 'produce', requestId: cur.requestId, partition: cur.partition, id: cur.id, acks: cur.acks } });
    fx.push({ type: 'setTimer', timer: REQUEST_TIMER, afterMs: requestTimeoutMs });
  }

  function finish(s: ProducerState, outcome: 'fail' | 'info', reason: string, env: Env, fx: Fx[]): void {
    const cur = s.current as CurrentWrite;
    fx.push({
      type: 'observe',
      observation: { type: outcome, client: s.self, id: cur.id, partition: cur.partition, acks: cur.acks, reason, callMs: cur.callMs, returnMs: null },
    });
    fx.push({ type: 'cancelTimer', timer: REQUEST_TIMER });
    s.current = null;
    think(env, fx);
  }

  function onResponse(s: ProducerState, from: NodeId, m: Extract<IsrMessage, { type: 'produceResponse' }>, env: Env, fx: Fx[]): void {
    const cur = s.current;
    if (cur === null || m.requestId !== cur.requestId) return;
    switch (m.error) {
      case null:
        s.leaders[cur.partition] = from;
        fx.push({
          type: 'observe',
          observation: {
            type: 'ok',
            client: s.self,
            id: cur.id,
            partition: cur.partition,
            acks: cur.acks,
            offset: m.offset as number,
            leaderEpoch: m.leaderEpoch,
            callMs: cur.callMs,
            returnMs: env.nowMs,
          },
        });
        fx.push({ type: 'cancelTimer', timer: REQUEST_TIMER });
        s.current = null;
        think(env, fx);
        return;
      case 'notLeader':
      case 'notEnoughReplicas':
        if (m.error === 'notLeader') s.leaders[cur.partition] = m.leaderHint !== from ? m.leaderHint : null;
        if (cur.attempts >= maxAttempts) {
          finish(s, 'fail', m.error, env, fx);
          return;
        }
        fx.push({ type: 'cancelTimer', timer: REQUEST_TIMER });
        cur.requestId = -1; // nothing in flight until the retry
        fx.push({ type: 'setTimer', timer: RETRY_TIMER, afterMs: retryBackoffMs });
        return;
      case 'notEnoughReplicasAfterAppend':
      case 'leadershipLost':
        finish(s, 'info', m.error, env, fx);
        return;
      default:
        assertNever(m.error, 'produce error');
    }
  }

  return {
    name: 'isr-producer',
    init: (self) => ({ self, started: false, nextSeq: 1, nextRequestId: 1, left: config.operations, leaders: new Array<NodeId | null>(config.partitions).fill(null), current: null }),
    step(state: ProducerState, input: Input<IsrMessage, never>, env: Env): StepResult<ProducerState, IsrMessage, never, ProducerObservation> {
      const fx: Fx[] = [];
      const s = state;
      switch (input.type) {
        case 'start':
          s.started = true;
          s.current = null;
          think(env, fx);
          break;
        case 'timer':
          switch (input.timer) {
            case THINK_TIMER: {
              if (s.current !== null || s.left <= 0) break;
              s.left -= 1;
              const partition = env.rng.int(config.partitions);
              const acks: Acks = env.rng.next() < config.acksAllRatio ? 'all' : 'one';
              const cur: CurrentWrite = { id: `${s.self}-${s.nextSeq++}`, partition, acks, callMs: env.nowMs, attempts: 0, requestId: -1 };
              s.current = cur;
              fx.push({ type: 'observe', observation: { type: 'invoke', client: s.self, id: cur.id, partition, acks, atMs: env.nowMs } });
              attempt(s, cur, env, fx);
              break;
            }
            case RETRY_TIMER:
              if (s.current !== null && s.current.requestId === -1) attempt(s, s.current, env, fx);
              break;
            case REQUEST_TIMER:
              if (s.current === null || s.current.requestId === -1) break;
              s.leaders[s.current.partition] = null;
              finish(s, 'info', 'timeout', env, fx);
              break;
            default:
              throw new Error(`isr producer ${s.self}: unknown timer '${input.timer}'`);
          }
          break;
        case 'message':
          if (input.message.type === 'produceResponse') onResponse(s, input.from, input.message, env, fx);
          break;
        case 'command':
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: s, effects: fx };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Consumer

export interface ConsumerConfig {
  readonly brokers: readonly NodeId[];
  readonly partitions: number;
  /** Wait between polls that brought nothing. */
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs?: number;
}

export interface ConsumerState {
  readonly self: NodeId;
  started: boolean;
  positions: number[];
  leaders: (NodeId | null)[];
  nextPartition: number;
  nextRequestId: number;
  current: { readonly partition: number; readonly requestId: number; readonly to: NodeId } | null;
}

export type ConsumerProtocol = Protocol<ConsumerState, IsrMessage, never, never, ConsumerObservation>;

export function createConsumerProtocol(config: ConsumerConfig): ConsumerProtocol {
  const requestTimeoutMs = config.requestTimeoutMs ?? 500;
  type Fx = Effect<IsrMessage, never, ConsumerObservation>;

  function poll(s: ConsumerState, env: Env, fx: Fx[]): void {
    const partition = s.nextPartition;
    s.nextPartition = (partition + 1) % config.partitions;
    const to = s.leaders[partition] ?? (config.brokers[env.rng.int(config.brokers.length)] as NodeId);
    const requestId = s.nextRequestId++;
    s.current = { partition, requestId, to };
    fx.push({ type: 'send', to, message: { type: 'consumerFetch', requestId, partition, offset: s.positions[partition] as number } });
    fx.push({ type: 'setTimer', timer: REQUEST_TIMER, afterMs: requestTimeoutMs });
  }

  function next(s: ConsumerState, soon: boolean, fx: Fx[]): void {
    s.current = null;
    fx.push({ type: 'cancelTimer', timer: REQUEST_TIMER });
    fx.push({ type: 'setTimer', timer: POLL_TIMER, afterMs: soon ? 1 : config.pollIntervalMs });
  }

  return {
    name: 'isr-consumer',
    init: (self) => ({
      self,
      started: false,
      positions: new Array<number>(config.partitions).fill(0),
      leaders: new Array<NodeId | null>(config.partitions).fill(null),
      nextPartition: 0,
      nextRequestId: 1,
      current: null,
    }),
    step(state: ConsumerState, input: Input<IsrMessage, never>, env: Env): StepResult<ConsumerState, IsrMessage, never, ConsumerObservation> {
      const fx: Fx[] = [];
      const s = state;
      switch (input.type) {
        case 'start':
          s.started = true;
          s.current = null;
          fx.push({ type: 'setTimer', timer: POLL_TIMER, afterMs: config.pollIntervalMs });
          break;
        case 'timer':
          if (input.timer === POLL_TIMER) {
            if (s.current === null) poll(s, env, fx);
          } else if (input.timer === REQUEST_TIMER) {
            if (s.current !== null) {
              s.leaders[s.current.partition] = null;
              next(s, false, fx);
            }
          } else {
            throw new Error(`isr consumer ${s.self}: unknown timer '${input.timer}'`);
          }
          break;
        case 'message': {
          const m = input.message;
          const cur = s.current;
          if (m.type !== 'consumerFetchResponse' || cur === null || m.requestId !== cur.requestId) break;
          const p = cur.partition;
          if (m.error === 'notLeader') {
            s.leaders[p] = m.leaderHint !== input.from ? m.leaderHint : null;
            next(s, false, fx);
            break;
          }
          if (m.error === 'offsetOutOfRange') {
            const from = s.positions[p] as number;
            s.positions[p] = m.hw;
            fx.push({ type: 'observe', observation: { type: 'consumerReset', client: s.self, partition: p, from, to: m.hw, broker: input.from } });
            next(s, false, fx);
            break;
          }
          if (m.error !== null) {
            next(s, false, fx);
            break;
          }
          s.leaders[p] = input.from;
          if (m.offset === s.positions[p] && m.ids.length > 0) {
            fx.push({ type: 'observe', observation: { type: 'consumed', client: s.self, partition: p, fromOffset: m.offset, ids: m.ids, broker: input.from, leaderEpoch: m.leaderEpoch } });
            s.positions[p] = m.offset + m.ids.length;
          }
          next(s, m.ids.length > 0, fx);
          break;
        }
        case 'command':
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: s, effects: fx };
    },
  };
}
