/**
 * What a cluster node declares for the HTML report (`Protocol.lanes`, `Protocol.describeMessage`):
 * primary or replica of its shard with the shard's config epoch, the slots the shard owns, its
 * MIGRATING and IMPORTING ranges, the slots the node would write without ASKING (what the
 * single-writer checker compares), its lease, the configuration version it acts on, its role in
 * the configuration group, and its SWIM view of the others; and every message as a short label,
 * SWIM's bytes decoded. Read by reports only, never by the kernel: these change no run.
 */
import { assertNever } from '../contract/assert.ts';
import type { LaneFact, LaneView, MessageDescription, OperationEvent } from '../contract/report.ts';
import type { Reply } from '../cluster/resp.ts';
import { shardOfNode } from '../cluster-config/config.ts';
import { claimedSlots, type WriteClaims } from '../migration/routing.ts';
import { describeRaftMessage, kvClientOperation, raftLanes } from '../raft/lanes.ts';
import { formatSlotRanges, formatSlotRange } from '../slots/index.ts';
import type { OperatorState } from './operator.ts';
import type { ClusterMessage, ClusterNodeState } from './types.ts';

/** What the lanes need from the node's protocol object (passed in, so this file imports nothing of node.ts). */
export interface ClusterLaneParts {
  /** The slots the node would write without ASKING, as of its last step (`nodeClaims`). */
  readonly claims: (s: ClusterNodeState) => WriteClaims;
  readonly swimLanes: (swim: ClusterNodeState['swim']) => LaneView;
  /** SWIM's decoder; absent where a node sends no SWIM (the operator). */
  readonly describeSwim?: (bytes: Uint8Array) => MessageDescription;
}

export function clusterNodeLanes(parts: ClusterLaneParts, s: ClusterNodeState): LaneView {
  if (!s.started) return {};
  const me = shardOfNode(s.config, s.self);
  const facts: LaneFact[] = [];
  if (me !== undefined) {
    facts.push({ name: 'slots', value: `${me.id} owns ${formatSlotRanges(me.slots) || 'nothing'}` });
    const out = s.config.migrations.filter((m) => m.source === me.id);
    const into = s.config.migrations.filter((m) => m.target === me.id);
    facts.push({ name: 'migrating', value: out.map((m) => `MIGRATING ${formatSlotRange(m.range)} → ${m.target}`).join(', '), tone: 'warn' });
    facts.push({ name: 'importing', value: into.map((m) => `IMPORTING ${formatSlotRange(m.range)} ← ${m.source}`).join(', '), tone: 'warn' });
  }
  const writes = claimedSlots(parts.claims(s));
  facts.push({ name: 'writes', value: writes.length > 0 ? `accepts writes ${formatSlotRanges(writes)}` : '', tone: 'ok' });
  const leased = s.lease.shard !== null && s.lease.untilMs > s.localNowMs;
  facts.push({ name: 'lease', value: leased ? `lease on ${s.lease.shard}` : me?.primary === s.self ? 'no lease' : '', tone: leased ? 'ok' : 'bad' });
  facts.push({ name: 'config', value: `config v${s.config.version}`, tone: 'muted' });
  if (s.raft !== null) {
    const r = raftLanes(s.raft);
    if (r.role !== undefined) facts.push({ name: 'config group', value: `config group: ${r.role} t${r.epoch?.value ?? '?'}`, tone: r.role === 'leader' ? undefined : 'muted' });
  }
  const role = s.selfPromoted !== null ? 'primary (self-promoted)' : me === undefined ? 'no shard' : me.primary === s.self ? 'primary' : 'replica';
  return { role, ...(me === undefined ? {} : { epoch: { name: 'epoch', value: me.configEpoch } }), facts, peers: parts.swimLanes(s.swim).peers ?? {} };
}

function replyText(r: Reply): string {
  switch (r.type) {
    case 'simple':
      return r.value;
    case 'error':
      return r.message;
    case 'integer':
      return String(r.value);
    case 'bulk':
      return JSON.stringify(r.value.length > 30 ? `${r.value.slice(0, 29)}…` : r.value);
    case 'array':
      return `[${r.items.length} items]`;
    case 'null':
      return '(nil)';
    default:
      return assertNever(r, 'reply');
  }
}

export function describeClusterMessage(parts: Pick<ClusterLaneParts, 'describeSwim'>, m: ClusterMessage): MessageDescription {
  switch (m.t) {
    case 'raft':
      return { label: `config ${describeRaftMessage(m.m).label}` };
    case 'swim': {
      if (parts.describeSwim === undefined) return { label: 'swim datagram' };
      const d = parts.describeSwim(m.b);
      return { label: `swim ${d.label}`, detail: { t: 'swim', ...(d.detail as object) } };
    }
    case 'cfg-get':
      return { label: `cfg-get (has v${m.cv})` };
    case 'cfg':
      return { label: `cfg v${m.config.version}` };
    case 'lease-req':
      return { label: `lease? ${m.shard} #${m.seq}` };
    case 'lease-ans':
      return { label: `lease ${m.granted ? '✓' : '✗'} ${m.shard} #${m.seq}` };
    case 'vote-req':
      return { label: `vote? ${m.shard} e${m.epoch} (${m.mode})` };
    case 'vote-ans':
      return { label: `vote ${m.granted ? '✓' : '✗'} ${m.shard} e${m.epoch}` };
    case 'mf-start':
      return { label: 'manual failover: stop writes' };
    case 'mf-offset':
      return { label: `manual failover: offset ${m.offset}` };
    case 'psync':
      return { label: `psync ${m.replId}@${m.offset}` };
    case 'repl':
      return { label: m.entries.length === 0 ? `repl ping @${m.from}` : `repl +${m.entries.length} @${m.from} (${m.entries.map((e) => e.k).slice(0, 3).join(' ')}${m.entries.length > 3 ? ' …' : ''})` };
    case 'repl-full':
      return { label: `full sync ${m.records.length} keys @${m.offset}` };
    case 'repl-ack':
      return { label: `repl-ack @${m.offset}` };
    case 'import':
      return { label: `import mig${m.mig} batch ${m.batch} (${m.records.length} keys)` };
    case 'import-ack':
      return { label: `import-ack mig${m.mig} batch ${m.batch}` };
    case 'admin':
      return { label: m.argv.join(' ') };
    case 'admin-reply':
      return { label: `${m.argv.slice(0, 2).join(' ')} → ${replyText(m.reply)}` };
    case 'req':
      return { label: `${m.asking ? 'ASKING ' : ''}${m.op.op.toUpperCase()} ${m.op.key}${'value' in m.op ? ` ${JSON.stringify(m.op.value)}` : ''}` };
    case 'res': {
      const r = m.r;
      const what = r.k === 'ok' ? `ok ${JSON.stringify(r.out)}` : r.k === 'tryagain' ? `TRYAGAIN ${r.slot}` : `${r.k.toUpperCase()} ${r.slot} ${r.node}`;
      return { label: `${what} (v${m.cv})` };
    }
    default:
      return assertNever(m, 'cluster message');
  }
}

/** The cluster client observes in core/raft's client shape. */
export const clusterClientOperation = (observation: unknown): OperationEvent | null => kvClientOperation(observation);

/** The operator: the reshard it is driving (MIGRATING and IMPORTING follow from it) and what waits behind it. */
export function operatorLanes(s: OperatorState): LaneView {
  const a = s.active;
  return {
    role: 'operator',
    facts: [
      { name: 'reshard', value: a === null ? '' : `reshard ${formatSlotRange(a.cmd.range)} ${a.cmd.source} → ${a.cmd.target} (${a.phase})`, tone: 'warn' },
      { name: 'queue', value: s.queue.length > 0 ? `${s.queue.length} queued` : '', tone: 'muted' },
    ],
  };
}
