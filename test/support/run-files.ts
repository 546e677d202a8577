/**
 * Runs test files in the order given, --concurrency at a time, as `node --test` would but for the
 * order: `node --test` sorts its files by name, and a long file that sorts late then runs alone at
 * the end with a core idle. The package.json lists put the longest first. The report is TAP, or
 * spec on a terminal; the exit code is 1 when any test failed.
 */
import { resolve } from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import { parseArgs } from 'node:util';
import { ROOT } from './run.ts';

const { values, positionals } = parseArgs({ options: { concurrency: { type: 'string', default: '1' } }, allowPositionals: true });
const stream = run({ files: positionals.map((file) => resolve(ROOT, file)), concurrency: Number(values.concurrency) });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
