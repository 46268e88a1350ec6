/**
 * The simulated network as plain data: per directed link, a loss rate, a duplication rate, a
 * latency distribution and whether it may reorder; plus the partition matrix. Fault events change
 * conditions over time; the final heal puts every link back to `base`.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { Stream } from '../core/contract/rng.ts';

export type LatencyDistribution =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** minMs plus an exponential tail with the given mean, capped at maxMs: mostly fast, sometimes slow. */
  | { readonly kind: 'exponential'; readonly minMs: number; readonly meanMs: number; readonly maxMs: number };

export interface LinkConditions {
  /** Probability that a message is lost, in [0, 1]. */
  readonly lossRate: number;
  /** Probability that a delivered message arrives twice, in [0, 1]. */
  readonly duplicateRate: number;
  readonly latency: LatencyDistribution;
  /** When false the link is FIFO: a message never overtakes an earlier one on the same link. */
  readonly reorder: boolean;
}

export interface LinkOverride {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly conditions: Partial<LinkConditions>;
}

export interface NetworkConfig {
  readonly base: LinkConditions;
  /** Links that differ from `base` for the whole run (e.g. a slow WAN link). */
  readonly overrides?: readonly LinkOverride[];
}

export const calmNetwork: LinkConditions = {
  lossRate: 0,
  duplicateRate: 0,
  latency: { kind: 'uniform', minMs: 1, maxMs: 5 },
  reorder: true,
};

export function sampleLatencyMs(latency: LatencyDistribution, rng: Stream): number {
  switch (latency.kind) {
    case 'constant':
      return latency.ms;
    case 'uniform':
      return latency.minMs + rng.next() * (latency.maxMs - latency.minMs);
    case 'exponential': {
      const tail = -Math.log(1 - rng.next()) * Math.max(0, latency.meanMs - latency.minMs);
      return Math.min(latency.maxMs, latency.minMs + tail);
    }
  }
}

const CONSTANT = 0;
const UNIFORM = 1;
const EXPONENTIAL = 2;

/**
 * A link's conditions as the kernel uses them on every message: the latency distribution
 * reduced to a numeric kind and its constants, so a send does no string switch and no lookups
 * in the distribution object. Built when a link's conditions change. `latencyMs` computes
 * exactly what `sampleLatencyMs` does (the same operations on the same values), so a run's
 * draws and times don't depend on which of the two is used.
 */
export class LinkModel {
  // Every field starts out as a number: an ES2022 class field is first defined as undefined, and
  // V8 would then keep these fields tagged, to be unboxed and checked on every message.
  readonly lossRate: number = 0;
  readonly duplicateRate: number = 0;
  readonly reorder: boolean = false;
  private readonly kind: number = CONSTANT;
  /** constant: the latency; uniform and exponential: minMs. */
  private readonly base: number = 0;
  /** uniform: maxMs - minMs; exponential: the tail's mean, max(0, meanMs - minMs). */
  private readonly scale: number = 0;
  /** exponential: the cap, maxMs. */
  private readonly cap: number = 0;

  constructor(readonly conditions: LinkConditions) {
    this.lossRate = conditions.lossRate;
    this.duplicateRate = conditions.duplicateRate;
    this.reorder = conditions.reorder;
    const l = conditions.latency;
    switch (l.kind) {
      case 'constant':
        this.kind = CONSTANT;
        this.base = l.ms;
        this.scale = 0;
        this.cap = 0;
        break;
      case 'uniform':
        this.kind = UNIFORM;
        this.base = l.minMs;
        this.scale = l.maxMs - l.minMs;
        this.cap = 0;
        break;
      case 'exponential':
        this.kind = EXPONENTIAL;
        this.base = l.minMs;
        this.scale = Math.max(0, l.meanMs - l.minMs);
        this.cap = l.maxMs;
        break;
    }
  }

  latencyMs(rng: Stream): number {
    const kind = this.kind;
    if (kind === UNIFORM) return this.base + rng.next() * this.scale;
    if (kind === CONSTANT) return this.base;
    return Math.min(this.cap, this.base + -Math.log(1 - rng.next()) * this.scale);
  }
}

/** Why a conditions object is unusable, or null. */
export function conditionsError(c: Partial<LinkConditions>, where: string): string | null {
  for (const key of ['lossRate', 'duplicateRate'] as const) {
    const v = c[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) return `${where}: ${key} must be a number in [0, 1], got ${JSON.stringify(v)}`;
  }
  if (c.reorder !== undefined && typeof c.reorder !== 'boolean') return `${where}: reorder must be true or false`;
  if (c.latency !== undefined) {
    const l = c.latency as LatencyDistribution;
    const nums = (...xs: unknown[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0);
    switch (l?.kind) {
      case 'constant':
        if (!nums(l.ms)) return `${where}: latency.ms must be a non-negative number`;
        break;
      case 'uniform':
        if (!nums(l.minMs, l.maxMs) || l.maxMs < l.minMs) return `${where}: latency needs 0 <= minMs <= maxMs`;
        break;
      case 'exponential':
        if (!nums(l.minMs, l.meanMs, l.maxMs) || l.maxMs < l.minMs || l.meanMs < l.minMs) return `${where}: latency needs 0 <= minMs <= meanMs, minMs <= maxMs`;
        break;
      default:
        return `${where}: latency.kind must be constant, uniform or exponential`;
    }
  }
  return null;
}
