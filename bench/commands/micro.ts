/**
 * npm run bench:micro -- [--json FILE] [--time MS] [--node 24|22|20|system]
 * npm run bench:micro -- --instructions [--json FILE] [--repeats R] [--node 24|22|20|system] [--jobs J] [--cases TRACER/NAME,...]
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
import { validateInstructionResult } from '../../results/instruction-schema.ts';
import { validateMicroResult } from '../../results/micro-schema.ts';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { killAllChildren } from '../common/children.ts';
import { parseChoice, parseFlags, parseInteger, runCommand, UsageError } from '../common/cli.ts';
import { DEFAULT_NODE, NODE_RUNTIMES } from '../common/node-runtime.ts';
import { instructionsHold, renderInstructionTable, runInstructions, stopInstructionChildren } from '../micro/instructions.ts';
import { renderMicroTable, runMicro } from '../micro/micro.ts';

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    json: { type: 'string' },
    time: { type: 'string' },
    instructions: { type: 'boolean', default: false },
    repeats: { type: 'string' },
    node: { type: 'string' },
    jobs: { type: 'string' },
    cases: { type: 'string' },
  });
  const jsonPath = values.json;
  if (jsonPath !== undefined && jsonPath.trim() === '') throw new UsageError('--json needs a file path (accepted: --json FILE)');
  if (jsonPath !== undefined && existsSync(jsonPath) && statSync(jsonPath).isDirectory()) {
    throw new UsageError(`--json ${jsonPath} is a directory (accepted: a file path to write)`);
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const written = jsonPath === undefined ? '' : `\n\nfigures written to ${jsonPath}`;

  process.once('SIGINT', () => {
    killAllChildren();
    stopInstructionChildren();
    process.stderr.write('\ninterrupted: nothing written\n');
    process.exit(130);
  });

  if (values.instructions) {
    if (values.time !== undefined) throw new UsageError('--time is for the wall-clock micro benchmark (accepted with --instructions: --json, --repeats, --node, --jobs, --cases)');
    const repeats = parseInteger('repeats', values.repeats ?? '3', 1, 20);
    const jobs = parseInteger('jobs', values.jobs ?? '2', 1, 64);
    const node = parseChoice('node', values.node ?? DEFAULT_NODE, NODE_RUNTIMES);
    const only = values.cases?.split(',').map((key) => key.trim());
    const result = await runInstructions({ repeats, jobs, node, only, log });
    const validation = validateInstructionResult(result);
    if (!validation.ok) throw new Error(`the figures do not match results/instruction-schema.ts: ${validation.error}`);
    if (jsonPath !== undefined) writeFileAtomic(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderInstructionTable(result)}${written}\n`);
    return instructionsHold(result) ? 0 : 1;
  }

  for (const flag of ['repeats', 'jobs', 'cases'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --instructions (accepted without it: --json, --time, --node)`);
  }
  const timeMs = parseInteger('time', values.time ?? '1000', 10, 600_000);
  const result = await runMicro({ timeMs, node: parseChoice('node', values.node ?? DEFAULT_NODE, NODE_RUNTIMES), log });
  const validation = validateMicroResult(result);
  if (!validation.ok) throw new Error(`the figures do not match results/micro-schema.ts: ${validation.error}`);
  if (jsonPath !== undefined) writeFileAtomic(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${renderMicroTable(result)}${written}\n`);
});
