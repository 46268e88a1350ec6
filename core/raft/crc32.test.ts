import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, crc32Hex, crc32String } from './crc32.ts';

describe('crc32', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['abc', 0x352441c2],
    ['123456789', 0xcbf43926], // the standard check value of CRC-32/ISO-HDLC
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
    ['message digest', 0x20159d7f],
  ])('crc32String(%j) = %s', (text, expected) => {
    expect(crc32String(text)).toBe(expected);
    expect(crc32(new TextEncoder().encode(text))).toBe(expected);
  });

  it('formats as 8 hex digits', () => {
    expect(crc32Hex('123456789')).toBe('cbf43926');
    expect(crc32Hex('')).toBe('00000000');
  });

  it('encodes strings as UTF-8, surrogate pairs included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(crc32String(text)).toBe(crc32(new TextEncoder().encode(text)));
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('detects any single flipped character', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.nat(), (text, at) => {
        const i = at % text.length;
        const flipped = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);
        expect(crc32String(flipped)).not.toBe(crc32String(text));
      }),
      { seed: 2, numRuns: 300 },
    );
  });
});
