import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { judgeMetric, type Comparison } from '../bench/report/compare.ts';
import { COMPARED_METRICS } from '../bench/report/metrics.ts';
import type { ResultFile } from '../results/schema.ts';
import { buildResult, copyResult, findCell, temporaryDirectory, writeInput } from './support/result-builder.ts';
import { ROOT, runEntry } from './support/run.ts';
import { mergeResults } from '../bench/report/merge.ts';

const COMPARE = 'bench/commands/compare.ts';
const directory = temporaryDirectory('compare');
after(() => rmSync(directory, { recursive: true, force: true }));
const base = buildResult();
const basePath = writeInput(directory, 'base.json', base);

/** The base with close-listener / sentry-static / sse-tokens 20 % slower, its interval moved along. */
function slowerHead(): ResultFile {
  const head = copyResult(base);
  const throughput = findCell(head, 'close-listener', 'sentry-static', 'sse-tokens').summary.requestsPerSec;
  assert.ok(throughput.median !== null && throughput.ci95 !== null);
  throughput.median *= 0.8;
  throughput.ci95 = [throughput.ci95[0] * 0.8, throughput.ci95[1] * 0.8];
  return head;
}

async function compareJson(args: string[]): Promise<{ code: number | null; comparison: Comparison }> {
  const { code, stdout, stderr } = await runEntry(COMPARE, [...args, '--json']);
  assert.ok(code === 0 || code === 1, `exit ${code}: ${stderr}`);
  return { code, comparison: JSON.parse(stdout) as Comparison };
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
        const measured = metric.base.median !== null;
        assert.equal(metric.verdict, measured ? 'no difference' : 'not measured', `${cell.cell} ${metric.metric}`);
        if (measured) assert.equal(metric.changePercent, 0);
      }
    }
  });

  test('the text table shows every cell and says there is no regression', async () => {
    const { code, stdout } = await runEntry(COMPARE, [basePath, basePath]);
    assert.equal(code, 0);
    for (const cell of base.cells) assert.ok(stdout.includes(`${cell.label}/${cell.tracer}/${cell.scenario}`), cell.label);
    assert.match(stdout, /No regression \(threshold 0 %\)/);
    assert.match(stdout, /do not overlap/);
  });

  test('a strategy 20 % slower with its interval shifted: slower, exit 1', async () => {
    const headPath = writeInput(directory, 'slower.json', slowerHead());
    const { code, comparison } = await compareJson([basePath, headPath]);
    assert.equal(code, 1);
    const cell = comparison.cells.find((candidate) => candidate.cell === 'close-listener/sentry-static/sse-tokens/node24');
    const throughput = cell?.metrics.find((metric) => metric.metric === 'requestsPerSec');
    assert.equal(throughput?.verdict, 'slower');
    assert.ok(Math.abs((throughput?.changePercent ?? 0) + 20) < 1e-9, `change ${throughput?.changePercent}`);
    assert.equal(throughput?.regression, true);
    assert.equal(comparison.regressions.length, 1);
    assert.equal(comparison.regressions[0]?.cell, 'close-listener/sentry-static/sse-tokens/node24');
    // Every other figure of every cell is unchanged.
    const others = comparison.cells.flatMap((other) => other.metrics.filter((metric) => metric !== throughput));
    assert.ok(others.every((metric) => metric.verdict === 'no difference' || metric.verdict === 'not measured'));
  });

  test('--threshold 25 forgives a 20 % regression, --threshold 15 does not', async () => {
    const headPath = writeInput(directory, 'slower.json', slowerHead());
    const forgiven = await compareJson([basePath, headPath, '--threshold', '25']);
    assert.equal(forgiven.code, 0);
    const throughput = forgiven.comparison.cells
      .find((cell) => cell.cell === 'close-listener/sentry-static/sse-tokens/node24')
      ?.metrics.find((metric) => metric.metric === 'requestsPerSec');
    assert.equal(throughput?.verdict, 'slower', 'still reported as slower');
    assert.equal(throughput?.regression, false);
    const { code } = await runEntry(COMPARE, [basePath, headPath, '--threshold', '15']);
    assert.equal(code, 1);
  });

  test('--markdown: a table for a PR comment naming the regression', async () => {
    const headPath = writeInput(directory, 'slower.json', slowerHead());
    const { code, stdout } = await runEntry(COMPARE, [basePath, headPath, '--markdown']);
    assert.equal(code, 1);
    assert.match(stdout, /^### streamtrace-bench/);
    assert.match(stdout, /\*\*1 regression \(threshold 0 %\)\*\*/);
    assert.match(stdout, /\| close-listener\/sentry-static\/sse-tokens\/node24 \| requests\/s slower \| -20\.0 %/);
    assert.match(stdout, /<details>/);
  });

  test('a strategy that became incorrect fails whatever the threshold, listed first', async () => {
    const head = slowerHead();
    const cell = findCell(head, 'close-listener', 'sentry-stream', 'long-idle');
    cell.summary.correctRate = 0.9;
    const headPath = writeInput(directory, 'incorrect.json', head);
    const { code, comparison } = await compareJson([basePath, headPath, '--threshold', '50']);
    assert.equal(code, 1);
    assert.equal(comparison.regressions.length, 1, 'the slower cell is forgiven, the incorrect one is not');
    assert.equal(comparison.regressions[0]?.cell, 'close-listener/sentry-stream/long-idle/node24');
    assert.equal(comparison.regressions[0]?.what, 'correctness: became incorrect');
  });

  test('a negative control that became correct is an improvement, not a failure', async () => {
    const head = copyResult(base);
    findCell(head, 'handler-return', 'sentry-static', 'sse-tokens').summary.correctRate = 1;
    const headPath = writeInput(directory, 'fixed.json', head);
    const { code, comparison } = await compareJson([basePath, headPath]);
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
    const { comparison } = await compareJson([basePath, headPath]);
    assert.deepEqual(
      comparison.environment.map((difference) => difference.field),
      ['cpuModel', 'pinning', 'packages.@sentry/node'],
    );
  });

  test('cells in one file only and configuration differences are reported, not compared', async () => {
    const head = copyResult(base);
    head.cells = head.cells.filter((cell) => cell.label !== 'sdk-default');
    head.config.connections = 100;
    const headPath = writeInput(directory, 'fewer-cells.json', head);
    const { code, comparison } = await compareJson([basePath, headPath]);
    assert.equal(code, 0);
    assert.deepEqual(comparison.onlyInHead, []);
    assert.deepEqual(
      comparison.onlyInBase,
      base.cells.filter((cell) => cell.label === 'sdk-default').map((cell) => `${cell.label}/${cell.tracer}/${cell.scenario}/node24`),
    );
    assert.deepEqual(comparison.configuration, [{ field: 'connections', first: '50', second: '100' }]);
  });

  test('cells are matched by label: untraced#2 with untraced#2', async () => {
    const withCopies = buildResult({ strategies: ['untraced', 'close-listener', 'untraced'], scenarios: ['sse-tokens'] });
    const head = copyResult(withCopies);
    const copy = findCell(head, 'untraced#2', 'none', 'sse-tokens').summary.requestsPerSec;
    assert.ok(copy.median !== null && copy.ci95 !== null);
    copy.median *= 2;
    copy.ci95 = [copy.ci95[0] * 2, copy.ci95[1] * 2];
    const basePathWithCopies = writeInput(directory, 'aa-base.json', withCopies);
    const headPath = writeInput(directory, 'aa-head.json', head);
    const { comparison } = await compareJson([basePathWithCopies, headPath]);
    const verdictOf = (name: string) =>
      comparison.cells.find((cell) => cell.cell === name)?.metrics.find((metric) => metric.metric === 'requestsPerSec')?.verdict;
    assert.equal(verdictOf('untraced/none/sse-tokens/node24'), 'no difference');
    assert.equal(verdictOf('untraced#2/none/sse-tokens/node24'), 'faster');
  });

  test('cells are matched by Node: a change on Node 20 is a change there only; a Node in one file only is not compared', async () => {
    const twoNodes = buildResult({ strategies: ['untraced', 'close-listener'], tracers: ['sentry-static'], scenarios: ['sse-tokens'], nodes: ['20', '24'] });
    const head = copyResult(twoNodes);
    const throughput = findCell(head, 'close-listener', 'sentry-static', 'sse-tokens', '20').summary.requestsPerSec;
    assert.ok(throughput.median !== null && throughput.ci95 !== null);
    throughput.median *= 0.5;
    throughput.ci95 = [throughput.ci95[0] * 0.5, throughput.ci95[1] * 0.5];
    const { code, comparison } = await compareJson([writeInput(directory, 'nodes-base.json', twoNodes), writeInput(directory, 'nodes-head.json', head)]);
    assert.equal(code, 1);
    assert.deepEqual(comparison.regressions.map((regression) => regression.cell), ['close-listener/sentry-static/sse-tokens/node20']);

    const onlyTwentyFour = copyResult(twoNodes);
    onlyTwentyFour.cells = onlyTwentyFour.cells.filter((cell) => cell.node === '24');
    const fewer = await compareJson([writeInput(directory, 'nodes-all.json', twoNodes), writeInput(directory, 'nodes-24.json', onlyTwentyFour)]);
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
    const mergedPath = writeInput(directory, 'merged-machines.json', merged);
    const { code, comparison } = await compareJson([mergedPath, mergedPath]);
    assert.equal(code, 0);
    assert.deepEqual(comparison.environment, [], 'every cell against the same machine in both');
    assert.equal(comparison.machines.length, 2);
    assert.match(comparison.machines[0] ?? '', /^base ran on 2 machines \(sse-tokens on Example CPU @ 3\.00GHz, 2 cores; long-idle on Other CPU @ 2\.00GHz, 2 cores\): absolute figures/);
    // Against a single-machine run, only the cells that ran elsewhere differ in machine.
    const against = await compareJson([basePath, mergedPath]);
    assert.deepEqual(against.comparison.environment.map((difference) => difference.field), ['cpuModel']);
    const { stdout } = await runEntry(COMPARE, [basePath, mergedPath]);
    assert.match(stdout, /warning: head ran on 2 machines/);
  });

  test('a real --quick result compared with itself', async () => {
    const { code, comparison } = await compareJson([`${ROOT}test/fixtures/quick-result.json`, `${ROOT}test/fixtures/quick-result.json`]);
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
      await assertRejected([basePath, basePath, '--colour'], /accepted: --threshold, --json, --markdown/);
    });
  });
});

describe('judgeMetric', () => {
  const throughput = COMPARED_METRICS.find((definition) => definition.metric === 'requestsPerSec');
  const memory = COMPARED_METRICS.find((definition) => definition.metric === 'memoryPerStreamKb');
  assert.ok(throughput && memory);
  const single = (value: number) => ({ median: value, ci95: [value, value] as [number, number], cv: null, n: 1 });
  const spread = (value: number, halfWidth: number) => ({
    median: value,
    ci95: [value - halfWidth, value + halfWidth] as [number, number],
    cv: 0.01,
    n: 5,
  });

  test('one trial on a side has no interval: no difference unless past the threshold', () => {
    assert.equal(judgeMetric(throughput, single(100), single(80), 0).verdict, 'no difference');
    assert.equal(judgeMetric(throughput, single(100), spread(80, 1), 0).verdict, 'no difference');
    assert.equal(judgeMetric(throughput, single(100), single(95), 10).verdict, 'no difference');
    const past = judgeMetric(throughput, single(100), single(80), 10);
    assert.equal(past.verdict, 'slower');
    assert.equal(past.regression, true);
  });

  test('overlapping intervals, touching included, are no difference', () => {
    assert.equal(judgeMetric(throughput, spread(100, 5), spread(95, 2), 0).verdict, 'no difference');
    assert.equal(judgeMetric(throughput, spread(100, 5), spread(92, 3), 0).verdict, 'no difference');
    assert.equal(judgeMetric(throughput, spread(100, 5), spread(91, 3), 0).verdict, 'slower');
  });

  test('resources read better / worse, and smaller is better', () => {
    assert.equal(judgeMetric(memory, spread(10, 1), spread(20, 1), 0).verdict, 'worse');
    assert.equal(judgeMetric(memory, spread(10, 1), spread(5, 1), 0).verdict, 'better');
  });

  test('a figure on one side only is not measured; a change from 0 has no percentage', () => {
    const none = { median: null, ci95: null, cv: null, n: 0 };
    assert.equal(judgeMetric(memory, none, spread(5, 1), 0).verdict, 'not measured');
    const fromZero = judgeMetric(memory, spread(0, 0.5), spread(5, 1), 50);
    assert.equal(fromZero.changePercent, null);
    assert.equal(fromZero.verdict, 'worse');
    assert.equal(fromZero.regression, true, 'an unbounded change passes any threshold');
  });
});
