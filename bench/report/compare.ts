import type { MetricSummary, ResultCell, ResultFile } from '../../results/schema.ts';
import { cellName } from '../../results/cell-name.ts';
import { formatFractionPercent, formatSignedPercent } from '../common/format.ts';
import { COMPARED_METRICS, type MetricDefinition, type SummaryMetric } from './metrics.ts';
import { configDifferences, type RunDifference } from './run-differences.ts';
import { cellMachineDifferences, severalMachinesNotes } from './machines.ts';

/**
 * Compares two result files cell by cell (DESIGN.md: "a comparison of two result files says
 * faster, slower or no difference only where the intervals say so").
 *
 * The rule, per metric of a cell present in both files:
 *
 * - A difference is claimed only when the two bootstrap 95 % intervals of the median do not
 *   overlap (touching counts as overlapping). This is conservative: two disjoint 95 % intervals
 *   mean roughly p < 0.01, so a real but small change can still read `no difference`.
 * - When either side has a single trial (n = 1) its interval is [v, v]: it says nothing about the
 *   spread, so non-overlap proves nothing. Then a difference is claimed only when a threshold is
 *   set and the medians differ by more than it; with the default threshold of 0, one trial never
 *   shows a difference. Run more trials to see one.
 * - The change is always given: (head median - base median) / |base median|, in percent.
 * - A difference in the bad direction is a regression; it fails the comparison unless the size of
 *   its change is smaller than the threshold.
 *
 * Correctness (the median correct rate) has no interval and is compared as it is: a cell that was
 * entirely correct and is not any more is the worst regression and fails whatever the threshold;
 * a lower rate otherwise fails when its relative drop reaches the threshold. A cell that ran in the
 * base and failed (server crash) in the head is a regression too.
 *
 * Cells in only one file, and runs from different machines, software or configurations, are
 * reported as warnings, never as regressions: they are not evidence about the code.
 */

export type MetricVerdict = 'faster' | 'slower' | 'better' | 'worse' | 'no difference' | 'not measured';

export interface MetricComparison {
  metric: SummaryMetric;
  title: string;
  unit: string;
  base: MetricSummary;
  head: MetricSummary;
  /** (head - base) / |base| medians, in percent; null without both medians or from a base of 0. */
  changePercent: number | null;
  verdict: MetricVerdict;
  /** Why the verdict: which evidence it rests on. */
  basis: string;
  /** A difference in the bad direction. */
  worse: boolean;
  /** A worse difference at least as large as the threshold: it fails the comparison. */
  regression: boolean;
}

export type CorrectnessVerdict =
  | 'became incorrect'
  | 'less correct'
  | 'same'
  | 'more correct'
  | 'became correct'
  | 'not judged';

export interface CorrectnessComparison {
  base: number | null;
  head: number | null;
  /** head - base, in percentage points. */
  changePoints: number | null;
  verdict: CorrectnessVerdict;
  regression: boolean;
}

export interface CellComparison {
  cell: string;
  label: string;
  strategy: string;
  tracer: string;
  scenario: string;
  baseFailed: string | null;
  headFailed: string | null;
  /** Ran in the base, failed in the head. */
  failedNow: boolean;
  correctness: CorrectnessComparison;
  metrics: MetricComparison[];
}

export interface RunIdentity {
  file: string;
  commit: string | null;
  dirty: boolean;
  createdAt: string;
  quick: boolean;
  complete: boolean;
}

export interface Regression {
  cell: string;
  what: string;
  detail: string;
}

export interface Comparison {
  base: RunIdentity;
  head: RunIdentity;
  thresholdPercent: number;
  /** Machine or software differences between matched cells: the figures are not comparable. */
  environment: RunDifference[];
  /** Which cells ran where, for a side merged from shards of several machines. */
  machines: string[];
  /** Different load or verifier settings. */
  configuration: RunDifference[];
  onlyInBase: string[];
  onlyInHead: string[];
  cells: CellComparison[];
  /** Worst first: cells that became incorrect, cells that failed, less correct, then metrics by size. */
  regressions: Regression[];
  improvements: Regression[];
}

export interface CompareOptions {
  /** Regressions whose change is smaller than this many percent do not fail. */
  thresholdPercent: number;
  baseFile: string;
  headFile: string;
}

export function compareResults(base: ResultFile, head: ResultFile, options: CompareOptions): Comparison {
  const headCells = new Map(head.cells.map((cell) => [cellName(cell), cell]));
  const baseNames = new Set(base.cells.map(cellName));
  const cells = base.cells.flatMap((baseCell) => {
    const headCell = headCells.get(cellName(baseCell));
    return headCell ? [compareCell(baseCell, headCell, options.thresholdPercent)] : [];
  });
  return {
    base: identity(base, options.baseFile),
    head: identity(head, options.headFile),
    thresholdPercent: options.thresholdPercent,
    environment: cellMachineDifferences(base, head),
    machines: [...severalMachinesNotes('base', base), ...severalMachinesNotes('head', head)],
    configuration: configDifferences(base.config, head.config, { includeSeed: false }),
    onlyInBase: base.cells.map(cellName).filter((name) => !headCells.has(name)),
    onlyInHead: head.cells.map(cellName).filter((name) => !baseNames.has(name)),
    cells,
    regressions: regressionsOf(cells),
    improvements: improvementsOf(cells),
  };
}

/** 1 when the comparison found a regression that fails it, else 0. */
export function comparisonExitCode(comparison: Comparison): 0 | 1 {
  return comparison.regressions.length > 0 ? 1 : 0;
}

/** The verdict on one metric, by the rule above. */
export function judgeMetric(
  definition: MetricDefinition,
  base: MetricSummary,
  head: MetricSummary,
  thresholdPercent: number,
): MetricComparison {
  const common = { metric: definition.metric, title: definition.title, unit: definition.unit, base, head };
  if (base.median === null || head.median === null) {
    return { ...common, changePercent: null, verdict: 'not measured', basis: 'no figure on one side', worse: false, regression: false };
  }
  const changePercent = relativeChangePercent(base.median, head.median);
  const exceedsThreshold = changePercent === null || Math.abs(changePercent) >= thresholdPercent;

  let differs: boolean;
  let basis: string;
  if (base.n < 2 || head.n < 2 || base.ci95 === null || head.ci95 === null) {
    differs = thresholdPercent > 0 && (changePercent === null || Math.abs(changePercent) > thresholdPercent);
    basis = differs ? 'one trial: the change passes the threshold' : 'one trial: no interval to tell a difference';
  } else {
    differs = base.ci95[1] < head.ci95[0] || head.ci95[1] < base.ci95[0];
    basis = differs ? '95 % intervals do not overlap' : '95 % intervals overlap';
  }
  if (!differs || head.median === base.median) {
    return { ...common, changePercent, verdict: 'no difference', basis, worse: false, regression: false };
  }
  const improved = definition.direction === 'bigger-is-better' ? head.median > base.median : head.median < base.median;
  const verdict: MetricVerdict =
    definition.kind === 'speed' ? (improved ? 'faster' : 'slower') : improved ? 'better' : 'worse';
  return { ...common, changePercent, verdict, basis, worse: !improved, regression: !improved && exceedsThreshold };
}

/** The correct rate's verdict, by the rule above. */
export function judgeCorrectness(base: number | null, head: number | null, thresholdPercent: number): CorrectnessComparison {
  if (base === null || head === null) {
    return { base, head, changePoints: null, verdict: 'not judged', regression: false };
  }
  const changePoints = (head - base) * 100;
  if (head === base) return { base, head, changePoints, verdict: 'same', regression: false };
  if (head > base) return { base, head, changePoints, verdict: head === 1 ? 'became correct' : 'more correct', regression: false };
  if (base === 1) return { base, head, changePoints, verdict: 'became incorrect', regression: true };
  const dropPercent = ((base - head) / base) * 100;
  return { base, head, changePoints, verdict: 'less correct', regression: dropPercent >= thresholdPercent };
}

function compareCell(base: ResultCell, head: ResultCell, thresholdPercent: number): CellComparison {
  return {
    cell: cellName(base),
    label: base.label,
    strategy: base.strategy,
    tracer: base.tracer,
    scenario: base.scenario,
    baseFailed: base.failed,
    headFailed: head.failed,
    failedNow: base.failed === null && head.failed !== null,
    correctness: judgeCorrectness(base.summary.correctRate, head.summary.correctRate, thresholdPercent),
    metrics: COMPARED_METRICS.map((definition) =>
      judgeMetric(definition, base.summary[definition.metric], head.summary[definition.metric], thresholdPercent),
    ),
  };
}

/** Relative change in percent; from a base of 0 only "no change" has a figure. */
function relativeChangePercent(base: number, head: number): number | null {
  if (base === 0) return head === 0 ? 0 : null;
  return ((head - base) / Math.abs(base)) * 100;
}

function identity(result: ResultFile, file: string): RunIdentity {
  return {
    file,
    commit: result.env.gitCommit,
    dirty: result.env.gitDirty,
    createdAt: result.createdAt,
    quick: result.config.quick,
    complete: result.complete,
  };
}

function regressionsOf(cells: readonly CellComparison[]): Regression[] {
  const becameIncorrect: Regression[] = [];
  const failed: Regression[] = [];
  const lessCorrect: Regression[] = [];
  const metrics: (Regression & { size: number })[] = [];
  for (const cell of cells) {
    const { correctness } = cell;
    if (correctness.regression) {
      const entry = { cell: cell.cell, what: `correctness: ${correctness.verdict}`, detail: describeCorrectness(correctness) };
      (correctness.verdict === 'became incorrect' ? becameIncorrect : lessCorrect).push(entry);
    }
    if (cell.failedNow) failed.push({ cell: cell.cell, what: 'cell failed', detail: cell.headFailed ?? '' });
    for (const metric of cell.metrics.filter((comparison) => comparison.regression)) {
      metrics.push({ ...metricEntry(cell, metric), size: Math.abs(metric.changePercent ?? Infinity) });
    }
  }
  metrics.sort((a, b) => b.size - a.size);
  return [...becameIncorrect, ...failed, ...lessCorrect, ...metrics.map(({ size: _size, ...entry }) => entry)];
}

function improvementsOf(cells: readonly CellComparison[]): Regression[] {
  return cells.flatMap((cell) => [
    ...(cell.correctness.verdict === 'became correct' || cell.correctness.verdict === 'more correct'
      ? [{ cell: cell.cell, what: `correctness: ${cell.correctness.verdict}`, detail: describeCorrectness(cell.correctness) }]
      : []),
    ...cell.metrics
      .filter((metric) => metric.verdict !== 'no difference' && metric.verdict !== 'not measured' && !metric.worse)
      .map((metric) => metricEntry(cell, metric)),
  ]);
}

function metricEntry(cell: CellComparison, metric: MetricComparison): Regression {
  const change = metric.changePercent === null ? 'from 0' : formatSignedPercent(metric.changePercent);
  return { cell: cell.cell, what: `${metric.title} ${metric.verdict}`, detail: `${change} (${metric.basis})` };
}

function describeCorrectness(correctness: CorrectnessComparison): string {
  return `${formatFractionPercent(correctness.base)} → ${formatFractionPercent(correctness.head)} correct`;
}
