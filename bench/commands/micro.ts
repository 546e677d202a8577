/**
 * npm run bench:micro -- [--json FILE] [--time MS]
 *
 * The CPU cost of keeping one root open through one stream's life, per strategy that owns the
 * root, beside a no-strategy baseline and the SDK's span work alone, under both tracer
 * lifecycles, without the network (bench/micro.ts). Prints a table; --json also writes the
 * figures (validated against results/micro-schema.ts, written atomically). --time is tinybench's
 * budget per measurement (default 1000 ms). Exit 0 when it ran, 1 when a measurement failed,
 * 2 on bad input, 130 on Ctrl-C (nothing written).
 */
import { existsSync, statSync } from 'node:fs';
import { validateMicroResult } from '../../results/micro-schema.ts';
import { writeFileAtomic } from '../common/atomic-write.ts';
import { parseFlags, parseInteger, runCommand, UsageError } from '../common/cli.ts';
import { renderMicroTable, runMicro, stopMicroChildren } from '../micro/micro.ts';

runCommand(async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    json: { type: 'string' },
    time: { type: 'string', default: '1000' },
  });
  const timeMs = parseInteger('time', values.time, 10, 600_000);
  const jsonPath = values.json;
  if (jsonPath !== undefined && jsonPath.trim() === '') throw new UsageError('--json needs a file path (accepted: --json FILE)');
  if (jsonPath !== undefined && existsSync(jsonPath) && statSync(jsonPath).isDirectory()) {
    throw new UsageError(`--json ${jsonPath} is a directory (accepted: a file path to write)`);
  }

  process.once('SIGINT', () => {
    stopMicroChildren();
    process.stderr.write('\ninterrupted: nothing written\n');
    process.exit(130);
  });

  const result = await runMicro({ timeMs, log: (line) => process.stderr.write(`${line}\n`) });
  const validation = validateMicroResult(result);
  if (!validation.ok) throw new Error(`the figures do not match results/micro-schema.ts: ${validation.error}`);
  if (jsonPath !== undefined) writeFileAtomic(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${renderMicroTable(result)}${jsonPath === undefined ? '' : `\n\nfigures written to ${jsonPath}`}\n`);
});
