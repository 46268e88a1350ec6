import { describe, expect, it } from 'vitest';
import { type Reply, encodeResp } from '../cluster/resp.ts';
import { decodeResp, replyFromJson, replyToJson } from './resp-wire.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('RESP wire form', () => {
  const samples: Reply[] = [
    { type: 'simple', value: 'OK' },
    { type: 'error', message: 'MOVED 3999 127.0.0.1:7002' },
    { type: 'integer', value: -42 },
    { type: 'bulk', value: 'héllo\r\nworld' },
    { type: 'bulk', value: '' },
    { type: 'null' },
    { type: 'array', items: [] },
    { type: 'array', items: [{ type: 'integer', value: 0 }, { type: 'array', items: [{ type: 'bulk', value: 'x' }, { type: 'null' }] }] },
  ];

  it('decodes what encodeResp writes, byte for byte', () => {
    for (const reply of samples) {
      const wire = bytes(encodeResp(reply));
      expect(decodeResp(wire)).toEqual({ kind: 'reply', reply, next: wire.length });
    }
  });

  it('reads the forms redis-server sends that the model never writes: the nil array and RESP3 null', () => {
    expect(decodeResp(bytes('*-1\r\n'))).toEqual({ kind: 'reply', reply: { type: 'null' }, next: 5 });
    expect(decodeResp(bytes('_\r\n'))).toEqual({ kind: 'reply', reply: { type: 'null' }, next: 3 });
  });

  it('reads int64 replies as the nearest double, as the model holds them', () => {
    expect(decodeResp(bytes(':9223372036854775807\r\n'))).toEqual({ kind: 'reply', reply: { type: 'integer', value: 2 ** 63 }, next: 22 });
    expect(decodeResp(bytes(':123456789012345678901\r\n'))).toEqual({ kind: 'invalid', message: 'bad integer "123456789012345678901"' });
  });

  it('says when a reply is cut short, and names a malformed one', () => {
    expect(decodeResp(bytes('$5\r\nhel'))).toEqual({ kind: 'incomplete' });
    expect(decodeResp(bytes('*2\r\n:1\r\n'))).toEqual({ kind: 'incomplete' });
    expect(decodeResp(bytes('+OK'))).toEqual({ kind: 'incomplete' });
    expect(decodeResp(bytes('?x\r\n'))).toEqual({ kind: 'invalid', message: 'unknown reply type "?"' });
    expect(decodeResp(bytes('$abc\r\n'))).toEqual({ kind: 'invalid', message: 'bad bulk length "abc"' });
    expect(decodeResp(bytes('$1\r\nxyz\r\n'))).toEqual({ kind: 'invalid', message: 'bulk string not followed by CRLF' });
  });
});

describe('the JSON line form', () => {
  it('names RESP2 types as the script format does, nil as a null bulk', () => {
    expect(replyToJson({ type: 'simple', value: 'OK' })).toEqual({ type: 'status', value: 'OK' });
    expect(replyToJson({ type: 'null' })).toEqual({ type: 'bulk', value: null });
    expect(replyToJson({ type: 'array', items: [{ type: 'error', message: 'ERR x' }] })).toEqual({
      type: 'array',
      value: [{ type: 'error', value: 'ERR x' }],
    });
  });

  it('round-trips, and refuses a malformed line in one sentence', () => {
    const reply: Reply = { type: 'array', items: [{ type: 'integer', value: 1 }, { type: 'null' }, { type: 'bulk', value: 'v' }] };
    expect(replyFromJson(JSON.parse(JSON.stringify(replyToJson(reply))))).toEqual(reply);
    expect(() => replyFromJson({ type: 'map', value: [] })).toThrow('unknown reply type "map" (status, error, integer, bulk or array)');
    expect(() => replyFromJson({ type: 'integer', value: 1.5 })).toThrow('an integer reply needs an integer value');
    expect(() => replyFromJson([1])).toThrow('a reply is an object {"type", "value"}');
  });
});
