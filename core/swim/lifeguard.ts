/**
 * The small math of SWIM and Lifeguard, as pure functions with units in their names. The formulas
 * follow hashicorp/memberlist (suspicion.go, util.go, awareness.go), which is the production
 * reference for Lifeguard (Dadgar, Phillips, Currey: "Lifeguard: Local Health Awareness for More
 * Accurate Failure Detection", 2018):
 *
 * - suspicionTimeoutMinMs: the suspicion timeout for a group of n, growing with log10(n);
 * - remainingSuspicionTimeMs: Lifeguard's dynamic suspicion timeout, starting at max and shrinking
 *   towards min as independent confirmations arrive (log(C+1)/log(K+1));
 * - retransmitLimit: how many times one update is piggybacked, λ·⌈log10(n+1)⌉;
 * - applyAwareness / scaleByAwareness: the local health multiplier (LHM).
 *
 * Differences from the papers are memberlist's: log10 rather than the SWIM paper's natural log,
 * LHM clamped to [0, max-1] (so 8 gives at most 8x), k = suspicionMult - 2 confirmations wanted.
 */

/**
 * memberlist's suspicionTimeout(suspicionMult, n, interval): mult · max(1, log10(max(1, n))) · interval,
 * with the node scale truncated to 1/1000 as memberlist does (it converts nodeScale*1000 to a Duration).
 */
export function suspicionTimeoutMinMs(suspicionMult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return (suspicionMult * Math.floor(nodeScale * 1000) * intervalMs) / 1000;
}

/** Lifeguard's upper bound on the suspicion timeout: maxMult · min. */
export function suspicionTimeoutMaxMs(suspicionMaxTimeoutMult: number, minMs: number): number {
  return suspicionMaxTimeoutMult * minMs;
}

/**
 * memberlist's remainingSuspicionTime(n, k, elapsed, min, max): the total timeout after n of the k
 * wanted independent confirmations is max - (max - min)·ln(n+1)/ln(k+1), floored to whole
 * milliseconds and never below min; what is left of it after `elapsedMs`. May be negative: fire now.
 * With k < 1 no confirmations are expected and the timeout is min (memberlist's newSuspicion).
 */
export function remainingSuspicionTimeMs(args: { readonly confirmations: number; readonly wanted: number; readonly elapsedMs: number; readonly minMs: number; readonly maxMs: number }): number {
  const { confirmations, wanted, elapsedMs, minMs, maxMs } = args;
  if (wanted < 1) return minMs - elapsedMs;
  const frac = Math.log(confirmations + 1) / Math.log(wanted + 1);
  const rawSeconds = maxMs / 1000 - frac * ((maxMs - minMs) / 1000);
  const timeoutMs = Math.max(minMs, Math.floor(1000 * rawSeconds));
  return timeoutMs - elapsedMs;
}

/**
 * Confirmations wanted before the suspicion timeout reaches its minimum: suspicionMult - 2, or 0
 * when the group is too small to give that many (n - 2 members besides us and the suspect).
 */
export function confirmationsWanted(suspicionMult: number, n: number): number {
  const k = suspicionMult - 2;
  return n - 2 < k ? 0 : k;
}

/** memberlist's retransmitLimit: retransmitMult · ⌈log10(n + 1)⌉ (n = 0 gives 0). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** The local health score after adding `delta`, clamped to [0, awarenessMax - 1] (memberlist's awareness). */
export function applyAwareness(score: number, delta: number, awarenessMax: number): number {
  return Math.min(awarenessMax - 1, Math.max(0, score + delta));
}

/** A timeout scaled by the local health multiplier: timeout · (score + 1). */
export function scaleByAwareness(timeoutMs: number, score: number): number {
  return timeoutMs * (score + 1);
}

/** memberlist's pushPullScale: the anti-entropy interval grows with log2(n) beyond 32 members. */
export function pushPullScale(intervalMs: number, n: number): number {
  const threshold = 32;
  if (n <= threshold) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(threshold)) + 1;
  return multiplier * intervalMs;
}

/**
 * The probability that one probe of a healthy member fails, with independent loss rate p on every
 * message: the direct ping or its ack is lost, and so is every one of the k indirect paths (ping-req,
 * ping, ack, relayed ack: four messages). k = 0 is SWIM without indirect probing.
 */
export function probeFailureProbability(lossRate: number, indirectChecks: number): number {
  const ok = 1 - lossRate;
  const direct = 1 - ok * ok;
  const indirect = 1 - ok ** 4;
  return direct * indirect ** indirectChecks;
}

/**
 * The SWIM paper's expected number of protocol periods until some member first probes a crashed
 * one, when each of the n - 1 live members picks its target uniformly among its n - 1 peers:
 * 1 / (1 - (1 - 1/(n-1))^(n-1)), which tends to e/(e-1) ≈ 1.582 as n grows.
 */
export function expectedFirstDetectionPeriods(n: number): number {
  if (n <= 1) return Number.POSITIVE_INFINITY;
  return 1 / (1 - (1 - 1 / (n - 1)) ** (n - 1));
}
