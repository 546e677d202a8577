import type { Calibration, CellSummary, Overhead, ResultCell, ResultFile } from '../../results/schema.ts';
import type { AnyStrategyName } from '../../strategies/registry.ts';
import { type BenchOptions, runBench, type StopSignal } from './bench-run.ts';
import { Progress } from '../common/progress.ts';
import { formatFractionWithInterval } from '../common/format.ts';
import { studentT975, sumOfSquaredDeviations, verdictOfInterval } from '../stats/stats.ts';
import { pairByRound } from './summarise-cell.ts';

/** Copies of untraced in the A/A part: each copy after the first is one A/A comparison. */
const UNTRACED_COPIES = 5;
/**
 * The known cost injected, as a share of untraced's own CPU per request: the precision the suite
 * promises (smallest detectable cost <= 10 %), so a calibration shows it is kept.
 */
const INJECTED_FRACTION = 0.1;

/**
 * How precise is the suite? Per scenario: untraced against copies of itself (any overhead it
 * "finds" there is a false alarm) and against calibration-burn, untraced plus a busy loop of 10 %
 * of untraced's own CPU per request (measured first), which it must detect.
 */
export async function runCalibration(options: BenchOptions, stop: StopSignal): Promise<ResultFile> {
  const scenarios = options.scenarios;
  const runs: ResultFile[] = [];
  const calibration: Calibration[] = [];
  for (const scenario of scenarios) {
    if (stop.stopped) break;
    const baselineOptions = { ...options, strategies: ['untraced'] as AnyStrategyName[], scenarios: [scenario], trials: 1 };
    const baseline = await runBench(baselineOptions, stop, new Progress(1));
    const cpu = baseline.cells[0]?.summary.cpuMsPerRequest.median;
    if (cpu === null || cpu === undefined) throw new Error(`calibration: untraced on ${scenario} measured no CPU per request`);
    const injectedUs = Math.max(1, Math.round(cpu * 1000 * INJECTED_FRACTION));
    const strategies: AnyStrategyName[] = [...Array<AnyStrategyName>(UNTRACED_COPIES).fill('untraced'), 'calibration-burn'];
    const run = await runBench({ ...options, strategies, scenarios: [scenario], burnUs: injectedUs }, stop);
    runs.push(run);
    calibration.push(judgeCalibration(run, scenario, cpu, injectedUs));
  }
  const [first] = runs;
  if (!first) throw new Error('calibration was interrupted before any scenario finished');
  return {
    ...first,
    complete: !stop.stopped && runs.length === scenarios.length && runs.every((run) => run.complete),
    failures: runs.flatMap((run) => run.failures),
    config: { ...first.config, scenarios, calibrate: true, order: runs.flatMap((run) => run.config.order) },
    cells: runs.flatMap((run) => run.cells),
    calibration,
  };
}

/**
 * What one scenario's calibration run proved: A/A copies whose interval excludes zero are false
 * alarms; the injected cost must come out above zero; and the smallest cost this run could find.
 */
export function judgeCalibration(run: ResultFile, scenario: string, baselineCpuMsPerRequest: number, injectedUs: number): Calibration {
  const copies = run.cells.filter((cell) => cell.strategy === 'untraced' && cell.label !== 'untraced');
  const burn = run.cells.find((cell) => cell.strategy === 'calibration-burn');
  const alarms = (figure: (summary: CellSummary) => Overhead): number =>
    copies.filter((cell) => {
      const paired = figure(cell.summary);
      return paired !== null && verdictOfInterval(paired.ci95) !== 'includes zero';
    }).length;
  const above = (paired: Overhead): boolean => paired !== null && verdictOfInterval(paired.ci95) === 'above zero';
  const baselineCell = run.cells.find((cell) => cell.label === 'untraced');
  const injectedOverhead = burn?.summary.overheadVsUntraced ?? null;
  const injectedCpuCost = burn?.summary.cpuCostVsUntraced ?? null;
  return {
    scenario,
    baselineCpuMsPerRequest,
    injectedUs,
    injectedFraction: injectedUs / (baselineCpuMsPerRequest * 1000),
    aaCells: copies.length,
    falseAlarmsThroughput: alarms((summary) => summary.overheadVsUntraced),
    falseAlarmsCpu: alarms((summary) => summary.cpuCostVsUntraced),
    injectedOverhead,
    injectedCpuCost,
    detectedByThroughput: above(injectedOverhead),
    detectedByCpu: above(injectedCpuCost),
    minimumDetectableThroughput: baselineCell ? minimumDetectable(baselineCell, copies, 'requestsPerSec') : null,
    minimumDetectableCpu: baselineCell ? minimumDetectable(baselineCell, copies, 'cpuMsPerRequest') : null,
  };
}

/** z of 80 % power: with the t quantile below, the effect a run finds four times in five. */
const Z_POWER_80 = 0.8416;

/**
 * The smallest overhead this run's rounds could show, from the noise the A/A copies measured:
 * (t(97.5 %) + z(80 %)) x the spread of one round's paired ratio / sqrt(rounds). An effect this
 * large gives an interval above zero in about 80 % of runs; smaller ones mostly do not.
 */
function minimumDetectable(baseline: ResultCell, copies: readonly ResultCell[], metric: 'requestsPerSec' | 'cpuMsPerRequest'): number | null {
  const ratios = copies.map((copy) => {
    const { cellValues, baselineValues } = pairByRound(copy, baseline, metric);
    return cellValues.map((value, index) => value / (baselineValues[index] as number));
  });
  // Pooled over the copies: each copy's ratios about their own mean.
  const squares = ratios.reduce((sum, list) => sum + sumOfSquaredDeviations(list), 0);
  const degrees = ratios.reduce((sum, list) => sum + Math.max(0, list.length - 1), 0);
  const rounds = Math.max(0, ...ratios.map((list) => list.length));
  if (degrees < 1 || rounds < 2) return null;
  const spread = Math.sqrt(squares / degrees);
  return ((studentT975(rounds - 1) + Z_POWER_80) * spread) / Math.sqrt(rounds);
}

const asPercent = (paired: Overhead): string => (paired ? formatFractionWithInterval(paired) : 'no figure');

/** Per scenario: false alarms of the A/A part and whether the injected cost showed, by each measure. */
export function describeCalibration(calibration: Calibration[]): string {
  const total = (count: (entry: Calibration) => number): number => calibration.reduce((sum, entry) => sum + count(entry), 0);
  const aa = total((entry) => entry.aaCells);
  const rate = (alarms: number): string => (aa > 0 ? `${((alarms / aa) * 100).toFixed(0)} % (${alarms}/${aa})` : 'n/a');
  const smallest = (fraction: number | null): string => (fraction === null ? 'unknown' : `${(fraction * 100).toFixed(1)} %`);
  const lines = calibration.flatMap((entry) => [
    `calibration ${entry.scenario}: injected ${entry.injectedUs} µs/request = ${(entry.injectedFraction * 100).toFixed(1)} % of untraced's ${entry.baselineCpuMsPerRequest.toFixed(3)} ms CPU/request`,
    `  CPU per request: A/A false alarms ${entry.falseAlarmsCpu}/${entry.aaCells}; injected cost measured ${asPercent(entry.injectedCpuCost)}: ${entry.detectedByCpu ? 'detected' : 'NOT detected'}; smallest detectable ${smallest(entry.minimumDetectableCpu)}`,
    `  throughput:      A/A false alarms ${entry.falseAlarmsThroughput}/${entry.aaCells}; injected cost measured ${asPercent(entry.injectedOverhead)}: ${entry.detectedByThroughput ? 'detected' : 'NOT detected'}; smallest detectable ${smallest(entry.minimumDetectableThroughput)}`,
  ]);
  return [
    ...lines,
    `calibration overall: false-alarm rate ${rate(total((entry) => entry.falseAlarmsCpu))} by CPU per request, ${rate(total((entry) => entry.falseAlarmsThroughput))} by throughput`,
  ].join('\n');
}

