import type { MetricSummary } from '../results/schema.ts';
import { percentile } from './percentile.ts';
import type { Random } from './random.ts';

/**
 * The statistics a result reports (DESIGN.md, "Metrics and statistics"): medians with percentile
 * bootstrap intervals, which assume nothing about the shape of a handful of noisy trials.
 *
 * Small samples: for n = 1 the interval is [value, value] and the CV is null (a single trial says
 * nothing about spread); for n = 0 there is no figure at all (nulls).
 */

export type Interval = [low: number, high: number];

export interface BootstrapOptions {
  /** Resamples drawn; 2000 keeps the 2.5 % / 97.5 % tails steady to about a percent. */
  resamples?: number;
  confidence?: number;
  /** Seeded, so the same data and seed give the same interval. */
  random: Random;
}

export interface PairedOverhead {
  /** Median over rounds of 1 - cell / baseline: 0.05 = 5 % fewer, positive = slower. */
  median: number;
  ci95: Interval;
  /** Pairs used. */
  n: number;
}

/** The median; for an even count the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty sample');
  return medianOfSorted(Float64Array.from(values).sort());
}

/** Sample standard deviation (n - 1) / |mean|; null for fewer than 2 values or a zero mean. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  if (mean === 0) return null;
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return Math.sqrt(squares / (values.length - 1)) / Math.abs(mean);
}

/**
 * Percentile bootstrap interval of the median: resample with replacement, take each resample's
 * median, and cut the tails of those medians at (1 - confidence) / 2.
 */
export function bootstrapMedianCi(values: readonly number[], options: BootstrapOptions): Interval {
  const { resamples = 2000, confidence = 0.95, random } = options;
  if (values.length === 0) throw new RangeError('bootstrap of an empty sample');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} is outside (0, 1)`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer`);
  if (values.length === 1) return [values[0] as number, values[0] as number];

  const resample = new Float64Array(values.length);
  const medians = new Float64Array(resamples);
  for (let draw = 0; draw < resamples; draw += 1) {
    for (let slot = 0; slot < values.length; slot += 1) {
      resample[slot] = values[Math.floor(random() * values.length)] as number;
    }
    medians[draw] = medianOfSorted(resample.sort());
  }
  const sortedMedians = Array.from(medians.sort());
  const tail = ((1 - confidence) / 2) * 100;
  return [percentile(sortedMedians, tail), percentile(sortedMedians, 100 - tail)];
}

/** Median, 95 % bootstrap interval, CV and count of the non-null values. */
export function summarise(values: readonly (number | null)[], random: Random): MetricSummary {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return { median: null, ci95: null, cv: null, n: 0 };
  return {
    median: median(present),
    ci95: bootstrapMedianCi(present, { random }),
    cv: coefficientOfVariation(present),
    n: present.length,
  };
}

/**
 * Overhead of a cell against a baseline from trials paired by index (the same index ran in the
 * same round, next to each other, so drift cancels): per pair 1 - cell / baseline, computed as
 * (baseline - cell) / baseline so a cell exactly 10 % slower gives exactly 0.1. Null without pairs.
 * Every baseline value must be positive.
 */
export function pairedOverhead(
  cell: readonly number[],
  baseline: readonly number[],
  random: Random,
): PairedOverhead | null {
  if (cell.length !== baseline.length) {
    throw new RangeError(`paired samples differ in length: ${cell.length} vs ${baseline.length}`);
  }
  if (cell.length === 0) return null;
  const ratios = cell.map((value, index) => {
    const base = baseline[index] as number;
    if (!(base > 0)) throw new RangeError(`baseline value ${base} at ${index} is not positive`);
    return (base - value) / base;
  });
  return { median: median(ratios), ci95: bootstrapMedianCi(ratios, { random }), n: ratios.length };
}

export type IntervalVerdict = 'above zero' | 'below zero' | 'includes zero';

/** Where an interval lies relative to zero: only a side that excludes zero is a difference. */
export function verdictOfInterval(interval: readonly [number, number]): IntervalVerdict {
  if (interval[0] > 0) return 'above zero';
  if (interval[1] < 0) return 'below zero';
  return 'includes zero';
}

function medianOfSorted(sorted: Float64Array): number {
  const middle = sorted.length >> 1;
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}
