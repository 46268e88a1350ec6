/**
 * amaters log-integrity scenarios: a primary (n1) seals appended payloads (AES-256-GCM +
 * HMAC-SHA256) and replicates them to 2-3 replicas over authenticated binary frames, while disks
 * tear and corrupt the write in flight at a crash, and a forger on the links replays, tampers
 * with and invents messages.
 *
 *   amaters-log        a story: tampered and replayed appends, garbage, corrupt and torn records
 *                      on replicas and on the primary, a partition, duplicates; plus two
 *                      forgeries a second on random links
 *   amaters-log-swarm  3-4 nodes, a swarm fault plan over every kind, forgeries included
 */
import type { NodeId, Rng } from '../core/contract/protocol.ts';
import type { RunConfig, Scenario, TimedCommand, World } from '../sim/scenario.ts';
import { allFaultKinds, parseFaultScript, sortFaults, type FaultEvent, type FaultKind, type ForgeMode } from '../sim/faults.ts';
import { defaultClock, nodeIds, swarmConfig } from '../sim/configure.ts';
import { calmNetwork } from '../sim/network.ts';
import { Stream } from '../core/contract/rng.ts';
import { INTEGRITY_BUGS, isIntegrityBug, sealedLog } from '../core/integrity/index.ts';
import { integrityCheckers } from '../checkers/sealed-log.ts';

export interface LogScenarioOptions {
  readonly nodes: readonly NodeId[];
  readonly primary: NodeId;
  /** Payloads appended at the primary. */
  readonly appends: readonly { readonly atMs: number; readonly value: string }[];
  readonly batch: number;
}

export const LOG_DURATION_MS = 8_000;
const DURATION_MS = LOG_DURATION_MS;
const QUIET_MS = 4_000;
const SECRET = 'amaters-cluster sim secret';
const kinds: readonly FaultKind[] = [...allFaultKinds, 'forge'];

function drawAppends(rng: Rng, perSecond: number, durationMs: number): LogScenarioOptions['appends'] {
  const count = Math.round((durationMs / 1000) * perSecond);
  const words = ['put', 'del', 'cas', 'inc'];
  return Array.from({ length: count }, (_, k) => ({
    atMs: 100 + rng.int(durationMs - 200),
    value: `${words[rng.int(words.length)]} key${rng.int(8)} ${k}:${rng.int(1_000_000)} ${'payload '.repeat(1 + rng.int(12))}`,
  })).sort((a, b) => a.atMs - b.atMs);
}

/** Forgeries at about `perSecond`, on random links between the nodes, of random kinds. */
function forgeries(rng: Rng, ids: readonly NodeId[], durationMs: number, perSecond: number): FaultEvent[] {
  const modes: readonly ForgeMode[] = ['replay', 'tamper', 'garbage'];
  return Array.from({ length: Math.round((durationMs / 1000) * perSecond) }, () => {
    const node = ids[rng.int(ids.length)]!;
    const others = ids.filter((id) => id !== node);
    return { atMs: Math.round(rng.next() * durationMs * 0.98), type: 'forge' as const, node, from: others[rng.int(others.length)]!, mode: modes[rng.int(3)]! };
  });
}

export function buildSealedLog(config: RunConfig): World {
  const o = config.options as unknown as LogScenarioOptions;
  if (config.bug !== null && !isIntegrityBug(config.bug)) throw new Error(`unknown integrity bug ${config.bug}`);
  const replicas = o.nodes.filter((n) => n !== o.primary);
  const protocol = sealedLog({ primary: o.primary, replicas, secret: SECRET, tickMs: 80, batch: o.batch, bug: config.bug });
  const commands: TimedCommand[] = o.appends.map((a) => ({ atMs: a.atMs, node: o.primary, command: { type: 'append', value: a.value } }));
  return {
    nodes: o.nodes.map((id) => ({ id, protocol, faultable: true, role: id === o.primary ? 'primary' : 'replica' })),
    commands,
    checkers: integrityCheckers(o.primary, replicas),
  };
}

const STORY = `
forge tamper n1 -> n2 at 1500ms
forge replay n1 -> n3 at 1800ms
forge garbage n2 -> n1 at 2s
crash n2 at 2500ms mid-step corrupt
restart n2 at 3s
forge tamper n1 -> n2 at 3200ms
forge replay n1 -> n2 at 3250ms
crash n3 at 4s mid-step torn
restart n3 at 4400ms
crash n1 at 5s mid-step corrupt
restart n1 at 5300ms
forge replay n2 -> n1 at 5600ms
forge tamper n1 -> n3 at 5800ms
partition n1 | n2,n3 at 6s until 6500ms
duplicate 20% at 6500ms until 7500ms
crash n3 at 7s mid-step corrupt
restart n3 at 7300ms
forge tamper n1 -> n3 at 7400ms
`;

/**
 * The rare branches a sweep of 100 seeds must reach, and how often (the fixed fault plan, with
 * the drawn workload, reaches each many times in every block of 100 seeds).
 * Calibrated on correct code over seeds 1..300 (each bar about a third of the fewest times
 * a block of 100 seeds reached it); a plan or code that stops taking a branch fails the sweep.
 */
const STORY_COVERAGE: Readonly<Record<string, number>> = {
  'integrity/append-held-skipped': 950,
  'integrity/catch-up-pushed': 1100,
  'integrity/recovered-entries': 130,
  'integrity/recovery-truncated-bad-record': 90,
  'integrity/refused-bad-entry': 100,
  'integrity/refused-frame-mac': 120,
  'integrity/refused-frame-malformed': 200,
  'integrity/refused-other-incarnation': 100,
  'integrity/replica-restart-seen': 100,
};

export const sealedLogScenario: Scenario = {
  name: 'amaters-log',
  description: 'amaters log integrity: primary n1 seals entries (AES-256-GCM + HMAC-SHA256) for 2 replicas; tampered/replayed/garbage frames, corrupt and torn records',
  bugs: INTEGRITY_BUGS,
  faultKinds: kinds,
  configure(seed, rng, bug) {
    const nodes = nodeIds('n', 3);
    const options: LogScenarioOptions = { nodes, primary: 'n1', appends: drawAppends(rng, 20, DURATION_MS), batch: 8 };
    return {
      scenario: 'amaters-log',
      seed,
      bug,
      options: options as unknown as Record<string, unknown>,
      network: { base: calmNetwork },
      clock: defaultClock,
      faults: sortFaults([...parseFaultScript(STORY), ...forgeries(rng, nodes, DURATION_MS, 2)]),
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
      maxEvents: 2_000_000,
    };
  },
  sometimes: { seeds: 100, events: Object.keys(STORY_COVERAGE), atLeast: STORY_COVERAGE },
  build: buildSealedLog,
};

/** The knobs of a swarm run, for property tests. */
export interface LogShape {
  readonly nodes: number;
  readonly appendsPerSecond: number;
  readonly batch: number;
  readonly workloadSeed: number;
}

export function logOptions(shape: LogShape): LogScenarioOptions {
  return {
    nodes: nodeIds('n', shape.nodes),
    primary: 'n1',
    appends: drawAppends(new Stream(shape.workloadSeed, 'log/workload'), shape.appendsPerSecond, DURATION_MS),
    batch: shape.batch,
  };
}

/**
 * The rare branches a sweep of 100 seeds must reach, and how often (the drawn faults reach each
 * in every block of 100 seeds).
 * Calibrated on correct code over seeds 1..300 (each bar about a third of the fewest times
 * a block of 100 seeds reached it); a plan or code that stops taking a branch fails the sweep.
 */
// Not required: 'integrity/refused-status-other-term' (a status to an earlier primary term) came
// 7-15 times per 100 seeds over 1..300 but 0 in 301..400 and 401..500.
const SWARM_COVERAGE: Readonly<Record<string, number>> = {
  'integrity/append-held-skipped': 3800,
  'integrity/catch-up-pushed': 2800,
  'integrity/recovered-entries': 25,
  'integrity/recovery-truncated-bad-record': 4,
  'integrity/refused-frame-mac': 3,
  'integrity/refused-frame-malformed': 6,
  'integrity/refused-other-incarnation': 19,
  'integrity/replica-restart-seen': 18,
};

export const sealedLogSwarmScenario: Scenario = {
  name: 'amaters-log-swarm',
  description: 'amaters log integrity: 3-4 nodes, sealed entries replicated from n1; swarm faults of every kind, forgeries and corrupt/torn writes included',
  bugs: INTEGRITY_BUGS,
  faultKinds: kinds,
  configure(seed, rng, bug) {
    const options = logOptions({ nodes: 3 + rng.int(2), appendsPerSecond: 10 + rng.int(20), batch: 1 + rng.int(8), workloadSeed: seed });
    return swarmConfig({
      scenario: 'amaters-log-swarm',
      seed,
      bug,
      options: { ...options },
      servers: options.nodes,
      kinds,
      durationMs: DURATION_MS,
      quietMs: QUIET_MS,
      maxEvents: 2_000_000,
    });
  },
  sometimes: { seeds: 100, events: Object.keys(SWARM_COVERAGE), atLeast: SWARM_COVERAGE },
  build: buildSealedLog,
};

export const sealedLogScenarios: readonly Scenario[] = [sealedLogScenario, sealedLogSwarmScenario];
