/**
 * A fixed pool of worker threads running jobs. Results come back keyed by job, so the order
 * workers finish in never shows in the output.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compiledEntry } from './compiled.ts';
import type { Job, JobResult } from './jobs.ts';
import type { WorkerRequest, WorkerResponse } from './worker.ts';

/**
 * What a worker runs: the cached compiled bundle of worker.ts (it starts in a fraction of a
 * second), or worker.mjs, which loads the TypeScript through tsx, when there is no bundle.
 */
function workerScript(): URL | string {
  return compiledEntry(join(import.meta.dirname, 'worker.ts')) ?? new URL('./worker.mjs', import.meta.url);
}

interface Pending {
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: Error) => void;
}

class PoolWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  busy = 0;

  constructor() {
    this.worker = new Worker(workerScript());
    this.worker.on('message', (m: WorkerResponse) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.busy--;
      if (m.result) p.resolve(m.result);
      else p.reject(new Error(m.error ?? 'worker failed'));
    });
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  run(job: Job): Promise<JobResult> {
    const id = this.nextId++;
    this.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, job } satisfies WorkerRequest);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class WorkerPool {
  private readonly workers: PoolWorker[];

  constructor(size: number) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => new PoolWorker());
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs every job, at most one per worker at a time; returns results in job order with the worker each ran on. */
  async runAll(jobs: readonly Job[], onDone?: (index: number, result: JobResult) => void): Promise<{ result: JobResult; worker: number }[]> {
    const out: { result: JobResult; worker: number }[] = new Array(jobs.length);
    let next = 0;
    const lane = async (w: number) => {
      while (next < jobs.length) {
        const index = next++;
        const result = await this.workers[w]!.run(jobs[index]!);
        out[index] = { result, worker: w };
        onDone?.(index, result);
      }
    };
    await Promise.all(this.workers.map((_, w) => lane(w)));
    return out;
  }

  runOn(worker: number, job: Job): Promise<JobResult> {
    return this.workers[worker % this.workers.length]!.run(job);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
