import { mean, studentT975, studentTwoSidedP, sumOfSquaredDeviations } from './stats.ts';

/**
 * One figure pooled over many cells of two runs: the geometric mean over the cells of each cell's
 * head/base ratio, with a 95 % interval that holds when the cells are not independent.
 *
 * Why not an interval that treats cells as independent: the cells of one scenario run one after
 * another in each round, so they share the host's moment (a busy neighbour, a slow minute). On the
 * committed run of 2026-12-01 the round-to-round residuals of two cells of one scenario correlate
 * by 0.28 on average on sse-tokens and bulk-download (about 0 on plain-json), so the cells' mean
 * log-ratio varies about 1 + 14 x 0.28 = 5 times more than fifteen independent cells would. A
 * Student-t interval over the cells' log-ratios, or one from the cells' own variances summed, is
 * then far too narrow: splitting that run's five rounds into every 2-against-3 A/A pair (10
 * splits, 8 pooled figures: per tracer and over the run, CPU per request and req/s), the t-interval
 * over the cells' log-ratios excluded zero in 23 of 80, where 95 % promises about 4.
 *
 * The unit that is independent is a scenario's round (scenarios run one after another, rounds
 * within a scenario minutes apart). So, per scenario (stratum) and file, each round's figure is the
 * mean over the pooled cells of log(value) minus that cell's own base mean of log (the centring
 * removes the cells' levels, so a cell missing a round adds noise, not bias); the stratum's change
 * is the difference of the two files' round means, with the variance of a mean of rounds on each
 * side (Welch); strata are weighted by their cells, so the estimate is the mean over cells of
 * log(head / base) (each cell's figure the geometric mean of its trials), and the degrees of
 * freedom are Welch-Satterthwaite's over every stratum and side. Each cell's own spread enters
 * through its rounds; the shared moments enter through the round means. In the same A/A splits
 * this interval excluded zero in 5 of 80; test/compare.test.ts simulates runs whose rounds share
 * the host's moment and checks it misses about 5 % of the time. The price is honesty about what
 * five rounds can show: on that run, a pooled change of about ±7-12 % (a tracer's cells) is the
 * smallest the interval resolves, because the round means themselves wander that much.
 */

/** One cell's values by round in each file. */
export interface PooledCell {
  stratum: string;
  base: ReadonlyMap<number, number>;
  head: ReadonlyMap<number, number>;
}

export interface PooledRatio {
  /** Geometric mean over cells of head / base, minus 1 (0.05 = 5 % higher). */
  change: number;
  /** 95 % interval of `change`. */
  interval95: [number, number];
  /** Mean log-ratio and its standard error. */
  logRatio: number;
  standardError: number;
  degreesOfFreedom: number;
  /** Two-sided p of "no change". */
  p: number;
  cells: number;
  strata: number;
}

/**
 * The pooled ratio, or null when a stratum has fewer than two rounds on a side (no spread to judge
 * by) or a value is not positive (no logarithm).
 */
export function pooledRatio(cells: readonly PooledCell[]): PooledRatio | null {
  if (cells.length === 0) return null;
  const values = cells.flatMap((cell) => [...cell.base.values(), ...cell.head.values()]);
  if (values.some((value) => !(value > 0))) return null;
  const strata = new Map<string, PooledCell[]>();
  for (const cell of cells) strata.set(cell.stratum, [...(strata.get(cell.stratum) ?? []), cell]);

  let logRatio = 0;
  let variance = 0;
  let dfDenominator = 0;
  for (const members of strata.values()) {
    const centres = members.map((cell) => mean([...cell.base.values()].map(Math.log)));
    const roundMeans = (side: 'base' | 'head'): number[] => {
      const rounds = [...new Set(members.flatMap((cell) => [...cell[side].keys()]))].sort((a, b) => a - b);
      return rounds.map((round) =>
        mean(members.flatMap((cell, index) => {
          const value = cell[side].get(round);
          return value === undefined ? [] : [Math.log(value) - (centres[index] as number)];
        })),
      );
    };
    const base = roundMeans('base');
    const head = roundMeans('head');
    if (base.length < 2 || head.length < 2) return null;
    const weight = members.length / cells.length;
    logRatio += weight * (mean(head) - mean(base));
    for (const side of [base, head]) {
      const share = (weight ** 2 * sumOfSquaredDeviations(side)) / (side.length - 1) / side.length;
      variance += share;
      dfDenominator += share ** 2 / (side.length - 1);
    }
  }
  const standardError = Math.sqrt(variance);
  if (standardError === 0) {
    // No round varied: any change at all is certain, none is none.
    return { change: Math.expm1(logRatio), interval95: [Math.expm1(logRatio), Math.expm1(logRatio)], logRatio, standardError, degreesOfFreedom: Infinity, p: logRatio === 0 ? 1 : 0, cells: cells.length, strata: strata.size };
  }
  const degreesOfFreedom = variance ** 2 / dfDenominator;
  const half = studentT975(degreesOfFreedom) * standardError;
  return {
    change: Math.expm1(logRatio),
    interval95: [Math.expm1(logRatio - half), Math.expm1(logRatio + half)],
    logRatio,
    standardError,
    degreesOfFreedom,
    p: studentTwoSidedP(logRatio / standardError, degreesOfFreedom),
    cells: cells.length,
    strata: strata.size,
  };
}
