/**
 * A client of the modelled cluster, as redis-cli is: one connection per node (its ASKING and
 * READONLY flags persist between commands), and with `follow` the behaviour of `redis-cli -c`:
 * on MOVED reissue the command at the named node, on ASK send ASKING there first, up to
 * MAX_REDIRECTS hops (then the last redirection is the reply).
 */
import type { Reply } from '../cluster/resp.ts';
import { type RedisClusterModel, commandAt, nodeIndexAt } from './cluster.ts';
import { type Connection, NEW_CONNECTION } from './node.ts';

export const MAX_REDIRECTS = 16;

export interface ClientSession {
  readonly cluster: RedisClusterModel;
  readonly connections: Readonly<Record<string, Connection>>;
}

export interface Hop {
  readonly kind: 'moved' | 'ask';
  readonly slot: number;
  readonly address: string;
}

export type Sent =
  | { readonly kind: 'reply'; readonly session: ClientSession; readonly reply: Reply; readonly address: string; readonly hops: readonly Hop[] }
  /** A redirection named a node nobody runs: redis-cli's "Could not connect". */
  | { readonly kind: 'unreachable'; readonly session: ClientSession; readonly address: string; readonly hops: readonly Hop[] };

export function newSession(cluster: RedisClusterModel): ClientSession {
  return { cluster, connections: {} };
}

export interface SendOptions {
  readonly follow: boolean;
  readonly nowMs: number;
}

export function send(session: ClientSession, address: string, argv: readonly string[], options: SendOptions): Sent {
  let current = session;
  let at = address;
  const hops: Hop[] = [];
  let asking = false;
  for (;;) {
    if (nodeIndexAt(current.cluster, at) < 0) return { kind: 'unreachable', session: current, address: at, hops };
    if (asking) current = once(current, at, ['ASKING'], options.nowMs).session;
    const answered = once(current, at, argv, options.nowMs);
    current = answered.session;
    const hop = options.follow ? redirectOf(answered.reply) : null;
    if (hop === null || hops.length >= MAX_REDIRECTS) return { kind: 'reply', session: current, reply: answered.reply, address: at, hops };
    hops.push(hop);
    at = hop.address;
    asking = hop.kind === 'ask';
  }
}

function once(session: ClientSession, address: string, argv: readonly string[], nowMs: number): { session: ClientSession; reply: Reply } {
  const connection = Object.hasOwn(session.connections, address) ? session.connections[address]! : NEW_CONNECTION;
  const answered = commandAt(session.cluster, address, connection, argv, { nowMs });
  return {
    session: { cluster: answered.cluster, connections: { ...session.connections, [address]: answered.connection } },
    reply: answered.reply,
  };
}

/** "MOVED 3999 127.0.0.1:7002" / "ASK ..." as a hop, else null. */
export function redirectOf(reply: Reply): Hop | null {
  if (reply.type !== 'error') return null;
  const match = /^(MOVED|ASK) ([0-9]+) (\S+)$/.exec(reply.message);
  if (match === null) return null;
  return { kind: match[1] === 'MOVED' ? 'moved' : 'ask', slot: Number(match[2]), address: match[3]! };
}
