import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import type { GabEntry } from '../bench/report/gab.ts';
import { buildCharts, cellRowName } from '../bench/report/report-charts.ts';
import { buildReport } from '../bench/report/report.ts';
import type { ResultFile } from '../results/schema.ts';
import { buildResult, copyResult, writeInput } from './support/result-builder.ts';
import { scratchDirectory } from './support/scratch.ts';
import { mergeResults } from '../bench/report/merge.ts';
import { type CommandResult, ROOT, runEntry } from './support/run.ts';

const REPORT = 'bench/commands/report.ts';
const directory = scratchDirectory('report');

/** Well-formed XML whose root is an <svg> element, or the parser's first complaint. */
function assertSvg(svg: string, name: string): void {
  const verdict = XMLValidator.validate(svg);
  assert.equal(verdict, true, `${name}: ${verdict === true ? '' : JSON.stringify(verdict.err)}`);
  assert.match(svg, /^<svg[\s>]/, `${name} starts with <svg`);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The cells a chart must name: those of its scenario, or every cell. */
function cellsOf(result: ResultFile, scenario: string | null) {
  return result.cells.filter((cell) => scenario === null || cell.scenario === scenario);
}

describe('npm run report', () => {
  const result = buildResult();
  const resultPath = writeInput(directory, 'result.json', result);
  /** One real run to Markdown, read by the two tests that follow. */
  const markdownOut = join(directory, 'md');
  let markdownRun: Promise<CommandResult> | undefined;
  const reportToMarkdown = (): Promise<CommandResult> => (markdownRun ??= runEntry(REPORT, [resultPath, '--out', markdownOut]));

  test('writes one SVG per chart and report.md; every SVG is XML and names every cell it covers', async () => {
    const { code, stderr } = await reportToMarkdown();
    assert.equal(code, 0, stderr);

    const charts = buildCharts(result);
    const written = readdirSync(markdownOut).sort();
    assert.deepEqual(written, [...charts.map((chart) => chart.file), 'report.md'].sort());
    assert.ok(!written.some((name) => name.endsWith('.tmp')), 'no temporary file left');
    const expectedFiles = [
      'throughput-sse-tokens.svg',
      'throughput-long-idle.svg',
      'overhead-vs-untraced.svg',
      'cpu-cost-vs-untraced.svg',
      'latency-p99-sse-tokens.svg',
      'ttfb-max-gap-sse-tokens.svg',
      'cpu-per-request-long-idle.svg',
      'memory-per-stream.svg',
      'correctness.svg',
    ];
    for (const file of expectedFiles) assert.ok(written.includes(file), `${file} written`);

    for (const chart of charts) {
      const svg = readFileSync(join(markdownOut, chart.file), 'utf8');
      assertSvg(svg, chart.file);
      for (const cell of cellsOf(result, chart.scenario)) {
        assert.ok(svg.includes(escapeXml(cellRowName(cell))), `${chart.file} names ${cellRowName(cell)}`);
      }
      // Readable alone: its title and the machine it was measured on.
      assert.ok(svg.includes(escapeXml(chart.title)), `${chart.file} has its title`);
      assert.ok(svg.includes('Example CPU @ 3.00GHz, 2 cores'), `${chart.file} has the environment caption`);
      assert.ok(svg.includes('@sentry/node 11.12.0'), `${chart.file} names the SDK version`);
      assert.ok(svg.includes('commit 0123456'), `${chart.file} names the commit`);
    }
    const throughput = readFileSync(join(markdownOut, 'throughput-sse-tokens.svg'), 'utf8');
    assert.ok(throughput.includes('requests per second (req/s)'), 'value axis named with its unit');
    const correctness = readFileSync(join(markdownOut, 'correctness.svg'), 'utf8');
    assert.ok(correctness.includes('outOfRange, multipleRoots'), 'the rules handler-return broke');
    assert.ok(correctness.includes('not traced'));
  });

  test('report.md links every chart relatively and has a summary row per cell', async () => {
    const { code, stderr } = await reportToMarkdown();
    assert.equal(code, 0, stderr);
    const markdown = readFileSync(join(markdownOut, 'report.md'), 'utf8');
    const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1] as string);
    assert.deepEqual(links.sort(), readdirSync(markdownOut).filter((name) => name.endsWith('.svg')).sort());
    for (const link of links) assert.ok(!link.includes('/') && existsSync(join(markdownOut, link)), link);
    for (const cell of result.cells) {
      assert.ok(markdown.includes(`| ${cell.label} | ${cell.tracer} | ${cell.scenario} |`), `summary row of ${cell.label}/${cell.tracer}/${cell.scenario}`);
    }
    assert.match(markdown, /Example CPU @ 3\.00GHz, 2 cores · Node v24\.21\.0 · @sentry\/node 11\.12\.0/);
  });

  test('without long-idle cells there is no memory chart, and report.md says why', () => {
    const noLongIdle = buildResult({ scenarios: ['sse-tokens'] });
    const files = buildReport(noLongIdle, 'md');
    assert.ok(!files.some((file) => file.name === 'memory-per-stream.svg'));
    const markdown = files.find((file) => file.name === 'report.md')?.content ?? '';
    assert.match(markdown, /measured in the long-idle scenario only, which this run did not include/);
  });

  test("report.md states the host noise and, where trials recorded them, which drivers move with CPU per request", () => {
    const result = buildResult({ scenarios: ['sse-tokens'], trials: 5 });
    result.env.noiseFloor = { runs: 20, medianCpuMs: 60, cv: 0.041, cpus: '0' };
    result.env.noiseChecks = [{ afterScenario: 'sse-tokens', runs: 20, medianCpuMs: 61, cv: 0.123, cpus: '0' }];
    for (const cell of result.cells) {
      for (const trial of cell.trials) {
        const cpu = trial.cpuMsPerRequest as number;
        // GC time rises with CPU per request, loop turns fall with it, the rest stays put.
        trial.drivers = {
          gcMsPerRequest: cpu * 0.1,
          gcPerRequest: 0.01,
          loopTurnsPerRequest: 10 / cpu,
          eventsPerLoopTurn: 3,
          voluntaryContextSwitchesPerSec: 100,
          involuntaryContextSwitchesPerSec: 50,
          harnessBytesPerRead: null,
        };
      }
    }
    const markdown = buildReport(result, 'md').find((file) => file.name === 'report.md')?.content ?? '';
    assert.match(markdown, /host noise \(reference work CV\) start 4\.1 %, after sse-tokens 12\.3 %/);
    assert.match(markdown, /## What moves with CPU per request/);
    const cells = result.cells.length;
    assert.match(markdown, new RegExp(`\\| GC time per request \\| ${cells} \\| 1\\.00 \\| ${cells} of ${cells} \\| 1\\.00 \\(${cells * 5} trials, p = `));
    assert.match(markdown, new RegExp(`\\| event-loop turns per request \\| ${cells} \\| -1\\.00 \\| 0 of ${cells} \\|`));
    assert.ok(!markdown.includes('| harness bytes per read syscall |'), 'a driver no trial recorded is left out');
    assert.ok(!buildReport(buildResult(), 'md').find((file) => file.name === 'report.md')?.content.includes('What moves'), 'nothing for a run without drivers');
  });

  test('a real --quick result renders', async () => {
    const out = join(directory, 'quick');
    const fixture = join(ROOT, 'test/fixtures/quick-result.json');
    const { code, stderr } = await runEntry(REPORT, [fixture, '--out', out]);
    assert.equal(code, 0, stderr);
    const quick = JSON.parse(readFileSync(fixture, 'utf8')) as ResultFile;
    for (const chart of buildCharts(quick)) {
      const svg = readFileSync(join(out, chart.file), 'utf8');
      assertSvg(svg, chart.file);
      for (const cell of cellsOf(quick, chart.scenario)) assert.ok(svg.includes(escapeXml(cellRowName(cell))), `${chart.file}: ${cell.label}`);
    }
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /--quick/);
  });

  test('a run on several Nodes: rows name the Node, bars coloured by Node', () => {
    const twoNodes = buildResult({ strategies: ['untraced', 'close-listener'], tracers: ['sentry-static'], scenarios: ['sse-tokens'], nodes: ['20', '24'] });
    const throughput = buildCharts(twoNodes).find((chart) => chart.file === 'throughput-sse-tokens.svg');
    assert.ok(throughput);
    for (const cell of twoNodes.cells) assert.ok(throughput.svg.includes(escapeXml(cellRowName(cell, true))), cellRowName(cell, true));
    assert.ok(throughput.svg.includes('Node v20.20.2') && throughput.svg.includes('Node v24.21.0'), 'a legend entry per Node');
  });

  test('a merge of shards from several machines: report.md says which cells ran where, each chart its own machine', () => {
    const shards = result.config.scenarios.map((scenario) => {
      const shard = copyResult(result);
      shard.config.scenarios = [scenario];
      shard.cells = shard.cells.filter((cell) => cell.scenario === scenario);
      return shard;
    });
    const [first, second] = shards;
    assert.ok(first && second);
    second.env.cpuModel = 'Other CPU @ 2.00GHz';
    const merged = mergeResults([
      { file: 'a.json', result: first },
      { file: 'b.json', result: second },
    ]);
    const files = buildReport(merged, 'md');
    const markdown = files.find((file) => file.name === 'report.md')?.content ?? '';
    assert.match(markdown, /## Machines/);
    assert.match(markdown, /\*\*Other CPU @ 2\.00GHz, 2 cores\*\* .*`close-listener\/sentry-static\/long-idle\/node24`/);
    assert.match(markdown, /2 machines: absolute figures \(req\/s, ms\) compare only within one machine/);
    const svgOf = (name: string) => files.find((file) => file.name === name)?.content ?? '';
    // A scenario's absolute figures are captioned with the one machine they ran on.
    assert.ok(svgOf('throughput-long-idle.svg').includes('Other CPU @ 2.00GHz'));
    assert.ok(!svgOf('throughput-long-idle.svg').includes('Example CPU'));
    assert.ok(svgOf('throughput-sse-tokens.svg').includes('Example CPU @ 3.00GHz'));
    // Ratios across scenarios span both machines: the caption names each.
    const ratios = svgOf('overhead-vs-untraced.svg');
    assert.ok(ratios.includes('Other CPU @ 2.00GHz') && ratios.includes('Example CPU @ 3.00GHz') && ratios.includes('2 machines'));
  });

  test('--format gab: github-action-benchmark files, names per cell and figure, ranges from the intervals', async () => {
    const out = join(directory, 'gab');
    const { code, stderr } = await runEntry(REPORT, [resultPath, '--out', out, '--format', 'gab']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(readdirSync(out).sort(), ['customBiggerIsBetter.json', 'customSmallerIsBetter.json']);
    const bigger = JSON.parse(readFileSync(join(out, 'customBiggerIsBetter.json'), 'utf8')) as GabEntry[];
    const smaller = JSON.parse(readFileSync(join(out, 'customSmallerIsBetter.json'), 'utf8')) as GabEntry[];
    for (const entry of [...bigger, ...smaller]) {
      assert.deepEqual(Object.keys(entry).sort(), ['extra', 'name', 'range', 'unit', 'value']);
      assert.equal(typeof entry.name, 'string');
      assert.equal(typeof entry.unit, 'string');
      assert.ok(Number.isFinite(entry.value), entry.name);
      assert.match(entry.range, /^± \d/);
      assert.equal(typeof entry.extra, 'string');
    }
    const names = [...bigger, ...smaller].map((entry) => entry.name);
    assert.equal(new Set(names).size, names.length, 'names are unique');

    const throughput = bigger.find((entry) => entry.name === 'close-listener/sentry-static/sse-tokens/node24 req/s');
    const cell = result.cells.find((candidate) => candidate.label === 'close-listener' && candidate.tracer === 'sentry-static' && candidate.scenario === 'sse-tokens');
    assert.ok(throughput && cell?.summary.requestsPerSec.ci95 && cell.summary.requestsPerSec.median !== null);
    assert.equal(throughput.value, cell.summary.requestsPerSec.median);
    assert.equal(throughput.unit, 'req/s');
    assert.match(throughput.extra, /95 % CI \[/);
    assert.ok(smaller.some((entry) => entry.name === 'close-listener/sentry-static/sse-tokens/node24 latency p99 ms'));
    assert.ok(smaller.some((entry) => entry.name === 'close-listener/sentry-static/long-idle/node24 memory per stream KiB'));
    assert.ok(smaller.some((entry) => entry.name === 'close-listener/sentry-static/sse-tokens/node24 req/s lost vs untraced %'));
    assert.ok(bigger.some((entry) => entry.name === 'handler-return/sentry-stream/sse-tokens/node24 correct %' && entry.value === 0));
    assert.ok(!names.some((name) => name.startsWith('untraced/') && name.endsWith('vs untraced %')), 'no baseline against itself');
  });

  test('bad input: one line, exit 2, nothing written', async () => {
    const out = join(directory, 'never');
    const corrupt = writeInput(directory, 'corrupt.json', 'not json');
    for (const [args, expected] of [
      [[corrupt, '--out', out], /^error: .*corrupt\.json: not valid JSON/],
      [[resultPath, '--out', out, '--format', 'pdf'], /^error: unknown format 'pdf' \(accepted: md, gab\)/],
      [['--out', out], /^error: expected one result file/],
    ] as const) {
      const { code, stdout, stderr } = await runEntry(REPORT, [...args]);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.match(stderr, expected);
      assert.equal(existsSync(out), false, 'nothing written');
    }
  });
});
