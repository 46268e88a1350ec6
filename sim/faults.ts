/**
 * Fault plans: an explicit, timed schedule of fault events (plain JSON, what a report stores and a
 * property test shrinks), a readable script form of it ("crash n2 at 3s; partition n1,n2 | n3 at
 * 5s until 9s"), and the swarm generator that draws a schedule from a seed: which fault kinds are
 * on in this run, and how hard they hit.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { ClockConfig } from './scenario.ts';
import { conditionsError, type LinkConditions } from './network.ts';
import type { Stream } from '../core/contract/rng.ts';

/** Where a crash lands: at an event boundary, or inside the node's next step between two effects. */
export type CrashLanding = 'between-steps' | 'mid-step';
/**
 * What happens to the write in flight when a mid-step crash lands on a `persist` effect: nothing
 * (it completed), lost (it never reached the disk), torn (an appended record survives as a
 * prefix) or corrupt (an appended record survives with a changed character). Overwrites and
 * truncations are atomic: they are either done or lost.
 */
export type WriteFault = 'none' | 'lost' | 'torn' | 'corrupt';

export type FaultEvent =
  | { readonly atMs: number; readonly type: 'crash'; readonly node: NodeId; readonly landing?: CrashLanding; readonly writeFault?: WriteFault }
  | { readonly atMs: number; readonly type: 'restart'; readonly node: NodeId }
  /** Nodes in different groups can't reach each other; nodes in no group are unaffected. Replaces the current partition. */
  | { readonly atMs: number; readonly type: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  /** Messages from any of `from` to any of `to` are lost; the reverse direction still works. Adds to the current blocks. */
  | { readonly atMs: number; readonly type: 'oneway'; readonly from: readonly NodeId[]; readonly to: readonly NodeId[] }
  /** Removes every partition and one-way block. */
  | { readonly atMs: number; readonly type: 'heal' }
  /** The node stops processing for a while (a GC pause, a stalled disk); its messages and timers wait. */
  | { readonly atMs: number; readonly type: 'pause'; readonly node: NodeId; readonly durationMs: number }
  /** Sets the node's clock offset and rate error (clamped to the config's bounds). */
  | { readonly atMs: number; readonly type: 'clock'; readonly node: NodeId; readonly skewMs: number; readonly driftPpm: number }
  /**
   * Sets every link's conditions to the base conditions with these fields replaced; `{}` restores
   * the base. With `links`, only the links from any of `from` to any of `to` (`*`: every node)
   * change, and `{}` removes what an earlier event set on them.
   */
  | { readonly atMs: number; readonly type: 'network'; readonly conditions: Partial<LinkConditions>; readonly links?: LinkSet }
  /**
   * An attacker on the link from `from` to `node` delivers a message that `from` didn't send now:
   * `replay` re-delivers the last message `node` received from `from`; `tamper` delivers a copy of
   * it with one byte changed (binary messages only); `garbage` delivers random bytes. The kernel
   * checks that the receiver's state is the same after the step as before (invariant
   * `kernel:forgery-accepted`).
   */
  | { readonly atMs: number; readonly type: 'forge'; readonly node: NodeId; readonly from: NodeId; readonly mode: ForgeMode };

export type ForgeMode = 'replay' | 'tamper' | 'garbage';

/** Directed links: from any of `from` to any of `to`; `*` stands for every node. */
export interface LinkSet {
  readonly from: readonly NodeId[];
  readonly to: readonly NodeId[];
}

export type FaultType = FaultEvent['type'];

/** Kinds of fault the swarm generator can switch on, per scenario. */
export type FaultKind = 'crash' | 'disk' | 'partition' | 'oneway' | 'pause' | 'clock' | 'loss' | 'duplicate' | 'latency' | 'forge';
/** Every kind but `forge`, which only protocols that authenticate their messages can take. */
export const allFaultKinds: readonly FaultKind[] = ['crash', 'disk', 'partition', 'oneway', 'pause', 'clock', 'loss', 'duplicate', 'latency'];

export interface SwarmOptions {
  /** Nodes faults may target (servers), sorted. */
  readonly nodes: readonly NodeId[];
  readonly durationMs: number;
  readonly kinds: readonly FaultKind[];
  readonly clock: ClockConfig;
  /** At most this many nodes down at once (default: a minority). */
  readonly maxDown?: number;
}

export interface SwarmPlan {
  /** The kinds this seed switched on. */
  readonly enabled: readonly FaultKind[];
  /** Mean fault events per simulated second. */
  readonly ratePerSecond: number;
  readonly faults: FaultEvent[];
}

/**
 * Swarm testing (Groce et al., as in TigerBeetle's VOPR): each seed switches every fault kind on
 * or off and picks an intensity, so some runs hammer one kind hard and others mix them.
 */
export function swarmFaults(rng: Stream, options: SwarmOptions): SwarmPlan {
  const enabled = options.kinds.filter(() => rng.chance(0.5));
  const ratePerSecond = 0.2 + rng.next() * 1.8;
  const faults: FaultEvent[] = [];
  const nodes = options.nodes;
  if (enabled.length === 0 || nodes.length === 0) return { enabled, ratePerSecond, faults };
  const maxDown = options.maxDown ?? Math.floor((nodes.length - 1) / 2);
  const downUntil = new Map<NodeId, number>();
  const count = Math.min(10_000, Math.round((options.durationMs / 1000) * ratePerSecond));
  const end = options.durationMs;
  const round = (ms: number) => Math.round(ms);
  for (let k = 0; k < count; k++) {
    const atMs = round(rng.next() * end * 0.95);
    const kind = rng.pick(enabled);
    switch (kind) {
      case 'crash':
      case 'disk': {
        const down = [...downUntil.values()].filter((t) => t > atMs).length;
        const candidates = nodes.filter((n) => (downUntil.get(n) ?? -1) <= atMs);
        if (down >= maxDown || candidates.length === 0) break;
        const node = rng.pick(candidates);
        const restartAt = Math.min(end, atMs + round(50 + rng.next() * 3000));
        downUntil.set(node, restartAt);
        faults.push(
          kind === 'crash'
            ? { atMs, type: 'crash', node }
            : { atMs, type: 'crash', node, landing: 'mid-step', writeFault: rng.pick(['lost', 'torn', 'corrupt'] as const) },
        );
        if (restartAt < end) faults.push({ atMs: restartAt, type: 'restart', node });
        break;
      }
      case 'partition': {
        const side = nodes.filter(() => rng.chance(0.5));
        if (side.length === 0 || side.length === nodes.length) break;
        const other = nodes.filter((n) => !side.includes(n));
        faults.push({ atMs, type: 'partition', groups: [side, other] });
        faults.push({ atMs: Math.min(end, atMs + round(100 + rng.next() * 4000)), type: 'heal' });
        break;
      }
      case 'oneway': {
        const from = rng.pick(nodes);
        const to = nodes.filter((n) => n !== from && rng.chance(0.5));
        if (to.length === 0) break;
        faults.push({ atMs, type: 'oneway', from: [from], to });
        faults.push({ atMs: Math.min(end, atMs + round(100 + rng.next() * 3000)), type: 'heal' });
        break;
      }
      case 'pause':
        faults.push({ atMs, type: 'pause', node: rng.pick(nodes), durationMs: round(20 + rng.next() * 2000) });
        break;
      case 'clock': {
        const skewMs = round((rng.next() * 2 - 1) * options.clock.maxSkewMs);
        const driftPpm = round((rng.next() * 2 - 1) * options.clock.maxDriftPpm);
        faults.push({ atMs, type: 'clock', node: rng.pick(nodes), skewMs, driftPpm });
        break;
      }
      case 'forge': {
        if (nodes.length < 2) break;
        const node = rng.pick(nodes);
        const from = rng.pick(nodes.filter((n) => n !== node));
        faults.push({ atMs, type: 'forge', node, from, mode: rng.pick(['replay', 'tamper', 'garbage'] as const) });
        break;
      }
      case 'loss':
      case 'duplicate':
      case 'latency': {
        const conditions: Partial<LinkConditions> =
          kind === 'loss'
            ? { lossRate: Math.round(rng.next() * 40) / 100 }
            : kind === 'duplicate'
              ? { duplicateRate: Math.round(rng.next() * 20) / 100 }
              : { latency: { kind: 'exponential', minMs: 1, meanMs: 5 + round(rng.next() * 60), maxMs: 500 } };
        faults.push({ atMs, type: 'network', conditions });
        faults.push({ atMs: Math.min(end, atMs + round(100 + rng.next() * 3000)), type: 'network', conditions: {} });
        break;
      }
    }
  }
  return { enabled, ratePerSecond, faults: sortFaults(faults) };
}

/** Stable sort by time: events at the same time keep their schedule order. */
export function sortFaults(faults: readonly FaultEvent[]): FaultEvent[] {
  return faults
    .map((f, i) => [f, i] as const)
    .sort((a, b) => a[0].atMs - b[0].atMs || a[1] - b[1])
    .map(([f]) => f);
}

/** Why a fault schedule is unusable for these nodes, naming the first bad event; or null. */
export function faultScheduleError(faults: unknown, nodes: readonly NodeId[]): string | null {
  if (!Array.isArray(faults)) return 'faults must be a list';
  const known = new Set(nodes);
  const node = (n: unknown, i: number) => (typeof n === 'string' && known.has(n) ? null : `fault ${i}: unknown node ${JSON.stringify(n)}`);
  const nodeList = (xs: unknown, i: number, what: string) =>
    Array.isArray(xs) && xs.length > 0 ? xs.map((x) => node(x, i)).find((e) => e !== null) ?? null : `fault ${i}: ${what} must be a non-empty list of nodes`;
  for (let i = 0; i < faults.length; i++) {
    const f = faults[i] as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null) return `fault ${i}: not an object`;
    if (typeof f.atMs !== 'number' || !Number.isFinite(f.atMs) || f.atMs < 0) return `fault ${i}: atMs must be a non-negative number`;
    let err: string | null = null;
    switch (f.type) {
      case 'crash':
        err = node(f.node, i);
        if (!err && f.landing !== undefined && f.landing !== 'between-steps' && f.landing !== 'mid-step') err = `fault ${i}: landing must be between-steps or mid-step`;
        if (!err && f.writeFault !== undefined && !['none', 'lost', 'torn', 'corrupt'].includes(f.writeFault as string)) err = `fault ${i}: writeFault must be none, lost, torn or corrupt`;
        break;
      case 'restart':
        err = node(f.node, i);
        break;
      case 'partition':
        if (!Array.isArray(f.groups) || f.groups.length < 2) err = `fault ${i}: a partition needs at least two groups`;
        else err = f.groups.map((g) => nodeList(g, i, 'a group')).find((e) => e !== null) ?? null;
        break;
      case 'oneway':
        err = nodeList(f.from, i, 'from') ?? nodeList(f.to, i, 'to');
        break;
      case 'heal':
        break;
      case 'pause':
        err = node(f.node, i);
        if (!err && !(typeof f.durationMs === 'number' && f.durationMs >= 0 && Number.isFinite(f.durationMs))) err = `fault ${i}: durationMs must be a non-negative number`;
        break;
      case 'clock':
        err = node(f.node, i);
        if (!err && !(typeof f.skewMs === 'number' && Number.isFinite(f.skewMs))) err = `fault ${i}: skewMs must be a number`;
        if (!err && !(typeof f.driftPpm === 'number' && Number.isFinite(f.driftPpm) && Math.abs(f.driftPpm) < 1e6)) err = `fault ${i}: driftPpm must be a number within ±1e6`;
        break;
      case 'forge':
        err = node(f.node, i) ?? node(f.from, i);
        if (!err && !['replay', 'tamper', 'garbage'].includes(f.mode as string)) err = `fault ${i}: mode must be replay, tamper or garbage`;
        break;
      case 'network': {
        err = typeof f.conditions === 'object' && f.conditions !== null ? conditionsError(f.conditions as Partial<LinkConditions>, `fault ${i}`) : `fault ${i}: conditions must be an object`;
        const links = f.links as Record<string, unknown> | undefined;
        if (!err && links !== undefined) {
          const side = (xs: unknown, what: string) =>
            Array.isArray(xs) && xs.length > 0 ? xs.map((x) => (x === '*' ? null : node(x, i))).find((e) => e !== null) ?? null : `fault ${i}: links.${what} must be a non-empty list of nodes or "*"`;
          err = typeof links === 'object' && links !== null ? side(links.from, 'from') ?? side(links.to, 'to') : `fault ${i}: links must be an object`;
        }
        break;
      }
      default:
        err = `fault ${i}: unknown type ${JSON.stringify(f.type)}`;
    }
    if (err) return err;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The script form: one statement per line or per ';'. Times take a unit: 3s, 250ms, 1.5s.
//
//   crash n2 at 3s [mid-step] [lost|torn|corrupt]      restart n2 at 4s
//   partition n1,n2 | n3,n4,n5 at 5s [until 9s]         oneway n1 -> n2,n3 at 2s [until 4s]
//   pause n3 at 2s for 500ms                            clock n2 at 1s skew 20ms drift 100ppm
//   loss 20% at 1s [until 3s]      duplicate 5% at 1s [until 3s]      latency 10..50ms at 1s [until 3s]
//   ... [on FROM -> TO]: only those links, e.g. latency 200..400ms on * -> n3 at 1s (a slow receiver)
//   heal at 10s                                         forge replay|tamper|garbage n1 -> n2 at 3s
// ---------------------------------------------------------------------------------------------

export class FaultScriptError extends Error {}

export function parseFaultScript(text: string): FaultEvent[] {
  const out: FaultEvent[] = [];
  const statements = text.split(/[;\n]/).map((s) => s.trim()).filter((s) => s.length > 0 && !s.startsWith('#'));
  for (const statement of statements) out.push(...parseStatement(statement));
  return sortFaults(out);
}

function parseStatement(s: string): FaultEvent[] {
  const fail = (why: string): never => {
    throw new FaultScriptError(`fault script: ${why} in "${s}"`);
  };
  const at = /\bat\s+(\S+)/.exec(s);
  if (!at?.[1]) fail('missing "at TIME"');
  const atMs = parseDuration(at![1]!, fail);
  const untilMatch = /\buntil\s+(\S+)/.exec(s);
  const untilMs = untilMatch?.[1] ? parseDuration(untilMatch[1], fail) : null;
  if (untilMs !== null && untilMs < atMs) fail('"until" is before "at"');
  const words = s.split(/\s+/);
  const verb = words[0];
  const list = (x: string | undefined) => (x ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  const percent = (x: string | undefined) => {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(x ?? '');
    if (!m) fail(`expected a percentage, got "${x}"`);
    const v = Number(m![1]) / 100;
    if (v > 1) fail('a rate above 100%');
    return v;
  };
  // `on FROM -> TO` narrows a network change to those links (`*` for every node).
  const on = /\bon\s+(\S+)\s*->\s*(\S+)/.exec(s);
  const links = on ? { from: list(on[1]), to: list(on[2]) } : undefined;
  if (on && (links!.from.length === 0 || links!.to.length === 0)) fail('"on" needs "FROM -> TO"');
  const network = (conditions: Partial<LinkConditions>): FaultEvent[] => [
    { atMs, type: 'network', conditions, ...(links ? { links } : {}) },
    ...(untilMs !== null ? [{ atMs: untilMs, type: 'network' as const, conditions: {}, ...(links ? { links } : {}) }] : []),
  ];
  switch (verb) {
    case 'crash': {
      const node = words[1] ?? fail('crash needs a node');
      const landing: CrashLanding = words.includes('mid-step') ? 'mid-step' : 'between-steps';
      const writeFault = (['lost', 'torn', 'corrupt'] as const).find((w) => words.includes(w));
      if (writeFault && landing !== 'mid-step') fail(`"${writeFault}" needs "mid-step": only a write in flight can be damaged`);
      return [{ atMs, type: 'crash', node, ...(landing === 'mid-step' ? { landing } : {}), ...(writeFault ? { writeFault } : {}) }];
    }
    case 'restart':
      return [{ atMs, type: 'restart', node: words[1] ?? fail('restart needs a node') }];
    case 'partition': {
      const body = s.slice('partition'.length, s.search(/\bat\b/)).trim();
      const groups = body.split('|').map((g) => list(g.replace(/\s+/g, '')));
      if (groups.length < 2 || groups.some((g) => g.length === 0)) fail('partition needs groups like "n1,n2 | n3"');
      return [{ atMs, type: 'partition', groups }, ...(untilMs !== null ? [{ atMs: untilMs, type: 'heal' as const }] : [])];
    }
    case 'oneway': {
      const body = s.slice('oneway'.length, s.search(/\bat\b/)).trim();
      const [from, to] = body.split('->').map((g) => list(g.replace(/\s+/g, '')));
      if (!from?.length || !to?.length) fail('oneway needs "FROM -> TO"');
      return [{ atMs, type: 'oneway', from: from!, to: to! }, ...(untilMs !== null ? [{ atMs: untilMs, type: 'heal' as const }] : [])];
    }
    case 'heal':
      return [{ atMs, type: 'heal' }];
    case 'forge': {
      const m = /^forge\s+(replay|tamper|garbage)\s+(\S+)\s*->\s*(\S+)\s+at\b/.exec(s);
      if (!m) fail('forge needs "forge replay|tamper|garbage FROM -> TO at TIME"');
      return [{ atMs, type: 'forge', mode: m![1] as ForgeMode, from: m![2]!, node: m![3]! }];
    }
    case 'pause': {
      const forMatch = /\bfor\s+(\S+)/.exec(s);
      if (!forMatch?.[1]) fail('pause needs "for DURATION"');
      return [{ atMs, type: 'pause', node: words[1] ?? fail('pause needs a node'), durationMs: parseDuration(forMatch![1]!, fail) }];
    }
    case 'clock': {
      const skew = /\bskew\s+(\S+)/.exec(s);
      const drift = /\bdrift\s+(-?\d+(?:\.\d+)?)ppm\b/.exec(s);
      return [{ atMs, type: 'clock', node: words[1] ?? fail('clock needs a node'), skewMs: skew?.[1] ? parseDuration(skew[1], fail, true) : 0, driftPpm: drift?.[1] ? Number(drift[1]) : 0 }];
    }
    case 'loss':
      return network({ lossRate: percent(words[1]) });
    case 'duplicate':
      return network({ duplicateRate: percent(words[1]) });
    case 'latency': {
      const m = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)ms$/.exec(words[1] ?? '');
      if (!m) fail('latency needs "MIN..MAXms"');
      const minMs = Number(m![1]);
      const maxMs = Number(m![2]);
      if (maxMs < minMs) fail('latency max below min');
      return network({ latency: { kind: 'uniform', minMs, maxMs } });
    }
    default:
      return fail(`unknown fault "${verb}"`);
  }
}

function parseDuration(text: string, fail: (why: string) => never, signed = false): number {
  const m = /^(-?\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m || (!signed && text.startsWith('-'))) fail(`bad duration "${text}" (use 250ms or 1.5s)`);
  const v = Number(m![1]);
  return m![2] === 's' ? v * 1000 : v;
}

/** The script form of a schedule, for reports and terminal output. Events that the grammar pairs are printed one per line. */
export function formatFault(f: FaultEvent): string {
  const t = `at ${formatMs(f.atMs)}`;
  switch (f.type) {
    case 'crash':
      return `crash ${f.node} ${t}${f.landing === 'mid-step' ? ' mid-step' : ''}${f.writeFault && f.writeFault !== 'none' ? ` ${f.writeFault}` : ''}`;
    case 'restart':
      return `restart ${f.node} ${t}`;
    case 'partition':
      return `partition ${f.groups.map((g) => g.join(',')).join(' | ')} ${t}`;
    case 'oneway':
      return `oneway ${f.from.join(',')} -> ${f.to.join(',')} ${t}`;
    case 'heal':
      return `heal ${t}`;
    case 'pause':
      return `pause ${f.node} ${t} for ${formatMs(f.durationMs)}`;
    case 'clock':
      return `clock ${f.node} ${t} skew ${formatMs(f.skewMs)} drift ${f.driftPpm}ppm`;
    case 'forge':
      return `forge ${f.mode} ${f.from} -> ${f.node} ${t}`;
    case 'network': {
      const c = f.conditions;
      const parts: string[] = [];
      if (c.lossRate !== undefined) parts.push(`loss ${+(c.lossRate * 100).toFixed(2)}%`);
      if (c.duplicateRate !== undefined) parts.push(`duplicate ${+(c.duplicateRate * 100).toFixed(2)}%`);
      if (c.latency !== undefined) parts.push(`latency ${JSON.stringify(c.latency)}`);
      if (c.reorder !== undefined) parts.push(`reorder ${c.reorder}`);
      const where = f.links ? ` on ${f.links.from.join(',')} -> ${f.links.to.join(',')}` : '';
      return parts.length === 0 ? `network back to base${where} ${t}` : `${parts.join(', ')}${where} ${t}`;
    }
  }
}

export function formatMs(ms: number): string {
  return Math.abs(ms) >= 1000 && ms % 100 === 0 ? `${ms / 1000}s` : `${+ms.toFixed(3)}ms`;
}
