/**
 * The operator: a resharder (like `redis-cli --cluster reshard`) and a driver of manual
 * failovers, as a pure step function on a node of its own (not faultable).
 *
 * Resharding moves one slot range at a time while clients keep writing: it proposes
 * `migrate-begin` to the configuration group (CLUSTER SETSLOT IMPORTING on the target and
 * MIGRATING on the source, committed together), then watches the committed configuration until
 * the migration is gone (the source streamed every key and SETSLOT NODE was committed), then
 * starts the next. A range whose begin is refused (its source no longer owns it) is skipped.
 *
 * Manual failover: `CLUSTER FAILOVER [FORCE|TAKEOVER]` sent to a replica of the shard (per the
 * configuration of the moment); a "race" sends it to two replicas at once, as two careless
 * operators would.
 */
import { assertNever, type Effect, type Env, type NodeId, type Protocol } from '../contract/protocol.ts';
import type { SlotRange } from '../slots/index.ts';
import type { ClusterConfig, ConfigResult, ShardId } from '../cluster-config/config.ts';
import type { ClusterMessage } from './types.ts';
import { describeClusterMessage, operatorLanes } from './lanes.ts';

export type OperatorCommand =
  | { readonly type: 'reshard'; readonly range: SlotRange; readonly source: ShardId; readonly target: ShardId }
  | { readonly type: 'failover'; readonly shard: ShardId; readonly mode: 'default' | 'force' | 'takeover'; readonly race: boolean };

export type OperatorReply = { readonly accepted: true };

interface ActiveReshard {
  readonly cmd: Extract<OperatorCommand, { type: 'reshard' }>;
  phase: 'proposing' | 'waiting';
  opId: number;
  to: NodeId;
  sentAtMs: number;
  migrationId: number;
  /** The configuration version that holds the migration. */
  version: number;
  startedAtMs: number;
}

export interface OperatorState {
  readonly self: NodeId;
  config: ClusterConfig;
  queue: Extract<OperatorCommand, { type: 'reshard' }>[];
  active: ActiveReshard | null;
  nextOpId: number;
  leaderGuess: NodeId | null;
  lastPullMs: number;
  /** Ranges moved and skipped so far. */
  done: number;
  skipped: number;
}

export interface OperatorConfig {
  readonly voters: readonly NodeId[];
  readonly initialConfig: ClusterConfig;
  readonly tickMs: number;
  readonly proposeTimeoutMs: number;
  readonly pullEveryMs: number;
}

export type OperatorProtocol = Protocol<OperatorState, ClusterMessage, OperatorCommand, OperatorReply, Record<string, unknown>>;
type Fx = Effect<ClusterMessage, OperatorReply, Record<string, unknown>>;

export function createOperatorProtocol(cfg: OperatorConfig): OperatorProtocol {
  const voters = [...cfg.voters].sort();
  const nextVoter = (v: NodeId) => voters[(voters.indexOf(v) + 1) % voters.length]!;

  const proposeBegin = (s: OperatorState, env: Env, fx: Fx[]) => {
    const a = s.active!;
    a.opId = ++s.nextOpId;
    a.sentAtMs = env.nowMs;
    const { range, source, target } = a.cmd;
    fx.push({ type: 'send', to: a.to, message: { t: 'raft', m: { type: 'clientRequest', opId: a.opId, request: { kind: 'write', command: { op: 'migrate-begin', range, source, target, by: s.self } } } } });
  };

  const startNext = (s: OperatorState, env: Env, fx: Fx[]) => {
    const cmd = s.queue.shift();
    if (cmd === undefined) return;
    s.active = { cmd, phase: 'proposing', opId: 0, to: s.leaderGuess ?? voters[env.rng.int(voters.length)]!, sentAtMs: env.nowMs, migrationId: 0, version: 0, startedAtMs: env.nowMs };
    proposeBegin(s, env, fx);
  };

  const onResult = (s: OperatorState, env: Env, fx: Fx[], result: ConfigResult) => {
    const a = s.active!;
    const { range, source, target } = a.cmd;
    if (!result.ok) {
      fx.push({ type: 'observe', observation: { type: 'reshard', event: 'skipped', range, source, target, reason: result.reason } });
      s.skipped += 1;
      s.active = null;
      startNext(s, env, fx);
      return;
    }
    a.phase = 'waiting';
    a.migrationId = result.migrationId ?? 0;
    a.version = result.version;
    fx.push({ type: 'observe', observation: { type: 'reshard', event: 'begun', migration: a.migrationId, range, source, target, version: result.version } });
  };

  const checkDone = (s: OperatorState, env: Env, fx: Fx[]) => {
    const a = s.active;
    if (a === null || a.phase !== 'waiting' || s.config.version < a.version) return;
    if (s.config.migrations.some((m) => m.id === a.migrationId)) return;
    fx.push({ type: 'observe', observation: { type: 'reshard', event: 'done', migration: a.migrationId, range: a.cmd.range, source: a.cmd.source, target: a.cmd.target, tookMs: env.nowMs - a.startedAtMs } });
    s.done += 1;
    s.active = null;
    startNext(s, env, fx);
  };

  const failover = (s: OperatorState, env: Env, fx: Fx[], cmd: Extract<OperatorCommand, { type: 'failover' }>) => {
    const shard = s.config.shards.find((x) => x.id === cmd.shard);
    const replicas = shard?.replicas ?? [];
    const to = cmd.race ? replicas.slice(0, 2) : replicas.length === 0 ? [] : [replicas[env.rng.int(replicas.length)]!];
    const argv = cmd.mode === 'default' ? ['CLUSTER', 'FAILOVER'] : ['CLUSTER', 'FAILOVER', cmd.mode.toUpperCase()];
    fx.push({ type: 'observe', observation: { type: 'operator', event: 'failover', shard: cmd.shard, mode: cmd.mode, to } });
    for (const n of to) fx.push({ type: 'send', to: n, message: { t: 'admin', argv } });
  };

  return {
    name: 'cluster-operator',
    init: (self) => ({ self, config: cfg.initialConfig, queue: [], active: null, nextOpId: 0, leaderGuess: null, lastPullMs: -Infinity, done: 0, skipped: 0 }),
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => operatorLanes(state),
    describeMessage: (message) => describeClusterMessage({}, message),
    step(s, input, env) {
      const fx: Fx[] = [];
      switch (input.type) {
        case 'start':
          fx.push({ type: 'setTimer', timer: 'tick', afterMs: cfg.tickMs });
          break;
        case 'timer': {
          fx.push({ type: 'setTimer', timer: 'tick', afterMs: cfg.tickMs });
          const a = s.active;
          if (a === null) startNext(s, env, fx);
          else if (a.phase === 'proposing' && env.nowMs - a.sentAtMs >= cfg.proposeTimeoutMs) {
            a.to = nextVoter(a.to);
            proposeBegin(s, env, fx);
          }
          if (env.nowMs - s.lastPullMs >= (s.active !== null ? cfg.pullEveryMs : cfg.pullEveryMs * 3)) {
            s.lastPullMs = env.nowMs;
            fx.push({ type: 'send', to: voters[env.rng.int(voters.length)]!, message: { t: 'cfg-get', cv: s.config.version } });
          }
          break;
        }
        case 'message': {
          const m = input.message;
          if (m.t === 'cfg') {
            if (m.config.version > s.config.version) s.config = m.config;
            checkDone(s, env, fx);
          } else if (m.t === 'raft' && m.m.type === 'clientResponse') {
            const a = s.active;
            if (a === null || a.phase !== 'proposing' || m.m.opId !== a.opId) break;
            const outcome = m.m.outcome;
            if (outcome.status === 'notLeader') {
              s.leaderGuess = outcome.leaderHint;
              if (outcome.leaderHint !== null) {
                a.to = outcome.leaderHint;
                proposeBegin(s, env, fx);
              }
              break;
            }
            s.leaderGuess = input.from;
            onResult(s, env, fx, outcome.result);
          }
          break;
        }
        case 'command':
          switch (input.command.type) {
            case 'reshard':
              s.queue.push(input.command);
              if (s.active === null) startNext(s, env, fx);
              break;
            case 'failover':
              failover(s, env, fx, input.command);
              break;
            default:
              assertNever(input.command, 'operator command');
          }
          fx.push({ type: 'reply', commandId: input.commandId, reply: { accepted: true } });
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: s, effects: fx };
    },
  };
}
