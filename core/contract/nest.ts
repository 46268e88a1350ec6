/**
 * One protocol inside another: Raft inside the cluster node, SWIM inside a broker. The inner
 * protocol keeps its own state, messages, timers and files, in a namespace of the outer's:
 *
 * - its timers are `NAME/timer` among the outer's timers (typed: `` `raft/${RaftTimer}` ``);
 * - its files are `NAME/file` on the outer's disk;
 * - its messages travel wrapped in the outer's (`wrap`), and the outer recognises them (`unwrap`);
 * - its observations surface only as the outer chooses (`surface`), and its replies go to the
 *   outer's own code, never to the kernel (the outer decides what its commands mean).
 *
 * The outer calls `step` from its own step with an input meant for the inner protocol, and the
 * translated effects land on the outer's effect list in order, so "persist before send" holds
 * across the boundary as it holds inside. A sink with a `reply` method gets the inner replies in
 * place too, between the effects around them (an outer that forwards some replies to the kernel,
 * or acts on one, keeps the order the inner protocol gave them).
 *
 * The prefixes can be set apart from the name (`timerPrefix`, `filePrefix`), down to none: the
 * compositions written before this combinator named their inner timers and files so (SWIM's
 * timers as `swim/tick` but its file as `swim`; Raft's timers and files as they are), and those
 * names enter the trace hash of every run. With an empty timer prefix `isTimer` says which of the
 * outer's timers are the inner protocol's.
 */
import type { DurableState, Effect, Env, Input, NodeId, Protocol } from './protocol.ts';
import { assert, assertNever } from './assert.ts';

export interface NestSpec<N extends string, IM, IO, OM, OO, P extends string = `${N}/`> {
  /** The namespace: timers and files of the inner protocol are prefixed with `NAME/` unless said otherwise. */
  readonly name: N;
  /** The inner timers' prefix among the outer's timers (default `NAME/`; may be empty, then `isTimer` is required). */
  readonly timerPrefix?: P;
  /** The inner files' prefix on the outer's disk (default `NAME/`; may be empty). */
  readonly filePrefix?: string;
  /** Whether a timer name, its prefix taken off, is one of the inner protocol's (default: every name under the prefix). */
  isTimer?(timer: string): boolean;
  wrap(message: IM): OM;
  /** The inner message an outer message carries, or undefined when it is not the inner protocol's. */
  unwrap(message: OM): IM | undefined;
  /** What an inner observation becomes for the outer's checkers, or undefined to keep it inside. */
  surface(observation: IO): OO | undefined;
}

export type NestedTimer<N extends string, T extends string> = `${N}/${T}`;
/** An inner timer as the outer names it: its prefix (`NAME/` by default) and the inner name. */
export type PrefixedTimer<P extends string, T extends string> = `${P}${T}`;

/** Where the translated effects go: the outer's own effect list (it takes them as its own). */
export interface EffectSink<OM, OO, T extends string, IR = never> {
  push(effect: Effect<OM, never, OO, T>): unknown;
  /** When present, the inner replies come here in place instead of in `step`'s result. */
  reply?(commandId: number, reply: IR): unknown;
}

export interface Nested<N extends string, IS, IM, IC, IR, IO, IT extends string, OM, OO, P extends string = `${N}/`> {
  readonly name: N;
  readonly protocol: Protocol<IS, IM, IC, IR, IO, IT>;
  init(self: NodeId, env: Env): IS;
  /**
   * Steps the inner protocol on `input` and appends its effects, translated, to `out`. Returns the
   * new inner state, and what the step replied (unless `out` took the replies) and observed (for
   * the outer's own logic).
   */
  step(
    state: IS,
    input: Input<IM, IC, IT>,
    env: Env,
    out: EffectSink<OM, OO, PrefixedTimer<P, IT>, IR>,
  ): { readonly state: IS; readonly replies: readonly { commandId: number; reply: IR }[]; readonly observations: readonly IO[] };
  /** The `start` input for the inner protocol: the outer's files under the namespace, without it. */
  start(durable: DurableState): Input<IM, IC, IT>;
  /** Whether an outer timer is the inner protocol's. */
  owns(timer: string): timer is PrefixedTimer<P, IT>;
  /** The inner timer an outer timer of the namespace names. */
  timer(timer: PrefixedTimer<P, IT>): IT;
  /** The inner message of an outer message, or undefined (`spec.unwrap`). */
  message(message: OM): IM | undefined;
}

export function nest<N extends string, IS, IM, IC, IR, IO, IT extends string, OM, OO, P extends string = `${N}/`>(
  protocol: Protocol<IS, IM, IC, IR, IO, IT>,
  spec: NestSpec<N, IM, IO, OM, OO, P>,
): Nested<N, IS, IM, IC, IR, IO, IT, OM, OO, P> {
  assert(!spec.name.includes('/'), `nest: the name ${JSON.stringify(spec.name)} must not contain '/'`);
  const timerPrefix: string = spec.timerPrefix ?? `${spec.name}/`;
  const filePrefix = spec.filePrefix ?? `${spec.name}/`;
  assert(timerPrefix !== '' || spec.isTimer !== undefined, `nest ${spec.name}: an empty timer prefix needs isTimer`);
  const isTimer = spec.isTimer ?? ((): boolean => true);
  const outerTimer = (t: IT): PrefixedTimer<P, IT> => `${timerPrefix}${t}` as PrefixedTimer<P, IT>;
  return {
    name: spec.name,
    protocol,
    init: (self, env) => protocol.init(self, env),
    step(state, input, env, out) {
      const r = protocol.step(state, input, env);
      const replies: { commandId: number; reply: IR }[] = [];
      const observations: IO[] = [];
      for (const e of r.effects) {
        switch (e.type) {
          case 'send':
            out.push({ type: 'send', to: e.to, message: spec.wrap(e.message) });
            break;
          case 'setTimer':
            out.push({ type: 'setTimer', timer: outerTimer(e.timer), afterMs: e.afterMs });
            break;
          case 'cancelTimer':
            out.push({ type: 'cancelTimer', timer: outerTimer(e.timer) });
            break;
          case 'persist':
            out.push(filePrefix === '' ? e : { type: 'persist', write: { ...e.write, file: filePrefix + e.write.file } });
            break;
          case 'reply':
            if (out.reply !== undefined) out.reply(e.commandId, e.reply);
            else replies.push({ commandId: e.commandId, reply: e.reply });
            break;
          case 'cover':
            out.push(e);
            break;
          case 'observe': {
            observations.push(e.observation);
            const surfaced = spec.surface(e.observation);
            if (surfaced !== undefined) out.push({ type: 'observe', observation: surfaced });
            break;
          }
          default:
            assertNever(e, `${spec.name} effect`);
        }
      }
      return { state: r.state, replies, observations };
    },
    start(durable) {
      if (filePrefix === '') return { type: 'start', durable };
      const files: Record<string, readonly string[]> = {};
      for (const name of Object.keys(durable).sort()) if (name.startsWith(filePrefix)) files[name.slice(filePrefix.length)] = durable[name]!;
      return { type: 'start', durable: files };
    },
    owns: (timer): timer is PrefixedTimer<P, IT> => timer.startsWith(timerPrefix) && isTimer(timer.slice(timerPrefix.length)),
    timer: (timer) => timer.slice(timerPrefix.length) as IT,
    message: (message) => spec.unwrap(message),
  };
}
