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
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { initialLayout, mergeMeta, route, shardOf } from './descriptor.ts';
import { applyDeadEvents, deadEvents, membership, TIMER_PREFIX } from './membership.ts';
import type { SwimObservation } from '../swim/index.ts';
import type { GatewayCommand, GatewayOp, GatewayReply, GatewayState, StemeConfig, StemeMessage, StemeObservation } from './types.ts';

const OP_TIMER = `${TIMER_PREFIX}op:`;
const opTimer = (commandId: number) => `${OP_TIMER}${commandId}`;
/** Wait before retrying an operation that found no live route, or a range in the middle of a handoff. */
const BACKOFF_MS = 60;

type Msg = StemeMessage | Uint8Array;
type Obs = StemeObservation | SwimObservation;
type Out = StepResult<GatewayState, Msg, GatewayReply, Obs>;
type Eff = Effect<Msg, GatewayReply, Obs>;

interface Step {
  readonly s: GatewayState;
  readonly env: Env;
  readonly fx: Eff[];
}

export type StemeGatewayProtocol = Protocol<GatewayState, Msg, GatewayCommand, GatewayReply, Obs>;

export function stemeGateway(config: StemeConfig): StemeGatewayProtocol {
  const layout = initialLayout(config.nodes, config.shards, config.replicationFactor);
  const byTimestamp = config.bug === 'merge-by-timestamp';
  const invalidates = config.bug !== 'no-dead-invalidation';
  const swim = membership(config);

  const blank = (self: NodeId, env: Env): GatewayState => ({ self, started: false, cache: {}, swim: swim.init(self, env), dead: {}, ops: {}, waiting: [] });

  const isDead = (s: GatewayState, node: NodeId) => s.dead[node] === true;
  const liveNodes = (s: GatewayState) => config.nodes.filter((n) => !isDead(s, n));

  const pullMeta = (c: Step): void => {
    const live = liveNodes(c.s);
    if (live.length > 0) c.fx.push({ type: 'send', to: live[c.env.rng.int(live.length)]!, message: { type: 'metaPull' } });
  };

  const finish = (c: Step, op: GatewayOp, reply: GatewayReply): void => {
    const s = c.s;
    delete s.ops[String(op.commandId)];
    c.fx.push({ type: 'cancelTimer', timer: opTimer(op.commandId) });
    c.fx.push({ type: 'reply', commandId: op.commandId, reply });
    // Start the operations that were waiting for this subject (and any other now free), in order.
    const busy = new Set(Object.values(s.ops).map((o) => o.subject));
    const still: GatewayState['waiting'] = [];
    for (const w of s.waiting) {
      if (busy.has(w.command.subject)) still.push(w);
      else {
        busy.add(w.command.subject);
        begin(c, w.commandId, w.command);
      }
    }
    s.waiting = still;
  };

  const attempt = (c: Step, op: GatewayOp): void => {
    const s = c.s;
    op.awaiting = null;
    if (op.attempt >= config.maxAttempts) {
      finish(c, op, { type: 'failed', op: op.op, subject: op.subject, maybeApplied: op.maybeApplied, attempts: op.attempt });
      return;
    }
    op.attempt++;
    const d = route(s.cache, op.shard, op.subject);
    if (d === null || (invalidates && isDead(s, d.owner!))) {
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
    c.fx.push({ type: 'setTimer', timer: opTimer(op.commandId), afterMs: config.requestTimeoutMs });
  };

  const begin = (c: Step, commandId: number, command: GatewayCommand): void => {
    const op: GatewayOp = {
      commandId,
      op: command.type,
      subject: command.subject,
      shard: shardOf(command.subject, config.shards),
      value: command.type === 'put' ? command.value : null,
      sizeBytes: command.type === 'put' ? command.sizeBytes : 0,
      attempt: 0,
      maybeApplied: false,
      awaiting: null,
    };
    c.s.ops[String(commandId)] = op;
    attempt(c, op);
  };

  const onCommand = (c: Step, commandId: number, command: GatewayCommand): void => {
    const s = c.s;
    switch (command.type) {
      case 'get':
      case 'put':
      case 'delete':
        if (Object.values(s.ops).some((o) => o.subject === command.subject) || s.waiting.some((w) => w.command.subject === command.subject)) {
          s.waiting.push({ commandId, command });
        } else begin(c, commandId, command);
        return;
      default:
        assertNever(command, 'command');
    }
  };

  /** Runs SWIM on an input of its own; a node it declares dead loses its cached ranges (invalidation). */
  const withSwim = (c: Step, input: Input<Uint8Array, never>): void => {
    const s = c.s;
    const out = swim.step(s.swim, input, c.env);
    s.swim = out.state;
    c.fx.push(...(out.effects as Eff[]));
    for (const e of applyDeadEvents(s.dead, deadEvents(out.effects))) {
      c.fx.push({ type: 'observe', observation: { type: 'declared', peer: e.peer, status: e.status } });
      if (e.status !== 'dead' || !invalidates) continue;
      const ids = Object.keys(s.cache)
        .sort()
        .filter((id) => s.cache[id]!.owner === e.peer);
      for (const id of ids) delete s.cache[id];
      if (ids.length > 0) c.fx.push({ type: 'observe', observation: { type: 'invalidated', node: e.peer, ids } });
    }
  };

  const onMessage = (c: Step, from: NodeId, m: StemeMessage): void => {
    const s = c.s;
    switch (m.type) {
      case 'meta':
        mergeMeta(s.cache, m.descs, byTimestamp);
        return;
      case 'served': {
        const op = s.ops[String(m.reqId)];
        if (op === undefined || op.attempt !== m.attempt || op.awaiting === null) return; // a late answer to an earlier attempt
        finish(c, op, { type: 'ok', op: op.op, subject: op.subject, value: m.value, attempts: op.attempt });
        return;
      }
      case 'refused': {
        mergeMeta(s.cache, m.descs, byTimestamp);
        const op = s.ops[String(m.reqId)];
        if (op === undefined || op.attempt !== m.attempt || op.awaiting === null) return;
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
  };

  const onTimer = (c: Step, timer: string): void => {
    const match = /^steme\/op:(\d+)$/.exec(timer);
    if (match === null) throw new Error(`stemedb gateway: unknown timer ${timer}`);
    const op = c.s.ops[match[1]!];
    if (op === undefined) return;
    if (op.awaiting !== null && op.op !== 'get') op.maybeApplied = true; // a write went unanswered
    attempt(c, op);
  };

  return {
    name: 'stemedb-gateway',
    init: (self, env) => blank(self, env),
    step(state: GatewayState, input: Input<Msg, GatewayCommand>, env: Env): Out {
      const c: Step = { s: state, env, fx: [] };
      switch (input.type) {
        case 'start': {
          // Nothing survives a restart but SWIM's incarnation: the cache starts from the initial layout.
          const s = blank(state.self, env);
          s.started = true;
          for (const d of layout) s.cache[d.id] = d;
          const restarted: Step = { s, env, fx: [] };
          withSwim(restarted, input);
          return { state: s, effects: restarted.fx };
        }
        case 'timer':
          if (input.timer.startsWith(TIMER_PREFIX)) onTimer(c, input.timer);
          else withSwim(c, input);
          break;
        case 'message':
          if (input.message instanceof Uint8Array) withSwim(c, { type: 'message', from: input.from, message: input.message });
          else onMessage(c, input.from, input.message);
          break;
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
