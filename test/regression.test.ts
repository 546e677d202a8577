import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leastSquares, studentTCdf, studentTQuantile } from '../bench/regression.ts';

test("Student's t quantiles match the tables", () => {
  const table: [number, number][] = [
    [1, 12.706],
    [2, 4.303],
    [5, 2.571],
    [10, 2.228],
    [30, 2.042],
    [1000, 1.962],
  ];
  for (const [df, expected] of table) assert.ok(Math.abs(studentTQuantile(0.975, df) - expected) < 0.001, `df ${df}: ${studentTQuantile(0.975, df)}`);
  assert.equal(studentTQuantile(0.5, 4), 0);
  assert.ok(Math.abs(studentTQuantile(0.025, 10) + 2.228) < 0.001);
  assert.ok(Math.abs(studentTCdf(0, 3) - 0.5) < 1e-12);
});

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

test('no fit from fewer than three points or a single x', () => {
  assert.equal(leastSquares([1, 2], [1, 2]), null);
  assert.equal(leastSquares([1, 1, 1], [1, 2, 3]), null);
  assert.throws(() => leastSquares([1, 2, 3], [1, 2]), RangeError);
});
