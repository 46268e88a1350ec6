/**
 * A smart cluster client (like redis-py's or Lettuce's cluster mode) as a pure step function.
 *
 * It keeps a slot cache: slot -> the node to ask and the configuration version that said so. A
 * request goes to the cached node, or to a random one when the slot is unknown. MOVED updates the
 * cache (unless the reply's configuration is older than what the cache holds) and the request
 * follows it; ASK sends the request once, preceded by ASKING, to the node named, without touching
 * the cache (the bug 'ask-updates-cache' updates it); TRYAGAIN waits a little and starts over; a
 * time-out forgets the cached node and starts over elsewhere. Writes carry the client's number and
 * the operation number, so a retry is executed at most once (per-key sessions, core/migration).
 *
 * Every operation is recorded for the linearizability checker in the shape of core/raft's client
 * (`kvHistory` reads it): 'invoke', then 'ok' with the output, or 'info' (a write whose outcome is
 * unknown: it may take effect later) or 'fail' (a read that got no answer). A client that gives up
 * moves to a new history process (client number + 1000 x generation). The 'ok' observation also
 * carries the redirects of the operation and where the write sits in its shard's replication
 * stream; every MOVED is observed with the configuration version that led the client to the node.
 */
import { assertNever, type Effect, type Env, type NodeId, type Protocol } from '../contract/protocol.ts';
import { keySlot } from '../slots/index.ts';
import type { DataOp, DataOutput } from '../migration/store.ts';
import type { ClusterBug } from './bugs.ts';
import type { ClusterMessage } from './types.ts';
import { clusterClientOperation, describeClusterMessage } from './lanes.ts';

export interface ClusterWorkload {
  readonly operations: number;
  readonly keys: readonly string[];
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  readonly mix: { readonly get: number; readonly put: number; readonly append: number; readonly cas: number };
  /** When the first operation starts. */
  readonly startAtMs: number;
}

export interface ClusterClientConfig {
  readonly servers: readonly NodeId[];
  /** 1-based; the history client number is this + 1000 x generation. */
  readonly clientNumber: number;
  readonly requestTimeoutMs: number;
  /** Time-outs before giving up on an operation. */
  readonly maxTimeouts: number;
  /** Redirects within one attempt before starting over. */
  readonly maxRedirects: number;
  readonly workload: ClusterWorkload;
  readonly bugs: readonly ClusterBug[];
}

export const GENERATION_STRIDE = 1000;

interface Current {
  readonly opId: number;
  readonly op: DataOp;
  readonly callMs: number;
  timeouts: number;
  /** The send the client waits for. */
  send: number;
  target: NodeId;
  /** The configuration version that chose `target` (cache entry, or the MOVED followed); null: random or ASK. */
  basisCv: number | null;
  /** This attempt's redirects, and the versions its replies carried. */
  redirects: number;
  cvMin: number;
  cvMax: number;
  /** Largest redirect count of an attempt whose replies all carried one version. */
  stableRedirects: number;
  totalRedirects: number;
  backoffMs: number;
  lastTimedOut: NodeId | null;
}

export interface ClusterClientState {
  readonly self: NodeId;
  generation: number;
  started: boolean;
  nextOpId: number;
  sendSeq: number;
  current: Current | null;
  workloadLeft: number;
  /** slot -> [node, config version]. */
  cache: Record<string, readonly [NodeId, number]>;
  lastSeen: Record<string, string>;
}

export type ClusterClientObservation = Record<string, unknown>;
export type ClusterClientProtocol = Protocol<ClusterClientState, ClusterMessage, never, never, ClusterClientObservation>;
type Fx = Effect<ClusterMessage, never, ClusterClientObservation>;

const THINK = 'think';
const TIMEOUT = 'timeout';
const RETRY = 'retry';

export function createClusterClientProtocol(cfg: ClusterClientConfig): ClusterClientProtocol {
  const askUpdatesCache = cfg.bugs.includes('ask-updates-cache');
  const w = cfg.workload;
  const clientId = (s: ClusterClientState) => cfg.clientNumber + GENERATION_STRIDE * s.generation;

  const pick = (env: Env, items: readonly NodeId[]) => items[env.rng.int(items.length)]!;

  const nextOp = (s: ClusterClientState, env: Env): DataOp => {
    const key = w.keys[env.rng.int(w.keys.length)]!;
    const value = `${s.self}.${s.nextOpId}`;
    const total = w.mix.get + w.mix.put + w.mix.append + w.mix.cas;
    let x = env.rng.int(total);
    if ((x -= w.mix.get) < 0) return { op: 'get', key };
    if ((x -= w.mix.put) < 0) return { op: 'put', key, value };
    if ((x -= w.mix.append) < 0) return { op: 'append', key, value };
    const expected = Object.hasOwn(s.lastSeen, key) ? s.lastSeen[key] : undefined;
    return expected === undefined ? { op: 'put', key, value } : { op: 'cas', key, expected, value };
  };

  const fields = (op: DataOp) => op;

  const sendReq = (s: ClusterClientState, fx: Fx[], target: NodeId, asking: boolean, basisCv: number | null) => {
    const cur = s.current!;
    s.sendSeq += 1;
    cur.send = s.sendSeq;
    cur.target = target;
    cur.basisCv = basisCv;
    fx.push({ type: 'send', to: target, message: { t: 'req', send: s.sendSeq, asking, op: cur.op, client: clientId(s), seq: cur.opId } });
    fx.push({ type: 'setTimer', timer: TIMEOUT, afterMs: cfg.requestTimeoutMs });
  };

  /** A fresh attempt: the cached node, or a random one. */
  const attempt = (s: ClusterClientState, env: Env, fx: Fx[]) => {
    const cur = s.current!;
    cur.redirects = 0;
    cur.cvMin = Number.POSITIVE_INFINITY;
    cur.cvMax = Number.NEGATIVE_INFINITY;
    const slot = String(keySlot(cur.op.key));
    const entry = Object.hasOwn(s.cache, slot) ? s.cache[slot] : undefined;
    if (entry !== undefined) {
      sendReq(s, fx, entry[0], false, entry[1]);
      return;
    }
    const others = cfg.servers.filter((n) => n !== cur.lastTimedOut);
    sendReq(s, fx, pick(env, others.length > 0 ? others : cfg.servers), false, null);
  };

  const endAttempt = (cur: Current) => {
    if (cur.cvMin === cur.cvMax) cur.stableRedirects = Math.max(cur.stableRedirects, cur.redirects);
  };

  const startOp = (s: ClusterClientState, env: Env, fx: Fx[]) => {
    if (s.workloadLeft <= 0) return;
    s.workloadLeft -= 1;
    s.nextOpId += 1;
    const op = nextOp(s, env);
    s.current = {
      opId: s.nextOpId,
      op,
      callMs: env.nowMs,
      timeouts: 0,
      send: 0,
      target: '',
      basisCv: null,
      redirects: 0,
      cvMin: Number.POSITIVE_INFINITY,
      cvMax: Number.NEGATIVE_INFINITY,
      stableRedirects: 0,
      totalRedirects: 0,
      backoffMs: 10,
      lastTimedOut: null,
    };
    fx.push({ type: 'observe', observation: { kind: 'invoke', client: clientId(s), opId: s.nextOpId, atMs: env.nowMs, ...fields(op) } });
    attempt(s, env, fx);
  };

  const think = (env: Env, fx: Fx[]) => fx.push({ type: 'setTimer', timer: THINK, afterMs: env.rng.between(w.thinkMsMin, w.thinkMsMax) });

  const finish = (s: ClusterClientState, env: Env, fx: Fx[], r: Extract<ClusterMessage, { t: 'res' }>['r'] & { k: 'ok' }) => {
    const cur = s.current!;
    endAttempt(cur);
    const output: DataOutput = r.out;
    const op = cur.op;
    if (op.op === 'get') {
      if (typeof output === 'string') s.lastSeen[op.key] = output;
    } else if (op.op === 'put' || (op.op === 'cas' && output === true)) s.lastSeen[op.key] = op.value;
    else if (op.op === 'append') delete s.lastSeen[op.key];
    fx.push({
      type: 'observe',
      observation: {
        kind: 'ok',
        client: clientId(s),
        opId: cur.opId,
        ...fields(op),
        output: op.op === 'put' || op.op === 'append' ? null : output,
        callMs: cur.callMs,
        returnMs: env.nowMs,
        attempts: cur.timeouts + 1,
        atMs: env.nowMs,
        redirects: cur.totalRedirects,
        stableRedirects: cur.stableRedirects,
        shard: r.shard,
        replId: r.replId,
        offset: r.offset,
      },
    });
    s.current = null;
    fx.push({ type: 'cancelTimer', timer: TIMEOUT });
    think(env, fx);
  };

  const giveUp = (s: ClusterClientState, env: Env, fx: Fx[]) => {
    const cur = s.current!;
    const kind = cur.op.op === 'get' ? 'fail' : 'info';
    fx.push({
      type: 'observe',
      observation: { kind, client: clientId(s), opId: cur.opId, ...fields(cur.op), callMs: cur.callMs, returnMs: null, attempts: cur.timeouts, atMs: env.nowMs },
    });
    // An operation that never returned must be its history process's last.
    if (kind === 'info') s.generation += 1;
    s.current = null;
    think(env, fx);
  };

  return {
    name: 'cluster-client',
    init: (self) => ({ self, generation: 0, started: false, nextOpId: 0, sendSeq: 0, current: null, workloadLeft: w.operations, cache: {}, lastSeen: {} }),
    // For reports only (reports/): never read by the kernel.
    operation: (observation) => clusterClientOperation(observation),
    describeMessage: (message) => describeClusterMessage({}, message),
    step(s, input, env) {
      const fx: Fx[] = [];
      switch (input.type) {
        case 'start':
          // Clients are not faultable; a (re)start begins a new history process.
          if (s.started) s.generation += 1;
          s.started = true;
          s.current = null;
          fx.push({ type: 'setTimer', timer: THINK, afterMs: Math.max(0, w.startAtMs - env.nowMs) + env.rng.int(50) });
          break;
        case 'timer':
          switch (input.timer) {
            case THINK:
              if (s.current === null) startOp(s, env, fx);
              break;
            case RETRY:
              if (s.current !== null) attempt(s, env, fx);
              break;
            case TIMEOUT: {
              const cur = s.current;
              if (cur === null) break;
              endAttempt(cur);
              const slot = String(keySlot(cur.op.key));
              if (s.cache[slot]?.[0] === cur.target) delete s.cache[slot];
              cur.timeouts += 1;
              cur.lastTimedOut = cur.target;
              if (cur.timeouts >= cfg.maxTimeouts) giveUp(s, env, fx);
              else attempt(s, env, fx);
              break;
            }
            default:
              throw new Error(`cluster client ${s.self}: unknown timer ${input.timer}`);
          }
          break;
        case 'message': {
          const m = input.message;
          const cur = s.current;
          if (m.t !== 'res' || cur === null || m.send !== cur.send) break;
          cur.cvMin = Math.min(cur.cvMin, m.cv);
          cur.cvMax = Math.max(cur.cvMax, m.cv);
          const r = m.r;
          const slot = String(keySlot(cur.op.key));
          switch (r.k) {
            case 'ok':
              finish(s, env, fx, r);
              break;
            case 'moved': {
              fx.push({ type: 'observe', observation: { type: 'redirect', kind: 'moved', client: clientId(s), slot: r.slot, from: input.from, to: r.node, basisCv: cur.basisCv, replyCv: m.cv } });
              const entry = Object.hasOwn(s.cache, slot) ? s.cache[slot] : undefined;
              if (entry === undefined || m.cv >= entry[1]) s.cache[slot] = [r.node, m.cv];
              cur.redirects += 1;
              cur.totalRedirects += 1;
              if (cur.redirects > cfg.maxRedirects) {
                endAttempt(cur);
                fx.push({ type: 'setTimer', timer: RETRY, afterMs: cur.backoffMs });
                cur.backoffMs = Math.min(200, cur.backoffMs * 2);
              } else sendReq(s, fx, r.node, false, m.cv);
              break;
            }
            case 'ask':
              cur.redirects += 1;
              cur.totalRedirects += 1;
              // The bug: treat ASK like MOVED.
              if (askUpdatesCache) s.cache[slot] = [r.node, m.cv];
              sendReq(s, fx, r.node, true, null);
              break;
            case 'tryagain':
              endAttempt(cur);
              fx.push({ type: 'cancelTimer', timer: TIMEOUT });
              fx.push({ type: 'setTimer', timer: RETRY, afterMs: cur.backoffMs });
              cur.backoffMs = Math.min(200, cur.backoffMs * 2);
              break;
            default:
              assertNever(r, 'client result');
          }
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
