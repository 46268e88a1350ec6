/**
 * A simulated client of the replicated key-value store, itself a pure step function, and the
 * conversion of what it observes into a history for the linearizability checker.
 *
 * The client runs one operation at a time. It sends the request to the server it believes leads;
 * on a NotLeader answer it follows the hint (or, without one, tries the next server after a short
 * back-off); on a time-out it tries the next server. Retries of a write keep its sequence number,
 * so the store executes it at most once (kv.ts sessions). After `maxAttempts` sends it gives up:
 * a read, or a write every attempt of which was refused outright, is recorded as 'fail' (no
 * effect); a write that may have reached a leader as 'info' (outcome unknown, never returns).
 *
 * Operations come from `op` commands (a scenario's workload) and, optionally, from a closed-loop
 * random workload drawn from the client's own PRNG stream.
 *
 * History ids: a client that gave up on an operation, or restarted, can no longer be the same
 * history process (an operation that never returned must be its process's last), so it moves to a
 * new generation: history client = clientNumber + 1000 × generation, with a fresh store session.
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import type { KvCommand, KvQuery, KvResult } from './kv.ts';
import type { RaftMessage } from './types.ts';
import { describeRaftMessage, kvClientOperation } from './lanes.ts';

export type KvOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string; readonly value: string };

export type KvMessage = RaftMessage<KvCommand, KvQuery, KvResult>;

export type KvClientCommand = { readonly type: 'op'; readonly op: KvOp };

export type KvOutput = string | null | boolean;

export type KvClientReply =
  | { readonly type: 'done'; readonly opId: number; readonly outcome: 'ok'; readonly output: KvOutput }
  | { readonly type: 'done'; readonly opId: number; readonly outcome: 'fail' | 'info' }
  | { readonly type: 'rejected'; readonly reason: string };

/** The operation's fields as the history records them. */
export type KvOpFields =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put' | 'append'; readonly key: string; readonly value: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string; readonly value: string };

export type KvClientObservation =
  | (KvOpFields & { readonly kind: 'invoke'; readonly client: number; readonly opId: number; readonly atMs: number })
  | (KvOpFields & {
      readonly kind: 'ok';
      readonly client: number;
      readonly opId: number;
      /** get: the value (null = never written); cas: whether it swapped; put/append: null. */
      readonly output: KvOutput;
      readonly callMs: number;
      readonly returnMs: number;
      readonly attempts: number;
      readonly atMs: number;
    })
  | (KvOpFields & {
      /** 'fail': certainly had no effect; 'info': may have taken effect, at any time after the call. */
      readonly kind: 'fail' | 'info';
      readonly client: number;
      readonly opId: number;
      readonly callMs: number;
      readonly returnMs: null;
      readonly attempts: number;
      readonly atMs: number;
    });

export interface KvWorkload {
  /** Operations to generate in total (besides any `op` commands). */
  readonly operations: number;
  readonly keys: readonly string[];
  /** Pause between one operation's end and the next one's start. */
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  /** Relative weights of the operation kinds. */
  readonly mix?: { readonly get: number; readonly put: number; readonly append: number; readonly cas: number };
}

export interface KvClientConfig {
  /** The servers, in the order the client tries them. */
  readonly servers: readonly NodeId[];
  readonly requestTimeoutMs?: number;
  readonly maxAttempts?: number;
  /** Wait after a NotLeader answer without a hint (an election is probably running). */
  readonly retryBackoffMs?: number;
  /** 'readIndex': gets are queries the leader serves after ReadIndex; 'log': gets go through the log. */
  readonly readMode?: 'readIndex' | 'log';
  /** Most `op` commands waiting behind the current one. */
  readonly maxQueue?: number;
  readonly workload?: KvWorkload;
}

interface CurrentOp {
  readonly opId: number;
  readonly op: KvOp;
  readonly commandId: number | null;
  readonly callMs: number;
  attempts: number;
  /** A write sent to a node that did not refuse it outright: it may have been appended. */
  maybeExecuted: boolean;
  target: NodeId;
}

export interface KvClientState {
  readonly self: NodeId;
  readonly clientNumber: number;
  started: boolean;
  /** Bumped at every start and every give-up; see the module comment. */
  generation: number;
  leaderGuess: NodeId;
  nextOpId: number;
  current: CurrentOp | null;
  queue: { readonly commandId: number; readonly op: KvOp }[];
  workloadLeft: number;
  /** The last value this client saw per key; a generated cas expects it. */
  lastSeen: Record<string, string>;
}

export const CLIENT_FILE = 'client';
export const REQUEST_TIMER = 'request';
export const RETRY_TIMER = 'retry';
export const THINK_TIMER = 'think';
/** History client ids of successive generations are this far apart. */
export const GENERATION_STRIDE = 1000;

export type KvClientProtocol = Protocol<KvClientState, KvMessage, KvClientCommand, KvClientReply, KvClientObservation>;

type Fx = Effect<KvMessage, KvClientReply, KvClientObservation>;

/** The number a client id ends in ("c3" -> 3), used as its history client id. */
export function clientNumberOf(id: NodeId): number {
  const match = /(\d+)$/.exec(id);
  if (match === null) throw new Error(`kv client id '${id}' must end in a number`);
  return Number(match[1]);
}

export function createKvClientProtocol(config: KvClientConfig): KvClientProtocol {
  const servers = [...config.servers];
  if (servers.length === 0) throw new Error('kv client: servers must not be empty');
  const requestTimeoutMs = config.requestTimeoutMs ?? 500;
  const maxAttempts = config.maxAttempts ?? 8;
  const retryBackoffMs = config.retryBackoffMs ?? 50;
  const readMode = config.readMode ?? 'readIndex';
  const maxQueue = config.maxQueue ?? 1000;
  const workload = config.workload;
  if (!(requestTimeoutMs > 0) || !(retryBackoffMs > 0)) throw new Error('kv client: timeouts must be positive');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error('kv client: maxAttempts must be an integer >= 1');
  if (workload !== undefined) {
    if (workload.keys.length === 0) throw new Error('kv client: workload.keys must not be empty');
    if (workload.thinkMsMax < workload.thinkMsMin || workload.thinkMsMin < 0) throw new Error('kv client: bad workload think time');
  }
  const mix = workload?.mix ?? { get: 4, put: 3, append: 1, cas: 2 };
  const mixTotal = mix.get + mix.put + mix.append + mix.cas;
  if (workload !== undefined && !(mixTotal > 0)) throw new Error('kv client: workload.mix must have a positive weight');

  const historyClient = (s: KvClientState): number => s.clientNumber + GENERATION_STRIDE * s.generation;
  const sessionId = (s: KvClientState): NodeId => (s.generation === 0 ? s.self : `${s.self}#${s.generation}`);
  const nextServer = (after: NodeId): NodeId => servers[(servers.indexOf(after) + 1) % servers.length] as NodeId;

  function request(s: KvClientState, cur: CurrentOp): KvMessage {
    const op = cur.op;
    const session = { client: sessionId(s), seq: cur.opId };
    if (op.op === 'get' && readMode === 'readIndex') {
      return { type: 'clientRequest', opId: cur.opId, request: { kind: 'read', query: { op: 'get', key: op.key } } };
    }
    return { type: 'clientRequest', opId: cur.opId, request: { kind: 'write', command: { ...op, ...session } } };
  }

  function sendAttempt(s: KvClientState, cur: CurrentOp, fx: Fx[]): void {
    cur.attempts += 1;
    fx.push({ type: 'send', to: cur.target, message: request(s, cur) });
    fx.push({ type: 'setTimer', timer: REQUEST_TIMER, afterMs: requestTimeoutMs });
  }

  function invoke(s: KvClientState, op: KvOp, commandId: number | null, env: Env, fx: Fx[]): void {
    const cur: CurrentOp = { opId: s.nextOpId++, op, commandId, callMs: env.nowMs, attempts: 0, maybeExecuted: false, target: s.leaderGuess };
    s.current = cur;
    fx.push({ type: 'observe', observation: { ...op, kind: 'invoke', client: historyClient(s), opId: cur.opId, atMs: env.nowMs } });
    sendAttempt(s, cur, fx);
  }

  function generate(s: KvClientState, env: Env): KvOp {
    const w = workload as KvWorkload;
    const key = w.keys[env.rng.int(w.keys.length)] as string;
    const value = `${s.clientNumber}.${s.nextOpId}`;
    let pick = env.rng.next() * mixTotal;
    if ((pick -= mix.get) < 0) return { op: 'get', key };
    if ((pick -= mix.put) < 0) return { op: 'put', key, value };
    if ((pick -= mix.append) < 0) return { op: 'append', key, value };
    const expected = s.lastSeen[key];
    return expected === undefined ? { op: 'get', key } : { op: 'cas', key, expected, value };
  }

  /** Start the next queued operation, or schedule the next generated one. */
  function next(s: KvClientState, env: Env, fx: Fx[]): void {
    if (s.current !== null) return;
    const queued = s.queue.shift();
    if (queued !== undefined) invoke(s, queued.op, queued.commandId, env, fx);
    else if (workload !== undefined && s.workloadLeft > 0) {
      fx.push({ type: 'setTimer', timer: THINK_TIMER, afterMs: env.rng.between(workload.thinkMsMin, workload.thinkMsMax) });
    }
  }

  function complete(s: KvClientState, env: Env, fx: Fx[], result: KvResult): void {
    const cur = s.current as CurrentOp;
    if (result.type === 'stale') {
      giveUp(s, env, fx); // cannot happen for the newest sequence number; treat it as unknown
      return;
    }
    const output: KvOutput = result.type === 'value' ? result.value : result.type === 'cas' ? result.succeeded : null;
    const op = cur.op;
    if (op.op === 'get' && typeof output === 'string') s.lastSeen[op.key] = output;
    if (op.op === 'put' || (op.op === 'cas' && output === true)) s.lastSeen[op.key] = op.value;
    fx.push({
      type: 'observe',
      observation: { ...op, kind: 'ok', client: historyClient(s), opId: cur.opId, output, callMs: cur.callMs, returnMs: env.nowMs, attempts: cur.attempts, atMs: env.nowMs },
    });
    if (cur.commandId !== null) fx.push({ type: 'reply', commandId: cur.commandId, reply: { type: 'done', opId: cur.opId, outcome: 'ok', output } });
    s.leaderGuess = cur.target;
    finish(s, env, fx);
  }

  function giveUp(s: KvClientState, env: Env, fx: Fx[]): void {
    const cur = s.current as CurrentOp;
    const kind = cur.maybeExecuted ? 'info' : 'fail';
    fx.push({
      type: 'observe',
      observation: { ...cur.op, kind, client: historyClient(s), opId: cur.opId, callMs: cur.callMs, returnMs: null, attempts: cur.attempts, atMs: env.nowMs },
    });
    if (cur.commandId !== null) fx.push({ type: 'reply', commandId: cur.commandId, reply: { type: 'done', opId: cur.opId, outcome: kind } });
    if (kind === 'info') {
      s.generation += 1;
      fx.push({ type: 'persist', write: { op: 'append', file: CLIENT_FILE, record: 'gave-up' } });
    }
    finish(s, env, fx);
  }

  function finish(s: KvClientState, env: Env, fx: Fx[]): void {
    s.current = null;
    fx.push({ type: 'cancelTimer', timer: REQUEST_TIMER });
    fx.push({ type: 'cancelTimer', timer: RETRY_TIMER });
    next(s, env, fx);
  }

  function onResponse(s: KvClientState, from: NodeId, m: Extract<KvMessage, { type: 'clientResponse' }>, env: Env, fx: Fx[]): void {
    const cur = s.current;
    if (cur === null || m.opId !== cur.opId) return; // an answer to an operation already finished
    const outcome = m.outcome;
    switch (outcome.status) {
      case 'ok':
        complete(s, env, fx, outcome.result);
        return;
      case 'notLeader': {
        if (from !== cur.target) return; // a late refusal from a server tried before
        if (cur.attempts >= maxAttempts) {
          giveUp(s, env, fx);
          return;
        }
        const hint = outcome.leaderHint;
        fx.push({ type: 'cancelTimer', timer: REQUEST_TIMER });
        if (hint !== null && hint !== from && servers.includes(hint)) {
          cur.target = hint;
          sendAttempt(s, cur, fx);
        } else {
          cur.target = nextServer(from);
          fx.push({ type: 'setTimer', timer: RETRY_TIMER, afterMs: retryBackoffMs });
        }
        return;
      }
      default:
        assertNever(outcome, 'client outcome');
    }
  }

  function onTimer(s: KvClientState, timer: string, env: Env, fx: Fx[]): void {
    switch (timer) {
      case REQUEST_TIMER: {
        const cur = s.current;
        if (cur === null) return;
        // No answer: the request or its answer may be lost, or the server may have appended it.
        if (cur.op.op !== 'get' || readMode === 'log') cur.maybeExecuted = true;
        if (cur.attempts >= maxAttempts) {
          giveUp(s, env, fx);
          return;
        }
        cur.target = nextServer(cur.target);
        sendAttempt(s, cur, fx);
        return;
      }
      case RETRY_TIMER: {
        const cur = s.current;
        if (cur !== null) sendAttempt(s, cur, fx);
        return;
      }
      case THINK_TIMER:
        // Busy with a commanded operation: its completion schedules the next think time.
        if (workload === undefined || s.workloadLeft <= 0 || s.current !== null) return;
        s.workloadLeft -= 1;
        invoke(s, generate(s, env), null, env, fx);
        return;
      default:
        throw new Error(`kv client ${s.self}: unknown timer '${timer}'`);
    }
  }

  return {
    name: 'kv-client',
    init(self: NodeId): KvClientState {
      return {
        self,
        clientNumber: clientNumberOf(self),
        started: false,
        generation: 0,
        leaderGuess: servers[0] as NodeId,
        nextOpId: 1,
        current: null,
        queue: [],
        workloadLeft: workload?.operations ?? 0,
        lastSeen: {},
      };
    },
    // For reports only (reports/): never read by the kernel.
    operation: (observation) => kvClientOperation(observation),
    describeMessage: (message) => describeRaftMessage(message),
    step(s: KvClientState, input: Input<KvMessage, KvClientCommand>, env: Env): StepResult<KvClientState, KvMessage, KvClientReply, KvClientObservation> {
      const fx: Fx[] = [];
      switch (input.type) {
        case 'start': {
          // A restart loses the operation in flight (it stays without completion: unknown) and
          // begins a new generation, so sequence numbers never repeat within a session.
          s.started = true;
          s.generation = (input.durable[CLIENT_FILE] ?? []).length;
          s.current = null;
          s.queue = [];
          fx.push({ type: 'persist', write: { op: 'append', file: CLIENT_FILE, record: 'start' } });
          next(s, env, fx);
          break;
        }
        case 'timer':
          onTimer(s, input.timer, env, fx);
          break;
        case 'message': {
          const m = input.message;
          if (m.type === 'clientResponse') onResponse(s, input.from, m, env, fx);
          else throw new Error(`kv client ${s.self}: unexpected ${m.type} from ${input.from}`);
          break;
        }
        case 'command': {
          const command = input.command;
          if (command.type !== 'op') throw new Error(`kv client ${s.self}: unknown command ${JSON.stringify(command)}`);
          if (s.queue.length >= maxQueue) {
            fx.push({ type: 'reply', commandId: input.commandId, reply: { type: 'rejected', reason: 'queue full' } });
          } else {
            s.queue.push({ commandId: input.commandId, op: command.op });
            next(s, env, fx);
          }
          break;
        }
        default:
          assertNever(input, 'input');
      }
      return { state: s, effects: fx };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// History

/** One operation in the linearizability checker's JSON form (checkers/linearizability). */
export type KvHistoryOperation = { readonly client: number; readonly call: number; readonly return: number | null; readonly key: string } & (
  | { readonly op: 'get'; readonly output?: string | null }
  | { readonly op: 'put' | 'append'; readonly value: string }
  | { readonly op: 'cas'; readonly expected: string; readonly value: string; readonly output?: boolean }
);

export interface KvHistory {
  readonly model: 'kv';
  readonly operations: KvHistoryOperation[];
}

function isClientObservation(o: unknown): o is KvClientObservation {
  if (typeof o !== 'object' || o === null) return false;
  const kind = (o as { kind?: unknown }).kind;
  return (
    (kind === 'invoke' || kind === 'ok' || kind === 'fail' || kind === 'info') &&
    typeof (o as { client?: unknown }).client === 'number' &&
    typeof (o as { opId?: unknown }).opId === 'number'
  );
}

/**
 * The history of the clients' observations (others are skipped), in the checker's JSON form:
 * 'ok' operations with their output, 'info' and never-completed ones with `return: null` and no
 * output, 'fail' ones left out (they had no effect). Sorted by call time, then client.
 */
export function kvHistory(observations: Iterable<unknown>): KvHistory {
  const invokes = new Map<string, Extract<KvClientObservation, { kind: 'invoke' }>>();
  const ends = new Map<string, Exclude<KvClientObservation, { kind: 'invoke' }>>();
  for (const o of observations) {
    if (!isClientObservation(o)) continue;
    const id = `${o.client}/${o.opId}`;
    if (o.kind === 'invoke') invokes.set(id, o);
    else ends.set(id, o);
  }
  const operations: KvHistoryOperation[] = [];
  for (const [id, inv] of invokes) {
    const end = ends.get(id);
    if (end?.kind === 'fail') continue;
    const ret = end?.kind === 'ok' ? end.returnMs : null;
    const base = { client: inv.client, call: inv.atMs, return: ret, key: inv.key };
    switch (inv.op) {
      case 'get':
        operations.push(end?.kind === 'ok' ? { ...base, op: 'get', output: end.output as string | null } : { ...base, op: 'get' });
        break;
      case 'put':
      case 'append':
        operations.push({ ...base, op: inv.op, value: inv.value });
        break;
      case 'cas':
        operations.push(
          end?.kind === 'ok'
            ? { ...base, op: 'cas', expected: inv.expected, value: inv.value, output: end.output as boolean }
            : { ...base, op: 'cas', expected: inv.expected, value: inv.value },
        );
        break;
      default:
        assertNever(inv, 'operation');
    }
  }
  operations.sort((a, b) => a.call - b.call || a.client - b.client);
  return { model: 'kv', operations };
}
