/**
 * Properties of the SWIM wire format and its authentication (core/swim/wire.ts, auth.ts):
 * the decoder takes any bytes and returns a message or a typed error, never throwing; every
 * message round-trips; and flipping any one byte of a signed message gets it refused.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clusterKey, decode, encode, seal, unseal, UNBOUND, type DecodeError, type Update, type WireMessage } from './index.ts';

const errorKinds: readonly DecodeError['kind'][] = ['truncated', 'bad-version', 'unknown-type', 'bad-length', 'bad-utf8', 'bad-value', 'trailing-bytes'];

/** Node ids: 1..255 UTF-8 bytes, mostly short and ASCII, sometimes anything. */
const id = fc.oneof(
  fc.stringMatching(/^n[0-9]{1,4}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
).filter((s) => {
  const n = Buffer.byteLength(s, 'utf8');
  return n >= 1 && n <= 255;
});
const u32 = fc.nat({ max: 0xffffffff });
const update: fc.Arbitrary<Update> = fc.oneof(
  fc.record({ kind: fc.constant('alive' as const), node: id, incarnation: u32 }),
  fc.record({ kind: fc.constant('suspect' as const), node: id, incarnation: u32, from: id }),
  fc.record({ kind: fc.constant('dead' as const), node: id, incarnation: u32, from: id }),
  fc.record({ kind: fc.constant('left' as const), node: id, incarnation: u32 }),
);
const updates = fc.array(update, { maxLength: 12 });
const header = fc.record({ from: id, to: id, fromEpoch: u32, fromIncarnation: u32, toIncarnation: fc.oneof(u32, fc.constant(UNBOUND)), seq: u32 });
const message: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.tuple(header, fc.record({ type: fc.constant('ping' as const), probe: u32, updates })),
  fc.tuple(header, fc.record({ type: fc.constant('ping-req' as const), probe: u32, nack: fc.boolean(), target: id, targetIncarnation: u32, updates })),
  fc.tuple(header, fc.record({ type: fc.constant('ack' as const), probe: u32, updates })),
  fc.tuple(header, fc.record({ type: fc.constant('nack' as const), probe: u32 })),
  fc.tuple(header, fc.record({ type: fc.constant('sync' as const), reply: fc.boolean(), updates })),
).map(([h, b]) => ({ ...h, ...b }) as WireMessage);

describe('swim wire format (properties)', () => {
  it('decodes any bytes to a message or a typed error, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = decode(bytes);
        if (r.ok) expect(decode(encode(r.value))).toEqual(r);
        else expect(errorKinds).toContain(r.error.kind);
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes mutated valid messages to a message or a typed error, never throwing', () => {
    // Random bytes rarely get past the version byte; start from real messages and damage them.
    fc.assert(
      fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (m, edits, cut) => {
        const bytes = encode(m);
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        const r = decode(bytes.subarray(0, bytes.length - (cut % 3)));
        if (!r.ok) expect(errorKinds).toContain(r.error.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decode(encode(m))).toEqual({ ok: true, value: m });
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a signed message with any one byte changed', () => {
    const key = clusterKey('cluster-secret');
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, xor) => {
        const frame = seal(key, encode(m));
        expect(unseal(key, frame).ok).toBe(true);
        const tampered = frame.slice();
        tampered[at % tampered.length]! ^= xor;
        expect(unseal(key, tampered)).toEqual({ ok: false, error: { kind: 'bad-mac' } });
      }),
      { numRuns: 1000 },
    );
  });
});
