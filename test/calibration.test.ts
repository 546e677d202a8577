import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeCalibration } from '../bench/harness/calibration.ts';
import { summariseCells } from '../bench/harness/summarise-cell.ts';
import type { ResultFile } from '../results/schema.ts';
import { buildResult } from './support/result-builder.ts';

const ROUNDS = 8;
/** Round-by-round wobble of a copy against the baseline: symmetric, so its mean is exactly zero. */
const WOBBLE = [0.02, -0.02, 0.02, -0.02, 0.02, -0.02, 0.02, -0.02];

/**
 * A calibration run on plain-json: untraced, three A/A copies (one of them 10 % slower in every
 * round, a false alarm by construction) and calibration-burn 5 % dearer than untraced.
 */
function calibrationRun(): ResultFile {
  const result = buildResult({ strategies: ['untraced', 'untraced', 'untraced', 'untraced', 'calibration-burn'], tracers: ['sentry-static'], scenarios: ['plain-json'], trials: ROUNDS });
  const costOf: Record<string, number> = { untraced: 1, 'untraced#2': 1, 'untraced#3': 1, 'untraced#4': 1.1, 'calibration-burn': 1.05 };
  const cells = result.cells.map(({ summary: _summary, ...cell }) => ({
    ...cell,
    trials: cell.trials.map((trial, round) => {
      const cost = (costOf[cell.label] ?? 1) * (cell.label === 'untraced' ? 1 : 1 + (WOBBLE[round] ?? 0));
      return { ...trial, round, cpuMsPerRequest: 0.1 * cost, requestsPerSec: 10_000 / cost };
    }),
  }));
  return { ...result, cells: summariseCells(cells, { seed: 1 }) };
}

describe('calibration verdict', () => {
  const calibration = judgeCalibration(calibrationRun(), 'plain-json', 0.1, 5);

  test('counts the A/A copies whose interval excludes zero as false alarms', () => {
    assert.equal(calibration.aaCells, 3);
    assert.equal(calibration.falseAlarmsCpu, 1);
    assert.equal(calibration.falseAlarmsThroughput, 1);
  });

  test('finds the injected cost above zero by both measures', () => {
    assert.equal(calibration.injectedFraction, 0.05);
    assert.equal(calibration.detectedByCpu, true);
    assert.equal(calibration.detectedByThroughput, true);
    assert.ok(calibration.injectedCpuCost && Math.abs(calibration.injectedCpuCost.mean - 0.05) < 1e-9);
  });

  test('states the smallest cost the rounds could find, from the A/A noise', () => {
    // Pooled spread of the copies' per-round ratios about their own means: 0.02 * sqrt(8/7) (1.1 x for the slow copy).
    const spread = Math.sqrt((2 * 8 * 0.02 ** 2 + 8 * (0.022) ** 2) / 21);
    const expected = ((2.365 + 0.8416) * spread) / Math.sqrt(ROUNDS);
    assert.ok(calibration.minimumDetectableCpu !== null && Math.abs(calibration.minimumDetectableCpu - expected) < 1e-6);
    assert.ok(calibration.minimumDetectableThroughput !== null && calibration.minimumDetectableThroughput > 0);
  });
});
