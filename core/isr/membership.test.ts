/**
 * SWIM nested into a host: timers renamed both ways, the host's own commands answered to nobody,
 * membership events handed back, and the group an ISR cluster forms.
 */
import { describe, expect, it } from 'vitest';
import type { Effect, Env } from '../contract/protocol.ts';
import { Stream } from '../contract/rng.ts';
import { resolveIsrOptions } from './config.ts';
import { SWIM_JOIN_COMMAND, isrSwimConfig, memberEvents, memberStatus, swimMember } from './membership.ts';

const opts = resolveIsrOptions({ controllers: ['k2', 'k1'], brokers: ['b2', 'b1', 'b3'], initialBrokers: ['b1', 'b2'] });

describe('SWIM inside an ISR server', () => {
  it('forms one group of controllers and brokers, bootstrapped by the controllers and the initial brokers', () => {
    const c = isrSwimConfig(opts);
    expect(c.universe).toEqual(['b1', 'b2', 'b3', 'k1', 'k2']);
    expect(c.seeds).toEqual(c.universe);
    expect(c.initialMembers).toEqual(['b1', 'b2', 'k1', 'k2']);
    expect(c.protocolPeriodMs).toBe(200);
  });

  it('renames timers both ways, drops its replies to the commands the host gave it, and hands back membership events', () => {
    const { member, config } = swimMember<never, never>(opts);
    const env: Env = { self: 'b3', nowMs: 0, rng: new Stream(1, 'node/b3') };
    const fx: Effect<unknown, unknown, unknown>[] = [];
    const out = { push: (e: Effect<unknown, unknown, unknown>) => fx.push(e) };
    let state = member.step(member.init('b3', env), member.start({}), env, out).state;
    expect(state.phase).toBe('idle'); // not an initial broker: waits for its join
    fx.length = 0;
    const joined = member.step(state, { type: 'command', commandId: SWIM_JOIN_COMMAND, command: { type: 'join' } }, env, out);
    state = joined.state;
    expect(fx.some((e) => e.type === 'reply')).toBe(false);
    expect(joined.replies.map((r) => r.commandId)).toEqual([SWIM_JOIN_COMMAND]);
    expect(fx.filter((e) => e.type === 'setTimer').map((e) => (e as { timer: string }).timer)).toEqual(['swim/tick']);
    fx.length = 0;
    expect(member.owns('swim/tick')).toBe(true);
    expect(member.owns('tick')).toBe(false);
    const r = member.step(state, { type: 'timer', timer: member.timer('swim/tick') }, env, out);
    expect(memberEvents(r.observations)).toEqual([]);
    expect(fx.filter((e) => e.type === 'send').length).toBeGreaterThan(0); // nobody known yet: joins to the seeds again
    expect(memberStatus(r.state, config.universe, 'b3')).toBe('alive');
    expect(memberStatus(r.state, config.universe, 'b1')).toBeNull();
    expect(memberStatus(r.state, config.universe, 'nobody')).toBeNull();
  });
});
