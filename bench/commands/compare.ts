/**
 * npm run compare -- BASE.json HEAD.json [--threshold PCT] [--max-noise PCT] [--json | --markdown] (--help: the flags)
 *
 * Compares two result files of one kind cell by cell: load results (bench/report/compare.ts) or
 * whole-request instruction counts (bench/report/instruction-compare.ts). Prints a table (or
 * Markdown for a PR comment, or JSON), warns when the runs come from different machines or
 * configurations. Exit 0 without regression, 1 with one, 2 on bad input (one line naming the
 * file; two files of different kinds included).
 */
import type { ReportInput } from '../report/read-result.ts';
import { defineCommand, parseFlags, runCommand, UsageError } from '../common/cli.ts';
import { compareResults, comparisonExitCode } from '../report/compare.ts';
import { renderComparisonMarkdown, renderComparisonText } from '../report/comparison-report.ts';
import { DEFAULT_MAX_NOISE } from '../../results/host-noise.ts';

const COMMAND = defineCommand({
  usage: 'npm run compare -- BASE.json HEAD.json [flags]',
  positionals: true,
  flags: {
    threshold: { type: 'string', value: 'PCT', help: 'a regression smaller than this percentage does not fail: a number from 0, e.g. 5 or 2.5', defaultText: '0 for load results, 1 for instruction counts' },
    'max-noise': {
      type: 'string',
      value: 'PCT',
      help: "no wall-clock difference is called when either file's host noise (the reference work's CV) is above this percentage: a number from 0, e.g. 5 or 10",
      defaultText: `${DEFAULT_MAX_NOISE * 100} (load results only)`,
    },
    json: { type: 'boolean', default: false, help: 'print the comparison as JSON' },
    markdown: { type: 'boolean', default: false, help: 'print it as Markdown, for a pull request comment (not with --json)' },
  },
});

const KIND_NAMES: Record<ReportInput['kind'], string> = {
  load: 'a load result',
  instructions: 'micro instruction counts',
  'request-instructions': 'whole-request instruction counts',
};

runCommand(async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), COMMAND);
  if (positionals.length !== 2) {
    throw new UsageError(`expected two result files, BASE.json HEAD.json, got ${positionals.length}`);
  }
  if (values.json && values.markdown) throw new UsageError('--json and --markdown exclude each other: choose one');
  const thresholdPercent = values.threshold === undefined ? undefined : parsePercent('threshold', values.threshold);
  const maxNoise = values['max-noise'] === undefined ? DEFAULT_MAX_NOISE : parsePercent('max-noise', values['max-noise']) / 100;
  const [baseFile, headFile] = positionals as [string, string];
  // The reader brings the schema library: it loads once the flags are good, so bad flags fail fast.
  const { readReportInput } = await import('../report/read-result.ts');
  const baseInput = readReportInput(baseFile);
  const headInput = readReportInput(headFile);
  if (baseInput.kind !== headInput.kind) {
    throw new UsageError(`${baseFile} holds ${KIND_NAMES[baseInput.kind]} and ${headFile} ${KIND_NAMES[headInput.kind]}: compare takes two files of one kind`);
  }
  if (baseInput.kind === 'instructions') {
    throw new UsageError('compare takes load results or whole-request instruction counts (npm run bench -- --instructions), not micro instruction cases');
  }
  if (baseInput.kind === 'request-instructions' && headInput.kind === 'request-instructions') {
    // The host's load cannot move instruction counts: --max-noise is for wall-clock figures.
    const { compareInstructionResults, instructionComparisonExitCode, renderInstructionComparisonMarkdown, renderInstructionComparisonText } = await import('../report/instruction-compare.ts');
    const comparison = compareInstructionResults(baseInput.result, headInput.result, { thresholdPercent: thresholdPercent ?? 1, baseFile, headFile });
    process.stdout.write(
      values.json
        ? `${JSON.stringify(comparison, null, 2)}\n`
        : values.markdown
          ? renderInstructionComparisonMarkdown(comparison, baseInput.result, headInput.result)
          : `${renderInstructionComparisonText(comparison, baseInput.result, headInput.result)}\n`,
    );
    return instructionComparisonExitCode(comparison);
  }
  if (baseInput.kind !== 'load' || headInput.kind !== 'load') throw new Error('unreachable: the kinds were checked above');
  const base = baseInput.result;
  const head = headInput.result;

  const comparison = compareResults(base, head, { thresholdPercent: thresholdPercent ?? 0, baseFile, headFile, maxNoise });
  const output = values.json
    ? `${JSON.stringify(comparison, null, 2)}\n`
    : values.markdown
      ? renderComparisonMarkdown(comparison)
      : `${renderComparisonText(comparison)}\n`;
  process.stdout.write(output);
  return comparisonExitCode(comparison);
});


/** A percentage: a finite number from 0 up, fractions allowed (2.5). */
function parsePercent(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new UsageError(`--${flag} must be a percentage of 0 or more, e.g. 5 or 2.5, got '${value}'`);
  }
  return number;
}
