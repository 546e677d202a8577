import { type Interval, mean, studentT975 } from './stats.ts';

/**
 * Ordinary least squares of y on x, with the slope's t-based confidence interval: what the memory
 * soak fits (heap after GC against streams finished). The interval assumes independent residuals;
 * heap samples taken one after another are somewhat correlated, so it is, if anything, too narrow.
 */

export interface LinearFit {
  slope: number;
  intercept: number;
  /** The slope's 95 % interval (Student's t with n - 2 degrees of freedom). */
  slopeCi: Interval;
  /** Points fitted. */
  n: number;
  /** Residual standard deviation (same unit as y). */
  residualSd: number;
}

/** Fits y = intercept + slope * x; null for fewer than 3 points or when every x is the same. */
export function leastSquares(xs: readonly number[], ys: readonly number[]): LinearFit | null {
  if (xs.length !== ys.length) throw new RangeError(`${xs.length} x values for ${ys.length} y values`);
  const n = xs.length;
  if (n < 3) return null;
  const meanX = mean(xs);
  const meanY = mean(ys);
  let sxx = 0;
  let sxy = 0;
  for (let index = 0; index < n; index += 1) {
    const dx = (xs[index] as number) - meanX;
    sxx += dx * dx;
    sxy += dx * ((ys[index] as number) - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  for (let index = 0; index < n; index += 1) {
    const residual = (ys[index] as number) - (intercept + slope * (xs[index] as number));
    sse += residual * residual;
  }
  const residualSd = Math.sqrt(sse / (n - 2));
  const margin = studentT975(n - 2) * (residualSd / Math.sqrt(sxx));
  return { slope, intercept, slopeCi: [slope - margin, slope + margin], n, residualSd };
}
