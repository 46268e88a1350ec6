/**
 * The linearizability section, as Porcupine shows a history: the verdict; for a key that is not
 * linearizable, the smallest set of its operations that cannot all be true (the checker's
 * explanation), and the longest partial linearization the search finds, with the model's state
 * after each operation and the operations that could not come next. For a run whose violation is
 * something else, the verdict of its clients' history, checked here.
 */
import type { Violation } from '../sim/kernel.ts';
import type { Culprit } from '../sim/scenario.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { kvHistory } from '../core/raft/client.ts';
import { checkHistory } from '../checkers/linearizability/checker.ts';
import { describeOperation, type History, type Operation } from '../checkers/linearizability/history.ts';
import { longestPartialLinearization } from '../checkers/linearizability/partial.ts';
import type { ClientOp, Highlight } from './clients.ts';
import { escapeHtml as esc, formatTime, plural } from './text.ts';

export interface LinearizabilitySection {
  readonly html: string;
  readonly highlight: Highlight;
  /**
   * The operations that cannot all be true, at the events that completed them (invoked, when they
   * never returned): a violation judged at the end of the run names no event of its own, and the
   * story starts from these.
   */
  readonly culprits: readonly Culprit[];
  /** The search's verdict on the history (null: no key-value operations to check). */
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown' | null;
}

const NONE: Highlight = { key: null, failing: () => false };

function evidenceOf(v: Violation): { key: string | null; history: History } | null {
  const e = v.evidence as { key?: unknown; history?: { model?: unknown; operations?: unknown } } | undefined;
  if (typeof e !== 'object' || e === null || typeof e.history !== 'object' || e.history === null || !Array.isArray(e.history.operations)) return null;
  return { key: typeof e.key === 'string' ? e.key : null, history: e.history as History };
}

const span = (o: Operation) => `${formatTime(o.call)} → ${o.return === null ? 'never returned' : formatTime(o.return)}`;

function clientOf(o: Operation): string {
  return typeof o.client === 'string' ? o.client : `client ${o.client}`;
}

export function linearizabilitySection(v: Violation | null, trace: readonly TraceEntry[], ops: readonly ClientOp[]): LinearizabilitySection | null {
  const evidence = v === null ? null : evidenceOf(v);
  if (evidence === null) return verdictOnly(trace, ops);
  const { history, key } = evidence;
  const indices = history.operations.map((_, i) => i).filter((i) => key === null || ('key' in history.operations[i]! && (history.operations[i] as { key: string }).key === key));
  const check = checkHistory(history, { budget: 5_000_000, explainBudget: 2_000_000 });
  const failing = new Set(check.explanation?.failures[0]?.operations ?? []);
  const partial = longestPartialLinearization(history, indices);
  const failingOps = [...failing].map((i) => history.operations[i]!);
  const matches = (op: ClientOp) => failingOps.some((o) => Math.abs(o.call - op.invokedAt) < 1e-6 && (key === null || op.key === key));
  const rows: string[] = [];
  rows.push(`<tr><td></td><td colspan="3" class="dim">initial state: <code>${esc(partial.initial)}</code></td></tr>`);
  partial.order.forEach((i, k) => {
    const o = history.operations[i]!;
    rows.push(`<tr${failing.has(i) ? ' class="failing"' : ''}><td>${k + 1}</td><td><code>${esc(describeOperation(o))}</code> <span class="dim">(${esc(clientOf(o))}, op ${i})</span></td><td>${esc(span(o))}</td><td><code>${esc(partial.states[k]!)}</code></td></tr>`);
  });
  for (const i of partial.stuck) {
    const o = history.operations[i]!;
    rows.push(`<tr class="stuck"><td>✗</td><td><code>${esc(describeOperation(o))}</code> <span>(${esc(clientOf(o))}, op ${i})</span></td><td>${esc(span(o))}</td><td>cannot come next: the state is <code>${esc(partial.states[partial.states.length - 1] ?? partial.initial)}</code></td></tr>`);
  }
  const where = key === null ? 'the history' : `key <code>${esc(JSON.stringify(key))}</code>`;
  const verdict = check.verdict === 'not-linearizable' ? '<b class="bad">not linearizable</b>' : check.verdict === 'linearizable' ? '<b class="ok">linearizable</b> (the replay\'s history differs from the report\'s)' : '<b>unknown</b> (the search ran out of budget)';
  const prefix = partial.complete
    ? `Every operation that returned is placed: ${where} is linearizable by this search.`
    : `The longest linearizable prefix the search finds places ${plural(partial.order.length, 'operation')} of ${indices.length}${partial.exhausted ? ' (the search stopped at its budget)' : ''}; then nothing can come next.`;
  const html =
    `<p>${verdict}: ${where}, ${plural(indices.length, 'operation')}. ${failing.size > 0 ? `${plural(failing.size, 'operation')} that cannot all be true ${failing.size === 1 ? 'is' : 'are'} in red, here and in the client timeline.` : ''}</p>` +
    `<p>${prefix} The model's state after each:</p>` +
    `<table class="lin"><tr><th>#</th><th>operation</th><th>call → return</th><th>state after</th></tr>${rows.join('')}</table>`;
  const culprits = ops.filter(matches).map((o): Culprit => {
    const result = o.end?.result === undefined ? '' : ` → ${o.end.result}`;
    return o.end === null
      ? { node: o.client, eventIndex: o.invokedEvent, atMs: o.invokedAt, what: `${o.client} invoked ${o.op} (never returned)` }
      : { node: o.client, eventIndex: o.end.event, atMs: o.end.at, what: `${o.client} ${o.op}${result} (${o.end.phase}), one of the operations that cannot all be true` };
  });
  return { html, highlight: { key, failing: matches }, culprits, verdict: check.verdict };
}

function verdictOnly(trace: readonly TraceEntry[], ops: readonly ClientOp[]): LinearizabilitySection | null {
  if (ops.length === 0) return null;
  const history = kvHistory(trace.filter((e) => e.kind === 'observe').map((e) => e.detail));
  if (history.operations.length === 0) return { html: '<p class="dim">These clients\' operations are not key-value operations: no linearizability check here.</p>', highlight: NONE, culprits: [], verdict: null };
  const check = checkHistory(history, { budget: 2_000_000, explain: false });
  const verdict = check.verdict === 'linearizable' ? '<b class="ok">linearizable</b>' : check.verdict === 'not-linearizable' ? '<b class="bad">not linearizable</b>' : `<b>unknown</b> (the search ran out of its ${check.exhausted ?? 'budget'})`;
  return { html: `<p>The clients' history, checked here: ${verdict} (${plural(history.operations.length, 'operation')}, every key). Whether the scenario requires it is its checkers' call.</p>`, highlight: NONE, culprits: [], verdict: check.verdict };
}
