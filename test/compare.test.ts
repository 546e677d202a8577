import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareResults, comparisonExitCode, judgeMetric, type Comparison } from '../bench/report/compare.ts';
import { createRandom } from '../bench/stats/random.ts';
import { COMPARED_METRICS } from '../bench/report/metrics.ts';
import type { ResultCell, ResultFile } from '../results/schema.ts';
import { buildResult, copyResult, findCell, writeInput } from './support/result-builder.ts';
import { scratchDirectory } from './support/scratch.ts';
import { ROOT, runEntry } from './support/run.ts';
import { mergeResults } from '../bench/report/merge.ts';
import { readResultFile } from '../bench/report/read-result.ts';

const COMPARE = 'bench/commands/compare.ts';
const directory = scratchDirectory('compare');
const base = buildResult();
const basePath = writeInput(directory, 'base.json', base);

/** A copy of a cell's figure scaled by `factor`: every trial, the median and its interval. */
function scaleFigure(cell: ResultCell, metric: 'requestsPerSec', factor: number): void {
  for (const trial of cell.trials) trial[metric] *= factor;
  const summary = cell.summary[metric];
  assert.ok(summary.median !== null && summary.ci95 !== null);
  summary.median *= factor;
  summary.ci95 = [summary.ci95[0] * factor, summary.ci95[1] * factor];
}

/** The base with close-listener / sentry-static / sse-tokens 20 % slower. */
function slowerCell(): ResultFile {
  const head = copyResult(base);
  scaleFigure(findCell(head, 'close-listener', 'sentry-static', 'sse-tokens'), 'requestsPerSec', 0.8);
  return head;
}

/** Every trial of every cell of one tracer `factor` times as costly: CPU per request up, requests/s down. */
function slowTracer(result: ResultFile, tracer: string, factor: number): ResultFile {
  const head = copyResult(result);
  for (const cell of head.cells.filter((candidate) => candidate.tracer === tracer)) {
    for (const trial of cell.trials) {
      trial.requestsPerSec /= factor;
      if (trial.cpuMsPerRequest !== null) trial.cpuMsPerRequest *= factor;
    }
  }
  return head;
}

/** The base with every sentry-static cell 20 % slower. */
function slowerHead(): ResultFile {
  return slowTracer(base, 'sentry-static', 1.25);
}

function pooledFigure(comparison: Comparison, pool: string, metric: 'cpuMsPerRequest' | 'requestsPerSec') {
  const figure = comparison.pooled.find((candidate) => candidate.pool === pool && candidate.metric === metric);
  assert.ok(figure, `no pooled ${metric} over ${pool}`);
  return figure;
}

/** The real CLI with --json: its exit code and the comparison it printed. */
async function compareJson(args: string[]): Promise<{ code: number | null; comparison: Comparison }> {
  const { code, stdout, stderr } = await runEntry(COMPARE, [...args, '--json']);
  assert.ok(code === 0 || code === 1, `exit ${code}: ${stderr}`);
  return { code, comparison: JSON.parse(stdout) as Comparison };
}

/**
 * What the CLI with --json judges, in this process: the same function, the same JSON round trip,
 * the exit code it would return. For the rules of comparing; the CLI's own tests above and below
 * cover its flags, output and exit codes.
 */
function compareInProcess(base: ResultFile, head: ResultFile, thresholdPercent = 0, maxNoise?: number): { code: number; comparison: Comparison } {
  const comparison = compareResults(base, head, { thresholdPercent, baseFile: 'base.json', headFile: 'head.json', maxNoise });
  return { code: comparisonExitCode(comparison), comparison: JSON.parse(JSON.stringify(comparison)) as Comparison };
}

/** Bad input: exit 2, exactly one line on stderr, naming the file; nothing on stdout. */
async function assertRejected(args: string[], expected: RegExp): Promise<void> {
  const { code, stdout, stderr } = await runEntry(COMPARE, args);
  assert.equal(code, 2, stderr);
  assert.equal(stdout, '');
  assert.equal(stderr.trimEnd().split('\n').length, 1, `one line, got: ${stderr}`);
  assert.match(stderr, expected);
}

describe('npm run compare', () => {
  test('a file compared with itself: every figure no difference, exit 0', async () => {
    const { code, comparison } = await compareJson([basePath, basePath]);
    assert.equal(code, 0);
    assert.equal(comparison.cells.length, base.cells.length);
    assert.deepEqual(comparison.onlyInBase, []);
    assert.deepEqual(comparison.onlyInHead, []);
    assert.deepEqual(comparison.environment, []);
    assert.deepEqual(comparison.regressions, []);
    for (const cell of comparison.cells) {
      assert.ok(['same', 'not judged'].includes(cell.correctness.verdict), `${cell.cell} correctness ${cell.correctness.verdict}`);
      assert.equal(cell.metrics.length, COMPARED_METRICS.length);
      for (const metric of cell.metrics) {
        const measured = metric.base.mean !== null;
        assert.equal(metric.verdict, measured ? 'no difference' : 'not measured', `${cell.cell} ${metric.metric}`);
        if (measured) assert.equal(metric.changePercent, 0);
        if (measured) assert.ok(metric.accuracyPercent !== null && metric.accuracyPercent > 0, 'an accuracy beside the verdict');
      }
    }
  });

  test('the text table shows every cell and says there is no regression', async () => {
    const { code, stdout } = await runEntry(COMPARE, [basePath, basePath]);
    assert.equal(code, 0);
    for (const cell of base.cells) assert.ok(stdout.includes(`${cell.label}/${cell.tracer}/${cell.scenario}`), cell.label);
    assert.match(stdout, /No regression \(threshold 0 %\)/);
    assert.match(stdout, /accuracy: ± half that interval/);
    assert.match(stdout, /Holm over 6 of them/, 'the 6 pooled figures; no correctness figure can differ here');
    assert.match(stdout, /every cell of the run +server CPU per request \* +7 \(1 scenario\) +±0\.0 %/);
    assert.match(stdout, /host noise \(reference work CV; limit 5\.0 %\): base not recorded; head not recorded/);
    assert.match(stdout, /warning: base and head recorded no host noise/);
  });

  test('one cell 20 % slower: its own line says slower, as information; the pooled figures do not fail on one cell of twelve', () => {
    const { code, comparison } = compareInProcess(base, slowerCell());
    const cell = comparison.cells.find((candidate) => candidate.cell === 'close-listener/sentry-static/sse-tokens/node24');
    const throughput = cell?.metrics.find((metric) => metric.metric === 'requestsPerSec');
    assert.equal(throughput?.verdict, 'slower');
    assert.ok(Math.abs((throughput?.changePercent ?? 0) + 20) < 1e-9, `change ${throughput?.changePercent}`);
    // The pooled figure moves by the geometric mean: 0.8^(1/3) - 1 over the tracer's three sse-tokens cells (long-idle is not pooled).
    const pooled = pooledFigure(comparison, 'sentry-static', 'requestsPerSec');
    assert.ok(Math.abs((pooled.changePercent ?? 0) - (0.8 ** (1 / 3) - 1) * 100) < 1e-9, `pooled ${pooled.changePercent}`);
    assert.equal(code, pooled.regression || pooledFigure(comparison, 'run', 'requestsPerSec').regression ? 1 : 0);
    // Every other figure of every cell is unchanged.
    const others = comparison.cells.flatMap((other) => other.metrics.filter((metric) => metric !== throughput));
    assert.ok(others.every((metric) => metric.verdict === 'no difference' || metric.verdict === 'not measured'));
  });

  test('every cell of one tracer 20 % slower: the pooled figures say so, exit 1; the other tracer is unchanged', () => {
    const { code, comparison } = compareInProcess(base, slowerHead());
    assert.equal(code, 1);
    const cpu = pooledFigure(comparison, 'sentry-static', 'cpuMsPerRequest');
    assert.equal(cpu.verdict, 'worse');
    assert.ok(Math.abs((cpu.changePercent ?? 0) - 25) < 1e-9, `change ${cpu.changePercent}`);
    assert.equal(cpu.regression, true);
    assert.equal(pooledFigure(comparison, 'sentry-static', 'requestsPerSec').verdict, 'slower');
    assert.equal(pooledFigure(comparison, 'sentry-stream', 'requestsPerSec').verdict, 'no difference');
    assert.deepEqual(
      comparison.regressions.map((regression) => regression.cell),
      ['all sentry-static cells', 'all sentry-static cells', 'every cell of the run', 'every cell of the run'],
    );
  });

  test('--threshold 30 forgives a pooled 25 % regression, --threshold 15 does not', async () => {
    const headPath = writeInput(directory, 'slower.json', slowerHead());
    const forgiven = await compareJson([basePath, headPath, '--threshold', '30']);
    assert.equal(forgiven.code, 0);
    const cpu = pooledFigure(forgiven.comparison, 'sentry-static', 'cpuMsPerRequest');
    assert.equal(cpu.verdict, 'worse', 'still reported as worse');
    assert.equal(cpu.regression, false);
    assert.equal(compareInProcess(base, slowerHead(), 15).code, 1);
  });

  test('--markdown: a table for a PR comment naming the regression', async () => {
    const headPath = writeInput(directory, 'slower.json', slowerHead());
    const { code, stdout } = await runEntry(COMPARE, [basePath, headPath, '--markdown']);
    assert.equal(code, 1);
    assert.match(stdout, /^### streamtrace-bench/);
    assert.match(stdout, /\*\*4 regressions \(threshold 0 %\)\*\*/);
    assert.match(stdout, /\| all sentry-static cells \| server CPU per request worse \(geometric mean of 3 cells\) \| \+25\.0 %, accuracy ±\d+\.\d %/);
    assert.match(stdout, /\| pooled over \| figure \| cells \| change \[95 % CI\] \| accuracy \| verdict \|/);
    assert.match(stdout, /<details>/);
  });

  test('a strategy that became incorrect fails whatever the threshold, listed first', () => {
    const head = slowerHead();
    const cell = findCell(head, 'close-listener', 'sentry-stream', 'long-idle');
    for (const trial of cell.trials) trial.correctRate = 0.9;
    cell.summary.correctRate = 0.9;
    const { code, comparison } = compareInProcess(base, head, 50);
    assert.equal(code, 1);
    assert.equal(comparison.regressions.length, 1, 'the slower cell is forgiven, the incorrect one is not');
    assert.equal(comparison.regressions[0]?.cell, 'close-listener/sentry-stream/long-idle/node24');
    assert.equal(comparison.regressions[0]?.what, 'correctness: became incorrect');
  });

  test('a negative control that became correct is an improvement, not a failure', () => {
    const head = copyResult(base);
    const control = findCell(head, 'handler-return', 'sentry-static', 'sse-tokens');
    for (const trial of control.trials) trial.correctRate = 1;
    control.summary.correctRate = 1;
    const { code, comparison } = compareInProcess(base, head);
    assert.equal(code, 0);
    assert.deepEqual(
      comparison.improvements.map((entry) => `${entry.cell} ${entry.what}`),
      ['handler-return/sentry-static/sse-tokens/node24 correctness: became correct'],
    );
  });

  test('runs from different machines or software: a warning that the figures are not comparable', async () => {
    const head = copyResult(base);
    head.env.cpuModel = 'Other CPU @ 2.00GHz';
    head.env.packages['@sentry/node'] = '11.13.0';
    head.env.pinning = { available: false, server: null, load: null, note: 'taskset not found' };
    const headPath = writeInput(directory, 'other-machine.json', head);
    const { code, stdout } = await runEntry(COMPARE, [basePath, headPath]);
    assert.equal(code, 0);
    const warning = stdout.split('\n').find((line) => line.startsWith('warning: the runs differ in machine or software'));
    assert.ok(warning, stdout);
    assert.match(warning, /not comparable/);
    assert.match(warning, /cpuModel: Example CPU @ 3\.00GHz → Other CPU @ 2\.00GHz/);
    assert.match(warning, /packages\.@sentry\/node: 11\.12\.0 → 11\.13\.0/);
    assert.match(warning, /pinning: server cpu 0, load cpu 1 → none/);
    const { comparison } = compareInProcess(base, head);
    assert.deepEqual(
      comparison.environment.map((difference) => difference.field),
      ['cpuModel', 'pinning', 'packages.@sentry/node'],
    );
  });

  test('cells in one file only and configuration differences are reported, not compared', () => {
    const head = copyResult(base);
    head.cells = head.cells.filter((cell) => cell.label !== 'sdk-default');
    head.config.connections = 100;
    const { code, comparison } = compareInProcess(base, head);
    assert.equal(code, 0);
    assert.deepEqual(comparison.onlyInHead, []);
    assert.deepEqual(
      comparison.onlyInBase,
      base.cells.filter((cell) => cell.label === 'sdk-default').map((cell) => `${cell.label}/${cell.tracer}/${cell.scenario}/node24`),
    );
    assert.deepEqual(comparison.configuration, [{ field: 'connections', first: '50', second: '100' }]);
  });

  test('cells are matched by label: untraced#2 with untraced#2', () => {
    const withCopies = buildResult({ strategies: ['untraced', 'close-listener', 'untraced'], scenarios: ['sse-tokens'] });
    const head = copyResult(withCopies);
    scaleFigure(findCell(head, 'untraced#2', 'none', 'sse-tokens'), 'requestsPerSec', 2);
    const { comparison } = compareInProcess(withCopies, head);
    const verdictOf = (name: string) =>
      comparison.cells.find((cell) => cell.cell === name)?.metrics.find((metric) => metric.metric === 'requestsPerSec')?.verdict;
    assert.equal(verdictOf('untraced/none/sse-tokens/node24'), 'no difference');
    assert.equal(verdictOf('untraced#2/none/sse-tokens/node24'), 'faster');
  });

  test('cells are matched by Node: a change on Node 20 is a change there only; a Node in one file only is not compared', () => {
    const twoNodes = buildResult({ strategies: ['untraced', 'close-listener'], tracers: ['sentry-static'], scenarios: ['sse-tokens'], nodes: ['20', '24'] });
    const head = copyResult(twoNodes);
    scaleFigure(findCell(head, 'close-listener', 'sentry-static', 'sse-tokens', '20'), 'requestsPerSec', 0.5);
    const { code, comparison } = compareInProcess(twoNodes, head);
    assert.equal(code, 1);
    const throughputOf = (name: string) =>
      comparison.cells.find((cell) => cell.cell === name)?.metrics.find((metric) => metric.metric === 'requestsPerSec')?.verdict;
    assert.equal(throughputOf('close-listener/sentry-static/sse-tokens/node20'), 'slower');
    assert.equal(throughputOf('close-listener/sentry-static/sse-tokens/node24'), 'no difference');

    const onlyTwentyFour = copyResult(twoNodes);
    onlyTwentyFour.cells = onlyTwentyFour.cells.filter((cell) => cell.node === '24');
    const fewer = compareInProcess(twoNodes, onlyTwentyFour);
    assert.deepEqual(fewer.comparison.onlyInBase, ['untraced/none/sse-tokens/node20', 'close-listener/sentry-static/sse-tokens/node20']);
    assert.equal(fewer.comparison.cells.length, 2);
  });

  test('a merge of shards from several machines: each cell compared with its own machine, the machines named', async () => {
    const [first, second] = base.config.scenarios.map((scenario) => {
      const shard = copyResult(base);
      shard.config.scenarios = [scenario];
      shard.cells = shard.cells.filter((cell) => cell.scenario === scenario);
      return shard;
    });
    assert.ok(first && second);
    second.env.cpuModel = 'Other CPU @ 2.00GHz';
    const merged = mergeResults([
      { file: 'a.json', result: first },
      { file: 'b.json', result: second },
    ]);
    const { code, comparison } = compareInProcess(merged, merged);
    assert.equal(code, 0);
    assert.deepEqual(comparison.environment, [], 'every cell against the same machine in both');
    assert.equal(comparison.machines.length, 2);
    assert.match(comparison.machines[0] ?? '', /^base ran on 2 machines \(sse-tokens on Example CPU @ 3\.00GHz, 2 cores; long-idle on Other CPU @ 2\.00GHz, 2 cores\): absolute figures/);
    // Against a single-machine run, only the cells that ran elsewhere differ in machine.
    const against = compareInProcess(base, merged);
    assert.deepEqual(against.comparison.environment.map((difference) => difference.field), ['cpuModel']);
    const { stdout } = await runEntry(COMPARE, [basePath, writeInput(directory, 'merged-machines.json', merged)]);
    assert.match(stdout, /warning: head ran on 2 machines/);
  });

  test('a real --quick result compared with itself', () => {
    const quick = readResultFile(`${ROOT}test/fixtures/quick-result.json`);
    const { code, comparison } = compareInProcess(quick, quick);
    assert.equal(code, 0);
    assert.equal(comparison.cells.length, 3);
    assert.equal(comparison.base.quick, true);
  });

  describe('bad input: exit 2, one line naming the file', () => {
    test('a missing file', async () => {
      await assertRejected([basePath, `${directory}/absent.json`], /^error: .*absent\.json: cannot read: ENOENT/);
    });

    test('a file that is not JSON', async () => {
      const corrupt = writeInput(directory, 'corrupt.json', '{"schemaVersion": 1, "cells": [');
      await assertRejected([corrupt, basePath], /^error: .*corrupt\.json: not valid JSON: /);
    });

    test('a file that does not match the schema', async () => {
      const broken = JSON.parse(JSON.stringify(base)) as { cells: { trials: unknown }[] };
      if (broken.cells[0]) broken.cells[0].trials = 'none';
      const brokenPath = writeInput(directory, 'wrong-schema.json', broken);
      await assertRejected([basePath, brokenPath], /^error: .*wrong-schema\.json: \/cells\/0\/trials: Expected array\n$/);
    });

    test('another schemaVersion', async () => {
      const future = writeInput(directory, 'future.json', { ...base, schemaVersion: 3 });
      await assertRejected([future, basePath], /^error: .*future\.json: \/schemaVersion: Expected 2, got 3\n$/);
    });

    test('wrong arguments', async () => {
      await assertRejected([basePath], /expected two result files/);
      await assertRejected([basePath, basePath, '--threshold=-5'], /--threshold must be a percentage/);
      await assertRejected([basePath, basePath, '--threshold', 'lots'], /--threshold must be a percentage/);
      await assertRejected([basePath, basePath, '--json', '--markdown'], /exclude each other/);
      await assertRejected([basePath, basePath, '--colour'], /accepted: --threshold, --max-noise, --json, --markdown/);
    });
  });
});

describe('the committed full run', () => {
  const committed = readResultFile(`${ROOT}results/2026-12-01-5c659a9.json`);
  const committedPath = `${ROOT}results/2026-12-01-5c659a9.json`;
  const cellName = 'close-listener/sentry-static/sse-tokens/node24';
  /** Its reference work varied 20.8 % at the start: above the default limit, so these tests lift it. */
  const quietEnough = 0.25;
  const compareCommitted = (head: ResultFile) =>
    compareInProcess(committed, head, 0, quietEnough);

  test('against itself: every figure no difference, exit 0 (with its noise let through, and without)', async () => {
    const { code, comparison } = compareCommitted(committed);
    assert.equal(code, 0);
    assert.deepEqual(comparison.regressions, []);
    for (const cell of comparison.cells) {
      for (const metric of cell.metrics) assert.ok(['no difference', 'not measured'].includes(metric.verdict), `${cell.cell} ${metric.metric}`);
    }
    assert.equal(comparison.pooled.length, 8, 'CPU per request and req/s, per tracer and over the run');
    for (const figure of comparison.pooled) assert.equal(figure.verdict, 'no difference', `${figure.pool} ${figure.metric}`);
    const cli = await runEntry(COMPARE, [committedPath, committedPath]);
    assert.equal(cli.code, 0);
    assert.match(cli.stdout, /warning: the host was too noisy to call a wall-clock difference: base's reference work varied 20\.8 % and head's reference work varied 20\.8 % \(limit --max-noise 5 %\)/);
  });

  test('every cell of one tracer 5 % slower: the pooled verdict agrees with the accuracy the two files state; 20 % is slower, exit 1', () => {
    for (const tracer of ['sentry-static', 'sentry-stream', 'otel']) {
      const { code, comparison } = compareCommitted(slowTracer(committed, tracer, 1.05));
      const cpu = pooledFigure(comparison, tracer, 'cpuMsPerRequest');
      assert.ok(cpu.accuracyPercent !== null && Math.abs((cpu.changePercent ?? 0) - 5) < 1e-9);
      assert.equal(cpu.cells, 15, 'five strategies on three throughput scenarios');
      // The rounds of a scenario share the host's moment, so the pooled figure is about as steady
      // as a scenario's round (bench/stats/pooled.ts): where that resolves 5 %, it must show.
      if (cpu.accuracyPercent < 5) assert.equal(cpu.verdict, 'worse', tracer);
      else assert.equal(cpu.verdict, 'no difference', `${tracer}: accuracy ±${cpu.accuracyPercent} %`);
      assert.equal(code, comparison.regressions.length > 0 ? 1 : 0);
    }
    const { code, comparison } = compareCommitted(slowTracer(committed, 'otel', 1.2));
    assert.equal(code, 1);
    assert.equal(pooledFigure(comparison, 'otel', 'cpuMsPerRequest').verdict, 'worse');
    assert.equal(pooledFigure(comparison, 'otel', 'requestsPerSec').verdict, 'slower');
    assert.equal(pooledFigure(comparison, 'sentry-static', 'cpuMsPerRequest').verdict, 'no difference');
  });

  test("one cell 10 % slower: the cell's verdict agrees with its accuracy, and it never fails the comparison alone", () => {
    const head = copyResult(committed);
    const [label, tracer, scenario] = cellName.split('/') as [string, string, string];
    scaleFigure(findCell(head, label, tracer, scenario), 'requestsPerSec', 0.9);
    const { code, comparison } = compareCommitted(head);
    const throughput = comparison.cells.find((cell) => cell.cell === cellName)?.metrics.find((metric) => metric.metric === 'requestsPerSec');
    assert.ok(throughput && throughput.accuracyPercent !== null);
    assert.ok(Math.abs((throughput.changePercent ?? 0) + 10) < 1e-9);
    if (throughput.accuracyPercent < 10) assert.equal(throughput.verdict, 'slower');
    else assert.equal(throughput.verdict, 'no difference', `accuracy ±${throughput.accuracyPercent} %`);
    assert.equal(code, 0);
  });
});

describe('the host-noise gate', () => {
  const noisy = (result: ResultFile, cv: number): ResultFile => {
    const copy = copyResult(result);
    copy.env.noiseFloor = { runs: 20, medianCpuMs: 64, cv: 0.02, cpus: '0' };
    copy.env.noiseChecks = [
      { afterScenario: 'sse-tokens', runs: 20, medianCpuMs: 65, cv, cpus: '0' },
      { afterScenario: 'long-idle', runs: 20, medianCpuMs: 64, cv: 0.03, cpus: '0' },
    ];
    return copy;
  };

  test('a file whose host noise reached 12 %: the host was too noisy, no wall-clock verdict, exit 0; --max-noise 15 calls it', async () => {
    const headPath = writeInput(directory, 'noisy-slower.json', noisy(slowerHead(), 0.12));
    const { code, stdout } = await runEntry(COMPARE, [basePath, headPath]);
    assert.equal(code, 0, 'a 25 % pooled regression is not called from a noisy host');
    assert.match(stdout, /^warning: the host was too noisy to call a wall-clock difference: head's reference work varied 12\.0 % \(limit --max-noise 5 %\); only correctness is judged$/m);
    assert.match(stdout, /No regression \(threshold 0 %\); host too noisy: no wall-clock difference called, correctness only/);
    assert.match(stdout, /head start 2\.0 %, after sse-tokens 12\.0 %, after long-idle 3\.0 %/);
    const { comparison } = await compareJson([basePath, headPath]);
    assert.ok(comparison.pooled.every((figure) => figure.verdict === 'not called' && !figure.regression));
    const cpu = comparison.cells[1]?.metrics.find((metric) => metric.metric === 'cpuMsPerRequest');
    assert.equal(cpu?.verdict, 'not called');
    const heap = comparison.cells[1]?.metrics.find((metric) => metric.metric === 'heapPeakMb');
    assert.equal(heap?.verdict, 'no difference', 'memory is not a wall-clock figure: still judged');
    assert.equal((await runEntry(COMPARE, [basePath, headPath, '--max-noise', '15'])).code, 1);
  });

  test('correctness is still judged from a noisy host', () => {
    const head = noisy(base, 0.12);
    const cell = findCell(head, 'close-listener', 'sentry-stream', 'sse-tokens');
    for (const trial of cell.trials) trial.correctRate = 0.9;
    const { code, comparison } = compareInProcess(base, head);
    assert.equal(code, 1);
    assert.equal(comparison.regressions[0]?.what, 'correctness: became incorrect');
  });

  test('--max-noise takes a percentage; anything else is one line, exit 2', async () => {
    await assertRejected([basePath, basePath, '--max-noise', 'quiet'], /--max-noise must be a percentage of 0 or more/);
    await assertRejected([basePath, basePath, '--max-noise=-1'], /--max-noise must be a percentage/);
  });
});

describe('the new protocol (6 rounds per cell)', () => {
  const rounds = buildResult({ trials: 6 });

  test('every cell of one tracer 5 % slower, on trials as steady as the target (±1 %): slower, exit 1', () => {
    const { code, comparison } = compareInProcess(rounds, slowTracer(rounds, 'sentry-stream', 1.05));
    assert.equal(code, 1);
    const cpu = pooledFigure(comparison, 'sentry-stream', 'cpuMsPerRequest');
    assert.equal(cpu.verdict, 'worse');
    assert.equal(cpu.holmSignificant, true);
    assert.ok((cpu.accuracyPercent ?? Infinity) < 5, `accuracy ±${cpu.accuracyPercent} %`);
    assert.equal(pooledFigure(comparison, 'sentry-stream', 'requestsPerSec').verdict, 'slower');
    assert.equal(pooledFigure(comparison, 'sentry-static', 'requestsPerSec').verdict, 'no difference');
    assert.equal(comparisonExitCode(compareInProcess(rounds, rounds).comparison), 0, 'the file against itself');
  });

  test('correctness that wobbles from trial to trial is judged by its interval, not by its median', () => {
    const wobbling = copyResult(rounds);
    const head = copyResult(rounds);
    const rates = [0.92, 0.8, 0.95, 0.7, 0.9, 0.85];
    findCell(wobbling, 'close-listener', 'sentry-static', 'sse-tokens').trials.forEach((trial, index) => (trial.correctRate = rates[index] as number));
    findCell(head, 'close-listener', 'sentry-static', 'sse-tokens').trials.forEach((trial, index) => (trial.correctRate = (rates[(index + 3) % 6] as number) - 0.02));
    const { code, comparison } = compareInProcess(wobbling, head);
    assert.equal(code, 0);
    const correctness = comparison.cells.find((cell) => cell.cell === 'close-listener/sentry-static/sse-tokens/node24')?.correctness;
    assert.equal(correctness?.verdict, 'same');
    assert.ok(correctness?.accuracyPoints !== null && (correctness?.accuracyPoints ?? 0) > 2);
  });

  test('an informational figure that got worse is shown, never fails', () => {
    const head = copyResult(rounds);
    for (const trial of findCell(head, 'close-listener', 'sentry-static', 'sse-tokens').trials) trial.latencyP99Ms *= 2;
    const { code, comparison } = compareInProcess(rounds, head);
    assert.equal(code, 0);
    const latency = comparison.cells
      .find((cell) => cell.cell === 'close-listener/sentry-static/sse-tokens/node24')
      ?.metrics.find((metric) => metric.metric === 'latencyP99Ms');
    assert.equal(latency?.verdict, 'slower');
    assert.equal(latency?.worse, true);
  });
});

describe('the gate over the pooled figures (simulated A/A comparisons, seeded)', () => {
  test('identical-by-design runs whose rounds share the host\'s moment: the family-wise false-alarm rate stays near 5 %, each pooled interval holds', () => {
    const random = createRandom(11);
    const normal = (): number => {
      // Box-Muller from the seeded stream.
      const u = Math.max(random(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    };
    // Each trial: the cell's own noise (5 %) times its scenario's round (4 %, shared by every
    // cell of that round, as a busy minute of the host is). A t-interval over the cells'
    // log-ratios, treating them as independent, missed 232 of these 1 800 figures (13 %); the
    // pooled interval missed 89 (4.9 %), and the gate alarmed in 3 comparisons of 300.
    const noisy = (result: ResultFile): ResultFile => {
      const copy = copyResult(result);
      const shared = new Map<string, number>();
      const moment = (scenario: string, round: number): number => {
        const key = `${scenario}#${round}`;
        if (!shared.has(key)) shared.set(key, 0.04 * normal());
        return shared.get(key) as number;
      };
      for (const cell of copy.cells) for (const trial of cell.trials) {
        const host = Math.exp(moment(cell.scenario, trial.round));
        trial.requestsPerSec = (1000 / host) * (1 + 0.05 * normal());
        if (trial.cpuMsPerRequest !== null) trial.cpuMsPerRequest = 0.5 * host * (1 + 0.05 * normal());
      }
      return copy;
    };
    const template = buildResult({ trials: 6, strategies: ['untraced', 'sdk-default', 'close-listener'], scenarios: ['sse-tokens', 'plain-json', 'bulk-download'] });
    const comparisons = 300;
    let familyAlarms = 0;
    let figureAlarms = 0;
    let figures = 0;
    for (let run = 0; run < comparisons; run += 1) {
      const comparison = compareResults(noisy(template), noisy(template), { thresholdPercent: 0, baseFile: 'a', headFile: 'b' });
      if (comparisonExitCode(comparison) !== 0) familyAlarms += 1;
      for (const figure of comparison.pooled) {
        figures += 1;
        if (figure.verdict !== 'no difference') figureAlarms += 1;
      }
    }
    assert.ok(familyAlarms / comparisons <= 0.08, `family-wise rate ${familyAlarms}/${comparisons}`);
    assert.ok(Math.abs(figureAlarms / figures - 0.05) < 0.02, `pooled 95 % intervals missed ${figureAlarms}/${figures}`);
  });
});

describe('judgeMetric', () => {
  const throughput = COMPARED_METRICS.find((definition) => definition.metric === 'requestsPerSec');
  const memory = COMPARED_METRICS.find((definition) => definition.metric === 'memoryPerStreamKb');
  assert.ok(throughput && memory);
  /** Five trials around `value`, spread symmetrically by `step`. */
  const spread = (value: number, step: number) => [value - 2 * step, value - step, value, value + step, value + 2 * step];

  test('one trial on a side has no interval: no difference unless past the threshold', () => {
    assert.equal(judgeMetric(throughput, [100], [80], 0).verdict, 'no difference');
    assert.equal(judgeMetric(throughput, [100], spread(80, 1), 0).verdict, 'no difference');
    assert.equal(judgeMetric(throughput, [100], [95], 10).verdict, 'no difference');
    const past = judgeMetric(throughput, [100], [80], 10);
    assert.equal(past.verdict, 'slower');
    assert.equal(past.worse, true);
    assert.equal(past.accuracyPercent, null, 'no accuracy without an interval');
  });

  test("Welch t: the interval of the change and the accuracy, checked against scipy's ttest_ind", () => {
    // scipy.stats.ttest_ind([96,98,100,102,104], [91,92,93,94,95], equal_var=False): t = 4.4272,
    // p = 0.0046527, df = 5.8824; t.ppf(0.975, 5.8824) = 2.45883, x standard error 1.58114 = 3.8877.
    const judged = judgeMetric(throughput, spread(100, 2), spread(93, 1), 0);
    assert.equal(judged.verdict, 'slower');
    assert.ok(Math.abs((judged.changePercent ?? 0) + 7) < 1e-9);
    assert.ok(judged.p !== null && Math.abs(judged.p - 0.0046527) < 1e-6, `p ${judged.p}`);
    // The t quantile is interpolated in the table at df 5.88: a hair wider than exact, never narrower.
    assert.ok(judged.accuracyPercent !== null && judged.accuracyPercent >= 3.8877 && judged.accuracyPercent < 3.9, `±${judged.accuracyPercent}`);
    assert.equal(judgeMetric(throughput, spread(100, 2), spread(97, 1), 0).verdict, 'no difference');
  });

  test('resources read better / worse, smaller is better', () => {
    const worse = judgeMetric(memory, spread(10, 1), spread(20, 1), 0);
    assert.equal(worse.verdict, 'worse');
    assert.equal(worse.worse, true);
    assert.equal(judgeMetric(memory, spread(10, 1), spread(5, 1), 0).verdict, 'better');
  });

  test('a figure on one side only is not measured; a change from 0 has no percentage', () => {
    assert.equal(judgeMetric(memory, [], spread(5, 1), 0).verdict, 'not measured');
    const fromZero = judgeMetric(throughput, spread(0, 0.5), spread(5, 1), 50);
    assert.equal(fromZero.changePercent, null);
    assert.equal(fromZero.accuracyPercent, null);
    assert.equal(fromZero.verdict, 'faster');
  });
});
