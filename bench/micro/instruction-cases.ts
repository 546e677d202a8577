import type { TracerName } from '../../servers/tracer.ts';

/**
 * The cases npm run bench:micro -- --instructions counts under cachegrind: each a synchronous,
 * scripted loop (bench/micro/instruction-child.ts), so that nothing in it waits for wall time.
 * This file only names them: the parent reads it without loading any SDK.
 */

export type InstructionGroup = 'baseline' | 'strategy' | 'tick' | 'sdk' | 'calibration';

export interface InstructionCase {
  /** Unique with its tracer; what the table shows. */
  readonly name: string;
  readonly tracer: TracerName;
  readonly group: InstructionGroup;
  /** What one iteration of the loop is: the figure is instructions per one of these. */
  readonly unit: 'stream' | 'open stream per tick' | 'child span' | 'root' | 'loop iteration';
  /** The strategy it runs, where it runs one: a built-in one, or one from --strategy-module. */
  readonly strategy: string | null;
  /** Units one iteration does: the open streams a tick looks at, the loop's iterations; else 1. */
  readonly unitsPerIteration: number;
  /** Iteration counts: the figure is the difference of the two runs' instructions over the difference of these. */
  readonly counts: readonly [number, number];
}

/** Chunks per stream in the stream cases (sse-tokens sends 20 events). */
export const CHUNKS_PER_STREAM = 20;
/** Open streams a polling tick looks at in the tick cases; the tick's fixed work is shared by them. */
export const OPEN_STREAMS_PER_TICK = 100;
/** Iterations of the known extra loop added to each stream in the calibration case. */
export const EXTRA_LOOP_ITERATIONS = 200;
/** Iterations before the counted part, the same at both counts (fewer with the SDK, whose roots cost far more). */
export const WARMUP_ITERATIONS = 300;
export const SDK_WARMUP_ITERATIONS = 50;

const STREAM_COUNTS = [1_000, 3_000] as const;
/**
 * A root with the SDK costs tens of times a stream without one, so fewer of them are counted; a
 * thousand apart, so that what still differs from process to process with Sentry (measured: up to
 * 2.3 M instructions; see the README) is under 0.2 % of the
 * difference. The young generation of COUNTING_NODE_FLAGS (bench/common/valgrind.ts) holds all that the
 * high count allocates.
 */
const SDK_COUNTS = [200, 1_200] as const;
const STRATEGIES = ['handler-return', 'close-listener', 'timer-keepalive', 'worker-thread-watcher'] as const;
const POLLING = ['timer-keepalive', 'worker-thread-watcher'] as const;

/** A strategy brought with --strategy-module that owns the root, as the cases need to know it. */
export interface ModuleCaseStrategy {
  readonly name: string;
  /** It has pollNow: it gets a tick case. */
  readonly polling: boolean;
}

function lifecycleCases(tracer: TracerName, strategies: readonly string[]): InstructionCase[] {
  const counts = tracer === 'none' ? STREAM_COUNTS : SDK_COUNTS;
  return [
    { name: 'no strategy', tracer, group: 'baseline', unit: 'stream', strategy: null, unitsPerIteration: 1, counts },
    ...strategies.map((strategy): InstructionCase => ({ name: strategy, tracer, group: 'strategy', unit: 'stream', strategy, unitsPerIteration: 1, counts })),
  ];
}

function sdkCases(tracer: TracerName): InstructionCase[] {
  return [
    // One root holds them all; fewer than Sentry's 1 000 spans per transaction.
    { name: 'child span', tracer, group: 'sdk', unit: 'child span', strategy: null, unitsPerIteration: 1, counts: [100, 900] },
    { name: 'root start and end', tracer, group: 'sdk', unit: 'root', strategy: null, unitsPerIteration: 1, counts: SDK_COUNTS },
  ];
}

/** Every case, the strategies of `modules` (--strategy-module) beside the built-in ones in each tracer's. */
export function instructionCases(modules: readonly ModuleCaseStrategy[] = []): InstructionCase[] {
  const strategies = [...STRATEGIES, ...modules.map((module) => module.name)];
  const polling = [...POLLING, ...modules.filter((module) => module.polling).map((module) => module.name)];
  return [
    ...lifecycleCases('none', strategies),
    ...polling.map((strategy): InstructionCase => ({
      name: `${strategy} tick`,
      tracer: 'none',
      group: 'tick',
      unit: 'open stream per tick',
      strategy,
      unitsPerIteration: OPEN_STREAMS_PER_TICK,
      counts: [200, 600],
    })),
    // Calibration of the method: a strategy's work done twice per stream (two responses tracked),
    // against its own doubled baseline, must read twice the single cost; and a known extra loop.
    { name: 'no strategy x2', tracer: 'none', group: 'calibration', unit: 'stream', strategy: null, unitsPerIteration: 1, counts: STREAM_COUNTS },
    { name: 'close-listener x2', tracer: 'none', group: 'calibration', unit: 'stream', strategy: 'close-listener', unitsPerIteration: 1, counts: STREAM_COUNTS },
    { name: 'no strategy + extra loop', tracer: 'none', group: 'calibration', unit: 'stream', strategy: null, unitsPerIteration: 1, counts: STREAM_COUNTS },
    // The same loop, called as the stream case calls it, alone.
    { name: 'extra loop alone', tracer: 'none', group: 'calibration', unit: 'loop iteration', strategy: null, unitsPerIteration: EXTRA_LOOP_ITERATIONS, counts: STREAM_COUNTS },
    ...(['sentry-static', 'sentry-stream', 'otel'] as const).flatMap((tracer) => [...lifecycleCases(tracer, strategies), ...sdkCases(tracer)]),
  ];
}

export const INSTRUCTION_CASES: readonly InstructionCase[] = instructionCases();

export const caseKey = (entry: Pick<InstructionCase, 'tracer' | 'name'>): string => `${entry.tracer}/${entry.name}`;

export function findInstructionCase(key: string, cases: readonly InstructionCase[] = INSTRUCTION_CASES): InstructionCase | undefined {
  return cases.find((entry) => caseKey(entry) === key);
}
