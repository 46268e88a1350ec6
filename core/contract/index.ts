/**
 * The contract between protocols and everything that runs them (the kernel, the explorer, unit
 * tests): the step function's types, assertions, what a disk write does, nesting one protocol in
 * another, the seeded random streams, and the unit-test driver.
 */
export * from './protocol.ts';
export { AssertionFailed, assert } from './assert.ts';
export { applyDiskWrite, corruptChar, landedWrite, type Disk, type WriteFault } from './disk.ts';
export { nest, type EffectSink, type NestSpec, type Nested, type NestedTimer, type PrefixedTimer } from './nest.ts';
export { Stream, type StreamState } from './rng.ts';
export { TestDriver, type DriverNode, type Recorded } from './testing.ts';
