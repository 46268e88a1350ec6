/**
 * Routing throughput: how many keys per second `keySlot` (CRC16 + hash tags) and `jumpHash`
 * route, over a million distinct keys each. Keys are generated before timing starts; each figure
 * is the best of three passes after a warm-up pass, the least disturbed by GC and the JIT.
 * For scale, the last row runs the paper's jump hash written plainly with BigInt arithmetic.
 */
import { keySlot } from '../core/slots/index.ts';
import { jumpHash, jumpHashWords } from '../core/hashing/index.ts';

const KEY_COUNT = 1_000_000;

interface Row {
  readonly name: string;
  readonly keys: number;
  readonly keysPerSecond: number;
}

/** Times `pass` (which routes `keys` keys and returns a checksum so the work can't be optimised away). */
function measure(name: string, keys: number, pass: () => number): Row {
  let sink = pass();
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    sink += pass();
    times.push(performance.now() - t0);
  }
  if (sink === -1) console.log(sink);
  const ms = Math.min(...times);
  return { name, keys, keysPerSecond: keys / (ms / 1000) };
}

/** splitmix64 keys: distinct, well spread 64-bit values. */
function sixtyFourBitKeys(count: number): bigint[] {
  const keys: bigint[] = [];
  let state = 0x243f6a8885a308d3n;
  for (let i = 0; i < count; i++) {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    let z = state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    keys.push(z ^ (z >> 31n));
  }
  return keys;
}

function referenceJumpHash(key: bigint, buckets: number): number {
  let k = key;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = Math.floor((b + 1) * (2147483648 / Number((k >> 33n) + 1n)));
  }
  return b;
}

export default async function routingBench(): Promise<void> {
  const asciiKeys = Array.from({ length: KEY_COUNT }, (_, i) => `user:${i}:profile`);
  const taggedKeys = Array.from({ length: KEY_COUNT }, (_, i) => `{user${i}}.followers`);
  const byteKeys = asciiKeys.map((key) => new TextEncoder().encode(key));
  const unicodeKeys = Array.from({ length: KEY_COUNT }, (_, i) => `clé:${i}:日本`);
  const wideKeys = sixtyFourBitKeys(KEY_COUNT);
  const wordKeys = wideKeys.map((key) => [Number(key >> 32n), Number(key & 0xffffffffn)] as const);

  const slotPass = (keys: readonly (string | Uint8Array)[]) => () => {
    let sum = 0;
    for (let i = 0; i < keys.length; i++) sum += keySlot(keys[i]!);
    return sum;
  };
  const jumpPass = (buckets: number) => () => {
    let sum = 0;
    for (let i = 0; i < wideKeys.length; i++) sum += jumpHash(wideKeys[i]!, buckets);
    return sum;
  };
  const jumpWordsPass = (buckets: number) => () => {
    let sum = 0;
    for (let i = 0; i < wordKeys.length; i++) sum += jumpHashWords(wordKeys[i]![0], wordKeys[i]![1], buckets);
    return sum;
  };
  const referenceCount = KEY_COUNT / 10;
  const referencePass = (buckets: number) => () => {
    let sum = 0;
    for (let i = 0; i < referenceCount; i++) sum += referenceJumpHash(wideKeys[i]!, buckets);
    return sum;
  };

  const rows = [
    measure('keySlot, ASCII strings "user:N:profile"', KEY_COUNT, slotPass(asciiKeys)),
    measure('keySlot, hash-tagged "{userN}.followers"', KEY_COUNT, slotPass(taggedKeys)),
    measure('keySlot, Uint8Array keys', KEY_COUNT, slotPass(byteKeys)),
    measure('keySlot, non-ASCII keys (2- and 3-byte UTF-8)', KEY_COUNT, slotPass(unicodeKeys)),
    measure('jumpHash(bigint), 16 buckets', KEY_COUNT, jumpPass(16)),
    measure('jumpHash(bigint), 1000 buckets', KEY_COUNT, jumpPass(1000)),
    measure('jumpHashWords(hi, lo), 1000 buckets', KEY_COUNT, jumpWordsPass(1000)),
    measure('reference BigInt loop, 1000 buckets', referenceCount, referencePass(1000)),
  ];
  console.log(`${'what'.padEnd(46)} ${'keys'.padStart(9)}  ${'M keys/s'.padStart(8)}`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(46)} ${String(row.keys).padStart(9)}  ${(row.keysPerSecond / 1e6).toFixed(2).padStart(8)}`);
  }
}
