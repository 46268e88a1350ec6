/**
 * Assertions of internal invariants, for protocols and the kernel alike: cheap checks that a state
 * transition is legal, one condition each, that stop the run (`kernel:step-threw`) the moment a
 * rule is broken instead of letting a bad state spread.
 */

export class AssertionFailed extends Error {
  override readonly name = 'AssertionFailed';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

/** The end of an exhaustive switch: a case the compiler thought impossible arrived. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionFailed(`unexpected ${what}: ${JSON.stringify(value)}`);
}
