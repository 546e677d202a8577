import type { ResultCell } from '../../results/schema.ts';
import { formatFigure, formatFractionPercent, formatFractionWithInterval, formatWithInterval } from '../common/format.ts';
import { RULES } from '../../results/schema.ts';

/** A column of a run's summary table: its header and how a cell's row shows it. */
interface SummaryColumn {
  header: string;
  value: (cell: ResultCell) => string;
}

/**
 * Every column a summary table can show, in their order: the terminal table at the end of a run
 * and report.md pick from the same columns, so a figure reads the same in both.
 */
export const SUMMARY_COLUMNS = {
  cell: { header: 'cell', value: (cell) => cell.label },
  tracer: { header: 'tracer', value: (cell) => (cell.sdkRelease ? `${cell.tracer} @${cell.sdkRelease.version}` : cell.tracer) },
  scenario: { header: 'scenario', value: (cell) => cell.scenario },
  node: { header: 'node', value: (cell) => cell.nodeVersion },
  requestsPerSec: {
    header: 'req/s [95 % CI]',
    value: ({ failed, summary }) => (failed ? 'FAILED' : formatWithInterval(summary.requestsPerSec.median, summary.requestsPerSec.ci95)),
  },
  overheadVsUntraced: { header: 'req/s lost vs untraced [95 % CI]', value: (cell) => formatFractionWithInterval(cell.summary.overheadVsUntraced) },
  cpuCostVsUntraced: { header: 'CPU/req vs untraced [95 % CI]', value: (cell) => formatFractionWithInterval(cell.summary.cpuCostVsUntraced) },
  latencyP99Ms: { header: 'p99 ms', value: (cell) => formatFigure(cell.summary.latencyP99Ms.median) },
  ttfbMs: { header: 'TTFB ms', value: (cell) => formatFigure(cell.summary.ttfbMs.median) },
  cpuMsPerRequest: { header: 'CPU ms/req', value: (cell) => formatFigure(cell.summary.cpuMsPerRequest.median) },
  rssPeakMb: { header: 'RSS MB', value: (cell) => formatFigure(cell.summary.rssPeakMb.median) },
  correct: { header: 'correct', value: (cell) => (cell.tracer === 'none' ? 'n/a' : formatFractionPercent(cell.summary.correctRate)) },
  rulesBroken: {
    header: 'rules broken',
    value: ({ summary }) => RULES.filter((rule) => summary.violations[rule] > 0).join(', ') || '-',
  },
} satisfies Record<string, SummaryColumn>;

export type SummaryColumnName = keyof typeof SUMMARY_COLUMNS;

/** The header and one row per cell for the chosen columns. */
export function summaryRows(cells: readonly ResultCell[], columns: readonly SummaryColumnName[]): { header: string[]; rows: string[][] } {
  const chosen = columns.map((name) => SUMMARY_COLUMNS[name] as SummaryColumn);
  return { header: chosen.map((column) => column.header), rows: cells.map((cell) => chosen.map((column) => column.value(cell))) };
}
