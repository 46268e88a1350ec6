/**
 * The leader epoch cache and the arithmetic of OffsetsForLeaderEpoch (KIP-101, with KIP-279's
 * iteration): how a follower finds exactly the suffix of its log that the leader doesn't have.
 *
 * Every record carries the leader epoch it was written in, so a log's epochs never decrease and
 * the cache (where each epoch starts) is a function of the log. Two replicas' records of one epoch
 * come from the one leader of that epoch, so they agree wherever both have them; the first offset
 * where the logs may differ is where one of them has an epoch the other lacks.
 */
import type { LogRecord } from './types.ts';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** The cache of a whole log. */
export function buildEpochCache(log: readonly LogRecord[]): EpochEntry[] {
  const cache: EpochEntry[] = [];
  for (let o = 0; o < log.length; o++) noteAppend(cache, (log[o] as LogRecord).epoch, o);
  return cache;
}

/** Record that `epoch` has a record at `offset` (the log's end before the append). */
export function noteAppend(cache: EpochEntry[], epoch: number, offset: number): void {
  const last = cache[cache.length - 1];
  if (last === undefined || last.epoch < epoch) {
    cache.push({ epoch, startOffset: offset });
    return;
  }
  if (last.epoch > epoch) throw new Error(`epoch cache: append of epoch ${epoch} at ${offset} after epoch ${last.epoch}`);
}

/** Drop what starts at or past the new log end. */
export function truncateEpochCache(cache: EpochEntry[], leo: number): void {
  while (cache.length > 0 && (cache[cache.length - 1] as EpochEntry).startOffset >= leo) cache.pop();
}

/** The epoch of the last record, -1 for an empty log. */
export function latestEpoch(cache: readonly EpochEntry[]): number {
  return cache[cache.length - 1]?.epoch ?? -1;
}

/**
 * OffsetsForLeaderEpoch as the leader answers it: the largest epoch at or below `asked` that
 * this log has, and the offset where it ends here (the start of the next epoch, or the LEO).
 * No such epoch: `{ epoch: -1, endOffset: 0 }`, as nothing the asker has of epochs <= `asked` is here.
 */
export function endOffsetForEpoch(cache: readonly EpochEntry[], leo: number, asked: number): { epoch: number; endOffset: number } {
  let k = cache.length - 1;
  while (k >= 0 && (cache[k] as EpochEntry).epoch > asked) k--;
  if (k < 0) return { epoch: -1, endOffset: 0 };
  return { epoch: (cache[k] as EpochEntry).epoch, endOffset: cache[k + 1]?.startOffset ?? leo };
}

/**
 * Where a follower truncates on the leader's answer to OffsetsForLeaderEpoch(its latest epoch),
 * and whether it must ask again (KIP-279): when it doesn't have the epoch the leader answered
 * with, it drops its records of later epochs and asks again with its new latest epoch.
 */
export function divergence(
  cache: readonly EpochEntry[],
  leo: number,
  answer: { readonly epoch: number; readonly endOffset: number },
): { truncateTo: number; again: boolean } {
  if (answer.epoch < 0) return { truncateTo: 0, again: false };
  const mine = endOffsetForEpoch(cache, leo, answer.epoch);
  if (mine.epoch === answer.epoch) return { truncateTo: Math.min(answer.endOffset, mine.endOffset, leo), again: false };
  // Our records from mine.endOffset on belong to epochs the leader never had.
  const truncateTo = mine.epoch < 0 ? 0 : Math.min(mine.endOffset, leo);
  return { truncateTo, again: truncateTo > 0 };
}
