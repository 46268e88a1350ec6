/**
 * The metadata controller: a Raft group (core/raft, unchanged) replicating the metadata state
 * machine of metadata.ts, with the controller's own logic around it. Brokers act only on
 * committed metadata: what a controller sends them is its applied state machine, and only the
 * active controller (the Raft leader, once it has applied everything before its term) decides.
 *
 * The controller's step nests Raft's and a SWIM member's (membership.ts): Raft messages and timers
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
 *
 * Both are nested (core/contract/nest.ts) under the names they had before nesting: Raft's timers
 * and files as Raft names them, SWIM's timers under `swim/` and its file as `swim`.
 *
 * This file is the step itself: dispatch by input, then, after every step, the activity as Raft
 * says it is, the push of new metadata and the next decision. The rules are functions over the
 * step context (controller/context.ts):
 *
 *   controller/context.ts   the step context, the nested Raft and SWIM steps, emitters
 *   controller/active.ts    becoming active or not, pushing metadata, deciding and proposing
 *   controller/brokers.ts   registrations, ISR change requests, SWIM's membership events
 */
import { assertNever } from '../contract/assert.ts';
import type { Env, Input, NodeId, Protocol, StepResult } from '../contract/protocol.ts';
import type { Assign } from './assignment.ts';
import { resolveIsrOptions } from './config.ts';
import type { IsrConfig, IsrMessage } from './types.ts';
import { maybePropose, onProposalReply, push, syncActive } from './controller/active.ts';
import { onBrokerMessage, onMemberEvent } from './controller/brokers.ts';
import {
  CONTROLLER_TIMER,
  controllerSetup,
  raftStep,
  swimStep,
  type ControllerCommand,
  type ControllerEffect,
  type ControllerMessage,
  type ControllerObs,
  type ControllerReply,
  type ControllerSetup,
  type ControllerState,
  type ControllerTimers,
  type Step,
} from './controller/context.ts';
import { controllerLanes, describeIsrWire } from './lanes.ts';

export {
  CONTROLLER_TIMER,
  type ControllerCommand,
  type ControllerMessage,
  type ControllerObs,
  type ControllerReply,
  type ControllerState,
  type ControllerTimer,
  type ControllerTimers,
} from './controller/context.ts';

export type ControllerProtocol = Protocol<ControllerState, ControllerMessage, ControllerCommand, ControllerReply, ControllerObs, ControllerTimers>;

function fresh(setup: ControllerSetup, self: NodeId, env: Env): ControllerState {
  return {
    raft: setup.raft.init(self, env),
    swim: setup.member.init(self, env),
    membershipSinceMs: env.nowMs,
    heard: [],
    alters: [],
    activeTerm: -1,
    activeSinceMs: null,
    inflight: null,
    nextCommandId: -1,
    lastPreferredCheckMs: 0,
    pushedVersion: -1,
    dirty: false,
  };
}

/** SWIM's step; its membership news about brokers is looked at now. */
function swimNews(c: Step, input: Parameters<typeof swimStep>[1]): void {
  for (const e of swimStep(c, input)) onMemberEvent(c, e);
}

export function createControllerProtocol(config: IsrConfig, assign: Assign): ControllerProtocol {
  const setup = controllerSetup(resolveIsrOptions(config), assign);
  const { opts, raft, member } = setup;

  return {
    name: 'isr-controller',
    // For reports only (reports/): never read by the kernel.
    lanes: (state) => controllerLanes(member.protocol, state),
    describeMessage: (message) => describeIsrWire(member.protocol, message),
    init: (self, env) => fresh(setup, self, env),
    step(state: ControllerState, input: Input<ControllerMessage, ControllerCommand, ControllerTimers>, env: Env): StepResult<ControllerState, ControllerMessage, ControllerReply, ControllerObs, ControllerTimers> {
      const fx: ControllerEffect[] = [];
      const c: Step = { ...setup, s: input.type === 'start' ? fresh(setup, env.self, env) : state, env, fx };
      switch (input.type) {
        case 'start':
          raftStep(c, raft.start(input.durable), onProposalReply);
          swimNews(c, member.start(input.durable));
          fx.push({ type: 'setTimer', timer: CONTROLLER_TIMER, afterMs: opts.controllerTickMs });
          break;
        case 'timer':
          if (input.timer === CONTROLLER_TIMER) {
            c.s.dirty = true; // the unknown-member fallback and preferred leaders move with time alone
            fx.push({ type: 'setTimer', timer: CONTROLLER_TIMER, afterMs: opts.controllerTickMs });
          } else if (member.owns(input.timer)) {
            swimNews(c, { type: 'timer', timer: member.timer(input.timer) });
          } else if (raft.owns(input.timer)) {
            raftStep(c, { type: 'timer', timer: raft.timer(input.timer) }, onProposalReply);
          } else {
            assertNever(input.timer, 'controller timer');
          }
          break;
        case 'message': {
          const m = input.message;
          const bytes = member.message(m);
          const raftMessage = raft.message(m);
          if (bytes !== undefined) swimNews(c, { type: 'message', from: input.from, message: bytes });
          else if (raftMessage !== undefined) raftStep(c, { type: 'message', from: input.from, message: raftMessage }, onProposalReply);
          else onBrokerMessage(c, input.from, m as IsrMessage);
          break;
        }
        case 'command':
          raftStep(c, input, onProposalReply);
          break;
        default:
          assertNever(input, 'input');
      }
      syncActive(c);
      if (c.s.activeSinceMs !== null) {
        push(c);
        maybePropose(c);
        push(c);
      }
      return { state: c.s, effects: fx };
    },
  };
}
