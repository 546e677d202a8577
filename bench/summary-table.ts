import type { ResultFile } from '../results/schema.ts';
import { cellName } from './cell-name.ts';
import { formatFigure, formatFractionPercent, formatFractionWithInterval, formatWithInterval } from './format.ts';
import { renderTable } from './table.ts';

/** The end-of-run table: one row per cell, then every warning and failure. */
export function renderSummary(result: ResultFile): string {
  const header = ['cell', 'tracer', 'scenario', 'req/s [95 % CI]', 'req/s lost vs untraced [95 % CI]', 'CPU/req vs untraced [95 % CI]', 'p99 ms', 'cpu ms/req', 'RSS MB', 'correct'];
  const rows = result.cells.map((cell) => {
    const { summary } = cell;
    return [
      cell.label,
      cell.tracer,
      cell.scenario,
      cell.failed ? 'FAILED' : formatWithInterval(summary.requestsPerSec.median, summary.requestsPerSec.ci95),
      formatFractionWithInterval(summary.overheadVsUntraced),
      formatFractionWithInterval(summary.cpuCostVsUntraced),
      formatFigure(summary.latencyP99Ms.median),
      formatFigure(summary.cpuMsPerRequest.median),
      formatFigure(summary.rssPeakMb.median),
      cell.tracer === 'none' ? 'n/a' : formatFractionPercent(summary.correctRate),
    ];
  });
  const notes = [
    ...result.cells.flatMap((cell) => cell.summary.warnings.map((warning) => `warning: ${cellName(cell)}: ${warning}`)),
    ...result.failures.map((failure) => `failed: ${cellName(failure)}${failure.trial === undefined ? '' : ` trial ${failure.trial}`}: ${failure.error}`),
  ];
  return [renderTable(header, rows), ...notes].join('\n');
}
