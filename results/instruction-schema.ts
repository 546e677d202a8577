import type { Static } from '@sinclair/typebox';
import { EnvSchema, TracerSchema } from './schema.ts';
import { nullable, resultFileOfKind, strictObject, Type, validateAgainst, type Validation } from './schema-kit.ts';

/**
 * The file `npm run bench:micro -- --instructions --json FILE` writes: instructions counted under
 * valgrind (cachegrind) for synchronous, scripted cases, per unit (a stream, a tick per open stream,
 * a child span, a root), from the difference of two iteration counts, repeated.
 */

/** 2: each run's allocated bytes and each case's bytes per unit; the SDK's warm-up in the config. */
export const INSTRUCTION_SCHEMA_VERSION = 2;

export const SpreadSchema = strictObject(
  {
    mean: Type.Number({ description: 'Mean over the repeats (instructions per unit)' }),
    min: Type.Number(),
    max: Type.Number(),
    spreadPercent: Type.Number({ minimum: 0, description: '(max - min) / |mean|, in percent: how far the repeats disagree' }),
  },
  'A figure over the repeats',
);

export const InstructionRunSchema = strictObject(
  {
    repeat: Type.Integer({ minimum: 0 }),
    count: Type.Integer({ minimum: 0, description: 'Iterations counted (after the warm-up, the same at both counts)' }),
    instructions: Type.Integer({ minimum: 0, description: "cachegrind's I refs for the whole process" }),
    allocatedBytes: Type.Integer({ description: 'Heap bytes the counted part allocated (the loop and what it set off); the child ran no GC' }),
  },
  'One child process under cachegrind',
);

export const InstructionCaseSchema = strictObject(
  {
    name: Type.String(),
    tracer: TracerSchema,
    group: Type.Union([Type.Literal('baseline'), Type.Literal('strategy'), Type.Literal('tick'), Type.Literal('sdk'), Type.Literal('calibration')]),
    unit: Type.String({ description: 'What one figure is per: a stream, an open stream per tick, a child span, a root, a loop iteration' }),
    strategy: nullable(Type.String()),
    counts: Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 })]),
    runs: Type.Array(InstructionRunSchema),
    perUnit: SpreadSchema,
    // Heap bytes allocated per unit, from the same two counts: what a garbage collector, which the
    // counts leave out, would have to collect.
    bytesPerUnit: SpreadSchema,
    // Strategies only: per stream, minus the 'no strategy' baseline of the same tracer, paired by repeat.
    ownCost: nullable(SpreadSchema),
  },
  'One case: perUnit = (instructions at the high count - at the low count) / (count difference), per repeat',
);

export const CalibrationCheckSchema = strictObject(
  {
    name: Type.String(),
    expected: Type.Number({ description: 'The ratio the method must read' }),
    measured: Type.Number(),
    tolerancePercent: Type.Number({ minimum: 0 }),
    pass: Type.Boolean(),
    detail: Type.String(),
  },
  'A check of the method against a known answer',
);

export const InstructionConfigSchema = strictObject(
  {
    repeats: Type.Integer({ minimum: 1 }),
    node: Type.String({ description: 'The Node binary the children ran on, and its version' }),
    nodeFlags: Type.Array(Type.String()),
    valgrind: Type.String({ description: 'valgrind --version, and the tool options' }),
    chunksPerStream: Type.Integer({ minimum: 1 }),
    openStreamsPerTick: Type.Integer({ minimum: 1 }),
    warmupIterations: Type.Integer({ minimum: 0, description: 'Iterations before the counted part, without an SDK' }),
    sdkWarmupIterations: Type.Integer({ minimum: 0, description: 'Iterations before the counted part, with an SDK (none for the child span case, whose spans share one root)' }),
    repeatTolerancePercent: Type.Number({ description: 'How far repeats of a case may disagree' }),
  },
  'How the instruction counts were made',
);

export const InstructionResultSchema = resultFileOfKind(
  'instructions',
  INSTRUCTION_SCHEMA_VERSION,
  {
    env: EnvSchema,
    config: InstructionConfigSchema,
    cases: Type.Array(InstructionCaseSchema),
    calibration: Type.Array(CalibrationCheckSchema),
  },
  'One run of npm run bench:micro -- --instructions',
);

export type Spread = Static<typeof SpreadSchema>;
export type InstructionRun = Static<typeof InstructionRunSchema>;
export type InstructionCaseResult = Static<typeof InstructionCaseSchema>;
export type CalibrationCheck = Static<typeof CalibrationCheckSchema>;
export type InstructionResult = Static<typeof InstructionResultSchema>;

export const validateInstructionResult = (value: unknown): Validation<InstructionResult> => validateAgainst(InstructionResultSchema, value);
