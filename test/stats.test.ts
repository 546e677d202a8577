import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRandom, deriveSeed, shuffle } from '../bench/stats/random.ts';
import { pooledRatio } from '../bench/stats/pooled.ts';
import { pooledRankCorrelation, ranks, spearman } from '../bench/stats/rank-correlation.ts';
import {
  bootstrapMedianCi,
  coefficientOfVariation,
  holmSignificant,
  median,
  orderStatisticMedianCi,
  pairedOverhead,
  studentT975,
  studentTwoSidedP,
  summarise,
  verdictOfInterval,
  welchTest,
} from '../bench/stats/stats.ts';

/** n values around 1000 with a seeded spread of about ±5 %. */
function noisySample(n: number, seed: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => 1000 * (0.95 + 0.1 * random()));
}

describe('random', () => {
  test('gives numbers in [0, 1) and the same sequence for the same seed', () => {
    const first = createRandom(42);
    const second = createRandom(42);
    for (let draw = 0; draw < 1000; draw += 1) {
      const value = first();
      assert.ok(value >= 0 && value < 1);
      assert.equal(value, second());
    }
  });

  test('shuffle is a permutation, leaves its input alone, and is deterministic per seed', () => {
    const items = Array.from({ length: 20 }, (_, index) => `cell-${index}`);
    const original = [...items];
    const shuffled = shuffle(items, createRandom(7));
    assert.deepEqual(items, original);
    assert.deepEqual([...shuffled].sort(), [...items].sort());
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual(shuffle(items, createRandom(7)), shuffled);
    assert.notDeepEqual(shuffle(items, createRandom(8)), shuffled);
  });

  test('shuffle handles empty and single-item arrays', () => {
    assert.deepEqual(shuffle([], createRandom(1)), []);
    assert.deepEqual(shuffle(['only'], createRandom(1)), ['only']);
  });

  test('derived seeds differ by key and by seed, and repeat for the same pair', () => {
    assert.equal(deriveSeed(1, 'a/requestsPerSec'), deriveSeed(1, 'a/requestsPerSec'));
    assert.notEqual(deriveSeed(1, 'a/requestsPerSec'), deriveSeed(1, 'a/bytesPerSec'));
    assert.notEqual(deriveSeed(1, 'a/requestsPerSec'), deriveSeed(2, 'a/requestsPerSec'));
  });
});

describe('median and coefficient of variation', () => {
  test('median of odd and even counts, in any order', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5]), 5);
    assert.throws(() => median([]), RangeError);
  });

  test('CV is the sample standard deviation over the mean', () => {
    // mean 5, squared deviations sum to 32, sample variance 32/7
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    assert.equal(coefficientOfVariation(values), Math.sqrt(32 / 7) / 5);
    assert.equal(coefficientOfVariation([10, 10, 10]), 0);
  });

  test('CV is null where it means nothing: one value or a zero mean', () => {
    assert.equal(coefficientOfVariation([10]), null);
    assert.equal(coefficientOfVariation([]), null);
    assert.equal(coefficientOfVariation([-1, 1]), null);
  });
});

describe('bootstrap interval of the median', () => {
  test('contains the median', () => {
    for (const seed of [1, 2, 3]) {
      const sample = noisySample(9, seed);
      const [low, high] = bootstrapMedianCi(sample, { random: createRandom(seed) });
      const middle = median(sample);
      assert.ok(low <= middle && middle <= high, `[${low}, ${high}] should contain ${middle}`);
    }
  });

  test('is identical for the same seed', () => {
    const sample = noisySample(10, 5);
    assert.deepEqual(
      bootstrapMedianCi(sample, { random: createRandom(99) }),
      bootstrapMedianCi(sample, { random: createRandom(99) }),
    );
  });

  test('narrows as the sample grows', () => {
    const width = (n: number) => {
      const [low, high] = bootstrapMedianCi(noisySample(n, 11), { random: createRandom(11) });
      return high - low;
    };
    const small = width(5);
    const medium = width(50);
    const large = width(500);
    assert.ok(medium < small, `n=50 width ${medium} should be under n=5 width ${small}`);
    assert.ok(large < medium, `n=500 width ${large} should be under n=50 width ${medium}`);
  });

  test('a lower confidence gives a narrower interval', () => {
    const sample = noisySample(30, 4);
    const [low95, high95] = bootstrapMedianCi(sample, { random: createRandom(4) });
    const [low50, high50] = bootstrapMedianCi(sample, { random: createRandom(4), confidence: 0.5 });
    assert.ok(high50 - low50 < high95 - low95);
  });

  test('a single value is its own interval; bad options are refused', () => {
    assert.deepEqual(bootstrapMedianCi([42], { random: createRandom(1) }), [42, 42]);
    assert.throws(() => bootstrapMedianCi([], { random: createRandom(1) }), RangeError);
    assert.throws(() => bootstrapMedianCi([1, 2], { random: createRandom(1), confidence: 1 }), RangeError);
    assert.throws(() => bootstrapMedianCi([1, 2], { random: createRandom(1), resamples: 0 }), RangeError);
  });
});

describe('summarise', () => {
  test('ignores nulls', () => {
    const summary = summarise([10, null, 20, 30, null], createRandom(1));
    assert.equal(summary.median, 20);
    assert.equal(summary.n, 3);
    assert.equal(summary.cv, coefficientOfVariation([10, 20, 30]));
    assert.ok(summary.ci95 && summary.ci95[0] <= 20 && summary.ci95[1] >= 20);
  });

  test('no values gives nulls; one value gives a point interval and no CV', () => {
    assert.deepEqual(summarise([null, null], createRandom(1)), { median: null, ci95: null, cv: null, n: 0 });
    assert.deepEqual(summarise([7], createRandom(1)), { median: 7, ci95: [7, 7], cv: null, n: 1 });
  });
});

describe('paired overhead', () => {
  test('a cell exactly 10 % slower in every round gives 0.1 with no spread', () => {
    const baseline = [1000, 1200, 900, 1100, 1050];
    const cell = [900, 1080, 810, 990, 945];
    const overhead = pairedOverhead(cell, baseline);
    assert.ok(overhead?.ci95);
    assert.equal(overhead.median, 0.1);
    assert.equal(overhead.n, 5);
    for (const value of [overhead.mean, ...overhead.ci95]) assert.ok(Math.abs(value - 0.1) < 1e-12);
  });

  test('pairs by index, so drift shared by a round cancels out', () => {
    // The machine slows down over the run; the cell is 5 % faster in every round.
    const baseline = [1000, 800, 600, 400];
    const cell = [1050, 840, 630, 420];
    const overhead = pairedOverhead(cell, baseline);
    assert.ok(overhead);
    assert.ok(Math.abs(overhead.median + 0.05) < 1e-12);
    assert.equal(verdictOfInterval(overhead.ci95), 'below zero');
  });

  test('the interval is Student t on the mean ratio: three rounds give mean ± 4.303 standard errors', () => {
    // Ratios 0.01, 0.03, 0.05: mean 0.03, sd 0.02, standard error 0.02 / sqrt(3).
    const overhead = pairedOverhead([99, 97, 95], [100, 100, 100]);
    assert.ok(overhead?.ci95);
    const half = (4.303 * 0.02) / Math.sqrt(3);
    assert.ok(Math.abs(overhead.mean - 0.03) < 1e-12);
    assert.ok(Math.abs(overhead.ci95[0] - (0.03 - half)) < 1e-9);
    assert.ok(Math.abs(overhead.ci95[1] - (0.03 + half)) < 1e-9);
    // The range of the three (a 3-pair bootstrap's interval) would call this a difference; t does not.
    assert.equal(verdictOfInterval(overhead.ci95), 'includes zero');
  });

  test('no pairs gives null; unequal lengths or a non-positive baseline are refused', () => {
    assert.equal(pairedOverhead([], []), null);
    assert.throws(() => pairedOverhead([1, 2], [1]), RangeError);
    assert.throws(() => pairedOverhead([1], [0]), RangeError);
  });

  test('a single pair has a figure but no interval', () => {
    assert.deepEqual(pairedOverhead([80], [100]), { mean: 0.2, median: 0.2, ci95: null, n: 1 });
  });
});

describe('Student t quantiles', () => {
  test('the table for few degrees of freedom, the expansion beyond it, the normal quantile in the limit', () => {
    assert.equal(studentT975(1), 12.706);
    assert.equal(studentT975(2), 4.303);
    assert.ok(Math.abs(studentT975(40) - 2.021) < 0.001);
    assert.ok(Math.abs(studentT975(120) - 1.98) < 0.001);
    assert.ok(Math.abs(studentT975(1e9) - 1.96) < 0.001);
    assert.throws(() => studentT975(0), RangeError);
  });
});

describe('verdictOfInterval', () => {
  test('says which side of zero an interval lies on', () => {
    assert.equal(verdictOfInterval([0.01, 0.03]), 'above zero');
    assert.equal(verdictOfInterval([-0.03, -0.01]), 'below zero');
    assert.equal(verdictOfInterval([-0.01, 0.02]), 'includes zero');
    assert.equal(verdictOfInterval([0, 0.02]), 'includes zero');
  });
});

describe('welchTest, studentTwoSidedP, holmSignificant', () => {
  test('Welch t matches scipy.stats.ttest_ind(equal_var=False)', () => {
    // ttest_ind([1,2,3], [4,5,6], equal_var=False): t = -3.6742, p = 0.021312, df = 4.
    const result = welchTest([1, 2, 3], [4, 5, 6]);
    assert.ok(result);
    assert.equal(result.difference, 3);
    assert.ok(Math.abs(result.p - 0.021312) < 1e-5, `p ${result.p}`);
    assert.ok(Math.abs(result.degreesOfFreedom - 4) < 1e-12);
    assert.ok(Math.abs(result.halfWidth95 - 2.776 * Math.sqrt(2 / 3)) < 1e-9);
    assert.equal(welchTest([1], [2, 3]), null, 'one value has no spread');
    assert.deepEqual(welchTest([2, 2], [2, 2]), { difference: 0, halfWidth95: 0, degreesOfFreedom: Infinity, p: 1 });
    assert.equal(welchTest([2, 2], [3, 3])?.p, 0, 'two constant, different samples');
  });

  test('two-sided p of Student t at the 97.5 % quantiles is 5 %', () => {
    for (const [t, df] of [[12.706, 1], [2.228, 10], [2.042, 30], [1.96, 1e7]] as const) {
      assert.ok(Math.abs(studentTwoSidedP(t, df) - 0.05) < 2e-4, `t ${t}, df ${df}: ${studentTwoSidedP(t, df)}`);
    }
    assert.equal(studentTwoSidedP(0, 3), 1);
  });

  test("Holm: step down from the smallest p at alpha / (m - rank), stopping at the first that fails", () => {
    assert.deepEqual(holmSignificant([0.01, 0.04, 0.03, 0.005]), [true, false, false, true]);
    assert.deepEqual(holmSignificant([0.0125, 0.5, 0.5, 0.5]), [true, false, false, false]);
    assert.deepEqual(holmSignificant([0.03, 0.03]), [false, false], 'each above 0.05 / 2');
    assert.deepEqual(holmSignificant([0.02, 0.02]), [true, true], 'the second is tested at 0.05 / 1');
    assert.deepEqual(holmSignificant([]), []);
  });

  test('studentT975 between table rows lies between them, never below the exact quantile', () => {
    // scipy: t.ppf(0.975, 5.5) = 2.5083
    const value = studentT975(5.5);
    assert.ok(value < 2.571 && value > 2.447 && value >= 2.5083, `${value}`);
  });
});

describe('orderStatisticMedianCi', () => {
  test('the widest order statistics that still hold 95 %: the range up to n = 8, then inward', () => {
    const ranks = (n: number) => orderStatisticMedianCi(Array.from({ length: n }, (_, index) => index + 1));
    assert.deepEqual(ranks(1), [1, 1]);
    assert.deepEqual(ranks(3), [1, 3]);
    assert.deepEqual(ranks(8), [1, 8], 'P(B <= 1) = 9/256 > 2.5 %');
    assert.deepEqual(ranks(9), [2, 8], 'P(B <= 1) = 10/512 < 2.5 %');
    // n = 20: P(B <= 5) = 0.0207, P(B <= 6) = 0.0577: [x(6), x(15)].
    assert.deepEqual(ranks(20), [6, 15]);
  });

  test('summarise uses it below 20 values, the bootstrap from 20', () => {
    assert.deepEqual(summarise([5, 1, 3, 2, 4, 6], createRandom(1)).ci95, [1, 6]);
    const many = Array.from({ length: 40 }, (_, index) => index);
    const ci = summarise(many, createRandom(1)).ci95;
    assert.ok(ci && ci[0] > 10 && ci[1] < 30);
  });
});

describe('pooledRatio', () => {
  const rounds = (...values: number[]) => new Map(values.map((value, round) => [round, value]));

  test('the geometric mean of the cells\' head / base ratios, with a Welch interval over a scenario\'s rounds', () => {
    // One scenario, two cells; every head round is the base round x 1.1 for one cell and x 0.9 for the other.
    const cells = [
      { stratum: 'a', base: rounds(100, 110, 90), head: rounds(110, 121, 99) },
      { stratum: 'a', base: rounds(10, 12, 8), head: rounds(9, 10.8, 7.2) },
    ];
    const pooled = pooledRatio(cells);
    assert.ok(pooled);
    assert.ok(Math.abs(pooled.change - (Math.sqrt(1.1 * 0.9) - 1)) < 1e-12, `change ${pooled.change}`);
    // Round means of the centred logs are the same on both sides but for the shift: Welch with
    // equal variances, df = 4.
    const centred = [0, 1, 2].map((round) => (Math.log([100, 110, 90][round]!) + Math.log([10, 12, 8][round]!)) / 2);
    const centre = centred.reduce((sum, value) => sum + value, 0) / 3;
    const variance = centred.reduce((sum, value) => sum + (value - centre) ** 2, 0) / 2;
    assert.ok(Math.abs(pooled.standardError - Math.sqrt((2 * variance) / 3)) < 1e-12);
    assert.ok(Math.abs(pooled.degreesOfFreedom - 4) < 1e-9);
    assert.equal(pooled.cells, 2);
  });

  test('a shared slow round moves every cell of the scenario, and the interval widens with it rather than the cells counting as independent', () => {
    const steady = (scale: number) => rounds(scale, scale * 1.01, scale * 0.99, scale);
    const sharedSlow = (scale: number) => rounds(scale, scale * 1.01, scale * 1.3, scale);
    const independent = pooledRatio(Array.from({ length: 10 }, (_, index) => ({ stratum: 's', base: steady(index + 1), head: steady(index + 1) })));
    const shared = pooledRatio(Array.from({ length: 10 }, (_, index) => ({ stratum: 's', base: steady(index + 1), head: sharedSlow(index + 1) })));
    assert.ok(independent && shared);
    assert.equal(independent.change, 0);
    assert.ok(shared.interval95[0] < 0 && shared.interval95[1] > 0, `one slow round of ten cells is not a change: ${shared.interval95}`);
  });

  test('null with fewer than two rounds on a side, or a value that is not positive', () => {
    assert.equal(pooledRatio([{ stratum: 'a', base: rounds(1), head: rounds(1, 2) }]), null);
    assert.equal(pooledRatio([{ stratum: 'a', base: rounds(0, 1), head: rounds(1, 2) }]), null);
    assert.equal(pooledRatio([]), null);
  });
});

describe('rank correlation', () => {
  test('ranks share ties; Spearman against a known value; pooled over groups ignores their levels', () => {
    assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
    // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
    assert.ok(Math.abs((spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) ?? 0) - 0.8207826816681233) < 1e-12);
    assert.equal(spearman([1, 2, 3], [4, 4, 4]), null);
    // Within each group y rises with x; the groups' levels run the other way and must not count.
    const pooled = pooledRankCorrelation([
      { x: [1, 2, 3, 4], y: [100, 101, 102, 103] },
      { x: [11, 12, 13, 14], y: [1, 2, 3, 4] },
    ]);
    assert.ok(pooled && Math.abs(pooled.rho - 1) < 1e-12 && pooled.pairs === 8);
  });
});
