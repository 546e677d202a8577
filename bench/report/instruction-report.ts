import type { InstructionCaseResult, InstructionResult, Spread } from '../../results/instruction-schema.ts';
import { formatFigure, shortCommit } from '../common/format.ts';
import { renderMarkdownTable } from '../common/markdown-table.ts';
import type { GabEntry } from './gab.ts';
import { GAB_FILE_NAMES } from './gab.ts';
import { renderIntervalChart, type IntervalRow } from './interval-chart.ts';
import type { ReportFile } from './report.ts';
import type { ReportFormat } from './report-format.ts';

/**
 * `npm run report` for an instruction-count file (npm run bench:micro -- --instructions --json):
 * md: two charts (each strategy's own instructions per stream; every case per unit) and
 * report.md; gab: customSmallerIsBetter.json, one series per case, so CI can track them.
 */

const WHISKERS = 'whiskers: lowest to highest of the repeats';

function caption(result: InstructionResult): string[] {
  const { env, config } = result;
  return [
    `${env.cpuModel} · ${config.node} ${config.nodeFlags.join(' ')} · @sentry/node ${env.packages['@sentry/node'] ?? 'not installed'}`,
    `${config.valgrind} · ${config.repeats} repeats · commit ${shortCommit(env.gitCommit)}${env.gitDirty ? ' with uncommitted changes' : ''} · run of ${result.createdAt.slice(0, 16).replace('T', ' ')} UTC`,
  ];
}

const rowOf = (name: string, group: string, spread: Spread): IntervalRow => ({ name, group, median: spread.mean, ci95: [spread.min, spread.max] });
const caseName = (entry: InstructionCaseResult): string => `${entry.name} / ${entry.tracer}`;

function charts(result: InstructionResult): { file: string; title: string; description: string; svg: string }[] {
  const strategies = result.cases.filter((entry) => entry.ownCost);
  const own = {
    file: 'instructions-own-per-stream.svg',
    title: 'Own instructions per stream',
    description: `Each strategy's instructions for one stream's life (${result.config.chunksPerStream} chunks), minus the same stream without a strategy: fewer is better.`,
  };
  const all = {
    file: 'instructions-per-unit.svg',
    title: 'Instructions per unit, every case',
    description: 'Every case, per its own unit (a stream, an open stream per tick, a child span, a root, a loop iteration): fewer is better.',
  };
  return [
    {
      ...own,
      svg: renderIntervalChart({
        title: own.title,
        subtitle: `${own.description} Counted by cachegrind; ${WHISKERS}.`,
        rowAxisName: 'strategy / tracer',
        caption: caption(result),
        panels: [{ axisName: 'instructions per stream', format: formatFigure, rows: strategies.map((entry) => rowOf(caseName(entry), entry.tracer, entry.ownCost!)) }],
      }),
    },
    {
      ...all,
      svg: renderIntervalChart({
        title: all.title,
        subtitle: `${all.description} Counted by cachegrind; ${WHISKERS}.`,
        rowAxisName: 'case / tracer',
        caption: caption(result),
        panels: [{ axisName: 'instructions per unit', format: formatFigure, rows: result.cases.map((entry) => rowOf(`${caseName(entry)} (${entry.unit})`, entry.tracer, entry.perUnit)) }],
      }),
    },
  ];
}

/** github-action-benchmark series: instructions per unit, and each strategy's own share. */
export function instructionGabEntries(result: InstructionResult): GabEntry[] {
  const origin = `commit ${shortCommit(result.env.gitCommit)}, ${result.config.node}`;
  const entry = (name: string, unit: string, spread: Spread, what: string): GabEntry => ({
    name,
    unit,
    value: Math.round(spread.mean),
    range: `± ${formatFigure(Math.max(spread.mean - spread.min, spread.max - spread.mean))}`,
    extra: `${what}; repeats from ${formatFigure(spread.min)} to ${formatFigure(spread.max)}, n = ${result.config.repeats}; ${origin}`,
  });
  return result.cases.flatMap((item) => [
    entry(`instructions/${item.tracer}/${item.name} per ${item.unit}`, `instructions/${item.unit}`, item.perUnit, 'instructions counted by cachegrind, per unit'),
    ...(item.ownCost
      ? [entry(`instructions/${item.tracer}/${item.name} own per stream`, 'instructions/stream', item.ownCost, "the strategy's own instructions per stream (minus no strategy)")]
      : []),
  ]);
}

export function buildInstructionReport(result: InstructionResult, format: ReportFormat): ReportFile[] {
  if (format === 'gab') return [{ name: GAB_FILE_NAMES.smallerIsBetter, content: `${JSON.stringify(instructionGabEntries(result), null, 2)}\n` }];
  const made = charts(result);
  const spread = (value: Spread): string => `${formatFigure(value.mean)} [${formatFigure(value.min)}, ${formatFigure(value.max)}]`;
  const rows = result.cases.map((entry) => [
    entry.tracer,
    entry.name,
    entry.unit,
    spread(entry.perUnit),
    entry.ownCost ? spread(entry.ownCost) : '-',
    formatFigure(entry.bytesPerUnit.mean),
  ]);
  const markdown = [
    '# streamtrace-bench instruction counts',
    caption(result).join('  \n'),
    '## Cases',
    renderMarkdownTable(['tracer', 'case', 'unit', 'instructions per unit [repeats]', 'own per stream [repeats]', 'heap bytes allocated per unit'], rows),
    'The children run no garbage collection, so none is counted; the bytes allocated are what a collector would have to collect.',
    ...result.calibration.map((check) => `- calibration, ${check.name}: ${check.measured.toFixed(3)} (expected ${check.expected} within ${check.tolerancePercent} %): ${check.pass ? 'pass' : 'FAIL'}; ${check.detail}`),
    '## Charts',
    ...made.map((chart) => `### ${chart.title}\n\n${chart.description}\n\n![${chart.title}](${encodeURI(chart.file)})`),
  ];
  return [...made.map((chart) => ({ name: chart.file, content: chart.svg })), { name: 'report.md', content: `${markdown.join('\n\n')}\n` }];
}
