/**
 * A member's own lives. A life begins at a start (a bootstrapped member on a fresh disk, or a
 * restart from the persisted incarnation) or at a `join` command, and ends in a crash or a graceful
 * leave (leaving: gossip `left` for a few periods; left: silent). Within a life the incarnation
 * grows only by refuting an accusation.
 *
 *   start on a fresh disk:  idle, or member for a bootstrapped (initial) member
 *   start after a crash:    the persisted phase (member or left), one incarnation above the persisted one
 *   member --leave--> leaving --leavePeriods--> left;   idle or left --join--> member
 *
 * The transitions below are the only places that change `phase`, `incarnation`, `epoch` or our
 * own view entry, and each asserts that it is legal: our incarnation only grows (SWIM §4.2: only
 * the member itself raises it, to override what others say of it), and a new life begins above
 * every incarnation an earlier one may have announced, which is what binds messages to one life.
 * The incarnation is persisted before anything announces it.
 */
import { assert, assertNever } from '../contract/assert.ts';
import type { DurableState, NodeId } from '../contract/protocol.ts';
import { adjustAwareness, armFirstTick, FILE, persist, selfEvent, selfIndex, type Step } from './context.ts';
import { enqueue, sendJoins } from './dissemination.ts';
import { ALIVE, LEFT, relayTimer, suspectTimer, UNKNOWN, type SwimCommand } from './types.ts';
import { shuffle, writeEntry } from './view.ts';

// --- transitions of our own life ---------------------------------------------------------------

/**
 * A view for a new life: it knows only us and, for a bootstrapped first life, the initial members
 * (alive at our incarnation, in a shuffled probe order). Nothing of the last life's view survives:
 * probe, relays, suspicions, news to gossip.
 */
function resetMembership(c: Step, initial: readonly NodeId[]): void {
  const s = c.s;
  s.view = new Array<number>(c.sw.universe.length).fill(UNKNOWN);
  s.members = [];
  s.live = 0;
  writeEntry(c, selfIndex(c), s.incarnation, ALIVE);
  for (const id of initial) {
    if (id === c.env.self) continue;
    const i = c.sw.indexOf.get(id)!;
    writeEntry(c, i, s.incarnation, ALIVE);
    s.members.push(i);
  }
  shuffle(c, s.members);
  s.probeCursor = 0;
  s.probe = null;
  s.relays = [];
  s.suspicions = [];
  s.broadcasts = [];
  s.periods = 0;
  s.probes = 0;
  s.reconnectCursor = 0;
}

/** A new life at `incarnation`, as a member or (a restart after leaving) as one that left. */
function beginLife(c: Step, incarnation: number, phase: 'member' | 'left', initial: readonly NodeId[]): void {
  const s = c.s;
  assert(s.phase !== 'member', `swim ${c.env.self}: a new life while a member`);
  assert(s.phase !== 'leaving', `swim ${c.env.self}: a new life while leaving`);
  assert(incarnation > s.incarnation, `swim ${c.env.self}: a new life at incarnation ${incarnation}, not above ${s.incarnation}`);
  s.incarnation = incarnation;
  // Messages addressed to an incarnation below this one were meant for an earlier life.
  s.epoch = incarnation;
  s.phase = phase;
  resetMembership(c, initial);
  if (phase === 'left') writeEntry(c, selfIndex(c), s.incarnation, LEFT);
}

/** A fresh disk, and not a bootstrapped member: wait for a `join` command. */
function awaitJoin(c: Step): void {
  assert(c.s.phase === 'idle', `swim ${c.env.self}: ${c.s.phase} -> idle`);
  c.s.phase = 'idle';
}

function startLeaving(c: Step): void {
  const s = c.s;
  assert(s.phase === 'member', `swim ${c.env.self}: ${s.phase} -> leaving`);
  s.phase = 'leaving';
  s.leaveCountdown = Math.max(1, c.sw.config.leavePeriods);
  writeEntry(c, selfIndex(c), s.incarnation, LEFT);
}

/** The last period of a graceful leave: go silent, with nothing of the protocol left running. */
export function finishLeaving(c: Step): void {
  const s = c.s;
  assert(s.phase === 'leaving', `swim ${c.env.self}: ${s.phase} -> left`);
  s.phase = 'left';
  s.probe = null;
  for (const sus of s.suspicions) c.fx.push({ type: 'cancelTimer', timer: suspectTimer(sus.node) });
  for (const r of s.relays) c.fx.push({ type: 'cancelTimer', timer: relayTimer(r.seq) });
  s.suspicions = [];
  s.relays = [];
  s.broadcasts = [];
  c.fx.push({ type: 'cancelTimer', timer: 'probe-timeout' });
  selfEvent(c, 'left');
}

/**
 * We are accused (suspect, dead or left at `accused` >= our incarnation): raise the incarnation
 * above the accusation and gossip that we are alive (SWIM §4.2; memberlist's refute). Persist first.
 */
export function refute(c: Step, accused: number): void {
  const s = c.s;
  assert(s.phase === 'member', `swim ${c.env.self}: refutes while ${s.phase}`);
  assert(accused >= s.incarnation, `swim ${c.env.self}: refutes an accusation at ${accused}, below its incarnation ${s.incarnation}`);
  // The refute-without-bump bug keeps the accused incarnation, so the refutation never wins.
  const next = c.sw.bug === 'refute-without-bump' ? s.incarnation : Math.max(s.incarnation, accused) + 1;
  assert(next >= s.incarnation, `swim ${c.env.self}: incarnation ${s.incarnation} -> ${next}`);
  s.incarnation = next;
  writeEntry(c, selfIndex(c), s.incarnation, ALIVE);
  persist(c);
  enqueue(c, { kind: 'alive', node: c.env.self, incarnation: s.incarnation });
  adjustAwareness(c, 1); // memberlist: being accused is a sign of poor local health
  selfEvent(c, 'refute', { accused });
}

// --- handlers ----------------------------------------------------------------------------------

/** Boot or restart: what survived is the incarnation record, if anything. */
export function start(c: Step, durable: DurableState): void {
  const records = durable[FILE] ?? [];
  const last = records[records.length - 1];
  if (last === undefined) {
    // A fresh disk: a bootstrapped member, or a node waiting for its `join` command.
    if (!c.sw.config.initialMembers.includes(c.env.self)) {
      awaitJoin(c);
      selfEvent(c, 'start');
      return;
    }
    beginLife(c, 1, 'member', c.sw.config.initialMembers);
    persist(c);
    selfEvent(c, 'start', { members: c.s.live });
    armFirstTick(c);
    return;
  }
  const m = /^(\d+) (member|left)$/.exec(last);
  if (!m) throw new Error(`swim: unreadable incarnation record ${JSON.stringify(last)}`);
  // A new life starts above every incarnation the last one may have announced.
  beginLife(c, Number(m[1]) + 1, m[2] === 'member' ? 'member' : 'left', []);
  persist(c);
  selfEvent(c, 'start', { members: c.s.live });
  if (c.s.phase === 'member') {
    enqueue(c, { kind: 'alive', node: c.env.self, incarnation: c.s.incarnation });
    sendJoins(c);
    armFirstTick(c);
  }
}

export function command(c: Step, commandId: number, cmd: SwimCommand): void {
  const s = c.s;
  switch (cmd.type) {
    case 'join': {
      if (s.phase === 'member' || s.phase === 'leaving') break;
      beginLife(c, s.incarnation + 1, 'member', []);
      persist(c);
      selfEvent(c, 'join');
      enqueue(c, { kind: 'alive', node: c.env.self, incarnation: s.incarnation });
      sendJoins(c);
      armFirstTick(c);
      c.fx.push({ type: 'reply', commandId, reply: { ok: true, phase: s.phase, incarnation: s.incarnation } });
      return;
    }
    case 'leave': {
      if (s.phase !== 'member') break;
      startLeaving(c);
      persist(c);
      selfEvent(c, 'leave');
      enqueue(c, { kind: 'left', node: c.env.self, incarnation: s.incarnation });
      c.fx.push({ type: 'reply', commandId, reply: { ok: true, phase: s.phase, incarnation: s.incarnation } });
      return;
    }
    default:
      return assertNever(cmd, 'command');
  }
  c.fx.push({ type: 'reply', commandId, reply: { ok: false, phase: s.phase, incarnation: s.incarnation } });
}
