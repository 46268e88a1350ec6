/**
 * The active controller: the Raft leader, once it has applied everything before its term. Only it
 * decides (decide.ts) and proposes the records through Raft, one proposal in flight at a time, each
 * applying only on the metadata version it was decided on; it pushes every new committed version
 * to the brokers. A controller becomes active and stops being active only in `becomeActive` and
 * `becomeInactive`, as Raft's role and progress say (`syncActive`, after every step).
 */
import { assert } from '../../contract/assert.ts';
import { decide, type AlterRequest } from '../decide.ts';
import { MAX_QUEUED_ALTERS, image, observe, raftStep, send, type ControllerReply, type ControllerState, type Step } from './context.ts';
import { members } from './brokers.ts';

/** A proposal not answered within this long is given up (it may still commit; the version check makes that harmless). */
const PROPOSAL_TIMEOUT_MS = 2000;

function isActive(s: ControllerState): boolean {
  const r = s.raft;
  return r.role === 'leader' && r.leader !== null && r.leader.transfer === null && r.lastApplied >= r.leader.termStartIndex;
}

/** Become active or stop being active, as Raft's role and progress say. */
export function syncActive(c: Step): void {
  const s = c.s;
  if (!isActive(s)) {
    if (s.activeSinceMs !== null) becomeInactive(c);
    return;
  }
  if (s.activeSinceMs !== null && s.activeTerm === s.raft.currentTerm) return;
  becomeActive(c);
}

/** Active in a new term: what an earlier activity heard and asked is dropped; the brokers get the image again. */
function becomeActive(c: Step): void {
  const s = c.s;
  assert(isActive(s), `isr controller ${c.env.self}: becomes active as Raft ${s.raft.role}`);
  assert(s.activeSinceMs === null || s.activeTerm < s.raft.currentTerm, `isr controller ${c.env.self}: active again in term ${s.raft.currentTerm}`);
  s.activeTerm = s.raft.currentTerm;
  s.activeSinceMs = c.env.nowMs;
  s.lastPreferredCheckMs = c.env.nowMs;
  s.heard = [];
  s.alters = [];
  s.inflight = null;
  s.pushedVersion = -1;
  s.dirty = true;
}

function becomeInactive(c: Step): void {
  const s = c.s;
  assert(s.activeSinceMs !== null, `isr controller ${c.env.self}: stops an activity it never had`);
  s.activeSinceMs = null;
  s.heard = [];
  s.alters = [];
  s.inflight = null;
}

/** Every new committed version goes to the registered brokers. */
export function push(c: Step): void {
  const s = c.s;
  const img = image(s);
  if (img.version <= s.pushedVersion) return;
  s.pushedVersion = img.version;
  for (const b of img.brokers) send(c, b.id, { type: 'metadataPush', image: img });
}

/** Decide on what was heard since the last decision, and propose the records it gives. */
export function maybePropose(c: Step): void {
  const { s, env, opts } = c;
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
      members: members(c),
      alters: s.alters,
      nowMs: env.nowMs,
      activeSinceMs: s.activeSinceMs,
      membershipSinceMs: s.membershipSinceMs,
      preferredLeaderCheck,
    },
    opts,
    c.assign,
  );
  if (preferredLeaderCheck) s.lastPreferredCheckMs = env.nowMs;
  s.alters = [];
  s.dirty = false;
  for (const r of d.refused) {
    const state = img.partitions[r.request.partition] ?? null;
    send(c, r.request.from, { type: 'alterPartitionResponse', requestId: r.request.requestId, partition: r.request.partition, ok: false, state });
  }
  if (d.records.length === 0) return;
  const commandId = s.nextCommandId--;
  s.inflight = { commandId, sentMs: env.nowMs, records: d.records, accepted: d.accepted, unclean: d.unclean };
  raftStep(c, { type: 'command', commandId, command: { type: 'propose', command: { expectedVersion: img.version, records: d.records } } }, onProposalReply);
}

/** Raft's answer to one of our proposals: committed (tell the ISR changes' askers), or not (look at them again). */
export function onProposalReply(c: Step, commandId: number, reply: ControllerReply): void {
  const s = c.s;
  const p = s.inflight;
  if (p === null || p.commandId !== commandId) return;
  s.inflight = null;
  s.dirty = true;
  if (reply.type === 'applied' && reply.result.ok) {
    const img = image(s);
    observe(c, { type: 'metadataCommitted', controller: c.env.self, version: reply.result.version, records: p.records });
    for (const u of p.unclean) observe(c, { type: 'uncleanElection', controller: c.env.self, ...u });
    for (const a of p.accepted) {
      send(c, a.from, { type: 'alterPartitionResponse', requestId: a.requestId, partition: a.partition, ok: true, state: img.partitions[a.partition] ?? null });
    }
    return;
  }
  // Not applied (stale version, leadership lost): the requests are looked at again.
  requeue(s, p.accepted);
}

function requeue(s: ControllerState, alters: readonly AlterRequest[]): void {
  s.alters = [...alters, ...s.alters].slice(0, MAX_QUEUED_ALTERS);
}
