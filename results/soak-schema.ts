import type { Static } from '@sinclair/typebox';
import { EnvSchema, NodeRuntimeSchema, NodeVersionSchema, StrategyModulesSchema, TracerSchema } from './schema.ts';
import { count, jsonSchemaText, nullable, resultFileOfKind, strictObject, Type, validateAgainst, type Validation } from './schema-kit.ts';

/**
 * The file `npm run bench -- --scenarios long-idle --soak MIN` writes: per cell, the server's heap
 * after a forced GC against the number of streams it has finished, and the slope of that line.
 * Its own small schema, like the micro benchmark's: the load result schema describes another kind
 * of run. results/soak-schema.json is generated from it (`npm run schema`).
 */

// 2: every cell names the Node its server ran on (the Node axis).
export const SOAK_SCHEMA_VERSION = 2;
export const SOAK_SCHEMA_ID = 'urn:streamtrace-bench:soak:2';

export const SoakVerdictSchema = Type.Union([Type.Literal('leak'), Type.Literal('no leak'), Type.Literal('inconclusive')], {
  description:
    "'leak': the slope's 95 % interval lies wholly above the threshold; 'no leak': wholly below it; 'inconclusive': it straddles the threshold, or too few samples to fit",
});

export const SoakSampleSchema = strictObject(
  {
    wave: Type.Integer({ minimum: 1, description: 'The wave after which the sample was taken, from 1' }),
    streams: count('Streams the server had finished (response closed) by then, since it started'),
    heapAfterGcMb: Type.Number({ minimum: 0, description: 'Server V8 heap used after a forced GC (MiB)' }),
    warmUp: Type.Boolean({ description: 'A warm-up sample: recorded, not fitted' }),
  },
  "One reading of the server's heap, once a wave of streams had finished and the SDK had flushed",
);

export const SoakSlopeSchema = strictObject(
  {
    estimate: Type.Number({ description: 'Least-squares slope of heap after GC against streams finished (MiB per 10 000 streams)' }),
    ci95: Type.Tuple([Type.Number(), Type.Number()], { description: "The slope's 95 % interval (Student's t, n - 2 degrees of freedom)" }),
    n: Type.Integer({ minimum: 3, description: 'Samples fitted' }),
    residualSdMb: Type.Number({ minimum: 0, description: "The samples' scatter about the line (MiB)" }),
  },
  'The memory growth per finished stream, scaled to 10 000 streams',
);

export const SoakCellSchema = strictObject(
  {
    label: Type.String(),
    strategy: Type.String(),
    tracer: TracerSchema,
    node: NodeRuntimeSchema,
    nodeVersion: NodeVersionSchema,
    failed: nullable(Type.String({ description: 'Why the cell stopped early (e.g. the server crashed); its samples so far are kept' })),
    waves: count('Waves run'),
    streams: count('Streams the server finished'),
    errors: count('Streams that did not complete from the client side (refused, broken, timed out)'),
    samples: Type.Array(SoakSampleSchema),
    slopeMbPer10k: nullable(SoakSlopeSchema),
    verdict: SoakVerdictSchema,
    leaking: Type.Boolean({ description: "verdict is 'leak'" }),
  },
  "One cell's soak: a fresh server, waves of streams, a heap sample after each",
);

export const SoakConfigSchema = strictObject(
  {
    strategies: Type.Array(Type.String()),
    strategyModules: Type.Optional(StrategyModulesSchema),
    tracers: Type.Array(TracerSchema),
    nodes: Type.Array(NodeRuntimeSchema, { minItems: 1, description: 'The Node axis (--node): every cell soaked on one of these' }),
    scenario: Type.Literal('long-idle'),
    minutesPerCell: Type.Number({ exclusiveMinimum: 0, description: "Each cell's soak (--soak, min): waves start while one more fits; server start-up not included" }),
    maxWavesPerCell: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Each cell ended after this many waves if its minutes were not up first (--waves); null: no limit' }),
    ),
    waveStreams: Type.Integer({ minimum: 1, description: 'Streams opened at once per wave (--long-idle-streams)' }),
    streamSec: Type.Integer({ minimum: 1, description: 'Life of each stream (s): a heartbeat a second, then it ends (--long-idle-sec)' }),
    tickMs: Type.Number({ exclusiveMinimum: 0, description: "The polling strategies' tick (ms)" }),
    warmUpStreams: count('Samples up to this many finished streams are warm-up: recorded, not fitted'),
    warmUpFraction: Type.Number({ minimum: 0, maximum: 1, description: "So is this fraction of a cell's first samples, when that is longer" }),
    leakThresholdMbPer10k: Type.Number({ minimum: 0, description: 'A slope whose whole interval lies above this is a leak (MiB per 10 000 streams)' }),
    order: Type.Array(Type.String(), { description: "The cells in the order they ran, as 'label/tracer/node24'" }),
  },
  'How the soak ran',
);

export const SoakFileSchema = resultFileOfKind(
  'soak',
  SOAK_SCHEMA_VERSION,
  {
    complete: Type.Boolean({ description: 'False when the soak was interrupted or a cell failed' }),
    env: EnvSchema,
    config: SoakConfigSchema,
    cells: Type.Array(SoakCellSchema),
  },
  'One memory soak of streamtrace-bench',
);

export type SoakVerdict = Static<typeof SoakVerdictSchema>;
export type SoakSample = Static<typeof SoakSampleSchema>;
export type SoakSlope = Static<typeof SoakSlopeSchema>;
export type SoakCell = Static<typeof SoakCellSchema>;
export type SoakConfig = Static<typeof SoakConfigSchema>;
export type SoakFile = Static<typeof SoakFileSchema>;

export type SoakValidation = Validation<SoakFile>;

/** Checks a parsed soak file; on failure, the first problem as one line: `path: message`. */
export function validateSoakFile(value: unknown): SoakValidation {
  return validateAgainst(SoakFileSchema, value);
}

/** The text of results/soak-schema.json. */
export function soakJsonSchemaText(): string {
  return jsonSchemaText(SoakFileSchema, SOAK_SCHEMA_ID, 'streamtrace-bench memory soak');
}
