/**
 * Kernel throughput: events per second with a no-op protocol, against a bare binary-heap event
 * loop doing the least the same events need (pop, step a trivial handler, push the next one).
 * The ratio is what the kernel's bookkeeping (network model, trace hash, PRNG draws, timers,
 * status checks) costs on top of an event queue.
 */
import type { Protocol } from '../core/contract/protocol.ts';
import { runWorld } from '../sim/kernel.ts';
import { calmNetwork } from '../sim/network.ts';
import { EventHeap } from '../sim/heap.ts';
import type { RunConfig } from '../sim/scenario.ts';

/** Ping-pong: every message is answered by one to a random peer. */
export const pingPong: Protocol<{ n: number }, number, never, never, never> = {
  name: 'noop-pingpong',
  init: () => ({ n: 0 }),
  step(state, input, env) {
    switch (input.type) {
      case 'start':
        return { state, effects: [{ type: 'send', to: env.self === 'n1' ? 'n2' : 'n1', message: 0 }] };
      case 'message':
        return { state, effects: [{ type: 'send', to: input.from, message: input.message + 1 }] };
      default:
        return { state, effects: [] };
    }
  },
};

/** Timers only: every node re-arms one timer each time it fires. */
const ticker: Protocol<{ n: number }, never, never, never, never> = {
  name: 'noop-timer',
  init: () => ({ n: 0 }),
  step(state, input) {
    if (input.type === 'start' || input.type === 'timer') return { state, effects: [{ type: 'setTimer', timer: 't', afterMs: 1 }] };
    return { state, effects: [] };
  },
};

function config(durationMs: number): RunConfig {
  return {
    scenario: 'bench', seed: 1, bug: null, options: {},
    network: { base: { ...calmNetwork, latency: { kind: 'uniform', minMs: 0.5, maxMs: 1.5 } } },
    clock: { maxSkewMs: 0, maxDriftPpm: 0 }, faults: [], durationMs, quietMs: 0, maxEvents: Number.MAX_SAFE_INTEGER,
  };
}

export function kernelRate(protocol: Protocol<any, any, any, any, any>, nodes: number, durationMs: number): { events: number; ms: number } {
  const ids = Array.from({ length: nodes }, (_, k) => `n${k + 1}`);
  const world = { nodes: ids.map((id) => ({ id, protocol, faultable: true, role: 'server' })), commands: [], checkers: [] };
  const t0 = performance.now();
  const r = runWorld(config(durationMs), world);
  return { events: r.events, ms: performance.now() - t0 };
}

/** The floor: the same events through a bare heap and a trivial handler. */
export function floorRate(concurrent: number, events: number): { events: number; ms: number } {
  type E = { t: number; seq: number; node: number; data: number };
  const heap = new EventHeap<E>();
  let x = 1;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
  for (let k = 0; k < concurrent; k++) heap.push({ t: 0, seq: 0, node: k, data: 0 });
  const t0 = performance.now();
  let done = 0;
  let sink = 0;
  while (done < events) {
    const e = heap.pop()!;
    sink += e.data;
    heap.push({ t: e.t + 0.5 + rand(), seq: 0, node: e.node, data: e.data + 1 });
    done++;
  }
  if (sink < 0) console.log(sink);
  return { events: done, ms: performance.now() - t0 };
}

/**
 * The floor with dispatch: the same heap, but each event goes to its node's handler, which returns
 * the events it schedules (as any event loop with handlers must). No network model, no hash, no
 * PRNG streams, no effects to interpret.
 */
function dispatchFloorRate(concurrent: number, events: number): { events: number; ms: number } {
  type E = { t: number; seq: number; node: number; data: number };
  const heap = new EventHeap<E>();
  let x = 1;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
  const handlers = Array.from({ length: concurrent }, (_, node) => (e: E): E[] => [{ t: e.t + 0.5 + rand(), seq: 0, node, data: e.data + 1 }]);
  for (let k = 0; k < concurrent; k++) heap.push({ t: 0, seq: 0, node: k, data: 0 });
  const t0 = performance.now();
  let done = 0;
  while (done < events) {
    const e = heap.pop()!;
    const next = handlers[e.node]!(e);
    for (let k = 0; k < next.length; k++) heap.push(next[k]!);
    done++;
  }
  return { events: done, ms: performance.now() - t0 };
}

/**
 * The floor with the protocol: the same heap driving the same no-op ping-pong step function (with
 * the allocations its inputs and outputs cost), applying only its sends (a fixed latency draw from
 * a local generator). What separates the kernel from this is the kernel's own work: the network
 * model with per-link seeded streams, the trace hash, timers, faults, checker hooks, statistics.
 */
function protocolFloorRate(events: number): { events: number; ms: number } {
  type E = { t: number; seq: number; to: number; from: number; message: number };
  const heap = new EventHeap<E>();
  let x = 1;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
  const names = ['n1', 'n2'];
  const states = [pingPong.init('n1', { self: 'n1', nowMs: 0, rng: null as never }), pingPong.init('n2', { self: 'n2', nowMs: 0, rng: null as never })];
  const env = { self: 'n1', nowMs: 0, rng: null as never };
  heap.push({ t: 0, seq: 0, to: 1, from: 0, message: 0 });
  heap.push({ t: 0, seq: 0, to: 0, from: 1, message: 0 });
  const t0 = performance.now();
  let done = 0;
  while (done < events) {
    const e = heap.pop()!;
    env.nowMs = e.t;
    const r = pingPong.step(states[e.to]!, { type: 'message', from: names[e.from]!, message: e.message }, env);
    states[e.to] = r.state;
    for (const f of r.effects) if (f.type === 'send') heap.push({ t: e.t + 0.5 + rand(), seq: 0, to: f.to === 'n1' ? 0 : 1, from: e.to, message: f.message });
    done++;
  }
  return { events: done, ms: performance.now() - t0 };
}

export default async function kernelBench(): Promise<void> {
  const rows: [string, number, number][] = [];
  // Warm up the JIT on both, then measure.
  kernelRate(pingPong, 2, 200_000);
  floorRate(2, 500_000);
  const rate = (r: { events: number; ms: number }) => r.events / (r.ms / 1000);
  // Best of three: the least disturbed by GC and the JIT.
  const best = (f: () => { events: number; ms: number }) => [f(), f(), f()].sort((a, b) => a.ms - b.ms)[0]!;
  const pp = best(() => kernelRate(pingPong, 2, 2_000_000));
  const tk = best(() => kernelRate(ticker, 8, 400_000));
  const fl2 = best(() => floorRate(2, pp.events));
  const fl8 = best(() => floorRate(8, tk.events));
  const df2 = best(() => dispatchFloorRate(2, pp.events));
  const df8 = best(() => dispatchFloorRate(8, tk.events));
  const pf2 = best(() => protocolFloorRate(pp.events));
  rows.push(['kernel, no-op ping-pong, 2 nodes', pp.events, rate(pp)]);
  rows.push(['floor: bare heap loop, 2 in flight', fl2.events, rate(fl2)]);
  rows.push(['floor: heap + handler call, 2 in flight', df2.events, rate(df2)]);
  rows.push(['floor: heap + the same step function', pf2.events, rate(pf2)]);
  rows.push(['kernel, no-op timers, 8 nodes', tk.events, rate(tk)]);
  rows.push(['floor: bare heap loop, 8 in flight', fl8.events, rate(fl8)]);
  rows.push(['floor: heap + handler call, 8 in flight', df8.events, rate(df8)]);
  for (const [name, events, r] of rows) console.log(`${name.padEnd(42)} ${String(events).padStart(10)} events  ${(r / 1e6).toFixed(2).padStart(6)} M events/s`);
  console.log(`ratio kernel / bare heap loop:        ping-pong ${(rate(pp) / rate(fl2)).toFixed(2)}, timers ${(rate(tk) / rate(fl8)).toFixed(2)}`);
  console.log(`ratio kernel / heap + handler call:   ping-pong ${(rate(pp) / rate(df2)).toFixed(2)}, timers ${(rate(tk) / rate(df8)).toFixed(2)}`);
  console.log(`ratio kernel / heap + same step:      ping-pong ${(rate(pp) / rate(pf2)).toFixed(2)}`);
  console.log('targets: >= 2 M events/s for the no-op protocol, and >= 0.5 of the floor');
}
