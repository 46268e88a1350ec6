/**
 * From an explored path to a run of the normal simulator: the `directed` section of a RunConfig
 * (sim/scenario.ts), plus the crashes and restarts as ordinary fault events. The kernel then
 * delivers every message, fires every timer and delivers every command exactly when and in the
 * order the path did, so the replay meets the same violation.
 */
export { directedScheduleError } from '../sim/directed.ts';
import type { DirectedAt, DirectedFault, DirectedSchedule, RunConfig } from '../sim/scenario.ts';
import type { FaultEvent } from '../sim/faults.ts';
import type { Choice, EventChoice, Model, XWorld } from './model.ts';

/** The worlds from the initial one to `w`, in order. */
export function pathTo(w: XWorld): XWorld[] {
  const out: XWorld[] = [];
  for (let x: XWorld | null = w; x !== null; x = x.parent) out.push(x);
  return out.reverse();
}

/** One line per step, for people. */
export function describeChoice(model: Model, before: XWorld, choice: Choice, after: XWorld): string {
  const t = `${+after.now.toFixed(3)}ms`;
  const name = (i: number) => model.names[i]!;
  const event = (c: EventChoice): string => {
    switch (c.type) {
      case 'deliver': {
        const m = before.inflight.find((x) => x.id === c.msg);
        const what = m ? messageType(m.payload) : `message ${c.msg}`;
        const down = m !== undefined && before.slots[m.to]!.status !== 0;
        return m ? `${c.keep ? 'deliver a duplicate of' : down ? 'lose (receiver down)' : 'deliver'} ${what} ${name(m.from)} -> ${name(m.to)}` : `deliver message ${c.msg}`;
      }
      case 'timer':
        return `fire timer '${c.name}' of ${name(c.node)}`;
      case 'command':
        return `command ${c.index} to ${model.commands[c.index]!.node}: ${JSON.stringify(model.commands[c.index]!.command)}`;
    }
  };
  switch (choice.type) {
    case 'deliver':
    case 'timer':
    case 'command':
      return `${t}  ${event(choice)}`;
    case 'drop': {
      const m = before.inflight.find((x) => x.id === choice.msg);
      return `${t}  drop ${m ? `${messageType(m.payload)} ${name(m.from)} -> ${name(m.to)}` : `message ${choice.msg}`}`;
    }
    case 'crash':
      return `${t}  crash ${name(choice.node)}`;
    case 'crashIn':
      return `${t}  crash ${name(choice.node)} inside: ${event(choice.event)}, after ${choice.landing} effect(s), the write in flight lost`;
    case 'restart':
      return `${t}  restart ${name(choice.node)}`;
  }
}

function messageType(payload: unknown): string {
  if (typeof payload === 'object' && payload !== null) {
    const p = payload as { type?: unknown; kind?: unknown };
    if (typeof p.type === 'string') return p.type;
    if (typeof p.kind === 'string') return p.kind;
  }
  return 'message';
}

/** Fault events of a path: how many crashes, restarts, drops and duplicates it needed. */
export interface PathFaults {
  readonly crashes: number;
  readonly restarts: number;
  readonly drops: number;
  readonly duplicates: number;
  readonly total: number;
}

export function pathFaults(path: readonly XWorld[]): PathFaults {
  let crashes = 0;
  let restarts = 0;
  let drops = 0;
  let duplicates = 0;
  for (const w of path) {
    const c = w.via;
    if (c === null) continue;
    if (c.type === 'crash' || c.type === 'crashIn') crashes++;
    else if (c.type === 'restart') restarts++;
    else if (c.type === 'drop') drops++;
    else if (c.type === 'deliver' && c.keep) duplicates++;
  }
  return { crashes, restarts, drops, duplicates, total: crashes + restarts + drops + duplicates };
}

/**
 * The run config that replays the path to `w` in the kernel. With `quiet`, the run goes on from
 * `w` through the heal and the scenario's quiet phase (see `DirectedSchedule`), and is judged by
 * every checker, liveness included, at its end.
 */
export function directedConfig(model: Model, w: XWorld, quiet = false): RunConfig {
  const path = pathTo(w);
  let order = 0;
  const deliveries: DirectedAt[][] = Array.from({ length: w.nextMsgId }, () => []);
  const timers: (DirectedAt | null)[] = new Array(w.nextArm).fill(null);
  const commands: (DirectedAt | null)[] = new Array(model.commands.length).fill(null);
  const faults: FaultEvent[] = [];
  const directedFaults: DirectedFault[] = [];
  const lines: string[] = [];
  const event = (c: EventChoice, atMs: number): void => {
    const at = { atMs, order: order++ };
    switch (c.type) {
      case 'deliver':
        deliveries[c.msg]!.push(at);
        return;
      case 'timer':
        timers[c.arm] = at;
        return;
      case 'command':
        commands[c.index] = at;
        return;
    }
  };
  for (let k = 1; k < path.length; k++) {
    const before = path[k - 1]!;
    const after = path[k]!;
    const c = after.via!;
    lines.push(describeChoice(model, before, c, after));
    const t = after.now;
    switch (c.type) {
      case 'deliver':
      case 'timer':
      case 'command':
        event(c, t);
        break;
      case 'drop':
        break; // never delivered
      case 'crash':
        faults.push({ atMs: t, type: 'crash', node: model.names[c.node]! });
        directedFaults.push({ order: order++ });
        break;
      case 'crashIn':
        faults.push({ atMs: t, type: 'crash', node: model.names[c.node]!, landing: 'mid-step', writeFault: 'lost' });
        directedFaults.push({ order: order++, landing: c.landing });
        event(c.event, t);
        break;
      case 'restart':
        faults.push({ atMs: t, type: 'restart', node: model.names[c.node]! });
        directedFaults.push({ order: order++ });
        break;
    }
  }
  const directed: DirectedSchedule = {
    fixedRng: true,
    deliveries,
    timers,
    commands,
    faults: directedFaults,
    end: { atMs: w.now, order },
    ...(quiet ? { inflight: w.inflight.map((m) => m.id).sort((a, b) => a - b) } : {}),
    path: quiet ? [...lines, `then the heal and a quiet phase of ${model.config.quietMs} ms, as in any run`] : lines,
  };
  return {
    ...model.config,
    faults,
    durationMs: w.now,
    quietMs: quiet ? model.config.quietMs : 0,
    maxEvents: Math.max(model.config.maxEvents, w.events + 10),
    directed,
  };
}
