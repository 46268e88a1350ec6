/**
 * A leader node of the amaters fencing model: a Raft server (core/raft, unchanged) that, while
 * Raft says it leads, takes clients' writes and stores them on every storage node, each write
 * carrying a fresh fencing token of its term (token.ts).
 *
 * Why Raft rather than a lease: Raft's Election Safety gives at most one leader per term, so a
 * token built from the term is unique and a newer leadership's tokens are larger, without any
 * assumption about clocks. What Raft can't prevent is a deposed leader that doesn't know it yet
 * (paused, partitioned) acting on its old term: that is what the tokens fence off at storage.
 * The writer deliberately does not check a lease before writing, so such a leader does write.
 *
 * A write is acknowledged to the client once a majority of the storage nodes accepted it. A
 * storage refusal that names a token of a later term deposes the writer: it writes nothing more
 * until Raft makes it leader of a later term.
 *
 * The node's state is `{ raft, ...writer }`. Raft is nested (core/contract/nest.ts) under the
 * names it had before nesting: its timers and files as Raft names them, its messages, replies and
 * observations as they are, so its role and term bands show in reports. The writer's rules are
 * functions over a step context; its term changes only in `startTerm` and `depose`, each
 * asserting that terms only grow.
 */
import { assert, assertNever } from '../contract/assert.ts';
import { nest, type Nested } from '../contract/nest.ts';
import type { Effect, Env, Input, NodeId, Protocol, StepResult } from '../contract/protocol.ts';
import { createRaftProtocol, isRaftTimer, majority, type RaftConfig, type RaftTimer, type StateMachine } from '../raft/index.ts';
import { makeToken, tokenTerm } from './token.ts';
import type {
  FenceLeaderState,
  FenceMessage,
  LeaderCommand,
  LeaderMessage,
  LeaderObservation,
  LeaderReply,
  NoMachine,
  PendingWrite,
  WriteOutcome,
} from './types.ts';

const RETRY_TIMER = 'fence/retry';
/** The writer's own timer. */
export type FenceTimer = typeof RETRY_TIMER;
/** Every timer a leader node sets: the writer's and Raft's (under their own names). */
export type FenceLeaderTimers = FenceTimer | RaftTimer;
const RETRY_MS = 100;
/** A write not settled after this many retries is reported to the client as timed out. */
const MAX_RETRIES = 10;

export const noMachine: StateMachine<NoMachine, never, never, null> = {
  name: 'none',
  init: () => ({}),
  apply: (state) => ({ state, result: null }),
  query: () => null,
  snapshot: () => ({}),
  restore: () => ({}),
};

export interface FenceLeaderConfig {
  readonly raft: RaftConfig;
  readonly storage: readonly NodeId[];
}

type RaftMsg = Exclude<LeaderMessage, FenceMessage>;
type Out = StepResult<FenceLeaderState, LeaderMessage, LeaderReply, LeaderObservation, FenceLeaderTimers>;
type Eff = Effect<LeaderMessage, LeaderReply, LeaderObservation, FenceLeaderTimers>;
type NestedRaft = Nested<'raft', FenceLeaderState['raft'], RaftMsg, LeaderCommand, LeaderReply, LeaderObservation, RaftTimer, LeaderMessage, LeaderObservation, ''>;

export type FenceLeaderProtocol = Protocol<FenceLeaderState, LeaderMessage, LeaderCommand, LeaderReply, LeaderObservation, FenceLeaderTimers>;

function isFenceMessage(m: LeaderMessage): m is FenceMessage {
  return m.type === 'write' || m.type === 'writeResult' || m.type === 'store' || m.type === 'storeResult';
}

/** What one protocol object fixes for every leader node. */
interface Setup {
  readonly storage: readonly NodeId[];
  readonly quorum: number;
  readonly raft: NestedRaft;
}

/** One step in progress: the state it mutates and the effects it emits, in order. */
interface Step extends Setup {
  readonly s: FenceLeaderState;
  readonly env: Env;
  readonly fx: Eff[];
}

// ---------------------------------------------------------------------------------------------
// Emitters and the writer's term

function answer(c: Step, client: NodeId, opId: number, outcome: WriteOutcome): void {
  c.fx.push({ type: 'send', to: client, message: { type: 'writeResult', opId, outcome } });
}

function store(c: Step, node: NodeId, w: PendingWrite): void {
  c.fx.push({ type: 'send', to: node, message: { type: 'store', token: w.token, key: w.key, value: w.value } });
}

/** The first write of a leadership: tokens of this term start at sequence 1. */
function startTerm(c: Step, term: number): void {
  const s = c.s;
  assert(term > s.writerTerm, `fence leader ${c.env.self}: writes in term ${term} after term ${s.writerTerm}`);
  s.writerTerm = term;
  s.lastSeq = 0;
}

/** A storage node showed a token of a later term than `term`: nothing more is written in terms up to it. */
function depose(c: Step, term: number): void {
  assert(term > c.s.fencedTerm, `fence leader ${c.env.self}: deposed in term ${term} after term ${c.s.fencedTerm}`);
  c.fx.push({ type: 'cover', event: 'fencing/leader-deposed' });
  c.s.fencedTerm = term;
}

/** One input through Raft: its effects, replies included, join ours in order. */
function raftStep(c: Step, input: Input<RaftMsg, LeaderCommand, RaftTimer>): void {
  const r = c.raft.step(c.s.raft, input, c.env, {
    push: (e) => c.fx.push(e),
    reply: (commandId, reply) => c.fx.push({ type: 'reply', commandId, reply }),
  });
  c.s.raft = r.state;
}

// ---------------------------------------------------------------------------------------------
// Writes

function onWrite(c: Step, from: NodeId, m: Extract<FenceMessage, { type: 'write' }>): void {
  const s = c.s;
  const r = s.raft;
  if (r.role !== 'leader') return answer(c, from, m.opId, { type: 'notLeader', hint: r.leaderId });
  if (r.currentTerm <= s.fencedTerm) {
    // Still leader by Raft's view, but a storage node has seen a later term's token: it writes no more.
    c.fx.push({ type: 'cover', event: 'fencing/write-refused-fenced-leader' });
    return answer(c, from, m.opId, { type: 'notLeader', hint: null });
  }
  if (Object.values(s.writes).some((w) => w.client === from && w.opId === m.opId)) {
    c.fx.push({ type: 'cover', event: 'fencing/write-retry-in-progress' });
    return; // a retry of a write in progress
  }
  if (s.writerTerm !== r.currentTerm) startTerm(c, r.currentTerm);
  const token = makeToken(r.currentTerm, ++s.lastSeq);
  const w: PendingWrite = { token, client: from, opId: m.opId, key: m.key, value: m.value, answers: {}, attempts: 0 };
  s.writes[String(token)] = w;
  c.fx.push({ type: 'observe', observation: { type: 'issued', token, term: r.currentTerm, client: from, opId: m.opId } });
  for (const node of c.storage) store(c, node, w);
  c.fx.push({ type: 'setTimer', timer: RETRY_TIMER, afterMs: RETRY_MS });
}

/** Answers the client once a majority accepted, or once too many refused for a majority to be possible. */
function settle(c: Step, w: PendingWrite): void {
  const s = c.s;
  const answers = Object.values(w.answers);
  const accepted = answers.filter((a) => a === 'accepted').length;
  const rejected = answers.length - accepted;
  if (accepted >= c.quorum) answer(c, w.client, w.opId, { type: 'ok', token: w.token });
  else if (rejected > c.storage.length - c.quorum) {
    const reason = tokenTerm(w.token) <= s.fencedTerm ? 'fenced' : 'rejected';
    c.fx.push({ type: 'cover', event: `fencing/write-failed-${reason}` });
    answer(c, w.client, w.opId, { type: 'failed', reason });
  } else return;
  delete s.writes[String(w.token)];
}

function onStoreResult(c: Step, from: NodeId, m: Extract<FenceMessage, { type: 'storeResult' }>): void {
  const s = c.s;
  if (!m.accepted && tokenTerm(m.maxToken) > tokenTerm(m.token) && tokenTerm(m.token) > s.fencedTerm) {
    depose(c, tokenTerm(m.token));
    c.fx.push({ type: 'observe', observation: { type: 'fenced', token: m.token, by: m.maxToken } });
  }
  const w = s.writes[String(m.token)];
  if (w === undefined || !c.storage.includes(from)) return;
  w.answers[from] = m.accepted ? 'accepted' : 'rejected';
  settle(c, w);
}

function onTimer(c: Step, timer: FenceTimer): void {
  switch (timer) {
    case RETRY_TIMER:
      return onRetry(c);
    default:
      assertNever(timer, 'fence leader timer');
  }
}

/** Sends every unsettled write again to the storage nodes that have not answered; gives up after MAX_RETRIES. */
function onRetry(c: Step): void {
  const s = c.s;
  for (const key of Object.keys(s.writes)) {
    const w = s.writes[key]!;
    w.attempts++;
    if (w.attempts > MAX_RETRIES) {
      c.fx.push({ type: 'cover', event: 'fencing/write-timed-out' });
      answer(c, w.client, w.opId, { type: 'failed', reason: 'timeout' });
      delete s.writes[key];
      continue;
    }
    const silent = c.storage.filter((node) => w.answers[node] === undefined);
    if (silent.length > 0) c.fx.push({ type: 'cover', event: 'fencing/store-resent' });
    for (const node of silent) store(c, node, w);
  }
  if (Object.keys(s.writes).length > 0) c.fx.push({ type: 'setTimer', timer: RETRY_TIMER, afterMs: RETRY_MS });
}

function onFenceMessage(c: Step, from: NodeId, m: FenceMessage): void {
  switch (m.type) {
    case 'write':
      return onWrite(c, from, m);
    case 'storeResult':
      return onStoreResult(c, from, m);
    case 'writeResult':
    case 'store':
      return; // meant for clients and storage nodes
    default:
      assertNever(m, 'message');
  }
}

export function fenceLeader(config: FenceLeaderConfig): FenceLeaderProtocol {
  const raft: NestedRaft = nest(createRaftProtocol(noMachine, config.raft), {
    name: 'raft',
    timerPrefix: '',
    filePrefix: '',
    isTimer: isRaftTimer,
    wrap: (message): LeaderMessage => message,
    unwrap: (message: LeaderMessage) => (isFenceMessage(message) ? undefined : message),
    surface: (observation) => observation,
  });
  const setup: Setup = { storage: config.storage, quorum: majority(config.storage.length), raft };

  return {
    name: 'fence-leader',
    init: (self, env) => ({ raft: raft.init(self, env), writerTerm: 0, lastSeq: 0, fencedTerm: 0, writes: {} }),
    // For reports only (reports/): never read by the kernel. The Raft role and term, and the tokens' epoch.
    lanes: (state) => ({
      ...raft.protocol.lanes!(state.raft),
      facts: [
        { name: 'tokens', value: state.writerTerm > 0 ? `writes with tokens of t${state.writerTerm}` : '' },
        { name: 'fenced', value: state.fencedTerm > 0 ? `fenced up to t${state.fencedTerm}` : '', tone: 'bad' },
      ],
    }),
    step(state: FenceLeaderState, input: Input<LeaderMessage, LeaderCommand, FenceLeaderTimers>, env: Env): Out {
      // The writer keeps nothing on disk: a restarted node never leads its old term again, so its tokens stay fresh.
      const s: FenceLeaderState = input.type === 'start' ? { raft: state.raft, writerTerm: 0, lastSeq: 0, fencedTerm: 0, writes: {} } : state;
      const c: Step = { ...setup, s, env, fx: [] };
      switch (input.type) {
        case 'start':
          raftStep(c, raft.start(input.durable));
          break;
        case 'timer':
          if (raft.owns(input.timer)) raftStep(c, { type: 'timer', timer: raft.timer(input.timer) });
          else onTimer(c, input.timer);
          break;
        case 'message': {
          const m = input.message;
          if (typeof m !== 'object' || m === null || !('type' in m)) break; // not a message of ours
          const raftMessage = raft.message(m);
          if (raftMessage !== undefined) raftStep(c, { type: 'message', from: input.from, message: raftMessage });
          else onFenceMessage(c, input.from, m as FenceMessage);
          break;
        }
        case 'command':
          raftStep(c, input);
          break;
        default:
          return assertNever(input, 'input');
      }
      return { state: c.s, effects: c.fx };
    },
  };
}
