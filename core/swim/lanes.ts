/**
 * What a SWIM member declares for the HTML report (`Protocol.lanes`, `Protocol.describeMessage`):
 * its phase and incarnation, its Lifeguard health, and its view of every other member (alive,
 * suspect, dead, left), which the report draws under each member's lane as the others saw it; and
 * its sealed datagrams decoded (wire.ts), with whether their MAC checks. Read by reports only,
 * never by the kernel: these change no run.
 */
import type { LaneView, MessageDescription, PeerStatus } from '../contract/report.ts';
import { unseal } from './auth.ts';
import type { Swim } from './context.ts';
import { entryStatus, type SwimState } from './types.ts';
import { decode, describeDecodeError, type Update } from './wire.ts';

export function swimLanes(sw: Swim, s: SwimState): LaneView {
  if (s.phase === 'idle' && s.view.length === 0) return {};
  const peers: Record<string, PeerStatus> = {};
  s.view.forEach((entry, i) => {
    const id = sw.universe[i];
    const status = entryStatus(entry);
    if (id === undefined || status === null) return;
    peers[id] = status;
  });
  return {
    role: s.phase,
    epoch: { name: 'incarnation', value: s.incarnation },
    facts: [{ name: 'health', value: s.awareness > 0 ? `awareness ${s.awareness}` : '', tone: 'warn' }],
    peers,
  };
}

function updateText(u: Update): string {
  return `${u.node} ${u.kind} i${u.incarnation}${u.kind === 'suspect' || u.kind === 'dead' ? ` by ${u.from}` : ''}`;
}

/** A sealed datagram as fields: the header, the body, the updates it carries, and whether its MAC is good. */
export function describeSwimMessage(sw: Swim, bytes: Uint8Array): MessageDescription {
  if (!(bytes instanceof Uint8Array)) return { label: 'not bytes' };
  const checked = unseal(sw.key, bytes);
  const opened = checked.ok ? checked : unseal(sw.key, bytes, false);
  if (!opened.ok) return { label: 'garbage (shorter than a MAC)', detail: { bytes: bytes.length } };
  const mac = checked.ok ? 'ok' : 'BAD (forged or tampered)';
  const decoded = decode(opened.payload);
  if (!decoded.ok) return { label: `undecodable: ${describeDecodeError(decoded.error)}`, detail: { bytes: bytes.length, mac, error: decoded.error } };
  const m = decoded.value;
  const updates = 'updates' in m ? m.updates.map(updateText) : [];
  const news = updates.filter((u) => !/ alive /.test(u));
  const what = m.type === 'ping-req' ? `ping-req ${m.target} #${m.probe}` : m.type === 'sync' ? `sync${m.reply ? ' (reply wanted)' : ''}` : `${m.type} #${m.probe}`;
  const label = `${what}${news.length > 0 ? ` [${news.slice(0, 2).join('; ')}${news.length > 2 ? '; …' : ''}]` : ''}${checked.ok ? '' : ' BAD MAC'}`;
  return { label, detail: { ...m, updates, mac, bytes: bytes.length } };
}
