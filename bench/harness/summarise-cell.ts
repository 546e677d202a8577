import {
  SUMMARISED_METRICS,
  type CellSummary,
  type MetricSummary,
  type Overhead,
  type ResultCell,
  type SummarisedMetric,
  type Trial,
  type Violations,
} from '../../results/schema.ts';
import { createRandom, deriveSeed } from '../stats/random.ts';
import { median, pairedOverhead, summarise } from '../stats/stats.ts';
import { RULES } from '../../results/schema.ts';
import { cellName } from '../../results/cell-name.ts';

/** A cell before its summary is known. */
export type UnsummarisedCell = Omit<ResultCell, 'summary'>;

export interface SummariseOptions {
  /** The run's seed: every bootstrap draws from a stream derived from it, so summaries reproduce. */
  seed: number;
  /** CV of the reference work on the server core (env.noiseFloor): named beside a noisy cell's CV. */
  noiseFloorCv?: number | null;
}

/** Throughput that varies more than this across trials makes small overheads unreadable. */
export const MAX_THROUGHPUT_CV = 0.02;
/** Below this the untraced server was not saturated: the load (connections x stream pace), not the server, set the pace. */
export const MIN_BASELINE_CPU_UTILISATION = 0.9;

/**
 * Each cell with its summary, from its successful trials (failed ones are counted, not used).
 * Overheads are paired by round against the first 'untraced' cell of the scenario and Node and the
 * first 'sdk-default' cell of the same tracer, scenario and Node; a baseline is never compared with
 * itself, nor with a cell on another Node.
 */
export function summariseCells(cells: readonly UnsummarisedCell[], options: SummariseOptions): ResultCell[] {
  const untracedOf = (cell: UnsummarisedCell) =>
    cells.find((other) => other.label === 'untraced' && other.scenario === cell.scenario && other.node === cell.node);
  const sdkDefaultOf = (cell: UnsummarisedCell) =>
    cells.find(
      (other) =>
        other.label === 'sdk-default' &&
        other.tracer === cell.tracer &&
        other.sdkRelease?.version === cell.sdkRelease?.version &&
        other.scenario === cell.scenario &&
        other.node === cell.node,
    );
  return cells.map((cell) => ({
    ...cell,
    summary: summariseCell(cell, untracedOf(cell), sdkDefaultOf(cell), options),
  }));
}

function summariseCell(
  cell: UnsummarisedCell,
  untraced: UnsummarisedCell | undefined,
  sdkDefault: UnsummarisedCell | undefined,
  { seed, noiseFloorCv = null }: SummariseOptions,
): CellSummary {
  const trials = successful(cell);
  // One random stream per cell and figure, so adding a cell or a metric leaves the others' intervals as they were.
  const randomFor = (figure: string) =>
    createRandom(deriveSeed(seed, `${cellName(cell)}/${figure}`));

  const metrics = Object.fromEntries(
    SUMMARISED_METRICS.map((metric) => [metric, summarise(trials.map((trial) => trial[metric]), randomFor(metric))]),
  ) as Record<SummarisedMetric, MetricSummary>;
  const correctRates = trials.flatMap((trial) => (trial.correctRate === null ? [] : [trial.correctRate]));

  return {
    ...metrics,
    correctRate: correctRates.length === 0 ? null : median(correctRates),
    violations: totalViolations(trials),
    failedTrials: cell.trials.length - trials.length,
    overheadVsUntraced:
      untraced && untraced !== cell ? overheadAgainst(cell, untraced) : null,
    overheadVsSdkDefault:
      sdkDefault && sdkDefault !== cell ? overheadAgainst(cell, sdkDefault) : null,
    cpuCostVsUntraced: untraced && untraced !== cell ? cpuCostAgainst(cell, untraced) : null,
    cpuCostVsSdkDefault:
      sdkDefault && sdkDefault !== cell ? cpuCostAgainst(cell, sdkDefault) : null,
    warnings: warningsFor(cell, metrics, noiseFloorCv),
  };
}

function successful(cell: UnsummarisedCell): Trial[] {
  return cell.trials.filter((trial) => trial.error === null);
}

/** Throughput lost against a baseline: 1 - cell / baseline requests/s, paired by round. */
function overheadAgainst(cell: UnsummarisedCell, baseline: UnsummarisedCell): Overhead {
  const { cellValues, baselineValues } = pairByRound(cell, baseline, 'requestsPerSec');
  return pairedOverhead(cellValues, baselineValues);
}

/**
 * CPU added per request against a baseline: cell / baseline - 1 server CPU ms per request, paired
 * by round. Unlike throughput it needs no saturated baseline: it holds when the load generator,
 * not the server, set the pace.
 */
function cpuCostAgainst(cell: UnsummarisedCell, baseline: UnsummarisedCell): Overhead {
  const { cellValues, baselineValues } = pairByRound(cell, baseline, 'cpuMsPerRequest');
  const lost = pairedOverhead(cellValues, baselineValues);
  // 1 - cell/baseline, negated, is cell/baseline - 1.
  return lost && { mean: -lost.mean, median: -lost.median, ci95: lost.ci95 && [-lost.ci95[1], -lost.ci95[0]], n: lost.n };
}

/** The two cells' successful trials of the same round; a baseline of 0 (or none) has no ratio. */
export function pairByRound(cell: UnsummarisedCell, baseline: UnsummarisedCell, metric: 'requestsPerSec' | 'cpuMsPerRequest') {
  const baselineByRound = new Map<number, number>();
  for (const trial of successful(baseline)) {
    const value = trial[metric];
    if (!baselineByRound.has(trial.round) && value !== null) baselineByRound.set(trial.round, value);
  }
  const cellValues: number[] = [];
  const baselineValues: number[] = [];
  for (const trial of successful(cell)) {
    const baselineValue = baselineByRound.get(trial.round);
    const value = trial[metric];
    if (baselineValue === undefined || !(baselineValue > 0) || value === null) continue;
    cellValues.push(value);
    baselineValues.push(baselineValue);
  }
  return { cellValues, baselineValues };
}

function totalViolations(trials: readonly Trial[]): Violations {
  const totals = Object.fromEntries(RULES.map((rule) => [rule, 0])) as Violations;
  for (const trial of trials) for (const rule of RULES) totals[rule] += trial.violations[rule];
  return totals;
}

function warningsFor(cell: UnsummarisedCell, metrics: Record<SummarisedMetric, MetricSummary>, noiseFloorCv: number | null): string[] {
  const warnings: string[] = [];
  const failed = cell.trials.length - successful(cell).length;
  if (failed > 0) {
    const used = cell.trials.length - failed;
    warnings.push(`${failed} of ${cell.trials.length} trials failed; the figures use the other ${used}`);
  }
  const throughputCv = metrics.requestsPerSec.cv;
  if (throughputCv !== null && throughputCv > MAX_THROUGHPUT_CV) {
    const floor = noiseFloorCv === null ? '' : `; the same reference work varied ${percent(noiseFloorCv, 1)} % on this core`;
    warnings.push(`CV of requestsPerSec is ${percent(throughputCv, 1)} % (> ${percent(MAX_THROUGHPUT_CV, 0)} %${floor})`);
  }
  // long-idle holds streams open on purpose and measures memory: an idle core is its design there.
  const cpu = metrics.cpuUtilisation.median;
  const untracedThroughputRun = cell.strategy === 'untraced' && cell.scenario !== 'long-idle';
  if (untracedThroughputRun && cpu !== null && cpu < MIN_BASELINE_CPU_UTILISATION) {
    warnings.push(
      `the server core was only ${percent(cpu, 0)} % busy: the load (its connections and the pace of the streams), not the server, set the throughput; CPU per request still holds`,
    );
  }
  return warnings;
}

function percent(fraction: number, decimals: number): string {
  return (fraction * 100).toFixed(decimals);
}
