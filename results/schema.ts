import type { Static, TInteger } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/errors';
import { TRACER_NAMES, type TracerName } from '../servers/tracer.ts';
import { count, isoTime, jsonSchemaText, nonNegative, nullable, runStartTime, strictObject, Type, Value, ValueErrorType } from './schema-kit.ts';

/**
 * The result file of one run (DESIGN.md, "Results"). These TypeBox schemas are the one source of
 * truth: the code's types are their `Static<>`, and results/schema.json is generated from them
 * (`npm run schema`), so the types, the validator and the published schema cannot disagree.
 */

// 2: every cell names the Node its server ran on (the Node axis); merged files may hold several machines.
export const SCHEMA_VERSION = 2;
export const RESULT_SCHEMA_ID = 'urn:streamtrace-bench:result:2';

export const TracerSchema = Type.Union(
  TRACER_NAMES.map((name) => Type.Literal(name)),
  { description: "The SDK axis: 'none' only for untraced" },
);

/** The Node axis: which pinned Node a cell's server ran on, as --node names it. */
export const NodeRuntimeSchema = Type.String({
  pattern: '^(system|[0-9]+)$',
  description: "The --node value the server ran on: a pinned major ('20', '22', '24') or 'system' (the harness's own Node)",
});
export const NodeVersionSchema = Type.String({
  pattern: '^v[0-9]+\\.[0-9]+\\.[0-9]+',
  description: "What the server's Node binary says it is (node --version), e.g. v24.21.0",
});

import { RULES, type Rule, UPSTREAM_RULES } from './rules.ts';

export { RULES, type Rule };

/** Summary of a sample: its range and the percentiles the reports quote. */
export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export const DistributionSchema = strictObject(
  {
    count: count('Values in the sample'),
    min: Type.Number(),
    p50: Type.Number(),
    p90: Type.Number(),
    p99: Type.Number(),
    max: Type.Number(),
  },
  'min, percentiles (type 7) and max of a sample',
);

// Built from RULES so a new verifier rule is a new required field; the cast restores the key types
// Object.fromEntries loses.
// The upstream rules came later: files from before them lack them.
export const ViolationsSchema = strictObject(
  Object.fromEntries(
    RULES.map((rule) => [rule, (UPSTREAM_RULES as readonly string[]).includes(rule) ? Type.Optional(count(`Violations of ${rule}`)) : count(`Violations of ${rule}`)]),
  ) as Record<Rule, TInteger>,
  'Violations per verifier rule (bench/spans/verifier.ts RULES), summed over requests',
);

export const PinningSchema = strictObject(
  {
    available: Type.Boolean({ description: 'True when the processes were pinned to cores' }),
    server: nullable(Type.String({ description: "The server's cores, e.g. 'cpu 0'" })),
    load: nullable(Type.String({ description: "The load generator's and sink's cores, e.g. 'cpu 1'" })),
    note: Type.String({ description: "Why, or why not, e.g. 'taskset not found'" }),
  },
  'CPU pinning used for the run',
);

const NOISE_MEASUREMENT = {
  runs: count('Timed runs of the fixed reference work'),
  medianCpuMs: nonNegative('Median CPU time of one run (ms)'),
  cv: nonNegative('Coefficient of variation of the runs: how much the same work varies on this core'),
  cpus: nullable(Type.String({ description: 'The cpus it ran on (the server core); null without pinning' })),
};

export const NoiseFloorSchema = nullable(
  strictObject(
    NOISE_MEASUREMENT,
    "The server core's own steadiness at the start of the run: the same work (bench/harness/reference-work.ts) timed again and again; null when it could not run",
  ),
);

export const NoiseCheckSchema = strictObject(
  {
    afterScenario: Type.String({ description: "The scenario it followed (its servers stopped): between scenarios, and after the last one the run's end" }),
    ...NOISE_MEASUREMENT,
  },
  'The same reference work as noiseFloor, measured again later in the run',
);

export const EnvSchema = strictObject(
  {
    node: Type.String({ description: "The harness's Node (process.version, e.g. v20.19.0); each cell names its server's Node" }),
    os: strictObject({
      platform: Type.String({ description: 'os.platform(), e.g. linux' }),
      release: Type.String({ description: 'os.release(): the kernel version' }),
      arch: Type.String({ description: 'os.arch(), e.g. x64' }),
    }),
    cpuModel: Type.String(),
    cpus: Type.Integer({ minimum: 1, description: 'Logical CPUs' }),
    totalMemoryMb: nonNegative('Total system memory (MiB)'),
    packages: Type.Record(Type.String(), Type.String(), {
      description:
        'Installed versions of the packages that shape the figures (fastify, @sentry/node, autocannon...): one node_modules serves every Node of the run, so the same versions ran on each',
    }),
    gitCommit: nullable(Type.String({ description: 'Full commit hash; null outside a git checkout' })),
    gitDirty: Type.Boolean({ description: 'True when the work tree had uncommitted changes' }),
    pinning: PinningSchema,
    noiseFloor: Type.Optional(NoiseFloorSchema),
    noiseChecks: Type.Optional(
      Type.Array(NoiseCheckSchema, {
        description: 'The reference work after each scenario (the last: the end of the run); absent in runs before it was measured, empty when it could not run',
      }),
    ),
  },
  'The machine and software the run measured',
);

/** Where strategies brought with --strategy-module came from. */
export const StrategyModulesSchema = Type.Record(
  Type.String(),
  strictObject({
    path: Type.String({ description: 'The file, absolute, as the servers loaded it' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "The file's content hash: two runs of one name ran the same file only when these agree" }),
  }),
  { description: "The strategies loaded from files outside the suite (--strategy-module), by name; absent when none" },
);

export const ConfigSchema = strictObject(
  {
    strategies: Type.Array(Type.String(), { description: 'As listed: a duplicate is an A/A copy (label strategy#2)' }),
    strategyModules: Type.Optional(StrategyModulesSchema),
    tracers: Type.Array(TracerSchema),
    sdkReleases: Type.Optional(
      Type.Record(Type.String(), Type.Array(Type.String()), { description: "The SDK releases run side by side, as asked, by SDK ('sentry': ['11.12.0', '10.x']); absent: the suite's own" }),
    ),
    scenarios: Type.Array(Type.String()),
    nodes: Type.Array(NodeRuntimeSchema, { minItems: 1, description: 'The Node axis (--node): every cell ran on one of these' }),
    trials: Type.Integer({ minimum: 1, description: 'Trials per cell' }),
    durationSec: Type.Number({ exclusiveMinimum: 0, description: 'Measured load per trial (s)' }),
    warmupSec: nonNegative("The same load on each server before its first trial, not measured (s)"),
    connections: Type.Integer({ minimum: 1, description: 'Concurrent connections of the load generator' }),
    connectionsByScenario: Type.Optional(
      Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { description: 'The connections each scenario ran with (overrides connections)' }),
    ),
    idleServers: Type.Optional(
      Type.Union([Type.Literal('frozen'), Type.Literal('running')], {
        description: "frozen: the scenario's other servers were SIGSTOPped while one was measured; running: all stayed alive",
      }),
    ),
    workCount: Type.Optional(
      Type.Union([Type.Literal('child-spans'), Type.Literal('responses')], {
        description:
          "What throughput and CPU per request count as a trial's work. child-spans: the child spans the server produced in the window over the child spans per completed response, work counted as it is done; responses: responses completed in the window (runs before this field, whose short windows caught streams in waves)",
      }),
    ),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Seeds the trial order and the bootstrap' }),
    quick: Type.Boolean({ description: 'A short smoke run: its figures are not for comparison' }),
    calibrate: Type.Boolean(),
    tickMs: Type.Number({ exclusiveMinimum: 0, description: "timer-keepalive's tick (ms)" }),
    longIdleStreams: count('Concurrent streams held open in the long-idle scenario'),
    longIdleSec: nonNegative('How long each long-idle stream lasts (s)'),
    verifier: strictObject({
      endToleranceMs: nonNegative('Largest |root end - real end| still correct (ms)'),
      rangeToleranceMs: nonNegative('How far a child may lie outside its root (ms)'),
    }),
    order: Type.Array(Type.String(), {
      description: "The executed trial order, as 'label/tracer/scenario/node24#trial': shows the interleaving",
    }),
  },
  'The options the run was started with',
);

/**
 * What might move CPU per request beyond the request's own work, over the same measured window
 * (bench/report/drivers.ts ranks them against it). Absent in runs before they were recorded.
 */
export const TrialDriversSchema = strictObject(
  {
    gcMsPerRequest: nullable(nonNegative("Server time in garbage collection (perf_hooks 'gc' entries, all kinds) per response's worth of work (ms)")),
    gcPerRequest: nullable(nonNegative('Garbage collections per response\'s worth of work')),
    loopTurnsPerRequest: nullable(nonNegative("Server event-loop iterations (libuv's loop count, performance.nodeTiming.uvMetricsInfo) per response's worth of work; null where the server's Node lacks it")),
    eventsPerLoopTurn: nullable(nonNegative('I/O events libuv handed the server per loop iteration: how much each turn carries')),
    voluntaryContextSwitchesPerSec: nullable(nonNegative('Server context switches it gave up the CPU for (waiting), per second of window (process.resourceUsage, all threads)')),
    involuntaryContextSwitchesPerSec: nullable(nonNegative('Server context switches forced on it (preempted: another task wanted its core), per second of window')),
    harnessBytesPerRead: nullable(
      nonNegative(
        "Bytes per read syscall of the harness process (load generator, probe and sink together: /proc/self/io rchar / syscr over the window); null where /proc is absent",
      ),
    ),
  },
  'Per-trial candidates for what drives CPU per request, over the measured window',
);

export const TrialSchema = strictObject(
  {
    index: count("The trial's number within its cell, from 0"),
    round: count('The pass over the matrix it ran in, from 0: trials of one round ran next to each other'),
    startedAt: isoTime('When the trial started'),
    requestsPerSec: nonNegative("Responses' worth of work per second in the measured window (config.workCount says how it is counted)"),
    bytesPerSec: nonNegative('Response bytes per second'),
    latencyP50Ms: nonNegative('Whole-stream latency, median (ms)'),
    latencyP90Ms: nonNegative('Whole-stream latency, p90 (ms)'),
    latencyP99Ms: nonNegative('Whole-stream latency, p99 (ms)'),
    ttfbMs: nullable(nonNegative('Time to first byte of the probe stream (ms); null when no probe finished')),
    maxGapMs: nullable(nonNegative('Largest gap between chunks of the probe stream (ms); null when no probe finished')),
    cpuMsPerRequest: nullable(nonNegative("Server CPU time (user + system) in the window per response's worth of work (ms; config.workCount)")),
    cpuUtilisation: nullable(nonNegative('Server CPU time / wall time: 1 = one core busy; above 1 with extra threads')),
    rssPeakMb: nullable(nonNegative('Server RSS peak (MiB)')),
    heapPeakMb: nullable(nonNegative('Server V8 heap used, peak (MiB)')),
    heapAfterGcMb: nullable(nonNegative('Server V8 heap used after a forced GC at the end (MiB)')),
    eventLoopDelayP99Ms: nullable(nonNegative('Server event-loop delay, p99 (ms)')),
    requests: count('Requests the verifier judged'),
    errors: count('Requests that failed at the load generator (connection errors, non-2xx)'),
    timeouts: count('Requests the load generator timed out'),
    correct: count('Requests without any violation'),
    correctRate: nullable(
      Type.Number({ minimum: 0, maximum: 1, description: 'correct / requests; null without requests' }),
    ),
    violations: ViolationsSchema,
    leakedOpen: nullable(count('Roots still open after the trial; null when not observable (the SDK owns the root)')),
    durationErrorMs: nullable(DistributionSchema),
    sdkDiscarded: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: "What the SDK says it dropped, 'reason:category' → quantity: Sentry's client reports (e.g. queue_overflow:span when its transport queue was full); for otel, spans its batch processor dropped (queue_overflow:span) or failed to export (export_failed:span)",
    }),
    openStreams: nullable(count('Streams open at the peak; long-idle only')),
    memoryPerStreamKb: nullable(Type.Number({ description: 'Heap (after GC) held per open stream, against the heap before they opened (KiB); long-idle only' })),
    drivers: Type.Optional(TrialDriversSchema),
    error: nullable(Type.String({ description: 'Why the trial failed; its figures are then not used' })),
  },
  "One trial's raw figures",
);

export const MetricSummarySchema = strictObject(
  {
    median: nullable(Type.Number()),
    ci95: nullable(
      Type.Tuple([Type.Number(), Type.Number()], { description: '95 % interval of the median: order statistics for n < 20 (the range, below 95 %, for n < 6), percentile bootstrap from 20' }),
    ),
    cv: nullable(
      Type.Number({ minimum: 0, description: 'Sample standard deviation / |mean|; null for n < 2 or mean 0' }),
    ),
    n: count('Trials with a value'),
  },
  'Median over the successful trials; all null when n = 0; for n = 1 ci95 is [median, median]',
);

/**
 * A figure paired by round against a baseline cell: its mean and Student-t 95 % interval over
 * rounds, and the median; null without that baseline.
 */
function pairedFigure(definition: string, baseline: string) {
  return nullable(
    strictObject(
      {
        mean: Type.Number({ description: 'Mean over rounds: the figure the interval is about' }),
        median: Type.Number({ description: 'Median over rounds' }),
        ci95: nullable(Type.Tuple([Type.Number(), Type.Number()], { description: 'Student-t 95 % interval of the mean; null for one round' })),
        n: Type.Integer({ minimum: 1, description: 'Rounds where both trials succeeded' }),
      },
      `${definition} per round, against ${baseline}: mean with its Student-t 95 % interval, and median, over rounds; null without that baseline`,
    ),
  );
}
/** Overhead = 1 - cellReqPerSec / baselineReqPerSec: 0.05 = 5 % fewer requests/s, positive = slower. */
const overhead = (baseline: string) =>
  pairedFigure('Overhead = 1 - cellReqPerSec / baselineReqPerSec (0.05 = 5 % fewer requests/s; positive = slower)', baseline);
export const OverheadSchema = overhead('a baseline cell');
/** CPU cost = cellCpuMsPerRequest / baselineCpuMsPerRequest - 1: 0.05 = 5 % more server CPU per request. */
const cpuCost = (baseline: string) =>
  pairedFigure('CPU cost = cellCpuMsPerRequest / baselineCpuMsPerRequest - 1 (0.05 = 5 % more server CPU per request)', baseline);

export const CellSummarySchema = strictObject(
  {
    requestsPerSec: MetricSummarySchema,
    bytesPerSec: MetricSummarySchema,
    latencyP50Ms: MetricSummarySchema,
    latencyP90Ms: MetricSummarySchema,
    latencyP99Ms: MetricSummarySchema,
    ttfbMs: MetricSummarySchema,
    maxGapMs: MetricSummarySchema,
    cpuMsPerRequest: MetricSummarySchema,
    cpuUtilisation: MetricSummarySchema,
    rssPeakMb: MetricSummarySchema,
    heapPeakMb: MetricSummarySchema,
    heapAfterGcMb: MetricSummarySchema,
    eventLoopDelayP99Ms: MetricSummarySchema,
    errors: MetricSummarySchema,
    timeouts: MetricSummarySchema,
    leakedOpen: MetricSummarySchema,
    openStreams: MetricSummarySchema,
    memoryPerStreamKb: MetricSummarySchema,
    correctRate: nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Median correctRate over trials' })),
    violations: ViolationsSchema,
    failedTrials: count('Trials that failed and are left out of every figure'),
    overheadVsUntraced: overhead("the 'untraced' cell of the scenario"),
    overheadVsSdkDefault: overhead("the 'sdk-default' cell of the tracer and scenario"),
    cpuCostVsUntraced: cpuCost("the 'untraced' cell of the scenario"),
    cpuCostVsSdkDefault: cpuCost("the 'sdk-default' cell of the tracer and scenario"),
    warnings: Type.Array(Type.String()),
  },
  "A cell's statistics over its successful trials",
);

/** The SDK release a cell ran, where the run chose releases (--sentry); absent: the suite's own. */
export const SdkReleaseSchema = strictObject({
  package: Type.String({ description: "The SDK's main package, e.g. '@sentry/node'" }),
  version: Type.String({ description: 'Its version, as the server reported loading it' }),
  spec: Type.String({ description: "As asked, e.g. '10.x'" }),
});

export const CellSchema = strictObject({
  label: Type.String({ description: "Unique per strategy: 'untraced#2' is the second copy of untraced" }),
  strategy: Type.String(),
  tracer: TracerSchema,
  scenario: Type.String(),
  node: NodeRuntimeSchema,
  nodeVersion: NodeVersionSchema,
  sdkRelease: Type.Optional(SdkReleaseSchema),
  failed: nullable(Type.String({ description: 'Why the cell stopped (e.g. the server crashed)' })),
  trials: Type.Array(TrialSchema),
  summary: CellSummarySchema,
});

export const FailureSchema = strictObject({
  label: Type.String(),
  strategy: Type.String(),
  tracer: TracerSchema,
  scenario: Type.String(),
  node: NodeRuntimeSchema,
  sdkRelease: Type.Optional(SdkReleaseSchema),
  trial: Type.Optional(count('The failed trial, when a single trial failed')),
  error: Type.String(),
});

export const CalibrationSchema = strictObject(
  {
    scenario: Type.String(),
    baselineCpuMsPerRequest: nonNegative("untraced's server CPU per request, measured before the run (ms)"),
    injectedUs: nonNegative('CPU added per request by calibration-burn (µs)'),
    injectedFraction: nonNegative('injectedUs as a fraction of the baseline CPU per request (0.03 = 3 %)'),
    aaCells: count('Copies of untraced compared with the first copy (A/A)'),
    falseAlarmsThroughput: count('A/A copies whose throughput overhead interval excluded zero'),
    falseAlarmsCpu: count('A/A copies whose CPU-per-request cost interval excluded zero'),
    injectedOverhead: OverheadSchema,
    injectedCpuCost: OverheadSchema,
    detectedByThroughput: Type.Boolean({ description: "calibration-burn's throughput overhead interval lies above zero" }),
    detectedByCpu: Type.Boolean({ description: "calibration-burn's CPU-per-request cost interval lies above zero" }),
    minimumDetectableThroughput: nullable(
      nonNegative('Smallest throughput overhead (fraction) this run would find in 80 % of runs, from the A/A noise; null with too few rounds'),
    ),
    minimumDetectableCpu: nullable(nonNegative('Smallest CPU-per-request cost (fraction) this run would find in 80 % of runs, from the A/A noise')),
  },
  "What --calibrate proved of the suite's precision on one scenario",
);

export const MachineSchema = strictObject(
  {
    env: EnvSchema,
    cells: Type.Array(Type.String(), { minItems: 1, description: "The cells measured there, by name ('label/tracer/scenario/node24')" }),
  },
  'One machine of a merged run and the cells that ran on it',
);

export const ResultFileSchema = strictObject(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    createdAt: runStartTime(),
    complete: Type.Boolean({ description: 'False when the run was interrupted or a cell or trial failed' }),
    failures: Type.Array(FailureSchema),
    env: EnvSchema,
    environments: Type.Optional(
      Type.Array(MachineSchema, {
        minItems: 2,
        description:
          "Present when merged shards ran on different machines: which cells ran where (env is then the first shard's). Absolute figures (req/s, ms) compare only within one machine; ratios against each shard's own untraced cells hold across them",
      }),
    ),
    config: ConfigSchema,
    cells: Type.Array(CellSchema),
    calibration: Type.Optional(Type.Array(CalibrationSchema, { description: 'Present for --calibrate runs' })),
  },
  'One run of streamtrace-bench',
);

export type Tracer = Static<typeof TracerSchema>;
export type Violations = Static<typeof ViolationsSchema>;
export type Pinning = Static<typeof PinningSchema>;
export type Env = Static<typeof EnvSchema>;
export type Config = Static<typeof ConfigSchema>;
export type StrategyModules = Static<typeof StrategyModulesSchema>;
export type Trial = Static<typeof TrialSchema>;
export type MetricSummary = Static<typeof MetricSummarySchema>;
export type Overhead = Static<typeof OverheadSchema>;
export type NoiseFloor = Static<typeof NoiseFloorSchema>;
export type NoiseCheck = Static<typeof NoiseCheckSchema>;
export type TrialDrivers = Static<typeof TrialDriversSchema>;
export type CellSummary = Static<typeof CellSummarySchema>;
export type ResultCell = Static<typeof CellSchema>;
export type Failure = Static<typeof FailureSchema>;
export type ResultFile = Static<typeof ResultFileSchema>;
export type Calibration = Static<typeof CalibrationSchema>;
export type Machine = Static<typeof MachineSchema>;

/** The trial fields that get a MetricSummary in the cell summary. */
export const SUMMARISED_METRICS = [
  'requestsPerSec',
  'bytesPerSec',
  'latencyP50Ms',
  'latencyP90Ms',
  'latencyP99Ms',
  'ttfbMs',
  'maxGapMs',
  'cpuMsPerRequest',
  'cpuUtilisation',
  'rssPeakMb',
  'heapPeakMb',
  'heapAfterGcMb',
  'eventLoopDelayP99Ms',
  'errors',
  'timeouts',
  'leakedOpen',
  'openStreams',
  'memoryPerStreamKb',
] as const satisfies readonly (keyof Trial & keyof CellSummary)[];
export type SummarisedMetric = (typeof SUMMARISED_METRICS)[number];

// The schema must describe what the code produces: these fail to compile if they drift apart.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type DistributionMatches = Assert<Same<Static<typeof DistributionSchema>, Distribution>>;
type ViolationsMatch = Assert<Same<Violations, Record<Rule, number>>>;
type TracersMatch = Assert<Same<Tracer, TracerName>>;
type SummaryHasEveryMetric = Assert<
  Same<
    Exclude<keyof CellSummary, SummarisedMetric>,
    | 'correctRate'
    | 'violations'
    | 'failedTrials'
    | 'overheadVsUntraced'
    | 'overheadVsSdkDefault'
    | 'cpuCostVsUntraced'
    | 'cpuCostVsSdkDefault'
    | 'warnings'
  >
>;
export type SchemaMatchesCode = [DistributionMatches, ViolationsMatch, TracersMatch, SummaryHasEveryMetric];

/** results/schema.json: the schema as published, with its dialect and id. */
export function resultJsonSchemaText(): string {
  return jsonSchemaText(ResultFileSchema, RESULT_SCHEMA_ID, 'streamtrace-bench result');
}

export type ValidationOutcome = { ok: true; result: ResultFile } | { ok: false; error: string };

/** Checks a parsed result file; on failure, the first problem as one line: `path: message`. */
export function validateResult(value: unknown): ValidationOutcome {
  if (Value.Check(ResultFileSchema, value)) return { ok: true, result: value };
  // A version other than ours is named first: its other differences are expected, not the point.
  const version = isRecord(value) ? value.schemaVersion : undefined;
  if (isRecord(value) && version !== SCHEMA_VERSION) {
    const found = JSON.stringify(version) ?? 'nothing';
    return { ok: false, error: `/schemaVersion: Expected ${SCHEMA_VERSION}, got ${found}` };
  }
  const first = Value.Errors(ResultFileSchema, value).First();
  if (!first) return { ok: false, error: '/: Invalid result file' };
  return { ok: false, error: `${first.path || '/'}: ${describeError(first)}` };
}

/** TypeBox says only "Expected union value" for `number | null`; name the alternatives instead. */
function describeError(error: ValueError): string {
  const alternatives: unknown = error.schema.anyOf;
  if (error.type !== ValueErrorType.Union || !Array.isArray(alternatives)) return error.message;
  const names = alternatives.map((alternative: unknown) => {
    if (!isRecord(alternative)) return 'value';
    if (alternative.const !== undefined) return JSON.stringify(alternative.const);
    return typeof alternative.type === 'string' ? alternative.type : 'value';
  });
  return `Expected ${names.join(' or ')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
