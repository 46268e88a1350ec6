/**
 * Liveness in the explorer: a world is judged by its quiet continuation, the kernel's run of the
 * path's directed config with the scenario's quiet phase after it (sim/scenario.ts, DirectedSchedule).
 */
import { describe, expect, it } from 'vitest';
import { configFor, runConfig } from '../sim/run.ts';
import type { RunConfig } from '../sim/scenario.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { exploreScenario, knownBugBounds, resolveBounds } from './index.ts';
import { Model } from './model.ts';
import { followPath } from './follow.ts';
import { directedConfig, directedScheduleError } from './directed.ts';
import { raftExploreScenario } from '../scenarios/raft-explore.ts';

const FULL_TRACE = { trace: { fromEvent: 0, toEvent: Number.MAX_SAFE_INTEGER, capacity: 100_000 } };

/** raft-explore with the given bug (null: none), walked along `steps`; its directed config with and without the quiet phase. */
function pathTo(bug: string | null, steps: readonly string[], over: { clients?: boolean; crashes?: number; midStep?: boolean } = {}) {
  // The bug's scenario options (two clients for the read bugs) only when asked: a clientless world is simpler.
  const base = configFor(raftExploreScenario, 0, bug);
  const config: RunConfig = over.clients ? base : { ...base, options: configFor(raftExploreScenario, 0, null).options };
  const model = new Model(raftExploreScenario, config, resolveBounds(raftExploreScenario, { commands: 0, crashes: over.crashes ?? 0, midStep: over.midStep ?? false }), null);
  const { world, finding } = followPath(model, steps);
  expect(finding).toBeNull();
  return { model, world, quiet: directedConfig(model, world, true), plain: directedConfig(model, world) };
}

const entries = (trace: readonly TraceEntry[], kind: string) => trace.filter((e) => e.kind === kind);

/** n2 asks n3 for its vote and gets it; the vote is still in flight where the path ends. */
const VOTE_IN_FLIGHT = ["fire timer 'election' of n2", "deliver requestVote n2 -> n3"];

/** Two candidates: n1 gets n2's vote for term 1 (not yet delivered), then n2 stands for term 2. */
const TWO_TERMS = ["fire timer 'election' of n1", "deliver requestVote n1 -> n2", "fire timer 'election' of n2", "fire timer 'election' of n2"];

describe('a directed run with a quiet phase goes on past the end of its schedule', () => {
  it('delivers the messages in flight, fires the armed timers, ends a quiet phase later, and judges liveness there', () => {
    const { world, quiet, plain } = pathTo(null, VOTE_IN_FLIGHT);
    const vote = world.inflight.find((m) => (m.payload as { type: string }).type === 'requestVoteResponse')!;
    expect(quiet.directed!.inflight).toEqual(world.inflight.map((m) => m.id).sort((a, b) => a - b));
    expect(quiet.quietMs).toBe(raftExploreScenario.configure(0, null as never, null).quietMs);

    const run = runConfig(raftExploreScenario, quiet, FULL_TRACE);
    expect(run.violation).toBeNull();
    expect(run.simulatedMs).toBe(world.now + quiet.quietMs);
    const delivered = entries(run.trace, 'deliver').find((e) => e.msg === vote.id)!;
    expect(delivered.t).toBe(world.now);
    // n2 won with that vote: it leads and sends heartbeats through the quiet phase.
    expect(entries(run.trace, 'timer').filter((e) => e.node === 'n2' && e.detail === 'heartbeat').length).toBeGreaterThan(20);

    // Without the quiet phase the schedule's end is the run's: the vote is never delivered.
    const cut = runConfig(raftExploreScenario, plain, FULL_TRACE);
    expect(cut.simulatedMs).toBe(world.now);
    expect(entries(cut.trace, 'deliver').some((e) => e.msg === vote.id)).toBe(false);
  });

  it('loses the undelivered messages it does not list as in flight (dropped on the path)', () => {
    const { world, quiet } = pathTo(null, VOTE_IN_FLIGHT);
    const vote = world.inflight.find((m) => (m.payload as { type: string }).type === 'requestVoteResponse')!;
    const dropped = { ...quiet, directed: { ...quiet.directed!, inflight: quiet.directed!.inflight!.filter((id) => id !== vote.id) } };
    const run = runConfig(raftExploreScenario, dropped, FULL_TRACE);
    expect(entries(run.trace, 'deliver').some((e) => e.msg === vote.id)).toBe(false);
    expect(entries(run.trace, 'drop').some((e) => e.msg === vote.id)).toBe(true);
    expect(run.violation).toBeNull(); // elections go on in the quiet phase
  });

  it('restarts a node that is down and delivers the commands the path never delivered', () => {
    const crashed = pathTo(null, ['crash n1', "fire timer 'election' of n2"], { crashes: 1 });
    const run = runConfig(raftExploreScenario, crashed.quiet, FULL_TRACE);
    expect(entries(run.trace, 'restart').map((e) => [e.node, e.t])).toEqual([['n1', crashed.world.now]]);
    expect(run.violation).toBeNull(); // raft-liveness would name n1 if it stayed down

    const clients = pathTo('stale-read', ["fire timer 'election' of n2"], { clients: true });
    const withClients = runConfig(raftExploreScenario, { ...clients.quiet, bug: null }, FULL_TRACE);
    expect(entries(withClients.trace, 'command').map((e) => [e.node, e.t])).toEqual([['c1', clients.world.now], ['c2', clients.world.now]]);
    expect(entries(withClients.trace, 'reply').length).toBe(2); // both clients' operations complete
  });

  it('judges liveness at its end, where a run without the quiet phase judges only safety', () => {
    const { quiet, plain } = pathTo('ignore-higher-term', TWO_TERMS);
    expect(runConfig(raftExploreScenario, quiet).violation).toMatchObject({ invariant: 'raft-liveness', kind: 'liveness' });
    expect(runConfig(raftExploreScenario, plain).violation).toBeNull();
    // The same steps without the bug: the old leader steps down and the cluster settles.
    expect(runConfig(raftExploreScenario, pathTo(null, TWO_TERMS).quiet).violation).toBeNull();
  });

  it('goes on from a world the same way whichever path reached it (the explorer takes them for one world)', () => {
    // n1's and n2's vote requests reach n3 in either order of the timers: the same world, with
    // n3's answers sent in opposite orders. Its continuation may not depend on that order.
    const crash = 'crash n3 inside: deliver requestVote n1 -> n3, after 1 effect(s), the write in flight lost';
    const a = pathTo('reply-before-persist', ["fire timer 'election' of n1", crash, "fire timer 'election' of n2"], { crashes: 1, midStep: true });
    const b = pathTo('reply-before-persist', ["fire timer 'election' of n1", "fire timer 'election' of n2", crash], { crashes: 1, midStep: true });
    for (const w of [a, b]) a.model.hash(w.world);
    expect([a.world.h1, a.world.h2]).toEqual([b.world.h1, b.world.h2]);
    const sendOrder = (x: typeof a) => [...x.world.inflight].sort((p, q) => p.id - q.id).map((m) => `${m.from}>${m.to}`);
    expect(sendOrder(a)).not.toEqual(sendOrder(b));
    const [va, vb] = [a, b].map((x) => runConfig(raftExploreScenario, x.quiet).violation);
    expect(va).toEqual(vb === null ? null : { ...vb, eventIndex: va?.eventIndex });
  });

  it('is deterministic: the same continuation twice has the same trace hash', () => {
    const { quiet } = pathTo('ignore-higher-term', TWO_TERMS);
    expect(runConfig(raftExploreScenario, quiet).traceHash).toBe(runConfig(raftExploreScenario, quiet).traceHash);
  });

  it('rejects a report whose in-flight list is not a list of message ids', () => {
    const { quiet } = pathTo(null, VOTE_IN_FLIGHT);
    expect(directedScheduleError(quiet.directed, 0)).toBeNull();
    expect(directedScheduleError({ ...quiet.directed, inflight: [1, -2] }, 0)).toBe('directed.inflight must be a list of message ids');
    expect(directedScheduleError({ ...quiet.directed, inflight: 'all' }, 0)).toBe('directed.inflight must be a list of message ids');
  });
});

describe('the explorer judges liveness in every world it reaches (--liveness)', () => {
  it('finds a leader that never steps down in 4 steps, a counterexample whose report replays with its quiet phase', () => {
    const o = exploreScenario(raftExploreScenario, { bug: 'ignore-higher-term', bounds: knownBugBounds(raftExploreScenario, 'ignore-higher-term') });
    expect(o.bounds.liveness).toBe(true);
    expect(o.violation).toMatchObject({ invariant: 'raft-liveness', kind: 'liveness', depth: 4, continued: true, replay: { same: true } });
    expect(o.violation!.path).toHaveLength(5);
    expect(o.violation!.path.at(-1)).toMatch(/^then the heal and a quiet phase of 2000 ms/);
    expect(o.violation!.config.quietMs).toBe(2000);
    // Without liveness the same bounds hold no violation: the bug breaks no safety invariant in 6 steps.
    expect(exploreScenario(raftExploreScenario, { bug: 'ignore-higher-term', bounds: { ...knownBugBounds(raftExploreScenario, 'ignore-higher-term'), liveness: false } })).toMatchObject({ exhausted: true, violation: null });
  });

  it('with no bug, exhausts a bounded space with every world live', () => {
    const o = exploreScenario(raftExploreScenario, { bounds: { depth: 5, commands: 0, liveness: true }, profile: true });
    expect(o).toMatchObject({ exhausted: true, violation: null, maxDepth: 5 });
    expect(o.profile!.continuationMs).toBeGreaterThan(0);
  });

  it('refuses symmetry reduction: a world and its permutations go on differently (node streams are named)', () => {
    expect(() => exploreScenario(raftExploreScenario, { bounds: { depth: 3, liveness: true }, symmetry: true })).toThrow('liveness and symmetry reduction do not go together');
  });
});
