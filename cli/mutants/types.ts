/**
 * A mutant: one realistic mistake in the protocol code, written as a textual edit of the source
 * (the text `find`, which must occur exactly once in the file or folder `in`, becomes `replace`).
 * The kind engineers make: an off-by-one in a quorum, a check on the wrong side, a field updated
 * before the check that should guard it, a timer not re-armed, an answer one step too early. The
 * `--bug` switches are not mutants: they were written together with the checkers that find them.
 */
export interface Mutant {
  /** `area/what`, e.g. `raft/vote-ignores-log`. */
  readonly id: string;
  /** The rule the mistake breaks, with its source (paper section, specification, design doc). */
  readonly rule: string;
  /** A file or folder of the repository in which `find` occurs exactly once. */
  readonly in: string;
  readonly find: string;
  readonly replace: string;
  /** The mistake as an engineer would describe it. */
  readonly mistake: string;
  /**
   * Set when no run can tell the mutant from the original: why (e.g. the condition it changes can
   * never hold). An equivalent mutant is reported as such, not as a survivor.
   */
  readonly equivalent?: string;
}

export type Method = 'sweep' | 'coverage' | 'property' | 'explore';

/** What the simulation battery made of one mutant (or patch). */
export interface BatteryResult {
  readonly killed: boolean;
  readonly method: Method | null;
  readonly scenario: string | null;
  readonly invariant: string | null;
  readonly message: string | null;
  /** Seeds run (sweep), cases run (property) or worlds explored (explore) until the first failure, or in all. */
  readonly tries: number;
  /** Fault events in the failing schedule after shrinking (explore: faults on the counterexample path). */
  readonly shrunkFaults: number | null;
  /** How to see the failure again in a tree with the mutant applied. */
  readonly reproduce: string | null;
  readonly wallMs: number;
  /** CPU time of the battery's process: what its budget counts. */
  readonly cpuMs: number;
  /** The scenarios the battery judged relevant, and what it ran. */
  readonly scenarios: readonly string[];
  readonly ran: { readonly sweepRuns: number; readonly propertyCases: number; readonly exploredWorlds: number };
}
