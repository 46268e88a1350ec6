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
 *
 * Both take an `audit` command near the end of a run, as Jepsen's final reads: they stop their
 * own work, let it settle, read every partition from offset 0 up to its leader's high watermark,
 * and count what they were told that is not there: a producer its acknowledged writes (by acks),
 * a consumer the records it consumed. The counts are observations `{ type: 'metric', name, value }`
 * (`acked_writes_lost_unclean` for acks=all, `acks1_writes_lost`, `consumed_then_lost`), so a
 * run's metrics show what unclean elections (or acks=1) cost, measured by the clients themselves.
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import type { Acks, AuditObservation, ClientCommand, ClientReply, ConsumerObservation, IsrMessage, ProducerObservation } from './types.ts';
import { describeIsrWire, producerOperation } from './lanes.ts';

const THINK_TIMER = 'think';
const REQUEST_TIMER = 'request';
const RETRY_TIMER = 'retry';
const POLL_TIMER = 'poll';
const AUDIT_TIMER = 'audit';
const AUDIT_REQUEST_TIMER = 'audit-request';

/** How long the audit lets the client's own work wind down before reading. */
export const AUDIT_SETTLE_MS = 200;
/** The audit gives up (`complete: false`, no metrics) this long after its command. */
export const AUDIT_DEADLINE_MS = 1200;
const AUDIT_REQUEST_TIMEOUT_MS = 300;
const AUDIT_BACKOFF_MS = 30;
const AUDIT_SAMPLE = 20;

// ---------------------------------------------------------------------------------------------
// The final audit, shared by producers and consumers

export interface AuditState {
  /** 'settling': the client's own work winds down; 'reading': final reads; 'done'. */
  phase: 'settling' | 'reading' | 'done';
  deadlineMs: number;
  /** The partition being read. */
  partition: number;
  /** Per partition, the ids read so far, from offset 0 on. */
  logs: string[][];
  /** The read in flight (-1: none). */
  requestId: number;
  leaders: (NodeId | null)[];
}

/** What an audit found: records checked, lost ones by kind, a sample of the lost ids. */
export interface AuditVerdict {
  readonly checked: number;
  readonly lost: Readonly<Record<string, number>>;
  readonly sample: readonly string[];
  readonly metrics: readonly { readonly name: Extract<AuditObservation, { type: 'metric' }>['name']; readonly value: number }[];
}

type AuditFx = Effect<IsrMessage, ClientReply, AuditObservation>;
/** Where the audit's effects go: the client's own effect list. */
interface AuditSink {
  push(effect: AuditFx): unknown;
}

function createAuditor(config: { readonly brokers: readonly NodeId[]; readonly partitions: number }) {
  function start(env: Env, fx: AuditSink): AuditState {
    fx.push({ type: 'setTimer', timer: AUDIT_TIMER, afterMs: AUDIT_SETTLE_MS });
    return {
      phase: 'settling',
      deadlineMs: env.nowMs + AUDIT_DEADLINE_MS,
      partition: 0,
      logs: Array.from({ length: config.partitions }, () => []),
      requestId: -1,
      leaders: new Array<NodeId | null>(config.partitions).fill(null),
    };
  }

  function read(a: AuditState, nextRequestId: () => number, env: Env, fx: AuditSink): void {
    const p = a.partition;
    a.requestId = nextRequestId();
    const to = a.leaders[p] ?? (config.brokers[env.rng.int(config.brokers.length)] as NodeId);
    fx.push({ type: 'send', to, message: { type: 'consumerFetch', requestId: a.requestId, partition: p, offset: (a.logs[p] as string[]).length } });
    fx.push({ type: 'setTimer', timer: AUDIT_REQUEST_TIMER, afterMs: AUDIT_REQUEST_TIMEOUT_MS });
  }

  function finish(a: AuditState, client: NodeId, complete: boolean, judge: (logs: readonly (readonly string[])[]) => AuditVerdict, fx: AuditSink): void {
    a.phase = 'done';
    a.requestId = -1;
    fx.push({ type: 'cancelTimer', timer: AUDIT_TIMER });
    fx.push({ type: 'cancelTimer', timer: AUDIT_REQUEST_TIMER });
    const v = judge(a.logs);
    fx.push({ type: 'observe', observation: { type: 'audit', client, complete, read: a.logs.map((l) => l.length), checked: v.checked, lost: v.lost, sample: v.sample } });
    if (complete) for (const m of v.metrics) fx.push({ type: 'observe', observation: { type: 'metric', name: m.name, value: m.value } });
  }

  /** An audit timer fired. `busy`: the client's own work is still in flight. */
  function onTimer(a: AuditState, timer: string, busy: boolean, client: NodeId, nextRequestId: () => number, judge: (logs: readonly (readonly string[])[]) => AuditVerdict, env: Env, fx: AuditSink): void {
    if (a.phase === 'done') return;
    if (env.nowMs >= a.deadlineMs) return finish(a, client, false, judge, fx);
    if (timer === AUDIT_REQUEST_TIMER) {
      if (a.requestId === -1) return;
      a.leaders[a.partition] = null;
      return read(a, nextRequestId, env, fx);
    }
    if (a.phase === 'settling') {
      if (busy) {
        fx.push({ type: 'setTimer', timer: AUDIT_TIMER, afterMs: AUDIT_BACKOFF_MS });
        return;
      }
      a.phase = 'reading';
    }
    if (a.requestId === -1) read(a, nextRequestId, env, fx);
  }

  /** A consumerFetchResponse: true when it was the audit's. */
  function onResponse(
    a: AuditState,
    from: NodeId,
    m: Extract<IsrMessage, { type: 'consumerFetchResponse' }>,
    client: NodeId,
    nextRequestId: () => number,
    judge: (logs: readonly (readonly string[])[]) => AuditVerdict,
    env: Env,
    fx: AuditSink,
  ): boolean {
    if (a.phase !== 'reading' || m.requestId !== a.requestId) return false;
    a.requestId = -1;
    fx.push({ type: 'cancelTimer', timer: AUDIT_REQUEST_TIMER });
    const p = a.partition;
    const log = a.logs[p] as string[];
    if (m.error !== null) {
      if (m.error === 'notLeader') a.leaders[p] = m.leaderHint !== from ? m.leaderHint : null;
      if (m.error === 'offsetOutOfRange') a.logs[p] = []; // the leader changed under the read and has less: read it again
      fx.push({ type: 'setTimer', timer: AUDIT_TIMER, afterMs: AUDIT_BACKOFF_MS });
      return true;
    }
    a.leaders[p] = from;
    if (m.offset === log.length && m.ids.length === 0) {
      // Everything below the leader's HW is read.
      a.partition += 1;
      if (a.partition >= config.partitions) {
        finish(a, client, true, judge, fx);
        return true;
      }
    } else if (m.offset === log.length) {
      log.push(...m.ids);
    }
    read(a, nextRequestId, env, fx);
    return true;
  }

  return { start, onTimer, onResponse };
}

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
  /** Every write acknowledged so far, for the final audit. */
  acked: { readonly partition: number; readonly offset: number; readonly id: string; readonly acks: Acks }[];
  audit: AuditState | null;
}

export type ProducerProtocol = Protocol<ProducerState, IsrMessage, ClientCommand, ClientReply, ProducerObservation | AuditObservation>;

/** Acknowledged writes missing from the final logs: each one whose offset there holds another record, or nothing. */
export function lostWrites(acked: ProducerState['acked'], logs: readonly (readonly string[])[]): AuditVerdict {
  const lost = { all: 0, one: 0 };
  const sample: string[] = [];
  for (const w of acked) {
    if (logs[w.partition]?.[w.offset] === w.id) continue;
    lost[w.acks] += 1;
    if (sample.length < AUDIT_SAMPLE) sample.push(w.id);
  }
  return {
    checked: acked.length,
    lost,
    sample,
    metrics: [
      { name: 'acked_writes_lost_unclean', value: lost.all },
      { name: 'acks1_writes_lost', value: lost.one },
    ],
  };
}

export function createProducerProtocol(config: ProducerConfig): ProducerProtocol {
  const requestTimeoutMs = config.requestTimeoutMs ?? 1000;
  const retryBackoffMs = config.retryBackoffMs ?? 50;
  const maxAttempts = config.maxAttempts ?? 10;
  if (config.brokers.length === 0) throw new Error('isr producer: brokers must not be empty');
  if (config.thinkMsMax < config.thinkMsMin || config.thinkMsMin < 0) throw new Error('isr producer: bad think time');
  type Fx = Effect<IsrMessage, ClientReply, ProducerObservation | AuditObservation>;
  const auditor = createAuditor(config);

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
        s.acked.push({ partition: cur.partition, offset: m.offset as number, id: cur.id, acks: cur.acks });
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
    // For reports only (reports/): never read by the kernel.
    operation: (observation) => producerOperation(observation),
    describeMessage: (message) => describeIsrWire(null, message),
    init: (self) => ({
      self,
      started: false,
      nextSeq: 1,
      nextRequestId: 1,
      left: config.operations,
      leaders: new Array<NodeId | null>(config.partitions).fill(null),
      current: null,
      acked: [],
      audit: null,
    }),
    step(state: ProducerState, input: Input<IsrMessage, ClientCommand>, env: Env): StepResult<ProducerState, IsrMessage, ClientReply, ProducerObservation | AuditObservation> {
      const fx: Fx[] = [];
      const s = state;
      const nextRequestId = (): number => s.nextRequestId++;
      const judge = (logs: readonly (readonly string[])[]): AuditVerdict => lostWrites(s.acked, logs);
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
            case AUDIT_TIMER:
            case AUDIT_REQUEST_TIMER:
              if (s.audit !== null) auditor.onTimer(s.audit, input.timer, s.current !== null, s.self, nextRequestId, judge, env, fx);
              break;
            default:
              throw new Error(`isr producer ${s.self}: unknown timer '${input.timer}'`);
          }
          break;
        case 'message':
          if (input.message.type === 'produceResponse') onResponse(s, input.from, input.message, env, fx);
          else if (input.message.type === 'consumerFetchResponse' && s.audit !== null) auditor.onResponse(s.audit, input.from, input.message, s.self, nextRequestId, judge, env, fx);
          break;
        case 'command':
          switch (input.command.type) {
            case 'audit':
              if (s.audit === null) {
                s.left = 0; // no new writes: the one in flight finishes, then the reads begin
                s.audit = auditor.start(env, fx);
              }
              fx.push({ type: 'reply', commandId: input.commandId, reply: { type: 'ok' } });
              break;
            default:
              assertNever(input.command.type, 'producer command');
          }
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
  /** Per partition and offset, the distinct ids consumed there (more than one only after an unclean election), for the final audit. */
  consumed: (string[] | null)[][];
  audit: AuditState | null;
}

export type ConsumerProtocol = Protocol<ConsumerState, IsrMessage, ClientCommand, ClientReply, ConsumerObservation | AuditObservation>;

/** Consumed records missing from the final logs: each (offset, id) read whose offset there holds another record, or nothing. */
export function lostConsumed(consumed: ConsumerState['consumed'], logs: readonly (readonly string[])[]): AuditVerdict {
  let checked = 0;
  let lost = 0;
  const sample: string[] = [];
  consumed.forEach((byOffset, p) => {
    byOffset.forEach((ids, offset) => {
      for (const id of ids ?? []) {
        checked += 1;
        if (logs[p]?.[offset] === id) continue;
        lost += 1;
        if (sample.length < AUDIT_SAMPLE) sample.push(id);
      }
    });
  });
  return { checked, lost: { consumed: lost }, sample, metrics: [{ name: 'consumed_then_lost', value: lost }] };
}

export function createConsumerProtocol(config: ConsumerConfig): ConsumerProtocol {
  const requestTimeoutMs = config.requestTimeoutMs ?? 500;
  type Fx = Effect<IsrMessage, ClientReply, ConsumerObservation | AuditObservation>;
  const auditor = createAuditor(config);

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
    // For reports only (reports/): never read by the kernel.
    describeMessage: (message) => describeIsrWire(null, message),
    init: (self) => ({
      self,
      started: false,
      positions: new Array<number>(config.partitions).fill(0),
      leaders: new Array<NodeId | null>(config.partitions).fill(null),
      nextPartition: 0,
      nextRequestId: 1,
      current: null,
      consumed: Array.from({ length: config.partitions }, () => []),
      audit: null,
    }),
    step(state: ConsumerState, input: Input<IsrMessage, ClientCommand>, env: Env): StepResult<ConsumerState, IsrMessage, ClientReply, ConsumerObservation | AuditObservation> {
      const fx: Fx[] = [];
      const s = state;
      const nextRequestId = (): number => s.nextRequestId++;
      const judge = (logs: readonly (readonly string[])[]): AuditVerdict => lostConsumed(s.consumed, logs);
      switch (input.type) {
        case 'start':
          s.started = true;
          s.current = null;
          fx.push({ type: 'setTimer', timer: POLL_TIMER, afterMs: config.pollIntervalMs });
          break;
        case 'timer':
          if (input.timer === POLL_TIMER) {
            if (s.current === null && s.audit === null) poll(s, env, fx);
          } else if (input.timer === AUDIT_TIMER || input.timer === AUDIT_REQUEST_TIMER) {
            if (s.audit !== null) auditor.onTimer(s.audit, input.timer, s.current !== null, s.self, nextRequestId, judge, env, fx);
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
          if (m.type === 'consumerFetchResponse' && s.audit !== null && auditor.onResponse(s.audit, input.from, m, s.self, nextRequestId, judge, env, fx)) break;
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
            const byOffset = s.consumed[p] as (string[] | null)[];
            m.ids.forEach((id, k) => {
              const o = m.offset + k;
              while (byOffset.length <= o) byOffset.push(null);
              const ids = byOffset[o];
              if (ids === null || ids === undefined) byOffset[o] = [id];
              else if (!ids.includes(id)) ids.push(id);
            });
            s.positions[p] = m.offset + m.ids.length;
          }
          next(s, m.ids.length > 0, fx);
          break;
        }
        case 'command':
          switch (input.command.type) {
            case 'audit':
              if (s.audit === null) s.audit = auditor.start(env, fx); // polls stop; the one in flight finishes
              fx.push({ type: 'reply', commandId: input.commandId, reply: { type: 'ok' } });
              break;
            default:
              assertNever(input.command.type, 'consumer command');
          }
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: s, effects: fx };
    },
  };
}
