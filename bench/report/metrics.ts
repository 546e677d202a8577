import type { CellSummary, MetricSummary } from '../../results/schema.ts';

/** Which way is good: more requests per second, but less latency, CPU and memory. */
export type Direction = 'bigger-is-better' | 'smaller-is-better';

/**
 * How a change is worded: throughput and latency are `faster` / `slower`, resources (CPU, memory,
 * event-loop delay) `better` / `worse`.
 */
export type MetricKind = 'speed' | 'resource';

/** The summary fields that hold a MetricSummary. */
export type SummaryMetric = {
  [K in keyof CellSummary]: CellSummary[K] extends MetricSummary ? K : never;
}[keyof CellSummary];

export interface MetricDefinition {
  metric: SummaryMetric;
  /** For a sentence or a table: 'requests/s'. */
  title: string;
  /** Unit of the value as stored: 'req/s', 'ms'. */
  unit: string;
  /** Short and unique within a cell, for benchmark names: 'req/s', 'latency p99 ms'. */
  shortName: string;
  direction: Direction;
  kind: MetricKind;
  /** Measured in time, so a noisy host moves it (memory is not): compare calls no difference in it from a host noisier than --max-noise. */
  wallClock: boolean;
}

/** The figures compare judges and the benchmark export publishes, in the order they are shown. */
export const COMPARED_METRICS: readonly MetricDefinition[] = [
  { metric: 'requestsPerSec', title: 'requests/s', unit: 'req/s', shortName: 'req/s', direction: 'bigger-is-better', kind: 'speed', wallClock: true },
  { metric: 'bytesPerSec', title: 'bytes/s', unit: 'B/s', shortName: 'bytes/s', direction: 'bigger-is-better', kind: 'speed', wallClock: true },
  { metric: 'latencyP50Ms', title: 'latency p50', unit: 'ms', shortName: 'latency p50 ms', direction: 'smaller-is-better', kind: 'speed', wallClock: true },
  { metric: 'latencyP99Ms', title: 'latency p99', unit: 'ms', shortName: 'latency p99 ms', direction: 'smaller-is-better', kind: 'speed', wallClock: true },
  { metric: 'ttfbMs', title: 'time to first byte', unit: 'ms', shortName: 'TTFB ms', direction: 'smaller-is-better', kind: 'speed', wallClock: true },
  { metric: 'maxGapMs', title: 'largest gap between chunks', unit: 'ms', shortName: 'max chunk gap ms', direction: 'smaller-is-better', kind: 'speed', wallClock: true },
  { metric: 'cpuMsPerRequest', title: 'server CPU per request', unit: 'ms', shortName: 'CPU ms/req', direction: 'smaller-is-better', kind: 'resource', wallClock: true },
  { metric: 'rssPeakMb', title: 'RSS peak', unit: 'MiB', shortName: 'RSS peak MiB', direction: 'smaller-is-better', kind: 'resource', wallClock: false },
  { metric: 'heapPeakMb', title: 'heap peak', unit: 'MiB', shortName: 'heap peak MiB', direction: 'smaller-is-better', kind: 'resource', wallClock: false },
  { metric: 'eventLoopDelayP99Ms', title: 'event-loop delay p99', unit: 'ms', shortName: 'event-loop delay p99 ms', direction: 'smaller-is-better', kind: 'resource', wallClock: true },
  { metric: 'memoryPerStreamKb', title: 'heap per open stream', unit: 'KiB', shortName: 'memory per stream KiB', direction: 'smaller-is-better', kind: 'resource', wallClock: false },
];
