import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leastSquares } from '../bench/stats/regression.ts';

test('least squares recovers a line, with an interval that narrows as the scatter shrinks', () => {
  const xs = [0, 1, 2, 3, 4, 5, 6, 7];
  const exact = leastSquares(xs, xs.map((x) => 3 + 2 * x))!;
  assert.ok(Math.abs(exact.slope - 2) < 1e-12 && Math.abs(exact.intercept - 3) < 1e-12);
  assert.ok(exact.slopeCi[1] - exact.slopeCi[0] < 1e-9);
  const wobble = [0.3, -0.2, 0.1, -0.4, 0.2, 0.1, -0.3, 0.2];
  const noisy = leastSquares(xs, xs.map((x, index) => 3 + 2 * x + wobble[index]!))!;
  const quieter = leastSquares(xs, xs.map((x, index) => 3 + 2 * x + wobble[index]! / 10))!;
  assert.ok(noisy.slopeCi[0] < noisy.slope && noisy.slope < noisy.slopeCi[1]);
  assert.ok(noisy.slopeCi[0] < 2 && 2 < noisy.slopeCi[1], 'the interval covers the true slope');
  assert.ok(quieter.slopeCi[1] - quieter.slopeCi[0] < noisy.slopeCi[1] - noisy.slopeCi[0]);
});

test("the slope's interval is the textbook one: t(0.975, n - 2) standard errors either side", () => {
  // y = 2.1, 3.9, 6.2, 7.8, 10.1 at x = 1..5: slope 1.99, residual sd 0.1889, Sxx 10, t(0.975, 3) = 3.182.
  const fit = leastSquares([1, 2, 3, 4, 5], [2.1, 3.9, 6.2, 7.8, 10.1])!;
  assert.ok(Math.abs(fit.slope - 1.99) < 1e-9);
  assert.ok(Math.abs(fit.slopeCi[1] - fit.slope - (3.182 * 0.18886) / Math.sqrt(10)) < 1e-3);
});

test('no fit from fewer than three points or a single x', () => {
  assert.equal(leastSquares([1, 2], [1, 2]), null);
  assert.equal(leastSquares([1, 1, 1], [1, 2, 3]), null);
  assert.throws(() => leastSquares([1, 2, 3], [1, 2]), RangeError);
});
