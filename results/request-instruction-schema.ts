import type { Static } from '@sinclair/typebox';
import { EnvSchema, NodeRuntimeSchema, SdkReleaseSchema, StrategyModulesSchema, TracerSchema } from './schema.ts';
import { SpreadSchema } from './instruction-schema.ts';
import { count, nullable, resultFileOfKind, strictObject, Type, validateAgainst, type Validation } from './schema-kit.ts';

/**
 * The file `npm run bench -- --instructions` writes: instructions and heap bytes per request of
 * whole requests through the real compiled server under valgrind (callgrind), per cell of the
 * matrix, counted window by window inside one server process per strategy and tracer.
 */
export const REQUEST_INSTRUCTION_SCHEMA_VERSION = 1;

export const CountedWindowSchema = strictObject(
  {
    process: Type.Integer({ minimum: 0, description: 'Which server process of the cell (0 unless --repeats)' }),
    requests: Type.Integer({ minimum: 1 }),
    instructions: count("callgrind's Ir between the dumps that open and close the window: the requests, their spans and the SDK's sends"),
    allocatedBytes: Type.Integer({ description: 'V8 heap in use at the end minus at the start; no collection ran in between' }),
  },
  'One counted window',
);

export const RequestChecksSchema = strictObject(
  {
    repeatSpreadPercent: Type.Number({ minimum: 0, description: 'The two single windows of a process apart, relative to their mean (and, with several processes, their figures apart), in percent: the larger' }),
    doubledRatio: Type.Number({ description: '(3n window - single) / (2n window - single): twice the requests must read twice the difference, 2 (the farthest from 2 over the processes)' }),
  },
  "The method's checks of one cell",
);

export const RequestCellSchema = strictObject(
  {
    label: Type.String(),
    strategy: Type.String(),
    tracer: TracerSchema,
    scenario: Type.String(),
    node: NodeRuntimeSchema,
    nodeVersion: Type.String(),
    /** The SDK release the cell ran, where releases were chosen (--sentry, --otel); else the suite's own. */
    sdkRelease: Type.Optional(SdkReleaseSchema),
    request: Type.String({ description: "The route and query each counted request asked for" }),
    windows: Type.Array(CountedWindowSchema),
    checks: nullable(RequestChecksSchema),
    /** Why the cell's figures are not reported (a check failed, a window failed), else null. */
    refused: nullable(Type.String()),
    perRequest: nullable(SpreadSchema),
    bytesPerRequest: nullable(SpreadSchema),
  },
  'One cell: a strategy with a tracer on a scenario, on one Node',
);

export const KnownLoopCheckSchema = strictObject(
  {
    iterations: Type.Integer({ minimum: 1, description: 'Known-loop iterations added per request' }),
    requests: Type.Integer({ minimum: 1 }),
    addedPerRequest: Type.Number({ description: 'Instructions per request with the loop minus without (untraced, plain-json, same process)' }),
    loopAlone: Type.Number({ description: 'Instructions of the same loop run by a control route, minus the route with no iterations' }),
    ratio: Type.Number(),
    tolerancePercent: Type.Number({ minimum: 0 }),
    pass: Type.Boolean(),
  },
  'calibration-burn adds what its loop costs alone',
);

export const RequestInstructionConfigSchema = strictObject(
  {
    strategies: Type.Array(Type.String()),
    tracers: Type.Array(TracerSchema),
    scenarios: Type.Array(Type.String()),
    nodes: Type.Array(NodeRuntimeSchema, { minItems: 1 }),
    strategyModules: Type.Optional(StrategyModulesSchema),
    sdkReleases: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'The releases asked for, by SDK (--sentry, --otel)' })),
    processesPerCell: Type.Integer({ minimum: 1, description: 'Server processes per strategy and tracer (--repeats)' }),
    nodeFlags: Type.Array(Type.String()),
    serverArgs: Type.Optional(Type.Array(Type.String(), { description: "The server's own flags for counting: --counted (no clock-driven work, servers/counted.ts); absent before counted servers" })),
    valgrind: Type.String({ description: 'valgrind --version, and the tool options' }),
    plans: Type.Record(Type.String(), strictObject({ warmup: count('Requests before counting'), window: Type.Integer({ minimum: 1, description: 'Requests per single window' }) })),
    windowMultiples: Type.Array(Type.Integer({ minimum: 1 }), { description: 'Windows per scenario and process, in single windows: [1, 1, 2, 3]; a figure per request is (3n - single) / 2n' }),
    burnIterations: count('calibration-burn: known-loop iterations per request (--burn-iterations)'),
    repeatTolerancePercent: Type.Number(),
    doubledTolerancePercent: Type.Number(),
  },
  'How the counts were made',
);

export const RequestInstructionResultSchema = resultFileOfKind(
  'request-instructions',
  REQUEST_INSTRUCTION_SCHEMA_VERSION,
  {
    env: EnvSchema,
    config: RequestInstructionConfigSchema,
    cells: Type.Array(RequestCellSchema),
    calibration: nullable(KnownLoopCheckSchema),
    /** False when interrupted or a process failed: the cells present are those that finished. */
    complete: Type.Boolean(),
    failures: Type.Array(strictObject({ process: Type.String(), error: Type.String() })),
  },
  'One run of npm run bench -- --instructions',
);

export type CountedWindowRecord = Static<typeof CountedWindowSchema>;
export type RequestChecks = Static<typeof RequestChecksSchema>;
export type RequestCell = Static<typeof RequestCellSchema>;
export type KnownLoopCheck = Static<typeof KnownLoopCheckSchema>;
export type RequestInstructionConfig = Static<typeof RequestInstructionConfigSchema>;
export type RequestInstructionResult = Static<typeof RequestInstructionResultSchema>;

export const validateRequestInstructionResult = (value: unknown): Validation<RequestInstructionResult> =>
  validateAgainst(RequestInstructionResultSchema, value);
