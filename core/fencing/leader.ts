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
 * The node's state is `{ raft, ...writer }`; Raft's messages, timers, commands and observations
 * pass through untouched, so its role and term bands show in reports.
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { createRaftProtocol, ELECTION_TIMER, HEARTBEAT_TIMER, majority, type RaftConfig, type RaftTimer, type StateMachine } from '../raft/index.ts';
import { makeToken, tokenTerm } from './token.ts';
import type { FenceLeaderState, FenceMessage, LeaderCommand, LeaderMessage, LeaderObservation, LeaderReply, NoMachine, PendingWrite, WriteOutcome } from './types.ts';

const RETRY_TIMER = 'fence/retry';
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

type Out = StepResult<FenceLeaderState, LeaderMessage, LeaderReply, LeaderObservation>;
type Eff = Effect<LeaderMessage, LeaderReply, LeaderObservation>;

export type FenceLeaderProtocol = Protocol<FenceLeaderState, LeaderMessage, LeaderCommand, LeaderReply, LeaderObservation>;

function isFenceMessage(m: LeaderMessage): m is FenceMessage {
  return m.type === 'write' || m.type === 'writeResult' || m.type === 'store' || m.type === 'storeResult';
}

export function fenceLeader(config: FenceLeaderConfig): FenceLeaderProtocol {
  const raft = createRaftProtocol(noMachine, config.raft);
  const quorum = majority(config.storage.length);

  const answer = (fx: Eff[], client: NodeId, opId: number, outcome: WriteOutcome): void => {
    fx.push({ type: 'send', to: client, message: { type: 'writeResult', opId, outcome } });
  };

  const onWrite = (s: FenceLeaderState, fx: Eff[], from: NodeId, m: Extract<FenceMessage, { type: 'write' }>): void => {
    const r = s.raft;
    if (r.role !== 'leader') return answer(fx, from, m.opId, { type: 'notLeader', hint: r.leaderId });
    if (r.currentTerm <= s.fencedTerm) return answer(fx, from, m.opId, { type: 'notLeader', hint: null });
    if (Object.values(s.writes).some((w) => w.client === from && w.opId === m.opId)) return; // a retry of a write in progress
    if (s.writerTerm !== r.currentTerm) {
      s.writerTerm = r.currentTerm;
      s.lastSeq = 0;
    }
    const token = makeToken(r.currentTerm, ++s.lastSeq);
    s.writes[String(token)] = { token, client: from, opId: m.opId, key: m.key, value: m.value, answers: {}, attempts: 0 };
    fx.push({ type: 'observe', observation: { type: 'issued', token, term: r.currentTerm, client: from, opId: m.opId } });
    for (const node of config.storage) fx.push({ type: 'send', to: node, message: { type: 'store', token, key: m.key, value: m.value } });
    fx.push({ type: 'setTimer', timer: RETRY_TIMER, afterMs: RETRY_MS });
  };

  const settle = (s: FenceLeaderState, fx: Eff[], w: PendingWrite): void => {
    const answers = Object.values(w.answers);
    const accepted = answers.filter((a) => a === 'accepted').length;
    const rejected = answers.length - accepted;
    if (accepted >= quorum) answer(fx, w.client, w.opId, { type: 'ok', token: w.token });
    else if (rejected > config.storage.length - quorum) answer(fx, w.client, w.opId, { type: 'failed', reason: tokenTerm(w.token) <= s.fencedTerm ? 'fenced' : 'rejected' });
    else return;
    delete s.writes[String(w.token)];
  };

  const onStoreResult = (s: FenceLeaderState, fx: Eff[], from: NodeId, m: Extract<FenceMessage, { type: 'storeResult' }>): void => {
    if (!m.accepted && tokenTerm(m.maxToken) > tokenTerm(m.token) && tokenTerm(m.token) > s.fencedTerm) {
      s.fencedTerm = tokenTerm(m.token);
      fx.push({ type: 'observe', observation: { type: 'fenced', token: m.token, by: m.maxToken } });
    }
    const w = s.writes[String(m.token)];
    if (w === undefined || !config.storage.includes(from)) return;
    w.answers[from] = m.accepted ? 'accepted' : 'rejected';
    settle(s, fx, w);
  };

  const onRetry = (s: FenceLeaderState, fx: Eff[]): void => {
    for (const key of Object.keys(s.writes)) {
      const w = s.writes[key]!;
      w.attempts++;
      if (w.attempts > MAX_RETRIES) {
        answer(fx, w.client, w.opId, { type: 'failed', reason: 'timeout' });
        delete s.writes[key];
        continue;
      }
      for (const node of config.storage) {
        if (w.answers[node] === undefined) fx.push({ type: 'send', to: node, message: { type: 'store', token: w.token, key: w.key, value: w.value } });
      }
    }
    if (Object.keys(s.writes).length > 0) fx.push({ type: 'setTimer', timer: RETRY_TIMER, afterMs: RETRY_MS });
  };

  const withRaft = (s: FenceLeaderState, input: Input<LeaderMessage, LeaderCommand>, env: Env): Out => {
    const out = raft.step(s.raft, input as Input<never, LeaderCommand, RaftTimer>, env);
    s.raft = out.state;
    return { state: s, effects: out.effects as Eff[] };
  };

  return {
    name: 'fence-leader',
    init: (self, env) => ({ raft: raft.init(self, env), writerTerm: 0, lastSeq: 0, fencedTerm: 0, writes: {} }),
    // For reports only (reports/): never read by the kernel. The Raft role and term, and the tokens' epoch.
    lanes: (state) => ({
      ...raft.lanes!(state.raft),
      facts: [
        { name: 'tokens', value: state.writerTerm > 0 ? `writes with tokens of t${state.writerTerm}` : '' },
        { name: 'fenced', value: state.fencedTerm > 0 ? `fenced up to t${state.fencedTerm}` : '', tone: 'bad' },
      ],
    }),
    step(state: FenceLeaderState, input: Input<LeaderMessage, LeaderCommand>, env: Env): Out {
      switch (input.type) {
        case 'start':
          // The writer keeps nothing on disk: a restarted node never leads its old term again, so its tokens stay fresh.
          return withRaft({ raft: state.raft, writerTerm: 0, lastSeq: 0, fencedTerm: 0, writes: {} }, input, env);
        case 'timer': {
          if (input.timer === ELECTION_TIMER || input.timer === HEARTBEAT_TIMER) return withRaft(state, input, env);
          if (input.timer !== RETRY_TIMER) throw new Error(`fence leader: unknown timer ${input.timer}`);
          const fx: Eff[] = [];
          onRetry(state, fx);
          return { state, effects: fx };
        }
        case 'message': {
          const m = input.message;
          if (typeof m !== 'object' || m === null || !('type' in m)) return { state, effects: [] }; // not a message of ours
          if (!isFenceMessage(m)) return withRaft(state, input, env);
          const fx: Eff[] = [];
          switch (m.type) {
            case 'write':
              onWrite(state, fx, input.from, m);
              break;
            case 'storeResult':
              onStoreResult(state, fx, input.from, m);
              break;
            case 'writeResult':
            case 'store':
              break; // meant for clients and storage nodes
            default:
              assertNever(m, 'message');
          }
          return { state, effects: fx };
        }
        case 'command':
          return withRaft(state, input, env);
        default:
          return assertNever(input, 'input');
      }
    },
  };
}
