import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Progress } from '../bench/common/progress.ts';
import { runBench } from '../bench/harness/bench-run.ts';
import { validateResult } from '../results/schema.ts';
import { isAlive, processStat, serverPids, sleep, startEntry } from './support/run.ts';

// The load run when a process dies under it: the harness killed outright, or one of its servers.

/** The process state letter (R, S, T = stopped, ...), or null once it is gone. */
const processState = (pid: number): string | null => processStat(pid)?.state ?? null;

test('the harness killed with SIGKILL while servers are frozen: no server survives', async () => {
  const bench = startEntry('bench/commands/bench.ts', ['--strategies', 'untraced,close-listener,timer-keepalive', '--tracers', 'sentry-static',
    '--scenarios', 'sse-tokens', '--trials', '5', '--duration', '2', '--warmup', '0', '--out', '/dev/null']);
  try {
    // Wait until a trial runs: then every server but the measured one is frozen.
    await bench.until(() => serverPids(bench.pid).filter((pid) => processState(pid) === 'T').length >= 2, 'frozen servers');
    const servers = serverPids(bench.pid);
    assert.equal(servers.length, 3);
    bench.kill('SIGKILL');
    await bench.finished;
    for (const deadline = Date.now() + 5_000; servers.some(isAlive) && Date.now() < deadline; ) await sleep(50);
    for (const pid of servers) assert.equal(isAlive(pid), false, `server ${pid} (${processState(pid)}) outlived the harness`);
  } finally {
    bench.kill('SIGKILL');
  }
});

/** The pid of this process's server running a strategy, read from its command line. */
function serverPidOf(strategy: string): number {
  const pid = serverPids(process.pid).find((candidate) => {
    const args = readFileSync(`/proc/${candidate}/cmdline`, 'utf8').split('\0');
    return args[args.indexOf('--strategy') + 1] === strategy;
  });
  assert.ok(pid !== undefined, `no server running ${strategy}`);
  return pid;
}

/** Says nothing; kills the victim's server from outside, mid-way through its first trial. */
class KillMidTrial extends Progress {
  killedPid: number | undefined;

  constructor(private readonly victim: string) {
    super(0);
  }

  override trialStarts(_done: number, what: string): void {
    if (this.killedPid !== undefined || !what.startsWith(`${this.victim}/`)) return;
    const pid = serverPidOf(this.victim);
    this.killedPid = pid;
    // 300 ms into the trial's 1 s of load.
    setTimeout(() => process.kill(pid, 'SIGKILL'), 300).unref();
  }

  override trialEnds(): void {}
  override message(): void {}
}

// Last in the file: runBench pins this process to one core where it can.
test('a server killed mid-cell: the run keeps the other cell, records the failure, leaves no process', async () => {
  assert.deepEqual(serverPids(process.pid), [], 'servers left over from the tests above');
  const progress = new KillMidTrial('timer-keepalive');
  const result = await runBench(
    {
      strategies: ['close-listener', 'timer-keepalive'],
      tracers: ['sentry-static'],
      scenarios: ['plain-json'],
      nodes: ['24'],
      trials: 2,
      durationSec: 1,
      warmupSec: 0,
      connections: 4,
      seed: 6,
      quick: true,
      calibrate: false,
      tickMs: 50,
      burnUs: 0,
      longIdleStreams: 1,
      longIdleSec: 1,
    },
    { stopped: false },
    progress,
  );

  assert.ok(progress.killedPid !== undefined, 'the victim never ran a trial');
  assert.equal(isAlive(progress.killedPid), false);
  assert.deepEqual(serverPids(process.pid), [], 'a server outlived the run');

  const validation = validateResult(result);
  assert.ok(validation.ok, validation.ok ? '' : validation.error);
  assert.equal(result.complete, false);
  assert.deepEqual(
    result.failures.map(({ strategy, trial }) => ({ strategy, trial })),
    [{ strategy: 'timer-keepalive', trial: undefined }],
  );
  assert.match(result.failures[0]!.error, /server crashed/);

  const [survivor, victim] = ['close-listener', 'timer-keepalive'].map((strategy) => result.cells.find((cell) => cell.strategy === strategy));
  assert.ok(survivor && victim);
  assert.match(victim.failed ?? '', /server crashed/);
  assert.equal(victim.trials.length, 0, 'the killed trial left no figures');
  assert.equal(survivor.failed, null);
  assert.equal(survivor.trials.length, 2, 'the other cell ran every trial');
  for (const trial of survivor.trials) assert.ok(trial.error === null && trial.requests > 0);
});
