/**
 * Primary leases: why at most one node of a shard executes writes at any instant, whatever the
 * committed configuration says and however late a node learns of it.
 *
 * A primary executes writes (and reads) only while it holds a lease. It asks the configuration
 * group's voters for one every `renewEveryMs`; a voter grants it only to the node its committed
 * configuration names as the shard's primary, and only when it has no unexpired promise to another
 * node of that shard. Granting is a promise: "for `leaseMs` of my clock I grant this shard to
 * nobody else". The holder counts its lease from when it *sent* the request, minus a safety margin
 * for clock skew and drift, and only once a majority granted the same request.
 *
 * Two leases of one shard never overlap: the two majorities share a voter, and that voter granted
 * the second only after its promise for the first had run out, which is after the first holder's
 * lease ran out on the first holder's own clock (it started counting earlier, and stops `marginMs`
 * sooner than the promise). A voter that restarts forgets its promises, so it grants nothing for
 * `leaseMs` after a restart.
 */
import type { NodeId } from '../contract/protocol.ts';

export interface LeaseOptions {
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  /** Subtracted from the holder's lease: twice the largest clock offset, plus drift over a lease, plus slack. */
  readonly marginMs: number;
}

export const LEASE_DEFAULTS: LeaseOptions = { leaseMs: 1500, renewEveryMs: 400, marginMs: 120 };

/** The holder's side, kept by every node (only primaries use it). */
export interface LeaseHolder {
  /** The shard the lease is for (null: none). */
  shard: string | null;
  /** Valid while the holder's clock is below this. */
  untilMs: number;
  seq: number;
  /** Requests awaiting a majority: newest last, at most a few. */
  pending: { readonly seq: number; readonly shard: string; readonly sentAtMs: number; grants: NodeId[] }[];
  lastRequestMs: number;
}

export function emptyHolder(): LeaseHolder {
  return { shard: null, untilMs: 0, seq: 0, pending: [], lastRequestMs: -Infinity };
}

const MAX_PENDING = 4;

/** A new request for `shard`; returns its sequence number (send it to every voter). */
export function requestLease(h: LeaseHolder, shard: string, nowMs: number): number {
  h.seq += 1;
  h.pending.push({ seq: h.seq, shard, sentAtMs: nowMs, grants: [] });
  if (h.pending.length > MAX_PENDING) h.pending.shift();
  h.lastRequestMs = nowMs;
  return h.seq;
}

/** A voter granted request `seq`; true when the lease was extended. */
export function leaseGranted(h: LeaseHolder, from: NodeId, seq: number, voters: readonly NodeId[], o: LeaseOptions): boolean {
  const p = h.pending.find((x) => x.seq === seq);
  if (p === undefined || !voters.includes(from) || p.grants.includes(from)) return false;
  p.grants.push(from);
  if (p.grants.length * 2 <= voters.length) return false;
  const until = p.sentAtMs + o.leaseMs - o.marginMs;
  if (h.shard !== p.shard) {
    h.shard = p.shard;
    h.untilMs = until;
  } else h.untilMs = Math.max(h.untilMs, until);
  // Older requests can only give shorter leases.
  h.pending = h.pending.filter((x) => x.seq > seq);
  return true;
}

export function leaseValid(h: LeaseHolder, shard: string, nowMs: number): boolean {
  return h.shard === shard && nowMs < h.untilMs;
}

/** Give the lease up (demoted, or pausing for a manual failover): it stops being valid here at once. */
export function dropLease(h: LeaseHolder): void {
  h.shard = null;
  h.untilMs = 0;
  h.pending = [];
}

/** The voter's side. */
export interface LeaseGrantor {
  /** Per shard: the node promised the shard, and until when (voter's clock). */
  promises: Record<string, { readonly node: NodeId; readonly untilMs: number }>;
  /** Per shard: a failover of it is under way; its primary `node` gets no lease renewal until `untilMs`. */
  blocked: Record<string, { readonly node: NodeId; readonly untilMs: number }>;
  /** After a restart: no grant (and no vote) before this. */
  quietUntilMs: number;
}

export function emptyGrantor(quietUntilMs: number): LeaseGrantor {
  return { promises: {}, blocked: {}, quietUntilMs };
}

/** True while some node holds an unexpired promise for `shard` (a lease may be in force). */
export function promiseOutstanding(g: LeaseGrantor, shard: string, nowMs: number): boolean {
  const p = Object.hasOwn(g.promises, shard) ? g.promises[shard] : undefined;
  return p !== undefined && p.untilMs > nowMs;
}

export type GrantRefusal = 'not-primary' | 'promised-to-another' | 'failover-pending' | 'restarting';

/**
 * Decide a lease request of `node` for `shard`; `isPrimary`: the voter's committed configuration
 * names `node` the shard's primary. On a grant the promise is recorded (extended).
 */
export function decideGrant(g: LeaseGrantor, shard: string, node: NodeId, isPrimary: boolean, nowMs: number, o: LeaseOptions): GrantRefusal | null {
  if (nowMs < g.quietUntilMs) return 'restarting';
  if (!isPrimary) return 'not-primary';
  const p = Object.hasOwn(g.promises, shard) ? g.promises[shard] : undefined;
  if (p !== undefined && p.node !== node && p.untilMs > nowMs) return 'promised-to-another';
  const b = Object.hasOwn(g.blocked, shard) ? g.blocked[shard] : undefined;
  if (b !== undefined && b.node === node && b.untilMs > nowMs) return 'failover-pending';
  g.promises[shard] = { node, untilMs: nowMs + o.leaseMs };
  return null;
}

/** A legitimate failover request for `shard` arrived: stop renewing `primary`'s lease for a while, so the election can proceed. */
export function blockRenewals(g: LeaseGrantor, shard: string, primary: NodeId, untilMs: number): void {
  const b = Object.hasOwn(g.blocked, shard) ? g.blocked[shard] : undefined;
  if (b === undefined || b.node !== primary || b.untilMs < untilMs) g.blocked[shard] = { node: primary, untilMs };
}
