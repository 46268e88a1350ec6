import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/files.ts';
import { mergeRecord, parseRecord, quickKills, type RecordEntry } from './record.ts';

const entry = (id: string, verdict: RecordEntry['verdict'], wallMs: number | null = 1000): RecordEntry => ({ id, verdict, method: verdict === 'killed' ? 'sweep' : null, invariant: null, wallMs });

describe('the mutant record', () => {
  it('refuses what is not a record with one line', () => {
    expect(() => parseRecord('{', 'r.json')).toThrow(InputError);
    expect(() => parseRecord('{', 'r.json')).toThrow(/^mutant record r\.json is not JSON/);
    expect(() => parseRecord('{"id":"a"}', 'r.json')).toThrow(/must be a list of entries, got object/);
    expect(() => parseRecord('[{"id":"a","verdict":"dead","method":null,"invariant":null,"wallMs":null}]', 'r.json')).toThrow(/entry 0 is not/);
    expect(parseRecord(JSON.stringify([entry('a', 'killed')]), 'r.json')).toEqual([entry('a', 'killed')]);
  });

  it('merges a run into the record: its mutants replaced, the rest kept, in zoo order', () => {
    const old = [entry('b', 'SURVIVED'), entry('a', 'killed'), entry('z', 'killed')];
    const merged = mergeRecord(old, [entry('b', 'killed'), entry('c', 'equivalent')], ['a', 'b', 'c']);
    expect(merged.map((e) => `${e.id}:${e.verdict}`)).toEqual(['a:killed', 'b:killed', 'c:equivalent', 'z:killed']);
  });

  it('samples for CI only among quick recorded kills', () => {
    const record = [entry('fast', 'killed', 2_000), entry('slow', 'killed', 200_000), entry('alive', 'SURVIVED', 1_000), entry('unknown', 'killed', null)];
    expect([...quickKills(record, 60)]).toEqual(['fast']);
  });
});
