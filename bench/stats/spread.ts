import type { Spread } from '../../results/instruction-schema.ts';

/** Repeats of a count: their mean, range, and how far they disagree relative to the mean. */
export function spreadOf(values: readonly number[]): Spread {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { mean, min, max, spreadPercent: mean === 0 ? 0 : ((max - min) / Math.abs(mean)) * 100 };
}
