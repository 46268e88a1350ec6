/**
 * The story at the top of the page, in words: which invariant broke and what it says, the
 * checker's message, then the events that led to it (causal.ts), numbered as the diagram numbers
 * them, each with what changed at that node and the messages that carried the cause there. A
 * click on one focuses the diagram on it. For an explorer counterexample, its numbered steps too.
 */
import type { LaneView, NodeId } from '../core/contract/protocol.ts';
import type { Violation } from '../sim/kernel.ts';
import type { PageReport } from './sections.ts';
import type { LaneChange, Story, StoryEvent } from './causal.ts';
import { roleLabel } from './lanes.ts';
import type { Model, Step } from './model.ts';
import type { Describe } from './arrows.ts';
import { messageLabel } from './arrows.ts';
import { brief, escapeHtml as esc, formatTime, plural } from './text.ts';

/** What changed in a node's lanes, in a few phrases: "became leader t2", "MIGRATING 377-385 → s3", "sees n4 dead". */
export function describeChange(node: NodeId, before: LaneView | null, after: LaneView | null): string[] {
  if (after === null) return ['went down'];
  const out: string[] = [];
  const r0 = before === null ? null : roleLabel(before);
  const r1 = roleLabel(after);
  if (r1 !== null && r1 !== r0) out.push(before?.role === after.role ? `moved to ${r1}` : `became ${r1}`);
  const old = new Map((before?.facts ?? []).map((f) => [f.name, f.value]));
  const facts: string[] = [];
  const muted: string[] = [];
  for (const f of after.facts ?? []) {
    const was = old.get(f.name) ?? '';
    if (f.value === was) continue;
    const text = f.value === '' ? `no longer ${was}` : f.value;
    (f.tone === 'muted' ? muted : facts).push(text);
  }
  out.push(...facts);
  const seen = new Map<string, NodeId[]>();
  for (const [peer, status] of Object.entries(after.peers ?? {})) {
    if (peer === node || before?.peers?.[peer] === status) continue;
    if (before?.peers?.[peer] === undefined && status === 'alive') continue;
    seen.set(status, [...(seen.get(status) ?? []), peer]);
  }
  for (const [status, peers] of seen) out.push(`sees ${peers.join(', ')} ${status}`);
  if (out.length === 0) out.push(...muted);
  return out.slice(0, 4);
}

export interface StoryContext {
  readonly model: Model;
  readonly story: Story;
  readonly violation: Violation;
  readonly description: string | null;
  readonly changes: ReadonlyMap<string, LaneChange>;
  readonly describe: Describe;
  readonly culpritCount: number;
  /** x of each story step in each diagram (id -> x), for the script to focus on a click. */
  readonly positions: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** An explorer counterexample's steps in words, and the step id each one happened at. */
  readonly path: readonly { readonly text: string; readonly step: number | null }[] | null;
  /** The violation was judged at the end of the run (no single event broke it). */
  readonly atEnd: boolean;
}

function whatHappened(c: StoryContext, e: StoryEvent, s: Step): string[] {
  const parts: string[] = [];
  for (const k of e.kinds) {
    switch (k) {
      case 'command': {
        const cmd = s.entries.find((x) => x.kind === 'command');
        parts.push(`got command <code>${esc(brief(cmd?.detail, 90))}</code>`);
        break;
      }
      case 'restart':
        parts.push('restarted');
        break;
      case 'crash':
        parts.push('<b class="bad">crashed</b>');
        break;
      case 'pause':
        parts.push('was paused');
        break;
      case 'change': {
        const ch = c.changes.get(`${s.i}/${s.node}`)!;
        parts.push(...describeChange(s.node, ch.before, ch.after).map((p) => esc(p)));
        break;
      }
      case 'observation':
        parts.push(...s.entries.filter((x) => x.kind === 'observe').slice(0, 2).map((x) => `observed <code>${esc(brief(x.detail, 80))}</code>`));
        break;
      case 'culprit':
      case 'violation':
        break;
    }
  }
  return parts;
}

function via(c: StoryContext, e: StoryEvent): string {
  if (e.via.length === 0) return '';
  const arrows = new Map(c.model.arrows.map((a) => [a.msg, a]));
  const hops = e.via.map((m) => {
    const a = arrows.get(m);
    return a === undefined ? `#${m}` : `${esc(a.from)}→${esc(a.to)} <code>${esc(messageLabel(c.describe, a.from, a.detail))}</code>`;
  });
  const shown = hops.length > 4 ? [...hops.slice(0, 2), '…', ...hops.slice(-2)] : hops;
  const full = e.via.map((m) => {
    const a = arrows.get(m);
    return a === undefined ? `#${m}` : `${a.from}→${a.to} ${messageLabel(c.describe, a.from, a.detail)}`;
  });
  return `<div class="via" title="${esc(`after ${full.join(', ')}`)}">after ${shown.join(', ')}</div>`;
}

function focusAttrs(c: StoryContext, step: number): string {
  return [...c.positions].map(([id, xs]) => (xs.has(step) ? ` data-x-${id}="${xs.get(step)!.toFixed(1)}"` : '')).join('');
}

export function renderStory(c: StoryContext): string {
  const v = c.violation;
  const steps = c.model.steps;
  const items = c.story.events.map((e, k) => {
    const s = steps[e.step]!;
    const what = whatHappened(c, e, s);
    const checker = e.culprits.map((t) => `<div class="culprit-text">the checker: ${esc(t)}</div>`).join('');
    const isV = e.step === c.story.violationStep;
    const text = what.length > 0 ? what.join('; ') : isV ? 'handled this event' : e.culprits.length > 0 ? '' : 'stepped';
    return (
      `<li class="${isV ? 'violating' : e.culprits.length > 0 ? 'culprit' : ''}" data-story="${k + 1}"${focusAttrs(c, e.step)}>` +
      `<span class="num">${k + 1}</span><span class="when">${esc(formatTime(s.t))}</span> <b class="who">${esc(s.node)}</b> ${text}` +
      (isV ? ` <span class="bad">← the violation is seen here</span>` : '') +
      checker +
      via(c, e) +
      `</li>`
    );
  });
  const told = c.story.events.filter((e) => e.culprits.length > 0).length;
  const more = c.culpritCount > told ? `<p class="more">The checker named ${plural(c.culpritCount, 'event')}; ${told > 0 ? `the first ${told} ${told === 1 ? 'is' : 'are'} told above, ` : ''}every one is ringed in the diagram and ticked on the overview.</p>` : '';
  const when = c.atEnd
    ? `judged at the end of the run (${esc(formatTime(v.atMs))}), after the final heal: no single event broke it`
    : `at ${esc(formatTime(v.atMs))}, event ${v.eventIndex}${c.story.violationStep !== null ? `, seen at <b>${esc(steps[c.story.violationStep]!.node)}</b>` : ''}`;
  const path =
    c.path === null
      ? ''
      : `<details class="path" open><summary>The counterexample, ${plural(c.path.length, 'step')} (the diagram's columns)</summary><ol>${c.path
          .map((p) => `<li${p.step === null ? '' : focusAttrs(c, p.step)}>${esc(p.text)}</li>`)
          .join('')}</ol></details>`;
  const fromNamed = c.atEnd && c.culpritCount === 0 && c.story.events.length > 0;
  const lead = fromNamed
    ? `<p class="story-lead">No single event broke it and the checker names none: here is what last changed at ${esc(c.story.involved.join(', '))}, the nodes its message names, and what led to it, ${plural(c.story.events.length, 'event')} oldest first (click one to find it in the diagram).</p>`
    : c.story.events.length === 0 ? '<p class="dim">No event of the trace leads to it that the page can tell (no lanes, commands, faults or culprits).</p>' : `<p class="story-lead">How it came about: ${plural(c.story.events.length, 'event')} of its causal past that changed what the nodes believe, oldest first (click one to find it in the diagram).</p>`;
  return (
    `<section id="story" class="story">` +
    `<div class="story-head"><span class="v-kind">${esc(v.kind)} violation</span> <b class="invariant">${esc(v.invariant)}</b>${c.description ? `<span class="desc">: ${esc(c.description)}</span>` : ''}</div>` +
    `<div class="v-msg">${esc(v.message)}</div><div class="v-when">${when}</div>` +
    lead +
    `<ol class="story-steps">${items.join('')}</ol>${more}${path}` +
    `</section>`
  );
}

export interface PassedContext {
  readonly report: PageReport;
  /** Invariant -> what it says: the checkers that watched the run. */
  readonly invariants: Readonly<Record<string, string>>;
  /** The clients' history as the page checked it, when there are key-value clients. */
  readonly lin: 'linearizable' | 'not-linearizable' | 'unknown' | null;
}

/** A passing run's head, in place of a violation's story: what ran, what watched it, what it met. */
export function renderPassed(c: PassedContext): string {
  const r = c.report;
  const names = Object.keys(c.invariants).sort();
  const faults = r.config.faults;
  const kinds = new Map<string, number>();
  for (const f of faults) kinds.set(f.type, (kinds.get(f.type) ?? 0) + 1);
  const items = [
    `<li><span class="when">${esc(formatTime(r.simulatedMs))}</span> simulated, ${plural(r.events, 'event')}, ${plural(r.stats.messagesSent, 'message')} sent (${r.stats.messagesDropped.toLocaleString('en-US')} lost, ${r.stats.messagesDuplicated.toLocaleString('en-US')} duplicated), ${plural(r.stats.crashes, 'crash', 'crashes')}</li>`,
    `<li>${faults.length === 0 ? 'no faults' : `${plural(faults.length, 'fault')}: ${[...kinds].map(([k, n]) => `${n} ${esc(k)}`).join(', ')}`}, all healed at ${esc(formatTime(r.config.durationMs))}, then ${esc(formatTime(r.config.quietMs))} quiet</li>`,
    `<li>watched by ${plural(names.length, 'invariant')}${names.length > 0 ? `: ${names.map((n) => `<span title="${esc(c.invariants[n] ?? '')}">${esc(n)}</span>`).join(', ')}` : ''}</li>`,
    ...(c.lin === null ? [] : [`<li>the clients' history: ${c.lin === 'linearizable' ? '<b class="ok">linearizable</b>' : c.lin === 'not-linearizable' ? '<b class="bad">not linearizable</b> (no checker of this scenario requires it)' : '<b>unknown</b>'}</li>`]),
  ];
  return (
    `<section id="story" class="story passed">` +
    `<div class="story-head"><span class="v-kind ok-kind">passed</span> <b class="invariant">no invariant broke</b></div>` +
    `<div class="v-msg">every checker watched every event of this run and none fired</div>` +
    `<ol class="story-steps run-facts">${items.join('')}</ol>` +
    `</section>`
  );
}
