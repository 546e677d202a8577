import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult, type ResultFile } from '../results/schema.ts';
import { describeNoiseReading } from '../bench/harness/noise-floor.ts';
import { isAlive, runEntry, serverPids, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

// Bad flags are in test/bad-input.test.ts, which runs side by side with other files.

const SHORT = ['--tracers', 'sentry-static', '--scenarios', 'sse-tokens', '--trials', '2', '--duration', '1', '--warmup', '0'];
const SMALL = ['--strategies', 'untraced,close-listener', ...SHORT];

function readResult(path: string): ResultFile {
  const validation = validateResult(JSON.parse(readFileSync(path, 'utf8')));
  assert.ok(validation.ok, validation.ok ? '' : validation.error);
  return validation.result;
}

test('a small matrix writes a valid, complete result with interleaved trials; a strategy listed twice is an A/A copy', async () => {
  const out = join(scratchDirectory('bench'), 'result.json');
  const args = ['--strategies', 'untraced,untraced,close-listener', ...SHORT, '--seed', '7', '--out', out];
  const { code, stdout, stderr } = await runEntry('bench/commands/bench.ts', args, { timeoutMs: 180_000 });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /result written to/);
  const result = readResult(out);
  assert.equal(result.complete, true);
  assert.equal(result.config.seed, 7);
  assert.deepEqual(
    result.cells.map((cell) => `${cell.label}/${cell.tracer}`),
    ['untraced/none', 'untraced#2/none', 'close-listener/sentry-static'],
  );
  for (const cell of result.cells) {
    assert.equal(cell.trials.length, 2, cell.label);
    for (const trial of cell.trials) assert.ok(trial.requestsPerSec > 0 && trial.requests > 0, `${cell.label}: nothing measured`);
  }
  // Round 0 of every cell runs before round 1 of any.
  assert.deepEqual(result.config.order.map((entry) => entry.split('#').at(-1)), ['0', '0', '0', '1', '1', '1']);
  assert.ok(result.cells[1]!.summary.overheadVsUntraced, 'the copy is compared with the first');
  const traced = result.cells[2]!;
  assert.ok(traced.summary.correctRate !== null && traced.summary.correctRate > 0.5, 'close-listener verified under load');
  assert.ok(traced.summary.overheadVsUntraced && traced.summary.cpuCostVsUntraced, 'paired against untraced');
  assert.ok(result.env.pinning.note.length > 0);
  // The server core's own steadiness, measured on the cores the servers got.
  const floor = result.env.noiseFloor;
  assert.ok(floor, 'a noise floor');
  assert.equal(floor.runs, 20);
  assert.ok(floor.medianCpuMs > 0 && floor.cv >= 0);
  assert.equal(floor.cpus, result.env.pinning.available ? '0' : null);
  // ...again after the scenario, which is the end of this run; bench says so on stderr.
  assert.deepEqual(result.env.noiseChecks?.map((check) => [check.afterScenario, check.runs]), [['sse-tokens', 20]]);
  assert.match(stderr, /host noise at the start: the same reference work varied \d+\.\d %/);
  assert.match(stderr, /host noise after sse-tokens: the same reference work varied \d+\.\d %/);
  // Throughput is counted by the server inside the measured window, not by the load generator.
  for (const trial of traced.trials) assert.ok(trial.cpuMsPerRequest !== null && trial.cpuMsPerRequest > 0);
  // What might drive CPU per request, recorded per trial over the same window.
  for (const cell of result.cells) {
    for (const trial of cell.trials) {
      const drivers = trial.drivers;
      assert.ok(drivers, `${cell.label}: no drivers`);
      assert.ok(drivers.gcMsPerRequest !== null && drivers.gcPerRequest !== null, `${cell.label}: GC`);
      // Streams of 1 ms gaps take several loop turns each; every turn handles at least one event.
      assert.ok(drivers.loopTurnsPerRequest !== null && drivers.loopTurnsPerRequest > 0, `${cell.label}: loop turns`);
      assert.ok(drivers.eventsPerLoopTurn !== null && drivers.eventsPerLoopTurn >= 1, `${cell.label}: events per turn`);
      assert.ok(drivers.voluntaryContextSwitchesPerSec !== null && drivers.voluntaryContextSwitchesPerSec > 0, `${cell.label}: switches`);
      assert.ok(drivers.involuntaryContextSwitchesPerSec !== null && drivers.involuntaryContextSwitchesPerSec >= 0);
      // Each SSE event is a small write: the harness reads far less than a 64 KiB buffer at a time.
      assert.ok(drivers.harnessBytesPerRead !== null && drivers.harnessBytesPerRead > 0 && drivers.harnessBytesPerRead < 65_536, `${cell.label}: bytes per read`);
    }
  }
});

test('Ctrl-C stops every server and saves the finished trials, marked incomplete', async () => {
  const out = join(scratchDirectory('bench-sigint'), 'result.json');
  const bench = startEntry('bench/commands/bench.ts', [...SMALL, '--trials', '5', '--out', out]);
  try {
    await bench.until(() => bench.stderr.includes('[1/10]'), 'the first trial');
    const servers = serverPids(bench.pid);
    assert.ok(servers.length > 0, 'servers were running');
    bench.kill('SIGINT');
    assert.equal((await bench.finished).code, 130, bench.stderr);
    for (const pid of servers) assert.equal(isAlive(pid), false, `server ${pid} survived Ctrl-C`);
    const result = readResult(out);
    assert.equal(result.complete, false);
    const trials = result.cells.reduce((sum, cell) => sum + cell.trials.length, 0);
    assert.ok(trials >= 1 && trials < 10, `${trials} trials saved`);
  } finally {
    bench.kill('SIGKILL');
  }
});

test('bench warns of a host noisier than compare accepts, and only then', () => {
  const reading = (cv: number) => ({ runs: 20, medianCpuMs: 64, cv, cpus: '0' });
  assert.equal(
    describeNoiseReading('after sse-tokens', reading(0.12)),
    'warning: host noise after sse-tokens: the same reference work varied 12.0 % (CV of 20 runs) on the server core, above 5 %: compare calls no wall-clock difference from this run (--max-noise)',
  );
  assert.equal(describeNoiseReading('at the start', reading(0.031)), 'host noise at the start: the same reference work varied 3.1 % (CV of 20 runs) on the server core');
  assert.match(describeNoiseReading('at the start', null), /could not run/);
});
