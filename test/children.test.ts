import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killChild, spawnChild, stopAllChildren, stopChild, withParentDeathSignal } from '../bench/common/children.ts';
import { childPids, eventually, isAlive, processStat, ROOT } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

after(() => stopAllChildren());

/** The process state letter from /proc (T = stopped), or null once it is gone or a zombie. */
function processState(pid: number): string | null {
  const state = processStat(pid)?.state ?? null;
  return state === 'Z' ? null : state;
}

test('a stopped (SIGSTOP) child is stopped for good by stopChild and by stopAllChildren', async () => {
  for (const stop of [(child: ChildProcess) => stopChild(child, 200), () => stopAllChildren()]) {
    const child = spawnChild('sleep', ['60']);
    const pid = child.pid!;
    child.kill('SIGSTOP');
    assert.ok(await eventually(() => processState(pid) === 'T'), 'timed out waiting until the child shows stopped');
    await stop(child);
    assert.equal(processState(pid), null, 'the stopped child survived');
  }
});

test('a detached child is killed with its whole process group, even after its leader exits', async () => {
  // The leader starts a grandchild in its group and exits at once.
  const leader = spawnChild('sh', ['-c', 'sleep 60 & echo $!'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  leader.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  await new Promise((resolve) => leader.once('exit', resolve));
  const grandchild = Number(output.trim());
  assert.ok(isAlive(grandchild), 'the grandchild did not start');
  killChild(leader);
  assert.ok(await eventually(() => processState(grandchild) === null), 'timed out waiting until the grandchild is gone');
});

test('a child dies with a harness killed outright (SIGKILL), frozen or not', async () => {
  // A harness that starts two children and freezes one once it runs its program (a server is
  // frozen only once it is ready), then says which they are.
  const script = `
    import { readFileSync } from 'node:fs';
    import { spawnChild } from './bench/common/children.ts';
    const running = spawnChild('sleep', ['60']);
    const frozen = spawnChild('sleep', ['60']);
    while (!readFileSync('/proc/' + frozen.pid + '/cmdline', 'utf8').startsWith('sleep')) await new Promise((resolve) => setTimeout(resolve, 5));
    frozen.kill('SIGSTOP');
    process.stdout.write(running.pid + ' ' + frozen.pid + '\\n');
    setInterval(() => {}, 1_000);
  `;
  // The harness itself dies with this test process, should it be killed mid-test.
  const [command, ...args] = withParentDeathSignal('KILL', process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  const harness = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  harness.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  assert.ok(await eventually(() => output.includes('\n'), 30_000), 'timed out waiting until the harness started its children');
  const pids = output.trim().split(' ').map(Number);
  assert.deepEqual(childPids(harness.pid!).sort(), [...pids].sort());
  harness.kill('SIGKILL');
  assert.ok(await eventually(() => pids.every((pid) => processState(pid) === null)), 'timed out waiting until both children are gone');
});

test('the test files runner ended by SIGTERM ends its test files and what they started', async () => {
  const pidsFile = join(scratchDirectory('run-files'), 'pids');
  // Told to end its run should this test process be killed mid-test.
  const [command, ...args] = withParentDeathSignal('TERM', process.execPath, ['--import', 'tsx', 'test/support/run-files.ts', 'test/fixtures/waiting-test-file.ts']);
  const runner = spawn(command, args, {
    cwd: ROOT,
    // Without NODE_TEST_CONTEXT, which tells run() that it runs inside a test file, and to run nothing.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, PIDS_FILE: pidsFile },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => runner.once('exit', resolve));
  try {
    assert.ok(await eventually(() => existsSync(pidsFile) && readFileSync(pidsFile, 'utf8').endsWith('\n'), 30_000), 'timed out waiting until the test file started its child');
    const pids = readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number);
    runner.kill('SIGTERM');
    assert.equal(await exited, 1, 'an ended run is not a passing one');
    assert.ok(await eventually(() => pids.every((pid) => processState(pid) === null)), 'timed out waiting until the test file and its child are gone');
  } finally {
    runner.kill('SIGKILL');
  }
});

test('a detached child keeps its niced parent\'s CPU priority: its new session is not scheduled at nice 0', { skip: !existsSync('/proc/self/autogroup') && 'no autogroup on this kernel' }, async () => {
  const script = `
    import { readFileSync } from 'node:fs';
    import { getPriority } from 'node:os';
    import { killChild, spawnChild } from './bench/common/children.ts';
    const child = spawnChild('sleep', ['60'], { detached: true, stdio: 'ignore' });
    process.stdout.write(getPriority() + ' ' + readFileSync('/proc/' + child.pid + '/autogroup', 'utf8'));
    killChild(child);
  `;
  // nice adds to the test's own nice (19 under npm test's parallel files), up to 19.
  const niced = spawn('nice', ['-n', '7', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  niced.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  assert.equal(await new Promise((resolve) => niced.once('exit', resolve)), 0);
  const [, nice, groupNice] = /^(\d+) \/autogroup-\d+ nice (-?\d+)$/m.exec(output) ?? [];
  assert.ok(Number(nice) >= 7, output);
  assert.equal(groupNice, nice, 'the child\'s session is scheduled at the nice of the process that started it');
});
