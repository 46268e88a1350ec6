/**
 * SWIM nested in a host protocol (core/contract/nest.ts), the one way the ISR servers and the
 * stemedb actors run it: SWIM's datagrams are the host's `Uint8Array` messages (the hosts' own
 * messages are plain objects), its observations pass as they are, its file keeps its name
 * (`swim`), and its timers run under `timerPrefix` (`''` keeps SWIM's own names, told apart from
 * the host's by isSwimTimer). The replies to the commands a host gives it stay with the host.
 */
import { nest, type Nested } from '../contract/nest.ts';
import type { SwimConfig } from './config.ts';
import { swim } from './node.ts';
import { isSwimTimer, type SwimCommand, type SwimObservation, type SwimReply, type SwimState, type SwimTimer } from './types.ts';

/** SWIM nested in a host whose own messages are `M` and observations `O`, its timers under `P`. */
export type NestedSwim<M, O, P extends string> = Nested<'swim', SwimState, Uint8Array, SwimCommand, SwimReply, SwimObservation, SwimTimer, Uint8Array | M, SwimObservation | O, P>;

export function nestSwim<M, O, P extends string>(config: SwimConfig, timerPrefix: P): NestedSwim<M, O, P> {
  return nest(swim(config), {
    name: 'swim',
    timerPrefix,
    filePrefix: '',
    isTimer: isSwimTimer,
    wrap: (message): Uint8Array | M => message,
    unwrap: (message: Uint8Array | M) => (message instanceof Uint8Array ? message : undefined),
    surface: (observation): SwimObservation | O => observation,
  });
}
