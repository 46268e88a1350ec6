/**
 * A sealed, replicated log (amaters' encrypted Raft log payloads, with a fixed primary): the
 * primary seals each appended payload (AES-256-GCM, then HMAC-SHA256; seal.ts), writes it to its
 * disk, applies it, and ships it to the replicas, which verify every entry before they store and
 * apply it. A replica applies a log prefix: entry i after entry i-1, each exactly once per life.
 *
 * Verification happens wherever bytes come from outside: entries in a message (a forger may have
 * replayed, tampered with or invented it), and records read back from disk at a restart (the
 * write in flight at a crash may be torn or corrupt: the first bad record and everything after it
 * is truncated, amaters' WAL policy). A refused frame or entry leaves the state exactly as it was;
 * the refusal is an observation.
 *
 * Replay safety, so that a replayed message can never change state:
 *  - every node takes a new incarnation at each start (persisted before it does anything); the
 *    primary's incarnation is its term, which also makes the entries' derived IVs unique;
 *  - an `append` names the replica incarnation it is for, a `status` the primary term it answers:
 *    a message to an earlier life is refused;
 *  - within a life, handling is idempotent: entries already held are skipped, and the primary
 *    keeps per replica the highest (incarnation, log length) it heard;
 *  - a `probe` (the primary doesn't know the replica's incarnation yet) is answered without any
 *    change of state.
 * Replicas also fence by term: an append from an earlier primary term than one they accepted is
 * refused.
 *
 * Choices: the primary is fixed (n1); leadership and fencing tokens are the other amaters model
 * (core/fencing). Replication is pushed every tick from each replica's match index, a batch at a
 * time; an append with no entries is the heartbeat that lets the primary notice a restarted
 * replica.
 */
import { assertNever, type DurableState, type Effect, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';
import { decodeFrame, encodeFrame, type FrameHeader } from './frame.ts';
import { deriveKeys, digest, fromHex, openEntry, sealEntry, toHex, type LogKeys } from './seal.ts';

export type IntegrityBug = 'apply-unverified';

export const INTEGRITY_BUGS: readonly { readonly name: IntegrityBug; readonly description: string }[] = [
  {
    name: 'apply-unverified',
    description: 'a replica applies entries without checking their HMAC and GCM tag, from the network and from its disk: a tampered or corrupt entry is applied',
  },
];

export function isIntegrityBug(name: string): name is IntegrityBug {
  return INTEGRITY_BUGS.some((b) => b.name === name);
}

export interface SealedLogConfig {
  readonly primary: NodeId;
  readonly replicas: readonly NodeId[];
  /** The cluster secret both keys derive from. */
  readonly secret: string;
  readonly tickMs: number;
  /** Most entries in one append. */
  readonly batch: number;
  readonly bug: IntegrityBug | null;
}

export interface SealedLogState {
  readonly self: NodeId;
  role: 'primary' | 'replica';
  started: boolean;
  /** This life's incarnation (durable: bumped at every start); the primary's term. */
  inc: number;
  /** Replicas: the highest primary term accepted (durable). */
  maxTerm: number;
  /** Verified sealed entries, hex; entry i is log[i - 1]. */
  log: string[];
  /** The state machine: how many entries were applied, and a hash chain over their payloads. */
  applied: number;
  chain: string;
  /** Primary: per replica, its incarnation (0: unknown) and how much of the log it holds. */
  peers: Record<NodeId, { inc: number; match: number }>;
}

export type SealedLogCommand = { readonly type: 'append'; readonly value: string };
export type SealedLogReply = { readonly type: 'appended'; readonly index: number } | { readonly type: 'notPrimary' };

export type SealedLogObservation =
  | { readonly type: 'role'; readonly role: 'primary'; readonly term: number }
  | { readonly type: 'role'; readonly role: 'replica'; readonly epoch: number }
  /** The primary created an entry (after writing it to disk). Re-announced at every start. */
  | { readonly type: 'sealed'; readonly index: number; readonly term: number; readonly digest: string }
  /** An entry went into the state machine. */
  | { readonly type: 'applied'; readonly index: number; readonly term: number; readonly digest: string }
  /** A frame or entry from the network was refused (forged, damaged, stale, or for another life). */
  | { readonly type: 'refused'; readonly from: NodeId; readonly reason: string }
  /** A record read back at a start failed verification: it and every later one were truncated. */
  | { readonly type: 'corruptRecord'; readonly index: number; readonly reason: string; readonly dropped: number };

export const META_FILE = 'meta';
export const LOG_FILE = 'log';
const TICK = 'tick';

type Out = StepResult<SealedLogState, Uint8Array, SealedLogReply, SealedLogObservation>;
type Eff = Effect<Uint8Array, SealedLogReply, SealedLogObservation>;

export type SealedLogProtocol = Protocol<SealedLogState, Uint8Array, SealedLogCommand, SealedLogReply, SealedLogObservation>;

export function sealedLog(config: SealedLogConfig): SealedLogProtocol {
  const keys: LogKeys = deriveKeys(config.secret);
  const replicas = [...config.replicas].sort();

  const blank = (self: NodeId): SealedLogState => ({
    self,
    role: self === config.primary ? 'primary' : 'replica',
    started: false,
    inc: 0,
    maxTerm: 0,
    log: [],
    applied: 0,
    chain: '',
    peers: {},
  });
  /** Replicas under the documented bug skip verification; the primary always verifies its own disk. */
  const verifies = (s: SealedLogState) => s.role === 'primary' || config.bug !== 'apply-unverified';

  const persistMeta = (s: SealedLogState, fx: Eff[]) => fx.push({ type: 'persist', write: { op: 'overwrite', file: META_FILE, records: [JSON.stringify({ inc: s.inc, maxTerm: s.maxTerm })] } });
  const send = (fx: Eff[], to: NodeId, header: FrameHeader, entries: readonly Uint8Array[] = []) => fx.push({ type: 'send', to, message: encodeFrame(keys, header, entries) });

  const apply = (s: SealedLogState, fx: Eff[], index: number, term: number, value: string): void => {
    s.applied = index;
    s.chain = digest(`${s.chain}|${value}`);
    fx.push({ type: 'observe', observation: { type: 'applied', index, term, digest: digest(value) } });
  };

  const onStart = (s: SealedLogState, durable: DurableState, env: Env, fx: Eff[]): void => {
    const meta = durable[META_FILE]?.[0];
    const saved = meta === undefined ? { inc: 0, maxTerm: 0 } : (JSON.parse(meta) as { inc: number; maxTerm: number });
    s.inc = saved.inc + 1;
    s.maxTerm = saved.maxTerm;
    s.started = true;
    persistMeta(s, fx);
    // Read the log back, verifying every record; the first bad one and all after it go.
    const records = durable[LOG_FILE] ?? [];
    const entries: { term: number; value: string }[] = [];
    for (let k = 0; k < records.length; k++) {
      const bytes = fromHex(records[k]!, verifies(s));
      const opened = bytes === null ? { ok: false as const, reason: 'not hex' } : openEntry(keys, bytes, verifies(s));
      const reason = !opened.ok ? opened.reason : opened.entry.index !== k + 1 ? `holds index ${opened.entry.index}` : null;
      if (reason !== null || !opened.ok) {
        // The WAL policy: a torn or corrupt record at a restart truncates it and everything after.
        fx.push({ type: 'cover', event: 'integrity/recovery-truncated-bad-record' });
        fx.push({ type: 'persist', write: { op: 'truncate', file: LOG_FILE, keep: k } });
        fx.push({ type: 'observe', observation: { type: 'corruptRecord', index: k + 1, reason: reason ?? 'unreadable', dropped: records.length - k } });
        break;
      }
      s.log.push(records[k]!);
      entries.push({ term: opened.entry.term, value: opened.entry.value });
    }
    if (entries.length > 0) fx.push({ type: 'cover', event: 'integrity/recovered-entries' });
    fx.push({ type: 'observe', observation: s.role === 'primary' ? { type: 'role', role: 'primary', term: s.inc } : { type: 'role', role: 'replica', epoch: s.inc } });
    entries.forEach((e, k) => {
      if (s.role === 'primary') fx.push({ type: 'observe', observation: { type: 'sealed', index: k + 1, term: e.term, digest: digest(e.value) } });
      apply(s, fx, k + 1, e.term, e.value);
    });
    if (s.role === 'primary') {
      for (const r of replicas) s.peers[r] = { inc: 0, match: 0 };
      fx.push({ type: 'setTimer', timer: TICK, afterMs: env.rng.between(1, config.tickMs) });
    }
  };

  const onAppendCommand = (s: SealedLogState, fx: Eff[], commandId: number, value: string): void => {
    if (s.role !== 'primary') {
      fx.push({ type: 'reply', commandId, reply: { type: 'notPrimary' } });
      return;
    }
    const index = s.log.length + 1;
    const record = toHex(sealEntry(keys, { term: s.inc, index, value }));
    s.log.push(record);
    fx.push({ type: 'persist', write: { op: 'append', file: LOG_FILE, record } });
    fx.push({ type: 'observe', observation: { type: 'sealed', index, term: s.inc, digest: digest(value) } });
    apply(s, fx, index, s.inc, value);
    fx.push({ type: 'reply', commandId, reply: { type: 'appended', index } });
  };

  /** The next append for a replica (a probe while its incarnation is unknown). */
  const push = (s: SealedLogState, fx: Eff[], r: NodeId): void => {
    const p = s.peers[r]!;
    if (p.inc === 0) {
      send(fx, r, { type: 'probe', term: s.inc });
      return;
    }
    const entries = s.log.slice(p.match, p.match + config.batch).map((h) => fromHex(h)!);
    send(fx, r, { type: 'append', term: s.inc, toInc: p.inc, prevIndex: p.match }, entries);
  };

  const onTick = (s: SealedLogState, fx: Eff[]): void => {
    for (const r of replicas) push(s, fx, r);
    fx.push({ type: 'setTimer', timer: TICK, afterMs: config.tickMs });
  };

  /** A refusal, observed, and counted under `event` (which rule refused it). */
  const refuse = (fx: Eff[], from: NodeId, reason: string, event: string): void => {
    fx.push({ type: 'cover', event: `integrity/${event}` });
    fx.push({ type: 'observe', observation: { type: 'refused', from, reason } });
  };

  /** A replica's handling of an append. Everything is checked before anything changes. */
  const onAppend = (s: SealedLogState, fx: Eff[], from: NodeId, h: Extract<FrameHeader, { type: 'append' }>, entries: readonly Uint8Array[]): void => {
    if (from !== config.primary) return refuse(fx, from, 'append from a node that is not the primary', 'refused-wrong-sender');
    if (h.toInc !== s.inc) {
      // A replay (or a late append) meant for an earlier life of this replica.
      refuse(fx, from, `append for incarnation ${h.toInc}, this is ${s.inc}`, 'refused-other-incarnation');
      send(fx, from, { type: 'status', toTerm: h.term, inc: s.inc, lastIndex: s.log.length }); // stateless: tells the primary who we are now
      return;
    }
    if (h.term < s.maxTerm) return refuse(fx, from, `append of term ${h.term} after term ${s.maxTerm}`, 'refused-stale-term');
    const opened: { term: number; value: string; bytes: Uint8Array }[] = [];
    for (let k = 0; k < entries.length; k++) {
      const o = openEntry(keys, entries[k]!, verifies(s));
      if (!o.ok) return refuse(fx, from, `entry ${h.prevIndex + k + 1}: ${o.reason}`, 'refused-bad-entry');
      if (o.entry.index !== h.prevIndex + k + 1 || o.entry.term > h.term) return refuse(fx, from, `entry ${h.prevIndex + k + 1} claims index ${o.entry.index}, term ${o.entry.term}`, 'refused-misplaced-entry');
      opened.push({ term: o.entry.term, value: o.entry.value, bytes: entries[k]! });
    }
    if (h.term > s.maxTerm) {
      s.maxTerm = h.term;
      persistMeta(s, fx);
    }
    opened.forEach((e, k) => {
      const index = h.prevIndex + k + 1;
      if (index !== s.log.length + 1) {
        fx.push({ type: 'cover', event: index <= s.log.length ? 'integrity/append-held-skipped' : 'integrity/append-after-gap-skipped' });
        return; // held already, or after a gap
      }
      const record = toHex(e.bytes);
      s.log.push(record);
      fx.push({ type: 'persist', write: { op: 'append', file: LOG_FILE, record } });
      apply(s, fx, index, e.term, e.value);
    });
    send(fx, from, { type: 'status', toTerm: h.term, inc: s.inc, lastIndex: s.log.length });
  };

  /** The primary's handling of a status: the highest (incarnation, length) per replica wins. */
  const onStatus = (s: SealedLogState, fx: Eff[], from: NodeId, h: Extract<FrameHeader, { type: 'status' }>): void => {
    const p = s.peers[from];
    if (p === undefined) return refuse(fx, from, 'status from a node that is not a replica', 'refused-wrong-sender');
    if (h.toTerm !== s.inc) return refuse(fx, from, `status for term ${h.toTerm}, this is term ${s.inc}`, 'refused-status-other-term');
    const length = Math.min(h.lastIndex, s.log.length);
    if (h.inc > p.inc) {
      if (p.inc !== 0) fx.push({ type: 'cover', event: 'integrity/replica-restart-seen' });
      p.inc = h.inc;
      p.match = length;
    } else if (h.inc === p.inc) p.match = Math.max(p.match, length);
    else {
      fx.push({ type: 'cover', event: 'integrity/status-older-incarnation-ignored' });
      return;
    }
    // A replica that is behind gets the next batch at once rather than at the next tick.
    if (h.inc === p.inc && length === p.match && p.match < s.log.length) {
      fx.push({ type: 'cover', event: 'integrity/catch-up-pushed' });
      push(s, fx, from);
    }
  };

  const onMessage = (s: SealedLogState, fx: Eff[], from: NodeId, message: unknown): void => {
    const decoded = decodeFrame(keys, message);
    // A frame whose header HMAC fails is forged or damaged in flight; anything else unparseable is malformed.
    if (!decoded.ok) return refuse(fx, from, decoded.reason, decoded.reason === 'header HMAC mismatch' ? 'refused-frame-mac' : 'refused-frame-malformed');
    const { header, entries } = decoded.frame;
    switch (header.type) {
      case 'append':
        if (s.role !== 'replica') return refuse(fx, from, 'append at the primary', 'refused-wrong-role');
        return onAppend(s, fx, from, header, entries);
      case 'probe':
        if (s.role !== 'replica' || from !== config.primary) return refuse(fx, from, 'unexpected probe', 'refused-wrong-sender');
        send(fx, from, { type: 'status', toTerm: header.term, inc: s.inc, lastIndex: s.log.length });
        return;
      case 'status':
        if (s.role !== 'primary') return refuse(fx, from, 'status at a replica', 'refused-wrong-role');
        return onStatus(s, fx, from, header);
      default:
        assertNever(header, 'frame');
    }
  };

  return {
    name: 'sealed-log',
    init: (self) => blank(self),
    step(state: SealedLogState, input: Input<Uint8Array, SealedLogCommand>, env: Env): Out {
      const fx: Eff[] = [];
      let s = state;
      switch (input.type) {
        case 'start':
          s = blank(state.self);
          onStart(s, input.durable, env, fx);
          break;
        case 'timer':
          if (input.timer !== TICK) throw new Error(`sealed log: unknown timer ${input.timer}`);
          onTick(s, fx);
          break;
        case 'message':
          onMessage(s, fx, input.from, input.message);
          break;
        case 'command':
          if (input.command.type !== 'append') throw new Error(`sealed log: unknown command ${JSON.stringify(input.command)}`);
          onAppendCommand(s, fx, input.commandId, input.command.value);
          break;
        default:
          assertNever(input, 'input');
      }
      return { state: s, effects: fx };
    },
  };
}
