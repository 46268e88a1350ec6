/**
 * Known bugs of ISR replication that a run can switch on (`--bug NAME`), each with the one line
 * `--list-bugs` prints. They reach the protocols through their config, never through a global.
 */

export const ISR_BUGS = [
  {
    name: 'truncate-to-hw',
    description:
      'a replica truncates its log to its high watermark (at restart and when it starts following a new leader) instead of asking the leader where its epoch ended: the data loss KIP-101 fixed',
  },
  {
    name: 'unclean-election',
    description: 'unclean leader election left on: with no ISR member alive the controller elects an out-of-sync replica, and acknowledged writes vanish',
  },
  {
    name: 'ack-below-min-isr',
    description: 'the leader acknowledges acks=all writes while the ISR is smaller than min.insync.replicas (and accepts them at all)',
  },
  {
    name: 'hw-from-outside-isr',
    description: "a fetch from a follower outside the ISR advances the high watermark to that follower's offset, without waiting for the ISR",
  },
] as const satisfies readonly { readonly name: string; readonly description: string }[];

export type IsrBug = (typeof ISR_BUGS)[number]['name'];

export const ISR_BUG_NAMES: readonly IsrBug[] = ISR_BUGS.map((b) => b.name);

export function isIsrBug(name: string): name is IsrBug {
  return (ISR_BUG_NAMES as readonly string[]).includes(name);
}
