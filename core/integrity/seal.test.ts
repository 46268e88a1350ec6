import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFrame, deriveKeys, encodeFrame, entryIv, fromHex, HEADER_BYTES, openEntry, sealEntry, toHex } from './index.ts';

const keys = deriveKeys('test secret');

describe('sealed entries (AES-256-GCM + HMAC-SHA256)', () => {
  it('round-trips a payload', () => {
    const sealed = sealEntry(keys, { term: 3, index: 17, value: 'put x 1 ✓' });
    expect(openEntry(keys, sealed)).toEqual({ ok: true, entry: { term: 3, index: 17, value: 'put x 1 ✓' } });
  });

  it('is deterministic: the IV comes from (term, index), nothing random', () => {
    const a = sealEntry(keys, { term: 2, index: 5, value: 'v' });
    expect(toHex(sealEntry(keys, { term: 2, index: 5, value: 'v' }))).toBe(toHex(a));
    expect(toHex(sealEntry(keys, { term: 2, index: 6, value: 'v' }))).not.toBe(toHex(a));
    expect(toHex(sealEntry(keys, { term: 3, index: 5, value: 'v' }))).not.toBe(toHex(a));
    expect(entryIv(0x01020304, 0x0a0b).toString('hex')).toBe('01020304' + '0000000000000a0b');
  });

  it('encrypts: the payload does not appear in the sealed bytes', () => {
    const sealed = Buffer.from(sealEntry(keys, { term: 1, index: 1, value: 'secret-payload-secret' }));
    expect(sealed.includes(Buffer.from('secret-payload'))).toBe(false);
  });

  it('detects every single flipped byte, and every truncation', () => {
    const sealed = sealEntry(keys, { term: 9, index: 40, value: 'cas key3 7 -> 8' });
    for (let at = 0; at < sealed.length; at++) {
      for (const bit of [0x01, 0x80]) {
        const copy = sealed.slice();
        copy[at] = copy[at]! ^ bit;
        expect(openEntry(keys, copy).ok, `byte ${at} bit ${bit}`).toBe(false);
      }
    }
    for (let keep = 0; keep < sealed.length; keep++) expect(openEntry(keys, sealed.subarray(0, keep)).ok).toBe(false);
  });

  it('refuses an entry sealed under another key', () => {
    expect(openEntry(deriveKeys('other'), sealEntry(keys, { term: 1, index: 1, value: 'x' }))).toEqual({ ok: false, reason: 'HMAC mismatch' });
  });

  it('without verification (the apply-unverified bug) a damaged ciphertext decrypts to damaged plaintext', () => {
    const sealed = sealEntry(keys, { term: 1, index: 1, value: 'put key1 hello' });
    const copy = sealed.slice();
    copy[HEADER_BYTES + 2] = copy[HEADER_BYTES + 2]! ^ 0x20;
    const opened = openEntry(keys, copy, false);
    expect(opened.ok && opened.entry.value).toBe('puT key1 hello');
  });

  it('reads hex strictly: a flipped character either changes a byte or is refused', () => {
    expect(fromHex('0a1')).toBeNull();
    expect(fromHex('0g')).toBeNull();
    expect(fromHex('0A')).toBeNull();
    expect(Array.from(fromHex('0aff')!)).toEqual([10, 255]);
    expect(Array.from(fromHex('0a;f', false)!)).toEqual([10]); // Node's lenient parse stops at the bad pair
  });
});

describe('frames', () => {
  const entries = [sealEntry(keys, { term: 2, index: 4, value: 'a' }), sealEntry(keys, { term: 2, index: 5, value: 'bb' })];
  const frame = encodeFrame(keys, { type: 'append', term: 2, toInc: 7, prevIndex: 3 }, entries);

  it('round-trips a header and its entries', () => {
    const d = decodeFrame(keys, frame);
    expect(d.ok && d.frame.header).toEqual({ type: 'append', term: 2, toInc: 7, prevIndex: 3 });
    expect(d.ok && d.frame.entries.map((e) => toHex(e))).toEqual(entries.map((e) => toHex(e)));
  });

  it('a flipped byte is caught by the header MAC, the framing, or the entry it lands in', () => {
    for (let at = 0; at < frame.length; at++) {
      const copy = frame.slice();
      copy[at] = copy[at]! ^ 0x04;
      const d = decodeFrame(keys, copy);
      const caught = !d.ok || d.frame.entries.some((e) => !openEntry(keys, e).ok);
      expect(caught, `byte ${at}`).toBe(true);
    }
  });

  it('never throws on garbage, and refuses it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeFrame(keys, bytes).ok).toBe(false);
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(decodeFrame(keys, { type: 'append' }).ok).toBe(false);
    expect(decodeFrame(keys, 'text').ok).toBe(false);
  });

  it('refuses a well-formed header with unknown or missing fields', () => {
    const bad = encodeFrame(keys, { type: 'probe', term: 1, extra: 1 } as never);
    expect(decodeFrame(keys, bad)).toEqual({ ok: false, reason: 'malformed header' });
  });
});
