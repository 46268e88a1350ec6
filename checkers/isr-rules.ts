/**
 * ISR replication's rules checked at every event, not only where a record is acknowledged or a HW
 * observed (core/isr/README.md; Kafka's replica manager):
 *
 *   hw-within-log        a replica's high watermark never runs past its own log (a follower's HW
 *                        is min(the leader's HW, its own LEO))
 *   isr-holds-hw         every member of a leader's ISR holds the leader's records below the HW,
 *                        at every moment, also right after the ISR grew
 *   isr-shrinks-in-time  a follower out of date (behind the leader's LEO, not caught up within
 *                        replica.lag.time.max) is asked out of the ISR within a few of the
 *                        leader's ticks (when no ISR change is in flight and the leader runs)
 *
 * With unclean elections allowed as an option, partitions that had one are skipped, as the other
 * ISR checkers do.
 */
import type { NodeId } from '../core/contract/protocol.ts';
import type { InvariantChecker, NodeView, WorldView } from '../sim/scenario.ts';
import { logFile, parseLogRecord } from '../core/isr/storage.ts';
import type { BrokerState, IsrObservation } from '../core/isr/types.ts';
import { uncleanTracker } from './isr.ts';

function brokerState(n: NodeView): BrokerState | null {
  return n.role === 'broker' && n.status !== 'down' && n.state !== undefined && (n.state as BrokerState).started ? (n.state as BrokerState) : null;
}

/** The record id at `offset` of a broker's copy (from its disk when it is down); null: no copy. */
function idAt(world: WorldView, broker: NodeId, partition: number, offset: number): string | undefined | null {
  const n = world.node(broker);
  const s = brokerState(n);
  if (s !== null) {
    const r = s.replicas.find((x) => x.partition === partition);
    return r === undefined ? null : r.log[offset]?.id;
  }
  const file = n.disk[logFile(partition)];
  if (file === undefined || file.length === 0) return null;
  const rec = file[offset];
  return rec === undefined ? undefined : (parseLogRecord(rec, offset)?.id ?? undefined);
}

export interface IsrRuleOptions {
  readonly uncleanAllowed: boolean;
  readonly replicaLagTimeMaxMs: number;
  readonly tickIntervalMs: number;
}

export function isrRuleCheckers(options: IsrRuleOptions): InvariantChecker[] {
  const unclean = uncleanTracker(options);
  /** partition@epoch@member -> offsets below this found in agreement already. */
  const agreed = new Map<string, number>();
  // The leader acts on its own tick and its own clock: three ticks, and the clock's largest offset.
  const skewMs = 120;
  const graceMs = 3 * options.tickIntervalMs + skewMs;
  /** leader/partition/epoch/follower -> since when it has been out of date past the lag bound. */
  const lagging = new Map<string, number>();
  return [
    {
      name: 'hw-within-log',
      kind: 'safety',
      onObservation: (_node, o) => {
        if (typeof o === 'object' && o !== null && typeof (o as { type?: unknown }).type === 'string') unclean.note(o as IsrObservation);
      },
      afterEvent(world) {
        for (const n of world.nodes) {
          const s = brokerState(n);
          if (s === null) continue;
          for (const r of s.replicas) if (r.hw > r.log.length) return `${n.id} partition ${r.partition}: HW ${r.hw} is past its log end ${r.log.length}`;
        }
      },
    },
    {
      name: 'isr-holds-hw',
      kind: 'safety',
      afterEvent(world) {
        for (const n of world.nodes) {
          const s = brokerState(n);
          if (s === null) continue;
          for (const r of s.replicas) {
            if (r.role !== 'leader' || unclean.skip(r.partition)) continue;
            for (const m of r.isr) {
              if (m === n.id) continue;
              const key = `${r.partition}@${r.leaderEpoch}@${m}`;
              const from = agreed.get(key) ?? 0;
              for (let offset = from; offset < r.hw; offset++) {
                const theirs = idAt(world, m, r.partition, offset);
                if (theirs === null) break; // reassigned away: it no longer hosts the partition
                const mine = r.log[offset]!.id;
                if (theirs !== mine) return `partition ${r.partition} epoch ${r.leaderEpoch}: ISR member ${m} has ${theirs ?? 'nothing'} at offset ${offset}, below leader ${n.id}'s HW ${r.hw}, where the leader has ${mine}`;
              }
              if (r.hw > from) agreed.set(key, r.hw);
            }
          }
        }
      },
    },
    {
      name: 'isr-shrinks-in-time',
      kind: 'safety',
      afterEvent(world) {
        const still = new Set<string>();
        for (const n of world.nodes) {
          const s = brokerState(n);
          if (s === null || n.status !== 'up') continue;
          for (const r of s.replicas) {
            if (r.role !== 'leader' || r.pendingIsr !== null) continue;
            const leo = r.log.length;
            for (const f of r.followers) {
              // Kafka's isCaughtUp: at the leader's LEO, or caught up within replica.lag.time.max.
              if (!r.isr.includes(f.id) || f.leo === leo || world.nowMs - f.lastCaughtUpMs <= options.replicaLagTimeMaxMs + skewMs) continue;
              const key = `${n.id}/${r.partition}/${r.leaderEpoch}/${f.id}`;
              still.add(key);
              const since = lagging.get(key) ?? world.nowMs;
              lagging.set(key, since);
              if (world.nowMs - since > graceMs) {
                return `partition ${r.partition}: ${f.id} has been out of date with leader ${n.id} for ${Math.round(world.nowMs - since)} ms past replica.lag.time.max (${options.replicaLagTimeMaxMs} ms) and is still in the ISR, with no change asked`;
              }
            }
          }
        }
        for (const key of [...lagging.keys()]) if (!still.has(key)) lagging.delete(key);
      },
    },
  ];
}
