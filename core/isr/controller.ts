/**
 * The metadata controller: a Raft group (core/raft, unchanged) replicating the metadata state
 * machine of metadata.ts, with the controller's own logic around it. Brokers act only on
 * committed metadata: what a controller sends them is its applied state machine, and only the
 * active controller (the Raft leader, once it has applied everything before its term) decides.
 *
 * The controller's step wraps Raft's: Raft messages and timers go to Raft; broker heartbeats and
 * AlterPartition requests are the controller's. The active controller turns what it has heard
 * into metadata records (decide.ts) and proposes them through Raft as an operator `propose`
 * command under a negative command id, so its replies are told apart from the kernel's and taken
 * out of the effects here. One proposal is in flight at a time, and each applies only on the
 * metadata version it was decided on.
 *
 * Broker liveness is modelled as Kafka's controller does it: heartbeats and a session timeout,
 * decided by the active controller and committed as fence/unfence records (core/swim's gossip
 * is not wired in; see core/isr/README.md).
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../../sim/protocol.ts';
import { createRaftProtocol, type RaftProtocol } from '../raft/node.ts';
import type { RaftCommand, RaftMessage, RaftObservation, RaftReply, RaftState } from '../raft/types.ts';
import type { Assign } from './assignment.ts';
import { resolveIsrOptions } from './config.ts';
import { decide, type AlterRequest, type HeardBroker } from './decide.ts';
import { metadataStateMachine } from './metadata.ts';
import type { ControllerObservation, IsrConfig, IsrMessage, IsrOptions, MetadataCommand, MetadataImage, MetadataQuery, MetadataResult, MetadataRecord } from './types.ts';

export const CONTROLLER_TIMER = 'controller';
/** A proposal not answered within this long is given up (it may still commit; the version check makes that harmless). */
const PROPOSAL_TIMEOUT_MS = 2000;
const MAX_QUEUED_ALTERS = 256;

type MetaRaftState = RaftState<MetadataImage, MetadataCommand, MetadataQuery>;
type MetaRaftMessage = RaftMessage<MetadataCommand, MetadataQuery, MetadataResult>;

export interface ControllerState {
  raft: MetaRaftState;
  /** Brokers heard from since this controller became active, sorted by id. */
  heard: HeardBroker[];
  alters: AlterRequest[];
  /** The Raft term in which this controller became active, and when (null: not active). */
  activeTerm: number;
  activeSinceMs: number | null;
  inflight: { readonly commandId: number; readonly sentMs: number; readonly records: readonly MetadataRecord[]; readonly accepted: readonly AlterRequest[]; readonly unclean: readonly { readonly partition: number; readonly leader: NodeId; readonly leaderEpoch: number; readonly isr: readonly NodeId[] }[] } | null;
  /** Negative and decreasing: the command ids of this controller's own proposals. */
  nextCommandId: number;
  lastPreferredCheckMs: number;
  /** The metadata version last pushed to the brokers. */
  pushedVersion: number;
  /** Something worth deciding on arrived since the last decision (else the next tick decides). */
  dirty: boolean;
}

export type ControllerMessage = IsrMessage | MetaRaftMessage;
export type ControllerCommand = RaftCommand<MetadataCommand>;
export type ControllerReply = RaftReply<MetadataResult>;
export type ControllerObs = ControllerObservation | RaftObservation;
export type ControllerProtocol = Protocol<ControllerState, ControllerMessage, ControllerCommand, ControllerReply, ControllerObs>;

type Fx = Effect<ControllerMessage, ControllerReply, ControllerObs>;

const RAFT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'requestVote',
  'requestVoteResponse',
  'appendEntries',
  'appendEntriesResponse',
  'installSnapshot',
  'timeoutNow',
  'clientRequest',
  'clientResponse',
]);

function isRaftMessage(m: ControllerMessage): m is MetaRaftMessage {
  return RAFT_MESSAGE_TYPES.has(m.type);
}

export function createControllerProtocol(config: IsrConfig, assign: Assign): ControllerProtocol {
  const opts: IsrOptions = resolveIsrOptions(config);
  const raft: RaftProtocol<MetadataImage, MetadataCommand, MetadataQuery, MetadataResult> = createRaftProtocol(metadataStateMachine, {
    voters: opts.controllers,
  });

  const fresh = (r: MetaRaftState): ControllerState => ({
    raft: r,
    heard: [],
    alters: [],
    activeTerm: -1,
    activeSinceMs: null,
    inflight: null,
    nextCommandId: -1,
    lastPreferredCheckMs: 0,
    pushedVersion: -1,
    dirty: false,
  });

  /** Raft's step; our own proposals' replies are taken out of its effects. */
  function raftStep(s: ControllerState, input: Input<MetaRaftMessage, ControllerCommand>, env: Env, fx: Fx[]): void {
    const r = raft.step(s.raft, input, env);
    s.raft = r.state;
    for (const e of r.effects) {
      if (e.type === 'reply' && e.commandId < 0) onProposalReply(s, e.commandId, e.reply, env, fx);
      else fx.push(e);
    }
  }

  function isActive(s: ControllerState): boolean {
    const r = s.raft;
    return r.role === 'leader' && r.leader !== null && r.leader.transfer === null && r.lastApplied >= r.leader.termStartIndex;
  }

  function image(s: ControllerState): MetadataImage {
    return s.raft.sm;
  }

  function onProposalReply(s: ControllerState, commandId: number, reply: ControllerReply, env: Env, fx: Fx[]): void {
    const p = s.inflight;
    if (p === null || p.commandId !== commandId) return;
    s.inflight = null;
    s.dirty = true;
    if (reply.type === 'applied' && reply.result.ok) {
      const img = image(s);
      fx.push({ type: 'observe', observation: { type: 'metadataCommitted', controller: env.self, version: reply.result.version, records: p.records } });
      for (const u of p.unclean) fx.push({ type: 'observe', observation: { type: 'uncleanElection', controller: env.self, ...u } });
      for (const a of p.accepted) {
        fx.push({ type: 'send', to: a.from, message: { type: 'alterPartitionResponse', requestId: a.requestId, partition: a.partition, ok: true, state: img.partitions[a.partition] ?? null } });
      }
      return;
    }
    // Not applied (stale version, leadership lost): the requests are looked at again.
    requeue(s, p.accepted);
  }

  function requeue(s: ControllerState, alters: readonly AlterRequest[]): void {
    s.alters = [...alters, ...s.alters].slice(0, MAX_QUEUED_ALTERS);
  }

  /** Become active or stop being active, as Raft's role and progress say. */
  function syncActive(s: ControllerState, env: Env): void {
    if (!isActive(s)) {
      if (s.activeSinceMs !== null) {
        s.activeSinceMs = null;
        s.heard = [];
        s.alters = [];
        s.inflight = null;
      }
      return;
    }
    if (s.activeSinceMs !== null && s.activeTerm === s.raft.currentTerm) return;
    s.activeTerm = s.raft.currentTerm;
    s.activeSinceMs = env.nowMs;
    s.lastPreferredCheckMs = env.nowMs;
    s.heard = [];
    s.alters = [];
    s.inflight = null;
    s.pushedVersion = -1;
    s.dirty = true;
  }

  function push(s: ControllerState, fx: Fx[]): void {
    const img = image(s);
    if (img.version <= s.pushedVersion) return;
    s.pushedVersion = img.version;
    for (const b of img.brokers) fx.push({ type: 'send', to: b.id, message: { type: 'metadataPush', image: img } });
  }

  function maybePropose(s: ControllerState, env: Env, fx: Fx[]): void {
    if (s.activeSinceMs === null || !s.dirty) return;
    if (s.inflight !== null) {
      if (env.nowMs - s.inflight.sentMs < PROPOSAL_TIMEOUT_MS) return;
      requeue(s, s.inflight.accepted);
      s.inflight = null;
    }
    const preferredLeaderCheck = opts.preferredLeaderCheckMs > 0 && env.nowMs - s.lastPreferredCheckMs >= opts.preferredLeaderCheckMs;
    const img = image(s);
    const d = decide(
      { image: img, heard: s.heard, alters: s.alters, nowMs: env.nowMs, activeSinceMs: s.activeSinceMs, preferredLeaderCheck },
      opts,
      assign,
    );
    if (preferredLeaderCheck) s.lastPreferredCheckMs = env.nowMs;
    s.alters = [];
    s.dirty = false;
    for (const r of d.refused) {
      const state = img.partitions[r.request.partition] ?? null;
      fx.push({ type: 'send', to: r.request.from, message: { type: 'alterPartitionResponse', requestId: r.request.requestId, partition: r.request.partition, ok: false, state } });
    }
    if (d.records.length === 0) return;
    const commandId = s.nextCommandId--;
    s.inflight = { commandId, sentMs: env.nowMs, records: d.records, accepted: d.accepted, unclean: d.unclean };
    raftStep(s, { type: 'command', commandId, command: { type: 'propose', command: { expectedVersion: img.version, records: d.records } } }, env, fx);
  }

  function onBrokerMessage(s: ControllerState, from: NodeId, m: IsrMessage, env: Env, fx: Fx[]): void {
    switch (m.type) {
      case 'brokerHeartbeat': {
        if (s.activeSinceMs === null) {
          fx.push({ type: 'send', to: from, message: { type: 'notController', hint: s.raft.leaderId === env.self ? null : s.raft.leaderId } });
          return;
        }
        const k = s.heard.findIndex((h) => h.id === from);
        const before = s.heard[k];
        if (before !== undefined && before.incarnation > m.incarnation) return; // a delayed heartbeat of an earlier incarnation
        const entry: HeardBroker = { id: from, incarnation: m.incarnation, lastHeartbeatMs: env.nowMs, leaving: m.leaving };
        if (before === undefined) {
          s.heard.push(entry);
          s.heard.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        } else {
          s.heard[k] = entry;
        }
        // New broker, new incarnation, leaving, or back from a silence: worth a decision now.
        const img = image(s);
        const reg = img.brokers.find((b) => b.id === from);
        if (before === undefined || before.incarnation !== m.incarnation || before.leaving !== m.leaving || reg === undefined || reg.fenced) s.dirty = true;
        fx.push({ type: 'send', to: from, message: { type: 'heartbeatResponse', image: m.knownVersion < img.version ? img : null } });
        return;
      }
      case 'alterPartition': {
        if (s.activeSinceMs === null) {
          fx.push({ type: 'send', to: from, message: { type: 'notController', hint: s.raft.leaderId === env.self ? null : s.raft.leaderId } });
          return;
        }
        if (s.alters.some((a) => a.from === from && a.requestId === m.requestId)) return;
        if (s.inflight?.accepted.some((a) => a.from === from && a.requestId === m.requestId)) return;
        if (s.alters.length >= MAX_QUEUED_ALTERS) return;
        s.dirty = true;
        s.alters.push({ from, requestId: m.requestId, partition: m.partition, leaderEpoch: m.leaderEpoch, partitionEpoch: m.partitionEpoch, isr: m.isr });
        return;
      }
      case 'heartbeatResponse':
      case 'notController':
      case 'metadataPush':
      case 'alterPartitionResponse':
      case 'offsetsForLeaderEpoch':
      case 'fetch':
      case 'offsetsForLeaderEpochResponse':
      case 'fetchResponse':
      case 'produce':
      case 'consumerFetch':
      case 'produceResponse':
      case 'consumerFetchResponse':
        return; // not for a controller
      default:
        assertNever(m, 'controller message');
    }
  }

  return {
    name: 'isr-controller',
    init: (self, env) => fresh(raft.init(self, env)),
    step(state: ControllerState, input: Input<ControllerMessage, ControllerCommand>, env: Env): StepResult<ControllerState, ControllerMessage, ControllerReply, ControllerObs> {
      const fx: Fx[] = [];
      let s = state;
      switch (input.type) {
        case 'start':
          s = fresh(raft.init(env.self, env));
          raftStep(s, input, env, fx);
          fx.push({ type: 'setTimer', timer: CONTROLLER_TIMER, afterMs: opts.controllerTickMs });
          break;
        case 'timer':
          if (input.timer === CONTROLLER_TIMER) {
            s.dirty = true; // sessions expire with time alone
            fx.push({ type: 'setTimer', timer: CONTROLLER_TIMER, afterMs: opts.controllerTickMs });
          } else {
            raftStep(s, input, env, fx);
          }
          break;
        case 'message':
          if (isRaftMessage(input.message)) raftStep(s, { type: 'message', from: input.from, message: input.message }, env, fx);
          else onBrokerMessage(s, input.from, input.message, env, fx);
          break;
        case 'command':
          raftStep(s, input, env, fx);
          break;
        default:
          assertNever(input, 'input');
      }
      syncActive(s, env);
      if (s.activeSinceMs !== null) {
        push(s, fx);
        maybePropose(s, env, fx);
        push(s, fx);
      }
      return { state: s, effects: fx };
    },
  };
}
