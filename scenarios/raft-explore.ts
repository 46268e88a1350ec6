/**
 * raft-explore: a 3-node Raft key-value store small enough to explore exhaustively
 * (`npm run sim -- --explore --scenario raft-explore [--bug NAME]`, explore/).
 *
 * Three servers n1..n3 and one put (`propose x=1`), offered to every server alike: the explorer
 * picks which server gets it and when. Randomness is fixed (every node's Rng returns 0), so every
 * election timeout is the minimum, 150 ms; heartbeats every 50 ms. PreVote and CheckQuorum are off
 * (an election is three steps: a timer, a vote request delivered, its answer delivered). Links are
 * FIFO with no minimum latency: any message may be delayed past any other event, but not overtake
 * an earlier one on its link.
 *
 * Some bugs need more than that world (a second phase of the scenario, set per bug): the stale
 * reads need clients that write and read, each trying a different server first; commit-previous-term
 * needs one entry per AppendEntries (so an old entry is acknowledged alone). The bounds each bug
 * needs are in `bugBounds` (see docs/explorer.md for the figures).
 *
 * As an ordinary scenario (`npm run sim -- --scenario raft-explore --seed 1`) it runs the same
 * cluster with a random schedule and no faults; it exists for the explorer and its replays.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { ExploreBounds, RunConfig, Scenario, TimedCommand, World } from '../sim/scenario.ts';
import { RAFT_BUGS, createKvClientProtocol, createKvRaftProtocol, isRaftBug, type KvOp, type RaftCommand, type RaftConfig } from '../core/raft/index.ts';
import type { KvCommand } from '../core/raft/kv.ts';
import { kvClientCanonical, kvClientProgress, raftExploreHooks } from '../core/raft/explore.ts';
import { raftCheckers } from '../checkers/raft.ts';

export interface RaftExploreOptions {
  readonly servers: readonly NodeId[];
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxEntriesPerMessage: number;
  /** Puts offered to every server as an operator `propose` (the explorer picks where and when). */
  readonly proposals: number;
  /** Clients, each running its operations one after another, trying `servers` in that order. */
  readonly clients: readonly { readonly id: NodeId; readonly servers: readonly NodeId[]; readonly ops: readonly KvOp[] }[];
  readonly requestTimeoutMs: number;
  /** Compact the log every this many entries (0: never). */
  readonly snapshotEveryEntries: number;
  /** Operator commands offered to every server at the start (a membership change, a leadership transfer). */
  readonly operations: readonly RaftCommand<KvCommand>[];
}

const SERVERS = ['n1', 'n2', 'n3'];
const DURATION_MS = 2_000;
const QUIET_MS = 2_000;

const baseOptions: RaftExploreOptions = {
  servers: SERVERS,
  preVote: false,
  checkQuorum: false,
  maxEntriesPerMessage: 64,
  proposals: 1,
  clients: [],
  requestTimeoutMs: 1_000,
  snapshotEveryEntries: 0,
  operations: [],
};

/** A client that writes x, and one that reads it, each trying another server first. */
const writerAndReader: Partial<RaftExploreOptions> = {
  proposals: 0,
  clients: [
    { id: 'c1', servers: ['n1', 'n2', 'n3'], ops: [{ op: 'put', key: 'x', value: '1' }] },
    { id: 'c2', servers: ['n2', 'n3', 'n1'], ops: [{ op: 'get', key: 'x' }] },
  ],
};

/** Scenario options per bug, over `baseOptions`. */
const bugOptions: Readonly<Record<string, Partial<RaftExploreOptions>>> = {
  'commit-previous-term': { maxEntriesPerMessage: 1, proposals: 0 },
  'stale-read': writerAndReader,
  'ignore-higher-term': writerAndReader,
};

/** Bounds (over the defaults) within which the explorer finds each bug; see docs/explorer.md. */
const bugBounds: Readonly<Record<string, Partial<ExploreBounds>>> = {
  'vote-without-log-check': { depth: 10 },
  'votedfor-not-persisted': { depth: 9, crashes: 1 },
  'reply-before-persist': { depth: 7, crashes: 1, midStep: true },
  'apply-before-commit': { depth: 8 },
  'no-conflict-truncation': { depth: 10, inflight: 1 },
  // Deeper than a breadth-first search reaches in minutes: the bounds hold the counterexample of
  // `raftExplorePaths`, and the timer bound its timer firings, for the guided search (--guided).
  'commit-previous-term': { depth: 23, commands: 0, timers: 5 },
  'stale-read': { depth: 20, commands: 2, timers: 4 },
  // A leader that never steps down breaks liveness at once: after the heal two leaders stay, and the
  // old one's followers never join the new term. Judged in each world's quiet continuation
  // (--liveness), breadth-first finds that in 4 steps. (A newer term's refusal no longer echoes the
  // old term's read round, so it cannot confirm one of its reads: no safety path.)
  'ignore-higher-term': { depth: 6, commands: 0, liveness: true },
};

/** Bounds that hold each path of `raftExplorePaths`, where the search finds its bug within other bounds. */
export const raftExplorePathBounds: Readonly<Record<string, Partial<ExploreBounds>>> = {};

/**
 * Counterexamples of the bugs too deep for an exhaustive search in minutes (each needs more than
 * 20 steps: several elections, then the write and the read), written out step by step as the
 * explorer names its transitions. `followPath` (explore/follow.ts) walks them through the
 * explorer's model with every checker on, and their directed configs replay in the kernel; the
 * tests and the benchmark do both. Found by hand, so not necessarily the shortest.
 */
export const raftExplorePaths: Readonly<Record<string, readonly string[]>> = {
  'commit-previous-term': [
    // term 1: n1 leads with n3's vote and appends (1,t1); it reaches nobody
    "fire timer 'election' of n1",
    "deliver requestVote n1 -> n3",
    "deliver requestVoteResponse n3 -> n1",
    // term 2: n2 leads with n3's vote (n3's log is still empty) and appends (1,t2)
    "fire timer 'election' of n2",
    "fire timer 'election' of n2",
    "deliver requestVote n2 -> n3",
    "deliver requestVote n2 -> n3",
    "deliver requestVoteResponse n3 -> n2",
    "deliver requestVoteResponse n3 -> n2",
    // n1 learns of term 2 from n3's refusal of its old AppendEntries, steps down, keeps (1,t1)
    "deliver appendEntries n1 -> n3",
    "deliver appendEntriesResponse n3 -> n1",
    // term 3: n1 leads with n3's vote and appends (2,t3)
    "fire timer 'election' of n1",
    "deliver requestVote n1 -> n3",
    "deliver requestVoteResponse n3 -> n1",
    // one entry per AppendEntries: n3 refuses (2,t3), then takes (1,t1) alone; n1 counts n3 and itself
    // and commits (1,t1), an entry of an earlier term (the bug)
    "deliver appendEntries n1 -> n3",
    "deliver appendEntriesResponse n3 -> n1",
    "deliver appendEntries n1 -> n3",
    "deliver appendEntriesResponse n3 -> n1",
    // n2 learns of term 3 from n3's refusal, steps down, keeps (1,t2); term 4: n3 votes for n2, whose
    // last entry (term 2) is newer than n3's (term 1): a leader without the committed (1,t1)
    "deliver appendEntries n2 -> n3",
    "deliver appendEntriesResponse n3 -> n2",
    "fire timer 'election' of n2",
    "deliver requestVote n2 -> n3",
    "deliver requestVoteResponse n3 -> n2",
  ],
  'stale-read': [
    // term 1: n2 leads with n3's vote
    "fire timer 'election' of n2",
    "deliver requestVote n2 -> n3",
    "deliver requestVoteResponse n3 -> n2",
    // term 2: n1 leads with n3's vote (n3 never heard from n2 as leader: no lease)
    "fire timer 'election' of n1",
    "fire timer 'election' of n1",
    "deliver requestVote n1 -> n3",
    "deliver requestVote n1 -> n3",
    "deliver requestVoteResponse n3 -> n1",
    "deliver requestVoteResponse n3 -> n1",
    // c1 writes x=1 through n1, which commits it with n3
    "command 0 to c1: {\"type\":\"op\",\"op\":{\"op\":\"put\",\"key\":\"x\",\"value\":\"1\"}}",
    "deliver clientRequest c1 -> n1",
    "deliver appendEntries n1 -> n3",
    "deliver appendEntriesResponse n3 -> n1",
    "deliver appendEntries n1 -> n3",
    "deliver appendEntriesResponse n3 -> n1",
    "deliver clientResponse n1 -> c1",
    // time passes (n1's heartbeat is due 50 ms later): the read starts after the write returned
    "fire timer 'heartbeat' of n1",
    // then c2 reads x from n2, which still thinks it leads term 1 and answers from its own state
    "command 1 to c2: {\"type\":\"op\",\"op\":{\"op\":\"get\",\"key\":\"x\"}}",
    "deliver clientRequest c2 -> n2",
    "deliver clientResponse n2 -> c2",
  ],
};

/**
 * The Raft features a search explores, one per config seed (`--seed N`, taken modulo their number),
 * so that every feature of the model is searched by some seed: the base protocol; PreVote with
 * CheckQuorum; log compaction after every entry (snapshots, InstallSnapshot); a membership change
 * (n3 removed); a leadership transfer; a client's write and another's ReadIndex read.
 */
export const raftExploreVariants: readonly { readonly name: string; readonly options: Partial<RaftExploreOptions> }[] = [
  { name: 'base', options: {} },
  { name: 'prevote-checkquorum', options: { preVote: true, checkQuorum: true } },
  { name: 'snapshots', options: { snapshotEveryEntries: 1 } },
  { name: 'membership', options: { proposals: 0, operations: [{ type: 'removeServer', node: 'n3' }] } },
  { name: 'transfer', options: { proposals: 0, operations: [{ type: 'transferLeadership', to: 'n2' }] } },
  { name: 'reads', options: writerAndReader },
];

function optionsFor(seed: number, bug: string | null): RaftExploreOptions {
  const variant = raftExploreVariants[seed % raftExploreVariants.length]!;
  return { ...baseOptions, ...variant.options, ...(bug !== null ? bugOptions[bug] : undefined) };
}

const put: KvCommand = { op: 'put', key: 'x', value: '1', client: 'operator', seq: 1 };

export function buildRaftExploreWorld(config: RunConfig): World {
  const o = config.options as unknown as RaftExploreOptions;
  if (config.bug !== null && !isRaftBug(config.bug)) throw new Error(`unknown raft bug ${config.bug}`);
  const raftConfig: RaftConfig = {
    voters: o.servers,
    preVote: o.preVote,
    checkQuorum: o.checkQuorum,
    maxEntriesPerMessage: o.maxEntriesPerMessage,
    snapshotEveryEntries: o.snapshotEveryEntries ?? 0,
    bugs: config.bug === null ? [] : [config.bug],
  };
  const server = { ...createKvRaftProtocol(raftConfig), ...raftExploreHooks(raftConfig) };
  const commands: TimedCommand[] = [];
  for (let k = 0; k < o.proposals; k++) {
    for (const node of o.servers) commands.push({ atMs: 0, node, command: { type: 'propose', command: { ...put, seq: k + 1 } } satisfies RaftCommand<KvCommand> });
  }
  for (const command of o.operations ?? []) for (const node of o.servers) commands.push({ atMs: 0, node, command });
  const clients = o.clients.map((c) => {
    const protocol = createKvClientProtocol({ servers: c.servers, requestTimeoutMs: o.requestTimeoutMs, maxAttempts: 3, readMode: 'readIndex' });
    for (const op of c.ops) commands.push({ atMs: 0, node: c.id, command: { type: 'op', op } });
    return { id: c.id, protocol: { ...protocol, canonical: kvClientCanonical, progress: kvClientProgress }, faultable: false, role: 'client' };
  });
  return {
    nodes: [...o.servers.map((id) => ({ id, protocol: server, faultable: true, role: 'server' })), ...clients],
    commands,
    checkers: raftCheckers({ durationMs: config.durationMs, quietMs: config.quietMs }),
  };
}

export const raftExploreScenario: Scenario = {
  name: 'raft-explore',
  description: 'Raft key-value store for exhaustive exploration (--explore): 3 servers, one put, fixed randomness, FIFO links; --seed 0-5 picks the feature searched (base, PreVote+CheckQuorum, snapshots, membership, transfer, reads)',
  bugs: RAFT_BUGS,
  faultKinds: ['crash', 'disk'],
  configure(seed, _rng, bug): RunConfig {
    return {
      scenario: 'raft-explore',
      seed,
      bug,
      options: { ...optionsFor(seed, bug) },
      network: { base: { lossRate: 0, duplicateRate: 0, latency: { kind: 'constant', ms: 0 }, reorder: false } },
      clock: { maxSkewMs: 0, maxDriftPpm: 0 },
      faults: [],
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
      maxEvents: 1_000_000,
    };
  },
  build: buildRaftExploreWorld,
  explore: {
    bounds: { depth: 8, crashes: 0, drops: 0, dups: 0, inflight: 2, commands: 1, midStep: false },
    variants: raftExploreVariants.length,
    bugBounds,
    // Interchangeable when no client tells them apart (a client tries its servers in a fixed order).
    symmetric: (config) => ((config.options as unknown as RaftExploreOptions).clients.length === 0 ? SERVERS : []),
    checkers: (config) => raftCheckers({ durationMs: config.durationMs, quietMs: config.quietMs }),
  },
};
