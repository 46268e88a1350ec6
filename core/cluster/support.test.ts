import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keySlot } from '../slots/index.ts';
import { EMPTY_KEY_INDEX, addKey, countKeysInSlot, getKeysInSlot, hasKey, keyIndexOf, removeKey } from './key-index.ts';
import { parseRedisInteger } from './redis-args.ts';
import { NULL_REPLY, OK, arrayReply, bulkReply, encodeResp, errorReply, integerReply } from './resp.ts';

describe('encodeResp', () => {
  it('writes RESP2', () => {
    expect(encodeResp(OK)).toBe('+OK\r\n');
    expect(encodeResp(errorReply('Invalid slot'))).toBe('-ERR Invalid slot\r\n');
    expect(encodeResp(integerReply(-3))).toBe(':-3\r\n');
    expect(encodeResp(bulkReply('héllo'))).toBe('$6\r\nhéllo\r\n');
    expect(encodeResp(NULL_REPLY)).toBe('$-1\r\n');
    expect(encodeResp(arrayReply([integerReply(1), arrayReply([])]))).toBe('*2\r\n:1\r\n*0\r\n');
    expect(() => integerReply(1.5)).toThrow(RangeError);
  });
});

describe('parseRedisInteger (string2ll rules)', () => {
  it('accepts canonical decimal int64 only', () => {
    expect(parseRedisInteger('0')).toBe(0);
    expect(parseRedisInteger('-42')).toBe(-42);
    expect(parseRedisInteger('9223372036854775807')).toBe(9223372036854775807);
    expect(parseRedisInteger('-9223372036854775808')).toBe(-9223372036854775808);
    for (const bad of ['', '-', '-0', '+1', '01', ' 1', '1 ', '1.0', '1e3', '0x10', '9223372036854775808', '-9223372036854775809']) {
      expect(parseRedisInteger(bad), bad).toBeNull();
    }
  });

  it('round-trips every safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(parseRedisInteger(String(n))).toBe(n === 0 ? 0 : n); // String(-0) is "0"
      }),
    );
  });
});

describe('SlotKeyIndex', () => {
  it('groups keys by slot, sorted, without duplicates', () => {
    const index = keyIndexOf(['{x}b', '{x}a', 'foo', '{x}a']);
    expect(index.size).toBe(3);
    expect(countKeysInSlot(index, keySlot('x'))).toBe(2);
    expect(getKeysInSlot(index, keySlot('x'), 10)).toEqual(['{x}a', '{x}b']);
    expect(getKeysInSlot(index, keySlot('foo'), 10)).toEqual(['foo']);
    expect(hasKey(index, 'foo')).toBe(true);
    expect(hasKey(index, 'bar')).toBe(false);
    const shrunk = removeKey(removeKey(index, 'foo'), 'absent');
    expect(shrunk.size).toBe(2);
    expect(Object.keys(shrunk.slots)).toEqual([String(keySlot('x'))]);
    expect(addKey(index, 'foo')).toBe(index);
    expect(() => countKeysInSlot(index, 16384)).toThrow(RangeError);
  });

  it('agrees with a Set of keys after any sequence of adds and removes', () => {
    const key = fc.constantFrom('a', 'b', '{t}1', '{t}2', '{t}3', 'foo', 'héllo');
    const op = fc.tuple(fc.boolean(), key);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let index = EMPTY_KEY_INDEX;
        const model = new Set<string>();
        for (const [add, k] of ops) {
          index = add ? addKey(index, k) : removeKey(index, k);
          if (add) model.add(k);
          else model.delete(k);
        }
        expect(index.size).toBe(model.size);
        const bySlot = new Map<number, string[]>();
        for (const k of model) bySlot.set(keySlot(k), [...(bySlot.get(keySlot(k)) ?? []), k]);
        for (const [slot, keys] of bySlot) expect(getKeysInSlot(index, slot, 100)).toEqual(keys.sort());
        expect(Object.keys(index.slots).length).toBe(bySlot.size);
        expect(JSON.parse(JSON.stringify(index))).toEqual(index);
      }),
    );
  });
});
