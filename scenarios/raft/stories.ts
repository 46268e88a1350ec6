/**
 * Named Raft scenarios: each one a story a person can read, told as a fault script
 * (sim/faults.ts, `parseFaultScript`) whose times and nodes are drawn from the seed, plus the
 * operator's leadership hand-overs that put a chosen server in charge before it is hit.
 *
 *   npm run sim -- --scenario raft-leader-crash --seed 3     # one story, its script in the summary
 *   npm run sim -- --scenario raft-figure8 --seeds 1..200 --bug commit-previous-term
 *
 * The script a seed drew is kept in the run's options (`script`), so a report shows it as written.
 * The workload and the swarm switches that a story leaves open (snapshot interval, batch size,
 * PreVote, CheckQuorum, read mode) are drawn from the seed as in the `raft` scenario.
 */
import type { NodeId, Rng } from '../../core/contract/protocol.ts';
import type { RunConfig, Scenario } from '../../sim/scenario.ts';
import { allFaultKinds, formatMs, parseFaultScript } from '../../sim/faults.ts';
import { defaultClock, nodeIds } from '../../sim/configure.ts';
import { calmNetwork, type LinkConditions } from '../../sim/network.ts';
import { RAFT_BUGS, type RaftCommand } from '../../core/raft/index.ts';
import type { KvCommand } from '../../core/raft/kv.ts';
import { buildRaftWorld, type RaftScenarioOptions } from './index.ts';

type Mix = RaftScenarioOptions['clientMixes'][number];
const READER: Mix = { get: 1, put: 0, append: 0, cas: 0 };
const MIXED: Mix = { get: 4, put: 3, append: 1, cas: 2 };
export const WRITER: Mix = { get: 1, put: 4, append: 2, cas: 1 };

/**
 * The Figure 8 story's Raft and client timing (raft-figure8, and its property target): one entry
 * per message, no CheckQuorum, PreVote, no snapshots, election timeouts of 150-160 ms, 20 ms
 * heartbeats, clients that write often.
 */
export const FIGURE8_TIMING = {
  maxEntriesPerMessage: 1,
  checkQuorum: false,
  preVote: true,
  snapshotEveryEntries: 0,
  electionTimeoutMinMs: 150,
  electionTimeoutMaxMs: 160,
  heartbeatIntervalMs: 20,
  requestTimeoutMs: 150,
  thinkMsMax: 30,
  opsPerClient: 400,
} as const;

/** One run of a story: what it changes from the drawn defaults, its fault script, its length. */
export interface StoryRun {
  readonly options: Partial<RaftScenarioOptions>;
  /** The faults, and the operator's hand-overs. */
  readonly script: Script;
  /** Base link conditions for the whole run (the quiet phase included); calm by default. */
  readonly network?: Partial<LinkConditions>;
  readonly durationMs: number;
  readonly quietMs: number;
}

export interface RaftStory {
  readonly name: string;
  /** One line for `--list`. */
  readonly description: string;
  readonly servers: number;
  /** Draw a run of the story from the seed's config stream, given the defaults drawn for it. */
  draw(rng: Rng, defaults: RaftScenarioOptions): StoryRun;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

/** Uniform in [min, max), rounded to whole milliseconds. */
function uniformMs(rng: Rng, min: number, max: number): number {
  return Math.round(min + rng.next() * (max - min));
}

function without(items: readonly NodeId[], ...drop: NodeId[]): NodeId[] {
  return items.filter((x) => !drop.includes(x));
}

/** `count` distinct items, in the order drawn. */
function sample(rng: Rng, items: readonly NodeId[], count: number): NodeId[] {
  const pool = [...items];
  const out: NodeId[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0] as NodeId);
  return out;
}

const at = (ms: number): string => formatMs(Math.round(ms));
const list = (nodes: readonly NodeId[]): string => [...nodes].sort().join(',');

/** A fault script under construction, with the operator's hand-overs noted in comments where they happen. */
export class Script {
  private readonly lines: string[] = [];
  readonly operations: { atMs: number; command: RaftCommand<KvCommand> }[] = [];

  /** A comment line. The script grammar also splits statements at ';', so a comment has none. */
  note(text: string): this {
    if (text.includes(';')) throw new Error(`a script comment must not contain ';': ${text}`);
    this.lines.push(`# ${text}`);
    return this;
  }

  add(statement: string): this {
    this.lines.push(statement);
    return this;
  }

  /** The operator asks the leader to hand over to `node` (a `transferLeadership` command to every server). */
  handOver(atMs: number, node: NodeId): this {
    this.operations.push({ atMs, command: { type: 'transferLeadership', to: node } });
    return this.note(`at ${at(atMs)} the operator hands leadership to ${node}`);
  }

  crash(node: NodeId, atMs: number, how = ''): this {
    return this.add(`crash ${node} at ${at(atMs)}${how ? ` ${how}` : ''}`);
  }

  restart(node: NodeId, atMs: number): this {
    return this.add(`restart ${node} at ${at(atMs)}`);
  }

  partition(groups: readonly (readonly NodeId[])[], fromMs: number, untilMs?: number): this {
    return this.add(`partition ${groups.map(list).join(' | ')} at ${at(fromMs)}${untilMs !== undefined ? ` until ${at(untilMs)}` : ''}`);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** The defaults a story starts from: the `raft` scenario's swarm switches and workload, drawn from the seed. */
function drawDefaults(rng: Rng, serverCount: number): RaftScenarioOptions {
  const servers = nodeIds('n', serverCount);
  const clients = nodeIds('c', 2 + rng.int(2));
  return {
    servers,
    voters: servers,
    clients,
    clientMixes: clients.map((_, k) => (k === 0 && rng.next() < 0.5 ? READER : MIXED)),
    requestTimeoutMs: pick(rng, [150, 300]),
    opsPerClient: 50 + rng.int(50),
    keys: ['a', 'b', 'c'].slice(0, 1 + rng.int(2)),
    snapshotEveryEntries: pick(rng, [0, 5, 20, 100]),
    maxEntriesPerMessage: pick(rng, [1, 3, 64]),
    preVote: rng.next() < 0.5,
    checkQuorum: rng.next() < 0.5,
    readMode: rng.next() < 0.8 ? 'readIndex' : 'log',
    operations: [],
  };
}

/** A named scenario from a story. Every Raft bug can be switched on; faults come only from the script. */
export function storyScenario(story: RaftStory): Scenario {
  return {
    name: story.name,
    description: story.description,
    bugs: RAFT_BUGS,
    faultKinds: allFaultKinds,
    configure(seed: number, rng: Rng, bug: string | null): RunConfig {
      const defaults = drawDefaults(rng, story.servers);
      const run = story.draw(rng, defaults);
      const script = run.script.text();
      const options: RaftScenarioOptions = { ...defaults, ...run.options, operations: run.script.operations, script };
      return {
        scenario: story.name,
        seed,
        bug,
        options: { ...options },
        network: { base: { ...calmNetwork, ...run.network } },
        clock: defaultClock,
        faults: parseFaultScript(script),
        durationMs: run.durationMs,
        quietMs: run.quietMs,
        maxEvents: 2_000_000,
      };
    },
    build: buildRaftWorld,
  };
}

// ---------------------------------------------------------------------------------------------
// The stories

/** Down intervals of servers, so a story never takes down more than it means to at once. */
class Downtime {
  private readonly spans: { node: NodeId; fromMs: number; untilMs: number }[] = [];
  constructor(private readonly maxDown: number) {}

  /** Servers of `nodes` that are up over the whole of [fromMs, untilMs] and could go down without exceeding the limit. */
  available(nodes: readonly NodeId[], fromMs: number, untilMs: number): NodeId[] {
    const overlapping = this.spans.filter((s) => s.fromMs <= untilMs && fromMs <= s.untilMs);
    if (new Set(overlapping.map((s) => s.node)).size >= this.maxDown) return [];
    return nodes.filter((n) => !overlapping.some((s) => s.node === n));
  }

  add(node: NodeId, fromMs: number, untilMs: number): void {
    this.spans.push({ node, fromMs, untilMs });
  }
}

export const electionUnderLoss: RaftStory = {
  name: 'raft-election-loss',
  description: 'Elections under message loss: every link drops 15-35% of messages (50% in a burst) while the leader is crashed twice; 5 servers',
  servers: 5,
  draw(rng, o) {
    const s = new Script();
    const loss = 15 + rng.int(21);
    const burstAt = uniformMs(rng, 2_500, 3_500);
    s.note(`every link loses ${loss}% of its messages from the start (the first election runs through it), 50% for a second at ${at(burstAt)}`);
    s.add(`loss ${loss}% at 0s until ${at(burstAt)}`).add(`loss 50% at ${at(burstAt)} until ${at(burstAt + 1_000)}`).add(`loss ${loss}% at ${at(burstAt + 1_000)} until 6s`);
    let t = uniformMs(rng, 800, 1_200);
    for (let round = 0; round < 2; round++) {
      const v = pick(rng, o.servers);
      s.handOver(t, v);
      const crashAt = t + uniformMs(rng, 300, 800);
      const restartAt = crashAt + uniformMs(rng, 500, 1_500);
      s.note(`${v} crashes as leader (if the hand-over got through the loss), and is back ${restartAt - crashAt} ms later`);
      s.crash(v, crashAt).restart(v, restartAt);
      t = crashAt + uniformMs(rng, 1_500, 2_000);
    }
    return { options: {}, script: s, durationMs: 6_000, quietMs: 3_000 };
  },
};

export const leaderCrash: RaftStory = {
  name: 'raft-leader-crash',
  description: 'Leader crash: three times a server is handed the leadership, crashes 0.3-0.8 s later (some mid-step) and restarts after 0.3-2 s; 5 servers',
  servers: 5,
  draw(rng, o) {
    const s = new Script();
    const down = new Downtime(2);
    let t = uniformMs(rng, 600, 1_000);
    for (let round = 0; round < 3; round++) {
      const crashAt = t + uniformMs(rng, 300, 800);
      const restartAt = crashAt + uniformMs(rng, 300, 2_000);
      const candidates = down.available(o.servers, t, restartAt);
      if (candidates.length === 0) break;
      const v = pick(rng, candidates);
      down.add(v, crashAt, restartAt);
      s.handOver(t, v);
      s.note(`${v} leads for a moment, then crashes: the others elect a new leader, and ${v} comes back ${restartAt - crashAt} ms later and catches up`);
      s.crash(v, crashAt, rng.next() < 0.3 ? 'mid-step' : '').restart(v, restartAt);
      t = crashAt + uniformMs(rng, 800, 1_400);
    }
    return { options: {}, script: s, durationMs: Math.max(6_000, t), quietMs: 3_000 };
  },
};

export const leaderIsolated: RaftStory = {
  name: 'raft-leader-isolated',
  description: 'Leader isolated in a minority: twice the leader is cut off with at most one follower for 1-2.5 s while clients write; the old leader must give way and drop its uncommitted tail; 5 servers',
  servers: 5,
  draw(rng, o) {
    const s = new Script();
    let t = uniformMs(rng, 600, 1_000);
    for (let round = 0; round < 2; round++) {
      const v = pick(rng, o.servers);
      const minority = rng.next() < 0.5 ? [v] : [v, pick(rng, without(o.servers, v))];
      const fromMs = t + uniformMs(rng, 300, 600);
      const untilMs = fromMs + uniformMs(rng, 1_000, 2_500);
      s.handOver(t, v);
      s.note(`${v} leads, then is cut off${minority.length > 1 ? ` with ${minority[1]}` : ' alone'}, and clients that still talk to it get no answers`);
      s.partition([minority, without(o.servers, ...minority)], fromMs, untilMs);
      t = untilMs + uniformMs(rng, 400, 800);
    }
    // One client only reads: it keeps talking to the old leader as long as that one answers.
    return { options: { clientMixes: o.clients.map((_, k) => (k === 0 ? READER : WRITER)) }, script: s, durationMs: Math.max(6_000, t), quietMs: 3_000 };
  },
};

export const flappingPartitions: RaftStory = {
  name: 'raft-flapping-partitions',
  description: 'Partitions that flap: every 150-700 ms the servers are split anew into a majority and a minority of one or two (now and then healed), for 6 s; 5 servers',
  servers: 5,
  draw(rng, o) {
    const s = new Script();
    s.note('a new split every 150-700 ms: each replaces the one before');
    for (let t = uniformMs(rng, 300, 600); t < 5_800; t += uniformMs(rng, 150, 700)) {
      if (rng.next() < 0.15) {
        s.add(`heal at ${at(t)}`);
        continue;
      }
      const minority = sample(rng, o.servers, 1 + rng.int(2));
      s.partition([minority, without(o.servers, ...minority)], t);
    }
    return { options: {}, script: s, durationMs: 6_000, quietMs: 3_000 };
  },
};

export const restartStorm: RaftStory = {
  name: 'raft-restart-storm',
  description: 'Crash-restart storms: three bursts of a second in which servers crash (some mid-step) and come back 10-300 ms later, up to two down at once; 5 servers',
  servers: 5,
  draw(rng, o) {
    const s = new Script();
    const down = new Downtime(2);
    for (const startMs of [uniformMs(rng, 500, 1_200), uniformMs(rng, 2_300, 3_000), uniformMs(rng, 4_100, 4_800)]) {
      s.note(`storm from ${at(startMs)} to ${at(startMs + 1_000)}`);
      for (let t = startMs; t < startMs + 1_000; t += uniformMs(rng, 20, 150)) {
        const restartAt = t + uniformMs(rng, 10, 300);
        const candidates = down.available(o.servers, t, restartAt);
        if (candidates.length === 0) continue;
        const v = pick(rng, candidates);
        down.add(v, t, restartAt);
        s.crash(v, t, rng.next() < 0.4 ? 'mid-step' : '').restart(v, restartAt);
      }
    }
    return { options: {}, script: s, durationMs: 6_000, quietMs: 3_000 };
  },
};

export const tornWrites: RaftStory = {
  name: 'raft-torn-writes',
  description: 'Lost and torn writes: every 150-500 ms a server crashes mid-step with the write in flight lost, torn or bit-flipped, and restarts 50-800 ms later; 3 servers',
  servers: 3,
  draw(rng, o) {
    const s = new Script();
    const down = new Downtime(1);
    s.note('each crash lands inside a step, the write it interrupts is damaged as named, and the server must find that by checksum');
    for (let t = uniformMs(rng, 300, 600); t < 5_800; t += uniformMs(rng, 150, 500)) {
      const restartAt = t + uniformMs(rng, 50, 800);
      const candidates = down.available(o.servers, t, restartAt);
      if (candidates.length === 0) continue;
      const v = pick(rng, candidates);
      down.add(v, t, restartAt);
      s.crash(v, t, `mid-step ${pick(rng, ['lost', 'torn', 'corrupt'] as const)}`).restart(v, restartAt);
    }
    return { options: { clientMixes: o.clients.map(() => WRITER) }, script: s, durationMs: 6_000, quietMs: 3_000 };
  },
};

export const snapshotCatchUp: RaftStory = {
  name: 'raft-snapshot-catchup',
  description: 'Snapshot install after a long absence: a server is down 2.5-4 s while the others compact their logs every 5-10 entries, then must catch up by InstallSnapshot (checked); 3 servers',
  servers: 3,
  draw(rng, o) {
    const s = new Script();
    const v = pick(rng, o.servers);
    const every = 5 + rng.int(6);
    const crashAt = uniformMs(rng, 800, 1_200);
    const restartAt = crashAt + uniformMs(rng, 2_500, 4_000);
    s.note(`the servers snapshot every ${every} applied entries, and ${v} misses many snapshot intervals and must be sent a snapshot`);
    s.crash(v, crashAt).restart(v, restartAt);
    return {
      options: {
        snapshotEveryEntries: every,
        clientMixes: o.clients.map(() => WRITER),
        opsPerClient: 150,
        thinkMsMax: 60,
        expectSnapshotInstalled: [v],
      },
      script: s,
      durationMs: 6_000,
      quietMs: 3_000,
    };
  },
};





export const voteRestart: RaftStory = {
  name: 'raft-vote-restart',
  description: 'Voters crash right after voting: a crashed leader flickers (down 5-40 ms, up 20-60 ms) while the others campaign over slow links, voting whenever it is back; 3 servers, no PreVote',
  servers: 3,
  draw(rng, o) {
    const s = new Script();
    let t = uniformMs(rng, 600, 900);
    for (let round = 0; round < 4; round++) {
      const voter = pick(rng, o.servers);
      const crashAt = t + uniformMs(rng, 300, 500);
      s.handOver(t, voter);
      s.note(`${voter} crashes as leader, the other two campaign over slow links, and ${voter} flickers: every time it is back it may vote again`);
      s.add(`latency 20..100ms at ${at(crashAt)} until ${at(crashAt + 900)}`);
      let u = crashAt;
      while (u < crashAt + 800) {
        const restartAt = u + uniformMs(rng, 5, 40);
        s.crash(voter, u, rng.next() < 0.5 ? 'mid-step' : '').restart(voter, restartAt);
        u = restartAt + uniformMs(rng, 20, 60);
      }
      t = crashAt + uniformMs(rng, 1_100, 1_400);
    }
    return { options: { preVote: false, electionTimeoutMinMs: 250, electionTimeoutMaxMs: 330 }, script: s, durationMs: Math.max(6_000, t), quietMs: 3_000 };
  },
};

/**
 * The Figure 8 trap, as a play in rounds on five servers (roles drawn per round: the old leader
 * `a` and its partner, the rival `x`, two voters). The timing is made predictable on purpose:
 * a steady 20 ms network, 20 ms heartbeats and election timeouts of 150-160 ms, so the cuts land
 * between a leader's election and the arrival of its first entry often enough for a sweep.
 *
 *   1. `a` is handed the leadership, then cut off with its partner: what clients write to it
 *      lands on those two only (entries of `a`'s term, never committed).
 *   2. The voters crash and come straight back, so `x` times out first and wins the next term
 *      with their votes; it is cut off right after winning, its no-op still on its own disk.
 *   3. `a` (or its partner) returns to the voters, wins the next term with its longer log, and
 *      re-replicates its old-term tail one entry per message. A leader with the bug counts the
 *      replicas of those old entries and commits them before its own no-op is anywhere.
 *   4. It is cut off again; `x`, whose last term is newer than the voters', wins with their votes
 *      and overwrites what was committed (leader-completeness, then state-machine-safety).
 *
 * Without the bug step 3 commits nothing until the new leader's no-op has a majority, so step 4
 * cannot elect `x`. Batches of one entry, no CheckQuorum (so `a` keeps taking writes when cut off)
 * and PreVote (so the voters' failed campaigns don't keep deposing `a`) are part of the set-up.
 */
export const figure8: RaftStory = {
  name: 'raft-figure8',
  description: 'Figure 8 of the Raft paper, in rounds: leaders cut off right after election or with an uncommitted tail, so a later leader re-replicates entries of an old term; 5 servers',
  servers: 5,
  draw(rng, o) {
    const s = new Script();
    s.note('a steady network: every message takes 20 ms');
    s.add('latency 20..20ms at 0s until 9s');
    let t = uniformMs(rng, 400, 700);
    while (t < 8_000) {
      const [a, partner, x, ...voters] = sample(rng, o.servers, 5) as [NodeId, NodeId, NodeId, NodeId, NodeId];
      const old = [a, partner];
      const cutOff = t + 300;
      const rivalCut = cutOff + uniformMs(rng, 205, 250);
      const returnCut = rivalCut + uniformMs(rng, 300, 380);
      const healAt = returnCut + 700;
      s.handOver(t, a);
      s.note(`${a} leads, then is cut off with ${partner}: what clients write to it stays on the two`);
      s.partition([old, [x, ...voters]], cutOff);
      s.note(`${list(voters)} crash and come back, so ${x} times out first and is elected`);
      for (const v of voters) s.crash(v, cutOff).restart(v, cutOff + 100);
      s.note(`${x} is cut off right after winning, before its no-op reaches anyone`);
      s.partition([[...old, ...voters], [x]], rivalCut);
      s.note(`${a} or ${partner} wins the next term and re-replicates its old-term tail, and is cut off before its own no-op spreads`);
      s.partition([old, [x, ...voters]], returnCut);
      s.note(`${x} can now be elected by ${list(voters)}`);
      s.add(`heal at ${at(healAt)}`);
      t = healAt + uniformMs(rng, 200, 400);
    }
    return {
      options: { ...FIGURE8_TIMING, clientMixes: o.clients.map(() => WRITER) },
      script: s,
      durationMs: 9_000,
      quietMs: 3_000,
    };
  },
};

export const raftStories: readonly RaftStory[] = [electionUnderLoss, leaderCrash, leaderIsolated, flappingPartitions, restartStorm, tornWrites, snapshotCatchUp, voteRestart, figure8];

export const raftStoryScenarios: readonly Scenario[] = raftStories.map(storyScenario);
