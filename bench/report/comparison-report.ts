import { type CellComparison, type Comparison, describePool, type FigureSample, type MetricComparison, type PooledComparison, type Regression, type RunIdentity } from './compare.ts';
import {
  formatFigure,
  formatFractionPercent,
  formatSignedPercent,
  shortCommit,
} from '../common/format.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import { describeDifference } from './run-differences.ts';
import { renderTable } from '../common/table.ts';

/** Renders a Comparison for a terminal (text) or a pull-request comment (Markdown). */

function rule(comparison: Comparison): string {
  const { gate } = comparison;
  return (
    'Gated (they decide the exit code): the pooled figures, per tracer and over the run, the geometric mean over the throughput cells of head / base ' +
    `(${gate.metrics.join(', ')}) with a 95 % interval whose unit is a scenario's round (cells of one round share the host's moment), and each cell's correctness (*); ` +
    `Holm over ${gate.figures} of them at ${gate.familyAlpha * 100} % in all. Per cell, information: change = (head - base) / base of the trial means, with its ` +
    'Student-t (Welch) 95 % interval; a difference is claimed only where it excludes 0 (with one trial on either side, only past --threshold). ' +
    'accuracy: ± half that interval, the smallest change these two files could show; "no difference" says nothing about a change smaller than it.'
  );
}

const POOLED_COLUMNS = ['pooled over', 'figure', 'cells', 'change [95 % CI]', 'accuracy', 'verdict'];

function pooledRows(pooled: readonly PooledComparison[]): string[][] {
  return pooled.map((figure) => [
    describePool(figure.pool),
    `${figure.title} *`,
    `${figure.cells} (${figure.scenarios} scenario${figure.scenarios === 1 ? '' : 's'})`,
    figure.changeInterval95
      ? `${formatSignedPercent(figure.changePercent)} [${figure.changeInterval95[0].toFixed(1)}, ${figure.changeInterval95[1].toFixed(1)}]`
      : formatSignedPercent(figure.changePercent),
    figure.accuracyPercent === null ? 'n/a' : `±${figure.accuracyPercent.toFixed(1)} %`,
    figure.worse && !figure.regression
      ? `${figure.verdict} (${figure.holmSignificant ? 'within threshold' : 'not significant over the gated figures'})`
      : figure.verdict,
  ]);
}

/** Each file's host noise, as it recorded it, and the gate's limit. */
function noiseLines(comparison: Comparison): string[] {
  const { noise } = comparison;
  return [`host noise (reference work CV; limit ${(noise.maxNoise * 100).toFixed(1)} %): base ${noise.baseReadings}; head ${noise.headReadings}`];
}

const COLUMNS = ['cell', 'figure', 'base mean (n)', 'head mean (n)', 'change [95 % CI]', 'accuracy', 'verdict'];

export function renderComparisonText(comparison: Comparison): string {
  const lines = [
    `base: ${describeRun(comparison.base)}`,
    `head: ${describeRun(comparison.head)}`,
    ...noiseLines(comparison),
    ...warnings(comparison).map((warning) => `warning: ${warning}`),
    '',
    renderTable(POOLED_COLUMNS, pooledRows(comparison.pooled)),
    '',
    renderTable(COLUMNS, comparisonRows(comparison.cells)),
    '',
    rule(comparison),
    verdictLine(comparison),
    ...comparison.regressions.map((regression) => `  ${describeRegression(regression)}`),
  ];
  return lines.join('\n');
}

export function renderComparisonMarkdown(comparison: Comparison): string {
  const { base, head } = comparison;
  const sections = [
    '### streamtrace-bench: head vs base',
    `**base** ${describeRunMarkdown(base)} · **head** ${describeRunMarkdown(head)}`,
    ...noiseLines(comparison),
    ...warnings(comparison).map((warning) => `> **Warning:** ${warning}`),
    `**${verdictLine(comparison)}**`,
    renderMarkdownTable(POOLED_COLUMNS, pooledRows(comparison.pooled)),
  ];
  if (comparison.regressions.length > 0) sections.push(renderMarkdownTable(['cell', 'regression', 'detail'], regressionRows(comparison.regressions)));
  if (comparison.improvements.length > 0) {
    sections.push(`**Improvements (${comparison.improvements.length})**`);
    sections.push(renderMarkdownTable(['cell', 'improvement', 'detail'], regressionRows(comparison.improvements)));
  }
  const rows = comparisonRows(comparison.cells);
  sections.push(
    `<details><summary>All ${rows.length} figures of ${comparison.cells.length} cells</summary>\n\n${renderMarkdownTable(COLUMNS, rows)}\n\n</details>`,
  );
  sections.push(`<sub>${rule(comparison)}</sub>`);
  return `${sections.join('\n\n')}\n`;
}

/** Everything that makes the figures less comparable than they look, one sentence each. */
function warnings(comparison: Comparison): string[] {
  const result: string[] = [];
  if (comparison.noise.note) result.push(comparison.noise.note);
  if (comparison.environment.length > 0) {
    const list = comparison.environment.map((difference) => describeDifference(difference, ' → ')).join('; ');
    result.push(`the runs differ in machine or software, so their figures are not comparable: ${list}`);
  }
  result.push(...comparison.machines);
  if (comparison.configuration.length > 0) {
    const list = comparison.configuration.map((difference) => describeDifference(difference, ' → ')).join('; ');
    result.push(`the runs used different configurations: ${list}`);
  }
  for (const [side, run] of [['base', comparison.base], ['head', comparison.head]] as const) {
    if (run.quick) result.push(`${side} is a --quick run: its figures are a smoke test, not a measurement`);
    if (!run.complete) result.push(`${side} is incomplete: a cell or trial failed or the run was interrupted`);
  }
  if (comparison.onlyInBase.length > 0) result.push(`only in base, not compared: ${comparison.onlyInBase.join(', ')}`);
  if (comparison.onlyInHead.length > 0) result.push(`only in head, not compared: ${comparison.onlyInHead.join(', ')}`);
  return result;
}

function verdictLine(comparison: Comparison): string {
  const threshold = `threshold ${comparison.thresholdPercent} %`;
  const count = comparison.regressions.length;
  const found = count === 0 ? `No regression (${threshold})` : `${count} regression${count === 1 ? '' : 's'} (${threshold})`;
  return comparison.noise.wallClockCalled ? found : `${found}; host too noisy: no wall-clock difference called, correctness only`;
}

function comparisonRows(cells: readonly CellComparison[]): string[][] {
  return cells.flatMap((cell) => {
    const rows: string[][] = [];
    if (cell.baseFailed !== null || cell.headFailed !== null) {
      rows.push([cell.cell, 'cell *', cell.baseFailed ? 'failed' : 'ran', cell.headFailed ? 'failed' : 'ran', '', '', cell.failedNow ? 'failed now' : '']);
    }
    const { correctness } = cell;
    if (correctness.verdict !== 'not judged') {
      const change = correctness.changePoints === null ? 'n/a' : formatSignedPercent(correctness.changePoints, ' points');
      const accuracy = correctness.accuracyPoints === null ? 'n/a' : `±${correctness.accuracyPoints.toFixed(1)} points`;
      const worse = correctness.verdict === 'less correct' || correctness.verdict === 'became incorrect';
      const verdict = worse && !correctness.regression
        ? `${correctness.verdict} (${correctness.holmSignificant ? 'within threshold' : 'not significant over the gated figures'})`
        : correctness.verdict;
      rows.push([cell.cell, 'correct *', formatFractionPercent(correctness.base), formatFractionPercent(correctness.head), change, accuracy, verdict]);
    }
    for (const metric of cell.metrics) {
      if (metric.base.mean === null && metric.head.mean === null) continue;
      rows.push([
        cell.cell,
        `${metric.title} (${metric.unit})`,
        describeSample(metric.base),
        describeSample(metric.head),
        describeChange(metric),
        metric.accuracyPercent === null ? 'n/a' : `±${metric.accuracyPercent.toFixed(1)} %`,
        describeVerdict(metric),
      ]);
    }
    return rows;
  });
}

function describeSample(sample: FigureSample): string {
  return sample.mean === null ? 'n/a' : `${formatFigure(sample.mean)} (${sample.n})`;
}

function describeChange(metric: MetricComparison): string {
  const change = formatSignedPercent(metric.changePercent);
  const interval = metric.changeInterval95;
  return interval ? `${change} [${interval[0].toFixed(1)}, ${interval[1].toFixed(1)}]` : change;
}

function describeVerdict(metric: MetricComparison): string {
  return metric.worse ? `${metric.verdict} (information)` : metric.verdict;
}

function regressionRows(entries: readonly Regression[]): string[][] {
  return entries.map((entry) => [entry.cell, entry.what, entry.detail]);
}

function describeRegression(regression: Regression): string {
  return `${regression.cell}: ${regression.what}, ${regression.detail}`;
}

function describeRun(run: RunIdentity): string {
  const flags = [run.quick ? 'quick' : '', run.complete ? '' : 'incomplete'].filter(Boolean);
  return `${run.file} (commit ${shortCommit(run.commit)}${run.dirty ? ' +changes' : ''}, ${run.createdAt}${flags.length ? `, ${flags.join(', ')}` : ''})`;
}

function describeRunMarkdown(run: RunIdentity): string {
  return `\`${shortCommit(run.commit)}\`${run.dirty ? ' (+changes)' : ''} ${run.createdAt.slice(0, 16).replace('T', ' ')}${run.quick ? ' (quick)' : ''}`;
}
