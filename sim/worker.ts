/** A sweep worker: runs jobs it is sent, one at a time, and posts each result back. */
import { parentPort } from 'node:worker_threads';
import { runJob, type Job } from './jobs.ts';

export type WorkerRequest = { readonly id: number; readonly job: Job };
export type WorkerResponse = { readonly id: number; readonly result?: ReturnType<typeof runJob>; readonly error?: string };

const port = parentPort;
if (!port) throw new Error('sim/worker.ts runs only as a worker thread');
port.on('message', (request: WorkerRequest) => {
  try {
    port.postMessage({ id: request.id, result: runJob(request.job) } satisfies WorkerResponse);
  } catch (e) {
    port.postMessage({ id: request.id, error: e instanceof Error ? e.message : String(e) } satisfies WorkerResponse);
  }
});
