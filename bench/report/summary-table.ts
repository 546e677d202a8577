import type { ResultFile } from '../../results/schema.ts';
import { cellName } from '../../results/cell-name.ts';
import { type SummaryColumnName, summaryRows } from './summary-columns.ts';
import { renderTable } from '../common/table.ts';

const TERMINAL_COLUMNS: SummaryColumnName[] = [
  'cell', 'tracer', 'scenario', 'node', 'requestsPerSec', 'overheadVsUntraced', 'cpuCostVsUntraced', 'latencyP99Ms', 'cpuMsPerRequest', 'rssPeakMb', 'correct',
];

/** The end-of-run table: one row per cell, then every warning and failure. */
export function renderSummary(result: ResultFile): string {
  const { header, rows } = summaryRows(result.cells, TERMINAL_COLUMNS);
  const notes = [
    ...result.cells.flatMap((cell) => cell.summary.warnings.map((warning) => `warning: ${cellName(cell)}: ${warning}`)),
    ...result.failures.map((failure) => `failed: ${cellName(failure)}${failure.trial === undefined ? '' : ` trial ${failure.trial}`}: ${failure.error}`),
  ];
  return [renderTable(header, rows), ...notes].join('\n');
}
