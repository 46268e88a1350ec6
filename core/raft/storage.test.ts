import { describe, expect, it } from 'vitest';
import { LOG_FILE, META_FILE, SNAPSHOT_FILE, frameRecord, logRecord, metaRecord, recover, snapshotRecord, unframeRecord } from './storage.ts';
import { awaitLeader, kvCluster, makeEntry, putEntry } from './testing.ts';
import { lastIndex } from './log.ts';
import type { Snapshot } from './types.ts';

const snapshotAt = (index: number, term: number): Snapshot => ({ index, term, voters: ['n1', 'n2', 'n3'], data: { data: {}, sessions: {} } });

describe('record framing', () => {
  it('round-trips a body and rejects torn or flipped records', () => {
    const record = frameRecord('{"a":1}');
    expect(record).toMatch(/^[0-9a-f]{8} \{"a":1\}$/);
    expect(unframeRecord(record)).toEqual({ a: 1 });
    expect(unframeRecord(record.slice(0, -1))).toBeNull(); // torn
    expect(unframeRecord(record.replace('1', '2'))).toBeNull(); // corrupted
    expect(unframeRecord('')).toBeNull();
    expect(unframeRecord('xxxxxxxx {"a":1}')).toBeNull();
  });
});

describe('recover', () => {
  it('reads nothing from an empty disk', () => {
    expect(recover({})).toEqual({ term: 0, votedFor: null, snapshot: null, entries: [], repairs: [], notes: [] });
  });

  it('reads term, vote and log', () => {
    const log = [makeEntry(1, 1), putEntry(2, 2)];
    const r = recover({ [META_FILE]: [metaRecord(2, 'n3')], [LOG_FILE]: log.map(logRecord) });
    expect(r).toMatchObject({ term: 2, votedFor: 'n3', entries: log, repairs: [], notes: [] });
  });

  it.each([
    ['torn', (r: string) => r.slice(0, Math.floor(r.length / 2))],
    ['corrupted', (r: string) => r.replace('"t":2', '"t":3')],
    ['empty', () => ''],
  ])('drops a %s last record and asks for a truncate', (_, damage) => {
    const log = [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 2)];
    const records = log.map(logRecord);
    records[2] = damage(records[2] as string);
    const r = recover({ [META_FILE]: [metaRecord(2, null)], [LOG_FILE]: records });
    expect(r.entries).toEqual(log.slice(0, 2));
    expect(r.repairs).toEqual([{ op: 'truncate', file: LOG_FILE, keep: 2 }]);
    expect(r.notes).toEqual([expect.objectContaining({ kind: 'truncated', fromIndex: 3, removed: 1, reason: 'corrupt-record' })]);
  });

  it('drops everything from the first bad record on, even good records after it', () => {
    const log = [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 1), putEntry(4, 1)];
    const records = log.map(logRecord);
    records[1] = 'garbage';
    const r = recover({ [LOG_FILE]: records });
    expect(r.entries).toEqual(log.slice(0, 1));
    expect(r.repairs).toEqual([{ op: 'truncate', file: LOG_FILE, keep: 1 }]);
    expect(r.notes[0]).toMatchObject({ fromIndex: 2, removed: 3 });
  });

  it('treats a record out of sequence as corrupt', () => {
    const records = [makeEntry(1, 1), putEntry(3, 1)].map(logRecord);
    expect(recover({ [LOG_FILE]: records }).entries).toHaveLength(1);
    const decreasing = [makeEntry(1, 2), putEntry(2, 1)].map(logRecord);
    expect(recover({ [META_FILE]: [metaRecord(2, null)], [LOG_FILE]: decreasing }).entries).toHaveLength(1);
  });

  it('keeps the log that follows its snapshot (the file starts right after it)', () => {
    const log = [putEntry(6, 2), putEntry(7, 2)];
    const r = recover({ [META_FILE]: [metaRecord(2, null)], [SNAPSHOT_FILE]: [snapshotRecord(snapshotAt(5, 2))], [LOG_FILE]: log.map(logRecord) });
    expect(r.snapshot).toEqual(snapshotAt(5, 2));
    expect(r.entries).toEqual(log);
    expect(r.repairs).toEqual([]);
  });

  it('mends a crash between writing a snapshot and rewriting the log (Fig. 13 rule 6)', () => {
    const log = [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 2), putEntry(4, 2)];
    const r = recover({ [META_FILE]: [metaRecord(2, null)], [SNAPSHOT_FILE]: [snapshotRecord(snapshotAt(3, 2))], [LOG_FILE]: log.map(logRecord) });
    expect(r.entries).toEqual(log.slice(3));
    expect(r.repairs).toEqual([{ op: 'overwrite', file: LOG_FILE, records: [logRecord(log[3]!)] }]);
    expect(r.notes).toEqual([]);
  });

  it('discards a log that does not follow the snapshot (Fig. 13 rule 7)', () => {
    const log = [makeEntry(1, 1), putEntry(2, 1), putEntry(3, 1), putEntry(4, 1)];
    const r = recover({ [META_FILE]: [metaRecord(3, null)], [SNAPSHOT_FILE]: [snapshotRecord(snapshotAt(3, 3))], [LOG_FILE]: log.map(logRecord) });
    expect(r.entries).toEqual([]);
    expect(r.repairs).toEqual([{ op: 'overwrite', file: LOG_FILE, records: [] }]);
    expect(r.notes).toEqual([expect.objectContaining({ kind: 'truncated', fromIndex: 4, removed: 1, reason: 'snapshot' })]);
  });

  it('never lets the term fall behind the log', () => {
    const r = recover({ [LOG_FILE]: [makeEntry(1, 4)].map(logRecord) });
    expect(r.term).toBe(4);
    expect(r.notes).toEqual([expect.objectContaining({ kind: 'corruptFile', file: META_FILE })]);
  });
});

describe('a torn or corrupt last log record at restart', () => {
  it.each([
    ['torn', (r: string) => r.slice(0, r.length - 5)],
    ['corrupted', (r: string) => r.slice(0, 12) + (r[12] === 'x' ? 'y' : 'x') + r.slice(13)],
  ])('a %s record is detected, truncated on disk and reported; the node catches up again', (_, damage) => {
    const ids = ['n1', 'n2', 'n3'];
    const { d } = kvCluster(ids);
    const leader = awaitLeader(d);
    const put = (i: number): number => d.command(leader, { type: 'propose', command: { op: 'put', key: 'k', value: `${i}`, client: 'op', seq: i } });
    put(1);
    d.runFor(100);
    const follower = ids.find((id) => id !== leader) as string;
    d.isolate(follower);
    put(2);
    d.runFor(100); // committed by the other two
    // The follower crashes while appending the new entry: the record in flight is damaged and the
    // acknowledgement was never sent.
    const s = d.state(leader);
    const last = lastIndex(d.state(follower).log);
    const message = {
      type: 'appendEntries',
      term: s.currentTerm,
      prevLogIndex: last,
      prevLogTerm: d.state(follower).log.entries[last - 1]!.term,
      entries: s.log.entries.slice(last),
      leaderCommit: last,
      readSeq: 0,
    } as const;
    expect(message.entries).toHaveLength(1);
    let inFlight = '';
    d.step(follower, { type: 'message', from: leader, message }, (fx) => {
      const at = fx.findIndex((e) => e.type === 'persist' && e.write.op === 'append');
      const write = fx[at];
      if (write?.type === 'persist' && write.write.op === 'append') inFlight = write.write.record;
      return at;
    });
    const disk = d.node(follower).disk[LOG_FILE] as string[];
    disk.push(damage(inFlight));
    d.start(follower);
    expect(lastIndex(d.state(follower).log)).toBe(last);
    expect(d.node(follower).disk[LOG_FILE]).toHaveLength(last);
    expect(d.observed('truncated').map((r) => r.observation)).toContainEqual(
      expect.objectContaining({ node: follower, reason: 'corrupt-record', fromIndex: last + 1, removed: 1 }),
    );
    d.heal();
    d.runFor(300);
    expect(lastIndex(d.state(follower).log)).toBe(lastIndex(d.state(leader).log));
    expect(d.state(follower).sm.data).toEqual({ k: '2' });
  });
});
