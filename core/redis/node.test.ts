/**
 * The data path of one node against the Redis Cluster specification ("Redirection and
 * resharding": MOVED, ASK, multi-key operations) and redis-server's getNodeByQuery.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeResp, type Reply } from '../cluster/resp.ts';
import { keySlot } from '../slots/index.ts';
import { type ClientSession, newSession, send } from './client.ts';
import { buildCluster, evenClusterSpecs, type NodeSpec } from './config.ts';
import { replyToJson } from './resp-wire.ts';

const SPECS = evenClusterSpecs(3);
const [A, B, C] = SPECS.map((s) => s.address) as [string, string, string];
const [ID_A, ID_B] = SPECS.map((s) => s.id) as [string, string];

let session: ClientSession;
/** One command on one node's connection (no redirect following). */
function at(address: string, ...argv: string[]): Reply {
  const sent = send(session, address, argv, { follow: false, nowMs: 0 });
  session = sent.session;
  if (sent.kind !== 'reply') throw new Error(`unreachable ${sent.address}`);
  return sent.reply;
}
const json = (reply: Reply) => replyToJson(reply);
const err = (message: string) => ({ type: 'error', value: message });
const ok = { type: 'status', value: 'OK' };
const nil = { type: 'bulk', value: null };
const int = (value: number) => ({ type: 'integer', value });
const bulk = (value: string) => ({ type: 'bulk', value });

beforeEach(() => {
  session = newSession(buildCluster(SPECS));
});

describe('a stable slot', () => {
  // "foo" hashes to 12182 (node C), "{user1}:a"/"{user1}:b" to 8106 (node B).
  it('is served by its owner; any other node answers MOVED <slot> <ip>:<port> of the owner', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(json(at(C, 'SET', 'foo', 'bar'))).toEqual(ok);
    expect(json(at(C, 'GET', 'foo'))).toEqual(bulk('bar'));
    expect(json(at(A, 'GET', 'foo'))).toEqual(err(`MOVED 12182 ${C}`));
    expect(json(at(B, 'set', 'foo', 'x'))).toEqual(err(`MOVED 12182 ${C}`));
  });

  it('serves a multi-key command whose keys share a slot through a hash tag, and refuses other multi-key commands with CROSSSLOT', () => {
    expect(json(at(B, 'MSET', '{user1}:a', '1', '{user1}:b', '2'))).toEqual(ok);
    expect(json(at(B, 'MGET', '{user1}:a', '{user1}:b', '{user1}:c'))).toEqual({ type: 'array', value: [bulk('1'), bulk('2'), nil] });
    // CROSSSLOT is decided before MOVED: even the owner of neither slot says CROSSSLOT.
    expect(json(at(A, 'MGET', 'foo', 'bar'))).toEqual(err("CROSSSLOT Keys in request don't hash to the same slot"));
    expect(json(at(B, 'DEL', '{user1}:a', 'foo'))).toEqual(err("CROSSSLOT Keys in request don't hash to the same slot"));
    expect(json(at(B, 'EXISTS', '{user1}:a', '{user1}:a', '{user1}:b', '{user1}:zz'))).toEqual(int(3));
  });

  it('runs commands without keys on any node, and checks names and arity first', () => {
    expect(json(at(A, 'PING'))).toEqual({ type: 'status', value: 'PONG' });
    expect(json(at(A, 'GET'))).toEqual(err("ERR wrong number of arguments for 'get' command"));
    // MSET's even count passes arity -3 and the routing (keys at 1, 3, ...), then msetCommand refuses it.
    expect(json(at(A, 'MSET', '{b}1', '1', '{b}2'))).toEqual(err("ERR wrong number of arguments for 'mset' command"));
    expect(json(at(A, 'MSET', 'a', '1', 'b'))).toEqual(err("CROSSSLOT Keys in request don't hash to the same slot"));
    expect(json(at(A, 'FLY', 'me', 'to'))).toEqual(err("ERR unknown command 'FLY', with args beginning with: 'me' 'to' "));
  });

  it('answers the string commands with Redis replies', () => {
    expect(json(at(C, 'INCR', 'foo'))).toEqual(int(1));
    expect(json(at(C, 'INCRBY', 'foo', '41'))).toEqual(int(42));
    expect(json(at(C, 'APPEND', 'foo', 'é'))).toEqual(int(4));
    expect(json(at(C, 'INCR', 'foo'))).toEqual(err('ERR value is not an integer or out of range'));
    expect(json(at(C, 'SET', 'foo', '9223372036854775807'))).toEqual(ok);
    expect(json(at(C, 'INCR', 'foo'))).toEqual(err('ERR increment or decrement would overflow'));
    expect(json(at(C, 'DECRBY', 'foo', '-9223372036854775808'))).toEqual(err('ERR decrement would overflow'));
    expect(json(at(C, 'SET', 'foo', 'v', 'NX', 'GET'))).toEqual(bulk('9223372036854775807'));
    expect(json(at(C, 'SET', 'foo', 'v', 'NX', 'XX'))).toEqual(err('ERR syntax error'));
    expect(json(at(C, 'GETDEL', 'foo'))).toEqual(bulk('9223372036854775807'));
    expect(json(at(C, 'SETNX', 'foo', 'a'))).toEqual(int(1));
    expect(json(at(C, 'STRLEN', 'foo'))).toEqual(int(1));
    expect(json(at(C, 'TYPE', 'foo'))).toEqual({ type: 'status', value: 'string' });
  });

  it('is CLUSTERDOWN when a slot has no owner (cluster-require-full-coverage)', () => {
    const partial: NodeSpec[] = [{ ...SPECS[0]!, slots: [{ start: 0, end: 9999 }] }];
    session = newSession(buildCluster(partial));
    expect(json(at(A, 'GET', 'foo'))).toEqual(err('CLUSTERDOWN Hash slot not served'));
    expect(json(at(A, 'GET', 'b'))).toEqual(err('CLUSTERDOWN The cluster is down'));
    expect(json(at(A, 'PING'))).toEqual({ type: 'status', value: 'PONG' });
  });
});

describe('a slot being migrated from A to B ("ASK redirection")', () => {
  // "{b}x" and "{b}y" share slot 3300, served by A.
  const SLOT = keySlot('{b}x');
  beforeEach(() => {
    expect(SLOT).toBe(keySlot('{b}y'));
    expect(json(at(A, 'MSET', '{b}x', '1', '{b}y', '2'))).toEqual(ok);
    expect(json(at(B, 'CLUSTER', 'SETSLOT', `${SLOT}`, 'IMPORTING', ID_A))).toEqual(ok);
    expect(json(at(A, 'CLUSTER', 'SETSLOT', `${SLOT}`, 'MIGRATING', ID_B))).toEqual(ok);
  });

  it('the source serves keys it still has and sends ASK for the others', () => {
    expect(json(at(A, 'GET', '{b}x'))).toEqual(bulk('1'));
    expect(json(at(A, 'GET', '{b}new'))).toEqual(err(`ASK ${SLOT} ${B}`));
    expect(json(at(A, 'SET', '{b}new', 'v'))).toEqual(err(`ASK ${SLOT} ${B}`));
    expect(json(at(C, 'GET', '{b}new'))).toEqual(err(`MOVED ${SLOT} ${A}`));
  });

  it('the target answers MOVED without ASKING, serves after it, and ASKING lasts one command', () => {
    expect(json(at(B, 'GET', '{b}new'))).toEqual(err(`MOVED ${SLOT} ${A}`));
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'SET', '{b}new', 'v'))).toEqual(ok);
    expect(json(at(B, 'GET', '{b}new'))).toEqual(err(`MOVED ${SLOT} ${A}`));
    // Any command in between uses up the flag, even a refused one.
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'NOSUCHCOMMAND'))).toEqual(err("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: "));
    expect(json(at(B, 'GET', '{b}new'))).toEqual(err(`MOVED ${SLOT} ${A}`));
    // The flag belongs to the connection: ASKING on A does nothing for B.
    expect(json(at(A, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'GET', '{b}new'))).toEqual(err(`MOVED ${SLOT} ${A}`));
  });

  it('MIGRATE moves keys (KEYS form), NOKEY when none is here, and the slot ends with SETSLOT NODE on both sides', () => {
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7001', '', '0', '5000', 'KEYS', '{b}x'))).toEqual(ok);
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7001', '{b}x', '0', '5000'))).toEqual({ type: 'status', value: 'NOKEY' });
    // Multi-key on the source with one key here and one gone: TRYAGAIN; with all gone: ASK.
    expect(json(at(A, 'MGET', '{b}x', '{b}y'))).toEqual(err('TRYAGAIN Multiple keys request during rehashing of slot'));
    expect(json(at(A, 'GET', '{b}x'))).toEqual(err(`ASK ${SLOT} ${B}`));
    // On the target with ASKING, several distinct keys some of which are missing: TRYAGAIN.
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'MGET', '{b}x', '{b}y'))).toEqual(err('TRYAGAIN Multiple keys request during rehashing of slot'));
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'MGET', '{b}x', '{b}x'))).toEqual({ type: 'array', value: [bulk('1'), bulk('1')] });
    expect(json(at(A, 'CLUSTER', 'SETSLOT', `${SLOT}`, 'NODE', ID_B))).toEqual(
      err(`ERR Can't assign hashslot ${SLOT} to a different node while I still hold keys for this hash slot.`),
    );
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7001', '', '0', '5000', 'REPLACE', 'KEYS', '{b}y'))).toEqual(ok);
    expect(json(at(B, 'CLUSTER', 'SETSLOT', `${SLOT}`, 'NODE', ID_B))).toEqual(ok);
    expect(json(at(A, 'CLUSTER', 'SETSLOT', `${SLOT}`, 'NODE', ID_B))).toEqual(ok);
    expect(json(at(B, 'MGET', '{b}x', '{b}y'))).toEqual({ type: 'array', value: [bulk('1'), bulk('2')] });
    expect(json(at(A, 'GET', '{b}x'))).toEqual(err(`MOVED ${SLOT} ${B}`));
    // C was never told: it still names A, and A names B.
    expect(json(at(C, 'GET', '{b}x'))).toEqual(err(`MOVED ${SLOT} ${A}`));
    const followed = send(session, C, ['GET', '{b}x'], { follow: true, nowMs: 0 });
    expect(followed.kind === 'reply' && followed.hops.map((h) => `${h.kind} ${h.address}`)).toEqual([`moved ${A}`, `moved ${B}`]);
  });

  it("MIGRATE reports the target's refusals: BUSYKEY without REPLACE, MOVED where the target does not import, SELECT of a db", () => {
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'SET', '{b}x', 'there'))).toEqual(ok);
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7001', '{b}x', '0', '5000'))).toEqual(
      err('ERR Target instance replied with error: BUSYKEY Target key name already exists.'),
    );
    expect(json(at(A, 'GET', '{b}x'))).toEqual(bulk('1'));
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7002', '{b}x', '0', '5000'))).toEqual(
      err(`ERR Target instance replied with error: MOVED ${SLOT} ${A}`),
    );
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7001', '{b}y', '3', '5000'))).toEqual(
      err('ERR Target instance replied with error: ERR SELECT is not allowed in cluster mode'),
    );
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7999', '{b}y', '0', '5000'))).toEqual(err('IOERR error or timeout connecting to the client'));
    // The RESTORE after the failed SELECT still ran (in db 0): the target has the key, the source kept it.
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'GET', '{b}y'))).toEqual(bulk('2'));
    expect(json(at(A, 'MIGRATE', '127.0.0.1', '7001', '{b}y', '0', '5000', 'COPY', 'REPLACE'))).toEqual(ok);
    expect(json(at(A, 'GET', '{b}y'))).toEqual(bulk('2'));
  });

  it('follows ASK like redis-cli -c: ASKING, then the command, at the target', () => {
    const sent = send(session, A, ['SET', '{b}new', 'v'], { follow: true, nowMs: 0 });
    session = sent.session;
    expect(sent.kind === 'reply' && [json(sent.reply), sent.address, sent.hops]).toEqual([ok, B, [{ kind: 'ask', slot: SLOT, address: B }]]);
    expect(json(at(B, 'ASKING'))).toEqual(ok);
    expect(json(at(B, 'GET', '{b}new'))).toEqual(bulk('v'));
  });
});

describe('replicas and CLUSTER SLOTS', () => {
  const REPLICA: NodeSpec = { address: '127.0.0.1:7003', id: 'f'.repeat(40), slots: [], replicaOf: ID_A };

  it('a replica answers MOVED to its primary, and serves reads to a READONLY connection', () => {
    session = newSession(buildCluster([...SPECS, REPLICA]));
    expect(json(at(A, 'SET', 'b', '1'))).toEqual(ok);
    expect(json(at(REPLICA.address, 'GET', 'b'))).toEqual(err(`MOVED ${keySlot('b')} ${A}`));
    expect(json(at(REPLICA.address, 'READONLY'))).toEqual(ok);
    expect(json(at(REPLICA.address, 'GET', 'b'))).toEqual(bulk('1'));
    expect(json(at(REPLICA.address, 'SET', 'b', '2'))).toEqual(err(`MOVED ${keySlot('b')} ${A}`));
  });

  it('lists ranges with [ip, port, id, {}] per node, the primary first', () => {
    session = newSession(buildCluster([...SPECS, REPLICA]));
    expect(encodeResp(at(C, 'CLUSTER', 'SLOTS')).split('\r\n').slice(0, 12)).toEqual([
      '*3', '*4', ':0', ':5460', '*4', '$9', '127.0.0.1', ':7000', '$40', ID_A, '*0', '*4',
    ]);
  });
});
