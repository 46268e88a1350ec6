import { describe, expect, it } from 'vitest';
import type { LaneView } from '../core/contract/protocol.ts';
import type { Violation } from '../sim/kernel.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { buildStory, culpritsOf, laneChanges } from './causal.ts';
import { buildModel, violatingStep } from './model.ts';
import type { LaneSample } from './replay.ts';
import { describeChange } from './story.ts';

/**
 * n1's timer makes it leader and it tells n2 (msg 0); n2 follows and tells n3 (msg 1); n3 changes
 * nothing but relays to n4 (msg 2); n4 sees the violation. Meanwhile n5 changes and tells n6
 * (msg 3): that is outside the violation's causal past.
 */
function trace(): TraceEntry[] {
  const e: TraceEntry[] = [];
  const add = (x: TraceEntry) => e.push(x);
  add({ i: 1, t: 10, kind: 'timer', node: 'n1', detail: 'election' });
  add({ i: 1, t: 10, kind: 'send', node: 'n1', peer: 'n2', msg: 0, detail: { type: 'hello' } });
  add({ i: 2, t: 11, kind: 'timer', node: 'n5', detail: 'tick' });
  add({ i: 2, t: 11, kind: 'send', node: 'n5', peer: 'n6', msg: 3, detail: { type: 'noise' } });
  add({ i: 3, t: 12, kind: 'deliver', node: 'n2', peer: 'n1', msg: 0, detail: { type: 'hello' } });
  add({ i: 3, t: 12, kind: 'send', node: 'n2', peer: 'n3', msg: 1, detail: { type: 'relay' } });
  add({ i: 4, t: 15, kind: 'deliver', node: 'n3', peer: 'n2', msg: 1, detail: { type: 'relay' } });
  add({ i: 4, t: 15, kind: 'send', node: 'n3', peer: 'n4', msg: 2, detail: { type: 'relay' } });
  add({ i: 5, t: 16, kind: 'deliver', node: 'n6', peer: 'n5', msg: 3, detail: { type: 'noise' } });
  add({ i: 6, t: 20, kind: 'deliver', node: 'n4', peer: 'n3', msg: 2, detail: { type: 'relay' } });
  return e;
}

const view = (role: string, term: number): LaneView => ({ role, epoch: { name: 'term', value: term } });
const samples: LaneSample[] = [
  ...['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((node) => ({ i: 0, t: 0, node, view: view('follower', 0) })),
  { i: 1, t: 10, node: 'n1', view: view('leader', 1) },
  { i: 2, t: 11, node: 'n5', view: view('candidate', 1) },
  { i: 3, t: 12, node: 'n2', view: view('follower', 1) },
];
const violation: Violation = { invariant: 'test', kind: 'safety', message: 'n4 is unhappy', atMs: 20, eventIndex: 6, states: {} };

describe('the story of a violation', () => {
  it('follows messages back through relays to the changes that caused the violation, and leaves out what is not in its causal past', () => {
    const model = buildModel(trace());
    const v = violatingStep(model, violation)!;
    expect(v.node).toBe('n4');
    const story = buildStory({ model, violationStep: v, violation, culprits: [], changes: laneChanges(samples), notable: () => false });
    const byNode = new Map(story.events.map((e) => [e.node, e]));
    expect(story.events.map((e) => e.node)).toEqual(['n1', 'n2', 'n4']);
    // n4's cause is n2's change, carried by msg 1 and the relayed msg 2; n2's is n1's, by msg 0.
    expect(byNode.get('n4')).toMatchObject({ kinds: ['violation'], cause: byNode.get('n2')!.step, via: [1, 2] });
    expect(byNode.get('n2')).toMatchObject({ kinds: ['change'], cause: byNode.get('n1')!.step, via: [0] });
    expect(byNode.get('n1')!.cause).toBeNull();
    expect([...story.chain].sort()).toEqual([0, 1, 2]);
    expect(story.involved).toEqual(['n4', 'n2', 'n1', 'n3']);
    // The causal past: n1..n4's steps, not n5's nor n6's.
    const inPast = model.steps.filter((s) => story.past[s.id] === 1).map((s) => s.node);
    expect(inPast.sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('starts from the culprits the checker names when the violation was judged at the end', () => {
    const model = buildModel([...trace(), { i: 7, t: 30, kind: 'phase', node: null, detail: 'end' }]);
    const atEnd: Violation = { ...violation, eventIndex: 7, atMs: 30, evidence: { culprits: [{ node: 'n5', eventIndex: 2, atMs: 11, what: 'n5 ran for office' }, { bogus: true }] } };
    expect(violatingStep(model, atEnd)).toBeNull();
    const culprits = culpritsOf(atEnd);
    expect(culprits).toHaveLength(1);
    const story = buildStory({ model, violationStep: null, violation: atEnd, culprits, changes: laneChanges(samples), notable: () => false });
    expect(story.events.map((e) => [e.node, e.kinds])).toEqual([['n5', ['culprit', 'change']]]);
    expect(story.events[0]!.culprits).toEqual(['n5 ran for office']);
    expect(story.involved[0]).toBe('n5');
  });

  it('starts from the last change of each node the message names when the violation was judged at the end and no culprit is named', () => {
    const model = buildModel([...trace(), { i: 7, t: 30, kind: 'phase', node: null, detail: 'end' }]);
    const atEnd: Violation = { ...violation, eventIndex: 7, atMs: 30, message: 'after the heal n2 and n5 still disagree' };
    const story = buildStory({ model, violationStep: null, violation: atEnd, culprits: [], changes: laneChanges(samples), notable: () => false });
    expect(story.events.map((e) => e.node)).toEqual(['n1', 'n5', 'n2']);
    expect(story.involved.slice(0, 2).sort()).toEqual(['n2', 'n5']);
    expect(model.steps.filter((s) => story.past[s.id] === 1).map((s) => s.node).sort()).toEqual(['n1', 'n2', 'n5']);
  });

  it('tells observations of nodes without lanes only when they are notable', () => {
    const t = trace();
    t.splice(7, 0, { i: 4, t: 15, kind: 'observe', node: 'n3', detail: { type: 'saw', value: 1 } });
    const model = buildModel(t);
    const story = (notable: boolean) => buildStory({ model, violationStep: violatingStep(model, violation), violation, culprits: [], changes: laneChanges(samples), notable: () => notable });
    expect(story(false).events.map((e) => e.node)).not.toContain('n3');
    const told = story(true);
    expect(told.events.find((e) => e.node === 'n3')?.kinds).toEqual(['observation']);
    expect(told.events.find((e) => e.node === 'n4')).toMatchObject({ via: [2] });
  });

  it('says what changed in a few words', () => {
    expect(describeChange('n1', view('follower', 1), view('leader', 1))).toEqual(['became leader t1']);
    expect(describeChange('n1', view('follower', 1), view('follower', 2))).toEqual(['moved to follower t2']);
    expect(describeChange('n1', { facts: [{ name: 'slots', value: '0-99' }] }, { facts: [{ name: 'slots', value: '' }] })).toEqual(['no longer 0-99']);
    expect(describeChange('n1', { peers: { n2: 'alive', n3: 'alive' } }, { peers: { n2: 'dead', n3: 'dead' } })).toEqual(['sees n2, n3 dead']);
    expect(describeChange('n1', view('leader', 1), null)).toEqual(['went down']);
  });
});
