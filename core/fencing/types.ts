/**
 * Types of the amaters fencing model: leaders (a Raft group: core/raft elects them), storage
 * nodes that check fencing tokens, and clients. Everything is plain JSON.
 */
import type { NodeId } from '../contract/protocol.ts';
import type { RaftCommand, RaftMessage, RaftObservation, RaftReply, RaftState } from '../raft/index.ts';

export type FencingBug = 'per-client-tokens';

export const FENCING_BUGS: readonly { readonly name: FencingBug; readonly description: string }[] = [
  {
    name: 'per-client-tokens',
    description: "storage compares a write's token only with the tokens of the same writer: a deposed leader's old token passes after its successor's newer one",
  },
];

export function isFencingBug(name: string): name is FencingBug {
  return FENCING_BUGS.some((b) => b.name === name);
}

/** The Raft state machine of the leader group: empty (Raft only elects; the data lives on the storage nodes). */
export type NoMachine = Record<string, never>;

export type FenceMessage =
  /** Client -> leader. */
  | { readonly type: 'write'; readonly opId: number; readonly key: string; readonly value: string }
  | { readonly type: 'writeResult'; readonly opId: number; readonly outcome: WriteOutcome }
  /** Leader -> storage: a write fenced by the leader's token. */
  | { readonly type: 'store'; readonly token: number; readonly key: string; readonly value: string }
  /** Storage -> leader. `maxToken` is the highest token the storage had accepted when it answered. */
  | { readonly type: 'storeResult'; readonly token: number; readonly accepted: boolean; readonly maxToken: number };

export type WriteOutcome =
  | { readonly type: 'ok'; readonly token: number }
  | { readonly type: 'notLeader'; readonly hint: NodeId | null }
  /** The storage refused the token (a newer one exists), or the write timed out: try again. */
  | { readonly type: 'failed'; readonly reason: 'fenced' | 'rejected' | 'timeout' };

export type LeaderMessage = RaftMessage<never, never, null> | FenceMessage;

export interface PendingWrite {
  readonly token: number;
  readonly client: NodeId;
  readonly opId: number;
  readonly key: string;
  readonly value: string;
  /** Storage node -> its answer. */
  answers: Record<NodeId, 'accepted' | 'rejected'>;
  attempts: number;
}

export interface FenceLeaderState {
  raft: RaftState<NoMachine, never, never>;
  /** The term this node last led as a writer (0: never), and the sequence number of the last token it handed out in it. */
  writerTerm: number;
  lastSeq: number;
  /** A storage node showed a token of a later term: this node writes nothing more in terms up to this one. */
  fencedTerm: number;
  /** Writes waiting for the storage nodes, by token. */
  writes: Record<string, PendingWrite>;
}

export interface StorageState {
  /** The highest token accepted. */
  maxToken: number;
  /** Per writer, the highest token accepted from it (all that the 'per-client-tokens' bug looks at). */
  maxByWriter: Record<NodeId, number>;
  data: Record<string, { readonly value: string; readonly token: number }>;
}

export interface FenceClientState {
  /** Index of the operation in progress (or next); ops are numbered from 1. */
  opId: number;
  attempt: number;
  target: NodeId;
  waiting: boolean;
  done: boolean;
  succeeded: number;
  gaveUp: number;
}

export type FenceObservation =
  /** A leader handed out a token for a client's write. */
  | { readonly type: 'issued'; readonly token: number; readonly term: number; readonly client: NodeId; readonly opId: number }
  /** A leader learned from storage that a later term's token exists. */
  | { readonly type: 'fenced'; readonly token: number; readonly by: number }
  /** A storage node accepted a write (after persisting it). */
  | { readonly type: 'accepted'; readonly token: number; readonly writer: NodeId; readonly key: string }
  /** A storage node refused a write: `seen` is the token it compared with. */
  | { readonly type: 'rejected'; readonly token: number; readonly writer: NodeId; readonly seen: number }
  | { readonly type: 'role'; readonly role: 'storage' | 'client' };

export type LeaderObservation = RaftObservation | FenceObservation;
export type LeaderCommand = RaftCommand<never>;
export type LeaderReply = RaftReply<null>;
