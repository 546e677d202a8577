/**
 * npm run report -- RESULT.json [--out DIR] [--format md|gab]
 *
 * md (default): one SVG chart per figure (rendered in Node by ECharts' server-side SVG renderer)
 * and report.md embedding them with relative links and a summary table.
 * gab: customBiggerIsBetter.json and customSmallerIsBetter.json for github-action-benchmark.
 * RESULT.json may also be instruction counts (npm run bench:micro -- --instructions --json, or
 * npm run bench -- --instructions): md charts them; gab writes customSmallerIsBetter.json. With
 * --load LOAD.json, the report of whole-request counts also sets each cell beside the load run's
 * CPU per request and says how well the two rank the cells alike.
 * Every file is written atomically; bad input is one line, exit 2, nothing written.
 */
import { defineCommand, parseChoice, parseFlags, runCommand, UsageError } from '../common/cli.ts';
import { REPORT_FORMATS } from '../report/report-format.ts';

const DEFAULT_OUT = 'results/report';

const COMMAND = defineCommand({
  usage: 'npm run report -- RESULT.json [flags]',
  positionals: true,
  flags: {
    out: { type: 'string', value: 'DIR', help: 'the folder to write the files into', default: DEFAULT_OUT },
    load: { type: 'string', value: 'LOAD.json', help: 'whole-request instruction counts only: set each cell beside this load run\'s CPU per request' },
    format: { type: 'string', value: 'FORMAT', help: `${REPORT_FORMATS.join(' or ')}: SVG charts and report.md, or github-action-benchmark's files`, default: 'md' },
  },
});

runCommand(async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), COMMAND);
  if (positionals.length !== 1) throw new UsageError(`expected one result file, RESULT.json, got ${positionals.length}`);
  const format = parseChoice('format', values.format, REPORT_FORMATS);
  // The reader brings the schema library: it loads once the flags are good, so bad flags fail fast.
  const { readReportInput } = await import('../report/read-result.ts');
  const input = readReportInput(positionals[0] as string);
  const out = values.out;
  if (values.load !== undefined && input.kind !== 'request-instructions') {
    throw new UsageError('--load sets whole-request instruction counts beside a load run: RESULT.json must come from npm run bench -- --instructions');
  }
  const load = values.load === undefined ? undefined : readReportInput(values.load);
  if (load && load.kind !== 'load') throw new UsageError(`--load ${values.load}: not a load result (accepted: a file from npm run bench)`);

  // The charting code loads only once the input is known good: bad input fails fast.
  const { buildReport, writeReport } = await import('../report/report.ts');
  const { buildInstructionReport } = await import('../report/instruction-report.ts');
  const { buildRequestInstructionReport } = await import('../report/request-instruction-report.ts');
  const files =
    input.kind === 'instructions'
      ? buildInstructionReport(input.result, format)
      : input.kind === 'request-instructions'
        ? buildRequestInstructionReport(input.result, format, load?.kind === 'load' ? { result: load.result, file: values.load! } : undefined)
        : buildReport(input.result, format);
  writeReport(out, files);
  process.stdout.write(`wrote ${files.length} files to ${out}: ${files.map((file) => file.name).join(', ')}\n`);
});
