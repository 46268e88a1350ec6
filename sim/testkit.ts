/**
 * A probe protocol and world builder for testing the kernel itself: nodes that send, write and
 * record exactly what they are told, so a test can check what the network and disk did.
 */
import type { Protocol } from '../core/contract/protocol.ts';
import type { InvariantChecker, RunConfig, World } from './scenario.ts';
import type { FaultEvent } from './faults.ts';
import { calmNetwork, type LinkConditions } from './network.ts';

export type ProbeCommand =
  | { readonly type: 'send'; readonly to: string; readonly count: number }
  | { readonly type: 'write'; readonly file: string; readonly records: readonly string[] }
  | { readonly type: 'remember'; readonly value: string }
  | { readonly type: 'timer'; readonly afterMs: number };

export interface ProbeState {
  received: { from: string; seq: number; atMs: number }[];
  sent: number;
  /** Volatile memory: lost at a crash. */
  memory: string[];
  /** What the node found on disk at its last start. */
  recovered: Record<string, readonly string[]>;
  timerFiredAtMs: number[];
}

export type ProbeMessage = { readonly type: 'probe'; readonly seq: number };

export const probe: Protocol<ProbeState, ProbeMessage, ProbeCommand, string, unknown> = {
  name: 'probe',
  init: () => ({ received: [], sent: 0, memory: [], recovered: {}, timerFiredAtMs: [] }),
  step(state, input, env) {
    switch (input.type) {
      case 'start':
        state.recovered = { ...input.durable };
        return { state, effects: [] };
      case 'message':
        state.received.push({ from: input.from, seq: input.message.seq, atMs: env.nowMs });
        return { state, effects: [] };
      case 'timer':
        state.timerFiredAtMs.push(env.nowMs);
        return { state, effects: [] };
      case 'command': {
        const c = input.command;
        switch (c.type) {
          case 'send':
            return {
              state,
              effects: Array.from({ length: c.count }, () => ({ type: 'send' as const, to: c.to, message: { type: 'probe' as const, seq: state.sent++ } })),
            };
          case 'write':
            return { state, effects: [...c.records.map((record) => ({ type: 'persist' as const, write: { op: 'append' as const, file: c.file, record } })), { type: 'reply', commandId: input.commandId, reply: 'written' }] };
          case 'remember':
            state.memory.push(c.value);
            return { state, effects: [] };
          case 'timer':
            return { state, effects: [{ type: 'setTimer', timer: 't', afterMs: c.afterMs }] };
        }
      }
    }
  },
};

export function probeConfig(over: Partial<RunConfig> & { conditions?: Partial<LinkConditions>; faults?: readonly FaultEvent[] } = {}): RunConfig {
  const { conditions, ...rest } = over;
  return {
    scenario: 'probe',
    seed: 1,
    bug: null,
    options: {},
    network: { base: { ...calmNetwork, ...conditions } },
    clock: { maxSkewMs: 100, maxDriftPpm: 1000 },
    faults: [],
    durationMs: 1000,
    quietMs: 100,
    maxEvents: 10_000_000,
    ...rest,
  };
}

export function probeWorld(nodes: readonly string[], commands: World['commands'], checkers: readonly InvariantChecker[] = []): World {
  return { nodes: nodes.map((id) => ({ id, protocol: probe, faultable: true, role: 'server' })), commands, checkers };
}
