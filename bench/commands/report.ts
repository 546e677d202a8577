/**
 * npm run report -- RESULT.json [--out DIR] [--format md|gab]
 *
 * md (default): one SVG chart per figure (rendered in Node by ECharts' server-side SVG renderer)
 * and report.md embedding them with relative links and a summary table.
 * gab: customBiggerIsBetter.json and customSmallerIsBetter.json for github-action-benchmark.
 * RESULT.json may also be instruction counts (npm run bench:micro -- --instructions --json): md
 * charts them; gab writes customSmallerIsBetter.json (instructions per unit).
 * Every file is written atomically; bad input is one line, exit 2, nothing written.
 */
import { readReportInput } from '../report/read-result.ts';
import { defineCommand, parseChoice, parseFlags, runCommand, UsageError } from '../common/cli.ts';
import { REPORT_FORMATS } from '../report/report-format.ts';

const DEFAULT_OUT = 'results/report';

const COMMAND = defineCommand({
  usage: 'npm run report -- RESULT.json [flags]',
  positionals: true,
  flags: {
    out: { type: 'string', value: 'DIR', help: 'the folder to write the files into', default: DEFAULT_OUT },
    format: { type: 'string', value: 'FORMAT', help: `${REPORT_FORMATS.join(' or ')}: SVG charts and report.md, or github-action-benchmark's files`, default: 'md' },
  },
});

runCommand(async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), COMMAND);
  if (positionals.length !== 1) throw new UsageError(`expected one result file, RESULT.json, got ${positionals.length}`);
  const format = parseChoice('format', values.format, REPORT_FORMATS);
  const input = readReportInput(positionals[0] as string);
  const out = values.out;

  // The charting code loads only once the input is known good: bad input fails fast.
  const { buildReport, writeReport } = await import('../report/report.ts');
  const { buildInstructionReport } = await import('../report/instruction-report.ts');
  const { buildRequestInstructionReport } = await import('../report/request-instruction-report.ts');
  const files =
    input.kind === 'instructions'
      ? buildInstructionReport(input.result, format)
      : input.kind === 'request-instructions'
        ? buildRequestInstructionReport(input.result, format)
        : buildReport(input.result, format);
  writeReport(out, files);
  process.stdout.write(`wrote ${files.length} files to ${out}: ${files.map((file) => file.name).join(', ')}\n`);
});
