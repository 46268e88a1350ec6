/**
 * Linearizability checking of client histories: the public surface. See docs/linearizability.md.
 */
export {
  checkHistory,
  type CheckOptions,
  type CheckResult,
  type Explanation,
  type FailingSubset,
  type KeyResult,
  type KeyVerdict,
  type Verdict,
} from './checker.ts';
export {
  HistoryError,
  describeOperation,
  parseHistory,
  parseHistoryText,
  validateHistory,
  type ClientId,
  type History,
  type KvOperation,
  type MicroOp,
  type ModelName,
  type MultiRegisterOperation,
  type MutexOperation,
  type Operation,
  type ParseResult,
  type QueueOperation,
  type RegisterOperation,
  type SetOperation,
  type Timing,
} from './history.ts';
export { IMPOSSIBLE, kvKeySpec, multiRegisterSpec, mutexSpec, queueSpec, registerSpec, setSpec, type Spec } from './spec.ts';
export { contextAround, renderHtml, renderTimeline, type HtmlOptions, type TimelineOptions } from './render.ts';
export {
  ConvertError,
  fromKnossosMultiRegisterOps,
  fromKnossosMutexOps,
  fromKnossosOps,
  fromPorcupineEtcdLog,
  fromPorcupineKvLog,
} from './convert.ts';
export { executePlan, randomPlan, type Execution, type PlannedOp, type RandomPlanOptions } from './generate.ts';
