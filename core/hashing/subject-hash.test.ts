import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blake3 } from '@noble/hashes/blake3.js';
import { jumpHash } from './jump-hash.ts';
import { hashSubject, hashSubjectWords, shardForSubject } from './subject-hash.ts';

describe('hashSubject', () => {
  it('is the first 8 bytes of BLAKE3, little-endian (official BLAKE3 vectors for "" and "abc")', () => {
    // BLAKE3("") = af1349b9f5f9a1a6 a0404dea36dcc949...; little-endian, the first byte is the lowest.
    expect(hashSubject('')).toBe(0xa6a1f9f5b94913afn);
    // BLAKE3("abc") = 6437b3ac38465133 ffb63b75273a8db5...
    expect(hashSubject('abc')).toBe(0x33514638acb33764n);
  });

  it('reads the digest as DataView.getBigUint64(0, true) does, UTF-8 encoding the subject', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (subject) => {
        const digest = blake3(new TextEncoder().encode(subject));
        const expected = new DataView(digest.buffer, digest.byteOffset).getBigUint64(0, true);
        expect(hashSubject(subject)).toBe(expected);
        const { hi, lo } = hashSubjectWords(subject);
        expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(expected);
      }),
    );
  });

  it('routes a subject to the jump hash of its hash', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 5000 }), (subject, shards) => {
        expect(shardForSubject(subject, shards)).toBe(jumpHash(hashSubject(subject), shards));
      }),
    );
  });
});
