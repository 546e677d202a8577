import type { ResultFile } from '../../results/schema.ts';
import { cellName } from '../../results/cell-name.ts';
import { formatFigure, shortCommit } from '../common/format.ts';
import { COMPARED_METRICS } from './metrics.ts';
import { describeMachine, machineOf } from './machines.ts';

/**
 * The result as github-action-benchmark's custom tools read it: `customBiggerIsBetter` and
 * `customSmallerIsBetter`, each an array of {name, unit, value, range, extra}. Names are
 * `label/tracer/scenario/node figure`, e.g. `close-listener/sentry-static/sse-tokens/node24 req/s`,
 * so a series keeps its name from run to run. Each entry's extra names the machine and Node it was
 * measured on: shards of one weekly run may land on different CPU models.
 */
export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  /** `± half-width` of the 95 % interval, the larger side where it is lopsided. */
  range: string;
  /** The exact interval, the number of trials and where the figure comes from. */
  extra: string;
}

export interface GabFiles {
  biggerIsBetter: GabEntry[];
  smallerIsBetter: GabEntry[];
}

export const GAB_FILE_NAMES = {
  biggerIsBetter: 'customBiggerIsBetter.json',
  smallerIsBetter: 'customSmallerIsBetter.json',
} as const satisfies Record<keyof GabFiles, string>;

export function gabEntries(result: ResultFile): GabFiles {
  const files: GabFiles = { biggerIsBetter: [], smallerIsBetter: [] };
  const run = `commit ${shortCommit(result.env.gitCommit)}${result.config.quick ? ', quick run' : ''}`;
  const entryFrom = (origin: string) => (name: string, unit: string, median: number, ci95: readonly [number, number], n: number, what: string): GabEntry => ({
    name,
    unit,
    value: median,
    range: `± ${formatFigure(Math.max(median - ci95[0], ci95[1] - median))}`,
    extra: `${what}; 95 % CI [${formatFigure(ci95[0])}, ${formatFigure(ci95[1])}], n = ${n}; ${origin}`,
  });

  for (const cell of result.cells) {
    const name = cellName(cell);
    const origin = `${run}; ${describeMachine(machineOf(result, cell))}, Node ${cell.nodeVersion}`;
    const entry = entryFrom(origin);
    for (const definition of COMPARED_METRICS) {
      const summary = cell.summary[definition.metric];
      if (summary.median === null || summary.ci95 === null) continue;
      const target = definition.direction === 'bigger-is-better' ? files.biggerIsBetter : files.smallerIsBetter;
      target.push(entry(`${name} ${definition.shortName}`, definition.unit, summary.median, summary.ci95, summary.n, `${definition.title}, median over trials`));
    }
    // Ratios against untraced, in percent: drift between trials cancels in them, so they are the steadier series.
    const ratios = [
      { figure: cell.summary.overheadVsUntraced, shortName: 'req/s lost vs untraced %', what: 'throughput lost vs untraced, mean over rounds' },
      { figure: cell.summary.cpuCostVsUntraced, shortName: 'CPU/req vs untraced %', what: 'extra CPU per request vs untraced, mean over rounds' },
    ];
    for (const { figure, shortName, what } of ratios) {
      if (!figure?.ci95) continue;
      const percent = (value: number) => value * 100;
      files.smallerIsBetter.push(entry(`${name} ${shortName}`, '%', percent(figure.mean), [percent(figure.ci95[0]), percent(figure.ci95[1])], figure.n, what));
    }
    if (cell.summary.correctRate !== null) {
      // The correct rate has no bootstrap interval: its range is the spread of the trials' rates.
      const rates = cell.trials.flatMap((trial) => (trial.error === null && trial.correctRate !== null ? [trial.correctRate * 100] : []));
      const median = cell.summary.correctRate * 100;
      const [low, high] = [Math.min(median, ...rates), Math.max(median, ...rates)];
      files.biggerIsBetter.push({
        name: `${name} correct %`,
        unit: '%',
        value: median,
        range: `± ${formatFigure(Math.max(median - low, high - median))}`,
        extra: `requests whose spans broke no verifier rule, median over trials; trials from ${formatFigure(low)} to ${formatFigure(high)} %, n = ${rates.length}; ${origin}`,
      });
    }
  }
  return files;
}
