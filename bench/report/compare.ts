import type { ResultCell, ResultFile } from '../../results/schema.ts';
import { coefficientOfVariation, holmSignificant, mean, median, relativeChangePercent, welchTest } from '../stats/stats.ts';
import { pooledRatio, type PooledCell } from '../stats/pooled.ts';
import { cellName } from '../../results/cell-name.ts';
import { DEFAULT_MAX_NOISE, describeNoise, worstNoise } from '../../results/host-noise.ts';
import { formatFractionPercent, formatPValue, formatSignedPercent } from '../common/format.ts';
import { COMPARED_METRICS, type MetricDefinition, type SummaryMetric } from './metrics.ts';
import { configDifferences, type RunDifference } from './run-differences.ts';
import { cellMachineDifferences, severalMachinesNotes } from './machines.ts';

/**
 * Compares two result files (DESIGN.md: "compare says faster, slower or no difference only where
 * the intervals say so", and "gate the exit code on few figures that can carry a verdict").
 *
 * Per cell present in both files, per figure, from the trials each file holds (information):
 *
 * - The change is (head mean - base mean) / |base mean|, with the Student-t (Welch) 95 % interval
 *   of the difference of the means, which keeps its 95 % at the few trials a run affords.
 * - A figure reads faster / slower (better / worse) only where that interval excludes zero.
 * - Beside every verdict: the accuracy, ± half the interval's width in percent of the base mean,
 *   as Node core's benchmark/compare.R prints it: `no difference` with accuracy ±12 % says nothing
 *   about a 5 % change.
 * - With one trial on either side there is no interval: a difference is claimed only when a
 *   threshold is set and the change passes it.
 *
 * The exit code is gated on few figures (GATED_METRICS pooled, and correctness):
 *
 * - Pooled wall-clock figures: per tracer, and over every cell of the run, the geometric mean over
 *   the matched throughput cells of head / base for server CPU per request and requests/s, with a
 *   95 % interval that holds although the cells of one round share the host's moment
 *   (bench/stats/pooled.ts says why and how). A slower SDK or harness touches many cells at once,
 *   and this is where it shows; a single cell's change shows in its own line, as information.
 * - Correctness, per cell: each file's per-trial correct rates, Welch t. A cell that was entirely
 *   correct in the base and significantly less correct in the head "became incorrect", the worst
 *   regression, failing whatever the threshold; a significantly lower rate otherwise fails when its
 *   relative drop reaches the threshold. A cell that ran in the base and failed in the head fails.
 * - Holm's procedure over the pooled figures and the correctness figures together keeps the chance
 *   of any false alarm in a comparison of two identical setups near 5 %. A regression smaller than
 *   --threshold does not fail.
 * - The host's noise: when either file's reference work varied more than --max-noise (default
 *   5 %), no wall-clock difference is called (pooled or per cell): the comparison says so in one
 *   line and only correctness can fail it. A file that recorded no noise is compared, and says so.
 *
 * Cells in only one file, and runs from different machines, software or configurations, are
 * reported as warnings, never as regressions: they are not evidence about the code.
 */

/** The figures pooled over cells: they, and correctness, decide the exit code. */
export const GATED_METRICS: readonly SummaryMetric[] = ['cpuMsPerRequest', 'requestsPerSec'];
/** Not a throughput scenario (it holds streams open for their memory): left out of the pooled figures. */
const UNPOOLED_SCENARIOS: readonly string[] = ['long-idle'];
/** The false-alarm rate of the whole comparison over the gated figures. */
export const FAMILY_ALPHA = 0.05;

export type MetricVerdict = 'faster' | 'slower' | 'better' | 'worse' | 'no difference' | 'not measured' | 'not called';

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
  verdict: MetricVerdict;
  /** Why the verdict: which evidence it rests on. */
  basis: string;
  /** A difference in the bad direction (information: a cell's figure never fails the comparison). */
  worse: boolean;
}

/** A gated figure pooled over many cells: the geometric mean of their head / base ratios. */
export interface PooledComparison {
  /** A tracer's name, or 'run' for every cell. */
  pool: string;
  metric: SummaryMetric;
  title: string;
  /** Matched throughput cells pooled, and the scenarios (strata) they fall in. */
  cells: number;
  scenarios: number;
  /** Geometric mean over the cells of head / base, minus 1, in percent. */
  changePercent: number | null;
  changeInterval95: [number, number] | null;
  /** ± this many percent: half the interval's width (on the ratio), the smallest pooled change these files could show. */
  accuracyPercent: number | null;
  p: number | null;
  degreesOfFreedom: number | null;
  holmSignificant: boolean;
  verdict: MetricVerdict;
  basis: string;
  worse: boolean;
  /** Worse, Holm-significant, at least the threshold, and the host quiet enough: it fails the comparison. */
  regression: boolean;
}

/** The host noise of each file and whether wall-clock differences are called at all. */
export interface NoiseGate {
  /** The largest reference-work CV the gate accepts (0.05 = 5 %). */
  maxNoise: number;
  /** The worst CV each file recorded; null where it recorded none. */
  base: number | null;
  head: number | null;
  /** As each file states it: `start 4.1 %, after sse-tokens 3.2 %, ...`. */
  baseReadings: string;
  headReadings: string;
  /** False: a file's host was too noisy; no wall-clock difference is called. */
  wallClockCalled: boolean;
  /** One line saying why not, or what is missing; null when both files are within the limit. */
  note: string | null;
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
  /** How the exit code is gated: Holm over this many figures (pooled and correctness) at this family-wise rate. */
  gate: { method: 'holm'; familyAlpha: number; figures: number; metrics: SummaryMetric[] };
  noise: NoiseGate;
  /** The gated wall-clock figures: per tracer and over the run. */
  pooled: PooledComparison[];
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
  /** The largest host noise (reference-work CV, 0.05 = 5 %) at which wall-clock differences are called; default DEFAULT_MAX_NOISE. */
  maxNoise?: number;
}

export function compareResults(base: ResultFile, head: ResultFile, options: CompareOptions): Comparison {
  const noise = noiseGate(base, head, options.maxNoise ?? DEFAULT_MAX_NOISE);
  const headCells = new Map(head.cells.map((cell) => [cellName(cell), cell]));
  const baseNames = new Set(base.cells.map(cellName));
  const pairs = base.cells.flatMap((baseCell) => {
    const headCell = headCells.get(cellName(baseCell));
    return headCell ? [[baseCell, headCell] as const] : [];
  });
  const cells = pairs.map(([baseCell, headCell]) => compareCell(baseCell, headCell, options.thresholdPercent, noise.wallClockCalled));
  const pooled = poolFigures(pairs, options.thresholdPercent, noise.wallClockCalled);
  // A cell whose every trial had the same correct rate in both files cannot carry a verdict
  // (no spread, no change): counting it would only make the others' bar higher (Tarone's
  // refinement of Bonferroni leaves such figures out of the count too).
  const tested = [...cells.map((cell) => cell.correctness).filter((figure) => !(figure.accuracyPoints === 0 && figure.changePoints === 0)), ...pooled].filter(
    (figure) => figure.p !== null,
  );
  applyHolm(tested);
  return {
    base: identity(base, options.baseFile),
    head: identity(head, options.headFile),
    thresholdPercent: options.thresholdPercent,
    gate: { method: 'holm', familyAlpha: FAMILY_ALPHA, figures: tested.length, metrics: [...GATED_METRICS] },
    noise,
    pooled,
    environment: cellMachineDifferences(base, head),
    machines: [...severalMachinesNotes('base', base), ...severalMachinesNotes('head', head)],
    configuration: configDifferences(base.config, head.config, { includeSeed: false }),
    onlyInBase: base.cells.map(cellName).filter((name) => !headCells.has(name)),
    onlyInHead: head.cells.map(cellName).filter((name) => !baseNames.has(name)),
    cells,
    regressions: regressionsOf(cells, pooled),
    improvements: improvementsOf(cells, pooled),
  };
}

/** Whether each file's host was quiet enough for a wall-clock verdict (see the rule above). */
function noiseGate(base: ResultFile, head: ResultFile, maxNoise: number): NoiseGate {
  const sides = [['base', worstNoise(base.env)], ['head', worstNoise(head.env)]] as const;
  const noisy = sides.filter(([, cv]) => cv !== null && cv > maxNoise);
  const unrecorded = sides.filter(([, cv]) => cv === null).map(([side]) => side);
  const limit = `--max-noise ${formatLimit(maxNoise)} %`;
  let note: string | null = null;
  if (noisy.length > 0) {
    const which = noisy.map(([side, cv]) => `${side}'s reference work varied ${((cv as number) * 100).toFixed(1)} %`).join(' and ');
    note = `the host was too noisy to call a wall-clock difference: ${which} (limit ${limit}); only correctness is judged`;
  } else if (unrecorded.length > 0) {
    note = `${unrecorded.join(' and ')} recorded no host noise (a run from before it was measured): wall-clock verdicts assume a quiet host`;
  }
  return {
    maxNoise,
    base: sides[0][1],
    head: sides[1][1],
    baseReadings: describeNoise(base.env),
    headReadings: describeNoise(head.env),
    wallClockCalled: noisy.length === 0,
    note,
  };
}

function formatLimit(fraction: number): string {
  return String(Math.round(fraction * 1000) / 10);
}

/** The gated figures: per tracer, then over the run, for each GATED_METRICS figure. */
function poolFigures(pairs: readonly (readonly [ResultCell, ResultCell])[], thresholdPercent: number, wallClockCalled: boolean): PooledComparison[] {
  const pooled = pairs.filter(([baseCell, headCell]) => !UNPOOLED_SCENARIOS.includes(baseCell.scenario) && baseCell.failed === null && headCell.failed === null);
  const tracers = [...new Set(pooled.map(([cell]) => cell.tracer).filter((tracer) => tracer !== 'none'))];
  const pools: [string, (readonly [ResultCell, ResultCell])[]][] = [
    ...tracers.map((tracer) => [tracer, pooled.filter(([cell]) => cell.tracer === tracer)] as [string, (readonly [ResultCell, ResultCell])[]]),
    ['run', [...pooled]],
  ];
  return pools.flatMap(([pool, members]) =>
    GATED_METRICS.map((metric) => {
      const definition = COMPARED_METRICS.find((candidate) => candidate.metric === metric) as MetricDefinition;
      return judgePooled(pool, definition, members.map(([baseCell, headCell]) => pooledCellOf(baseCell, headCell, metric)), thresholdPercent, wallClockCalled);
    }),
  );
}

function pooledCellOf(baseCell: ResultCell, headCell: ResultCell, metric: SummaryMetric): PooledCell {
  const byRound = (cell: ResultCell) =>
    new Map(cell.trials.flatMap((trial) => {
      const value = trial.error === null ? trial[metric] : null;
      return typeof value === 'number' ? [[trial.round, value] as const] : [];
    }));
  return { stratum: baseCell.scenario, base: byRound(baseCell), head: byRound(headCell) };
}

/** A pooled figure's verdict; `regression` is provisional: compareResults keeps it only where Holm does. */
function judgePooled(pool: string, definition: MetricDefinition, cells: readonly PooledCell[], thresholdPercent: number, wallClockCalled: boolean): PooledComparison {
  const usable = cells.filter((cell) => cell.base.size > 0 && cell.head.size > 0);
  const ratio = pooledRatio(usable);
  const common = { pool, metric: definition.metric, title: definition.title, cells: usable.length, scenarios: new Set(usable.map((cell) => cell.stratum)).size, holmSignificant: false };
  if (ratio === null) {
    const zero = usable.some((cell) => [...cell.base.values(), ...cell.head.values()].some((value) => !(value > 0)));
    const basis =
      usable.length === 0
        ? 'no cell measured in both files'
        : zero
          ? 'a trial measured 0, which a ratio cannot pool: see the cells\' own lines'
          : 'fewer than two rounds of a scenario on a side: no interval';
    return { ...common, changePercent: null, changeInterval95: null, accuracyPercent: null, p: null, degreesOfFreedom: null, verdict: 'not measured', basis, worse: false, regression: false };
  }
  const changePercent = ratio.change * 100;
  const changeInterval95: [number, number] = [ratio.interval95[0] * 100, ratio.interval95[1] * 100];
  const accuracyPercent = ((ratio.interval95[1] - ratio.interval95[0]) / 2 / (1 + ratio.change)) * 100;
  const figures = { changePercent, changeInterval95, accuracyPercent, degreesOfFreedom: ratio.degreesOfFreedom };
  if (!wallClockCalled) {
    return { ...common, ...figures, p: null, verdict: 'not called', basis: 'the host was too noisy (--max-noise)', worse: false, regression: false };
  }
  const differs = changeInterval95[0] > 0 || changeInterval95[1] < 0;
  const basis = `${usable.length} cells over ${common.scenarios} scenarios; 95 % interval of the pooled change ${differs ? 'excludes' : 'includes'} 0`;
  if (!differs) return { ...common, ...figures, p: ratio.p, verdict: 'no difference', basis, worse: false, regression: false };
  const improved = definition.direction === 'bigger-is-better' ? ratio.change > 0 : ratio.change < 0;
  const verdict: MetricVerdict = definition.kind === 'speed' ? (improved ? 'faster' : 'slower') : improved ? 'better' : 'worse';
  return { ...common, ...figures, p: ratio.p, verdict, basis, worse: !improved, regression: !improved && Math.abs(changePercent) >= thresholdPercent };
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
  wallClockCalled = true,
): MetricComparison {
  const base = sampleOf(baseValues);
  const head = sampleOf(headValues);
  const common = { metric: definition.metric, title: definition.title, unit: definition.unit, base, head };
  if (base.mean === null || head.mean === null) {
    return { ...common, changePercent: null, changeInterval95: null, accuracyPercent: null, p: null, verdict: 'not measured', basis: 'no figure on one side', worse: false };
  }
  const changePercent = relativeChangePercent(base.mean, head.mean);
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
  if (definition.wallClock && !wallClockCalled) {
    return { ...common, changePercent, changeInterval95, accuracyPercent, p, verdict: 'not called', basis: 'the host was too noisy (--max-noise)', worse: false };
  }
  if (!differs || head.mean === base.mean) {
    return { ...common, changePercent, changeInterval95, accuracyPercent, p, verdict: 'no difference', basis, worse: false };
  }
  const improved = definition.direction === 'bigger-is-better' ? head.mean > base.mean : head.mean < base.mean;
  const verdict: MetricVerdict =
    definition.kind === 'speed' ? (improved ? 'faster' : 'slower') : improved ? 'better' : 'worse';
  return { ...common, changePercent, changeInterval95, accuracyPercent, p, verdict, basis, worse: !improved };
}

/** Holm over the gated figures: a provisional regression stays one only where Holm keeps it. */
function applyHolm(gated: (PooledComparison | CorrectnessComparison)[]): void {
  const significant = holmSignificant(gated.map((figure) => figure.p as number), FAMILY_ALPHA);
  gated.forEach((figure, index) => {
    figure.holmSignificant = significant[index] as boolean;
    if (!figure.holmSignificant && figure.regression) {
      figure.regression = false;
      if ('basis' in figure) figure.basis += `; not significant over the ${gated.length} gated figures (Holm, p = ${formatPValue(figure.p as number)})`;
    }
  });
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

function compareCell(base: ResultCell, head: ResultCell, thresholdPercent: number, wallClockCalled: boolean): CellComparison {
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
      judgeMetric(definition, trialValues(base, definition.metric), trialValues(head, definition.metric), thresholdPercent, wallClockCalled),
    ),
  };
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

function regressionsOf(cells: readonly CellComparison[], pooled: readonly PooledComparison[]): Regression[] {
  const becameIncorrect: Regression[] = [];
  const failed: Regression[] = [];
  const lessCorrect: Regression[] = [];
  for (const cell of cells) {
    const { correctness } = cell;
    if (correctness.regression) {
      const entry = { cell: cell.cell, what: `correctness: ${correctness.verdict}`, detail: describeCorrectness(correctness) };
      (correctness.verdict === 'became incorrect' ? becameIncorrect : lessCorrect).push(entry);
    }
    if (cell.failedNow) failed.push({ cell: cell.cell, what: 'cell failed', detail: cell.headFailed ?? '' });
  }
  const slower = pooled
    .filter((figure) => figure.regression)
    .sort((a, b) => Math.abs(b.changePercent ?? 0) - Math.abs(a.changePercent ?? 0))
    .map(pooledEntry);
  return [...becameIncorrect, ...failed, ...lessCorrect, ...slower];
}

function improvementsOf(cells: readonly CellComparison[], pooled: readonly PooledComparison[]): Regression[] {
  return [
    ...pooled.filter((figure) => isImprovement(figure.verdict, figure.worse)).map(pooledEntry),
    ...cells.flatMap((cell) => [
      ...(cell.correctness.verdict === 'became correct' || cell.correctness.verdict === 'more correct'
        ? [{ cell: cell.cell, what: `correctness: ${cell.correctness.verdict}`, detail: describeCorrectness(cell.correctness) }]
        : []),
      ...cell.metrics.filter((metric) => isImprovement(metric.verdict, metric.worse)).map((metric) => metricEntry(cell, metric)),
    ]),
  ];
}

function isImprovement(verdict: MetricVerdict, worse: boolean): boolean {
  return !worse && verdict !== 'no difference' && verdict !== 'not measured' && verdict !== 'not called';
}

/** `all sentry-static cells`, `every cell of the run`. */
export function describePool(pool: string): string {
  return pool === 'run' ? 'every cell of the run' : `all ${pool} cells`;
}

function pooledEntry(figure: PooledComparison): Regression {
  const accuracy = figure.accuracyPercent === null ? '' : `, accuracy ±${figure.accuracyPercent.toFixed(1)} %`;
  return {
    cell: describePool(figure.pool),
    what: `${figure.title} ${figure.verdict} (geometric mean of ${figure.cells} cells)`,
    detail: `${formatSignedPercent(figure.changePercent)}${accuracy} (${figure.basis})`,
  };
}

function metricEntry(cell: CellComparison, metric: MetricComparison): Regression {
  const change = metric.changePercent === null ? 'from 0' : formatSignedPercent(metric.changePercent);
  const accuracy = metric.accuracyPercent === null ? '' : `, accuracy ±${metric.accuracyPercent.toFixed(1)} %`;
  return { cell: cell.cell, what: `${metric.title} ${metric.verdict}`, detail: `${change}${accuracy} (${metric.basis})` };
}

function describeCorrectness(correctness: CorrectnessComparison): string {
  return `${formatFractionPercent(correctness.base)} → ${formatFractionPercent(correctness.head)} correct`;
}
