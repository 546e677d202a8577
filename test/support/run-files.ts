/**
 * Runs test files in the order given, --concurrency at a time, as `node --test` would but for the
 * order: `node --test` sorts its files by name, and a long file that sorts late then runs alone at
 * the end with a core idle. The package.json lists put the longest first. The report is TAP, or
 * spec on a terminal; the exit code is 1 when any test failed.
 * SIGTERM or SIGINT ends the run: node:test kills the test files' processes, and what they started
 * dies with them (the parent-death signal of bench/common/children.ts).
 */
import { resolve } from 'node:path';
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';
import { parseArgs } from 'node:util';
import { ROOT } from './run.ts';

const { values, positionals } = parseArgs({ options: { concurrency: { type: 'string', default: '1' } }, allowPositionals: true });
const abort = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.exitCode = 1;
    abort.abort();
  });
}
const stream = run({ files: positionals.map((file) => resolve(ROOT, file)), concurrency: Number(values.concurrency), signal: abort.signal });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(process.stdout.isTTY ? new spec() : tap).pipe(process.stdout);
