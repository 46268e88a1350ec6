/**
 * The metadata controller: a Raft group (core/raft, unchanged) replicating the metadata state
 * machine of metadata.ts, with the controller's own logic around it. Brokers act only on
 * committed metadata: what a controller sends them is its applied state machine, and only the
 * active controller (the Raft leader, once it has applied everything before its term) decides.
 *
 * The controller's step wraps Raft's and a SWIM member's (membership.ts): Raft messages and timers
 * go to Raft, SWIM's byte datagrams and `swim/` timers to SWIM; broker registrations and
 * AlterPartition requests are the controller's. The active controller turns what it has heard
 * into metadata records (decide.ts) and proposes them through Raft as an operator `propose`
 * command under a negative command id, so its replies are told apart from the kernel's and taken
 * out of the effects here. One proposal is in flight at a time, and each applies only on the
 * metadata version it was decided on.
 *
 * Broker liveness is SWIM's: every controller is a member of the brokers' SWIM group, and the
 * active controller fences a broker its member declares dead or left and unfences one it sees
 * alive again, committed as fence/unfence records (decide.ts). Every controller's member keeps
 * running whether or not it is active, so a newly active controller already has a view. Why the
 * controllers are members rather than hearing the brokers' reports: see core/isr/README.md.
 */
import { assertNever, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { createRaftProtocol, type RaftProtocol, type RaftTimer } from '../raft/node.ts';
import type { RaftCommand, RaftMessage, RaftObservation, RaftReply, RaftState } from '../raft/types.ts';
import type { Assign } from './assignment.ts';
import { resolveIsrOptions } from './config.ts';
import type { SwimObservation, SwimState } from '../swim/node.ts';
import { decide, type AlterRequest, type BrokerMember, type HeardBroker } from './decide.ts';
import { createSwimMember, isSwimTimer, memberStatus, stepSwim, type MemberEventObservation } from './membership.ts';
import { controllerLanes, describeIsrWire } from './lanes.ts';
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
  /** The controller's SWIM member: its view of the brokers is what fences and unfences them. */
  swim: SwimState;
  /** When the SWIM member's current life began (at this controller's start). */
  membershipSinceMs: number;
  /** Registrations heard since this controller became active, sorted by id; a broker's is forgotten when SWIM declares it dead or left. */
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

export type ControllerMessage = IsrMessage | MetaRaftMessage | Uint8Array;
export type ControllerCommand = RaftCommand<MetadataCommand>;
export type ControllerReply = RaftReply<MetadataResult>;
export type ControllerObs = ControllerObservation | RaftObservation | SwimObservation;
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

function isRaftMessage(m: IsrMessage | MetaRaftMessage): m is MetaRaftMessage {
  return RAFT_MESSAGE_TYPES.has(m.type);
}

export function createControllerProtocol(config: IsrConfig, assign: Assign): ControllerProtocol {
  const opts: IsrOptions = resolveIsrOptions(config);
  const raft: RaftProtocol<MetadataImage, MetadataCommand, MetadataQuery, MetadataResult> = createRaftProtocol(metadataStateMachine, {
    voters: opts.controllers,
  });
  const member = createSwimMember(opts);
  const universe = member.config.universe;

  const fresh = (r: MetaRaftState, sw: SwimState, nowMs: number): ControllerState => ({
    raft: r,
    swim: sw,
    membershipSinceMs: nowMs,
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
    // A timer that is neither the controller's nor SWIM's is Raft's.
    const r = raft.step(s.raft, input as Input<MetaRaftMessage, ControllerCommand, RaftTimer>, env);
    s.raft = r.state;
    for (const e of r.effects) {
      if (e.type === 'reply' && e.commandId < 0) onProposalReply(s, e.commandId, e.reply, env, fx);
      else fx.push(e);
    }
  }

  /** SWIM's step; its membership news about brokers is looked at now. */
  function swimStep(s: ControllerState, input: Input<Uint8Array, never>, env: Env, fx: Fx[]): void {
    const r = stepSwim(member.protocol, s.swim, input, env, fx);
    s.swim = r.state;
    for (const e of r.events) onMemberEvent(s, e);
  }

  function onMemberEvent(s: ControllerState, e: MemberEventObservation): void {
    if (!opts.brokers.includes(e.subject) || e.event === 'suspect') return; // a suspicion changes nothing yet
    // Dead or gone: its registration is forgotten, so only one it sends after coming back unfences it.
    if (e.event === 'dead' || e.event === 'left') s.heard = s.heard.filter((h) => h.id !== e.subject);
    s.dirty = true;
  }

  /** The brokers as the SWIM member sees them (those it never heard of left out), sorted by id. */
  function members(s: ControllerState): BrokerMember[] {
    const out: BrokerMember[] = [];
    for (const id of opts.brokers) {
      const status = memberStatus(s.swim, universe, id);
      if (status !== null) out.push({ id, status });
    }
    return out;
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
      {
        image: img,
        heard: s.heard,
        members: members(s),
        alters: s.alters,
        nowMs: env.nowMs,
        activeSinceMs: s.activeSinceMs,
        membershipSinceMs: s.membershipSinceMs,
        preferredLeaderCheck,
      },
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
      case 'brokerRegistration': {
        if (s.activeSinceMs === null) {
          fx.push({ type: 'send', to: from, message: { type: 'notController', hint: s.raft.leaderId === env.self ? null : s.raft.leaderId } });
          return;
        }
        const k = s.heard.findIndex((h) => h.id === from);
        const before = s.heard[k];
        if (before !== undefined && before.incarnation > m.incarnation) return; // a delayed registration of an earlier incarnation
        const entry: HeardBroker = { id: from, incarnation: m.incarnation, leaving: m.leaving };
        if (before === undefined) {
          s.heard.push(entry);
          s.heard.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        } else {
          s.heard[k] = entry;
        }
        // New broker, new incarnation, leaving, or fenced: worth a decision now.
        const img = image(s);
        const reg = img.brokers.find((b) => b.id === from);
        if (before === undefined || before.incarnation !== m.incarnation || before.leaving !== m.leaving || reg === undefined || reg.fenced) s.dirty = true;
        fx.push({ type: 'send', to: from, message: { type: 'registrationResponse', image: m.knownVersion < img.version ? img : null } });
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
      case 'registrationResponse':
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
    init: (self, env) => fresh(raft.init(self, env), member.protocol.init(self, env), env.nowMs),
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => controllerLanes(member.protocol, state),
    describeMessage: (message) => describeIsrWire(member.protocol, message),
    step(state: ControllerState, input: Input<ControllerMessage, ControllerCommand>, env: Env): StepResult<ControllerState, ControllerMessage, ControllerReply, ControllerObs> {
      const fx: Fx[] = [];
      let s = state;
      switch (input.type) {
        case 'start':
          s = fresh(raft.init(env.self, env), member.protocol.init(env.self, env), env.nowMs);
          raftStep(s, input, env, fx);
          swimStep(s, input, env, fx);
          fx.push({ type: 'setTimer', timer: CONTROLLER_TIMER, afterMs: opts.controllerTickMs });
          break;
        case 'timer':
          if (input.timer === CONTROLLER_TIMER) {
            s.dirty = true; // the unknown-member fallback and preferred leaders move with time alone
            fx.push({ type: 'setTimer', timer: CONTROLLER_TIMER, afterMs: opts.controllerTickMs });
          } else if (isSwimTimer(input.timer)) {
            swimStep(s, input, env, fx);
          } else {
            raftStep(s, input, env, fx);
          }
          break;
        case 'message': {
          const m = input.message;
          if (m instanceof Uint8Array) swimStep(s, { type: 'message', from: input.from, message: m }, env, fx);
          else if (isRaftMessage(m)) raftStep(s, { type: 'message', from: input.from, message: m }, env, fx);
          else onBrokerMessage(s, input.from, m, env, fx);
          break;
        }
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
