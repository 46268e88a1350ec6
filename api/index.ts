/**
 * The package's public API (`import { ... } from 'cluster-sim'`): everything a project needs to
 * simulate its own protocol. Nothing else of the repository is part of it; what is not exported
 * here may change in any release.
 *
 * - the step-function contract a protocol implements;
 * - building a scenario (a seed expanded into a run config, the world built from it);
 * - running a seed, a config, a sweep;
 * - the property helper (fast-check cases of faults, shrunk to a small report);
 * - the test-runner helper for a project's own tests;
 * - the explorer (a bounded model checker over the same step functions);
 * - the linearizability checker, its history format, and the history a run's clients record;
 * - reports: writing, reading, replaying, and the HTML page.
 *
 * docs/writing-a-protocol.md builds a protocol with it from the first line to a replayed bug.
 */

// The step-function contract.
export type { AnyProtocol, BugInfo, DiskWrite, DurableState, Effect, Env, Input, NodeId, Protocol, Rng, StepResult } from '../core/contract/protocol.ts';
export { AssertionFailed, assert, assertNever } from '../core/contract/assert.ts';
export { nest, type EffectSink, type NestSpec, type Nested, type NestedTimer } from '../core/contract/nest.ts';
export { Stream, type StreamState } from '../core/contract/rng.ts';
export { TestDriver, type DriverNode, type Recorded } from '../core/contract/testing.ts';

// Building a scenario.
export type {
  ClockConfig,
  ExploreBounds,
  ExploreSpec,
  InvariantChecker,
  LastingFault,
  NodeSpec,
  NodeStatus,
  NodeView,
  RunConfig,
  Scenario,
  TimedCommand,
  World,
  WorldView,
} from '../sim/scenario.ts';
export { defaultClock, nodeIds, swarmConfig, type SwarmConfigArgs } from '../sim/configure.ts';
export { allFaultKinds, formatFault, parseFaultScript, FaultScriptError, type FaultEvent, type FaultKind, type ForgeMode, type WriteFault, type CrashLanding } from '../sim/faults.ts';
export { calmNetwork, type LatencyDistribution, type LinkConditions, type LinkOverride, type NetworkConfig } from '../sim/network.ts';
export { loadScenarioFile, ScenarioFileError, type ScenarioFile } from '../sim/scenario-file.ts';

// Running.
export { configFor, runConfig, runSeed, sweepSeeds, type SweepFailure } from '../sim/run.ts';
export { runWorld, type RunOptions, type RunResult, type RunStats, type Violation, type ViolationKind } from '../sim/kernel.ts';
export type { TraceEntry, TraceKind } from '../sim/trace.ts';

// The property helper.
export { checkScenario, describeOutcome, type PropertyOptions, type PropertyOutcome } from '../properties/check.ts';
export { caseConfig, faultArb, kindsOf, networkCaseArb, runCaseArb, scenarioShape, type CaseShape, type NetworkCase, type RunCase } from '../properties/arbitraries.ts';

// The test-runner helper.
export { assertProperty, assertSeeds, runSeeds, type PropertyCheckOptions, type SeedsOptions, type SeedsOutcome } from './testing.ts';

// The explorer.
export { DEFAULT_BOUNDS, exploreScenario, resolveBounds, type ExploreOptions, type ExploreOutcome, type ExploreViolation } from '../explore/index.ts';
export type { SearchOrder, SearchProgress, StopReason } from '../explore/explorer.ts';

// Linearizability: the checker of histories, their format, and the history a run's clients record.
export {
  checkHistory,
  HistoryError,
  parseHistory,
  parseHistoryText,
  validateHistory,
  renderHtml as renderHistoryHtml,
  renderTimeline,
  fromKnossosOps,
  fromPorcupineEtcdLog,
  fromPorcupineKvLog,
  ConvertError,
  type CheckOptions,
  type CheckResult,
  type ClientId,
  type Explanation,
  type FailingSubset,
  type History,
  type KeyResult,
  type KeyVerdict,
  type KvOperation,
  type ModelName,
  type Operation,
  type ParseResult,
  type RegisterOperation,
  type Verdict,
} from '../checkers/linearizability/index.ts';
export { linearizable } from '../checkers/raft.ts';
export { kvHistory, type KvClientObservation, type KvHistory, type KvOpFields, type KvOutput } from '../core/raft/client.ts';
export { historyCollector } from '../cli/history-export.ts';

// Reports.
export { loadReport, makeReport, readReportData, ReportError, REPORT_FORMAT, REPORT_VERSION, toolInfo, validateReport, writeReport, type Report, type ReportOrigin, type ToolInfo } from '../sim/report.ts';
export { replayReport, type ReplayOptions, type ReplayOutcome } from './replay.ts';
export { renderReportHtml, DEFAULT_WINDOW_MS, type RenderOptions } from '../reports/html.ts';
