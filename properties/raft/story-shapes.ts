/**
 * Property targets for the two Raft bugs that random cases of the `raft` scenario don't reach in
 * the CI budget (properties/raft/shape.ts): the Figure 8 trap (`commit-previous-term`) and a
 * double vote after a restart (`votedfor-not-persisted`). Each needs a choreography that
 * independent fault events hardly ever line up, so each target fixes in its options the timing
 * the bug needs (as the named scenarios raft-figure8 and raft-vote-restart do,
 * scenarios/raft/stories.ts) and draws its fault schedule with an arbitrary of its own
 * (`CaseShape.faults`, properties/arbitraries.ts) made of that story's raw material. fast-check
 * draws who plays which part, when each piece lands and which pieces are there at all, so a
 * failure shrinks by dropping rounds, trains and flickers, moving them earlier and simplifying
 * their fields. The cases build on the named scenario's config (its clients, keys and read mode
 * come from the case's seed), run shorter than the story (`phases`), and carry no operator
 * hand-overs and none of the story's own script.
 *
 * At the CI budget (fast-check seed 42, 300 cases: `npm run test:deep -- --scenario raft-figure8
 * --runs 300 --bugs --seed 42`, the same for raft-vote-restart):
 *
 *   target             bug                     cases to find  shrunk to        invariant
 *   raft-figure8       commit-previous-term    24             17 fault events  leader-completeness
 *   raft-vote-restart  votedfor-not-persisted  21             9 fault events   election-safety
 *
 * The 17 events of Figure 8 are one round: the network, `elect` (8), the cut, `rivalFirst` (4),
 * the rival cut, the return cut and the heal. Over fast-check seeds 1-24 every property found
 * its bug, raft-figure8 in a median of 14 cases (at most 62), shrunk to 9-29 events (17 mostly),
 * and raft-vote-restart in a median of 15 cases (at most 65), shrunk to 5-15 events. A generated
 * case finds the bug about one time in 16 (raft-figure8) and one in 26 (raft-vote-restart).
 * Without a bug no invariant breaks: 2,000 cases of each at fast-check seed 1234, and 500 at
 * seed 7 and at a random seed.
 *
 * Why not the generic schedule: independent events don't line up. With the Figure 8 timing,
 * five servers whose election timers fire within 10 ms of each other split every vote unless
 * some of them have just restarted, so a leader comes only from a flicker of the others; and
 * each cut has a window of a few tens of milliseconds. A vote lost in a restart needs the
 * server that led to flicker right between two candidates' requests.
 */
import fc from 'fast-check';
import type { NodeId } from '../../core/contract/protocol.ts';
import type { FaultEvent } from '../../sim/faults.ts';
import { nodeIds } from '../../sim/configure.ts';
import type { CaseShape } from '../arbitraries.ts';
import type { RaftScenarioOptions } from '../../scenarios/raft/index.ts';
import { FIGURE8_TIMING, WRITER } from '../../scenarios/raft/stories.ts';

/** What a case sets of the named scenario's options; the rest comes from the scenario's config for the case's seed. */
export type StoryCaseOptions = Partial<RaftScenarioOptions> & Record<string, unknown>;

/** No operator commands and no script: a case's faults are all it does to the cluster. */
const noStory = { operations: [], script: undefined } as const;

/** All of `nodes` in an order fast-check draws: who plays which part. */
function roles(nodes: readonly NodeId[]): fc.Arbitrary<NodeId[]> {
  return fc.shuffledSubarray([...nodes], { minLength: nodes.length, maxLength: nodes.length });
}

/** `nodes` crash at `atMs` and come back `downMs` later, each with fresh timers. */
function flicker(nodes: readonly NodeId[], atMs: number, downMs: number): FaultEvent[] {
  return [...nodes.map((node): FaultEvent => ({ atMs, type: 'crash', node })), ...nodes.map((node): FaultEvent => ({ atMs: atMs + downMs, type: 'restart', node }))];
}

const isolate = (minority: readonly NodeId[], nodes: readonly NodeId[], atMs: number): FaultEvent => ({
  atMs,
  type: 'partition',
  groups: [[...minority], nodes.filter((n) => !minority.includes(n))],
});

// ---------------------------------------------------------------------------------------------
// Figure 8

/**
 * One round of the Figure 8 trap on five servers. `roles` is [a, partner, x, voter, voter]:
 *
 *   elect      (optional) everyone but `a` flickers, so `a`'s election timer fires first and it
 *              leads; `leadMs` later the round's first cut lands (clients write to it meanwhile)
 *   cut        `a` is cut off with its partner: what clients write to it stays on the two
 *   rivalFirst (optional) the majority side but `x` flickers, so `x` times out first and wins
 *   rival cut  `x` is cut off alone, `rivalCutAfterMs` after the cut: right after it won, its
 *              no-op on its own disk only
 *   return cut `a` and its partner are cut off again, `returnCutAfterMs` later: meanwhile one of
 *              them won the next term with the voters and re-replicated its old-term tail, one
 *              entry per message; with the bug it counted those replicas and committed them
 *   heal       `healAfterMs` later; meanwhile `x`, whose last term is newer than the voters', won
 *              with their votes and overwrote what was committed
 */
export interface Figure8Round {
  readonly atMs: number;
  readonly roles: readonly NodeId[];
  readonly elect: { readonly downMs: number; readonly leadMs: number } | null;
  readonly rivalFirst: { readonly downMs: number } | null;
  readonly rivalCutAfterMs: number;
  readonly returnCutAfterMs: number;
  readonly healAfterMs: number;
}

/** The fault events of some rounds, in time order; a round that overlaps the one before, or outlasts the faulty phase, is left out. */
export function figure8Faults(nodes: readonly NodeId[], rounds: readonly Figure8Round[], durationMs: number): FaultEvent[] {
  const out: FaultEvent[] = [];
  let busyUntilMs = -1;
  for (const r of [...rounds].sort((p, q) => p.atMs - q.atMs)) {
    const [a, partner, x] = r.roles as [NodeId, NodeId, NodeId, ...NodeId[]];
    const old = [a, partner];
    const cutMs = r.atMs + (r.elect?.leadMs ?? 0);
    const rivalCutMs = cutMs + r.rivalCutAfterMs;
    const returnCutMs = rivalCutMs + r.returnCutAfterMs;
    const healMs = returnCutMs + r.healAfterMs;
    if (r.atMs <= busyUntilMs || healMs >= durationMs) continue;
    busyUntilMs = healMs;
    if (r.elect !== null) out.push(...flicker(without(nodes, a), r.atMs, r.elect.downMs));
    out.push(isolate(old, nodes, cutMs));
    if (r.rivalFirst !== null) out.push(...flicker(without(nodes, ...old, x), cutMs, r.rivalFirst.downMs));
    out.push(isolate([x], nodes, rivalCutMs));
    out.push(isolate(old, nodes, returnCutMs));
    out.push({ atMs: healMs, type: 'heal' });
  }
  return out;
}

function without(nodes: readonly NodeId[], ...drop: NodeId[]): NodeId[] {
  return nodes.filter((n) => !drop.includes(n));
}

/**
 * Up to `maxRounds` rounds over the faulty phase. The offsets of the cuts are drawn around the
 * windows the fixed timing opens: with 20 ms hops, 20 ms heartbeats and 150-160 ms election
 * timeouts (with PreVote), `x` wins about 210-240 ms after the first cut and its no-op reaches
 * the voters 20 ms later; the old leader re-replicates its tail about 330-440 ms after the
 * rival cut. Draws outside those windows are the near misses a correct Raft must survive too.
 */
export function figure8Schedule(nodes: readonly NodeId[], durationMs: number, maxRounds = 3): fc.Arbitrary<readonly FaultEvent[]> {
  const round: fc.Arbitrary<Figure8Round> = fc.record({
    atMs: fc.integer({ min: 0, max: durationMs - 1_500 }),
    roles: roles(nodes),
    elect: fc.option(fc.record({ downMs: fc.integer({ min: 10, max: 50 }), leadMs: fc.integer({ min: 250, max: 500 }) })),
    rivalFirst: fc.option(fc.record({ downMs: fc.integer({ min: 20, max: 150 }) })),
    rivalCutAfterMs: fc.integer({ min: 200, max: 260 }),
    returnCutAfterMs: fc.integer({ min: 300, max: 450 }),
    healAfterMs: fc.integer({ min: 300, max: 1_000 }),
  });
  return fc.array(round, { minLength: 1, maxLength: maxRounds }).map((rounds) => figure8Faults(nodes, rounds, durationMs));
}

const FIGURE8_SERVERS = nodeIds('n', 5);
const FIGURE8_MS = 6_000;

/**
 * The Figure 8 trap (`commit-previous-term`), on the raft-figure8 scenario. Its timing, as in
 * the story: a steady network (every message takes 20 ms), 20 ms heartbeats, election timeouts
 * of 150-160 ms, one entry per message (so re-replicating an old tail takes a while), no
 * CheckQuorum (a leader cut off keeps taking writes), PreVote (failed campaigns don't depose a
 * leader), no snapshots, and clients that write often. Two or three clients.
 */
export const figure8CaseShape: CaseShape<StoryCaseOptions> = {
  options: fc.integer({ min: 2, max: 3 }).map((clientCount) => {
    const clients = nodeIds('c', clientCount);
    return {
      ...noStory,
      servers: FIGURE8_SERVERS,
      voters: FIGURE8_SERVERS,
      clients,
      ...FIGURE8_TIMING,
      clientMixes: clients.map(() => WRITER),
    };
  }),
  servers: () => FIGURE8_SERVERS,
  maxServers: FIGURE8_SERVERS,
  kinds: ['crash', 'partition'],
  durationMs: FIGURE8_MS,
  phases: { durationMs: FIGURE8_MS, quietMs: 3_000 },
  networkFor: () => ({ lossRate: 0, duplicateRate: 0, latency: { kind: 'uniform', minMs: 20, maxMs: 20 } }),
  faults: figure8Schedule(FIGURE8_SERVERS, FIGURE8_MS),
};

// ---------------------------------------------------------------------------------------------
// A vote lost in a restart

/**
 * A train of flickers of one server: it crashes at `atMs + offsetMs` and is back `downMs` later,
 * for each flicker (flickers that overlap merge: a crash of a server that is down, or a restart
 * of one that is up, changes nothing). When the server led, the first flicker deposes it; the
 * other two campaign, and each time it is back it may vote, forgetting (with the bug) whom it
 * voted for before.
 */
export interface FlickerTrain {
  readonly node: NodeId;
  readonly atMs: number;
  readonly flickers: readonly { readonly offsetMs: number; readonly downMs: number }[];
}

export function flickerFaults(trains: readonly FlickerTrain[]): FaultEvent[] {
  return trains.flatMap((t) => t.flickers.flatMap((f) => flicker([t.node], t.atMs + f.offsetMs, f.downMs)));
}

/** Up to `maxTrains` trains over the faulty phase, each up to `maxFlickers` flickers of 5-40 ms within `spanMs`. */
export function flickerSchedule(nodes: readonly NodeId[], durationMs: number, { spanMs = 500, maxFlickers = 15, maxTrains = 4 } = {}): fc.Arbitrary<readonly FaultEvent[]> {
  const train: fc.Arbitrary<FlickerTrain> = fc.record({
    node: fc.constantFrom(...nodes),
    atMs: fc.integer({ min: 0, max: durationMs - spanMs - 40 }),
    flickers: fc.array(fc.record({ offsetMs: fc.integer({ min: 0, max: spanMs }), downMs: fc.integer({ min: 5, max: 40 }) }), { minLength: 1, maxLength: maxFlickers, size: 'max' }),
  });
  return fc.array(train, { minLength: 1, maxLength: maxTrains }).map(flickerFaults);
}

const VOTE_SERVERS = nodeIds('n', 3);
const VOTE_MS = 4_000;

/**
 * A double vote after a restart (`votedfor-not-persisted`), on the raft-vote-restart scenario.
 * Its timing, as in the story: three servers, no PreVote (a server that is back votes at once),
 * election timeouts of 250-330 ms and slow links (every message takes 20-100 ms), so the two
 * servers left often campaign in the same term and their requests reach the third tens of
 * milliseconds apart. The workload and the other switches come from the case's seed.
 */
export const voteRestartCaseShape: CaseShape<StoryCaseOptions> = {
  options: fc.constant({ ...noStory, servers: VOTE_SERVERS, voters: VOTE_SERVERS, preVote: false, electionTimeoutMinMs: 250, electionTimeoutMaxMs: 330 }),
  servers: () => VOTE_SERVERS,
  maxServers: VOTE_SERVERS,
  kinds: ['crash'],
  durationMs: VOTE_MS,
  phases: { durationMs: VOTE_MS, quietMs: 2_000 },
  networkFor: () => ({ latency: { kind: 'uniform', minMs: 20, maxMs: 100 } }),
  faults: flickerSchedule(VOTE_SERVERS, VOTE_MS),
};
