/**
 * npm test, after the build: test:serial (the files whose verdicts depend on timing, one at a
 * time) at normal priority, and beside it test:parallel (the files whose checks hold whatever else
 * runs, two at a time) at the lowest priority, nice 19. The serial files keep the CPU whenever they
 * want it; the others take only what they leave idle (a serial file keeps about one of two cores
 * busy).
 * The serial output is shown as it comes, the parallel output whole once the serial files are done.
 * Exits non-zero when either failed.
 */
import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withParentDeathSignal } from '../../bench/common/children.ts';
import { ROOT } from './run.ts';

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function finished(child: ChildProcess): Promise<Finished> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/**
 * A package.json test script (`node --import tsx test/support/run-files.ts FILES`), run by this
 * Node with nothing between: npm and its shell do not pass SIGTERM on, and the files' runner must
 * get it to end its test files. It gets SIGTERM too should this process die, even by SIGKILL.
 */
function runScript(script: string, stdio: StdioOptions, niceness = 0): ChildProcess {
  const [program, ...args] = (scripts[script] ?? '').split(' ');
  if (program !== 'node') throw new Error(`package.json's ${script} must be a node command line, found: ${scripts[script]}`);
  const [command, ...rest] = withParentDeathSignal('TERM', 'nice', ['-n', String(niceness), process.execPath, ...args]);
  return spawn(command, rest, { cwd: ROOT, stdio });
}
const serial = runScript('test:serial', 'inherit');
const parallel = runScript('test:parallel', ['ignore', 'pipe', 'pipe'], 19);
const parallelOutput: Buffer[] = [];
parallel.stdout!.on('data', (chunk: Buffer) => parallelOutput.push(chunk));
parallel.stderr!.on('data', (chunk: Buffer) => parallelOutput.push(chunk));

// Ctrl-C or a CI runner's SIGTERM: both runners end their test files (a runner takes the first
// signal it gets, from here or from the terminal), and this process still reports.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    serial.kill('SIGTERM');
    parallel.kill('SIGTERM');
  });
}

const serialEnd = await finished(serial);
const parallelEnd = await finished(parallel);
process.stdout.write(`\n# test:parallel (ran beside test:serial at nice 19)\n${Buffer.concat(parallelOutput).toString('utf8')}`);
const failed = (end: Finished): boolean => end.code !== 0;
for (const [name, end] of [['test:serial', serialEnd], ['test:parallel', parallelEnd]] as const) {
  if (failed(end)) process.stderr.write(`${name} failed (${end.signal ?? `exit ${end.code}`})\n`);
}
process.exitCode = failed(serialEnd) || failed(parallelEnd) ? 1 : 0;
