import { join } from 'node:path';
import type { ResultFile } from '../../results/schema.ts';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { environmentCaption } from './environment-caption.ts';
import { ACROSS_MACHINES, describeMachine } from './machines.ts';
import { cellName } from '../../results/cell-name.ts';
import { shortCommit } from '../common/format.ts';
import { GAB_FILE_NAMES, gabEntries } from './gab.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import { driversSection } from './drivers.ts';
import { buildCharts, type Chart } from './report-charts.ts';
import type { ReportFormat } from './report-format.ts';
import { type SummaryColumnName, summaryRows } from './summary-columns.ts';

/** A file of the report, by name within the output directory. */
export interface ReportFile {
  name: string;
  content: string;
}

/** Every file of a report, built in memory: nothing is written until all of it rendered. */
export function buildReport(result: ResultFile, format: ReportFormat): ReportFile[] {
  if (format === 'gab') {
    const entries = gabEntries(result);
    return [
      { name: GAB_FILE_NAMES.biggerIsBetter, content: `${JSON.stringify(entries.biggerIsBetter, null, 2)}\n` },
      { name: GAB_FILE_NAMES.smallerIsBetter, content: `${JSON.stringify(entries.smallerIsBetter, null, 2)}\n` },
    ];
  }
  const charts = buildCharts(result);
  return [
    ...charts.map((chart) => ({ name: chart.file, content: chart.svg })),
    { name: 'report.md', content: renderReportMarkdown(result, charts) },
  ];
}

/** Each file written atomically: a reader sees the old chart or the new one, never half of one. */
export function writeReport(directory: string, files: readonly ReportFile[]): void {
  for (const file of files) writeFileAtomic(join(directory, file.name), file.content);
}

const MARKDOWN_COLUMNS: SummaryColumnName[] = [
  'cell', 'tracer', 'scenario', 'node', 'requestsPerSec', 'overheadVsUntraced', 'cpuCostVsUntraced', 'latencyP99Ms', 'ttfbMs', 'cpuMsPerRequest', 'correct', 'rulesBroken',
];

/** report.md: the environment, a summary table, then every chart by a relative link. */
export function renderReportMarkdown(result: ResultFile, charts: readonly Chart[]): string {
  const summary = summaryRows(result.cells, MARKDOWN_COLUMNS);
  const sections = [
    '# streamtrace-bench report',
    environmentCaption(result).join('  \n'),
    ...(result.config.quick ? ['> **Note:** a `--quick` run: a smoke test of the suite, its figures are not a measurement.'] : []),
    ...machinesSection(result),
    '## Summary',
    renderMarkdownTable(summary.header, summary.rows),
    ...notes(result),
    ...driversSection(result),
    '## Charts',
    'Each chart is an SVG file beside this report.',
    ...charts.map((chart) => `### ${chart.title}\n\n${chart.description}\n\n![${chart.title}](${encodeURI(chart.file)})`),
    ...(result.cells.some((cell) => cell.scenario === 'long-idle')
      ? []
      : ['Memory per open stream is measured in the long-idle scenario only, which this run did not include.']),
  ];
  return `${sections.join('\n\n')}\n`;
}

/** Which cells ran where, when the merged shards came from several machines. */
function machinesSection(result: ResultFile): string[] {
  if (!result.environments) return [];
  const lines = result.environments.map(
    ({ env, cells }) => `- **${describeMachine(env)}** (Node ${env.node} harness, commit ${shortCommit(env.gitCommit)}): ${cells.map((name) => `\`${name}\``).join(', ')}`,
  );
  return ['## Machines', `The shards of this run ran on ${result.environments.length} machines: ${ACROSS_MACHINES}.`, lines.join('\n')];
}

function notes(result: ResultFile): string[] {
  const lines = [
    ...result.cells.flatMap((cell) => cell.summary.warnings.map((warning) => `- warning: ${cellName(cell)}: ${warning}`)),
    ...result.failures.map(
      (failure) =>
        `- failed: ${cellName(failure)}${failure.trial === undefined ? '' : ` trial ${failure.trial}`}: ${failure.error}`,
    ),
  ];
  return lines.length > 0 ? [lines.join('\n')] : [];
}
