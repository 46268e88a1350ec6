/** A sweep worker: runs jobs it is sent, one at a time, and posts each result back. */
import { parentPort } from 'node:worker_threads';
import { runJobWithMetrics, type Job, type JobResult } from './jobs.ts';

export type WorkerRequest = { readonly id: number; readonly job: Job };
export type WorkerResponse = { readonly id: number; readonly result?: JobResult; readonly error?: string };

const port = parentPort;
if (!port) throw new Error('cli/worker.ts runs only as a worker thread');
port.on('message', (request: WorkerRequest) => {
  runJobWithMetrics(request.job).then(
    (result) => port.postMessage({ id: request.id, result } satisfies WorkerResponse),
    (e: unknown) => port.postMessage({ id: request.id, error: e instanceof Error ? e.message : String(e) } satisfies WorkerResponse),
  );
});
