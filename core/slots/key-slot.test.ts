import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_SLOT, SLOT_COUNT, isValidSlot, keySlot } from './key-slot.ts';

/** Bitwise CRC-16/XMODEM, independent of the table-driven implementation. */
function referenceCrc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * The hash-tag rule restated as a regular expression over the bytes (decoded 1:1 as latin1):
 * from the start, no `{` (so the match begins at the FIRST `{`), then a run with no `}` (so it
 * ends at the first `}` after it). An empty capture means `{}`: hash the whole key.
 */
function referenceKeySlot(bytes: Uint8Array): number {
  const latin1 = Array.from(bytes, (b) => String.fromCharCode(b)).join('');
  const match = /^[^{]*\{([^}]*)\}/.exec(latin1);
  const tag = match?.[1];
  const hashed = tag === undefined || tag.length === 0 ? bytes : Uint8Array.from(tag, (c) => c.charCodeAt(0));
  return referenceCrc16(hashed) % 16384;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('keySlot', () => {
  it('matches slots known from Redis (CLUSTER KEYSLOT)', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('hello')).toBe(866);
    expect(keySlot('123456789')).toBe(0x31c3 % 16384);
  });

  it('puts keys sharing a hash tag in the same slot, the slot of the tag itself', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
  });

  it('follows the specification examples for tricky tags', () => {
    // "foo{}{bar}": the first { opens an empty tag, so the whole key is hashed.
    expect(keySlot('foo{}{bar}')).toBe(referenceCrc16(utf8('foo{}{bar}')) % 16384);
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    // "foo{{bar}}zap": the tag is "{bar" (from the first { to the first } after it).
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(referenceCrc16(utf8('{bar')) % 16384);
    // "foo{bar}{zap}": only the first tag counts.
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
  });

  it('handles the edge cases {}, {{a}}, a{b}c{d}, an unclosed {, and a lone }', () => {
    expect(keySlot('{}')).toBe(referenceCrc16(utf8('{}')) % 16384);
    expect(keySlot('{{a}}')).toBe(keySlot('{a'));
    expect(keySlot('a{b}c{d}')).toBe(keySlot('b'));
    expect(keySlot('abc{def')).toBe(referenceCrc16(utf8('abc{def')) % 16384);
    expect(keySlot('abc}def{')).toBe(referenceCrc16(utf8('abc}def{')) % 16384);
    expect(keySlot('}{x}')).toBe(keySlot('x'));
    expect(keySlot('')).toBe(0);
  });

  it('hashes strings as their UTF-8 bytes, tags included', () => {
    for (const key of ['héllo', '{日本}語', 'ключ{тег}', '😀{😀}', '{é}x', 'a\uD800{b}', '{\uDC00}']) {
      expect(keySlot(key)).toBe(keySlot(utf8(key)));
      expect(keySlot(key)).toBe(referenceKeySlot(utf8(key)));
    }
  });

  it('agrees with the oracle on random byte keys', () => {
    const byteWithBraces = fc.oneof(fc.constantFrom(0x7b, 0x7d), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byteWithBraces, { maxLength: 30 }), (array) => {
        const bytes = Uint8Array.from(array);
        expect(keySlot(bytes)).toBe(referenceKeySlot(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees between a string and its UTF-8 bytes, for any string', () => {
    const unit = fc.oneof(
      fc.constantFrom('{', '}', 'a', 'é', '語', '😀', '\uD800', '\uDFFF'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 20 }), (key) => {
        expect(keySlot(key)).toBe(keySlot(utf8(key)));
        expect(keySlot(key)).toBe(referenceKeySlot(utf8(key)));
      }),
      { numRuns: 1000 },
    );
  });

  it('always lands in 0..16383', () => {
    expect(SLOT_COUNT).toBe(16384);
    expect(MAX_SLOT).toBe(16383);
    fc.assert(
      fc.property(fc.string(), (key) => {
        const slot = keySlot(key);
        expect(isValidSlot(slot)).toBe(true);
      }),
    );
  });
});

describe('isValidSlot', () => {
  it('accepts integers 0..16383 only', () => {
    expect(isValidSlot(0)).toBe(true);
    expect(isValidSlot(16383)).toBe(true);
    expect(isValidSlot(16384)).toBe(false);
    expect(isValidSlot(-1)).toBe(false);
    expect(isValidSlot(1.5)).toBe(false);
    expect(isValidSlot(Number.NaN)).toBe(false);
  });
});
