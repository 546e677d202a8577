import type { MetricSummary, ResultFile } from '../results/schema.ts';
import { renderTable } from './table.ts';

const fixed = (value: number | null | undefined, digits = 0): string => (value === null || value === undefined ? '-' : value.toFixed(digits));

function withInterval(summary: MetricSummary, digits = 0): string {
  if (summary.median === null) return '-';
  const interval = summary.ci95 ? ` [${fixed(summary.ci95[0], digits)}, ${fixed(summary.ci95[1], digits)}]` : '';
  return `${fixed(summary.median, digits)}${interval}`;
}

function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '-' : `${(value * 100).toFixed(digits)} %`;
}

function signedPercent(value: number): string {
  return `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;
}

/** The end-of-run table: one row per cell, then every warning and failure. */
export function renderSummary(result: ResultFile): string {
  const header = ['cell', 'tracer', 'scenario', 'req/s [95 % CI]', 'req/s lost vs untraced [95 % CI]', 'CPU/req vs untraced [95 % CI]', 'p99 ms', 'cpu ms/req', 'RSS MB', 'correct'];
  const rows = result.cells.map((cell) => {
    const { summary } = cell;
    const paired = (figure: { median: number; ci95: [number, number] } | null): string =>
      figure ? `${signedPercent(figure.median)} [${signedPercent(figure.ci95[0])}, ${signedPercent(figure.ci95[1])}]` : '-';
    return [
      cell.label,
      cell.tracer,
      cell.scenario,
      cell.failed ? `FAILED` : withInterval(summary.requestsPerSec),
      paired(summary.overheadVsUntraced),
      paired(summary.cpuCostVsUntraced),
      fixed(summary.latencyP99Ms.median, 1),
      fixed(summary.cpuMsPerRequest.median, 3),
      fixed(summary.rssPeakMb.median),
      cell.tracer === 'none' ? 'n/a' : percent(summary.correctRate),
    ];
  });
  const notes = [
    ...result.cells.flatMap((cell) => cell.summary.warnings.map((warning) => `warning: ${cell.label}/${cell.tracer}/${cell.scenario}: ${warning}`)),
    ...result.failures.map((failure) => `failed: ${failure.label}/${failure.tracer}/${failure.scenario}${failure.trial === undefined ? '' : ` trial ${failure.trial}`}: ${failure.error}`),
  ];
  return [renderTable(header, rows), ...notes].join('\n');
}
