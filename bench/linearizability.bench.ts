/**
 * Linearizability checker speed on histories of real concurrent executions (so they are
 * linearizable and the search has to find a witness, not just a first contradiction):
 *   (a) kv: 10,000 operations over 100 keys, 20 clients (target: under one second)
 *   (b) one register: 1,000 operations, 10 concurrent clients
 *   (c) the same register history with one read corrupted: not linearizable, explanation included
 *   (d), (e) kv and register histories of reads and writes only, every value written once: the
 *       unique-writes check decides them with no search; the same with the search alone
 *   (f) = (e) with a read in its second half made stale: not linearizable (verdict only: the
 *       explanation, which searches either way, would hide the difference)
 * Generated deterministically from fixed seeds; each is checked a few times and the best and
 * median wall times are printed, with the search steps (which do not vary between runs).
 */
import Table from 'cli-table3';
import { checkHistory, type CheckOptions } from '../checkers/linearizability/checker.ts';
import { corrupt } from '../checkers/linearizability/corrupt.ts';
import { executePlan, randomPlan } from '../checkers/linearizability/generate.ts';
import type { History } from '../checkers/linearizability/history.ts';

interface Case {
  readonly name: string;
  readonly history: History;
  readonly keys: number;
  readonly clients: number;
  readonly options?: CheckOptions;
}

const RUNS = 5;

function cases(): Case[] {
  const kvPlan = randomPlan({ operations: 10_000, clients: 20, keys: 100, seed: 'bench-kv', spread: 40, crashProbability: 0.01 });
  const registerPlan = randomPlan({
    operations: 1_000,
    clients: 10,
    keys: 1,
    seed: 'bench-register',
    spread: 20,
    crashProbability: 0.01,
    kinds: ['read', 'write', 'cas'],
  });
  const register = executePlan('register', registerPlan).history;
  // The same register history with the read at the middle changed to a value nobody wrote: the
  // search must rule out every order up to that read, then the explanation shrinks it.
  const reads = register.operations.flatMap((o, i) => (o.op === 'read' && o.return !== null ? [i] : []));
  const middle = reads[Math.floor(reads.length / 2)]!;
  const corrupted = { model: 'register', operations: register.operations.map((o, i) => (i === middle ? { ...o, output: 'never' } : o)) } as History;
  const readWrite = ['read', 'write'] as const;
  const uniqueKv = executePlan('kv', randomPlan({ operations: 10_000, clients: 20, keys: 100, seed: 'bench-kv', spread: 40, crashProbability: 0.01, kinds: readWrite }), 100).history;
  const uniqueRegister = executePlan(
    'register',
    randomPlan({ operations: 1_000, clients: 10, keys: 1, seed: 'bench-register', spread: 20, crashProbability: 0.01, kinds: readWrite }),
  ).history;
  // The first stale read in the second half of the history, as (c) corrupts one in the middle.
  const half = uniqueRegister.operations.length / 2;
  let stale = corrupt(uniqueRegister, 'stale', 0)!;
  for (let pick = 1; stale.culprit < half && pick < uniqueRegister.operations.length; pick++) stale = corrupt(uniqueRegister, 'stale', pick)!;
  const searchOnly: CheckOptions = { fastPath: false };
  return [
    { name: '(a) kv 10k ops', history: executePlan('kv', kvPlan, 100).history, keys: 100, clients: 20 },
    { name: '(b) register 1k ops', history: register, keys: 1, clients: 10 },
    { name: '(c) = (b), one read corrupted', history: corrupted, keys: 1, clients: 10 },
    { name: '(d) kv 10k reads/puts, unique writes', history: uniqueKv, keys: 100, clients: 20 },
    { name: '(d) the same, search only', history: uniqueKv, keys: 100, clients: 20, options: searchOnly },
    { name: '(e) register 1k reads/writes, unique', history: uniqueRegister, keys: 1, clients: 10 },
    { name: '(e) the same, search only', history: uniqueRegister, keys: 1, clients: 10, options: searchOnly },
    { name: '(f) = (e), one stale read', history: stale.history, keys: 1, clients: 10, options: { explain: false } },
    { name: '(f) the same, search only', history: stale.history, keys: 1, clients: 10, options: { explain: false, fastPath: false } },
  ];
}

/**
 * Mean number of operations in progress when one is called: how concurrent the history is.
 * Operations that never returned are left out (they would count as in flight forever).
 */
function meanConcurrency(h: History): number {
  const events: [number, number][] = [];
  for (const o of h.operations) {
    if (o.return === null) continue;
    events.push([o.call, 1]);
    events.push([o.return, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let open = 0;
  let sum = 0;
  let calls = 0;
  for (const [, delta] of events) {
    open += delta;
    if (delta === 1) {
      sum += open;
      calls++;
    }
  }
  return calls === 0 ? 0 : sum / calls;
}

export default async function bench(): Promise<void> {
  const table = new Table({ head: ['history', 'ops', 'keys', 'clients', 'mean in flight', 'verdict', 'steps', 'best ms', 'median ms'] });
  for (const c of cases()) {
    const times: number[] = [];
    let verdict = '';
    let steps = 0;
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now(); // determinism-ok: CLI wall-clock budget
      const result = checkHistory(c.history, c.options);
      times.push(performance.now() - t0); // determinism-ok: CLI wall-clock budget
      verdict = result.verdict;
      steps = result.steps;
    }
    times.sort((a, b) => a - b);
    table.push([
      c.name,
      c.history.operations.length,
      c.keys,
      c.clients,
      meanConcurrency(c.history).toFixed(1),
      verdict,
      steps,
      times[0]!.toFixed(1),
      times[Math.floor(RUNS / 2)]!.toFixed(1),
    ]);
    await Promise.resolve();
  }
  console.log(table.toString());
}
