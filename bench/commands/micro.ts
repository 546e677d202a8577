/**
 * npm run bench:micro -- [--json FILE] [--time MS] [--node 24|22|20|system]
 * npm run bench:micro -- --instructions [--json FILE] [--repeats R] [--node 24|22|20|system] [--jobs J] [--cases TRACER/NAME,...] [--strategy-module PATH]
 *
 * Wall clock (the default): the CPU cost of keeping one root open through one stream's life, per
 * strategy that owns the root, beside a no-strategy baseline and the SDK's span work alone, under
 * every tracer, without the network (bench/micro/micro.ts), in children on the chosen Node
 * (default 24). --time is tinybench's budget per measurement (default 1000 ms).
 *
 * --instructions: the same questions as instruction counts under valgrind (cachegrind), which the
 * host's load cannot move (bench/micro/instructions.ts): each case a synchronous loop in a child
 * process on the chosen Node (default 24), at two iteration counts, --repeats times (default 3),
 * --jobs children at once (default 2). Needs valgrind; without it, one line and exit 2.
 *
 * Prints a table; --json also writes the figures (validated against results/micro-schema.ts or
 * results/instruction-schema.ts, written atomically). Exit 0 when it ran (and, for instructions,
 * every case repeated within 2 % and the calibration held), 1 when a measurement failed or did
 * not hold, 2 on bad input, 130 on Ctrl-C (nothing written).
 */
import { existsSync, statSync } from 'node:fs';
import { writeResultFile } from '../common/atomic-write.ts';
import { killAllChildren } from '../common/children.ts';
import { defineCommand, parseChoice, parseFlags, parseIntegerFlag, runCommand, UsageError } from '../common/cli.ts';
import { DEFAULT_NODE, NODE_RUNTIMES } from '../common/node-runtime.ts';
import { strategyModuleOf } from '../../strategies/registry.ts';
import { STRATEGY_MODULE_FLAG, useStrategyModule } from '../harness/strategy-selection.ts';

/** Not parseArgs defaults: an absent flag must stay undefined, to tell which mode it belongs to. */
const DEFAULTS = { time: '1000', repeats: '3', jobs: '2' };

const COMMAND = defineCommand({
  usage: 'npm run bench:micro -- [flags]',
  flags: {
    json: { type: 'string', value: 'FILE', help: 'also write the figures there, as JSON' },
    time: { type: 'string', value: 'MS', help: "wall clock: tinybench's budget per measurement", integer: [10, 600_000], defaultText: DEFAULTS.time },
    instructions: { type: 'boolean', default: false, help: 'count instructions under valgrind instead of timing' },
    repeats: { type: 'string', value: 'R', help: '--instructions: repeats of each case', integer: [1, 20], defaultText: DEFAULTS.repeats },
    node: { type: 'string', value: 'V', help: `the Node the children run on: ${NODE_RUNTIMES.join(', ')}`, defaultText: DEFAULT_NODE },
    jobs: { type: 'string', value: 'J', help: '--instructions: children at once', integer: [1, 64], defaultText: DEFAULTS.jobs },
    cases: { type: 'string', value: 'TRACER/NAME,...', help: '--instructions: the cases to count', defaultText: 'all' },
    'strategy-module': { ...STRATEGY_MODULE_FLAG, help: `--instructions: ${STRATEGY_MODULE_FLAG.help}` },
  },
});

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), COMMAND);
  const jsonPath = values.json;
  if (jsonPath !== undefined && jsonPath.trim() === '') throw new UsageError('--json needs a file path (accepted: --json FILE)');
  if (jsonPath !== undefined && existsSync(jsonPath) && statSync(jsonPath).isDirectory()) {
    throw new UsageError(`--json ${jsonPath} is a directory (accepted: a file path to write)`);
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const written = jsonPath === undefined ? '' : `\n\nfigures written to ${jsonPath}`;

  process.once('SIGINT', () => {
    killAllChildren();
    process.stderr.write('\ninterrupted: nothing written\n');
    process.exit(130);
  });

  if (values.instructions) {
    if (values.time !== undefined) throw new UsageError('--time is for the wall-clock micro benchmark (accepted with --instructions: --json, --repeats, --node, --jobs, --cases, --strategy-module)');
    const repeats = parseIntegerFlag(COMMAND, 'repeats', values.repeats ?? DEFAULTS.repeats);
    const jobs = parseIntegerFlag(COMMAND, 'jobs', values.jobs ?? DEFAULTS.jobs);
    const node = parseChoice('node', values.node ?? DEFAULT_NODE, NODE_RUNTIMES);
    const only = values.cases?.split(',').map((key) => key.trim());
    const modules = [];
    for (const path of values['strategy-module'] ?? []) modules.push(strategyModuleOf(await useStrategyModule(path))!);
    // The cases and the schema library load only once the flags are good: bad input fails fast.
    const [{ instructionsHold, renderInstructionTable, runInstructions }, { validateInstructionResult }] = await Promise.all([
      import('../micro/instructions.ts'),
      import('../../results/instruction-schema.ts'),
    ]);
    const result = await runInstructions({ repeats, jobs, node, only, modules, log });
    writeResultFile(jsonPath, result, validateInstructionResult, 'results/instruction-schema.ts');
    process.stdout.write(`${renderInstructionTable(result)}${written}\n`);
    return instructionsHold(result) ? 0 : 1;
  }

  for (const flag of ['repeats', 'jobs', 'cases', 'strategy-module'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --instructions (accepted without it: --json, --time, --node)`);
  }
  const timeMs = parseIntegerFlag(COMMAND, 'time', values.time ?? DEFAULTS.time);
  const [{ renderMicroTable, runMicro }, { validateMicroResult }] = await Promise.all([import('../micro/micro.ts'), import('../../results/micro-schema.ts')]);
  const result = await runMicro({ timeMs, node: parseChoice('node', values.node ?? DEFAULT_NODE, NODE_RUNTIMES), log });
  writeResultFile(jsonPath, result, validateMicroResult, 'results/micro-schema.ts');
  process.stdout.write(`${renderMicroTable(result)}${written}\n`);
});
