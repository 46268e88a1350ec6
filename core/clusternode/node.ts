/**
 * One simulated cluster node, composed of the protocols of this repository:
 *
 *   - a Raft member of the configuration group (core/raft, replicating core/clusternode/config.ts)
 *     when the node is one of `configVoters`; every other node is a client of that group (it
 *     proposes through clientRequest, and learns committed configurations by push and pull);
 *   - a SWIM member (core/swim), whose view tells replicas that their primary failed;
 *   - the data plane: a key-value store per slot (core/migration/store.ts), MOVED/ASK routing over
 *     the committed configuration (core/migration/routing.ts), and the source and target sides of
 *     live migrations (core/migration/source.ts, target.ts);
 *   - replication from each primary to its replicas, with offsets, partial and full resync, and
 *     optionally synchronous acknowledgement (WAIT for every replica);
 *   - failover: primary leases and replica elections (core/failover), manual CLUSTER FAILOVER.
 *
 * The node acts on committed configuration only: the newest committed config it knows (its own
 * Raft state machine's, or one pushed or pulled from the group). The sub-protocols keep their own
 * state, timers (prefixed `raft/`, `swim/`), files (same prefixes) and messages (wrapped).
 *
 * Effect order is the durability contract: a write is persisted (data file) before it is
 * replicated or acknowledged, a vote before it is sent, a configuration before it is acted on.
 */
import { assertNever, type Effect, type Env, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { createRaftProtocol, type RaftTimer } from '../raft/node.ts';
import type { ClientOutcome } from '../raft/types.ts';
import { swim, swimConfig, entryStatus, type SwimTimer } from '../swim/node.ts';
import { executeClusterCommand } from '../cluster/commands.ts';
import { errorReply, type Reply } from '../cluster/resp.ts';
import { clusterNode, createClusterState, addNode, nodeAddress, type ClusterState, type NodeHealth } from '../topology/index.ts';
import { keySlot, rangesContain } from '../slots/index.ts';
import {
  type ClusterConfig,
  type ConfigCommand,
  type ConfigResult,
  type ShardConfig,
  configStateMachine,
  migrationOfSlot,
  shardById,
  shardOfNode,
} from '../cluster-config/config.ts';
import { type DataOp, type KeyRecord, emptyStore, execute, getRecord, setRecord, storeOf, slotsWithKeys } from '../migration/store.ts';
import { routeKey, writeClaims, type RouteView, type WriteClaims } from '../migration/routing.ts';
import { batchAcknowledged, batchDeleted, batchSent, nextSourceAction, replicasReached, startOutgoing, type SourceOptions } from '../migration/source.ts';
import { importRecords } from '../migration/target.ts';
import {
  blockRenewals,
  decideGrant,
  dropLease,
  emptyGrantor,
  emptyHolder,
  leaseGranted,
  leaseValid,
  promiseOutstanding,
  requestLease,
} from '../failover/lease.ts';
import { decideVote, electionDelayMs, nextElectionEpoch, recordVote, replicaRank, blocksRenewals, type ElectionMode } from '../failover/election.ts';
import type { ClusterBug } from './bugs.ts';
import { clusterNodeLanes, describeClusterMessage, type ClusterLaneParts } from './lanes.ts';
import {
  CONFIG_FILE,
  DATA_FILE,
  VOTE_FILE,
  configRecord,
  entryRecord,
  filesUnder,
  recoverConfig,
  recoverData,
  recoverVote,
  snapshotWrite,
  streamRecord,
  voteRecord,
  writeUnder,
} from './storage.ts';
import type { ClientResult, ClusterMessage, ClusterNodeCommand, ClusterNodeOptions, ClusterNodeReply, ClusterNodeState, ReplEntry, Waiting } from './types.ts';

export const TICK_TIMER = 'tick';
export const ELECT_TIMER = 'elect';
const RAFT = 'raft/';
const SWIM = 'swim/';
const BACKLOG = 1024;
const ACKED_MEMORY = 4096;
const COMPACT_AFTER = 400;
const MAX_PROPOSALS = 16;
const MANUAL_RETRY_MS = 250;
const WON_TIMEOUT_MS = 3000;
const SYNC_ASK_EVERY_MS = 300;
/** Answers waiting for the replicas, at most (the oldest is dropped: its client times out and retries). */
const MAX_WAITING = 512;

export type ClusterNodeObservation = Record<string, unknown>;
export type ClusterNodeProtocol = Protocol<ClusterNodeState, ClusterMessage, ClusterNodeCommand, ClusterNodeReply, ClusterNodeObservation>;
type Fx = Effect<ClusterMessage, ClusterNodeReply, ClusterNodeObservation>;

interface Ctx {
  s: ClusterNodeState;
  readonly env: Env;
  readonly fx: Fx[];
  /** Entries written in this step, sent to the replicas at its end (after their persists). */
  readonly replOut: ReplEntry[];
}

/** The route view of a node's state at local time `nowMs` (what the data plane and the single-writer checker use). */
export function routeViewOf(s: ClusterNodeState, nowMs: number, bugs: readonly ClusterBug[]): RouteView {
  let config = s.config;
  if (s.selfPromoted !== null) {
    // Bug 'promote-without-raft': the node acts on a configuration nobody committed.
    const sp = s.selfPromoted;
    config = { ...config, shards: config.shards.map((sh) => (sh.id === sp.shard ? { ...sh, primary: s.self, replicas: sh.replicas.filter((r) => r !== s.self).concat(sh.primary).sort() } : sh)) };
  }
  return { self: s.self, config, serving: isServing(s, nowMs), store: s.store, locked: s.locked, importingWithoutAsking: bugs.includes('importing-without-asking') };
}

/** Whether the node executes writes now: the primary of its shard in its committed config, with a valid lease, not paused. */
export function isServing(s: ClusterNodeState, nowMs: number): boolean {
  if (!s.started) return false;
  if (s.selfPromoted !== null) return true;
  const me = shardOfNode(s.config, s.self);
  return me !== undefined && me.primary === s.self && nowMs >= s.pausedUntilMs && leaseValid(s.lease, me.id, nowMs);
}

/** What the node would write without ASKING, as of its last step, and until when (its clock) that holds at the latest. */
export function nodeClaims(s: ClusterNodeState, bugs: readonly ClusterBug[]): { readonly claims: WriteClaims; readonly untilLocalMs: number } {
  const view = routeViewOf(s, s.localNowMs, bugs);
  const claims = writeClaims(view);
  const untilLocalMs = s.selfPromoted !== null ? Number.POSITIVE_INFINITY : s.lease.untilMs;
  return { claims, untilLocalMs };
}

export function createClusterNodeProtocol(o: ClusterNodeOptions): ClusterNodeProtocol {
  const bugs = o.bugs;
  const bug = (b: ClusterBug) => bugs.includes(b);
  const voters = [...o.configVoters].sort();
  const isVoter = (id: NodeId) => voters.includes(id);
  const raft = createRaftProtocol(configStateMachine(o.initialConfig), { voters, ...o.raft });
  const swimConf = swimConfig({ universe: o.nodes, ...o.swim });
  const swimProto = swim(swimConf);
  const universeIndex = new Map<NodeId, number>(o.nodes.map((id, i) => [id, i]));
  const sourceOptions: SourceOptions = { ...o.migration, exitEarly: bug('migrating-exit-early') };

  // --- small helpers ---------------------------------------------------------------------------

  const observe = (c: Ctx, observation: ClusterNodeObservation) => c.fx.push({ type: 'observe', observation });
  const send = (c: Ctx, to: NodeId, message: ClusterMessage) => c.fx.push({ type: 'send', to, message });
  /** A rare branch of the rules was taken (counted for coverage: `Scenario.sometimes`). */
  const cover = (c: Ctx, event: string) => c.fx.push({ type: 'cover', event });
  const persist = (c: Ctx, write: Parameters<typeof writeUnder>[1]) => c.fx.push({ type: 'persist', write });
  const myShard = (s: ClusterNodeState): ShardConfig | undefined => shardOfNode(s.config, s.self);
  const isPrimary = (s: ClusterNodeState): boolean => myShard(s)?.primary === s.self;
  const swimStatus = (s: ClusterNodeState, node: NodeId) => {
    const i = universeIndex.get(node);
    return i === undefined ? null : entryStatus(s.swim.view[i]);
  };
  const suspects = (s: ClusterNodeState, node: NodeId) => {
    const st = swimStatus(s, node);
    return st === 'suspect' || st === 'dead' || st === 'left';
  };
  const otherVoter = (c: Ctx): NodeId => {
    const others = voters.filter((v) => v !== c.s.self);
    return others.length === 0 ? voters[0]! : others[c.env.rng.int(others.length)]!;
  };

  // --- sub-protocols -----------------------------------------------------------------------------

  const runRaft = (c: Ctx, input: Parameters<typeof raft.step>[1]) => {
    const r = raft.step(c.s.raft!, input, c.env);
    c.s.raft = r.state;
    for (const e of r.effects) {
      switch (e.type) {
        case 'send':
          send(c, e.to, { t: 'raft', m: e.message });
          break;
        case 'setTimer':
          c.fx.push({ type: 'setTimer', timer: RAFT + e.timer, afterMs: e.afterMs });
          break;
        case 'cancelTimer':
          c.fx.push({ type: 'cancelTimer', timer: RAFT + e.timer });
          break;
        case 'persist':
          persist(c, writeUnder(RAFT, e.write));
          break;
        case 'reply':
          break; // the node gives its Raft member no commands
        case 'cover':
          c.fx.push(e);
          break;
        case 'observe':
          // Only leadership, renamed so that it does not draw the node's role band (that is primary/replica).
          if (e.observation.kind === 'becameLeader') observe(c, { type: 'config-raft', event: 'leader', term: e.observation.term });
          break;
        default:
          assertNever(e, 'raft effect');
      }
    }
  };

  const runSwim = (c: Ctx, input: Parameters<typeof swimProto.step>[1]) => {
    const r = swimProto.step(c.s.swim, input, c.env);
    c.s.swim = r.state;
    for (const e of r.effects) {
      switch (e.type) {
        case 'send':
          send(c, e.to, { t: 'swim', b: e.message });
          break;
        case 'setTimer':
          c.fx.push({ type: 'setTimer', timer: SWIM + e.timer, afterMs: e.afterMs });
          break;
        case 'cancelTimer':
          c.fx.push({ type: 'cancelTimer', timer: SWIM + e.timer });
          break;
        case 'persist':
          persist(c, writeUnder(SWIM, e.write));
          break;
        case 'reply':
          break;
        case 'cover':
          c.fx.push(e);
          break;
        case 'observe':
          if (e.observation.type === 'member' || e.observation.type === 'self') observe(c, e.observation as unknown as ClusterNodeObservation);
          break;
        default:
          assertNever(e, 'swim effect');
      }
    }
  };

  // --- state -------------------------------------------------------------------------------------

  const initial = (self: NodeId, env: Env): ClusterNodeState => ({
    self,
    started: false,
    steps: 0,
    localNowMs: env.nowMs,
    raft: isVoter(self) ? raft.init(self, env) : null,
    swim: swimProto.init(self, env),
    config: o.initialConfig,
    store: emptyStore(),
    locked: {},
    repl: {
      replId: '',
      offset: 0,
      backlog: [],
      clientAcked: [],
      acks: {},
      pendingKeys: {},
      following: null,
      lastHeardMs: env.nowMs,
      lastSyncAskMs: -Infinity,
      siblingOffsets: {},
      frozenFrom: null,
      appended: 0,
    },
    lease: emptyHolder(),
    grantor: null,
    lastVoteEpoch: 0,
    candidacy: null,
    electionAtMs: null,
    electionRetryAtMs: 0,
    seenEpoch: 0,
    manual: null,
    pausedUntilMs: 0,
    selfPromoted: null,
    outgoing: [],
    proposals: [],
    nextOpId: 0,
    leaderGuess: null,
    waiting: [],
    lastConfigPullMs: -Infinity,
    lastReplPingMs: -Infinity,
    announced: '',
  });

  // --- configuration -----------------------------------------------------------------------------

  const adoptConfig = (c: Ctx, next: ClusterConfig) => {
    const s = c.s;
    if (next.version <= s.config.version) return;
    const prev = s.config;
    s.config = next;
    persist(c, { op: 'overwrite', file: CONFIG_FILE, records: [configRecord(next)] });
    reconcile(c, prev);
  };

  /** Act on a newly adopted configuration: roles, replication source, migrations, strays. */
  const reconcile = (c: Ctx, prev: ClusterConfig) => {
    const s = c.s;
    const me = myShard(s);
    if (me === undefined) return;
    const before = shardOfNode(prev, s.self);
    const wasPrimary = before?.primary === s.self;
    const nowPrimary = me.primary === s.self;
    if (s.selfPromoted !== null && me.primary !== before?.primary) s.selfPromoted = null;
    if (!wasPrimary && nowPrimary) becomePrimary(c, me);
    else if (wasPrimary && !nowPrimary) becomeReplica(c, me);
    if (!nowPrimary) {
      if (s.repl.following !== me.primary) {
        s.repl.following = me.primary;
        s.repl.lastHeardMs = c.env.nowMs;
        askSync(c, true);
      }
      if (s.repl.frozenFrom !== null && s.repl.frozenFrom !== me.primary) s.repl.frozenFrom = null;
      if (s.candidacy !== null && s.candidacy.failed !== me.primary) endCandidacy(c, 'the shard has another primary');
      if (s.manual !== null && before !== undefined && before.primary !== me.primary) s.manual = null;
    }
    if (nowPrimary) {
      syncOutgoing(c, me);
      dropStrays(c, me);
    }
  };

  /** Source side of the migrations out of this shard: start the new ones (or resume them after a restart), forget the finished. */
  const syncOutgoing = (c: Ctx, me: ShardConfig) => {
    const s = c.s;
    for (const m of s.config.migrations) {
      if (m.source === me.id && !s.outgoing.some((x) => x.id === m.id)) s.outgoing.push(startOutgoing(m.id, m.range, m.target, c.env.nowMs));
    }
    if (s.outgoing.every((x) => s.config.migrations.some((m) => m.id === x.id))) return;
    const gone = s.outgoing.filter((x) => !s.config.migrations.some((m) => m.id === x.id));
    for (const g of gone) for (const key of Object.keys(s.locked)) if (s.locked[key] === g.id) delete s.locked[key];
    s.outgoing = s.outgoing.filter((x) => s.config.migrations.some((m) => m.id === x.id));
  };

  /**
   * Keys of slots this shard neither owns nor imports are dropped (Redis deletes the keys of
   * "dirty" slots it lost). In a correct run only stale copies are: the owner has the key.
   */
  const dropStrays = (c: Ctx, me: ShardConfig) => {
    const s = c.s;
    const strays: string[] = [];
    for (const text of Object.keys(s.store.index.slots)) {
      const slot = Number(text);
      if (rangesContain(me.slots, slot)) continue;
      const m = migrationOfSlot(s.config, slot);
      if (m !== undefined && m.target === me.id) continue;
      strays.push(...(s.store.index.slots[slot] ?? []));
    }
    if (strays.length === 0) return;
    strays.sort();
    for (const key of strays) writeEntry(c, key, null);
    observe(c, { type: 'migration', event: 'dropped', reason: 'slot not owned', shard: me.id, keys: strays, version: s.config.version });
  };

  const becomePrimary = (c: Ctx, me: ShardConfig) => {
    const s = c.s;
    const r = s.repl;
    const p = me.lastPromotion;
    // Where this replica has got in the stream it followed, now: between the election (p.offset)
    // and now it may have taken more of it, and it keeps all it took (acked-writes-survive reads
    // this; the election's offset called such writes lost).
    const reached = p !== null && r.replId === p.fromReplId ? r.offset : (p?.offset ?? r.offset);
    r.replId = `${s.self}@${me.configEpoch}`;
    persist(c, { op: 'append', file: DATA_FILE, record: streamRecord(r.replId, r.offset) });
    r.appended += 1;
    r.backlog = [];
    r.clientAcked = [];
    r.acks = {};
    r.pendingKeys = {};
    holdEveryKey(s);
    r.following = null;
    r.frozenFrom = null;
    s.candidacy = null;
    s.manual = null;
    s.electionAtMs = null;
    s.waiting = [];
    observe(c, {
      type: 'failover',
      event: 'promoted',
      shard: me.id,
      node: s.self,
      epoch: me.configEpoch,
      from: p?.from ?? null,
      fromReplId: p?.fromReplId ?? null,
      offset: reached,
      mode: p?.mode ?? null,
    });
    renewLease(c);
  };

  const becomeReplica = (c: Ctx, me: ShardConfig) => {
    const s = c.s;
    const r = s.repl;
    dropLease(s.lease);
    s.waiting = [];
    s.outgoing = [];
    s.locked = {};
    const p = me.lastPromotion;
    if (p !== null && p.from === s.self && p.fromReplId === r.replId) {
      // The window a failover loses under asynchronous replication: writes this primary
      // acknowledged beyond the offset its successor had reached.
      const lost = r.clientAcked.filter((off) => off > p.offset).length;
      observe(c, { type: 'failover', event: 'demoted', shard: me.id, node: s.self, epoch: me.configEpoch, successor: p.to, ownOffset: r.offset, successorOffset: p.offset, lostAckedWrites: lost });
      // The same loss as a protocol counter: it shows in the run's summary and in --metrics.
      observe(c, { type: 'metric', name: 'acked_writes_lost', value: lost });
    }
    r.following = me.primary;
    r.lastHeardMs = c.env.nowMs;
    askSync(c, true);
  };

  // --- proposals to the configuration group ------------------------------------------------------

  const propose = (c: Ctx, cmd: ConfigCommand) => {
    const s = c.s;
    const opId = ++s.nextOpId;
    const to = s.raft?.leaderId ?? s.leaderGuess ?? otherVoter(c);
    s.proposals.push({ opId, cmd, to, sentAtMs: c.env.nowMs, tries: 1 });
    if (s.proposals.length > MAX_PROPOSALS) s.proposals.shift();
    send(c, to, { t: 'raft', m: { type: 'clientRequest', opId, request: { kind: 'write', command: cmd } } });
  };

  const onProposalAnswer = (c: Ctx, from: NodeId, opId: number, outcome: ClientOutcome<ConfigResult>) => {
    const s = c.s;
    const p = s.proposals.find((x) => x.opId === opId);
    if (p === undefined) return;
    if (outcome.status === 'notLeader') {
      s.leaderGuess = outcome.leaderHint;
      p.to = outcome.leaderHint ?? voters[(voters.indexOf(p.to) + 1) % voters.length]!;
      p.tries += 1;
      p.sentAtMs = c.env.nowMs;
      if (outcome.leaderHint !== null) send(c, p.to, { t: 'raft', m: { type: 'clientRequest', opId, request: { kind: 'write', command: p.cmd } } });
      return;
    }
    s.leaderGuess = from;
    s.proposals = s.proposals.filter((x) => x.opId !== opId);
    const result = outcome.result;
    if (result.version > s.config.version) send(c, from, { t: 'cfg-get', cv: s.config.version });
    if (p.cmd.op === 'promote' && !result.ok) {
      observe(c, { type: 'election', event: 'promotion-refused', node: s.self, reason: result.reason });
      if (s.candidacy !== null) endCandidacy(c, result.reason);
      if (s.manual !== null && s.manual.mode === 'takeover') s.manual = null;
      s.repl.frozenFrom = null;
    }
  };

  const resendProposals = (c: Ctx) => {
    const s = c.s;
    for (const p of s.proposals) {
      if (c.env.nowMs - p.sentAtMs < o.proposeTimeoutMs) continue;
      p.to = voters[(voters.indexOf(p.to) + 1) % voters.length]!;
      p.tries += 1;
      p.sentAtMs = c.env.nowMs;
      send(c, p.to, { t: 'raft', m: { type: 'clientRequest', opId: p.opId, request: { kind: 'write', command: p.cmd } } });
    }
    s.proposals = s.proposals.filter((p) => p.tries <= 20);
  };

  // --- replication -------------------------------------------------------------------------------

  /** Appends an entry for a change already made to the store: persisted now, sent at the end of the step. */
  const appendEntry = (c: Ctx, key: string, record: KeyRecord | null) => {
    const s = c.s;
    const r = s.repl;
    r.offset += 1;
    const e: ReplEntry = { o: r.offset, k: key, r: record };
    persist(c, { op: 'append', file: DATA_FILE, record: entryRecord(e) });
    r.appended += 1;
    if (isPrimary(s) || s.selfPromoted !== null) {
      r.backlog.push(e);
      if (r.backlog.length > BACKLOG) r.backlog.shift();
      if (o.syncReplication) r.pendingKeys[key] = r.offset;
      c.replOut.push(e);
    }
    if (r.appended > COMPACT_AFTER) {
      persist(c, snapshotWrite(r.replId, r.offset, s.store));
      r.appended = 0;
    }
  };

  const writeEntry = (c: Ctx, key: string, record: KeyRecord | null) => {
    setRecord(c.s.store, key, record);
    appendEntry(c, key, record);
  };

  const replicasOfMine = (s: ClusterNodeState): readonly NodeId[] => myShard(s)?.replicas ?? [];

  /**
   * Synchronous replication serves a key only once its last write is on every replica
   * (`pendingKeys`). A primary that has just restarted or been promoted no longer knows which of
   * its writes the replicas have, so it holds every key at its current offset: a read that saw a
   * write the next failover would lose is a dirty read (cluster seed 688: a restarted primary
   * answered a cas from an append no replica had, then a forced failover lost the append).
   */
  const holdEveryKey = (s: ClusterNodeState) => {
    if (!o.syncReplication) return;
    for (const key of Object.keys(s.store.records)) s.repl.pendingKeys[key] = s.repl.offset;
  };

  /** The offset every replica of the shard has acknowledged (own offset without replicas). */
  const ackedOffset = (s: ClusterNodeState): number => {
    let min = s.repl.offset;
    for (const r of replicasOfMine(s)) min = Math.min(min, s.repl.acks[r] ?? 0);
    return min;
  };

  const flushRepl = (c: Ctx) => {
    const s = c.s;
    if (c.replOut.length === 0) return;
    const r = s.repl;
    const from = c.replOut[0]!.o - 1;
    for (const rep of replicasOfMine(s)) send(c, rep, { t: 'repl', replId: r.replId, from, entries: c.replOut.slice(), offsets: { ...r.acks }, cv: s.config.version });
  };

  const noteClientAck = (s: ClusterNodeState, offset: number) => {
    s.repl.clientAcked.push(offset);
    if (s.repl.clientAcked.length > ACKED_MEMORY) s.repl.clientAcked.shift();
  };

  const reply = (c: Ctx, to: NodeId, sendNo: number, r: ClientResult) => send(c, to, { t: 'res', send: sendNo, r, cv: c.s.config.version });

  /** Answer what waited for the replicas, as far as they have acknowledged. */
  const releaseWaiting = (c: Ctx) => {
    const s = c.s;
    if (s.waiting.length > MAX_WAITING) s.waiting.splice(0, s.waiting.length - MAX_WAITING);
    const acked = ackedOffset(s);
    for (const key of Object.keys(s.repl.pendingKeys)) if (s.repl.pendingKeys[key]! <= acked) delete s.repl.pendingKeys[key];
    if (s.waiting.length > 0) {
      const still: Waiting[] = [];
      for (const w of s.waiting) {
        switch (w.kind) {
          case 'client':
            if (w.offset <= acked) {
              noteClientAck(s, w.offset);
              reply(c, w.to, w.send, { k: 'ok', out: w.out, shard: w.shard, replId: s.repl.replId, offset: w.offset });
            } else still.push(w);
            break;
          case 'import':
            if (w.offset <= acked) send(c, w.to, { t: 'import-ack', mig: w.mig, batch: w.batch, cv: s.config.version });
            else still.push(w);
            break;
          case 'keyed': {
            if (Object.hasOwn(s.repl.pendingKeys, w.key)) {
              still.push(w);
              break;
            }
            if (!w.read) {
              reply(c, w.to, w.send, { k: 'ok', out: w.out, shard: w.shard, replId: s.repl.replId, offset: 0 });
              break;
            }
            // The read is served now, so it is routed now: meanwhile its key may have moved away.
            const d = routeKey(routeViewOf(s, c.env.nowMs, bugs), w.key, w.asking);
            if (d.kind === 'serve') reply(c, w.to, w.send, { k: 'ok', out: getRecord(s.store, w.key)?.v ?? null, shard: w.shard, replId: s.repl.replId, offset: 0 });
            else reply(c, w.to, w.send, d.kind === 'tryagain' ? { k: 'tryagain', slot: d.slot, reason: d.reason } : { k: d.kind, slot: d.slot, node: d.node });
            break;
          }
            break;
          default:
            assertNever(w, 'waiting');
        }
      }
      s.waiting = still;
    }
    for (const m of s.outgoing) {
      const settling = m.settling;
      if (settling !== null && replicasReached(m, acked)) for (const key of settling.keys) delete s.locked[key];
    }
  };

  const askSync = (c: Ctx, force: boolean) => {
    const s = c.s;
    const r = s.repl;
    if (r.following === null || r.frozenFrom === r.following) return;
    if (!force && c.env.nowMs - r.lastSyncAskMs < SYNC_ASK_EVERY_MS) return;
    r.lastSyncAskMs = c.env.nowMs;
    send(c, r.following, { t: 'psync', replId: r.replId, offset: r.offset, cv: s.config.version });
  };

  const onPsync = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'psync' }>) => {
    const s = c.s;
    if (!isPrimary(s) || !replicasOfMine(s).includes(from)) {
      if (m.cv > s.config.version) send(c, from, { t: 'cfg-get', cv: s.config.version });
      else if (m.cv < s.config.version) send(c, from, { t: 'cfg', config: s.config });
      return;
    }
    const r = s.repl;
    const first = r.backlog[0]?.o ?? r.offset + 1;
    if (m.replId === r.replId && m.offset <= r.offset && m.offset >= first - 1) {
      cover(c, 'cluster/psync-partial');
      send(c, from, { t: 'repl', replId: r.replId, from: m.offset, entries: r.backlog.filter((e) => e.o > m.offset), offsets: { ...r.acks }, cv: s.config.version });
      return;
    }
    cover(c, 'cluster/psync-full');
    const records = Object.keys(s.store.records).sort().map((k) => [k, s.store.records[k]!] as const);
    send(c, from, { t: 'repl-full', replId: r.replId, offset: r.offset, records, cv: s.config.version });
  };

  const fromMyPrimary = (c: Ctx, from: NodeId, cv: number): boolean => {
    const s = c.s;
    if (cv > s.config.version) send(c, from, { t: 'cfg-get', cv: s.config.version });
    const r = s.repl;
    return !isPrimary(s) && s.selfPromoted === null && r.following === from && r.frozenFrom !== from;
  };

  const onRepl = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'repl' }>) => {
    const s = c.s;
    if (!fromMyPrimary(c, from, m.cv)) return;
    const r = s.repl;
    r.lastHeardMs = c.env.nowMs;
    r.siblingOffsets = { ...m.offsets };
    if (m.replId !== r.replId || m.from > r.offset) {
      cover(c, 'cluster/repl-gap');
      askSync(c, false);
      return;
    }
    let applied = false;
    for (const e of m.entries) {
      if (e.o <= r.offset) continue;
      if (e.o !== r.offset + 1) {
        askSync(c, false);
        break;
      }
      setRecord(s.store, e.k, e.r);
      appendEntry(c, e.k, e.r);
      applied = true;
    }
    if (applied || m.entries.length === 0) send(c, from, { t: 'repl-ack', replId: r.replId, offset: r.offset });
  };

  const onReplFull = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'repl-full' }>) => {
    const s = c.s;
    if (!fromMyPrimary(c, from, m.cv)) return;
    const r = s.repl;
    const records: Record<string, KeyRecord> = {};
    for (const [k, rec] of m.records) Object.defineProperty(records, k, { value: rec, writable: true, enumerable: true, configurable: true });
    s.store = storeOf(records);
    r.replId = m.replId;
    r.offset = m.offset;
    r.lastHeardMs = c.env.nowMs;
    persist(c, snapshotWrite(r.replId, r.offset, s.store));
    r.appended = 0;
    send(c, from, { t: 'repl-ack', replId: r.replId, offset: r.offset });
  };

  const onReplAck = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'repl-ack' }>) => {
    const s = c.s;
    if (!isPrimary(s) || m.replId !== s.repl.replId || !replicasOfMine(s).includes(from)) return;
    if ((s.repl.acks[from] ?? 0) < m.offset) s.repl.acks[from] = m.offset;
    releaseWaiting(c);
  };

  // --- the data plane ----------------------------------------------------------------------------

  const onRequest = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'req' }>) => {
    const s = c.s;
    const now = c.env.nowMs;
    const view = routeViewOf(s, now, bugs);
    const d = routeKey(view, m.op.key, m.asking);
    switch (d.kind) {
      case 'moved':
        cover(c, 'cluster/moved');
        reply(c, from, m.send, { k: 'moved', slot: d.slot, node: d.node });
        return;
      case 'ask':
        cover(c, 'cluster/ask');
        reply(c, from, m.send, { k: 'ask', slot: d.slot, node: d.node });
        return;
      case 'tryagain':
        cover(c, 'cluster/tryagain');
        reply(c, from, m.send, { k: 'tryagain', slot: d.slot, reason: d.reason });
        return;
      case 'serve':
        serve(c, from, m, view.config);
        return;
      default:
        assertNever(d, 'route');
    }
  };

  const serve = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'req' }>, config: ClusterConfig) => {
    const s = c.s;
    const shard = shardOfNode(config, s.self)!.id;
    const op: DataOp = m.op;
    const record = getRecord(s.store, op.key);
    const ex = execute(record, op, m.client, m.seq);
    const waitForKey = o.syncReplication && Object.hasOwn(s.repl.pendingKeys, op.key);
    if (op.op === 'get' || ex.record === null) {
      // A read, a failed cas or a retry already executed: nothing to write. Under synchronous
      // replication the answer waits until the key's last write is on every replica.
      // (The answer to a retry must not overtake the write it repeats: it waits the same way.)
      if (waitForKey) cover(c, 'cluster/answer-waits-for-replicas');
      if (waitForKey) s.waiting.push({ kind: 'keyed', to: from, send: m.send, key: op.key, shard, read: op.op === 'get', asking: m.asking, out: ex.output });
      else reply(c, from, m.send, { k: 'ok', out: ex.output, shard, replId: s.repl.replId, offset: 0 });
      return;
    }
    writeEntry(c, op.key, ex.record);
    const offset = s.repl.offset;
    if (o.syncReplication) {
      s.waiting.push({ kind: 'client', to: from, send: m.send, offset, out: ex.output, shard });
      releaseWaiting(c);
    } else {
      noteClientAck(s, offset);
      reply(c, from, m.send, { k: 'ok', out: ex.output, shard, replId: s.repl.replId, offset });
    }
  };

  // --- migrations ----------------------------------------------------------------------------------

  const recordsOf = (s: ClusterNodeState, keys: readonly string[]) => keys.flatMap((k) => {
    const r = getRecord(s.store, k);
    return r === undefined ? [] : [[k, r] as const];
  });

  const driveMigrations = (c: Ctx) => {
    const s = c.s;
    if (!isPrimary(s)) return;
    const now = c.env.nowMs;
    for (const m of s.outgoing) {
      const mig = s.config.migrations.find((x) => x.id === m.id);
      if (mig === undefined) continue;
      const target = shardById(s.config, mig.target)!.primary;
      const a = nextSourceAction(m, s.store, now, sourceOptions);
      switch (a.kind) {
        case 'idle':
          break;
        case 'send': {
          const batch = batchSent(m, a.keys, target, now);
          for (const k of a.keys) s.locked[k] = m.id;
          send(c, target, { t: 'import', mig: m.id, batch, records: recordsOf(s, a.keys), cv: s.config.version });
          break;
        }
        case 'resend': {
          cover(c, 'migration/batch-resent');
          const f = m.inFlight!;
          f.to = target;
          f.sentAtMs = now;
          send(c, target, { t: 'import', mig: m.id, batch: f.batch, records: recordsOf(s, f.keys), cv: s.config.version });
          break;
        }
        case 'finish':
          m.finishProposedAtMs = now;
          observe(c, { type: 'migration', event: 'finish-proposed', mig: m.id, shard: mig.source, keysLeft: slotsWithKeys(s.store, mig.range).length });
          propose(c, { op: 'migrate-finish', migrationId: m.id, by: s.self });
          break;
        default:
          assertNever(a, 'source action');
      }
    }
  };

  const onImport = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'import' }>) => {
    const s = c.s;
    const mig = s.config.migrations.find((x) => x.id === m.mig);
    const me = myShard(s);
    if (mig === undefined || me === undefined || me.id !== mig.target || me.primary !== s.self) {
      if (m.cv > s.config.version) send(c, from, { t: 'cfg-get', cv: s.config.version });
      return;
    }
    const out = importRecords(s.store, m.records);
    for (const [k, r] of out.applied) appendEntry(c, k, r);
    if (out.applied.length > 0) observe(c, { type: 'migration', event: 'imported', mig: m.mig, batch: m.batch, keys: out.applied.map(([k]) => k), kept: out.kept });
    s.waiting.push({ kind: 'import', to: from, mig: m.mig, batch: m.batch, offset: s.repl.offset });
    releaseWaiting(c);
  };

  const onImportAck = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'import-ack' }>) => {
    const s = c.s;
    const out = s.outgoing.find((x) => x.id === m.mig);
    if (out === undefined || !isPrimary(s)) return;
    const keys = batchAcknowledged(out, m.batch);
    if (keys === null) {
      // A late or duplicated acknowledgement of an earlier batch while another is on the wire
      // (source.ts batchAcknowledged: it changes nothing); counted so sweeps show it happens.
      if (out.inFlight !== null) cover(c, 'migration/stale-ack');
      return;
    }
    for (const k of keys) writeEntry(c, k, null);
    observe(c, { type: 'migration', event: 'handed-over', mig: m.mig, batch: m.batch, keys, from: myShard(s)!.id, to: out.target, acker: from });
    batchDeleted(out, keys, s.repl.offset, o.syncReplication, c.env.nowMs, sourceOptions);
    if (out.settling === null) for (const k of keys) delete s.locked[k];
    releaseWaiting(c);
  };

  // --- leases --------------------------------------------------------------------------------------

  const renewLease = (c: Ctx) => {
    const s = c.s;
    const me = myShard(s);
    if (me === undefined || me.primary !== s.self || c.env.nowMs < s.pausedUntilMs) return;
    const seq = requestLease(s.lease, me.id, c.env.nowMs);
    for (const v of voters) send(c, v, { t: 'lease-req', shard: me.id, seq, cv: s.config.version });
  };

  const onLeaseRequest = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'lease-req' }>) => {
    const s = c.s;
    if (s.grantor === null) return;
    const shard = shardById(s.config, m.shard);
    const refusal = decideGrant(s.grantor, m.shard, from, shard?.primary === from, c.env.nowMs, o.lease);
    if (refusal !== null) cover(c, `lease/refused-${refusal}`);
    send(c, from, { t: 'lease-ans', shard: m.shard, seq: m.seq, granted: refusal === null, cv: s.config.version });
  };

  const onLeaseAnswer = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'lease-ans' }>) => {
    const s = c.s;
    if (m.cv > s.config.version) send(c, from, { t: 'cfg-get', cv: s.config.version });
    if (!m.granted) return;
    const before = s.lease.untilMs;
    if (leaseGranted(s.lease, from, m.seq, voters, o.lease) && before <= c.env.nowMs) releaseWaiting(c);
  };

  // --- elections -----------------------------------------------------------------------------------

  const endCandidacy = (c: Ctx, why: string) => {
    const s = c.s;
    const cand = s.candidacy;
    if (cand === null) return;
    s.candidacy = null;
    s.repl.frozenFrom = null;
    const manual = s.manual !== null && s.manual.mode !== 'takeover';
    s.electionRetryAtMs = c.env.nowMs + (manual ? MANUAL_RETRY_MS : o.election.retryMs);
    if (manual) {
      // A manual failover tries again on a timer of its own (not the next tick), as Redis's does.
      s.electionAtMs = s.electionRetryAtMs;
      c.fx.push({ type: 'setTimer', timer: ELECT_TIMER, afterMs: MANUAL_RETRY_MS });
    }
    observe(c, { type: 'election', event: 'ended', node: s.self, epoch: cand.epoch, won: cand.won, why });
    askSync(c, true);
  };

  const startCandidacy = (c: Ctx, mode: ElectionMode) => {
    const s = c.s;
    const me = myShard(s);
    if (me === undefined || me.primary === s.self) return;
    const epoch = nextElectionEpoch(s.config.currentEpoch, s.seenEpoch);
    s.seenEpoch = epoch;
    s.candidacy = { shard: me.id, failed: me.primary, epoch, mode, startedAtMs: c.env.nowMs, votes: [], refusals: [], won: false };
    // A candidate stops taking its primary's stream: the offset it runs with is the one it keeps.
    s.repl.frozenFrom = me.primary;
    observe(c, { type: 'election', event: 'started', node: s.self, shard: me.id, epoch, mode, failed: me.primary, offset: s.repl.offset });
    for (const v of voters) send(c, v, { t: 'vote-req', shard: me.id, epoch, failed: me.primary, mode, cv: s.config.version });
  };

  const onVoteRequest = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'vote-req' }>) => {
    const s = c.s;
    const g = s.grantor;
    if (g === null) return;
    const now = c.env.nowMs;
    const shard = shardById(s.config, m.shard);
    const ctx = {
      primary: shard?.primary ?? null,
      replicas: shard?.replicas ?? [],
      failedSuspected: suspects(s, m.failed),
      leasePromised: promiseOutstanding(g, m.shard, now),
      quiet: now < g.quietUntilMs,
      doubleVote: bug('double-vote'),
    };
    const req = { shard: m.shard, epoch: m.epoch, failed: m.failed, mode: m.mode, candidate: from };
    if (blocksRenewals(req, ctx)) blockRenewals(g, m.shard, m.failed, now + o.election.blockRenewalsMs);
    const refusal = decideVote(s.lastVoteEpoch, req, ctx);
    if (refusal !== null) cover(c, `failover/vote-refused-${refusal}`);
    if (refusal === null) {
      s.lastVoteEpoch = Math.max(s.lastVoteEpoch, m.epoch);
      persist(c, { op: 'overwrite', file: VOTE_FILE, records: [voteRecord(s.lastVoteEpoch)] });
      observe(c, { type: 'election', event: 'vote', voter: s.self, candidate: from, shard: m.shard, epoch: m.epoch });
    }
    send(c, from, { t: 'vote-ans', shard: m.shard, epoch: m.epoch, granted: refusal === null, lastVoteEpoch: s.lastVoteEpoch, cv: s.config.version });
  };

  const onVoteAnswer = (c: Ctx, from: NodeId, m: Extract<ClusterMessage, { t: 'vote-ans' }>) => {
    const s = c.s;
    s.seenEpoch = Math.max(s.seenEpoch, m.lastVoteEpoch);
    if (m.cv > s.config.version) send(c, from, { t: 'cfg-get', cv: s.config.version });
    const cand = s.candidacy;
    if (cand === null || cand.won || cand.epoch !== m.epoch || cand.shard !== m.shard) return;
    const t = recordVote(cand, from, m.granted, voters);
    if (t === 'lost') cover(c, 'failover/election-lost');
    if (t === 'lost') endCandidacy(c, 'refused by a majority');
    else if (t === 'won') won(c);
  };

  const won = (c: Ctx) => {
    const s = c.s;
    const cand = s.candidacy!;
    cand.won = true;
    observe(c, { type: 'election', event: 'won', node: s.self, shard: cand.shard, epoch: cand.epoch, mode: cand.mode, votes: [...cand.votes] });
    if (bug('promote-without-raft')) {
      // The bug: act as primary on the strength of the votes alone.
      s.selfPromoted = { shard: cand.shard, epoch: cand.epoch };
      s.candidacy = null;
      return;
    }
    propose(c, { op: 'promote', shard: cand.shard, node: s.self, failed: cand.failed, electionEpoch: cand.epoch, fromReplId: s.repl.replId, offset: s.repl.offset, mode: cand.mode });
  };

  const electionTick = (c: Ctx) => {
    const s = c.s;
    const now = c.env.nowMs;
    const me = myShard(s);
    if (me === undefined || me.primary === s.self || s.selfPromoted !== null) {
      s.electionAtMs = null;
      return;
    }
    const cand = s.candidacy;
    if (cand !== null) {
      if (!cand.won && now - cand.startedAtMs >= o.election.timeoutMs) endCandidacy(c, 'timed out');
      else if (cand.won && now - cand.startedAtMs >= WON_TIMEOUT_MS) endCandidacy(c, 'promotion not committed in time');
      return;
    }
    const manual = s.manual;
    if (manual !== null) {
      if (now >= manual.deadlineMs) {
        observe(c, { type: 'election', event: 'manual-aborted', node: s.self, mode: manual.mode });
        s.manual = null;
        s.repl.frozenFrom = null;
        return;
      }
      if (manual.mode === 'takeover' || now < s.electionRetryAtMs || s.electionAtMs !== null) return;
      manualStep(c, me);
      return;
    }
    if (s.electionAtMs !== null || now < s.electionRetryAtMs) return;
    if (swimStatus(s, me.primary) !== 'dead') return;
    const siblings = me.replicas.filter((r) => r !== s.self).map((r) => s.repl.siblingOffsets[r] ?? 0);
    const rank = replicaRank(s.repl.offset, siblings);
    const delay = electionDelayMs(rank, c.env.rng, o.election);
    s.electionAtMs = now + delay;
    c.fx.push({ type: 'setTimer', timer: ELECT_TIMER, afterMs: delay });
    observe(c, { type: 'election', event: 'scheduled', node: s.self, shard: me.id, rank, delayMs: delay, offset: s.repl.offset });
  };

  /** A manual failover's next move: FORCE elects at once; default once the replica has the primary's offset. */
  const manualStep = (c: Ctx, me: ShardConfig) => {
    const s = c.s;
    const manual = s.manual!;
    if (manual.mode === 'force') startCandidacy(c, 'force');
    else if (manual.mode === 'default') {
      if (manual.primaryOffset !== null && s.repl.replId === manual.primaryOffset.replId && s.repl.offset >= manual.primaryOffset.offset) startCandidacy(c, 'default');
      else if (manual.primaryOffset === null) send(c, me.primary, { t: 'mf-start' });
    }
  };

  const onElectTimer = (c: Ctx) => {
    const s = c.s;
    const me = myShard(s);
    s.electionAtMs = null;
    if (me === undefined || me.primary === s.self || s.candidacy !== null || s.selfPromoted !== null) return;
    if (s.manual !== null) {
      if (c.env.nowMs < s.manual.deadlineMs) manualStep(c, me);
      return;
    }
    if (swimStatus(s, me.primary) !== 'dead') return;
    startCandidacy(c, 'auto');
  };

  // --- operator commands (redis-cli) --------------------------------------------------------------

  /** This node's configuration seen as core/topology's ClusterState, for core/cluster's command checks. */
  const projectCluster = (s: ClusterNodeState): ClusterState => {
    const address = (id: NodeId) => nodeAddress(`10.0.0.${(universeIndex.get(id) ?? 0) + 1}`, 6379);
    const health = (id: NodeId): NodeHealth => (id === s.self ? 'ok' : swimStatus(s, id) === 'dead' ? 'fail' : swimStatus(s, id) === 'suspect' ? 'pfail' : 'ok');
    const records = s.config.shards.flatMap((sh) => [
      clusterNode({ id: sh.primary, address: address(sh.primary), role: 'primary', configEpoch: sh.configEpoch, slots: sh.slots, health: health(sh.primary) }),
      ...sh.replicas.map((r) => clusterNode({ id: r, address: address(r), role: 'replica', primaryId: sh.primary, configEpoch: sh.configEpoch, health: health(r) })),
    ]);
    const mine = records.find((n) => n.id === s.self) ?? clusterNode({ id: s.self, address: address(s.self) });
    let cluster = { ...createClusterState(mine), currentEpoch: s.config.currentEpoch };
    for (const n of records) if (n.id !== s.self) cluster = addNode(cluster, n);
    return cluster;
  };

  const READ_ONLY = new Set(['info', 'nodes', 'slots', 'myid', 'keyslot', 'countkeysinslot', 'getkeysinslot', 'failover']);

  const admin = (c: Ctx, argv: readonly string[]): Reply => {
    const s = c.s;
    const name = (argv[0] ?? '').toLowerCase();
    if (name === 'cluster' && argv.length >= 2 && !READ_ONLY.has(argv[1]!.toLowerCase())) {
      return errorReply('configuration changes go through the configuration group: use the resharder');
    }
    if (name !== 'cluster') return errorReply(`unknown command '${argv[0] ?? ''}'`);
    const result = executeClusterCommand({ cluster: projectCluster(s), keys: s.store.index }, argv, { nowMs: c.env.nowMs });
    const intent = result.intent;
    if (intent !== null && intent.type === 'failover') startManual(c, intent.mode);
    return result.reply;
  };

  const startManual = (c: Ctx, mode: 'default' | 'force' | 'takeover') => {
    const s = c.s;
    const me = myShard(s);
    if (me === undefined || me.primary === s.self) return;
    const now = c.env.nowMs;
    s.manual = { mode, deadlineMs: now + o.election.manualTimeoutMs, primaryOffset: null };
    s.electionRetryAtMs = now;
    s.electionAtMs = null;
    observe(c, { type: 'election', event: 'manual', node: s.self, shard: me.id, mode });
    switch (mode) {
      case 'takeover':
        s.repl.frozenFrom = me.primary;
        propose(c, { op: 'promote', shard: me.id, node: s.self, failed: me.primary, electionEpoch: null, fromReplId: s.repl.replId, offset: s.repl.offset, mode: 'takeover' });
        return;
      case 'force':
        if (s.candidacy === null) startCandidacy(c, 'force');
        return;
      case 'default':
        send(c, me.primary, { t: 'mf-start' });
        return;
      default:
        assertNever(mode, 'failover mode');
    }
  };

  const onManualStart = (c: Ctx, from: NodeId) => {
    const s = c.s;
    const me = myShard(s);
    if (me === undefined || me.primary !== s.self || !me.replicas.includes(from)) return;
    // Redis's manual failover: stop clients, tell the replica the offset to reach.
    s.pausedUntilMs = c.env.nowMs + o.election.manualTimeoutMs;
    dropLease(s.lease);
    observe(c, { type: 'election', event: 'manual-paused', node: s.self, replica: from, offset: s.repl.offset });
    send(c, from, { t: 'mf-offset', replId: s.repl.replId, offset: s.repl.offset });
  };

  // --- the periodic tick ---------------------------------------------------------------------------

  const onTick = (c: Ctx) => {
    const s = c.s;
    const now = c.env.nowMs;
    c.fx.push({ type: 'setTimer', timer: TICK_TIMER, afterMs: o.tickMs });
    if (isPrimary(s) && now - s.lease.lastRequestMs >= o.lease.renewEveryMs) renewLease(c);
    if (isPrimary(s)) {
      if (now - s.lastReplPingMs >= o.replPingMs) {
        s.lastReplPingMs = now;
        for (const rep of replicasOfMine(s)) send(c, rep, { t: 'repl', replId: s.repl.replId, from: s.repl.offset, entries: [], offsets: { ...s.repl.acks }, cv: s.config.version });
      }
      syncOutgoing(c, myShard(s)!);
      driveMigrations(c);
      releaseWaiting(c);
    } else if (s.repl.following !== null && now - s.repl.lastHeardMs >= o.replTimeoutMs) askSync(c, false);
    if (now - s.lastConfigPullMs >= o.configPullMs) {
      s.lastConfigPullMs = now;
      send(c, otherVoter(c), { t: 'cfg-get', cv: s.config.version });
    }
    electionTick(c);
    resendProposals(c);
  };

  // --- after every step ----------------------------------------------------------------------------

  const afterStep = (c: Ctx) => {
    const s = c.s;
    if (s.raft !== null && s.raft.sm.version > s.config.version) {
      const committed = s.raft.sm;
      observe(c, { type: 'config-committed', version: committed.version, config: committed });
      adoptConfig(c, committed);
      if (s.raft.role === 'leader') for (const n of o.nodes) if (n !== s.self) send(c, n, { t: 'cfg', config: committed });
    }
    announceRole(c);
    flushRepl(c);
    s.steps += 1;
    s.localNowMs = c.env.nowMs;
  };

  const announceRole = (c: Ctx) => {
    const s = c.s;
    const me = myShard(s);
    if (me === undefined) return;
    let role: string;
    let epoch: number;
    if (s.selfPromoted !== null) {
      role = 'primary';
      epoch = s.selfPromoted.epoch;
    } else if (me.primary === s.self) {
      role = 'primary';
      epoch = me.configEpoch;
    } else if (s.candidacy !== null) {
      role = 'candidate';
      epoch = s.candidacy.epoch;
    } else {
      role = 'replica';
      epoch = me.configEpoch;
    }
    const key = `${role}/${epoch}`;
    if (key === s.announced) return;
    s.announced = key;
    observe(c, { type: 'role', role, epoch, shard: me.id, node: s.self });
  };

  // --- start ---------------------------------------------------------------------------------------

  const onStart = (c: Ctx, durable: Readonly<Record<string, readonly string[]>>) => {
    const fresh = Object.keys(durable).length === 0;
    const s = initial(c.s.self, c.env);
    c.s = s;
    s.started = true;
    if (s.raft !== null) runRaft(c, { type: 'start', durable: filesUnder(durable, RAFT) });
    runSwim(c, { type: 'start', durable: filesUnder(durable, SWIM) });
    const saved = recoverConfig(durable);
    if (saved !== null && saved.version > s.config.version) s.config = saved;
    if (s.raft !== null && s.raft.sm.version > s.config.version) s.config = s.raft.sm;
    const me = myShard(s);
    const data = recoverData(durable[DATA_FILE]);
    if (data !== null) {
      s.store = data.store;
      s.repl.replId = data.replId;
      s.repl.offset = data.offset;
      if (data.dropped > 0) {
        observe(c, { type: 'data', event: 'torn-tail-dropped', node: s.self, records: data.dropped });
        persist(c, snapshotWrite(s.repl.replId, s.repl.offset, s.store));
      }
    } else {
      // A fresh disk: every member of a shard starts on the primary's (empty) stream.
      s.repl.replId = me === undefined ? `${s.self}@0` : `${me.primary}@${me.configEpoch}`;
      persist(c, snapshotWrite(s.repl.replId, 0, s.store));
    }
    s.lastVoteEpoch = recoverVote(durable);
    s.seenEpoch = s.lastVoteEpoch;
    // A voter that restarts may have forgotten lease promises: it grants nothing for a lease's length.
    if (isVoter(s.self)) s.grantor = emptyGrantor(fresh ? 0 : c.env.nowMs + o.lease.leaseMs);
    if (me !== undefined) {
      if (me.primary === s.self) {
        observe(c, { type: 'failover', event: 'started-as-primary', shard: me.id, node: s.self, epoch: me.configEpoch, offset: s.repl.offset });
        // A primary whose stream name changed (it was promoted before it crashed) keeps the one on disk.
        if (!s.repl.replId.startsWith(`${s.self}@`)) {
          s.repl.replId = `${s.self}@${me.configEpoch}`;
          persist(c, { op: 'append', file: DATA_FILE, record: streamRecord(s.repl.replId, s.repl.offset) });
        }
        holdEveryKey(s);
        renewLease(c);
        syncOutgoing(c, me);
        dropStrays(c, me);
      } else {
        s.repl.following = me.primary;
        askSync(c, true);
      }
    }
    c.fx.push({ type: 'setTimer', timer: TICK_TIMER, afterMs: 1 + c.env.rng.int(o.tickMs) });
  };

  // --- dispatch ------------------------------------------------------------------------------------

  const onMessage = (c: Ctx, from: NodeId, m: ClusterMessage) => {
    const s = c.s;
    switch (m.t) {
      case 'raft':
        if (m.m.type === 'clientResponse') onProposalAnswer(c, from, m.m.opId, m.m.outcome);
        else if (s.raft !== null) runRaft(c, { type: 'message', from, message: m.m });
        return;
      case 'swim':
        runSwim(c, { type: 'message', from, message: m.b });
        return;
      case 'cfg-get':
        if (s.config.version > m.cv) send(c, from, { t: 'cfg', config: s.config });
        return;
      case 'cfg':
        adoptConfig(c, m.config);
        return;
      case 'lease-req':
        onLeaseRequest(c, from, m);
        return;
      case 'lease-ans':
        onLeaseAnswer(c, from, m);
        return;
      case 'vote-req':
        onVoteRequest(c, from, m);
        return;
      case 'vote-ans':
        onVoteAnswer(c, from, m);
        return;
      case 'mf-start':
        onManualStart(c, from);
        return;
      case 'mf-offset':
        if (s.manual !== null && s.manual.mode === 'default' && myShard(s)?.primary === from) s.manual.primaryOffset = { replId: m.replId, offset: m.offset };
        return;
      case 'psync':
        onPsync(c, from, m);
        return;
      case 'repl':
        onRepl(c, from, m);
        return;
      case 'repl-full':
        onReplFull(c, from, m);
        return;
      case 'repl-ack':
        onReplAck(c, from, m);
        return;
      case 'import':
        onImport(c, from, m);
        return;
      case 'import-ack':
        onImportAck(c, from, m);
        return;
      case 'admin':
        send(c, from, { t: 'admin-reply', argv: m.argv, reply: admin(c, m.argv) });
        return;
      case 'admin-reply':
        return;
      case 'req':
        onRequest(c, from, m);
        return;
      case 'res':
        return;
      default:
        assertNever(m, 'message');
    }
  };

  // For reports only (reports/): never read by the kernel.
  const laneParts: ClusterLaneParts = { claims: (st) => nodeClaims(st, bugs).claims, swimLanes: (sw) => swimProto.lanes!(sw), describeSwim: (b) => swimProto.describeMessage!(b) };

  return {
    name: 'cluster-node',
    init: (self, env) => initial(self, env),
    lanes: (state) => clusterNodeLanes(laneParts, state),
    describeMessage: (message) => describeClusterMessage(laneParts, message),
    step(state, input, env): StepResult<ClusterNodeState, ClusterMessage, ClusterNodeReply, ClusterNodeObservation> {
      const c: Ctx = { s: state, env, fx: [], replOut: [] };
      switch (input.type) {
        case 'start':
          onStart(c, input.durable);
          break;
        case 'timer': {
          const t = input.timer;
          if (t.startsWith(RAFT)) {
            if (c.s.raft !== null) runRaft(c, { type: 'timer', timer: t.slice(RAFT.length) as RaftTimer });
          } else if (t.startsWith(SWIM)) runSwim(c, { type: 'timer', timer: t.slice(SWIM.length) as SwimTimer });
          else if (t === TICK_TIMER) onTick(c);
          else if (t === ELECT_TIMER) onElectTimer(c);
          else throw new Error(`cluster node ${state.self}: unknown timer ${t}`);
          break;
        }
        case 'message':
          onMessage(c, input.from, input.message);
          break;
        case 'command':
          switch (input.command.type) {
            case 'admin':
              c.fx.push({ type: 'reply', commandId: input.commandId, reply: admin(c, input.command.argv) });
              break;
            default:
              assertNever(input.command.type, 'command');
          }
          break;
        default:
          assertNever(input, 'input');
      }
      afterStep(c);
      return { state: c.s, effects: c.fx };
    },
  };
}

/** The slot of a key (re-exported for the client and checkers). */
export const slotOf = keySlot;
