/**
 * Validation of a run config's directed section (`DirectedSchedule`, sim/scenario.ts): the kernel's
 * contract for replaying an explorer counterexample, checked when a report is loaded.
 */

/** Why a directed section is unusable, naming the first bad field; or null. For report validation. */
export function directedScheduleError(d: unknown, faultCount: number): string | null {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'directed must be an object';
  const r = d as Record<string, unknown>;
  const isAt = (x: unknown): boolean => {
    const a = x as { atMs?: unknown; order?: unknown } | null;
    return typeof a === 'object' && a !== null && typeof a.atMs === 'number' && Number.isFinite(a.atMs) && a.atMs >= 0 && Number.isSafeInteger(a.order) && (a.order as number) >= 0;
  };
  if (typeof r.fixedRng !== 'boolean') return 'directed.fixedRng must be true or false';
  if (!Array.isArray(r.deliveries) || !r.deliveries.every((ts) => Array.isArray(ts) && ts.every(isAt))) return 'directed.deliveries must be a list of lists of {atMs, order}';
  if (!Array.isArray(r.timers) || !r.timers.every((x) => x === null || isAt(x))) return 'directed.timers must be a list of {atMs, order} or null';
  if (!Array.isArray(r.commands) || !r.commands.every((x) => x === null || isAt(x))) return 'directed.commands must be a list of {atMs, order} or null';
  if (!Array.isArray(r.faults) || r.faults.length !== faultCount) return `directed.faults must have one entry per fault (${faultCount})`;
  for (const f of r.faults as unknown[]) {
    const x = f as { order?: unknown; landing?: unknown } | null;
    if (typeof x !== 'object' || x === null || !Number.isSafeInteger(x.order) || (x.order as number) < 0) return 'directed.faults entries need an order';
    if (x.landing !== undefined && !(Number.isSafeInteger(x.landing) && (x.landing as number) >= 0)) return 'directed.faults: landing must be a whole number';
  }
  if (!isAt(r.end)) return 'directed.end must be {atMs, order}';
  if (r.inflight !== undefined && !(Array.isArray(r.inflight) && r.inflight.every((id) => Number.isSafeInteger(id) && (id as number) >= 0))) return 'directed.inflight must be a list of message ids';
  const orders = new Set<number>();
  const add = (o: number): boolean => !orders.has(o) && orders.add(o) !== undefined;
  for (const ts of r.deliveries as { order: number }[][]) for (const t of ts) if (!add(t.order)) return `directed: order ${t.order} is used twice`;
  for (const t of [...(r.timers as ({ order: number } | null)[]), ...(r.commands as ({ order: number } | null)[])]) if (t !== null && !add(t.order)) return `directed: order ${t.order} is used twice`;
  for (const f of r.faults as { order: number }[]) if (!add(f.order)) return `directed: order ${f.order} is used twice`;
  if (!add((r.end as { order: number }).order)) return 'directed: the end order is used twice';
  for (let o = 0; o < orders.size; o++) if (!orders.has(o)) return `directed: no event has order ${o} (orders must run 0, 1, 2, ... without a gap)`;
  if ((r.end as { order: number }).order !== orders.size - 1) return 'directed.end must come last (the highest order)';
  return null;
}
