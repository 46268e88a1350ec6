/**
 * The broker and its cluster: SWIM membership (joined with the cluster, left once decommissioned),
 * registration with the active controller, and the committed metadata it acts on. The broker's
 * own phase changes only here: `join` (into SWIM, then joined), `leave` (leaving; out of SWIM once
 * the metadata has moved every replica away), each asserting the move is legal.
 */
import { assert } from '../../contract/assert.ts';
import type { NodeId } from '../../contract/protocol.ts';
import { brokerOf } from '../metadata.ts';
import { SWIM_JOIN_COMMAND, SWIM_LEAVE_COMMAND } from '../membership.ts';
import type { BrokerState, IsrMessage, MetadataImage, PartitionState, ReplicaState } from '../types.ts';
import { newReplica, nextController, persistMeta, replicaOf, send, swimStep, truncate, type Step } from './context.ts';
import { completeWaiting, maybeAdvanceHw } from './leader.ts';
import { enterLeaderEpoch, failWaiting, syncFollowers } from './roles.ts';

// ---------------------------------------------------------------------------------------------
// Phases: joined, leaving, out of SWIM

/** Into the cluster: into SWIM first (it persists its own membership), then registered as joined. */
export function join(c: Step): void {
  assert(!c.s.joined, `isr ${c.s.self}: joins twice`);
  swimStep(c, { type: 'command', commandId: SWIM_JOIN_COMMAND, command: { type: 'join' } });
  c.s.joined = true;
  persistMeta(c);
}

/** Decommissioning: the controller moves the replicas away; SWIM is left once they are gone. */
export function leave(c: Step): void {
  assert(c.s.joined, `isr ${c.s.self}: leaves without having joined`);
  c.s.leaving = true;
  persistMeta(c);
}

/** Out of SWIM: nothing more to register (the controller fences a member that left). */
const departed = (s: BrokerState): boolean => s.swim.phase === 'leaving' || s.swim.phase === 'left';

/** Decommissioned: the committed metadata has it leaving and no partition on it any more. Then, and only then, it leaves SWIM. */
function maybeLeaveSwim(c: Step, image: MetadataImage): void {
  const s = c.s;
  if (!s.leaving || s.swim.phase !== 'member' || s.replicas.length > 0) return;
  const me = brokerOf(image, s.self);
  if (me === undefined || me.incarnation !== s.incarnation || !me.leaving) return;
  if (image.partitions.some((p) => p.replicas.includes(s.self))) return;
  swimStep(c, { type: 'command', commandId: SWIM_LEAVE_COMMAND, command: { type: 'leave' } });
}

// ---------------------------------------------------------------------------------------------
// Registration

export function register(c: Step): void {
  const s = c.s;
  if (!s.joined || departed(s)) return;
  // No answer to the last one: try the next controller.
  if (s.lastRegistrationSentMs > s.lastControllerReplyMs && c.env.nowMs - s.lastRegistrationSentMs >= c.opts.registrationIntervalMs) {
    s.controllerGuess = nextController(c, s.controllerGuess);
  }
  s.lastRegistrationSentMs = c.env.nowMs;
  send(c, s.controllerGuess, { type: 'brokerRegistration', incarnation: s.incarnation, knownVersion: s.image?.version ?? -1, leaving: s.leaving });
}

/** What the controllers send a broker: answers to registrations and ISR changes, and metadata pushes. */
export function onControllerMessage(c: Step, from: NodeId, m: Extract<IsrMessage, { type: 'registrationResponse' | 'notController' | 'metadataPush' | 'alterPartitionResponse' }>): void {
  const s = c.s;
  switch (m.type) {
    case 'registrationResponse':
      s.lastControllerReplyMs = c.env.nowMs;
      s.controllerGuess = from;
      if (m.image !== null) applyImage(c, m.image);
      return;
    case 'notController':
      if (from !== s.controllerGuess) return;
      s.controllerGuess = m.hint !== null && c.opts.controllers.includes(m.hint) ? m.hint : nextController(c, from);
      s.lastControllerReplyMs = c.env.nowMs; // an answer, if not the one wanted: no rotation on top of the hint
      return;
    case 'metadataPush':
      if (c.opts.controllers.includes(from)) s.controllerGuess = from;
      applyImage(c, m.image);
      return;
    case 'alterPartitionResponse': {
      const r = replicaOf(s, m.partition);
      if (r === undefined) return;
      if (r.pendingIsr?.requestId === m.requestId) r.pendingIsr = null;
      if (m.state !== null) applyPartition(c, r, m.state);
      if (r.role === 'leader') maybeAdvanceHw(c, r);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Committed metadata

function applyImage(c: Step, image: MetadataImage): void {
  const s = c.s;
  if (s.image !== null && image.version <= s.image.version) return;
  s.image = image;
  const me = brokerOf(image, s.self);
  if (me === undefined || me.incarnation !== s.incarnation) return; // not (yet) registered as this incarnation
  for (const ps of image.partitions) {
    let r = replicaOf(s, ps.partition);
    if (ps.replicas.includes(s.self)) {
      if (r === undefined) {
        r = newReplica(ps.partition, [], 0);
        s.replicas.push(r);
        s.replicas.sort((a, b) => a.partition - b.partition);
      }
      applyPartition(c, r, ps);
    } else if (r !== undefined) {
      deleteReplica(c, r);
    }
  }
  maybeLeaveSwim(c, image);
}

/** The replica was reassigned away: its log goes (every new replica was in sync first). */
function deleteReplica(c: Step, r: ReplicaState): void {
  const s = c.s;
  failWaiting(c, r, 'leadershipLost');
  truncate(c, r, 0, 'deleted');
  s.replicas = s.replicas.filter((x) => x !== r);
}

/** A partition's committed state, when newer than what the replica holds: a new leader epoch changes the role. */
function applyPartition(c: Step, r: ReplicaState, ps: PartitionState): void {
  if (ps.leaderEpoch < r.leaderEpoch) return;
  if (ps.leaderEpoch === r.leaderEpoch && ps.partitionEpoch <= r.partitionEpoch) return;
  const newEpoch = ps.leaderEpoch !== r.leaderEpoch;
  r.partitionEpoch = ps.partitionEpoch;
  r.isr = [...ps.isr];
  r.replicas = [...ps.replicas];
  r.pendingIsr = null; // superseded: a committed change carries what was asked for, or refused it
  if (newEpoch) {
    enterLeaderEpoch(c, r, ps);
    return;
  }
  if (r.role === 'leader') {
    syncFollowers(c, r);
    maybeAdvanceHw(c, r);
    completeWaiting(c, r);
  }
}
