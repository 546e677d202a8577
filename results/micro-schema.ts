import type { Static } from '@sinclair/typebox';
import { EnvSchema, TracerSchema } from './schema.ts';
import { nullable, resultFileOfKind, strictObject, Type, validateAgainst, type Validation } from './schema-kit.ts';

/**
 * The file `npm run bench:micro -- --json FILE` writes: per tracer lifecycle, the CPU cost of
 * keeping one root open through one stream's life, per strategy, without the network. Its own
 * small schema: the load result schema (results/schema.ts) describes another kind of run.
 */

export const MICRO_SCHEMA_VERSION = 1;

export const EstimateSchema = strictObject(
  {
    ns: Type.Number({ minimum: 0, description: 'Mean CPU time per request (ns), all threads of the process' }),
    rmePercent: Type.Number({ minimum: 0, description: "tinybench's relative margin of error of the mean (95 %, Student's t), in percent" }),
    samples: Type.Integer({ minimum: 1, description: 'tinybench samples; each sample is one batch of concurrent requests' }),
  },
  'A tinybench estimate of the mean CPU time per request',
);

export const DifferenceSchema = strictObject(
  {
    ns: Type.Number({ description: 'The difference of two means (ns); may be negative within its margin' }),
    marginNs: Type.Number({ minimum: 0, description: 'Its 95 % margin: the two margins combined as sqrt(a² + b²)' }),
  },
  'A difference of two estimates with its 95 % margin',
);

export const MicroCaseSchema = strictObject(
  {
    name: Type.String({ description: "'no strategy', a strategy's name, or 'SDK span work alone'" }),
    kind: Type.Union([Type.Literal('baseline'), Type.Literal('strategy'), Type.Literal('sdk')]),
    unit: Type.Union([Type.Literal('chunk'), Type.Literal('child span')], {
      description: 'What a request carries N of: stream chunks, or child spans for the SDK case',
    }),
    withoutUnits: EstimateSchema,
    withUnits: EstimateSchema,
    perUnit: DifferenceSchema,
    ownCost: nullable(DifferenceSchema),
    rootStatuses: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'How the roots ended, status → count, over every request the case ran (warm-up included)',
    }),
  },
  'One case: withUnits / withoutUnits = a request with N / 0 units; perUnit = their difference / N; ownCost = withUnits minus the no-strategy baseline (strategies only)',
);

export const MicroLifecycleSchema = strictObject(
  {
    tracer: TracerSchema,
    cases: Type.Array(MicroCaseSchema),
    sdk: nullable(
      strictObject(
        {
          envelopes: Type.Integer({ minimum: 0, description: 'Envelopes the SDK serialised and handed to its transport (otel: OTLP exports serialised)' }),
          bytes: Type.Integer({ minimum: 0, description: 'Their serialised size' }),
        },
        "What the SDK really produced: its transport's sends, serialised then discarded; null for tracer none",
      ),
    ),
  },
  "Every case under one tracer, measured in a process of its own (the SDK initialises once per process). Tracer none: inert roots, no SDK loaded, so the strategies' own mechanism alone",
);

export const MicroConfigSchema = strictObject(
  {
    timeMs: Type.Integer({ minimum: 1, description: "tinybench's time budget per measurement (ms)" }),
    warmupMs: Type.Integer({ minimum: 0, description: "tinybench's warm-up budget per measurement (ms)" }),
    units: Type.Integer({ minimum: 1, description: 'N: chunks per stream (child spans per root for the SDK case)' }),
    requestsPerSample: Type.Integer({ minimum: 1, description: 'Requests run concurrently in one sample; the sample is their CPU time / this' }),
    tickMs: Type.Number({ exclusiveMinimum: 0, description: "The polling strategies' tick (ms)" }),
    node: Type.String({ description: "The Node the measured children ran on (--node) and its version, e.g. 'node24 v24.21.0'" }),
    clock: Type.String({ description: 'What a sample measures' }),
    transport: Type.String({ description: 'Where the SDK output went' }),
  },
  'How the micro benchmark ran',
);

export const MicroResultSchema = resultFileOfKind(
  'micro',
  MICRO_SCHEMA_VERSION,
  {
    env: EnvSchema,
    config: MicroConfigSchema,
    lifecycles: Type.Array(MicroLifecycleSchema),
  },
  'One run of npm run bench:micro',
);

export type Estimate = Static<typeof EstimateSchema>;
export type Difference = Static<typeof DifferenceSchema>;
export type MicroCaseResult = Static<typeof MicroCaseSchema>;
export type MicroLifecycle = Static<typeof MicroLifecycleSchema>;
export type MicroConfig = Static<typeof MicroConfigSchema>;
export type MicroResult = Static<typeof MicroResultSchema>;

export const validateMicroResult = (value: unknown): Validation<MicroResult> => validateAgainst(MicroResultSchema, value);
export const validateMicroLifecycle = (value: unknown): Validation<MicroLifecycle> => validateAgainst(MicroLifecycleSchema, value);
