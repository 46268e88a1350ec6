/**
 * Node addresses: the client port clients connect to, and the cluster bus port nodes gossip on.
 * Redis Cluster specification, "Cluster bus": the bus port is by default the client port + 10000.
 * CLUSTER NODES prints them as `ip:port@cport`.
 */

/** Offset of the bus port from the client port, unless given explicitly (Redis: CLUSTER_PORT_INCR). */
export const CLUSTER_PORT_INCR = 10000;

export interface NodeAddress {
  readonly host: string;
  readonly port: number;
  readonly busPort: number;
}

export function nodeAddress(host: string, port: number, busPort = port + CLUSTER_PORT_INCR): NodeAddress {
  if (!isValidPort(port)) throw new RangeError(`invalid port ${port}`);
  if (!isValidPort(busPort)) throw new RangeError(`invalid bus port ${busPort}`);
  return { host, port, busPort };
}

/** "host:port", the form of a seed address or a MOVED redirect. */
export function formatAddress(address: NodeAddress): string {
  return `${address.host}:${address.port}`;
}

/** "host:port@busport", the second field of a CLUSTER NODES line. */
export function formatNodesAddress(address: NodeAddress): string {
  return `${address.host}:${address.port}@${address.busPort}`;
}

/**
 * Parses "host:port" or "host:port@busport" (the port is the text after the LAST colon, so an
 * unbracketed IPv6 address such as "::1:6379" works as Redis prints it). Null when malformed.
 */
export function parseAddress(text: string): NodeAddress | null {
  const at = text.indexOf('@');
  const hostPort = at === -1 ? text : text.slice(0, at);
  const colon = hostPort.lastIndexOf(':');
  if (colon <= 0) return null;
  const host = hostPort.slice(0, colon);
  const port = parsePort(hostPort.slice(colon + 1));
  const busPort = at === -1 ? (port === null ? null : port + CLUSTER_PORT_INCR) : parsePort(text.slice(at + 1));
  if (port === null || busPort === null || !isValidPort(busPort)) return null;
  return { host, port, busPort };
}

/** 1..65535: Redis refuses port 0 in CLUSTER MEET ("Port sanity check" in clusterStartHandshake). */
export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port <= 65535;
}

function parsePort(text: string): number | null {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return null;
  const port = Number(text);
  return isValidPort(port) ? port : null;
}

/**
 * True for an IPv4 dotted quad or an IPv6 address, as inet_pton(3) accepts them; CLUSTER MEET
 * takes only IP literals, never host names ("Invalid node address specified" otherwise).
 */
export function isValidIp(host: string): boolean {
  return isIpv4(host) || isIpv6(host);
}

/** Four decimal octets 0..255 without leading zeros (glibc's inet_pton rejects "01"). */
function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** Eight groups of 1-4 hex digits, "::" standing for one or more zero groups (at most once), optionally ending in an IPv4 quad. */
function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | null => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return false;
  const groups = [...head, ...tail];
  let width = groups.length;
  const last = groups[groups.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIpv4(last)) return false;
    groups.pop();
    width += 1; // an embedded IPv4 address fills two groups
  }
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? width < 8 : width === 8;
}
