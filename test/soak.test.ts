import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { judgeSamples, LEAK_THRESHOLD_MB_PER_10K, markWarmUp, WARM_UP_STREAMS } from '../bench/harness/soak.ts';
import { soakJsonSchemaText, validateSoakFile, type SoakFile } from '../results/soak-schema.ts';
import { STRATEGY_NAMES, TEST_STRATEGIES_ENV, testStrategiesEnabled } from '../strategies/registry.ts';
import { type EntryRun, isAlive, sleep, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

/** The real CLI with the test-only strategies admitted, every process under it watched. */
function startSoak(args: string[]): EntryRun {
  return startEntry('bench/commands/bench.ts', args, { env: { ...process.env, [TEST_STRATEGIES_ENV]: '1' }, watchProcesses: true });
}

/** Every server process seen while the soak ran. */
function serversSeen(soak: EntryRun): number[] {
  return soak.seenRunning('bench/commands/server.').map((server) => server.pid);
}

function readSoak(path: string): SoakFile {
  const validation = validateSoakFile(JSON.parse(readFileSync(path, 'utf8')));
  assert.ok(validation.ok, validation.ok ? '' : validation.error);
  return validation.value;
}

test('a short soak flags the leaking strategy and not close-listener, and leaves no process behind', async () => {
  const out = join(scratchDirectory('soak'), 'soak.json');
  // Counted in waves, not minutes, so a busy machine gets the same samples, only later: 3 waves of
  // warm-up (3000 streams), 3 fitted. The minutes are a bound the waves stay far inside. On otel:
  // its batches make a wave shorter than Sentry's one envelope per stream.
  const waves = 6;
  const args = ['--scenarios', 'long-idle', '--soak', '5', '--waves', String(waves), '--strategies', 'close-listener,leaking-root', '--tracers', 'otel', '--out', out];
  const soak = startSoak(args);
  const run = await soak.finished;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /result written to/);
  const servers = serversSeen(soak);
  assert.ok(servers.length >= 2, 'a server per cell was seen running');
  for (const pid of servers) assert.equal(isAlive(pid), false, `server ${pid} survived the soak`);

  const result = readSoak(out);
  assert.equal(result.complete, true);
  assert.deepEqual(
    result.cells.map((cell) => `${cell.label}/${cell.tracer}`),
    ['close-listener/otel', 'leaking-root/otel'],
  );
  // Servers on the default Node, the pinned LTS, and each cell says which binary that was.
  assert.deepEqual(result.config.nodes, ['24']);
  for (const cell of result.cells) assert.match(`${cell.node} ${cell.nodeVersion}`, /^24 v24\./, cell.label);
  const [good, leaking] = result.cells as [SoakFile['cells'][number], SoakFile['cells'][number]];
  assert.equal(result.config.maxWavesPerCell, waves);
  for (const cell of result.cells) {
    assert.equal(cell.failed, null, cell.label);
    assert.equal(cell.waves, waves, `${cell.label}: waves`);
    assert.equal(cell.samples.filter((sample) => !sample.warmUp).length, 3, `${cell.label}: fitted samples`);
    assert.equal(cell.errors, 0, `${cell.label}: streams broke`);
    assert.ok(cell.streams > WARM_UP_STREAMS, `${cell.label}: ${cell.streams} streams`);
    assert.ok(cell.samples.some((sample) => sample.warmUp) && cell.samples.some((sample) => !sample.warmUp), `${cell.label}: warm-up and fitted samples`);
    assert.ok(cell.slopeMbPer10k, `${cell.label}: a slope`);
  }
  assert.equal(leaking.leaking, true, `leaking-root not flagged: ${JSON.stringify(leaking.slopeMbPer10k)}`);
  assert.equal(leaking.verdict, 'leak');
  assert.ok(leaking.slopeMbPer10k!.ci95[0] > LEAK_THRESHOLD_MB_PER_10K);
  assert.equal(good.leaking, false, `close-listener flagged: ${JSON.stringify(good.slopeMbPer10k)}`);
  assert.notEqual(good.verdict, 'leak');
  // The summary table names every cell with its verdict.
  assert.match(run.stdout, /leaking-root\/otel\/node24 .* leak\n/);
  assert.match(run.stdout, /close-listener\/otel\/node24 .* (no leak|inconclusive)\n/);
});

test('Ctrl-C stops every server and saves the samples taken, marked incomplete', async () => {
  const out = join(scratchDirectory('soak-sigint'), 'soak.json');
  const soak = startSoak(['--soak', '0.25', '--strategies', 'untraced,close-listener', '--tracers', 'sentry-static', '--out', out]);
  try {
    // Interrupted a few seconds into the first cell, once its server runs.
    await soak.until(() => serversSeen(soak).length > 0, 'the first server');
    await sleep(4_000);
    soak.kill('SIGINT');
    const run = await soak.finished;
    assert.equal(run.code, 130, run.stderr);
  } finally {
    soak.kill('SIGKILL');
  }
  const servers = serversSeen(soak);
  assert.ok(servers.length > 0, 'a server was running');
  for (const pid of servers) assert.equal(isAlive(pid), false, `server ${pid} survived Ctrl-C`);
  const result = readSoak(out);
  assert.equal(result.complete, false);
  assert.ok(result.cells.length < 2, 'the soak stopped early');
});

describe('the soak verdict', () => {
  const line = (mbPer10k: number, noise: number[]) =>
    markWarmUp(noise.map((wobble, index) => ({ wave: index + 1, streams: (index + 1) * 1000, heapAfterGcMb: 40 + ((index + 1) / 10) * mbPer10k + wobble })));
  const wobble = [0.05, -0.04, 0.02, -0.05, 0.03, 0.01, -0.02, 0.04, -0.03, 0.02, 0, -0.01];

  test('warm-up: the first streams, or the first third of the samples if longer', () => {
    const samples = line(0, wobble);
    assert.deepEqual(samples.map((sample) => sample.warmUp), [true, true, true, true, false, false, false, false, false, false, false, false]);
    const short = line(0, wobble.slice(0, 6));
    assert.deepEqual(short.map((sample) => sample.warmUp), [true, true, true, false, false, false]);
  });

  test('a steady climb is a leak, a flat line is not, and too few samples decide nothing', () => {
    assert.equal(judgeSamples(line(50, wobble)).verdict, 'leak');
    assert.equal(judgeSamples(line(0, wobble)).verdict, 'no leak');
    const flat = judgeSamples(line(0, wobble)).slope!;
    assert.ok(flat.ci95[0] < 0 && flat.ci95[1] > 0, 'the interval covers zero');
    assert.equal(judgeSamples(line(50, wobble.slice(0, 5))).verdict, 'inconclusive');
    assert.equal(judgeSamples(line(50, wobble.slice(0, 5))).slope, null);
  });
});

describe('the test-only strategies', () => {
  test('are not among the strategies users pick from, and need the environment variable', () => {
    assert.equal((STRATEGY_NAMES as string[]).includes('leaking-root'), false);
    assert.equal(testStrategiesEnabled({}), false);
    assert.equal(testStrategiesEnabled({ [TEST_STRATEGIES_ENV]: '1' }), true);
  });
});

test('results/soak-schema.json is generated from results/soak-schema.ts', () => {
  const committed = readFileSync(new URL('../results/soak-schema.json', import.meta.url), 'utf8');
  assert.equal(committed, soakJsonSchemaText(), 'results/soak-schema.json is stale: run npm run schema');
});
