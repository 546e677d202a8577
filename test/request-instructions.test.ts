import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VALGRIND_MISSING, valgrindVersion } from '../bench/common/valgrind.ts';
import { summariseCell } from '../bench/instructions/instruction-run.ts';
import { compareInstructionResults, type InstructionComparison, instructionComparisonExitCode } from '../bench/report/instruction-compare.ts';
import { type CountedWindowRecord, type RequestInstructionResult, validateRequestInstructionResult } from '../results/request-instruction-schema.ts';
import { isAlive, ROOT, runEntry, sleep, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

const scratch = scratchDirectory('request-instructions');
const noValgrind = valgrindVersion() ? false : VALGRIND_MISSING;

/** The newest committed whole-request instruction run. */
function committedRun(): { path: string; result: RequestInstructionResult } {
  const name = readdirSync(join(ROOT, 'results'))
    .filter((file) => file.endsWith('-request-instructions.json'))
    .sort()
    .at(-1);
  assert.ok(name, 'no committed whole-request instruction run in results/');
  const path = join(ROOT, 'results', name);
  const validation = validateRequestInstructionResult(JSON.parse(readFileSync(path, 'utf8')));
  assert.ok(validation.ok, validation.ok ? '' : validation.error);
  return { path, result: validation.value };
}

const CELL = { label: 'close-listener', strategy: 'close-listener', tracer: 'sentry-static' as const, scenario: 'sse-tokens', node: '24', nodeVersion: 'v24.21.0', request: '/sse-tokens?events=20&gapMs=0' };

/** Windows of 1, 1, 2 and 3 times n requests: c per request, plus a constant per window. */
function windows(perRequest: number, constant: number, n = 10, wobble = [0, 0, 0, 0]): CountedWindowRecord[] {
  return [1, 1, 2, 3].map((multiple, index) => ({ process: 0, requests: n * multiple, instructions: Math.round(n * multiple * perRequest + constant + wobble[index]!), allocatedBytes: n * multiple * 1000 + 5000 }));
}

describe('a cell from its windows', () => {
  test("the window's own constant cancels: the figure is the requests' alone", () => {
    const cell = summariseCell({ ...CELL, windows: windows(16_000_000, 1_000_000) }, null);
    assert.equal(cell.refused, null);
    assert.equal(cell.perRequest!.mean, 16_000_000);
    assert.equal(cell.bytesPerRequest!.mean, 1000);
    assert.equal(cell.checks!.doubledRatio, 2);
  });

  test('single windows further apart than 0.5 % are refused, not reported', () => {
    const cell = summariseCell({ ...CELL, windows: windows(16_000_000, 0, 10, [0, 1_000_000, 0, 0]) }, null);
    assert.match(cell.refused ?? '', /repeats disagree by 0\.62 %/);
    assert.equal(cell.perRequest, null);
  });

  test('twice the requests must read twice the difference', () => {
    const cell = summariseCell({ ...CELL, windows: windows(16_000_000, 0, 10, [0, 0, 0, 5_000_000]) }, null);
    assert.match(cell.refused ?? '', /twice the requests read 2\.0313x/);
  });

  test('a failed window refuses the cell with its reason', () => {
    assert.equal(summariseCell({ ...CELL, windows: [] }, 'V8 collected 1 times').refused, 'V8 collected 1 times');
  });
});

describe('compare on whole-request instruction counts', () => {
  test('the committed run against itself: every cell no difference, exit 0', () => {
    const { path, result } = committedRun();
    const comparison = compareInstructionResults(result, result, { thresholdPercent: 1, baseFile: path, headFile: path });
    const counted = comparison.cells.filter((cell) => cell.verdict !== 'not counted');
    assert.ok(counted.length > 0);
    assert.deepEqual([...new Set(counted.map((cell) => cell.verdict))], ['no difference']);
    // A cell refused in both files (its windows drift in every process) is information, not a regression.
    assert.equal(comparison.cells.length - counted.length, result.cells.filter((cell) => cell.refused !== null).length);
    assert.equal(instructionComparisonExitCode(comparison), 0);
  });

  test("a copy with one cell's instructions per request raised 2 %: that cell slower, exit 1", async () => {
    const { path, result } = committedRun();
    const raised = structuredClone(result);
    const target = raised.cells.find((cell) => cell.perRequest && cell.strategy === 'close-listener')!;
    for (const figure of ['mean', 'min', 'max'] as const) target.perRequest![figure] *= 1.02;
    const copy = join(scratch, 'raised.json');
    writeFileSync(copy, JSON.stringify(raised));
    const run = await runEntry('bench/commands/compare.ts', [path, copy, '--json']);
    assert.equal(run.code, 1, run.stderr);
    const comparison = JSON.parse(run.stdout) as InstructionComparison;
    const slower = comparison.cells.filter((cell) => cell.verdict === 'slower');
    assert.deepEqual(slower.map((cell) => cell.cell), [`${target.scenario} close-listener/${target.tracer} node${target.node}`]);
    assert.ok(Math.abs(slower[0]!.changePercent! - 2) < 1e-9, String(slower[0]!.changePercent));
    assert.deepEqual(comparison.regressions.map((cell) => cell.cell), [slower[0]!.cell]);
  });

  test('an instruction file against a load file: one line, exit 2', async () => {
    const { path } = committedRun();
    const run = await runEntry('bench/commands/compare.ts', [path, join(ROOT, 'test/fixtures/quick-result.json')]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /whole-request instruction counts and .* a load result: compare takes two files of one kind/);
  });
});

describe('npm run bench -- --instructions', () => {
  // calibration-burn is untraced plus a known loop: 68 iterations (276 instructions each) are
  // about 1 % of an untraced long-idle request's 1.87 M instructions, the cheapest scenario to
  // count (140 requests in its windows). Both counts run at once, each in its own valgrind.
  test('a known loop adding 1 % of a cell is caught: compare says slower, exit 1', { skip: noValgrind }, async () => {
    const count = (iterations: number) => {
      const out = join(scratch, `burn-${iterations}.json`);
      const args = ['--instructions', '--strategies', 'calibration-burn', '--scenarios', 'long-idle', '--no-calibration', '--burn-iterations', String(iterations), '--out', out];
      return startEntry('bench/commands/bench.ts', args, { watchProcesses: true, timeoutMs: 600_000 });
    };
    const runs = [count(0), count(68)];
    const [without, withLoop] = await Promise.all(runs.map((run) => run.finished));
    for (const [index, run] of [without!, withLoop!].entries()) {
      assert.equal(run.code, 0, run.stderr);
      for (const seen of runs[index]!.seenRunning('valgrind')) assert.equal(isAlive(seen.pid), false, `valgrind ${seen.pid} survived`);
    }
    const compare = await runEntry('bench/commands/compare.ts', [join(scratch, 'burn-0.json'), join(scratch, 'burn-68.json'), '--threshold', '0.5']);
    assert.equal(compare.code, 1, compare.stdout);
    assert.match(compare.stdout, /long-idle calibration-burn\/none node24 .* \+(0\.9\d|1\.\d\d) % .* slower/);
  });

  test('killed with SIGKILL while a server is counted: no valgrind process survives', { skip: noValgrind }, async () => {
    const bench = startEntry('bench/commands/bench.ts', ['--instructions', '--strategies', 'untraced', '--scenarios', 'plain-json', '--no-calibration', '--out', join(scratch, 'killed.json')], { watchProcesses: true });
    try {
      const [counted] = await bench.until(() => {
        const seen = bench.seenRunning('valgrind');
        return seen.length > 0 && seen;
      }, 'a counted server');
      bench.kill('SIGKILL');
      await bench.finished;
      for (const deadline = Date.now() + 5_000; isAlive(counted!.pid) && Date.now() < deadline; ) await sleep(50);
      assert.equal(isAlive(counted!.pid), false, `valgrind ${counted!.pid} outlived the harness`);
      assert.throws(() => readFileSync(join(scratch, 'killed.json')), 'nothing written');
    } finally {
      bench.kill('SIGKILL');
    }
  });

  test('without valgrind: one line saying how to install it, exit 2, nothing written', async () => {
    const bin = mkdtempSync(join(scratch, 'bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const out = join(scratch, 'none.json');
    const run = await runEntry('bench/commands/bench.ts', ['--instructions', '--out', out], { env: { ...process.env, PATH: bin } });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /valgrind is not installed.*apt-get install valgrind/);
    assert.throws(() => readFileSync(out));
  });

  test('load-run flags are refused with --instructions, and instruction flags without it', async () => {
    const withTrials = await runEntry('bench/commands/bench.ts', ['--instructions', '--trials', '3']);
    assert.equal(withTrials.code, 2);
    assert.match(withTrials.stderr, /--instructions does not take --trials/);
    const jobsAlone = await runEntry('bench/commands/bench.ts', ['--jobs', '2']);
    assert.equal(jobsAlone.code, 2);
    assert.match(jobsAlone.stderr, /--jobs is for instruction counts: use it with --instructions/);
    const llmProxy = await runEntry('bench/commands/bench.ts', ['--instructions', '--scenarios', 'llm-proxy']);
    assert.equal(llmProxy.code, 2);
    assert.equal(llmProxy.stderr.trim().split('\n').length, 1, llmProxy.stderr);
    assert.match(llmProxy.stderr, /llm-proxy cannot be counted: .*WebAssembly.*accepted: sse-tokens/);
  });
});
