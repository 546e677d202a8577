import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { summariseCells, type UnsummarisedCell } from '../bench/harness/summarise-cell.ts';
import { buildResult, resultFileOf } from './support/result-builder.ts';
import { RULES } from '../results/schema.ts';
import {
  resultJsonSchemaText,
  SCHEMA_VERSION,
  validateResult,
  type Overhead,
  type ResultFile,
  type Trial,
  type Violations,
} from '../results/schema.ts';

const NO_VIOLATIONS = Object.fromEntries(RULES.map((rule) => [rule, 0])) as Violations;

/** A plausible successful trial; the figures that matter to a test are overridden. */
function makeTrial(index: number, overrides: Partial<Trial> = {}): Trial {
  return {
    index,
    round: index,
    startedAt: new Date(Date.UTC(2030, 0, 1, 12, 0, index)).toISOString(),
    requestsPerSec: 1000,
    bytesPerSec: 1_000_000,
    latencyP50Ms: 210,
    latencyP90Ms: 230,
    latencyP99Ms: 260,
    ttfbMs: 1.5,
    maxGapMs: 12,
    cpuMsPerRequest: 0.9,
    cpuUtilisation: 0.95,
    rssPeakMb: 120,
    heapPeakMb: 40,
    heapAfterGcMb: 20,
    eventLoopDelayP99Ms: 15,
    requests: 10_000,
    errors: 0,
    timeouts: 0,
    correct: 10_000,
    correctRate: 1,
    sdkDiscarded: {},
    violations: { ...NO_VIOLATIONS },
    leakedOpen: 0,
    durationErrorMs: { count: 10_000, min: 0.1, p50: 0.5, p90: 1, p99: 2, max: 5 },
    openStreams: null,
    memoryPerStreamKb: null,
    error: null,
    ...overrides,
  };
}

/** Trials whose requests/s follow `rates`, one per round. */
function trialsAt(rates: readonly number[], overrides: Partial<Trial> = {}): Trial[] {
  return rates.map((requestsPerSec, index) => makeTrial(index, { requestsPerSec, ...overrides }));
}

const UNTRACED_RATES = [1000, 1010, 990, 1005, 995];

function makeCells(): UnsummarisedCell[] {
  return [
    {
      label: 'untraced',
      strategy: 'untraced',
      tracer: 'none',
      scenario: 'sse-tokens',
      node: '24',
      nodeVersion: 'v24.21.0',
      failed: null,
      trials: trialsAt(UNTRACED_RATES),
    },
    {
      label: 'sdk-default',
      strategy: 'sdk-default',
      tracer: 'sentry-static',
      scenario: 'sse-tokens',
      node: '24',
      nodeVersion: 'v24.21.0',
      failed: null,
      // exactly 20 % under untraced in every round
      trials: trialsAt([800, 808, 792, 804, 796]),
    },
    {
      label: 'close-listener',
      strategy: 'close-listener',
      tracer: 'sentry-static',
      scenario: 'sse-tokens',
      node: '24',
      nodeVersion: 'v24.21.0',
      failed: null,
      // exactly 10 % under untraced in every round, and noisy round to round
      trials: trialsAt([900, 909, 891, 904.5, 895.5]),
    },
    {
      label: 'handler-return',
      strategy: 'handler-return',
      tracer: 'sentry-static',
      scenario: 'sse-tokens',
      node: '24',
      nodeVersion: 'v24.21.0',
      failed: null,
      trials: trialsAt([950, 1100, 800, 1000, 900], {
        correct: 0,
        correctRate: 0,
        violations: { ...NO_VIOLATIONS, outOfRange: 20, durationError: 1 },
      }),
    },
  ];
}

function makeResultFile(): ResultFile {
  return resultFileOf(summariseCells(makeCells(), { seed: 1 }), { seed: 1, trials: 5, connections: 100, longIdleStreams: 1000, longIdleSec: 30 });
}

/** A deep copy to break, as parsed JSON would be. */
function plainCopy(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(makeResultFile())) as Record<string, unknown>;
}

function rejectionOf(value: unknown): string {
  const outcome = validateResult(value);
  assert.equal(outcome.ok, false, 'should be rejected');
  return outcome.ok ? '' : outcome.error;
}

describe('validateResult', () => {
  test('accepts a generated file, as written and as parsed back from JSON', () => {
    const file = makeResultFile();
    assert.deepEqual(validateResult(file), { ok: true, result: file });
    assert.equal(validateResult(JSON.parse(JSON.stringify(file))).ok, true);
  });

  test('rejects a missing field, naming its path', () => {
    const file = plainCopy();
    const env = file.env as Record<string, unknown>;
    delete env.gitCommit;
    assert.equal(rejectionOf(file), '/env/gitCommit: Expected required property');
  });

  test('rejects a wrong type, naming its path', () => {
    const file = makeResultFile();
    const trial = file.cells[0]?.trials[2] as unknown as Record<string, unknown>;
    trial.requestsPerSec = '1000';
    assert.equal(rejectionOf(file), '/cells/0/trials/2/requestsPerSec: Expected number');
  });

  test('names both alternatives of a nullable field', () => {
    const file = makeResultFile();
    const trial = file.cells[1]?.trials[0] as unknown as Record<string, unknown>;
    trial.ttfbMs = 'fast';
    assert.equal(rejectionOf(file), '/cells/1/trials/0/ttfbMs: Expected number or null');
  });

  test('rejects another schemaVersion before anything else', () => {
    const file = plainCopy();
    file.schemaVersion = 1;
    delete file.env;
    assert.equal(rejectionOf(file), `/schemaVersion: Expected ${SCHEMA_VERSION}, got 1`);
    delete file.schemaVersion;
    assert.equal(rejectionOf(file), `/schemaVersion: Expected ${SCHEMA_VERSION}, got nothing`);
  });

  test('a run on several Nodes passes; a cell without its Node, or an unknown one, does not', () => {
    const run = buildResult({ strategies: ['untraced', 'close-listener'], tracers: ['sentry-static'], scenarios: ['sse-tokens'], nodes: ['20', '24'], trials: 2 });
    assert.deepEqual(validateResult(run).ok, true);
    assert.deepEqual([...new Set(run.cells.map((cell) => `${cell.node} ${cell.nodeVersion}`))], ['20 v20.20.2', '24 v24.21.0']);
    const withoutNode = JSON.parse(JSON.stringify(run)) as { cells: Record<string, unknown>[] };
    delete withoutNode.cells[0]?.node;
    assert.match(rejectionOf(withoutNode), /^\/cells\/0\/node: /);
    const unknownNode = JSON.parse(JSON.stringify(run)) as { cells: Record<string, unknown>[] };
    (unknownNode.cells[0] as Record<string, unknown>).node = 'latest';
    assert.match(rejectionOf(unknownNode), /^\/cells\/0\/node: /);
  });

  test('rejects an unknown field and a value out of range', () => {
    const extra = plainCopy();
    extra.comment = 'hello';
    assert.equal(rejectionOf(extra), '/comment: Unexpected property');
    const file = makeResultFile();
    const trial = file.cells[0]?.trials[0] as unknown as Record<string, unknown>;
    trial.errors = -1;
    assert.match(rejectionOf(file), /^\/cells\/0\/trials\/0\/errors: /);
  });

  test('rejects what is not a result file at all, in one line', () => {
    for (const value of [null, 'text', [], 42]) {
      const error = rejectionOf(value);
      assert.ok(!error.includes('\n'));
      assert.match(error, /^\/\S*: /);
    }
  });
});

describe('results/schema.json', () => {
  test('is what write-schema would write now', () => {
    const committed = readFileSync(new URL('../results/schema.json', import.meta.url), 'utf8');
    assert.equal(committed, resultJsonSchemaText(), 'results/schema.json is stale: run npm run schema');
  });

  test('declares its dialect and id', () => {
    const schema = JSON.parse(resultJsonSchemaText()) as Record<string, unknown>;
    assert.equal(typeof schema.$schema, 'string');
    assert.equal(typeof schema.$id, 'string');
  });
});

describe('summariseCells', () => {
  const cells = summariseCells(makeCells(), { seed: 1 });
  const byLabel = (label: string) => {
    const cell = cells.find((candidate) => candidate.label === label);
    assert.ok(cell, `no cell ${label}`);
    return cell.summary;
  };

  test('overhead against untraced and sdk-default, paired by round', () => {
    assertSteadyOverhead(byLabel('close-listener').overheadVsUntraced, 0.1, 5);
    assertSteadyOverhead(byLabel('sdk-default').overheadVsUntraced, 0.2, 5);
    // 900 vs 800 per round: 12.5 % faster than sdk-default
    const againstSdk = byLabel('close-listener').overheadVsSdkDefault;
    assert.ok(againstSdk);
    assert.equal(againstSdk.median, -0.125);
  });

  test("each Node's cells are paired against that Node's own untraced, never another Node's", () => {
    const [untraced, , closeListener] = makeCells();
    assert.ok(untraced && closeListener);
    const onTwenty = [untraced, closeListener].map((cell) => ({ ...cell, node: '20', nodeVersion: 'v20.20.2' }));
    // Node 20's untraced at half Node 24's pace: against it, close-listener on 24 would look 80 % faster.
    onTwenty[0] = { ...onTwenty[0]!, trials: trialsAt(UNTRACED_RATES.map((rate) => rate / 2)) };
    const both = summariseCells([...onTwenty, untraced, closeListener], { seed: 1 });
    const closeOn = (node: string) => both.find((cell) => cell.label === 'close-listener' && cell.node === node)?.summary.overheadVsUntraced ?? null;
    assertSteadyOverhead(closeOn('24'), 0.1, 5);
    assertSteadyOverhead(closeOn('20'), -0.8, 5);
  });

  test('a baseline is not compared with itself, and untraced has no sdk-default', () => {
    assert.equal(byLabel('untraced').overheadVsUntraced, null);
    assert.equal(byLabel('untraced').overheadVsSdkDefault, null);
    assert.equal(byLabel('sdk-default').overheadVsSdkDefault, null);
  });

  test('warns about noisy throughput and reports the CV', () => {
    const noisy = byLabel('handler-return');
    assert.ok(noisy.requestsPerSec.cv !== null && noisy.requestsPerSec.cv > 0.02);
    assert.ok(noisy.warnings.some((warning) => /^CV of requestsPerSec is \d+\.\d % \(> 2 %\)$/.test(warning)));
    assert.deepEqual(byLabel('close-listener').warnings, []);
  });

  test('warns when the untraced server was not saturated', () => {
    const idle = makeCells().map((cell) =>
      cell.strategy === 'untraced' ? { ...cell, trials: trialsAt(UNTRACED_RATES, { cpuUtilisation: 0.6 }) } : cell,
    );
    const summary = summariseCells(idle, { seed: 1 }).find((cell) => cell.label === 'untraced')?.summary;
    assert.deepEqual(summary?.warnings, [
      'the server core was only 60 % busy: the load (its connections and the pace of the streams), not the server, set the throughput; CPU per request still holds',
    ]);
  });

  test('sums violations and takes the median correct rate', () => {
    const broken = byLabel('handler-return');
    assert.equal(broken.correctRate, 0);
    assert.equal(broken.violations.outOfRange, 100);
    assert.equal(broken.violations.durationError, 5);
    assert.equal(byLabel('close-listener').correctRate, 1);
  });

  test('leaves failed trials out of the figures and says so', () => {
    const withFailure = makeCells().map((cell) =>
      cell.label === 'close-listener'
        ? {
            ...cell,
            trials: cell.trials.map((trial) =>
              trial.round === 2 ? { ...trial, requestsPerSec: 0, error: 'server exited with code 1' } : trial,
            ),
          }
        : cell,
    );
    const summary = summariseCells(withFailure, { seed: 1 }).find((cell) => cell.label === 'close-listener')?.summary;
    assert.ok(summary);
    assert.equal(summary.requestsPerSec.n, 4);
    assert.equal(summary.failedTrials, 1);
    assertSteadyOverhead(summary.overheadVsUntraced, 0.1, 4);
    assert.ok(summary.warnings.includes('1 of 5 trials failed; the figures use the other 4'));
  });

  test('is reproducible for a seed', () => {
    assert.deepEqual(summariseCells(makeCells(), { seed: 1 }), cells);
  });
});

/** The same overhead in every round: mean, median and both ends of the interval are that value. */
function assertSteadyOverhead(figure: Overhead, value: number, n: number): void {
  assert.ok(figure?.ci95, 'an overhead with an interval');
  assert.equal(figure.n, n);
  for (const each of [figure.mean, figure.median, ...figure.ci95]) assert.ok(Math.abs(each - value) < 1e-12, `${each} is not ${value}`);
}
