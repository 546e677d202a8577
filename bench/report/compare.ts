import type { ResultCell, ResultFile } from '../../results/schema.ts';
import { coefficientOfVariation, holmSignificant, mean, median, welchTest } from '../stats/stats.ts';
import { cellName } from '../../results/cell-name.ts';
import { formatFractionPercent, formatSignedPercent } from '../common/format.ts';
import { COMPARED_METRICS, type MetricDefinition, type SummaryMetric } from './metrics.ts';
import { configDifferences, type RunDifference } from './run-differences.ts';
import { cellMachineDifferences, severalMachinesNotes } from './machines.ts';

/**
 * Compares two result files cell by cell (DESIGN.md: "compare says faster, slower or no
 * difference only where the intervals say so").
 *
 * The rule, per figure of a cell present in both files, from the trials each file holds:
 *
 * - The change is (head mean - base mean) / |base mean|, with the Student-t (Welch) 95 % interval
 *   of the difference of the means, which keeps its 95 % at the few trials a run affords (a
 *   percentile bootstrap of 3 trials would be about a 75 % interval).
 * - A figure reads faster / slower (better / worse) only where that interval excludes zero.
 * - Beside every verdict: the accuracy, ± half the interval's width in percent of the base mean.
 *   A change smaller than that could not have shown with these two files' trials, so
 *   `no difference` with accuracy ±12 % says nothing about a 5 % change. (Node core's
 *   benchmark/compare.js prints the same column.)
 * - With one trial on either side there is no interval: a difference is claimed only when a
 *   threshold is set and the change passes it.
 *
 * The exit code is gated on the primary figures only (correctness, server CPU per request,
 * requests/s, GATED_METRICS): a slower or worse gated figure is a regression when it stays
 * significant under Holm's procedure over all the gated figures of the comparison, so a run
 * compared with an identical one raises a false alarm about 5 % of the time, not once per twenty
 * figures. Every other figure is information: its verdict shows, it never fails the comparison.
 * A regression smaller than --threshold does not fail either.
 *
 * Correctness is a gated figure too: each file's per-trial correct rates, Welch t, and the same
 * Holm family, so a strategy whose correctness wobbles under load (a duration error past the
 * tolerance on a stalled core) does not fail an A/A comparison. A cell that was entirely correct
 * in the base and significantly less correct in the head "became incorrect", the worst regression,
 * failing whatever the threshold; a significantly lower rate otherwise fails when its relative
 * drop reaches the threshold. With one trial on a side the rates are compared as they are. A cell
 * that ran in the base and failed (server crash) in the head is a regression too.
 *
 * Cells in only one file, and runs from different machines, software or configurations, are
 * reported as warnings, never as regressions: they are not evidence about the code.
 */

/** The primary figures: they, and correctness, decide the exit code. */
export const GATED_METRICS: readonly SummaryMetric[] = ['cpuMsPerRequest', 'requestsPerSec'];
/** The false-alarm rate of the whole comparison over the gated figures. */
export const FAMILY_ALPHA = 0.05;

export type MetricVerdict = 'faster' | 'slower' | 'better' | 'worse' | 'no difference' | 'not measured';

/** One file's trials of a figure. */
export interface FigureSample {
  mean: number | null;
  /** Sample standard deviation / |mean|; null for n < 2. */
  cv: number | null;
  n: number;
}

export interface MetricComparison {
  metric: SummaryMetric;
  title: string;
  unit: string;
  base: FigureSample;
  head: FigureSample;
  /** (head - base) / |base| means, in percent; null without both means or from a base of 0. */
  changePercent: number | null;
  /** Student-t (Welch) 95 % interval of the change, in percent; null with n < 2 on a side or a base of 0. */
  changeInterval95: [number, number] | null;
  /** ± this many percent: the smallest change these trials could show (half the interval's width). */
  accuracyPercent: number | null;
  /** Two-sided p of "no difference" (Welch's t); null with n < 2 on a side. */
  p: number | null;
  /** A primary figure: it can fail the comparison. */
  gated: boolean;
  /** Gated and significant under Holm over every gated figure of the comparison. */
  holmSignificant: boolean;
  verdict: MetricVerdict;
  /** Why the verdict: which evidence it rests on. */
  basis: string;
  /** A difference in the bad direction. */
  worse: boolean;
  /** A gated, Holm-significant worse difference at least as large as the threshold: it fails the comparison. */
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
  /** ± points: half the 95 % interval of the change of the mean rate; null with n < 2 on a side. */
  accuracyPoints: number | null;
  /** Two-sided p of "no change" (Welch's t on the trials' rates); null with n < 2 on a side. */
  p: number | null;
  holmSignificant: boolean;
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
  /** How the exit code is gated: Holm over this many primary figures at this family-wise rate. */
  gate: { method: 'holm'; familyAlpha: number; figures: number; metrics: SummaryMetric[] };
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
  const tested = [
    ...cells.map((cell) => cell.correctness),
    ...cells.flatMap((cell) => cell.metrics).filter((metric) => metric.gated),
  ].filter((figure) => figure.p !== null);
  applyHolm(tested);
  return {
    base: identity(base, options.baseFile),
    head: identity(head, options.headFile),
    thresholdPercent: options.thresholdPercent,
    gate: { method: 'holm', familyAlpha: FAMILY_ALPHA, figures: tested.length, metrics: [...GATED_METRICS] },
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

/**
 * The verdict on one figure from each file's trial values, by the rule above. `regression` is
 * provisional for gated figures with a p-value: compareResults keeps it only where Holm does.
 */
export function judgeMetric(
  definition: MetricDefinition,
  baseValues: readonly number[],
  headValues: readonly number[],
  thresholdPercent: number,
): MetricComparison {
  const base = sampleOf(baseValues);
  const head = sampleOf(headValues);
  const gated = GATED_METRICS.includes(definition.metric);
  const common = { metric: definition.metric, title: definition.title, unit: definition.unit, base, head, gated, holmSignificant: false };
  if (base.mean === null || head.mean === null) {
    return { ...common, changePercent: null, changeInterval95: null, accuracyPercent: null, p: null, verdict: 'not measured', basis: 'no figure on one side', worse: false, regression: false };
  }
  const changePercent = relativeChangePercent(base.mean, head.mean);
  const exceedsThreshold = changePercent === null || Math.abs(changePercent) >= thresholdPercent;
  const test = welchTest(baseValues, headValues);
  const relative = (value: number): number | null => (base.mean === 0 ? null : (value / Math.abs(base.mean as number)) * 100);

  let differs: boolean;
  let basis: string;
  let changeInterval95: [number, number] | null = null;
  let accuracyPercent: number | null = null;
  if (test === null) {
    differs = thresholdPercent > 0 && (changePercent === null || Math.abs(changePercent) > thresholdPercent);
    basis = differs ? 'one trial: the change passes the threshold' : 'one trial: no interval to tell a difference';
  } else {
    const low = relative(test.difference - test.halfWidth95);
    const high = relative(test.difference + test.halfWidth95);
    changeInterval95 = low === null || high === null ? null : [low, high];
    accuracyPercent = relative(test.halfWidth95);
    differs = test.difference - test.halfWidth95 > 0 || test.difference + test.halfWidth95 < 0;
    basis = differs ? '95 % interval of the change excludes 0' : '95 % interval of the change includes 0';
  }
  const p = test?.p ?? null;
  if (!differs || head.mean === base.mean) {
    return { ...common, changePercent, changeInterval95, accuracyPercent, p, verdict: 'no difference', basis, worse: false, regression: false };
  }
  const improved = definition.direction === 'bigger-is-better' ? head.mean > base.mean : head.mean < base.mean;
  const verdict: MetricVerdict =
    definition.kind === 'speed' ? (improved ? 'faster' : 'slower') : improved ? 'better' : 'worse';
  return { ...common, changePercent, changeInterval95, accuracyPercent, p, verdict, basis, worse: !improved, regression: gated && !improved && exceedsThreshold };
}

/** Holm over the gated figures: a provisional regression stays one only where Holm keeps it. */
function applyHolm(gated: (MetricComparison | CorrectnessComparison)[]): void {
  const significant = holmSignificant(gated.map((figure) => figure.p as number), FAMILY_ALPHA);
  gated.forEach((figure, index) => {
    figure.holmSignificant = significant[index] as boolean;
    if (!figure.holmSignificant && figure.regression) {
      figure.regression = false;
      if ('basis' in figure) figure.basis += `; not significant over the ${gated.length} gated figures (Holm, p = ${formatP(figure.p as number)})`;
    }
  });
}

function formatP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : p.toPrecision(2);
}

function sampleOf(values: readonly number[]): FigureSample {
  return values.length === 0 ? { mean: null, cv: null, n: 0 } : { mean: mean(values), cv: coefficientOfVariation(values), n: values.length };
}

/** The correct rates of a cell's successful, verified trials. */
function correctRates(cell: ResultCell): number[] {
  return cell.trials.flatMap((trial) => (trial.error === null && trial.correctRate !== null ? [trial.correctRate] : []));
}

/** A figure's values over a cell's successful trials. */
function trialValues(cell: ResultCell, metric: SummaryMetric): number[] {
  return cell.trials.flatMap((trial) => {
    const value = trial.error === null ? trial[metric] : null;
    return typeof value === 'number' ? [value] : [];
  });
}

/**
 * The correct rate's verdict, by the rule above, from each file's per-trial rates. base and head
 * are the median rates. A lower rate's `regression` is provisional where there is a p-value:
 * compareResults keeps it only where Holm does.
 */
export function judgeCorrectness(baseRates: readonly number[], headRates: readonly number[], thresholdPercent: number): CorrectnessComparison {
  const base = baseRates.length === 0 ? null : median(baseRates);
  const head = headRates.length === 0 ? null : median(headRates);
  const test = welchTest(baseRates, headRates);
  const common = { base, head, p: test?.p ?? null, accuracyPoints: test ? test.halfWidth95 * 100 : null, holmSignificant: false };
  if (base === null || head === null) return { ...common, changePoints: null, verdict: 'not judged', regression: false };
  // With trials on both sides the means are compared (their interval is the evidence); else the one rate.
  const [before, after] = test ? [mean(baseRates), mean(headRates)] : [base, head];
  const changePoints = (after - before) * 100;
  const differs = test ? Math.abs(test.difference) > test.halfWidth95 : after !== before;
  if (!differs) return { ...common, changePoints, verdict: 'same', regression: false };
  if (after > before) return { ...common, changePoints, verdict: head === 1 ? 'became correct' : 'more correct', regression: false };
  if (baseRates.every((rate) => rate === 1)) return { ...common, changePoints, verdict: 'became incorrect', regression: true };
  const dropPercent = ((before - after) / before) * 100;
  return { ...common, changePoints, verdict: 'less correct', regression: dropPercent >= thresholdPercent };
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
    correctness: judgeCorrectness(correctRates(base), correctRates(head), thresholdPercent),
    metrics: COMPARED_METRICS.map((definition) =>
      judgeMetric(definition, trialValues(base, definition.metric), trialValues(head, definition.metric), thresholdPercent),
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
  const accuracy = metric.accuracyPercent === null ? '' : `, accuracy ±${metric.accuracyPercent.toFixed(1)} %`;
  return { cell: cell.cell, what: `${metric.title} ${metric.verdict}`, detail: `${change}${accuracy} (${metric.basis})` };
}

function describeCorrectness(correctness: CorrectnessComparison): string {
  return `${formatFractionPercent(correctness.base)} → ${formatFractionPercent(correctness.head)} correct`;
}
