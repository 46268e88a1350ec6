/**
 * The example protocol of this repository: every node keeps the largest number it has heard of. On a
 * timer it bumps its own number, and it gossips its number to a random peer. A node must never
 * announce a number and later hold a smaller one, even across a crash: so it persists a number
 * (a checksummed record appended to its log) before it announces it, and on restart it keeps the
 * last record whose checksum holds, since the write in flight at a crash can come back torn.
 *
 * Small on purpose: it shows the step-function shape, persistence ordering, checksums, and how a
 * scenario plugs its own protocol and invariants into the kernel without touching sim/.
 */
import { assertNever, type DurableState, type Env, type Input, type NodeId, type Protocol, type StepResult } from '../contract/protocol.ts';

export type MaxGossipBug = 'no-persist' | 'announce-before-persist' | 'no-checksum' | 'nondeterministic';

export interface MaxGossipConfig {
  readonly peers: readonly NodeId[];
  readonly tickMsMin: number;
  readonly tickMsMax: number;
  readonly bug: MaxGossipBug | null;
}

export interface MaxGossipState {
  value: number;
  /** Records in the log file: compacted by an overwrite when it grows past a bound. */
  logLength: number;
}

export type MaxGossipMessage = { readonly type: 'gossip'; readonly value: number };
export type MaxGossipObservation = { readonly type: 'holds'; readonly value: number } | { readonly type: 'recovered'; readonly value: number; readonly badRecords: number };

const LOG = 'values';
const LOG_LIMIT = 64;

export function encodeRecord(value: number): string {
  const body = String(value);
  return `${body}:${checksum(body)}`;
}

/** The value a record holds, or null when the record is torn or corrupt. */
export function decodeRecord(record: string, verify = true): number | null {
  const colon = record.lastIndexOf(':');
  const body = colon < 0 ? record : record.slice(0, colon);
  if (verify && (colon < 0 || record.slice(colon + 1) !== checksum(body))) return null;
  const value = Number.parseInt(body, 10);
  return Number.isSafeInteger(value) ? value : null;
}

function checksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

type Out = StepResult<MaxGossipState, MaxGossipMessage, never, MaxGossipObservation>;
type Eff = Out['effects'][number];

export function maxGossip(config: MaxGossipConfig): Protocol<MaxGossipState, MaxGossipMessage, never, never, MaxGossipObservation> {
  const tick = (env: Env): Eff => ({
    type: 'setTimer',
    timer: 'tick',
    afterMs:
      config.bug === 'nondeterministic'
        ? config.tickMsMin + Math.random() * (config.tickMsMax - config.tickMsMin) // determinism-ok: the documented 'nondeterministic' bug, here to show the self-check firing
        : env.rng.between(config.tickMsMin, config.tickMsMax),
  });

  /** Persist-then-announce: the announcement is a promise the number survives a crash. */
  const adopt = (state: MaxGossipState, value: number): Eff[] => {
    state.value = value;
    const announce: Eff = { type: 'observe', observation: { type: 'holds', value } };
    if (config.bug === 'no-persist') return [announce];
    state.logLength++;
    const write: Eff =
      state.logLength > LOG_LIMIT
        ? { type: 'persist', write: { op: 'overwrite', file: LOG, records: [encodeRecord(value)] } }
        : { type: 'persist', write: { op: 'append', file: LOG, record: encodeRecord(value) } };
    const compacted: Eff[] = state.logLength > LOG_LIMIT ? [{ type: 'cover', event: 'maxgossip/log-compacted' }] : [];
    if (state.logLength > LOG_LIMIT) state.logLength = 1;
    return config.bug === 'announce-before-persist' ? [...compacted, announce, write] : [...compacted, write, announce];
  };

  const start = (durable: DurableState, env: Env): Out => {
    const records = durable[LOG] ?? [];
    let value = 0;
    let badRecords = 0;
    // The last record that checks out wins: a torn or corrupt tail was never announced.
    for (let k = records.length - 1; k >= 0; k--) {
      const v = decodeRecord(records[k]!, config.bug !== 'no-checksum');
      if (v !== null) {
        value = v;
        break;
      }
      badRecords++;
    }
    const state: MaxGossipState = { value, logLength: records.length };
    const covers: Eff[] = [];
    if (badRecords > 0) covers.push({ type: 'cover', event: 'maxgossip/recovery-skipped-bad-record' });
    if (value > 0) covers.push({ type: 'cover', event: 'maxgossip/recovered-value' });
    return { state, effects: [...covers, { type: 'observe', observation: { type: 'recovered', value, badRecords } }, tick(env)] };
  };

  return {
    name: 'maxgossip',
    init: () => ({ value: 0, logLength: 0 }),
    step(state: MaxGossipState, input: Input<MaxGossipMessage, never>, env: Env): Out {
      switch (input.type) {
        case 'start':
          return start(input.durable, env);
        case 'timer': {
          const effects = adopt(state, state.value + 1);
          const peer = config.peers[env.rng.int(config.peers.length)]!;
          if (peer !== env.self) effects.push({ type: 'send', to: peer, message: { type: 'gossip', value: state.value } });
          effects.push(tick(env));
          return { state, effects };
        }
        case 'message':
          if (input.message.value <= state.value) return { state, effects: [] };
          return { state, effects: [{ type: 'cover', event: 'maxgossip/adopted-larger' }, ...adopt(state, input.message.value)] };
        case 'command':
          return { state, effects: [] };
        default:
          return assertNever(input, 'input');
      }
    },
  };
}
