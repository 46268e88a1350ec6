/**
 * A stemedb gateway: a stateless router. It holds nothing durable (but SWIM's incarnation),
 * only a cache of range descriptors (the meta-range, fed by gossip pushes from the nodes and by
 * pulls) and a SWIM member (membership.ts) whose dead events it acts on.
 *
 * An operation (a workload command) is routed subject -> BLAKE3 -> jump hash -> shard -> the
 * cached range holding the subject -> its owner, and sent with the range id and version. A
 * refusal brings fresher descriptors, which are merged into the cache (higher version wins)
 * before the next attempt; a timeout is retried too, up to `maxAttempts`. Operations on one
 * subject run one at a time, in arrival order.
 *
 * Invalidation: when SWIM declares a node dead, the gateway drops every cached
 * descriptor the node owns, and never routes to a node it believes dead: it pulls a fresh map
 * from a live node and tries again later (the 'no-dead-invalidation' bug does neither).
 *
 * The SWIM member is nested as membership.ts says. The rules are functions over a step context;
 * an operation starts only in `begin` and ends only in `finish`, each asserting it is the one
 * operation on its subject.
 */
import { assert, assertNever } from '../contract/assert.ts';
import type { Effect, Env, Input, NodeId, Protocol, StepResult } from '../contract/protocol.ts';
import type { SwimCommand, SwimObservation, SwimTimer } from '../swim/index.ts';
import { initialLayout, mergeMeta, route, shardOf } from './descriptor.ts';
import { applyDeadEvents, deadEvents, swimMember, TIMER_PREFIX, type SwimMember } from './membership.ts';
import type { GatewayCommand, GatewayOp, GatewayReply, GatewayState, StemeConfig, StemeMessage, StemeObservation } from './types.ts';

const OP_TIMER = `${TIMER_PREFIX}op:` as const;
/** The gateway's own timers: one per operation in progress, named by its command id. */
export type GatewayTimer = `${typeof OP_TIMER}${number}`;
const opTimer = (commandId: number): GatewayTimer => `${OP_TIMER}${commandId}`;
/** Wait before retrying an operation that found no live route, or a range in the middle of a handoff. */
const BACKOFF_MS = 60;

type Msg = StemeMessage | Uint8Array;
type Obs = StemeObservation | SwimObservation;
type Timers = GatewayTimer | SwimTimer;
type Out = StepResult<GatewayState, Msg, GatewayReply, Obs, Timers>;
type Eff = Effect<Msg, GatewayReply, Obs, Timers>;

export type StemeGatewayProtocol = Protocol<GatewayState, Msg, GatewayCommand, GatewayReply, Obs, Timers>;

/** What one protocol object fixes for every gateway. */
interface Setup {
  readonly config: StemeConfig;
  readonly byTimestamp: boolean;
  /** Dead nodes' ranges are dropped from the cache and never routed to (off with the 'no-dead-invalidation' bug). */
  readonly invalidates: boolean;
  readonly member: SwimMember<StemeMessage, StemeObservation>;
}

/** One step in progress: the state it mutates and the effects it emits, in order. */
interface Step extends Setup {
  readonly s: GatewayState;
  readonly env: Env;
  readonly fx: Eff[];
}

const isDead = (s: GatewayState, node: NodeId) => s.dead[node] === true;

/** Counts a rare branch taken (a coverage event, outside the trace). */
const cover = (c: Step, event: string): void => {
  c.fx.push({ type: 'cover', event: `stemedb/gateway-${event}` });
};

function pullMeta(c: Step): void {
  const live = c.config.nodes.filter((n) => !isDead(c.s, n));
  if (live.length > 0) c.fx.push({ type: 'send', to: live[c.env.rng.int(live.length)]!, message: { type: 'metaPull' } });
}

const busy = (s: GatewayState, subject: string): boolean => Object.values(s.ops).some((o) => o.subject === subject);

// ---------------------------------------------------------------------------------------------
// Operations: begin, attempts, finish

function begin(c: Step, commandId: number, command: GatewayCommand): void {
  assert(!busy(c.s, command.subject), `stemedb gateway ${c.env.self}: a second operation on ${command.subject}`);
  const op: GatewayOp = {
    commandId,
    op: command.type,
    subject: command.subject,
    shard: shardOf(command.subject, c.config.shards),
    value: command.type === 'put' ? command.value : null,
    sizeBytes: command.type === 'put' ? command.sizeBytes : 0,
    attempt: 0,
    maybeApplied: false,
    awaiting: null,
  };
  c.s.ops[String(commandId)] = op;
  attempt(c, op);
}

function finish(c: Step, op: GatewayOp, reply: GatewayReply): void {
  const s = c.s;
  assert(s.ops[String(op.commandId)] === op, `stemedb gateway ${c.env.self}: finishes operation ${op.commandId}, not in progress`);
  delete s.ops[String(op.commandId)];
  c.fx.push({ type: 'cancelTimer', timer: opTimer(op.commandId) });
  c.fx.push({ type: 'reply', commandId: op.commandId, reply });
  // Start the operations that were waiting for this subject (and any other now free), in order.
  const taken = new Set(Object.values(s.ops).map((o) => o.subject));
  const still: GatewayState['waiting'] = [];
  for (const w of s.waiting) {
    if (taken.has(w.command.subject)) still.push(w);
    else {
      taken.add(w.command.subject);
      begin(c, w.commandId, w.command);
    }
  }
  s.waiting = still;
}

function attempt(c: Step, op: GatewayOp): void {
  const s = c.s;
  op.awaiting = null;
  if (op.attempt >= c.config.maxAttempts) {
    cover(c, 'gave-up');
    finish(c, op, { type: 'failed', op: op.op, subject: op.subject, maybeApplied: op.maybeApplied, attempts: op.attempt });
    return;
  }
  op.attempt++;
  const d = route(s.cache, op.shard, op.subject);
  if (d === null || (c.invalidates && isDead(s, d.owner!))) {
    // No range cached for the subject (its owner's were invalidated), or its owner is dead: re-route later.
    cover(c, d === null ? 'no-route' : 'avoided-dead-owner');
    pullMeta(c);
    c.fx.push({ type: 'setTimer', timer: opTimer(op.commandId), afterMs: BACKOFF_MS });
    return;
  }
  const to = d.owner!;
  op.awaiting = { to, rangeId: d.id, version: d.version };
  c.fx.push({ type: 'observe', observation: { type: 'routed', to, reqId: op.commandId, rangeId: d.id, version: d.version, subject: op.subject } });
  c.fx.push({
    type: 'send',
    to,
    message: { type: 'request', reqId: op.commandId, attempt: op.attempt, op: op.op, subject: op.subject, rangeId: d.id, version: d.version, value: op.value, sizeBytes: op.sizeBytes },
  });
  c.fx.push({ type: 'setTimer', timer: opTimer(op.commandId), afterMs: c.config.requestTimeoutMs });
}

function onCommand(c: Step, commandId: number, command: GatewayCommand): void {
  const s = c.s;
  switch (command.type) {
    case 'get':
    case 'put':
    case 'delete':
      if (busy(s, command.subject) || s.waiting.some((w) => w.command.subject === command.subject)) {
        cover(c, 'queued-behind-subject');
        s.waiting.push({ commandId, command });
      } else begin(c, commandId, command);
      return;
    default:
      assertNever(command, 'command');
  }
}

/** An operation's timer: its request went unanswered, or its backoff ended. */
function onTimer(c: Step, timer: GatewayTimer): void {
  const op = c.s.ops[timer.slice(OP_TIMER.length)];
  if (op === undefined) return;
  if (op.awaiting !== null) cover(c, 'timeout-retry');
  if (op.awaiting !== null && op.op !== 'get') op.maybeApplied = true; // a write went unanswered
  attempt(c, op);
}

// ---------------------------------------------------------------------------------------------
// SWIM and the nodes' messages

/** Runs SWIM on an input of its own; a node it declares dead loses its cached ranges (invalidation). */
function withSwim(c: Step, input: Input<Uint8Array, SwimCommand, SwimTimer>): void {
  const s = c.s;
  const out = c.member.step(s.swim, input, c.env, c.fx);
  s.swim = out.state;
  for (const e of applyDeadEvents(s.dead, deadEvents(out.observations))) {
    c.fx.push({ type: 'observe', observation: { type: 'declared', peer: e.peer, status: e.status } });
    if (e.status !== 'dead' || !c.invalidates) continue;
    const ids = Object.keys(s.cache)
      .sort()
      .filter((id) => s.cache[id]!.owner === e.peer);
    for (const id of ids) delete s.cache[id];
    if (ids.length === 0) continue;
    cover(c, 'invalidated-dead-owner');
    c.fx.push({ type: 'observe', observation: { type: 'invalidated', node: e.peer, ids } });
  }
}

function onMessage(c: Step, m: StemeMessage): void {
  const s = c.s;
  switch (m.type) {
    case 'meta':
      mergeMeta(s.cache, m.descs, c.byTimestamp);
      return;
    case 'served': {
      const op = s.ops[String(m.reqId)];
      if (op === undefined || op.attempt !== m.attempt || op.awaiting === null) return cover(c, 'late-answer-ignored'); // a late answer to an earlier attempt
      finish(c, op, { type: 'ok', op: op.op, subject: op.subject, value: m.value, attempts: op.attempt });
      return;
    }
    case 'refused': {
      mergeMeta(s.cache, m.descs, c.byTimestamp);
      const op = s.ops[String(m.reqId)];
      if (op === undefined || op.attempt !== m.attempt || op.awaiting === null) return;
      cover(c, `refused-${m.reason}`);
      if (m.reason === 'moving') {
        op.awaiting = null;
        c.fx.push({ type: 'setTimer', timer: opTimer(op.commandId), afterMs: BACKOFF_MS });
      } else attempt(c, op);
      return;
    }
    case 'metaPull':
    case 'request':
    case 'transfer':
    case 'transferAck':
    case 'replicate':
      return; // node-bound messages: a gateway ignores them
    default:
      assertNever(m, 'message');
  }
}

export function stemeGateway(config: StemeConfig): StemeGatewayProtocol {
  const layout = initialLayout(config.nodes, config.shards, config.replicationFactor);
  const setup: Setup = {
    config,
    byTimestamp: config.bug === 'merge-by-timestamp',
    invalidates: config.bug !== 'no-dead-invalidation',
    member: swimMember<StemeMessage, StemeObservation>(config),
  };
  const { member } = setup;

  const blank = (self: NodeId, env: Env): GatewayState => ({ self, started: false, cache: {}, swim: member.init(self, env), dead: {}, ops: {}, waiting: [] });

  return {
    name: 'stemedb-gateway',
    init: (self, env) => blank(self, env),
    step(state: GatewayState, input: Input<Msg, GatewayCommand, Timers>, env: Env): Out {
      const c: Step = { ...setup, s: state, env, fx: [] };
      switch (input.type) {
        case 'start': {
          // Nothing survives a restart but SWIM's incarnation: the cache starts from the initial layout.
          const s = blank(state.self, env);
          s.started = true;
          for (const d of layout) s.cache[d.id] = d;
          const restarted: Step = { ...setup, s, env, fx: [] };
          withSwim(restarted, member.start(input.durable));
          return { state: s, effects: restarted.fx };
        }
        case 'timer':
          if (member.owns(input.timer)) withSwim(c, { type: 'timer', timer: member.timer(input.timer) });
          else onTimer(c, input.timer);
          break;
        case 'message': {
          const bytes = member.message(input.message);
          if (bytes !== undefined) withSwim(c, { type: 'message', from: input.from, message: bytes });
          else onMessage(c, input.message as StemeMessage);
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
