import type { ResultFile, TrialDrivers } from '../../results/schema.ts';
import { median } from '../stats/stats.ts';
import { pooledRankCorrelation, spearman } from '../stats/rank-correlation.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import { formatPValue } from '../common/format.ts';

/**
 * Which of a trial's recorded drivers (results/schema.ts TrialDriversSchema) move with its CPU per
 * request across the trials of a cell: the trials of one cell are the same work, so what varies
 * with their CPU per request from window to window is a candidate for the wander.
 */

export const DRIVERS: readonly { key: keyof TrialDrivers; title: string }[] = [
  { key: 'gcMsPerRequest', title: 'GC time per request' },
  { key: 'gcPerRequest', title: 'GCs per request' },
  { key: 'loopTurnsPerRequest', title: 'event-loop turns per request' },
  { key: 'eventsPerLoopTurn', title: 'I/O events per loop turn' },
  { key: 'voluntaryContextSwitchesPerSec', title: 'voluntary context switches /s' },
  { key: 'involuntaryContextSwitchesPerSec', title: 'involuntary context switches /s' },
  { key: 'harnessBytesPerRead', title: 'harness bytes per read syscall' },
];

/** Cells with fewer trials than this give no per-cell rank correlation (three points rank in six ways). */
const MIN_TRIALS = 4;

export interface DriverCorrelation {
  driver: keyof TrialDrivers;
  title: string;
  /** Cells with at least MIN_TRIALS trials that recorded the driver and CPU per request. */
  cells: number;
  /** Median over those cells of Spearman's rho between the driver and CPU per request. */
  medianRho: number | null;
  /** Cells whose rho is above 0. */
  positiveCells: number;
  /** The rank correlation over every trial of those cells, each cell ranked on its own. */
  pooled: { rho: number; pairs: number; p: number } | null;
}

export function driverCorrelations(result: ResultFile): DriverCorrelation[] {
  return DRIVERS.map(({ key, title }) => {
    const groups = result.cells.flatMap((cell) => {
      const pairs = cell.trials.flatMap((trial) => {
        const driver = trial.error === null ? trial.drivers?.[key] : undefined;
        return typeof driver === 'number' && trial.cpuMsPerRequest !== null ? [[driver, trial.cpuMsPerRequest] as const] : [];
      });
      return pairs.length >= MIN_TRIALS ? [{ x: pairs.map(([x]) => x), y: pairs.map(([, y]) => y) }] : [];
    });
    const rhos = groups.flatMap((group) => {
      const rho = spearman(group.x, group.y);
      return rho === null ? [] : [rho];
    });
    const pooled = pooledRankCorrelation(groups);
    return {
      driver: key,
      title,
      cells: groups.length,
      medianRho: rhos.length === 0 ? null : median(rhos),
      positiveCells: rhos.filter((rho) => rho > 0).length,
      pooled: pooled && { rho: pooled.rho, pairs: pooled.pairs, p: pooled.p },
    };
  });
}

/** report.md's section, or nothing for a run that recorded no drivers. */
export function driversSection(result: ResultFile): string[] {
  const correlations = driverCorrelations(result).filter((correlation) => correlation.cells > 0);
  if (correlations.length === 0) return [];
  const rows = correlations.map((correlation) => [
    correlation.title,
    String(correlation.cells),
    correlation.medianRho === null ? '-' : correlation.medianRho.toFixed(2),
    `${correlation.positiveCells} of ${correlation.cells}`,
    correlation.pooled ? `${correlation.pooled.rho.toFixed(2)} (${correlation.pooled.pairs} trials, p = ${formatPValue(correlation.pooled.p)})` : '-',
  ]);
  return [
    '## What moves with CPU per request',
    `Across the trials of each cell (the same work, window after window), Spearman's rank correlation of each recorded driver with the trial's server CPU per request (cells with ${MIN_TRIALS} trials or more). Pooled: every trial of those cells, each cell ranked on its own.`,
    renderMarkdownTable(['driver', 'cells', 'median rho', 'rho > 0', 'pooled rho'], rows),
  ];
}
