/**
 * `--history FILE`: the run's client history in `npm run check`'s format, so a simulated run and
 * a history recorded from a real system go through the same checker. The key-value clients (the
 * Raft store's and the cluster's) write it; other protocols' clients record no history of this
 * model, and their file holds no operations.
 */
import { kvHistory, type KvHistory } from '../core/raft/client.ts';
import { writeOutputFile } from './command.ts';

/** Collects observations during a run; `history()` turns the clients' into a history. */
export function historyCollector(): { observe(node: string, observation: unknown): void; history(): KvHistory } {
  const observations: unknown[] = [];
  return {
    observe: (_node, observation) => void observations.push(observation),
    history: () => kvHistory(observations),
  };
}

/** Writes a history file whole or not at all (a temporary file, then a rename). */
export function writeHistory(path: string, history: KvHistory): void {
  writeOutputFile(path, `${JSON.stringify(history)}\n`, '--history');
}
