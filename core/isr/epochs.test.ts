import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildEpochCache, divergence, endOffsetForEpoch, latestEpoch, noteAppend, truncateEpochCache } from './epochs.ts';
import type { LogRecord } from './types.ts';

/** A log from a compact picture: "1:a 1:b 3:c" = records a, b of epoch 1 and c of epoch 3. */
function log(picture: string): LogRecord[] {
  return picture
    .split(' ')
    .filter((x) => x.length > 0)
    .map((x) => {
      const [e, id] = x.split(':');
      return { epoch: Number(e), id: id as string };
    });
}

/** The follower's log after OffsetsForLeaderEpoch rounds against the leader, until no more are needed. */
function reconcile(leader: readonly LogRecord[], follower: readonly LogRecord[]): { log: LogRecord[]; rounds: number } {
  const leaderCache = buildEpochCache(leader);
  const mine = [...follower];
  const cache = buildEpochCache(mine);
  for (let round = 1; round <= 100; round++) {
    const answer = endOffsetForEpoch(leaderCache, leader.length, latestEpoch(cache));
    const d = divergence(cache, mine.length, answer);
    mine.length = Math.min(mine.length, d.truncateTo);
    truncateEpochCache(cache, mine.length);
    if (!d.again) return { log: mine, rounds: round };
  }
  throw new Error('no end');
}

/** The oracle: the longest common prefix. */
function commonPrefix(a: readonly LogRecord[], b: readonly LogRecord[]): LogRecord[] {
  let k = 0;
  while (k < a.length && k < b.length && a[k]!.id === b[k]!.id && a[k]!.epoch === b[k]!.epoch) k++;
  return a.slice(0, k);
}

describe('leader epoch cache', () => {
  it('records where each epoch starts, and forgets what a truncation removes', () => {
    const cache = buildEpochCache(log('0:a 0:b 2:c 2:d 5:e'));
    expect(cache).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
      { epoch: 5, startOffset: 4 },
    ]);
    truncateEpochCache(cache, 3);
    expect(cache).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
    expect(latestEpoch(cache)).toBe(2);
    expect(latestEpoch([])).toBe(-1);
    expect(() => noteAppend(cache, 1, 3)).toThrow(/epoch 1/);
  });

  it.each([
    // leader log, asked epoch, answer
    ['0:a 0:b 2:c 2:d 5:e', 0, { epoch: 0, endOffset: 2 }],
    ['0:a 0:b 2:c 2:d 5:e', 1, { epoch: 0, endOffset: 2 }],
    ['0:a 0:b 2:c 2:d 5:e', 2, { epoch: 2, endOffset: 4 }],
    ['0:a 0:b 2:c 2:d 5:e', 4, { epoch: 2, endOffset: 4 }],
    ['0:a 0:b 2:c 2:d 5:e', 5, { epoch: 5, endOffset: 5 }],
    ['0:a 0:b 2:c 2:d 5:e', 9, { epoch: 5, endOffset: 5 }],
    ['3:a', 2, { epoch: -1, endOffset: 0 }],
    ['', 2, { epoch: -1, endOffset: 0 }],
  ])('OffsetsForLeaderEpoch on %s for epoch %d', (picture, asked, answer) => {
    const l = log(picture);
    expect(endOffsetForEpoch(buildEpochCache(l), l.length, asked)).toEqual(answer);
  });

  it.each([
    // leader, follower, what the follower keeps, rounds
    ['1:a 1:b 2:c', '1:a 1:b', '1:a 1:b', 1], // behind: nothing to drop
    ['1:a 1:b 2:c', '1:a 1:b 1:x', '1:a 1:b', 1], // KIP-101 scenario 1: an epoch-1 suffix the new leader never had
    ['1:a 2:b 2:c', '1:a 1:x 1:y', '1:a', 1], // divergence at the same offsets
    ['1:a 1:b 2:c 2:d 4:e', '1:a 1:b 1:x 3:y', '1:a 1:b', 2], // KIP-279: the follower lacks epoch 2, asks again
    ['1:a 1:b 1:c 3:z', '1:a 2:x 2:y', '1:a', 1], // the follower has the leader's epoch 1: one round
    ['5:a', '1:x 2:y', '', 1],
    ['', '1:x', '', 1],
  ])('a follower of %s holding %s keeps %s', (leader, follower, kept, rounds) => {
    const r = reconcile(log(leader), log(follower));
    expect(r.log).toEqual(log(kept));
    expect(r.rounds).toBe(rounds);
  });

  it('truncates exactly the divergent suffix in any history of leaders and partial replication', () => {
    // A history: each epoch a replica becomes leader (clean or not), appends, and the others copy a
    // prefix of its log after reconciling (so records of one epoch at one offset are one record).
    const step = fc.record({ leader: fc.integer({ min: 0, max: 2 }), appends: fc.integer({ min: 0, max: 4 }), copies: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 3, maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 2 }), (steps, probe) => {
        const logs: LogRecord[][] = [[], [], []];
        steps.forEach((st, epoch) => {
          const leader = logs[st.leader]!;
          for (let k = 0; k < st.appends; k++) leader.push({ epoch, id: `${epoch}.${k}` });
          for (let r = 0; r < 3; r++) {
            if (r === st.leader) continue;
            const kept = reconcile(leader, logs[r]!).log;
            expect(kept).toEqual(commonPrefix(leader, logs[r]!));
            logs[r] = [...kept, ...leader.slice(kept.length, kept.length + st.copies[r]!)];
          }
        });
        const last = steps[steps.length - 1]!.leader;
        const follower = logs[probe]!;
        expect(reconcile(logs[last]!, follower).log).toEqual(commonPrefix(logs[last]!, follower));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
