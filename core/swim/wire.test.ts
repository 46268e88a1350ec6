import { describe, expect, it } from 'vitest';
import { decode, describeDecodeError, encode, UNBOUND, WIRE_VERSION, type WireMessage } from './wire.ts';
import { clusterKey, MAC_BYTES, seal, sign, unseal, verify } from './auth.ts';

const header = { from: 'n1', to: 'n2', fromEpoch: 3, fromIncarnation: 5, toIncarnation: 7, seq: 42 };
const ping: WireMessage = { ...header, type: 'ping', probe: 42, updates: [{ kind: 'suspect', node: 'n3', incarnation: 2, from: 'n1' }, { kind: 'alive', node: 'n4', incarnation: 9 }] };

describe('wire format', () => {
  it('lays out a ping byte by byte', () => {
    const bytes = encode({ ...header, type: 'ping', probe: 1, updates: [{ kind: 'left', node: 'n9', incarnation: 258 }] });
    expect([...bytes]).toEqual([
      WIRE_VERSION, 1, // version, type ping
      2, 0x6e, 0x31, 2, 0x6e, 0x32, // "n1", "n2"
      0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 42, // fromEpoch, fromIncarnation, toIncarnation, seq
      0, 0, 0, 1, // probe
      0, 1, 3, 2, 0x6e, 0x39, 0, 0, 1, 2, // one update: left "n9" 258
    ]);
  });

  it.each<WireMessage>([
    ping,
    { ...header, type: 'ping-req', probe: 7, nack: true, target: 'n5', targetIncarnation: 0, updates: [] },
    { ...header, type: 'ack', probe: 0xffffffff, updates: [{ kind: 'dead', node: 'nœud-é', incarnation: 1, from: '節点' }] },
    { ...header, type: 'nack', probe: 9 },
    { ...header, toIncarnation: UNBOUND, seq: 0, type: 'sync', reply: true, updates: [{ kind: 'alive', node: 'n1', incarnation: 5 }] },
  ])('round-trips a $type', (m) => {
    expect(decode(encode(m))).toEqual({ ok: true, value: m });
  });

  it('refuses to encode what it cannot represent', () => {
    expect(() => encode({ ...ping, from: '' })).toThrow(RangeError);
    expect(() => encode({ ...ping, from: 'x'.repeat(256) })).toThrow(RangeError);
    expect(() => encode({ ...ping, seq: -1 })).toThrow(RangeError);
    expect(() => encode({ ...ping, probe: 2 ** 32 })).toThrow(RangeError);
  });

  const good = encode(ping);
  const withByte = (at: number, value: number) => {
    const b = good.slice();
    b[at] = value;
    return b;
  };
  it.each<[string, Uint8Array, string]>([
    ['empty input', new Uint8Array(0), 'truncated'],
    ['a cut header', good.subarray(0, 10), 'truncated'],
    ['a cut update', good.subarray(0, good.length - 1), 'truncated'],
    ['version 2', withByte(0, 2), 'bad-version'],
    ['message type 9', withByte(1, 9), 'unknown-type'],
    ['an empty sender id', withByte(2, 0), 'bad-length'],
    ['update kind 7', withByte(30, 7), 'unknown-type'],
    ['a sender id that is not UTF-8', withByte(3, 0xc3), 'bad-utf8'],
    ['an extra byte', new Uint8Array([...good, 0]), 'trailing-bytes'],
    ['more updates than bytes', withByte(29, 200), 'bad-length'],
    ['unknown sync flags', encode({ ...header, type: 'sync', reply: false, updates: [] }).map((x, i) => (i === 24 ? 0x80 : x)), 'bad-value'],
  ])('refuses %s with a typed error', (_what, bytes, kind) => {
    const r = decode(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe(kind);
      expect(describeDecodeError(r.error).length).toBeGreaterThan(0);
    }
  });

  it('accepts strict UTF-8 only: overlong forms and surrogates are bad-utf8', () => {
    const withId = (bytes: number[]) => new Uint8Array([WIRE_VERSION, 4, bytes.length, ...bytes, 2, 0x6e, 0x32, ...new Array(16).fill(0), 0, 0, 0, 1]);
    expect(decode(withId([0xc3, 0xa9])).ok).toBe(true); // é
    expect(decode(withId([0xc0, 0xaf]))).toMatchObject({ ok: false, error: { kind: 'bad-utf8' } }); // overlong '/'
    expect(decode(withId([0xed, 0xa0, 0x80]))).toMatchObject({ ok: false, error: { kind: 'bad-utf8' } }); // a surrogate
  });
});

describe('authentication', () => {
  const key = clusterKey('shared secret');

  it('computes HMAC-SHA256 (RFC 4231 test case 2)', () => {
    const mac = sign(clusterKey('Jefe'), new TextEncoder().encode('what do ya want for nothing?'));
    expect(Buffer.from(mac).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('verifies its own MAC and nothing else', () => {
    const data = encode(ping);
    const mac = sign(key, data);
    expect(mac.length).toBe(MAC_BYTES);
    expect(verify(key, data, mac)).toBe(true);
    expect(verify(clusterKey('other secret'), data, mac)).toBe(false);
    expect(verify(key, data, mac.subarray(1))).toBe(false);
    const flipped = mac.slice();
    flipped[5]! ^= 1;
    expect(verify(key, data, flipped)).toBe(false);
  });

  it('seals and unseals a frame; a short or tampered frame is refused', () => {
    const frame = seal(key, encode(ping));
    const opened = unseal(key, frame);
    expect(opened.ok && decode(opened.payload)).toEqual({ ok: true, value: ping });
    expect(unseal(key, frame.subarray(0, 10))).toMatchObject({ ok: false, error: { kind: 'truncated' } });
    const tampered = frame.slice();
    tampered[12]! ^= 0x40;
    expect(unseal(key, tampered)).toEqual({ ok: false, error: { kind: 'bad-mac' } });
    expect(unseal(key, tampered, false).ok).toBe(true); // the 'no-mac-check' bug: stripped, not checked
  });

  it('refuses an empty key', () => {
    expect(() => clusterKey('')).toThrow(RangeError);
  });
});
