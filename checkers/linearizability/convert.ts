/**
 * Converters from Jepsen-style histories to our history shape, so histories recorded from real
 * systems can be checked: Knossos' cas-register, mutex and multi-register, Porcupine's etcd and kv
 * logs. Each follows the semantics of the checker the data came with; they differ on purpose (see
 * docs/linearizability.md):
 *
 * - Knossos (`:invoke` then `:ok` / `:fail` / `:info` per process): `:fail` means the operation
 *   definitely did not happen, so it is dropped; `:info` (or no completion) means it may have
 *   happened once at any time after its call, or never: `return: null`.
 * - Porcupine's etcd logs (Jepsen 0.0.x): a failed cas is a definite operation that saw a value
 *   other than `from` (output false); `:info ... :timed-out` never returned (`return: null`).
 *
 * In both, a read whose result is unknown (`:fail :read :timed-out`, an `:info` read, Knossos'
 * `:ok` read of nil) constrains nothing and is dropped: it can always be linearized and changes
 * no state. Times are positions in the log (the logs are in real-time order and carry no clock).
 * Errors are thrown as ConvertError with the 1-based line or 0-based op number.
 */
import type { History, KvOperation, MicroOp, MultiRegisterOperation, MutexOperation, RegisterOperation } from './history.ts';

export class ConvertError extends Error {
  override readonly name = 'ConvertError';
}

type Completion = 'ok' | 'fail' | 'info';

interface Pending {
  readonly time: number;
  readonly f: string;
  readonly value: unknown;
  readonly key?: string;
}

/** A client id for the operations that set up an initial value. */
const INIT_CLIENT = 'init';

/** One Knossos operation: its invocation and how it completed (:fail ones are dropped before this). */
interface KnossosPair {
  readonly proc: number;
  readonly open: Pending;
  /** Position of the :ok completion, or null for :info or no completion. */
  readonly ret: number | null;
  /** The :ok completion's value (it replaces the invocation's), else the invocation's. */
  readonly value: unknown;
  readonly where: number;
}

/**
 * Pairs each process's :invoke with its next completion, in log order (the position is the time).
 * :fail ops definitely did not happen and are dropped; :info or no completion: return null.
 * Non-integer processes (`nemesis`) are not clients and are skipped.
 */
function knossosPairs(ops: readonly unknown[]): KnossosPair[] {
  const pairs: KnossosPair[] = [];
  const pending = new Map<number, Pending>();
  ops.forEach((raw, time) => {
    const o = raw as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw new ConvertError(`op ${time}: not an object`);
    const process = o['process'];
    if (!Number.isInteger(process)) return;
    const proc = process as number;
    const type = o['type'];
    const f = String(o['f']);
    if (type === 'invoke') {
      if (pending.has(proc)) throw new ConvertError(`op ${time}: process ${proc} invokes while another of its ops is open`);
      pending.set(proc, { time, f, value: o['value'] });
      return;
    }
    if (type !== 'ok' && type !== 'fail' && type !== 'info') throw new ConvertError(`op ${time}: unknown type ${String(type)}`);
    const open = pending.get(proc);
    if (open === undefined) throw new ConvertError(`op ${time}: process ${proc} completes an op it never invoked`);
    pending.delete(proc);
    if (type === 'fail') return; // Knossos: a failed op definitely did not happen.
    pairs.push({ proc, open, ret: type === 'ok' ? time : null, value: type === 'ok' ? o['value'] : open.value, where: time });
  });
  for (const [proc, open] of [...pending.entries()].sort((a, b) => a[1].time - b[1].time)) {
    pairs.push({ proc, open, ret: null, value: open.value, where: open.time });
  }
  return pairs;
}

/**
 * Knossos / Jepsen JSON ops: `{process, type: invoke|ok|fail|info, f: read|write|cas, value}`.
 * `initial`: the register's initial value (Knossos' `(cas-register 0)` is "0"); null = never written.
 */
export function fromKnossosOps(ops: readonly unknown[], options: { readonly initial: string | null }): History {
  const operations: RegisterOperation[] = [];
  if (options.initial !== null) {
    operations.push({ client: INIT_CLIENT, call: -2, return: -1, op: 'write', value: options.initial });
  }
  for (const p of knossosPairs(ops)) {
    const op = registerOp(p.proc, p.open, p.ret, p.value, 'knossos', p.where);
    if (op !== null) operations.push(op);
  }
  return { model: 'register', operations: sortByCall(operations) };
}

/** Knossos' mutex (`:acquire` / `:release`, no values), initially free, as our mutex model is. */
export function fromKnossosMutexOps(ops: readonly unknown[]): History {
  const operations: MutexOperation[] = knossosPairs(ops).map((p) => {
    if (p.open.f !== 'acquire' && p.open.f !== 'release') throw new ConvertError(`op ${p.where}: unsupported :f ${p.open.f} for a mutex`);
    return { client: p.proc, call: p.open.time, return: p.ret, op: p.open.f };
  });
  return { model: 'mutex', operations: sortByCall(operations) };
}

/**
 * Knossos' multi-register: `:f :txn` with a value of `[f k v]` micro-ops. Knossos accepts a read of
 * nil in any state, so such a read (and every read of a txn that never returned) becomes
 * `["read", k]`, whose value is unknown. `initial` maps keys to their first values (`{x: 0, y: 0}`),
 * written by one txn before anything else.
 */
export function fromKnossosMultiRegisterOps(ops: readonly unknown[], options: { readonly initial: Readonly<Record<string, unknown>> }): History {
  const operations: MultiRegisterOperation[] = [];
  const initial = Object.keys(options.initial)
    .sort()
    .map((k): MicroOp => ['write', k, scalar(options.initial[k], -1)]);
  if (initial.length > 0) operations.push({ client: INIT_CLIENT, call: -2, return: -1, op: 'txn', value: initial });
  for (const p of knossosPairs(ops)) {
    if (p.open.f !== 'txn') throw new ConvertError(`op ${p.where}: unsupported :f ${p.open.f} for a multi-register`);
    if (!Array.isArray(p.value)) throw new ConvertError(`op ${p.where}: a txn's value must be a list of [f k v]`);
    const value = p.value.map((m: unknown): MicroOp => {
      if (!Array.isArray(m) || m.length !== 3) throw new ConvertError(`op ${p.where}: a micro-op must be [f k v], got ${JSON.stringify(m)}`);
      const [f, k, v] = m as unknown[];
      const key = scalar(k, p.where);
      if (f === 'write') return ['write', key, scalar(v, p.where)];
      if (f !== 'read') throw new ConvertError(`op ${p.where}: unsupported micro-op ${JSON.stringify(f)}`);
      return p.ret === null || v === null || v === undefined ? ['read', key] : ['read', key, scalar(v, p.where)];
    });
    operations.push({ client: p.proc, call: p.open.time, return: p.ret, op: 'txn', value });
  }
  return { model: 'multi-register', operations: sortByCall(operations) };
}

/**
 * Porcupine's `jepsen/etcd_NNN.log`: lines `INFO  jepsen.util - <proc>\t:<type>\t:<f>\t<value>`.
 * The register starts as nil (never written), as in Porcupine's test.
 */
export function fromPorcupineEtcdLog(text: string): History {
  const operations: RegisterOperation[] = [];
  const pending = new Map<number, Pending>();
  const lines = text.split('\n');
  lines.forEach((line, time) => {
    if (line.trim() === '') return;
    const m = /jepsen\.util - (\d+)\s+:(\w+)\s+:(\w+)\s*(.*)$/.exec(line);
    if (m === null) throw new ConvertError(`line ${time + 1}: not a Jepsen op line: ${line.slice(0, 60)}`);
    const proc = Number(m[1]);
    const type = m[2]!;
    const f = m[3]!;
    const value = parseEdnScalar(m[4]!.trim(), time + 1);
    if (type === 'invoke') {
      if (pending.has(proc)) throw new ConvertError(`line ${time + 1}: process ${proc} invokes while another of its ops is open`);
      pending.set(proc, { time, f, value });
      return;
    }
    const open = pending.get(proc);
    if (open === undefined) throw new ConvertError(`line ${time + 1}: process ${proc} completes an op it never invoked`);
    pending.delete(proc);
    let op: RegisterOperation | null;
    switch (type as Completion) {
      case 'ok':
        op = registerOp(proc, open, time, value, 'porcupine', time);
        break;
      case 'fail':
        // Porcupine: a failed cas saw a value other than `from`; a failed (timed-out) read is unknown.
        op = open.f === 'cas' ? { ...casBody(open.value, time), client: proc, call: open.time, return: time, output: false } : null;
        break;
      case 'info':
        op = registerOp(proc, open, null, open.value, 'porcupine', time);
        break;
      default:
        throw new ConvertError(`line ${time + 1}: unknown type :${type}`);
    }
    if (op !== null) operations.push(op);
  });
  for (const [proc, open] of pending) {
    const op = registerOp(proc, open, null, open.value, 'porcupine', open.time);
    if (op !== null) operations.push(op);
  }
  return { model: 'register', operations: sortByCall(operations) };
}

/**
 * Porcupine's `kv/cNN-*.txt`: one EDN map per line,
 * `{:process 3, :type :invoke, :f :append, :key "7", :value "x 3 12 y"}`. Porcupine's kv model
 * starts every key at "" where ours starts at null, so each key first gets a `put ""` that
 * returns before anything else is called.
 */
export function fromPorcupineKvLog(text: string): History {
  const operations: KvOperation[] = [];
  const pending = new Map<number, Pending>();
  const keys = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, time) => {
    if (line.trim() === '') return;
    const m = /^\{:process (\d+), :type :(\w+), :f :(\w+), :key "((?:[^"\\]|\\.)*)", :value (nil|"(?:[^"\\]|\\.)*")\}\s*$/.exec(line);
    if (m === null) throw new ConvertError(`line ${time + 1}: not a kv op map: ${line.slice(0, 60)}`);
    const proc = Number(m[1]);
    const type = m[2]!;
    const f = m[3]!;
    const key = JSON.parse(`"${m[4]!}"`) as string;
    const value = m[5] === 'nil' ? null : (JSON.parse(m[5]!) as string);
    keys.add(key);
    if (type === 'invoke') {
      if (pending.has(proc)) throw new ConvertError(`line ${time + 1}: process ${proc} invokes while another of its ops is open`);
      pending.set(proc, { time, f, value, key });
      return;
    }
    if (type !== 'ok') throw new ConvertError(`line ${time + 1}: unsupported type :${type} (only :invoke and :ok occur in these logs)`);
    const open = pending.get(proc);
    if (open === undefined) throw new ConvertError(`line ${time + 1}: process ${proc} completes an op it never invoked`);
    pending.delete(proc);
    operations.push(kvOp(proc, open, time, value, time + 1));
  });
  for (const [proc, open] of pending) operations.push(kvOp(proc, open, null, null, open.time + 1));
  const init: KvOperation[] = [...keys].sort().map((key, k) => ({
    client: INIT_CLIENT,
    call: k - keys.size - 1,
    return: k - keys.size - 1,
    key,
    op: 'put',
    value: '',
  }));
  return { model: 'kv', operations: [...init, ...sortByCall(operations)] };
}

function kvOp(proc: number, open: Pending, ret: number | null, output: string | null, line: number): KvOperation {
  const key = open.key ?? '';
  const timing = { client: proc, call: open.time, return: ret };
  switch (open.f) {
    case 'get':
      return ret === null ? { ...timing, key, op: 'get' } : { ...timing, key, op: 'get', output };
    case 'put':
    case 'append':
      if (typeof open.value !== 'string') throw new ConvertError(`line ${line}: :${open.f} without a string value`);
      return { ...timing, key, op: open.f, value: open.value };
    default:
      throw new ConvertError(`line ${line}: unsupported :f :${open.f}`);
  }
}

/** A register op from an invocation and its completion, or null for a read that constrains nothing. */
function registerOp(
  proc: number,
  open: Pending,
  ret: number | null,
  value: unknown,
  flavour: 'knossos' | 'porcupine',
  where: number,
): RegisterOperation | null {
  const timing = { client: proc, call: open.time, return: ret };
  switch (open.f) {
    case 'read': {
      if (ret === null) return null;
      if (value === null || value === undefined) {
        // Knossos' model accepts a read of nil in any state; Porcupine's nil means "never written".
        return flavour === 'knossos' ? null : { ...timing, op: 'read', output: null };
      }
      return { ...timing, op: 'read', output: scalar(value, where) };
    }
    case 'write':
      return { ...timing, op: 'write', value: scalar(value, where) };
    case 'cas': {
      const body = casBody(value, where);
      return ret === null ? { ...timing, ...body } : { ...timing, ...body, output: true };
    }
    default:
      throw new ConvertError(`op ${where}: unsupported :f ${open.f} for a cas register`);
  }
}

function casBody(value: unknown, where: number): { op: 'cas'; expected: string; value: string } {
  if (!Array.isArray(value) || value.length !== 2) throw new ConvertError(`op ${where}: cas value must be [from to]`);
  return { op: 'cas', expected: scalar(value[0], where), value: scalar(value[1], where) };
}

function scalar(v: unknown, where: number): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  throw new ConvertError(`op ${where}: expected a number or string value, got ${JSON.stringify(v)}`);
}

/** The few EDN values of Jepsen 0.0.x log lines: nil, integers, keywords, [a b] vectors. */
function parseEdnScalar(text: string, line: number): unknown {
  if (text === '' || text === 'nil') return null;
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text.startsWith(':')) return text;
  const vec = /^\[\s*(-?\d+|nil)\s+(-?\d+|nil)\s*\]$/.exec(text);
  if (vec !== null) return [vec[1] === 'nil' ? null : Number(vec[1]), vec[2] === 'nil' ? null : Number(vec[2])];
  throw new ConvertError(`line ${line}: unsupported value ${text}`);
}

function sortByCall<T extends { readonly call: number }>(ops: T[]): T[] {
  return ops.map((o, i) => ({ o, i })).sort((a, b) => a.o.call - b.o.call || a.i - b.i).map(({ o }) => o);
}
