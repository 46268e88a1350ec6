/**
 * Raft's options: the defaults, and the checks a configuration must pass before any server runs.
 */
import { bugFlags } from './bugs.ts';
import { sortedIds } from './log.ts';
import type { RaftConfig, RaftOptions } from './types.ts';

/** Defaults as in rivven-cluster: 150–300 ms election timeout, 50 ms heartbeat. */
export const RAFT_DEFAULTS: Omit<RaftOptions, 'voters'> = {
  electionTimeoutMinMs: 150,
  electionTimeoutMaxMs: 300,
  heartbeatIntervalMs: 50,
  preVote: true,
  checkQuorum: true,
  snapshotEveryEntries: 200,
  maxEntriesPerMessage: 64,
  transferTimeoutMs: 300,
  bugs: [],
};

/** Fill in defaults and check the options; throws on a bad value, naming it. */
export function resolveRaftOptions(config: RaftConfig): RaftOptions {
  const o: RaftOptions = { ...RAFT_DEFAULTS, ...config, voters: sortedIds(config.voters) };
  const positive = (name: keyof RaftOptions, v: number): void => {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`raft: ${name} must be positive, got ${v}`);
  };
  if (o.voters.length === 0) throw new Error('raft: voters must not be empty');
  if (o.voters.length !== config.voters.length) throw new Error('raft: voters must be distinct');
  positive('electionTimeoutMinMs', o.electionTimeoutMinMs);
  positive('heartbeatIntervalMs', o.heartbeatIntervalMs);
  positive('transferTimeoutMs', o.transferTimeoutMs);
  if (o.electionTimeoutMaxMs < o.electionTimeoutMinMs) throw new Error('raft: electionTimeoutMaxMs < electionTimeoutMinMs');
  if (o.heartbeatIntervalMs >= o.electionTimeoutMinMs) throw new Error('raft: heartbeatIntervalMs must be below electionTimeoutMinMs');
  if (!Number.isInteger(o.snapshotEveryEntries) || o.snapshotEveryEntries < 0) throw new Error('raft: snapshotEveryEntries must be an integer >= 0');
  if (!Number.isInteger(o.maxEntriesPerMessage) || o.maxEntriesPerMessage < 1) throw new Error('raft: maxEntriesPerMessage must be an integer >= 1');
  bugFlags(o.bugs);
  return o;
}
