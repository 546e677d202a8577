import type { Spread } from '../../results/instruction-schema.ts';
import type { RequestCell, RequestInstructionResult } from '../../results/request-instruction-schema.ts';
import { formatFigure, shortCommit } from '../common/format.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import { renderTable } from '../common/table.ts';
import { GAB_FILE_NAMES, type GabEntry } from './gab.ts';
import { renderIntervalChart, type IntervalRow } from './interval-chart.ts';
import type { ReportFile } from './report.ts';
import type { ReportFormat } from './report-format.ts';
import type { ResultFile } from '../../results/schema.ts';
import { instructionsAgainstLoad, renderAgainstLoadMarkdown } from './instructions-against-load.ts';
import { overheadRatio } from './request-overhead.ts';
import { tracerTag } from '../../results/cell-name.ts';

/**
 * Whole-request instruction counts (npm run bench -- --instructions) as a table: per cell the
 * instructions and heap bytes per request, how far its windows agreed, what doubled work read,
 * and the cost over untraced on the same scenario and Node.
 */

const millions = (value: number): string => (value / 1e6).toFixed(3);
const kib = (value: number): string => (value / 1024).toFixed(1);

function rows(result: RequestInstructionResult): (string | number)[][] {
  return result.cells.map((cell) => {
    const ratio = overheadRatio(result, cell);
    const spread = cell.checks ? cell.checks.repeatSpreadPercent.toFixed(2) : '-';
    const doubled = cell.checks ? cell.checks.doubledRatio.toFixed(3) : '-';
    const tracer = tracerTag(cell);
    if (!cell.perRequest || !cell.bytesPerRequest) return [cell.scenario, cell.label, tracer, `refused: ${cell.refused ?? 'no figure'}`, spread, doubled, '-', '-'];
    return [cell.scenario, cell.label, tracer, millions(cell.perRequest.mean), spread, doubled, ratio === null ? '-' : `${ratio.toFixed(2)}x`, kib(cell.bytesPerRequest.mean)];
  });
}

const HEADER = ['scenario', 'strategy', 'tracer', 'M instr/request', 'windows spread %', 'doubled reads', 'vs untraced', 'KiB allocated/request'];

function footer(result: RequestInstructionResult): string[] {
  const { config } = result;
  const nodes = [...new Set(result.cells.map((cell) => `${cell.node} (${cell.nodeVersion})`))].join(', ');
  const lines = [
    `counted by ${config.valgrind}, servers on Node ${nodes} ${config.nodeFlags.join(' ')};`,
    `per scenario and process: a warm-up, then windows of ${config.windowMultiples.join(', ')} times the scenario's window (${Object.entries(config.plans).map(([scenario, plan]) => `${scenario} ${plan.window}`).join(', ')} requests), ${config.processesPerCell} process(es) per strategy and tracer;`,
    `per request = (3n window - the mean single window) / 2n; a cell is refused when its single windows disagree by more than ${config.repeatTolerancePercent} % or twice the requests do not read twice the difference within ${config.doubledTolerancePercent} %.`,
  ];
  const check = result.calibration;
  lines.push(
    check
      ? `calibration, known loop: ${check.iterations} iterations per request added ${Math.round(check.addedPerRequest).toLocaleString('en-US')} instructions, ${Math.round(check.loopAlone).toLocaleString('en-US')} alone: ${check.ratio.toFixed(4)} (1 within ${check.tolerancePercent} %): ${check.pass ? 'pass' : 'FAIL'}`
      : 'calibration, known loop: not run',
  );
  for (const failure of result.failures) lines.push(`failed: ${failure.process}: ${failure.error}`);
  if (!result.complete) lines.push('incomplete: not every cell was counted');
  return lines;
}

export function renderRequestInstructionTable(result: RequestInstructionResult): string {
  return [renderTable(HEADER, rows(result)), '', ...footer(result)].join('\n');
}

export function renderRequestInstructionMarkdown(result: RequestInstructionResult): string {
  return [renderMarkdownTable(HEADER, rows(result)), '', ...footer(result).map((line) => `${line}  `)].join('\n');
}

/** True when every cell was counted and held its checks, and the known-loop check (where run) passed. */
export function requestInstructionsHold(result: RequestInstructionResult): boolean {
  return result.complete && result.cells.every((cell) => cell.refused === null) && (result.calibration?.pass ?? true);
}

const caption = (result: RequestInstructionResult): string[] => [
  `${result.config.valgrind} · servers ${[...new Set(result.cells.map((cell) => cell.nodeVersion))].join(', ')} --jitless · @sentry/node ${result.env.packages['@sentry/node'] ?? 'not installed'}`,
  `commit ${shortCommit(result.env.gitCommit)}${result.env.gitDirty ? ' with uncommitted changes' : ''} · run of ${result.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
];

/** One chart per scenario: every counted cell's instructions and heap bytes per request. */
function charts(result: RequestInstructionResult): { file: string; title: string; description: string; svg: string }[] {
  return result.config.scenarios.flatMap((scenario) => {
    const cells = result.cells.filter((cell) => cell.scenario === scenario && cell.perRequest && cell.bytesPerRequest);
    if (cells.length === 0) return [];
    const row = (cell: RequestCell, spread: Spread): IntervalRow => ({ name: `${cell.label} / ${cell.tracer}`, group: cell.tracer, median: spread.mean, ci95: [spread.min, spread.max] });
    const title = `Instructions per request, ${scenario}`;
    const description = `Every strategy and tracer on ${scenario} (${cells[0]!.request}), through the real server under valgrind: fewer is better. Whiskers: the figure from each repeat.`;
    return [
      {
        file: `request-instructions-${scenario}.svg`,
        title,
        description,
        svg: renderIntervalChart({
          title,
          subtitle: description,
          rowAxisName: 'strategy / tracer',
          caption: caption(result),
          panels: [
            { axisName: 'instructions per request', format: formatFigure, rows: cells.map((cell) => row(cell, cell.perRequest!)) },
            { axisName: 'heap bytes allocated per request', format: formatFigure, rows: cells.map((cell) => row(cell, cell.bytesPerRequest!)) },
          ],
        }),
      },
    ];
  });
}

/** github-action-benchmark series: instructions per request per cell. */
function gabEntries(result: RequestInstructionResult): GabEntry[] {
  return result.cells.flatMap((cell) =>
    cell.perRequest
      ? [
          {
            name: `request-instructions/${cell.label}/${cell.tracer}/${cell.scenario}/node${cell.node}`,
            unit: 'instructions/request',
            value: Math.round(cell.perRequest.mean),
            range: `± ${formatFigure(Math.max(cell.perRequest.mean - cell.perRequest.min, cell.perRequest.max - cell.perRequest.mean))}`,
            extra: `whole requests through the server under valgrind, ${cell.request}; commit ${shortCommit(result.env.gitCommit)}, ${cell.nodeVersion}`,
          },
        ]
      : [],
  );
}

export function buildRequestInstructionReport(result: RequestInstructionResult, format: ReportFormat, load?: { result: ResultFile; file: string }): ReportFile[] {
  if (format === 'gab') return [{ name: GAB_FILE_NAMES.smallerIsBetter, content: `${JSON.stringify(gabEntries(result), null, 2)}\n` }];
  const made = charts(result);
  const markdown = [
    '# streamtrace-bench: instructions per request',
    caption(result).join('  \n'),
    '## Cells',
    renderRequestInstructionMarkdown(result),
    ...(load ? [renderAgainstLoadMarkdown(instructionsAgainstLoad(result, load.result), load.file)] : []),
    '## Charts',
    ...made.map((chart) => `### ${chart.title}\n\n${chart.description}\n\n![${chart.title}](${encodeURI(chart.file)})`),
  ];
  return [...made.map((chart) => ({ name: chart.file, content: chart.svg })), { name: 'report.md', content: `${markdown.join('\n\n')}\n` }];
}
