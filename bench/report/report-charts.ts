import type { MetricSummary, Overhead, ResultCell, ResultFile } from '../../results/schema.ts';
import { RULES } from '../../results/schema.ts';
import { environmentCaption } from './environment-caption.ts';
import { formatFigure } from '../common/format.ts';
import { renderIntervalChart, type IntervalRow } from './interval-chart.ts';
import { renderMatrixChart, type MatrixEntry } from './matrix-chart.ts';
import type { SummaryMetric } from './metrics.ts';

/** One chart of the report: its SVG, the file it is written to and what it shows. */
export interface Chart {
  file: string;
  title: string;
  /** One sentence for report.md. */
  description: string;
  /** The scenario whose cells the chart shows; null when it shows every cell of the run. */
  scenario: string | null;
  svg: string;
}

const LONG_IDLE = 'long-idle';
const WHISKERS = 'whiskers: bootstrap 95 % interval of the median';

/**
 * The report's charts, each readable alone (title, axis names with units, the environment in a
 * caption). Absolute figures get one chart per scenario, since scenarios differ by orders of
 * magnitude; ratios against untraced share one chart across scenarios. A run on several Nodes
 * colours its bars by Node (rows name it); a run of several SDK releases (--sentry) by release;
 * otherwise by tracer. A scenario's chart is captioned
 * with the machine (or machines) its own cells ran on.
 */
export function buildCharts(result: ResultFile): Chart[] {
  const scenarios = [...new Set(result.cells.map((cell) => cell.scenario))];
  const caption = environmentCaption(result);
  const byNode = new Set(result.cells.map((cell) => cell.node)).size > 1;
  const rowName = (cell: ResultCell) => cellRowName(cell, byNode);
  const rowAxisName = byNode ? 'strategy / tracer · Node' : 'strategy / tracer';
  const metricRow = (name: string, cell: ResultCell, summary: MetricSummary): IntervalRow => ({
    name,
    group: colourGroup(cell, byNode),
    median: summary.median,
    ci95: summary.ci95,
    note: cell.failed ? 'cell failed' : 'no data',
  });
  const trials = `median of up to ${result.config.trials} trial${result.config.trials === 1 ? '' : 's'} per cell`;
  const charts: Chart[] = [];

  for (const scenario of scenarios) {
    const cells = result.cells.filter((cell) => cell.scenario === scenario);
    const scenarioCaption = environmentCaption(result, cells);
    const metricChart = (file: string, title: string, description: string, panels: { metric: SummaryMetric; axisName: string }[]) =>
      charts.push({
        file: `${file}-${fileSafe(scenario)}.svg`,
        title: `${title}: ${scenario}`,
        description,
        scenario,
        svg: renderIntervalChart({
          title: `${title}: ${scenario}`,
          subtitle: `${description} ${capitalised(trials)}; ${WHISKERS}.`,
          rowAxisName,
          caption: scenarioCaption,
          panels: panels.map(({ metric, axisName }) => ({
            axisName,
            format: formatFigure,
            rows: cells.map((cell) => metricRow(rowName(cell), cell, cell.summary[metric])),
          })),
        }),
      });
    metricChart('throughput', 'Throughput', 'Completed requests per second under load: longer is better.', [
      { metric: 'requestsPerSec', axisName: 'requests per second (req/s)' },
    ]);
    metricChart('latency-p99', 'Latency p99', 'The 99th percentile of whole-stream latency under load: shorter is better.', [
      { metric: 'latencyP99Ms', axisName: 'latency p99, whole stream (ms)' },
    ]);
    metricChart(
      'ttfb-max-gap',
      'Time to first byte and largest chunk gap',
      'Measured by a probe stream beside the load; a long gap means a strategy or SDK held chunks back. Shorter is better.',
      [
        { metric: 'ttfbMs', axisName: 'time to first byte (ms)' },
        { metric: 'maxGapMs', axisName: 'largest gap between chunks (ms)' },
      ],
    );
    metricChart('cpu-per-request', 'Server CPU per request', 'Server CPU time (user + system) per completed request: shorter is better.', [
      { metric: 'cpuMsPerRequest', axisName: 'server CPU time per request (ms)' },
    ]);
  }

  charts.push(
    ratioChart(result, caption, byNode, {
      file: 'overhead-vs-untraced.svg',
      title: 'Throughput lost against untraced',
      description:
        'Per round, 1 - cell / untraced requests per second from trials that ran next to each other; 0 % is as fast as no tracing, shorter is better.',
      axisName: 'requests/s lost vs untraced (%)',
      figure: (cell) => cell.summary.overheadVsUntraced,
    }),
    ratioChart(result, caption, byNode, {
      file: 'cpu-cost-vs-untraced.svg',
      title: 'Server CPU per request against untraced',
      description: 'Per round, cell / untraced server CPU per request - 1; 0 % costs what no tracing costs, shorter is better.',
      axisName: 'extra server CPU per request vs untraced (%)',
      figure: (cell) => cell.summary.cpuCostVsUntraced,
    }),
  );

  const longIdle = result.cells.filter((cell) => cell.scenario === LONG_IDLE);
  if (longIdle.length > 0) {
    const description = 'Heap (after GC) held per open stream while many long-idle streams are open: shorter is better.';
    charts.push({
      file: 'memory-per-stream.svg',
      title: `Memory per open stream: ${LONG_IDLE}`,
      description,
      scenario: LONG_IDLE,
      svg: renderIntervalChart({
        title: `Memory per open stream: ${LONG_IDLE}`,
        subtitle: `${description} ${capitalised(trials)}; ${WHISKERS}.`,
        rowAxisName,
        caption: environmentCaption(result, longIdle),
        panels: [
          {
            axisName: 'V8 heap per open stream (KiB)',
            format: formatFigure,
            rows: longIdle.map((cell) => metricRow(rowName(cell), cell, cell.summary.memoryPerStreamKb)),
          },
        ],
      }),
    });
  }

  charts.push(correctnessChart(result, caption, byNode));
  return charts;
}

/** The axis name of a cell within one scenario; with the Node when the run has several. */
export function cellRowName(cell: ResultCell, withNode = false): string {
  return `${cell.label} / ${cell.tracer}${cell.sdkRelease ? ` @${cell.sdkRelease.version}` : ''}${withNode ? ` · Node ${cell.node}` : ''}`;
}

/** What a bar's colour tells: its Node in a run on several; else its SDK release where the run chose releases; else its tracer. */
function colourGroup(cell: ResultCell, byNode: boolean): string {
  if (byNode) return `Node ${cell.nodeVersion}`;
  return cell.sdkRelease ? `${cell.sdkRelease.package} ${cell.sdkRelease.version}` : cell.tracer;
}

interface RatioChartSpec {
  file: string;
  title: string;
  description: string;
  axisName: string;
  figure: (cell: ResultCell) => Overhead;
}

/** A ratio against untraced for every cell of every scenario, in percent. */
function ratioChart(result: ResultFile, caption: readonly string[], byNode: boolean, spec: RatioChartSpec): Chart {
  const percent = (value: number) => value * 100;
  const rows = result.cells.map((cell): IntervalRow => {
    const figure = spec.figure(cell);
    return {
      name: `${cell.scenario}: ${cellRowName(cell, byNode)}`,
      group: colourGroup(cell, byNode),
      median: figure ? percent(figure.mean) : null,
      ci95: figure?.ci95 ? [percent(figure.ci95[0]), percent(figure.ci95[1])] : null,
      note: cell.strategy === 'untraced' ? 'the baseline' : cell.failed ? 'cell failed' : 'no paired rounds',
    };
  });
  return {
    file: spec.file,
    title: spec.title,
    description: spec.description,
    scenario: null,
    svg: renderIntervalChart({
      title: spec.title,
      subtitle: `${spec.description} Mean over rounds; whiskers: Student-t 95 % interval of the mean.`,
      rowAxisName: byNode ? 'scenario: strategy / tracer · Node' : 'scenario: strategy / tracer',
      caption,
      panels: [{ axisName: spec.axisName, format: (value) => `${formatFigure(value)} %`, tickSuffix: ' %', rows }],
    }),
  };
}

/** Correct requests in % per strategy / tracer and scenario, with the verifier rules that failed. */
function correctnessChart(result: ResultFile, caption: readonly string[], byNode: boolean): Chart {
  const rowName = (cell: ResultCell) => cellRowName(cell, byNode);
  const rows = [...new Set(result.cells.map(rowName))];
  const columns = [...new Set(result.cells.map((cell) => cell.scenario))];
  const entries = result.cells.map((cell): MatrixEntry => {
    const base = { row: rowName(cell), column: cell.scenario };
    if (cell.tracer === 'none') return { ...base, percent: null, missingReason: 'not traced', text: 'not traced' };
    const rate = cell.summary.correctRate;
    if (rate === null) return { ...base, percent: null, missingReason: 'no figure', text: cell.failed ? 'cell failed' : 'no figure' };
    const failedRules = RULES.filter((rule) => cell.summary.violations[rule] > 0).sort(
      (a, b) => cell.summary.violations[b] - cell.summary.violations[a],
    );
    const percent = rate * 100;
    return { ...base, percent, text: [`${formatFigure(percent)} %`, ...(failedRules.length ? [failedRules.join(', ')] : [])].join('\n') };
  });
  const description =
    'Requests whose spans broke no verifier rule, median over trials, with the rules broken (most violations first).';
  return {
    file: 'correctness.svg',
    title: 'Span correctness under load',
    description,
    scenario: null,
    svg: renderMatrixChart({
      title: 'Span correctness under load',
      subtitle: description,
      rowAxisName: byNode ? 'strategy / tracer · Node' : 'strategy / tracer',
      columnAxisName: 'scenario',
      caption,
      rows,
      columns,
      entries,
    }),
  };
}

function fileSafe(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
