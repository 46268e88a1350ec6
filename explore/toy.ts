/**
 * A toy protocol and scenario for the explorer's tests, small enough to reason about by hand.
 *
 * n1 arms a timer 'go' at start; when it fires, n1 sends {a} then {b} to n2. n2 observes what it
 * gets. A command {set: v} to n2 makes it persist v and reply 'ok' (with the planted bug
 * 'reply-first': reply, then persist). At start n2 observes the value it recovered from disk.
 *
 * Checkers (safety):
 *   a-before-b      n2 never gets b before a (broken by a reordering network, or a dropped a)
 *   a-once          n2 never gets a twice (broken by a duplicate)
 *   acked-durable   a value n2 acknowledged is what it recovers after a restart (broken by
 *                   'reply-first' and a crash between the reply and the write)
 */
import type { Protocol } from '../core/contract/protocol.ts';
import type { InvariantChecker, RunConfig, Scenario, World } from '../sim/scenario.ts';
import { calmNetwork } from '../sim/network.ts';

export interface ToyState {
  got: string[];
  value: number;
}
export type ToyMessage = { readonly type: 'a' | 'b' };
export type ToyCommand = { readonly set: number };
export type ToyObservation = { readonly type: 'got'; readonly m: string } | { readonly type: 'recovered'; readonly value: number };

export function toyProtocol(bug: string | null, sender = true): Protocol<ToyState, ToyMessage, ToyCommand, { ok: number }, ToyObservation> {
  return {
    name: 'toy',
    init: () => ({ got: [], value: 0 }),
    step(state, input, env) {
      switch (input.type) {
        case 'start': {
          const v = Number(input.durable.value?.[0] ?? '0');
          state.value = v;
          return { state, effects: [{ type: 'observe', observation: { type: 'recovered', value: v } }, ...(env.self === 'n1' && sender ? [{ type: 'setTimer' as const, timer: 'go', afterMs: 10 }] : [])] };
        }
        case 'timer':
          return { state, effects: [{ type: 'send', to: 'n2', message: { type: 'a' } }, { type: 'send', to: 'n2', message: { type: 'b' } }] };
        case 'message':
          state.got.push(input.message.type);
          return { state, effects: [{ type: 'observe', observation: { type: 'got', m: input.message.type } }] };
        case 'command': {
          state.value = input.command.set;
          const persist = { type: 'persist' as const, write: { op: 'overwrite' as const, file: 'value', records: [String(input.command.set)] } };
          const reply = { type: 'reply' as const, commandId: input.commandId, reply: { ok: input.command.set } };
          return { state, effects: bug === 'reply-first' ? [reply, persist] : [persist, reply] };
        }
      }
    },
  };
}

function aBeforeB(): InvariantChecker {
  let a = false;
  return {
    name: 'a-before-b',
    kind: 'safety',
    onObservation(_node, o) {
      const x = o as ToyObservation;
      if (x.type !== 'got') return;
      if (x.m === 'a') a = true;
      else if (!a) return 'n2 got b before a';
    },
  };
}

function aOnce(): InvariantChecker {
  let count = 0;
  return {
    name: 'a-once',
    kind: 'safety',
    onObservation(_node, o) {
      const x = o as ToyObservation;
      if (x.type === 'got' && x.m === 'a' && ++count > 1) return 'n2 got a twice';
    },
  };
}

function ackedDurable(): InvariantChecker {
  let acked = 0;
  return {
    name: 'acked-durable',
    kind: 'safety',
    onReply(_node, _id, reply) {
      acked = Math.max(acked, (reply as { ok: number }).ok);
    },
    onObservation(node, o) {
      const x = o as ToyObservation;
      if (node === 'n2' && x.type === 'recovered' && x.value < acked) return `${node} recovered ${x.value} after acknowledging ${acked}`;
    },
  };
}

export interface ToyOptions {
  readonly reorder: boolean;
  /** Commands {set: 1}, {set: 2}, ... to n2 at time 0. */
  readonly commands: number;
  /** n1 sends a and b (default true). */
  readonly sender?: boolean;
}

export function toyScenario(options: ToyOptions = { reorder: false, commands: 1 }): Scenario {
  const build = (config: RunConfig): World => {
    const protocol = toyProtocol(config.bug, options.sender ?? true);
    return {
      nodes: ['n1', 'n2'].map((id) => ({ id, protocol, faultable: true, role: 'server' })),
      commands: Array.from({ length: (config.options.commands as number) ?? 0 }, (_, k) => ({ atMs: 0, node: 'n2', command: { set: k + 1 } })),
      checkers: [aBeforeB(), aOnce(), ackedDurable()],
    };
  };
  return {
    name: 'toy',
    description: 'the explorer tests\' toy: n1 sends a then b to n2; n2 acknowledges writes',
    bugs: [{ name: 'reply-first', description: 'n2 replies to a write before persisting it' }],
    faultKinds: ['crash'],
    configure: (seed, _rng, bug) => ({
      scenario: 'toy',
      seed,
      bug,
      options: { commands: options.commands },
      network: { base: { ...calmNetwork, latency: { kind: 'constant', ms: 0 }, reorder: options.reorder } },
      clock: { maxSkewMs: 0, maxDriftPpm: 0 },
      faults: [],
      durationMs: 1000,
      quietMs: 0,
      maxEvents: 100_000,
    }),
    build,
    explore: { bounds: { depth: 6, crashes: 0, drops: 0, dups: 0, inflight: 4, commands: options.commands, midStep: false } },
  };
}
