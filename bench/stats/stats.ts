import type { MetricSummary } from '../../results/schema.ts';
import { percentile } from './percentile.ts';
import type { Random } from './random.ts';

/**
 * The statistics a result reports (DESIGN.md, "Metrics and statistics"): medians with percentile
 * bootstrap intervals, which assume nothing about the shape of the trials, and paired overheads
 * with Student-t intervals, which keep their coverage for the few rounds a run affords.
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
  /** Mean over rounds of 1 - cell / baseline: 0.05 = 5 % fewer, positive = slower. */
  mean: number;
  /** Median over rounds of the same ratios: robust to one odd round. */
  median: number;
  /** Student-t 95 % interval of the mean; null for a single pair. */
  ci95: Interval | null;
  /** Pairs used. */
  n: number;
}

/** The median; for an even count the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty sample');
  return medianOfSorted(Float64Array.from(values).sort());
}

/** The arithmetic mean; NaN for an empty sample. */
export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The change from base to head in percent of base; from a base of 0 only "no change" has a figure. */
export function relativeChangePercent(base: number, head: number): number | null {
  if (base === 0) return head === 0 ? 0 : null;
  return ((head - base) / Math.abs(base)) * 100;
}

/** Sum of squared deviations from the sample's own mean: the numerator of its variance. */
export function sumOfSquaredDeviations(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const centre = mean(values);
  return values.reduce((sum, value) => sum + (value - centre) ** 2, 0);
}

/** Sample standard deviation (n - 1) / |mean|; null for fewer than 2 values or a zero mean. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const centre = mean(values);
  if (centre === 0) return null;
  return Math.sqrt(sumOfSquaredDeviations(values) / (values.length - 1)) / Math.abs(centre);
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

/** From this many values on, the percentile bootstrap of the median is close to its stated 95 %. */
export const BOOTSTRAP_MIN_N = 20;

/**
 * Distribution-free interval of the median from order statistics: [x(k), x(n+1-k)] with the
 * largest k whose coverage, 1 - 2 P(Binomial(n, 1/2) < k), is still at least 95 %. From n = 6 it
 * holds 95 % whatever the shape of the trials; below, no such k exists and it is the range, which
 * holds 1 - 2^(1-n) (75 % at n = 3, 94 % at n = 5).
 */
export function orderStatisticMedianCi(values: readonly number[]): Interval {
  if (values.length === 0) throw new RangeError('interval of an empty sample');
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let k = 1;
  // P(B <= j) for B ~ Binomial(n, 1/2), summed up term by term.
  let term = 0.5 ** n;
  let below = term; // P(B <= 0)
  for (let j = 1; j < n; j += 1) {
    term = (term * (n - j + 1)) / j;
    const next = below + term; // P(B <= j)
    if (2 * next > 0.05) break;
    below = next;
    k = j + 1;
  }
  return [sorted[k - 1] as number, sorted[n - k] as number];
}

/**
 * Median, its 95 % interval (order statistics below BOOTSTRAP_MIN_N values, where a percentile
 * bootstrap of a handful of trials covers far less than it says; the bootstrap from there on),
 * CV and count of the non-null values.
 */
export function summarise(values: readonly (number | null)[], random: Random): MetricSummary {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return { median: null, ci95: null, cv: null, n: 0 };
  return {
    median: median(present),
    ci95: present.length < BOOTSTRAP_MIN_N ? orderStatisticMedianCi(present) : bootstrapMedianCi(present, { random }),
    cv: coefficientOfVariation(present),
    n: present.length,
  };
}

/**
 * Overhead of a cell against a baseline from trials paired by index (the same index ran in the
 * same round, next to each other, so drift cancels): per pair 1 - cell / baseline, computed as
 * (baseline - cell) / baseline so a cell exactly 10 % slower gives exactly 0.1. Null without pairs.
 * Every baseline value must be positive.
 *
 * The interval is Student's t on the mean of the per-round ratios, not a bootstrap: with the
 * handful of rounds a run affords, a percentile bootstrap of 3 pairs gives their range, which holds
 * the truth only about 75 % of the time; t keeps its 95 % for few rounds of roughly normal noise.
 */
export function pairedOverhead(cell: readonly number[], baseline: readonly number[]): PairedOverhead | null {
  if (cell.length !== baseline.length) {
    throw new RangeError(`paired samples differ in length: ${cell.length} vs ${baseline.length}`);
  }
  if (cell.length === 0) return null;
  const ratios = cell.map((value, index) => {
    const base = baseline[index] as number;
    if (!(base > 0)) throw new RangeError(`baseline value ${base} at ${index} is not positive`);
    return (base - value) / base;
  });
  return { mean: mean(ratios), median: median(ratios), ci95: meanCi(ratios), n: ratios.length };
}

/** Student-t 95 % interval of the mean; null for fewer than 2 values. */
export function meanCi(values: readonly number[]): Interval | null {
  const n = values.length;
  if (n < 2) return null;
  const centre = mean(values);
  const sd = Math.sqrt(sumOfSquaredDeviations(values) / (n - 1));
  const half = studentT975(n - 1) * (sd / Math.sqrt(n));
  return [centre - half, centre + half];
}

/** Two-sided 95 % quantiles of Student's t for 1 to 30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5 % quantile of Student's t: the table (interpolated), then the Cornish-Fisher expansion (error < 0.001). */
export function studentT975(degreesOfFreedom: number): number {
  if (!(degreesOfFreedom >= 1)) throw new RangeError(`degrees of freedom ${degreesOfFreedom} < 1`);
  const whole = Math.floor(degreesOfFreedom);
  const tabled = T975[whole - 1];
  if (tabled !== undefined) {
    // Welch's degrees of freedom are fractional: between two rows, linearly (t is convex in df,
    // so this errs a little wide, never narrow).
    const next = T975[whole] ?? studentT975(whole + 1);
    return whole === degreesOfFreedom ? tabled : tabled + (degreesOfFreedom - whole) * (next - tabled);
  }
  const z = 1.959964;
  const df = degreesOfFreedom;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

export type IntervalVerdict = 'above zero' | 'below zero' | 'includes zero';

/** Where an interval lies relative to zero: only a side that excludes zero is a difference. */
export function verdictOfInterval(interval: readonly [number, number] | null): IntervalVerdict {
  if (interval === null) return 'includes zero';
  if (interval[0] > 0) return 'above zero';
  if (interval[1] < 0) return 'below zero';
  return 'includes zero';
}

function medianOfSorted(sorted: Float64Array): number {
  const middle = sorted.length >> 1;
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

/**
 * Two independent samples (the trials of one figure in two result files), compared with Welch's
 * t: the difference of the means, its Student-t 95 % interval, the two-sided p-value. Welch, not
 * a pooled variance: the two runs need not be equally noisy.
 */
export interface TwoSampleTest {
  /** mean(head) - mean(base). */
  difference: number;
  /** Half the width of the 95 % interval of the difference: the smallest difference it would show. */
  halfWidth95: number;
  /** Welch-Satterthwaite degrees of freedom; Infinity when neither side varies. */
  degreesOfFreedom: number;
  /** Two-sided p of "no difference". */
  p: number;
}

/** Welch's t-test of head against base; null with fewer than 2 values on either side. */
export function welchTest(base: readonly number[], head: readonly number[]): TwoSampleTest | null {
  if (base.length < 2 || head.length < 2) return null;
  const varianceOfMean = (values: readonly number[]) => sumOfSquaredDeviations(values) / (values.length - 1) / values.length;
  const baseShare = varianceOfMean(base);
  const headShare = varianceOfMean(head);
  const difference = mean(head) - mean(base);
  const standardError = Math.sqrt(baseShare + headShare);
  if (standardError === 0) {
    // Neither side varies: any difference at all is certain, none is none.
    return { difference, halfWidth95: 0, degreesOfFreedom: Infinity, p: difference === 0 ? 1 : 0 };
  }
  const degreesOfFreedom =
    (baseShare + headShare) ** 2 / (baseShare ** 2 / (base.length - 1) + headShare ** 2 / (head.length - 1));
  const t = difference / standardError;
  return {
    difference,
    halfWidth95: studentT975(degreesOfFreedom) * standardError,
    degreesOfFreedom,
    p: studentTwoSidedP(t, degreesOfFreedom),
  };
}

/** P(|T| >= |t|) for Student's t with df degrees of freedom (df may be fractional). */
export function studentTwoSidedP(t: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`degrees of freedom ${degreesOfFreedom} <= 0`);
  if (!Number.isFinite(t)) return 0;
  return regularisedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
}

/**
 * Holm's step-down procedure: which of the p-values are significant so that the chance of any
 * false alarm among all of them stays at most `alpha` (uniformly more powerful than Bonferroni).
 */
export function holmSignificant(pValues: readonly number[], alpha = 0.05): boolean[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const significant = new Array<boolean>(pValues.length).fill(false);
  for (const [rank, { p, index }] of order.entries()) {
    if (p > alpha / (pValues.length - rank)) break;
    significant[index] = true;
  }
  return significant;
}

/** I_x(a, b) by its continued fraction (modified Lentz), as in Numerical Recipes' betai. */
function regularisedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only below the mean of the beta distribution; use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaFraction(1 - x, b, a)) / b;
  return (front * betaFraction(x, a, b)) / a;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let result = d;
  for (let m = 1; m <= 300; m += 1) {
    for (const numerator of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      result *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-12) break;
  }
  return result;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = coefficients[0] as number;
  for (let index = 1; index < coefficients.length; index += 1) sum += (coefficients[index] as number) / (shifted + index);
  const base = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(base) - base + Math.log(sum);
}
