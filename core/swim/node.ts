/**
 * SWIM failure detection and membership (Das, Gupta, Motivala 2002) with Lifeguard (Dadgar et al.
 * 2018), as a pure step function. Everything follows hashicorp/memberlist unless said otherwise.
 *
 * Protocol period (`tick`): finish the last probe (no ack by now: the target is suspected), then
 * probe the next member of a list reshuffled every round (randomized round robin): a direct ping,
 * and after the probe timeout ping-reqs through k random members, which ping the target and relay
 * its ack, or send a nack when they got none (Lifeguard). Suspicion: a suspected member is declared
 * dead when its suspicion timer runs out; the timer starts at max and shrinks towards min as
 * independent confirmations arrive (Lifeguard's dynamic suspicion). A member that hears it is
 * suspected or dead refutes it with a higher incarnation. Membership news is piggybacked on pings,
 * acks and ping-reqs, each update λ·⌈log10(n+1)⌉ times (memberlist's retransmit limit).
 * Lifeguard's local health multiplier (awareness) scales the period and the probe timeout: +1 for a
 * failed probe without the expected nacks (or for being accused), -1 for a successful probe.
 *
 * Joining: a node that knows no other live member sends a join (an unbound sync) to the seeds,
 * which answer with their membership. Anti-entropy: every `pushPullPeriods` a full-membership sync
 * with a random member (memberlist's push-pull; a remote "dead" is merged as a suspicion). Members
 * believed dead are pinged now and then (`reconnectPeriods`, as serf's reconnect) with the claim
 * attached, so a live one refutes and a healed partition merges back. Leaving: the member gossips
 * `left` for `leavePeriods` periods, then goes silent.
 *
 * Wire and authentication: nodes exchange `Uint8Array`s, the encoded message (wire.ts) followed by
 * its HMAC-SHA256 under the cluster key (auth.ts). Every message is bound to the receiver's current
 * life: `toIncarnation` must lie in [epoch, incarnation], where `epoch` is the incarnation this life
 * began with. Since a restarted node starts above every incarnation it ever had (it persists its
 * incarnation before announcing it), a message sent to an earlier life is refused: it can't be a
 * replay into a fresh, forgetful state. Within a life, pings, ping-reqs, acks and nacks carry the
 * sender's (epoch, seq) nonce and pass a 32-wide sliding window per sender, so a replay (or a network
 * duplicate) is refused without touching state. Syncs carry no nonce: merging membership is
 * idempotent (an update applies only if it is newer in the (incarnation, status) order, so a second
 * copy changes nothing), and a sync's reply is stateless. Joins are unbound (the joiner knows no
 * incarnation), so the receiver only answers them and learns nothing from them. A refused message
 * leaves the state exactly as it was; the refusal is reported as an observation.
 *
 * Restart: a node persists its incarnation (one record, overwritten) before it announces one, and a
 * restarted node starts at the persisted incarnation + 1 and rejoins through the seeds: its alive
 * message overrides whatever the group thought of its previous life (suspect or dead).
 */
import { assertNever, type DurableState, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import type { KeyObject } from 'node:crypto';
import { clusterKey, seal, unseal } from './auth.ts';
import { decode, describeDecodeError, encode, UNBOUND, type Body, type Update, type WireMessage } from './wire.ts';
import {
  applyAwareness,
  confirmationsWanted,
  pushPullScale,
  remainingSuspicionTimeMs,
  retransmitLimit,
  scaleByAwareness,
  suspicionTimeoutMaxMs,
  suspicionTimeoutMinMs,
} from './lifeguard.ts';

export type SwimBug = 'no-suspicion' | 'refute-without-bump' | 'lower-incarnation-alive' | 'early-dissemination-stop' | 'no-ping-req' | 'no-mac-check';

export const swimBugs: readonly { readonly name: SwimBug; readonly description: string }[] = [
  { name: 'no-suspicion', description: 'a failed probe declares the target dead at once: message loss kills live members' },
  { name: 'refute-without-bump', description: 'a suspected member gossips alive without raising its incarnation: the refutation never wins' },
  { name: 'lower-incarnation-alive', description: 'an alive message overrides a suspicion whatever its incarnation: stale news clears suspicions' },
  { name: 'early-dissemination-stop', description: 'every update is piggybacked once (retransmit limit 1): news dies out before it reaches everyone' },
  { name: 'no-ping-req', description: 'indirect probing disabled: one lost ping or ack makes a live member suspect' },
  { name: 'no-mac-check', description: 'accepts messages without checking their HMAC: a tampered nonce gets through' },
];

export interface SwimConfig {
  /** Every node id that may ever take part (the address book); sorted. */
  readonly universe: readonly NodeId[];
  /** Whom a node that knows nobody asks to join. */
  readonly seeds: readonly NodeId[];
  /** A bootstrapped cluster: these start (on a fresh disk) as members that know each other. Others start idle until a `join` command. */
  readonly initialMembers: readonly NodeId[];
  /** The shared secret of the cluster's HMAC key. */
  readonly clusterKey: string;
  readonly protocolPeriodMs: number;
  readonly probeTimeoutMs: number;
  /** k: ping-reqs sent when a direct probe times out. */
  readonly indirectChecks: number;
  /** λ: each update is piggybacked retransmitMult · ⌈log10(n+1)⌉ times. */
  readonly retransmitMult: number;
  /** Minimum suspicion timeout = suspicionMult · max(1, log10(n)) · period. */
  readonly suspicionMult: number;
  /** Lifeguard: the suspicion timeout starts at this many times the minimum. */
  readonly suspicionMaxTimeoutMult: number;
  /** Lifeguard: the local health score stays in [0, awarenessMax - 1]. */
  readonly awarenessMax: number;
  /** Lifeguard on: local health multiplier, dynamic suspicion timeouts, nacks. Off: the SWIM paper (fixed suspicion timeout = the minimum). */
  readonly lifeguard: boolean;
  /** The suspicion mechanism (SWIM §4.2); off: a failed probe declares death at once (SWIM's basic version). */
  readonly suspicion: boolean;
  /** Updates piggybacked on one message at most. */
  readonly maxPiggyback: number;
  /** Anti-entropy period in protocol periods (scaled with log2(n) beyond 32 members); 0: off. */
  readonly pushPullPeriods: number;
  /** Ping some members believed dead every this many periods; 0: off. */
  readonly reconnectPeriods: number;
  /** How many dead members each reconnect round pings (round robin). */
  readonly reconnectFanout: number;
  /** A leaving member keeps gossiping its departure for this many periods, then goes silent. */
  readonly leavePeriods: number;
  /** Ping-reqs relayed at once, at most; more are refused. */
  readonly maxRelays: number;
  /** Start the first protocol period after a random fraction of a period (so members don't tick in step); off aligns them, as the SWIM paper's analysis assumes. */
  readonly staggerStart: boolean;
  readonly bug: SwimBug | null;
}

/** Defaults: rivven's 1000 ms period; memberlist's LAN profile otherwise, but suspicionMult 5 so that a small group's minimum suspicion timeout is rivven's suspect_timeout of 5000 ms. */
export const swimDefaults: Omit<SwimConfig, 'universe' | 'seeds' | 'initialMembers'> = {
  clusterKey: 'cluster-secret',
  protocolPeriodMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  retransmitMult: 4,
  suspicionMult: 5,
  suspicionMaxTimeoutMult: 6,
  awarenessMax: 8,
  lifeguard: true,
  suspicion: true,
  maxPiggyback: 8,
  pushPullPeriods: 30,
  reconnectPeriods: 5,
  reconnectFanout: 3,
  leavePeriods: 3,
  maxRelays: 64,
  staggerStart: true,
  bug: null,
};

export function swimConfig(config: Partial<SwimConfig> & Pick<SwimConfig, 'universe'>): SwimConfig {
  const c: SwimConfig = { ...swimDefaults, seeds: config.universe.slice(0, 1), initialMembers: config.universe, ...config };
  const known = new Set(c.universe);
  for (const id of [...c.seeds, ...c.initialMembers]) if (!known.has(id)) throw new RangeError(`swimConfig: ${id} is not in the universe`);
  if (!(c.protocolPeriodMs > 0 && c.probeTimeoutMs > 0 && c.probeTimeoutMs <= c.protocolPeriodMs)) throw new RangeError('swimConfig: need 0 < probeTimeoutMs <= protocolPeriodMs');
  if (!(c.awarenessMax >= 1 && c.maxPiggyback >= 0 && c.indirectChecks >= 0)) throw new RangeError('swimConfig: bad awarenessMax, maxPiggyback or indirectChecks');
  return c;
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export type Phase = 'idle' | 'member' | 'leaving' | 'left';

export const ALIVE = 0;
export const SUSPECT = 1;
export const DEAD = 2;
export const LEFT = 3;
export const UNKNOWN = -1;
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';
const statusNames: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left'];

/** The probe of this protocol period. */
export interface Probe {
  readonly seq: number;
  readonly target: NodeId;
  /** Ping-reqs have gone out (or would have: the probe timeout passed). */
  indirect: boolean;
  /** Lifeguard: nacks we asked the relays for. */
  expectedNacks: number;
  /** Relays that sent a nack (each counts once). */
  nacks: NodeId[];
}

/** A ping-req we are relaying: our ping `seq` to the target answers the requester's probe. */
export interface Relay {
  readonly seq: number;
  readonly requester: NodeId;
  readonly requesterProbe: number;
  readonly requesterIncarnation: number;
  readonly nack: boolean;
}

export interface Suspicion {
  readonly node: NodeId;
  readonly incarnation: number;
  /** Who suspected first (never counts as a confirmation). */
  readonly from: NodeId;
  readonly startMs: number;
  /** Confirmations wanted (Lifeguard's K). */
  readonly wanted: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Independent confirmations so far, at most `wanted`. */
  confirmations: NodeId[];
}

export type Broadcast = Update & { transmits: number };

export interface SwimState {
  phase: Phase;
  incarnation: number;
  /** The incarnation this life began with: messages addressed to a lower one are for an earlier life. */
  epoch: number;
  /** Messages sent in this life that carry a nonce (the last one used). */
  seq: number;
  /** Lifeguard's local health score. */
  awareness: number;
  /** Universe indices of the members we know (not us), in probe order: reshuffled every round. */
  members: number[];
  probeCursor: number;
  /** Per universe index: UNKNOWN, or incarnation · 4 + status (ALIVE, SUSPECT, DEAD, LEFT). Includes us. */
  view: number[];
  /** Members alive or suspect, us included: the n of the formulas. */
  live: number;
  probe: Probe | null;
  relays: Relay[];
  suspicions: Suspicion[];
  /** Updates to piggyback, fewest transmissions first. */
  broadcasts: Broadcast[];
  /** Per sender: [epoch, highest seq, bitmask of the 32 seqs up to it]. */
  windows: Record<NodeId, [number, number, number]>;
  /** Protocol periods in this life. */
  periods: number;
  /** Probes started in this life (for measurements). */
  probes: number;
  reconnectCursor: number;
  leaveCountdown: number;
}

export type SwimCommand = { readonly type: 'join' } | { readonly type: 'leave' };
export type SwimReply = { readonly ok: boolean; readonly phase: Phase; readonly incarnation: number };

export type MemberEvent = 'joined' | 'alive' | 'suspect' | 'dead' | 'left';
export type SelfEvent = 'start' | 'join' | 'refute' | 'leave' | 'left';

export type RejectReason =
  | 'not-bytes' | 'truncated' | 'bad-version' | 'unknown-type' | 'bad-length' | 'bad-utf8' | 'bad-value' | 'trailing-bytes' | 'bad-mac'
  | 'wrong-recipient' | 'wrong-sender' | 'unknown-node' | 'not-a-member' | 'unbound' | 'earlier-life' | 'future-incarnation'
  | 'replay' | 'too-old' | 'old-epoch' | 'relays-full';

export type SwimObservation =
  /** This observer's view of `subject` changed. `localMs` is the observer's clock. */
  | { readonly type: 'member'; readonly event: MemberEvent; readonly subject: NodeId; readonly incarnation: number; readonly from?: NodeId; readonly localMs: number }
  /** Something about the observer itself: a (re)start, a join, a refutation (of `accused`), a leave. */
  | { readonly type: 'self'; readonly event: SelfEvent; readonly incarnation: number; readonly phase: Phase; readonly accused?: number; readonly members?: number; readonly localMs: number }
  /** A probe got no ack in its period (the target is suspected unless it is already suspect or dead). */
  | { readonly type: 'probe-failed'; readonly target: NodeId; readonly nacks: number; readonly expectedNacks: number; readonly awareness: number; readonly localMs: number }
  /** A message refused without any change of state. */
  | { readonly type: 'rejected'; readonly from: NodeId; readonly reason: RejectReason; readonly detail?: string; readonly localMs: number };

type Out = StepResult<SwimState, Uint8Array, SwimReply, SwimObservation>;
type Eff = Effect<Uint8Array, SwimReply, SwimObservation>;

const FILE = 'swim';
const WINDOW = 32;
const NACK_FRACTION = 0.8;

/** The status a view entry holds, or null for unknown. */
export function entryStatus(entry: number | undefined): MemberStatus | null {
  return entry === undefined || entry < 0 ? null : statusNames[entry & 3]!;
}
export function entryIncarnation(entry: number | undefined): number {
  return entry === undefined || entry < 0 ? -1 : Math.floor(entry / 4);
}

/** A readable copy of a node's membership view: id -> status and incarnation. */
export function membershipOf(state: SwimState, universe: readonly NodeId[]): Record<NodeId, { status: MemberStatus; incarnation: number }> {
  const out: Record<NodeId, { status: MemberStatus; incarnation: number }> = {};
  state.view.forEach((e, i) => {
    const status = entryStatus(e);
    if (status !== null) out[universe[i]!] = { status, incarnation: entryIncarnation(e) };
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The protocol
// ---------------------------------------------------------------------------------------------

export function swim(config: SwimConfig): Protocol<SwimState, Uint8Array, SwimCommand, SwimReply, SwimObservation> {
  const universe = config.universe;
  const indexOf = new Map<NodeId, number>(universe.map((id, i) => [id, i]));
  const key: KeyObject = clusterKey(config.clusterKey);
  const bug = config.bug;
  const lifeguard = config.lifeguard;
  const suspicionOn = config.suspicion && bug !== 'no-suspicion';
  const T = config.protocolPeriodMs;

  // --- small helpers ---------------------------------------------------------------------------

  const statusAt = (s: SwimState, i: number): number => {
    const e = s.view[i]!;
    return e < 0 ? UNKNOWN : e & 3;
  };
  const incAt = (s: SwimState, i: number): number => {
    const e = s.view[i]!;
    return e < 0 ? -1 : (e - (e & 3)) / 4;
  };
  const isLive = (e: number) => e >= 0 && (e & 3) <= SUSPECT;
  const setView = (s: SwimState, i: number, incarnation: number, status: number): void => {
    const before = s.view[i]!;
    const after = incarnation * 4 + status;
    s.view[i] = after;
    s.live += (isLive(after) ? 1 : 0) - (isLive(before) ? 1 : 0);
  };
  const scaled = (s: SwimState, ms: number) => (lifeguard ? scaleByAwareness(ms, s.awareness) : ms);
  const adjustAwareness = (s: SwimState, delta: number) => {
    if (lifeguard) s.awareness = applyAwareness(s.awareness, delta, config.awarenessMax);
  };
  const memberEvent = (fx: Eff[], env: Env, event: MemberEvent, subject: NodeId, incarnation: number, from?: NodeId) =>
    fx.push({ type: 'observe', observation: from === undefined ? { type: 'member', event, subject, incarnation, localMs: env.nowMs } : { type: 'member', event, subject, incarnation, from, localMs: env.nowMs } });
  const selfEvent = (fx: Eff[], s: SwimState, env: Env, event: SelfEvent, extra: { accused?: number; members?: number } = {}) =>
    fx.push({ type: 'observe', observation: { type: 'self', event, incarnation: s.incarnation, phase: s.phase, ...extra, localMs: env.nowMs } });
  const reject = (s: SwimState, env: Env, from: NodeId, reason: RejectReason, detail?: string, fx: Eff[] = []): Out => {
    fx.push({ type: 'observe', observation: detail === undefined ? { type: 'rejected', from, reason, localMs: env.nowMs } : { type: 'rejected', from, reason, detail, localMs: env.nowMs } });
    return { state: s, effects: fx };
  };
  const persist = (s: SwimState): Eff => ({ type: 'persist', write: { op: 'overwrite', file: FILE, records: [`${s.incarnation} ${s.phase === 'member' ? 'member' : 'left'}`] } });

  // --- dissemination ---------------------------------------------------------------------------

  /** Queue an update for piggybacking; it replaces any older news about the same node. */
  const enqueue = (s: SwimState, u: Update): void => {
    const q = s.broadcasts;
    for (let k = 0; k < q.length; k++) {
      if (q[k]!.node === u.node) {
        q.splice(k, 1);
        break;
      }
    }
    q.unshift({ ...u, transmits: 0 });
  };

  /** The updates to piggyback on one message: fewest transmissions first; spent ones leave the queue. */
  const piggyback = (s: SwimState): Update[] => {
    const q = s.broadcasts;
    const out: Update[] = [];
    if (q.length === 0 || config.maxPiggyback === 0) return out;
    const limit = bug === 'early-dissemination-stop' ? 1 : Math.max(1, retransmitLimit(config.retransmitMult, s.live));
    const take = Math.min(config.maxPiggyback, q.length);
    const taken = q.splice(0, take);
    for (const b of taken) {
      const { transmits, ...u } = b;
      out.push(u as Update);
      b.transmits = transmits + 1;
      if (b.transmits >= limit) continue;
      // Keep the queue ordered by transmissions: insert after every entry with as many or fewer.
      let at = q.length;
      while (at > 0 && q[at - 1]!.transmits > b.transmits) at--;
      q.splice(at, 0, b);
    }
    return out;
  };

  // --- sending ---------------------------------------------------------------------------------

  const send = (s: SwimState, env: Env, fx: Eff[], to: NodeId, toIncarnation: number, seq: number, body: Body): void => {
    const message = { from: env.self, to, fromEpoch: s.epoch, fromIncarnation: s.incarnation, toIncarnation, seq, ...body } as WireMessage;
    fx.push({ type: 'send', to, message: seal(key, encode(message)) });
  };
  const toIncarnationOf = (s: SwimState, id: NodeId): number => {
    const i = indexOf.get(id);
    return i === undefined ? UNBOUND : Math.max(0, incAt(s, i));
  };
  const fullMembership = (s: SwimState, env: Env): Update[] => {
    const self: Update = s.phase === 'member' ? { kind: 'alive', node: env.self, incarnation: s.incarnation } : { kind: 'left', node: env.self, incarnation: s.incarnation };
    const out: Update[] = [self];
    for (const i of s.members) {
      const node = universe[i]!;
      const incarnation = incAt(s, i);
      switch (statusAt(s, i)) {
        case ALIVE: out.push({ kind: 'alive', node, incarnation }); break;
        case SUSPECT: out.push({ kind: 'suspect', node, incarnation, from: env.self }); break;
        case DEAD: out.push({ kind: 'dead', node, incarnation, from: env.self }); break;
        case LEFT: out.push({ kind: 'left', node, incarnation }); break;
      }
    }
    return out;
  };
  const sendJoins = (s: SwimState, env: Env, fx: Eff[]): void => {
    for (const seed of config.seeds) {
      if (seed !== env.self) send(s, env, fx, seed, UNBOUND, 0, { type: 'sync', reply: true, updates: [{ kind: 'alive', node: env.self, incarnation: s.incarnation }] });
    }
  };

  // --- membership changes ----------------------------------------------------------------------

  const addMember = (s: SwimState, env: Env, i: number): void => {
    // memberlist: append, then swap into a random position so new members don't all probe last.
    const m = s.members;
    m.push(i);
    const at = env.rng.int(m.length);
    m[m.length - 1] = m[at]!;
    m[at] = i;
  };

  const findSuspicion = (s: SwimState, node: NodeId): number => s.suspicions.findIndex((x) => x.node === node);
  const clearSuspicion = (s: SwimState, fx: Eff[], node: NodeId): void => {
    const k = findSuspicion(s, node);
    if (k < 0) return;
    s.suspicions.splice(k, 1);
    fx.push({ type: 'cancelTimer', timer: `suspect/${node}` });
  };

  const startSuspicion = (s: SwimState, env: Env, fx: Eff[], node: NodeId, incarnation: number, from: NodeId): void => {
    clearSuspicion(s, fx, node);
    const minMs = suspicionTimeoutMinMs(config.suspicionMult, s.live, T);
    const maxMs = lifeguard ? suspicionTimeoutMaxMs(config.suspicionMaxTimeoutMult, minMs) : minMs;
    const wanted = lifeguard ? confirmationsWanted(config.suspicionMult, s.live) : 0;
    s.suspicions.push({ node, incarnation, from, startMs: env.nowMs, wanted, minMs, maxMs, confirmations: [] });
    const afterMs = remainingSuspicionTimeMs({ confirmations: 0, wanted, elapsedMs: 0, minMs, maxMs });
    fx.push({ type: 'setTimer', timer: `suspect/${node}`, afterMs: Math.max(0, afterMs) });
  };

  /** An independent confirmation of a suspicion; true when it counted (and the timer shrank). */
  const confirm = (s: SwimState, env: Env, fx: Eff[], node: NodeId, from: NodeId): boolean => {
    const k = findSuspicion(s, node);
    if (k < 0) return false;
    const sus = s.suspicions[k]!;
    if (sus.confirmations.length >= sus.wanted || from === sus.from || sus.confirmations.includes(from)) return false;
    sus.confirmations.push(from);
    const left = remainingSuspicionTimeMs({ confirmations: sus.confirmations.length, wanted: sus.wanted, elapsedMs: env.nowMs - sus.startMs, minMs: sus.minMs, maxMs: sus.maxMs });
    fx.push({ type: 'setTimer', timer: `suspect/${node}`, afterMs: Math.max(0, left) });
    return true;
  };

  /** We are accused (suspect, dead or left at `accused` >= our incarnation): raise the incarnation and say so. Persist first. */
  const refute = (s: SwimState, env: Env, fx: Eff[], accused: number): void => {
    if (bug !== 'refute-without-bump') s.incarnation = Math.max(s.incarnation, accused) + 1;
    setView(s, indexOf.get(env.self)!, s.incarnation, ALIVE);
    fx.push(persist(s));
    enqueue(s, { kind: 'alive', node: env.self, incarnation: s.incarnation });
    adjustAwareness(s, 1); // memberlist: being accused is a sign of poor local health
    selfEvent(fx, s, env, 'refute', { accused });
  };

  const applyAlive = (s: SwimState, env: Env, fx: Eff[], node: NodeId, incarnation: number): void => {
    const i = indexOf.get(node);
    if (i === undefined || node === env.self) return;
    const e = s.view[i]!;
    if (e < 0) {
      setView(s, i, incarnation, ALIVE);
      addMember(s, env, i);
      enqueue(s, { kind: 'alive', node, incarnation });
      memberEvent(fx, env, 'joined', node, incarnation);
      return;
    }
    const current = incAt(s, i);
    const status = e & 3;
    // The bug: any alive news clears a suspicion, even news older than the suspicion.
    const newer = incarnation > current || (bug === 'lower-incarnation-alive' && status === SUSPECT);
    if (!newer) return;
    setView(s, i, incarnation, ALIVE);
    clearSuspicion(s, fx, node);
    enqueue(s, { kind: 'alive', node, incarnation });
    memberEvent(fx, env, 'alive', node, incarnation);
  };

  /**
   * The merge rules below take the newer of two views of a member in (incarnation, status) order,
   * alive < suspect < dead < left at one incarnation, and nothing else: applying the same news twice,
   * or old news after newer, changes nothing. (memberlist ignores news of members it doesn't know
   * and suspicions of dead ones; that makes the outcome depend on the order news arrives in, so a
   * replayed sync could change state. Here such news is recorded.) Alive news needs a strictly
   * higher incarnation: only the member itself raises it.
   */
  const applySuspect = (s: SwimState, env: Env, fx: Eff[], node: NodeId, incarnation: number, from: NodeId): void => {
    const i = indexOf.get(node);
    if (i === undefined) return;
    if (node === env.self) {
      if (s.phase === 'member' && incarnation >= s.incarnation) refute(s, env, fx, incarnation);
      return;
    }
    const e = s.view[i]!;
    if (e >= 0) {
      const current = incAt(s, i);
      const status = e & 3;
      if (incarnation < current) return;
      if (incarnation === current && status !== ALIVE) {
        if (status === SUSPECT && confirm(s, env, fx, node, from)) enqueue(s, { kind: 'suspect', node, incarnation, from });
        return;
      }
    }
    if (!suspicionOn) return applyDead(s, env, fx, node, incarnation, from, false);
    setView(s, i, incarnation, SUSPECT);
    if (e < 0) addMember(s, env, i);
    startSuspicion(s, env, fx, node, incarnation, from);
    enqueue(s, { kind: 'suspect', node, incarnation, from });
    memberEvent(fx, env, 'suspect', node, incarnation, from);
  };

  const applyDead = (s: SwimState, env: Env, fx: Eff[], node: NodeId, incarnation: number, from: NodeId, left: boolean): void => {
    const i = indexOf.get(node);
    if (i === undefined) return;
    if (node === env.self) {
      if (s.phase === 'member' && incarnation >= s.incarnation) refute(s, env, fx, incarnation);
      return;
    }
    const e = s.view[i]!;
    const status = left ? LEFT : DEAD;
    if (e >= 0) {
      const current = incAt(s, i);
      if (incarnation < current || (incarnation === current && (e & 3) >= status)) return;
    }
    setView(s, i, incarnation, status);
    if (e < 0) addMember(s, env, i);
    clearSuspicion(s, fx, node);
    enqueue(s, left ? { kind: 'left', node, incarnation } : { kind: 'dead', node, incarnation, from });
    memberEvent(fx, env, left ? 'left' : 'dead', node, incarnation, left ? undefined : from);
  };

  /** Gossip from a protocol message, or (`sync` set) one entry of a sync from `sync`: a remote "dead" there is only a suspicion. */
  const applyUpdate = (s: SwimState, env: Env, fx: Eff[], u: Update, sync: NodeId | null): void => {
    switch (u.kind) {
      case 'alive':
        return applyAlive(s, env, fx, u.node, u.incarnation);
      case 'suspect':
        return applySuspect(s, env, fx, u.node, u.incarnation, sync ?? u.from);
      case 'dead':
        if (sync !== null && u.node !== env.self) return applySuspect(s, env, fx, u.node, u.incarnation, sync);
        return applyDead(s, env, fx, u.node, u.incarnation, u.from, false);
      case 'left':
        return applyDead(s, env, fx, u.node, u.incarnation, u.node, true);
      default:
        return assertNever(u, 'update');
    }
  };

  // --- probing ---------------------------------------------------------------------------------

  const shuffle = (a: number[], env: Env): void => {
    for (let k = a.length - 1; k > 0; k--) {
      const j = env.rng.int(k + 1);
      const t = a[k]!;
      a[k] = a[j]!;
      a[j] = t;
    }
  };

  /** The next member to probe in randomized round robin (alive or suspect), or -1. */
  const nextTarget = (s: SwimState, env: Env): number => {
    const m = s.members;
    for (let tries = 0; tries <= m.length; tries++) {
      if (s.probeCursor >= m.length) {
        shuffle(m, env);
        s.probeCursor = 0;
        if (m.length === 0) return -1;
      }
      const i = m[s.probeCursor++]!;
      const st = statusAt(s, i);
      if (st === ALIVE || st === SUSPECT) return i;
    }
    return -1;
  };

  /** Up to k distinct random alive members other than `exclude` (memberlist's kRandomNodes: 3n tries). */
  const randomAlive = (s: SwimState, env: Env, k: number, exclude: number): number[] => {
    const m = s.members;
    const out: number[] = [];
    for (let tries = 0; tries < 3 * m.length && out.length < k; tries++) {
      const i = m[env.rng.int(m.length)]!;
      if (i === exclude || statusAt(s, i) !== ALIVE || out.includes(i)) continue;
      out.push(i);
    }
    return out;
  };

  /** The probe of the period that just ended got no ack: Lifeguard's health update, then suspicion. */
  const finishProbe = (s: SwimState, env: Env, fx: Eff[]): void => {
    const p = s.probe;
    if (p === null) return;
    s.probe = null;
    adjustAwareness(s, p.expectedNacks > 0 ? p.expectedNacks - p.nacks.length : 1);
    fx.push({ type: 'observe', observation: { type: 'probe-failed', target: p.target, nacks: p.nacks.length, expectedNacks: p.expectedNacks, awareness: s.awareness, localMs: env.nowMs } });
    const i = indexOf.get(p.target)!;
    const st = statusAt(s, i);
    if (st !== ALIVE && st !== SUSPECT) return;
    if (!suspicionOn) applyDead(s, env, fx, p.target, incAt(s, i), env.self, false);
    else applySuspect(s, env, fx, p.target, incAt(s, i), env.self);
  };

  const startProbe = (s: SwimState, env: Env, fx: Eff[]): void => {
    const i = nextTarget(s, env);
    if (i < 0) return;
    const target = universe[i]!;
    const seq = ++s.seq;
    s.probes++;
    s.probe = { seq, target, indirect: false, expectedNacks: 0, nacks: [] };
    const updates = piggyback(s);
    // memberlist: a suspect (or dead) target gets the accusation with the ping, to refute at once.
    if (statusAt(s, i) !== ALIVE) updates.push({ kind: 'suspect', node: target, incarnation: incAt(s, i), from: env.self });
    send(s, env, fx, target, incAt(s, i), seq, { type: 'ping', probe: seq, updates });
    fx.push({ type: 'setTimer', timer: 'probe-timeout', afterMs: scaled(s, config.probeTimeoutMs) });
  };

  const probeTimeout = (s: SwimState, env: Env, fx: Eff[]): void => {
    const p = s.probe;
    if (p === null || p.indirect) return;
    p.indirect = true;
    if (bug === 'no-ping-req' || config.indirectChecks === 0) return;
    const ti = indexOf.get(p.target)!;
    const relays = randomAlive(s, env, config.indirectChecks, ti);
    for (const r of relays) {
      const seq = ++s.seq;
      send(s, env, fx, universe[r]!, incAt(s, r), seq, { type: 'ping-req', probe: p.seq, nack: lifeguard, target: p.target, targetIncarnation: Math.max(0, incAt(s, ti)), updates: piggyback(s) });
    }
    if (lifeguard) p.expectedNacks = relays.length;
  };

  /** Ping some members we believe dead, with the claim attached: a live one refutes, and its ack revives it here. */
  const reconnect = (s: SwimState, env: Env, fx: Eff[]): void => {
    const m = s.members;
    let sent = 0;
    for (let tries = 0; tries < m.length && sent < config.reconnectFanout; tries++) {
      if (s.reconnectCursor >= m.length) s.reconnectCursor = 0;
      const i = m[s.reconnectCursor++]!;
      if (statusAt(s, i) !== DEAD) continue;
      const node = universe[i]!;
      const seq = ++s.seq;
      send(s, env, fx, node, incAt(s, i), seq, { type: 'ping', probe: seq, updates: [{ kind: 'dead', node, incarnation: incAt(s, i), from: env.self }] });
      sent++;
    }
  };

  const pushPull = (s: SwimState, env: Env, fx: Eff[]): void => {
    const [peer] = randomAlive(s, env, 1, -1);
    if (peer === undefined) return;
    send(s, env, fx, universe[peer]!, incAt(s, peer), 0, { type: 'sync', reply: true, updates: fullMembership(s, env) });
  };

  const armTick = (s: SwimState, fx: Eff[], afterMs: number) => fx.push({ type: 'setTimer', timer: 'tick', afterMs });
  const firstTickMs = (env: Env) => (config.staggerStart ? env.rng.int(T) : T);

  const tick = (s: SwimState, env: Env): Out => {
    const fx: Eff[] = [];
    if (s.phase !== 'member' && s.phase !== 'leaving') return { state: s, effects: fx };
    s.periods++;
    if (s.phase === 'leaving' && --s.leaveCountdown <= 0) {
      becomeLeft(s, env, fx);
      return { state: s, effects: fx };
    }
    finishProbe(s, env, fx);
    if (s.live <= 1) {
      sendJoins(s, env, fx);
    } else {
      if (config.pushPullPeriods > 0 && s.periods % pushPullScale(config.pushPullPeriods, s.live) === 0) pushPull(s, env, fx);
      if (config.reconnectPeriods > 0 && s.periods % config.reconnectPeriods === 0) reconnect(s, env, fx);
    }
    startProbe(s, env, fx);
    armTick(s, fx, scaled(s, T));
    return { state: s, effects: fx };
  };

  // --- lives: start, join, leave ---------------------------------------------------------------

  /** A fresh membership view that knows only us (and, for a bootstrapped first life, the initial members). */
  const resetMembership = (s: SwimState, env: Env, initial: readonly NodeId[]): void => {
    s.view = new Array<number>(universe.length).fill(UNKNOWN);
    s.members = [];
    s.live = 0;
    setView(s, indexOf.get(env.self)!, s.incarnation, ALIVE);
    for (const id of initial) {
      if (id === env.self) continue;
      const i = indexOf.get(id)!;
      setView(s, i, s.incarnation, ALIVE);
      s.members.push(i);
    }
    shuffle(s.members, env);
    s.probeCursor = 0;
    s.probe = null;
    s.relays = [];
    s.suspicions = [];
    s.broadcasts = [];
    s.periods = 0;
    s.probes = 0;
    s.reconnectCursor = 0;
  };

  const becomeLeft = (s: SwimState, env: Env, fx: Eff[]): void => {
    s.phase = 'left';
    s.probe = null;
    for (const sus of s.suspicions) fx.push({ type: 'cancelTimer', timer: `suspect/${sus.node}` });
    for (const r of s.relays) fx.push({ type: 'cancelTimer', timer: `relay/${r.seq}` });
    s.suspicions = [];
    s.relays = [];
    s.broadcasts = [];
    fx.push({ type: 'cancelTimer', timer: 'probe-timeout' });
    selfEvent(fx, s, env, 'left');
  };

  const start = (s: SwimState, durable: DurableState, env: Env): Out => {
    const fx: Eff[] = [];
    const records = durable[FILE] ?? [];
    const last = records[records.length - 1];
    if (last === undefined) {
      // A fresh disk: a bootstrapped member, or a node waiting for its `join` command.
      if (!config.initialMembers.includes(env.self)) {
        s.phase = 'idle';
        selfEvent(fx, s, env, 'start');
        return { state: s, effects: fx };
      }
      s.phase = 'member';
      s.incarnation = 1;
      s.epoch = 1;
      resetMembership(s, env, config.initialMembers);
      fx.push(persist(s));
      selfEvent(fx, s, env, 'start', { members: s.live });
      armTick(s, fx, firstTickMs(env));
      return { state: s, effects: fx };
    }
    const m = /^(\d+) (member|left)$/.exec(last);
    if (!m) throw new Error(`swim: unreadable incarnation record ${JSON.stringify(last)}`);
    // A new life starts above every incarnation the last one may have announced.
    s.incarnation = Number(m[1]) + 1;
    s.epoch = s.incarnation;
    s.phase = m[2] === 'member' ? 'member' : 'left';
    resetMembership(s, env, []);
    if (s.phase === 'left') setView(s, indexOf.get(env.self)!, s.incarnation, LEFT);
    fx.push(persist(s));
    selfEvent(fx, s, env, 'start', { members: s.live });
    if (s.phase === 'member') {
      enqueue(s, { kind: 'alive', node: env.self, incarnation: s.incarnation });
      sendJoins(s, env, fx);
      armTick(s, fx, firstTickMs(env));
    }
    return { state: s, effects: fx };
  };

  const command = (s: SwimState, commandId: number, c: SwimCommand, env: Env): Out => {
    const fx: Eff[] = [];
    switch (c.type) {
      case 'join': {
        if (s.phase === 'member' || s.phase === 'leaving') break;
        s.incarnation += 1;
        s.epoch = s.incarnation;
        s.phase = 'member';
        resetMembership(s, env, []);
        fx.push(persist(s));
        selfEvent(fx, s, env, 'join');
        enqueue(s, { kind: 'alive', node: env.self, incarnation: s.incarnation });
        sendJoins(s, env, fx);
        armTick(s, fx, firstTickMs(env));
        fx.push({ type: 'reply', commandId, reply: { ok: true, phase: s.phase, incarnation: s.incarnation } });
        return { state: s, effects: fx };
      }
      case 'leave': {
        if (s.phase !== 'member') break;
        s.phase = 'leaving';
        s.leaveCountdown = Math.max(1, config.leavePeriods);
        setView(s, indexOf.get(env.self)!, s.incarnation, LEFT);
        fx.push(persist(s));
        selfEvent(fx, s, env, 'leave');
        enqueue(s, { kind: 'left', node: env.self, incarnation: s.incarnation });
        fx.push({ type: 'reply', commandId, reply: { ok: true, phase: s.phase, incarnation: s.incarnation } });
        return { state: s, effects: fx };
      }
      default:
        return assertNever(c, 'command');
    }
    fx.push({ type: 'reply', commandId, reply: { ok: false, phase: s.phase, incarnation: s.incarnation } });
    return { state: s, effects: fx };
  };

  // --- receiving -------------------------------------------------------------------------------

  /** Slide the sender's replay window over `seq`; the reason to refuse, or null (and the window moved). Changes state only when it returns null. */
  const checkNonce = (s: SwimState, m: WireMessage): RejectReason | null => {
    const w = s.windows[m.from];
    if (w === undefined || m.fromEpoch > w[0]) {
      s.windows[m.from] = [m.fromEpoch, m.seq, 1];
      return null;
    }
    if (m.fromEpoch < w[0]) return 'old-epoch';
    const top = w[1];
    if (m.seq > top) {
      const shift = m.seq - top;
      w[2] = shift >= WINDOW ? 1 : ((w[2] << shift) | 1) >>> 0;
      w[1] = m.seq;
      return null;
    }
    const back = top - m.seq;
    if (back >= WINDOW) return 'too-old';
    const bit = 1 << back;
    if ((w[2] & bit) !== 0) return 'replay';
    w[2] = (w[2] | bit) >>> 0;
    return null;
  };

  const receive = (s: SwimState, claimed: NodeId, bytes: unknown, env: Env): Out => {
    if (!(bytes instanceof Uint8Array)) return reject(s, env, claimed, 'not-bytes');
    const opened = unseal(key, bytes, bug !== 'no-mac-check');
    if (!opened.ok) return reject(s, env, claimed, opened.error.kind, opened.error.kind === 'truncated' ? `frame of ${bytes.length} bytes` : undefined);
    const decoded = decode(opened.payload);
    if (!decoded.ok) return reject(s, env, claimed, decoded.error.kind, describeDecodeError(decoded.error));
    const m = decoded.value;
    if (m.to !== env.self) return reject(s, env, claimed, 'wrong-recipient', m.to);
    if (m.from !== claimed) return reject(s, env, claimed, 'wrong-sender', m.from);
    if (!indexOf.has(m.from)) return reject(s, env, claimed, 'unknown-node', m.from);
    if (s.phase !== 'member' && s.phase !== 'leaving') return reject(s, env, claimed, 'not-a-member', s.phase);
    const fx: Eff[] = [];
    if (m.toIncarnation === UNBOUND) {
      // A join: answer with our membership; learn nothing from it, since anyone may replay it.
      if (m.type !== 'sync') return reject(s, env, claimed, 'unbound', m.type);
      if (m.reply) send(s, env, fx, m.from, m.fromIncarnation, 0, { type: 'sync', reply: false, updates: fullMembership(s, env) });
      return { state: s, effects: fx };
    }
    if (m.toIncarnation < s.epoch) {
      // Addressed to an earlier life of ours: tell the sender who we are now (no state changes).
      if (m.type === 'ping' || m.type === 'ping-req') send(s, env, fx, m.from, m.fromIncarnation, 0, { type: 'sync', reply: false, updates: [{ kind: 'alive', node: env.self, incarnation: s.incarnation }] });
      return reject(s, env, claimed, 'earlier-life', `to incarnation ${m.toIncarnation} < ${s.epoch}`, fx);
    }
    if (m.toIncarnation > s.incarnation) return reject(s, env, claimed, 'future-incarnation', `to incarnation ${m.toIncarnation} > ${s.incarnation}`);
    if (m.type !== 'sync') {
      const refused = checkNonce(s, m);
      if (refused !== null) return reject(s, env, claimed, refused, `epoch ${m.fromEpoch} seq ${m.seq}`);
    }
    // Accepted. A message is evidence that its sender lives at its incarnation.
    applyAlive(s, env, fx, m.from, m.fromIncarnation);
    switch (m.type) {
      case 'ping':
        for (const u of m.updates) applyUpdate(s, env, fx, u, null);
        send(s, env, fx, m.from, m.fromIncarnation, ++s.seq, { type: 'ack', probe: m.probe, updates: piggyback(s) });
        break;
      case 'ping-req':
        for (const u of m.updates) applyUpdate(s, env, fx, u, null);
        relay(s, env, fx, m);
        break;
      case 'ack':
        for (const u of m.updates) applyUpdate(s, env, fx, u, null);
        ack(s, env, fx, m.probe);
        break;
      case 'nack': {
        const p = s.probe;
        if (p !== null && p.seq === m.probe && !p.nacks.includes(m.from)) p.nacks.push(m.from);
        break;
      }
      case 'sync':
        for (const u of m.updates) applyUpdate(s, env, fx, u, m.from);
        if (m.reply) send(s, env, fx, m.from, m.fromIncarnation, 0, { type: 'sync', reply: false, updates: fullMembership(s, env) });
        break;
      default:
        return assertNever(m, 'message');
    }
    return { state: s, effects: fx };
  };

  const relay = (s: SwimState, env: Env, fx: Eff[], m: WireMessage & { type: 'ping-req' }): void => {
    if (m.target === env.self || !indexOf.has(m.target)) return;
    if (s.relays.length >= config.maxRelays) {
      fx.push({ type: 'observe', observation: { type: 'rejected', from: m.from, reason: 'relays-full', localMs: env.nowMs } });
      return;
    }
    const seq = ++s.seq;
    s.relays.push({ seq, requester: m.from, requesterProbe: m.probe, requesterIncarnation: m.fromIncarnation, nack: m.nack });
    const known = toIncarnationOf(s, m.target);
    const toIncarnation = known === UNBOUND ? m.targetIncarnation : Math.max(known, m.targetIncarnation);
    send(s, env, fx, m.target, toIncarnation, seq, { type: 'ping', probe: seq, updates: piggyback(s) });
    // Lifeguard (§IV-B): the nack goes out at 80% of the probe timeout, so that it reaches the
    // requester before its period ends (ping-req at the probe timeout, nack 0.8 timeouts later).
    fx.push({ type: 'setTimer', timer: `relay/${seq}`, afterMs: NACK_FRACTION * config.probeTimeoutMs });
  };

  const ack = (s: SwimState, env: Env, fx: Eff[], probe: number): void => {
    const p = s.probe;
    if (p !== null && p.seq === probe) {
      s.probe = null;
      adjustAwareness(s, -1);
      fx.push({ type: 'cancelTimer', timer: 'probe-timeout' });
      return;
    }
    const k = s.relays.findIndex((r) => r.seq === probe);
    if (k < 0) return; // an ack for a probe that is over: nothing to do
    const r = s.relays[k]!;
    s.relays.splice(k, 1);
    fx.push({ type: 'cancelTimer', timer: `relay/${r.seq}` });
    send(s, env, fx, r.requester, r.requesterIncarnation, ++s.seq, { type: 'ack', probe: r.requesterProbe, updates: piggyback(s) });
  };

  const timer = (s: SwimState, name: string, env: Env): Out => {
    const fx: Eff[] = [];
    if (name === 'tick') return tick(s, env);
    if (s.phase !== 'member' && s.phase !== 'leaving') return { state: s, effects: fx };
    if (name === 'probe-timeout') {
      probeTimeout(s, env, fx);
    } else if (name.startsWith('relay/')) {
      const seq = Number(name.slice('relay/'.length));
      const k = s.relays.findIndex((r) => r.seq === seq);
      if (k >= 0) {
        const r = s.relays[k]!;
        s.relays.splice(k, 1);
        if (r.nack) send(s, env, fx, r.requester, r.requesterIncarnation, ++s.seq, { type: 'nack', probe: r.requesterProbe });
      }
    } else if (name.startsWith('suspect/')) {
      const node = name.slice('suspect/'.length);
      const k = findSuspicion(s, node);
      if (k >= 0) {
        const sus = s.suspicions[k]!;
        s.suspicions.splice(k, 1);
        const i = indexOf.get(node)!;
        if (statusAt(s, i) === SUSPECT && incAt(s, i) === sus.incarnation) applyDead(s, env, fx, node, sus.incarnation, env.self, false);
      }
    } else {
      throw new Error(`swim: unknown timer ${name}`);
    }
    return { state: s, effects: fx };
  };

  return {
    name: 'swim',
    init: (): SwimState => ({
      phase: 'idle', incarnation: 0, epoch: 0, seq: 0, awareness: 0, members: [], probeCursor: 0,
      view: [], live: 0, probe: null, relays: [], suspicions: [], broadcasts: [], windows: {},
      periods: 0, probes: 0, reconnectCursor: 0, leaveCountdown: 0,
    }),
    step(state: SwimState, input: Input<Uint8Array, SwimCommand>, env: Env): Out {
      switch (input.type) {
        case 'start':
          return start(state, input.durable, env);
        case 'timer':
          return timer(state, input.timer, env);
        case 'message':
          return receive(state, input.from, input.message, env);
        case 'command':
          return command(state, input.commandId, input.command, env);
        default:
          return assertNever(input, 'input');
      }
    },
  };
}
