/**
 * The diagram's horizontal axis, in one of two modes:
 *
 * - 'time': virtual time, proportional. Stretches where nothing the story needs happens (no lane
 *   change, command, fault, culprit) can be collapsed by the page's script to a narrow break
 *   (`quiet`), so a failure spread over minutes still fits, with the routine traffic in between
 *   drawn but squeezed.
 * - 'order': one column per step, in trace order (a logical clock). An explorer counterexample
 *   happens at one instant, so this is the only axis on which it reads; its columns are labelled
 *   with the counterexample's step numbers.
 */
import type { Model } from './model.ts';
import { escapeHtml, n1, niceStep, tickLabel } from './text.ts';

export const LEFT = 14;
export const RIGHT = 30;
/** Width of one step's column on the order axis. */
export const COLUMN = 38;

export interface Tick {
  readonly x: number;
  readonly label: string;
  readonly major: boolean;
  readonly tip?: string;
}

export interface Axis {
  readonly mode: 'time' | 'order';
  readonly plotW: number;
  /** x of a moment (time t, step id): the order axis reads the step, the time axis the time. */
  at(t: number, step: number): number;
  /** Whether a moment is inside the window drawn. */
  inside(t: number, step: number): boolean;
  readonly fromT: number;
  readonly toT: number;
  readonly ticks: readonly Tick[];
  /** Stretches [x0, x1] of the time axis the script may collapse. */
  readonly quiet: readonly (readonly [number, number])[];
}

export function timeAxis(fromT: number, toT: number, plotW: number, interesting: readonly number[]): Axis {
  const span = Math.max(toT - fromT, 1e-3);
  const at = (t: number) => LEFT + ((Math.min(Math.max(t, fromT), toT) - fromT) / span) * plotW;
  const major = niceStep(span / (plotW / 120));
  const minor = major / (Math.round(major / 10 ** Math.floor(Math.log10(major))) === 2 ? 4 : 5);
  const ticks: Tick[] = [];
  for (let k = 0, t = Math.ceil(fromT / minor) * minor; t <= toT && k < 4000; k++, t = Math.ceil(fromT / minor) * minor + k * minor) {
    const isMajor = Math.abs(t / major - Math.round(t / major)) < 1e-6;
    ticks.push({ x: at(t), label: tickLabel(t, isMajor ? major : minor), major: isMajor });
  }
  // A stretch is quiet when nothing of interest falls in it for more than a tenth of the window:
  // it keeps a margin on both sides, so what happened at its edges stays readable.
  const times = [fromT, ...interesting.filter((t) => t >= fromT && t <= toT), toT].sort((a, b) => a - b);
  const gap = span / 10;
  const quiet: [number, number][] = [];
  for (let k = 1; k < times.length; k++) {
    const a = times[k - 1]!;
    const b = times[k]!;
    if (b - a > gap) quiet.push([at(a + gap / 4), at(b - gap / 4)]);
  }
  return { mode: 'time', plotW, at: (t) => at(t), inside: (t) => t >= fromT && t <= toT, fromT, toT, ticks, quiet };
}

/** Steps `fromStep`..`toStep` (ids) one column each; `labels` names columns (an explorer's step numbers). */
export function orderAxis(model: Model, fromStep: number, toStep: number, labels: ReadonlyMap<number, { label: string; tip: string }>): Axis {
  const count = Math.max(1, toStep - fromStep + 1);
  const plotW = count * COLUMN;
  const at = (_t: number, step: number) => LEFT + (Math.min(Math.max(step, fromStep - 0.5), toStep + 0.5) - fromStep + 0.5) * COLUMN;
  const ticks: Tick[] = [];
  const every = labels.size > 0 ? 1 : Math.max(1, Math.ceil(count / 60));
  for (let id = fromStep; id <= toStep; id++) {
    const l = labels.get(id);
    const s = model.steps[id]!;
    if (l === undefined && (id - fromStep) % every !== 0) continue;
    ticks.push({ x: at(0, id), label: l?.label ?? (labels.size > 0 ? '' : `${s.i}`), major: l !== undefined || labels.size === 0, tip: l?.tip ?? `event ${s.i} at ${s.t}ms: ${s.node}` });
  }
  const fromT = model.steps[fromStep]?.t ?? 0;
  const toT = model.steps[toStep]?.t ?? fromT;
  return { mode: 'order', plotW, at, inside: (_t, step) => step >= fromStep && step <= toStep, fromT, toT, ticks, quiet: [] };
}

/** Grid lines and labels above and below the lanes; `fullh` lines are stretched by the script when lanes change. */
export function axisSvg(axis: Axis, top: number, bottom: number): string {
  const out: string[] = [];
  for (const t of axis.ticks) {
    const x = n1(t.x);
    const label = escapeHtml(t.label);
    const tip = t.tip === undefined ? '' : `<title>${escapeHtml(t.tip)}</title>`;
    out.push(
      `<g class="tick ${t.major ? 'major' : 'minor'}">${tip}<line class="tx grid fullh" x1="${x}" x2="${x}" y1="${top - 4}" y2="${bottom}"/>` +
        `<text class="tx axis-label" x="${x}" y="${top - 8}">${label}</text><text class="tx axis-label below" x="${x}" y="${bottom + 14}">${label}</text></g>`,
    );
  }
  return `<g class="axis">${out.join('')}</g>`;
}
