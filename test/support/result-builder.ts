import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMatrix } from '../../bench/harness/matrix.ts';
import type { ScenarioName } from '../../bench/harness/scenarios.ts';
import { summariseCells, type UnsummarisedCell } from '../../bench/harness/summarise-cell.ts';
import { RULES } from '../../results/schema.ts';
import { SCHEMA_VERSION, type Config, type Env, type ResultCell, type ResultFile, type Trial, type Violations } from '../../results/schema.ts';
import type { AnyStrategyName } from '../../strategies/registry.ts';
import type { TracerName } from '../../servers/tracer.ts';
import type { NodeRuntime } from '../../bench/common/node-runtime.ts';
import { cellName } from '../../results/cell-name.ts';

/**
 * Synthetic but schema-valid result files for the compare, report and merge tests: a real matrix
 * (bench/harness/matrix.ts), plausible trials, and summaries computed by the suite's own summariser, so
 * the files look like a real run without running one.
 */

const NO_VIOLATIONS = Object.fromEntries(RULES.map((rule) => [rule, 0])) as Violations;

/** Per-trial wobble: small and symmetric, so every interval is narrow but not a point. */
const NOISE = [0, 0.01, -0.01, 0.005, -0.005, 0.002, -0.002];

export interface RunSpec {
  strategies?: AnyStrategyName[];
  tracers?: TracerName[];
  scenarios?: ScenarioName[];
  nodes?: NodeRuntime[];
  trials?: number;
  seed?: number;
  quick?: boolean;
}

/** What each runtime's binary says it is, as the pinned packages do. */
export const EXAMPLE_NODE_VERSIONS: Record<NodeRuntime, string> = { system: 'v20.19.0', '20': 'v20.20.2', '22': 'v22.23.3', '24': 'v24.21.0' };

export const DEFAULT_RUN: Required<RunSpec> = {
  strategies: ['untraced', 'sdk-default', 'handler-return', 'close-listener'],
  tracers: ['sentry-static', 'sentry-stream'],
  scenarios: ['sse-tokens', 'long-idle'],
  nodes: ['24'],
  trials: 5,
  seed: 7,
  quick: false,
};

/** The environment of every built result: one made-up machine. */
export const EXAMPLE_ENV: Env = {
  node: 'v20.19.0',
  os: { platform: 'linux', release: '6.8.0', arch: 'x64' },
  cpuModel: 'Example CPU @ 3.00GHz',
  cpus: 2,
  totalMemoryMb: 4096,
  packages: { fastify: '5.12.8', '@sentry/node': '11.12.0', autocannon: '9.0.0' },
  gitCommit: '0123456789abcdef0123456789abcdef01234567',
  gitDirty: false,
  pinning: { available: true, server: 'cpu 0', load: 'cpu 1', note: 'taskset' },
};

/** A whole run: every cell of the matrix with `trials` successful trials. */
export function buildResult(spec: RunSpec = {}): ResultFile {
  const run = { ...DEFAULT_RUN, ...spec };
  const matrix = buildMatrix(run.strategies, run.tracers, run.scenarios, run.nodes);
  const unsummarised: UnsummarisedCell[] = matrix.map((cell, cellIndex) => ({
    ...cell,
    nodeVersion: EXAMPLE_NODE_VERSIONS[cell.node],
    failed: null,
    trials: Array.from({ length: run.trials }, (_, index) => makeTrial(cell, cellIndex, index)),
  }));
  const cells = summariseCells(unsummarised, { seed: run.seed });
  return resultFileOf(cells, {
    strategies: run.strategies,
    tracers: run.tracers,
    scenarios: run.scenarios,
    nodes: run.nodes,
    trials: run.trials,
    seed: run.seed,
    quick: run.quick,
  });
}

/**
 * A result file around summarised cells: the example machine, a plausible config (the given fields
 * win) and the executed order, rounds interleaving every cell as the real scheduler does.
 */
export function resultFileOf(cells: ResultCell[], config: Partial<Config> = {}): ResultFile {
  const rounds = Math.max(0, ...cells.map((cell) => cell.trials.length));
  return {
    schemaVersion: SCHEMA_VERSION,
    createdAt: '2030-01-01T12:00:00.000Z',
    complete: true,
    failures: [],
    env: structuredClone(EXAMPLE_ENV),
    config: {
      strategies: [...new Set(cells.map((cell) => cell.strategy))],
      tracers: [...new Set(cells.flatMap((cell) => (cell.tracer === 'none' ? [] : [cell.tracer])))],
      scenarios: [...new Set(cells.map((cell) => cell.scenario))],
      nodes: [...new Set(cells.map((cell) => cell.node))],
      trials: rounds,
      durationSec: 10,
      warmupSec: 2,
      connections: 50,
      seed: 7,
      quick: false,
      calibrate: false,
      tickMs: 50,
      longIdleStreams: 200,
      longIdleSec: 3,
      verifier: { endToleranceMs: 90, rangeToleranceMs: 1 },
      order: Array.from({ length: rounds }, (_, round) => cells.map((cell) => `${cellName(cell)}#${round}`)).flat(),
      ...config,
    },
    cells,
  };
}

/** A deep copy, as a file read back would be: safe to change. */
export function copyResult(result: ResultFile): ResultFile {
  return structuredClone(result);
}

/** The cell of a result by its name parts; throws when absent so a test cannot pass vacuously. */
export function findCell(result: ResultFile, label: string, tracer: string, scenario: string, node = '24'): ResultCell {
  const cell = result.cells.find(
    (candidate) => candidate.label === label && candidate.tracer === tracer && candidate.scenario === scenario && candidate.node === node,
  );
  if (!cell) throw new Error(`no cell ${label}/${tracer}/${scenario} on Node ${node}`);
  return cell;
}

/** Writes a value as JSON (or a string as it is) and returns the path. */
export function writeInput(directory: string, name: string, value: unknown): string {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, name);
  writeFileSync(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

interface MatrixCell {
  label: string;
  strategy: string;
  tracer: TracerName;
  scenario: string;
}

function makeTrial(cell: MatrixCell, cellIndex: number, index: number): Trial {
  const wobble = 1 + (NOISE[(index + cellIndex) % NOISE.length] ?? 0);
  const traced = cell.tracer !== 'none';
  // Tracing costs something, and each strategy a little differently, so the cells are told apart.
  const cost = traced ? 1.2 + (cellIndex % 5) * 0.05 : 1;
  const longIdle = cell.scenario === 'long-idle';
  const broken = cell.strategy === 'handler-return';
  const requests = 1000;
  const correct = traced ? (broken ? 0 : requests) : 0;
  return {
    index,
    round: index,
    startedAt: new Date(Date.UTC(2030, 0, 1, 12, 0, index * 20 + (cellIndex % 20))).toISOString(),
    requestsPerSec: (longIdle ? 60 : 1000 / cost) * wobble,
    bytesPerSec: (longIdle ? 6_000 : 700_000 / cost) * wobble,
    latencyP50Ms: (longIdle ? 3000 : 150 * cost) * wobble,
    latencyP90Ms: (longIdle ? 3010 : 280 * cost) * wobble,
    latencyP99Ms: (longIdle ? 3050 : 460 * cost) * wobble,
    ttfbMs: 20 * cost * wobble,
    maxGapMs: (longIdle ? 1005 : 22 * cost) * wobble,
    cpuMsPerRequest: 3 * cost * wobble,
    cpuUtilisation: 0.95 * wobble,
    rssPeakMb: 90 * cost * wobble,
    heapPeakMb: 20 * cost * wobble,
    heapAfterGcMb: 12 * cost * wobble,
    eventLoopDelayP99Ms: 25 * cost * wobble,
    requests,
    errors: 0,
    timeouts: 0,
    correct,
    correctRate: traced ? correct / requests : null,
    violations: broken ? { ...NO_VIOLATIONS, outOfRange: 900, multipleRoots: 400 } : { ...NO_VIOLATIONS },
    leakedOpen: traced && cell.strategy !== 'sdk-default' ? 0 : null,
    durationErrorMs: traced ? { count: requests, min: 0.1, p50: 0.5, p90: 1, p99: 2, max: 5 } : null,
    sdkDiscarded: {},
    openStreams: longIdle ? 200 : null,
    memoryPerStreamKb: longIdle ? 12 * cost * wobble : null,
    error: null,
  };
}
