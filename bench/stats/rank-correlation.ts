import { mean, studentTwoSidedP } from './stats.ts';

/** Ranks from 1, ties sharing their mean rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end += 1;
    const shared = (start + end) / 2 + 1;
    for (let position = start; position <= end; position += 1) result[(order[position] as { index: number }).index] = shared;
    start = end + 1;
  }
  return result;
}

/** Pearson's correlation; null with fewer than 3 pairs or no spread on a side. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new RangeError(`paired samples differ in length: ${xs.length} vs ${ys.length}`);
  if (xs.length < 3) return null;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, index) => {
    const y = ys[index] as number;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation: Pearson's on the ranks. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  return pearson(ranks(xs), ranks(ys));
}

export interface PooledRankCorrelation {
  /** Spearman's rho over every group's pairs, each group ranked on its own and centred. */
  rho: number;
  pairs: number;
  groups: number;
  /** Two-sided p of "no correlation" (t on n - groups - 1 degrees of freedom). */
  p: number;
}

/**
 * One rank correlation over many small groups (a run's cells, five trials each): within each
 * group, both sides become ranks centred on the group's mean rank, so the groups' levels (a
 * Sentry cell costs five times an untraced one) do not count as correlation; then Pearson's r over
 * all of them. Null with fewer than 3 pairs left or no spread.
 */
export function pooledRankCorrelation(groups: readonly { x: readonly number[]; y: readonly number[] }[]): PooledRankCorrelation | null {
  const used = groups.filter((group) => group.x.length >= 2);
  const centred = (values: readonly number[]) => {
    const ranked = ranks(values);
    const centre = mean(ranked);
    return ranked.map((rank) => rank - centre);
  };
  const xs = used.flatMap((group) => centred(group.x));
  const ys = used.flatMap((group) => centred(group.y));
  const rho = pearson(xs, ys);
  const degreesOfFreedom = xs.length - used.length - 1;
  if (rho === null || degreesOfFreedom < 1) return null;
  const t = Math.abs(rho) >= 1 ? Infinity : rho * Math.sqrt(degreesOfFreedom / (1 - rho ** 2));
  return { rho, pairs: xs.length, groups: used.length, p: studentTwoSidedP(t, degreesOfFreedom) };
}
