import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { instructionsHold } from '../bench/micro/instructions.ts';
import { VALGRIND_MISSING, valgrindVersion } from '../bench/common/valgrind.ts';
import { buildInstructionReport } from '../bench/report/instruction-report.ts';
import { resolvedCostText } from '../bench/micro/micro.ts';
import { validateInstructionResult, type InstructionResult } from '../results/instruction-schema.ts';
import { isAlive, ROOT, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

const scratch = scratchDirectory('instructions');
const noValgrind = valgrindVersion() ? false : VALGRIND_MISSING;

/** bench:micro with its processes watched; `children` are the ones it started itself. */
async function runMicro(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string; children: number[] }> {
  // Valgrind runs slowly and more slowly still on a busy machine: a hang, not slowness, should fail.
  const micro = startEntry('bench/commands/micro.ts', args, { env, watchProcesses: true, timeoutMs: 600_000 });
  const result = await micro.finished;
  return { ...result, children: [...micro.seen.values()].filter((seen) => seen.parent === micro.pid).map((seen) => seen.pid) };
}

describe('bench:micro --instructions', () => {
  // One repeat: each valgrind run costs about 10 s of CPU (start-up); how repeats agree is in the
  // committed results and the report tests.
  test('counts one case under cachegrind at two counts, and writes figures the schema accepts', { skip: noValgrind }, async () => {
    const json = join(scratch, 'one.json');
    const run = await runMicro(['--instructions', '--cases', 'none/close-listener', '--repeats', '1', '--jobs', '2', '--json', json]);
    assert.equal(run.code, 0, run.stderr);
    for (const pid of run.children) assert.equal(isAlive(pid), false, `child ${pid} survived`);
    const validation = validateInstructionResult(JSON.parse(readFileSync(json, 'utf8')));
    assert.ok(validation.ok, validation.ok ? '' : validation.error);
    const [entry] = validation.value.cases;
    assert.ok(entry);
    assert.equal(`${entry.tracer}/${entry.name}`, 'none/close-listener');
    assert.equal(entry.runs.length, 2);
    // More streams, more instructions: the figure is a real difference.
    const [low, high] = entry.counts.map((count) => entry.runs.find((run) => run.count === count)!.instructions);
    assert.ok(high! > low!, `${high} <= ${low}`);
    assert.ok(entry.perUnit.mean > 0);
    assert.equal(entry.perUnit.spreadPercent, 0, 'one repeat: nothing to disagree with');
    // No GC fell in the counted part (the parent refuses the count otherwise); what it allocated is given.
    assert.ok(entry.bytesPerUnit.mean > 0);
    assert.match(run.stdout, /none\s+close-listener\s+stream/);
  });

  test('without valgrind: one line saying how to install it, exit 2, nothing written', async () => {
    // A PATH with node on it and nothing else.
    const bin = mkdtempSync(join(scratch, 'bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const json = join(scratch, 'none.json');
    const run = await runMicro(['--instructions', '--json', json], { ...process.env, PATH: bin });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /valgrind is not installed.*apt-get install valgrind/);
    assert.throws(() => readFileSync(json));
  });
});

/** A small but complete result: a baseline, a strategy with its own cost, a calibration check. */
function fixture(): InstructionResult {
  const spread = (mean: number) => ({ mean, min: mean * 0.99, max: mean * 1.01, spreadPercent: 2 });
  const runs = [
    { repeat: 0, count: 1000, instructions: 100_000_000, allocatedBytes: 4_000_000 },
    { repeat: 0, count: 3000, instructions: 150_000_000, allocatedBytes: 12_000_000 },
  ];
  const base = { tracer: 'none' as const, unit: 'stream', counts: [1000, 3000] as [number, number], runs, bytesPerUnit: spread(4_000) };
  return {
    schemaVersion: 2,
    kind: 'instructions',
    createdAt: '2026-11-29T19:00:00.000Z',
    env: JSON.parse(readFileSync(join(ROOT, 'test/fixtures/quick-result.json'), 'utf8')).env,
    config: { repeats: 1, node: 'node24 v24.21.0', nodeFlags: ['--single-threaded'], valgrind: 'valgrind-3.19.0', chunksPerStream: 20, openStreamsPerTick: 100, warmupIterations: 300, sdkWarmupIterations: 50, repeatTolerancePercent: 2 },
    cases: [
      { ...base, name: 'no strategy', group: 'baseline', strategy: null, perUnit: spread(25_000), ownCost: null },
      { ...base, name: 'close-listener', group: 'strategy', strategy: 'close-listener', perUnit: spread(31_000), ownCost: spread(6_000) },
    ],
    calibration: [{ name: 'doubled work', expected: 2, measured: 2.01, tolerancePercent: 5, pass: true, detail: 'x' }],
  };
}

describe('when instruction counts hold', () => {
  test('repeats within the tolerance and every calibration check passed; otherwise not', () => {
    assert.equal(instructionsHold(fixture()), true);
    const disagreeing = fixture();
    disagreeing.cases[1]!.perUnit.spreadPercent = 2.5;
    assert.equal(instructionsHold(disagreeing), false, 'repeats 2.5 % apart');
    const miscalibrated = fixture();
    miscalibrated.calibration[0]!.pass = false;
    assert.equal(instructionsHold(miscalibrated), false, 'a failed calibration check');
  });
});

describe('report of instruction counts', () => {
  test('the fixture is a valid instruction result', () => {
    const validation = validateInstructionResult(fixture());
    assert.ok(validation.ok, validation.ok ? '' : validation.error);
  });

  test('every committed instruction result is valid against the current schema', () => {
    // Micro cases only: whole-request counts (-request-instructions.json) have their own schema and test.
    const committed = readdirSync(join(ROOT, 'results')).filter((name) => name.endsWith('-instructions.json') && !name.endsWith('-request-instructions.json'));
    assert.ok(committed.length > 0, 'no committed instruction result');
    for (const name of committed) {
      const validation = validateInstructionResult(JSON.parse(readFileSync(join(ROOT, 'results', name), 'utf8')));
      assert.ok(validation.ok, `${name}: ${validation.ok ? '' : validation.error}`);
    }
  });

  test('md: two SVG charts and report.md linking them', () => {
    const files = buildInstructionReport(fixture(), 'md');
    assert.deepEqual(files.map((file) => file.name), ['instructions-own-per-stream.svg', 'instructions-per-unit.svg', 'report.md']);
    assert.match(files[0]!.content, /^<svg/);
    assert.match(files[0]!.content, /close-listener \/ none/);
    const markdown = files[2]!.content;
    assert.match(markdown, /\(instructions-own-per-stream\.svg\)/);
    assert.match(markdown, /calibration, doubled work: 2\.010/);
  });

  test('gab: smaller is better, one series per case and one per own cost', () => {
    const [file] = buildInstructionReport(fixture(), 'gab');
    assert.equal(file!.name, 'customSmallerIsBetter.json');
    const entries = JSON.parse(file!.content) as { name: string; value: number; unit: string }[];
    assert.deepEqual(entries.map((entry) => entry.name), [
      'instructions/none/no strategy per stream',
      'instructions/none/close-listener per stream',
      'instructions/none/close-listener own per stream',
    ]);
    assert.equal(entries[2]!.value, 6_000);
  });
});

describe('wall-clock micro: a subtracted cost is a finding only where resolved', () => {
  test('an interval above zero gives the figure', () => assert.equal(resolvedCostText({ ns: 500, marginNs: 100 }), '500'));
  test('an interval wider than the figure is unresolved', () => assert.equal(resolvedCostText({ ns: 40_365, marginNs: 101_908 }), 'unresolved'));
  test('a negative difference is never printed as a cost', () => assert.equal(resolvedCostText({ ns: -6_747, marginNs: 1_000 }), 'unresolved'));
});
