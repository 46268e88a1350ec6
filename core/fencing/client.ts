/**
 * A client of the amaters fencing model: it writes `key = "<client>-<opId>"` for a fixed number of
 * operations, one at a time, to whichever leader node it believes leads; it follows "not leader"
 * hints, and on a timeout or a failure it tries the next node.
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import type { FenceClientState, FenceMessage, FenceObservation } from './types.ts';

export interface FenceClientConfig {
  readonly leaders: readonly NodeId[];
  readonly keys: readonly string[];
  readonly operations: number;
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  readonly timeoutMs: number;
  /** An operation is given up after this many attempts. */
  readonly maxAttempts: number;
}

const THINK = 'think';
const TIMEOUT = 'timeout';
const RETRY_MS = 40;

type Out = StepResult<FenceClientState, FenceMessage, never, FenceObservation>;
type Eff = Effect<FenceMessage, never, FenceObservation>;

export type FenceClientProtocol = Protocol<FenceClientState, FenceMessage, never, never, FenceObservation>;

export function fenceClient(config: FenceClientConfig): FenceClientProtocol {
  const next = (target: NodeId) => config.leaders[(config.leaders.indexOf(target) + 1) % config.leaders.length]!;

  const send = (s: FenceClientState, env: Env, fx: Eff[]): void => {
    s.attempt++;
    s.waiting = true;
    const key = config.keys[(s.opId * 7 + env.self.length) % config.keys.length]!;
    fx.push({ type: 'send', to: s.target, message: { type: 'write', opId: s.opId, key, value: `${env.self}-${s.opId}` } });
    fx.push({ type: 'setTimer', timer: TIMEOUT, afterMs: config.timeoutMs });
  };

  /** The operation is over (done or given up): think, then the next one. */
  const advance = (s: FenceClientState, env: Env, fx: Eff[]): void => {
    s.waiting = false;
    s.attempt = 0;
    fx.push({ type: 'cancelTimer', timer: TIMEOUT });
    if (s.opId >= config.operations) {
      s.done = true;
      return;
    }
    s.opId++;
    fx.push({ type: 'setTimer', timer: THINK, afterMs: env.rng.between(config.thinkMsMin, config.thinkMsMax) });
  };

  /** Try again, after a short pause, at `target`; or give up when out of attempts. */
  const retry = (s: FenceClientState, env: Env, fx: Eff[], target: NodeId): void => {
    s.target = target;
    s.waiting = false;
    if (s.attempt >= config.maxAttempts) {
      fx.push({ type: 'cover', event: 'fencing/client-gave-up' });
      s.gaveUp++;
      advance(s, env, fx);
      return;
    }
    fx.push({ type: 'cancelTimer', timer: TIMEOUT });
    fx.push({ type: 'setTimer', timer: THINK, afterMs: RETRY_MS });
  };

  return {
    name: 'fence-client',
    init: (self) => ({ opId: 1, attempt: 0, target: config.leaders[0]!, waiting: false, done: false, succeeded: 0, gaveUp: 0 }),
    step(state: FenceClientState, input: Input<FenceMessage, never>, env: Env): Out {
      const s = state;
      const fx: Eff[] = [];
      switch (input.type) {
        case 'start':
          fx.push({ type: 'observe', observation: { type: 'role', role: 'client' } });
          fx.push({ type: 'setTimer', timer: THINK, afterMs: env.rng.between(config.thinkMsMin, config.thinkMsMax) });
          break;
        case 'timer':
          if (input.timer === THINK) {
            if (!s.done && !s.waiting) send(s, env, fx);
          } else if (input.timer === TIMEOUT) {
            if (s.waiting) {
              fx.push({ type: 'cover', event: 'fencing/client-timeout' });
              retry(s, env, fx, next(s.target));
            }
          } else throw new Error(`fence client: unknown timer ${input.timer}`);
          break;
        case 'message': {
          const m = input.message;
          if (typeof m !== 'object' || m === null || m.type !== 'writeResult' || m.opId !== s.opId || !s.waiting || input.from !== s.target) break;
          const o = m.outcome;
          switch (o.type) {
            case 'ok':
              s.succeeded++;
              advance(s, env, fx);
              break;
            case 'notLeader':
              {
                const hint = o.hint !== null && o.hint !== s.target && config.leaders.includes(o.hint) ? o.hint : null;
                if (hint !== null) fx.push({ type: 'cover', event: 'fencing/client-followed-hint' });
                retry(s, env, fx, hint ?? next(s.target));
              }
              break;
            case 'failed':
              retry(s, env, fx, next(s.target));
              break;
            default:
              assertNever(o, 'outcome');
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
