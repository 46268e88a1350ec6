import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CRC16_TABLE, crc16, crc16OfString } from './crc16.ts';

/** A dumb oracle: CRC-16/XMODEM bit by bit, straight from the definition (poly 0x1021, init 0). */
function referenceCrc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc16 (XMODEM)', () => {
  it('has the check value 0x31C3 for "123456789", as the Redis Cluster specification states', () => {
    expect(crc16(ascii('123456789'))).toBe(0x31c3);
    expect(referenceCrc16(ascii('123456789'))).toBe(0x31c3);
  });

  it('is 0 for no input (initial value 0, no final XOR)', () => {
    expect(crc16(new Uint8Array(0))).toBe(0);
  });

  it('has a table whose first entries are the textbook XMODEM ones', () => {
    expect([...CRC16_TABLE.slice(0, 4)]).toEqual([0x0000, 0x1021, 0x2042, 0x3063]);
    expect(CRC16_TABLE[255]).toBe(0x1ef0);
  });

  it('agrees with the bitwise oracle on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(crc16(bytes)).toBe(referenceCrc16(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a sub-range exactly like a copy of it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(crc16(bytes, start, end)).toBe(referenceCrc16(bytes.slice(start, end)));
      }),
    );
  });

  it('hashes a string as its UTF-8 bytes (ASCII, multi-byte, astral, lone surrogates)', () => {
    const samples = ['', 'foo', 'héllo', '日本語', 'a😀b', '\u{10FFFF}', 'x\uD800y', '\uDC00', '\uD83D'];
    for (const text of samples) {
      expect(crc16OfString(text)).toBe(referenceCrc16(new TextEncoder().encode(text)));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(crc16OfString(text)).toBe(referenceCrc16(new TextEncoder().encode(text)));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a slice of a string as the UTF-8 of that slice, even when the slice cuts a surrogate pair', () => {
    const unit = fc.oneof(fc.constantFrom('a', '{', 'é', '語', '😀', '\uD800', '\uDC00'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), fc.nat(), fc.nat(), (text, a, b) => {
        const start = a % (text.length + 1);
        const end = start + (b % (text.length - start + 1));
        expect(crc16OfString(text, start, end)).toBe(referenceCrc16(new TextEncoder().encode(text.slice(start, end))));
      }),
      { numRuns: 1000 },
    );
  });
});
