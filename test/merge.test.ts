import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mergeResults } from '../bench/report/merge.ts';
import { summariseCells } from '../bench/harness/summarise-cell.ts';
import { validateResult, type ResultFile } from '../results/schema.ts';
import { buildResult, copyResult, writeInput } from './support/result-builder.ts';
import { scratchDirectory } from './support/scratch.ts';
import { runEntry } from './support/run.ts';
import { cellName } from '../results/cell-name.ts';

const MERGE = 'bench/commands/merge.ts';
const directory = scratchDirectory('merge');

/** One run cut into one shard per scenario, as the CI's parallel jobs would have run it. */
function shardByScenario(run: ResultFile): ResultFile[] {
  return run.config.scenarios.map((scenario) => {
    const shard = copyResult(run);
    shard.config.scenarios = [scenario];
    shard.config.order = run.config.order.filter((entry) => entry.split('/')[2] === scenario);
    shard.cells = shard.cells.filter((cell) => cell.scenario === scenario);
    return shard;
  });
}

async function mergeFiles(files: string[], out: string) {
  return runEntry(MERGE, [...files, '--out', out]);
}

async function assertRefused(files: string[], expected: RegExp): Promise<void> {
  const out = join(directory, `refused-${Math.random().toString(36).slice(2)}.json`);
  const { code, stdout, stderr } = await mergeFiles(files, out);
  assert.equal(code, 2, stderr);
  assert.equal(stdout, '');
  assert.equal(stderr.trimEnd().split('\n').length, 1, `one line, got: ${stderr}`);
  assert.match(stderr, expected);
  assert.equal(existsSync(out), false, 'nothing written');
}

describe('npm run merge', () => {
  const run = buildResult();
  const shards = shardByScenario(run);
  const shardPaths = shards.map((shard, index) => writeInput(directory, `shard-${index}.json`, shard));

  test('shards by scenario lose nothing: each summarised alone equals the run', () => {
    // Each shard's summaries come from its own untraced baseline; by scenario that is the run's baseline.
    for (const shard of shards) {
      const resummarised = summariseCells(
        shard.cells.map(({ summary: _summary, ...cell }) => cell),
        { seed: shard.config.seed },
      );
      assert.deepEqual(resummarised, shard.cells);
    }
  });

  test('merging the shards of one run gives that run back, cell for cell', async () => {
    assert.equal(shards.length, 2);
    const out = join(directory, 'all.json');
    const { code, stdout, stderr } = await mergeFiles(shardPaths, out);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /merged 2 files, \d+ cells, into/);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as ResultFile;
    assert.equal(validateResult(merged).ok, true);
    assert.deepEqual(merged.cells, run.cells);
    const { order: mergedOrder, ...mergedConfig } = merged.config;
    const { order: runOrder, ...runConfig } = run.config;
    assert.deepEqual(mergedConfig, runConfig);
    assert.deepEqual([...mergedOrder].sort(), [...runOrder].sort());
    assert.deepEqual(merged.env, run.env);
    assert.equal(merged.complete, true);
  });

  test('the merge is the same cells whichever order the shards come in', () => {
    const forward = mergeResults(shards.map((result, index) => ({ file: `shard-${index}.json`, result })));
    const backward = mergeResults([...shards].reverse().map((result, index) => ({ file: `shard-${index}.json`, result })));
    const byName = (result: ResultFile) =>
      new Map(result.cells.map((cell) => [cellName(cell), cell]));
    assert.deepEqual(byName(backward), byName(forward));
  });

  test('complete only when every shard is; failures concatenated; the earliest start kept', () => {
    const [first, second] = shards.map(copyResult);
    assert.ok(first && second);
    second.complete = false;
    second.createdAt = '2029-12-31T23:00:00.000Z';
    const failure = { label: 'close-listener', strategy: 'close-listener', tracer: 'sentry-static' as const, scenario: 'long-idle', node: '24', trial: 1, error: 'server exited' };
    second.failures = [failure];
    second.env.gitDirty = true;
    const merged = mergeResults([
      { file: 'a.json', result: first },
      { file: 'b.json', result: second },
    ]);
    assert.equal(merged.complete, false);
    assert.deepEqual(merged.failures, [failure]);
    assert.equal(merged.createdAt, '2029-12-31T23:00:00.000Z');
    assert.equal(merged.env.gitDirty, true);
  });

  test('A/A copies of a strategy stay listed twice', () => {
    const aa = buildResult({ strategies: ['untraced', 'close-listener', 'untraced'] });
    const merged = mergeResults(shardByScenario(aa).map((result, index) => ({ file: `${index}.json`, result })));
    assert.deepEqual(merged.config.strategies, ['untraced', 'close-listener', 'untraced']);
    assert.deepEqual(merged.cells, aa.cells);
  });

  test('shards from different machines, each with its own untraced cells: merged, each cell with its machine', async () => {
    const [first, second] = shards.map(copyResult);
    assert.ok(first && second);
    second.env.cpuModel = 'Other CPU @ 2.00GHz';
    const otherPath = writeInput(directory, 'other-machine.json', second);
    const out = join(directory, 'machines.json');
    const { code, stderr } = await mergeFiles([shardPaths[0] as string, otherPath], out);
    assert.equal(code, 0, stderr);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as ResultFile;
    const validation = validateResult(merged);
    assert.ok(validation.ok, validation.ok ? '' : validation.error);
    assert.deepEqual(merged.cells, run.cells);
    assert.deepEqual(
      merged.environments?.map((machine) => [machine.env.cpuModel, machine.cells]),
      [
        ['Example CPU @ 3.00GHz', first.cells.map(cellName)],
        ['Other CPU @ 2.00GHz', second.cells.map(cellName)],
      ],
    );
  });

  describe('refuses, with one line naming the file and exit 2', () => {
    const [first, second] = shards;
    assert.ok(first && second);
    const firstPath = shardPaths[0] as string;

    test('shards from different commits', async () => {
      const other = copyResult(second);
      other.env.gitCommit = 'fedcba9876543210fedcba9876543210fedcba98';
      await assertRefused([firstPath, writeInput(directory, 'other-commit.json', other)], /^error: .*other-commit\.json: from commit fedcba9, but .*shard-0\.json from 0123456/);
    });

    test('shards from different software', async () => {
      const newer = copyResult(second);
      newer.env.packages['@sentry/node'] = '11.13.0';
      await assertRefused([firstPath, writeInput(directory, 'other-sdk.json', newer)], /other-sdk\.json: measured with other software .*packages\.@sentry\/node: 11\.12\.0 vs 11\.13\.0/);
      const otherBuild = copyResult(second);
      for (const cell of otherBuild.cells) cell.nodeVersion = 'v24.20.0';
      await assertRefused([firstPath, writeInput(directory, 'other-node-build.json', otherBuild)], /other-node-build\.json: ran Node 24 as v24\.20\.0, but .*shard-0\.json as v24\.21\.0/);
    });

    test('shards whose Node sets differ', async () => {
      const [onTwenty] = shardByScenario(buildResult({ nodes: ['20', '24'] })).slice(1);
      assert.ok(onTwenty);
      await assertRefused([firstPath, writeInput(directory, 'other-nodes.json', onTwenty)], /other-nodes\.json: ran on Node 20, 24, but .*shard-0\.json on Node 24: shards must run the same Nodes/);
    });

    test('shards from different machines without their own baselines', async () => {
      const other = copyResult(second);
      other.env.cpuModel = 'Other CPU';
      other.cells = other.cells.filter((cell) => cell.strategy !== 'untraced');
      await assertRefused([firstPath, writeInput(directory, 'no-baseline.json', other)], /no-baseline\.json: no untraced cell for long-idle on Node 24 .*: shards from different machines must each carry their own baselines/);
    });

    test('shards with different configurations', async () => {
      for (const [field, change] of [
        ['trials', (config: ResultFile['config']) => (config.trials = 9)],
        ['seed', (config: ResultFile['config']) => (config.seed = 99)],
        ['quick', (config: ResultFile['config']) => (config.quick = true)],
      ] as const) {
        const other = copyResult(second);
        change(other.config);
        await assertRefused([firstPath, writeInput(directory, `other-${field}.json`, other)], new RegExp(`other-${field}\\.json: configured differently .*\\(${field}: `));
      }
    });

    test('duplicate cells', async () => {
      await assertRefused([firstPath, firstPath], /shard-0\.json: cell untraced\/none\/sse-tokens\/node24 is also in .*shard-0\.json: shards must not overlap/);
    });

    test('an invalid file, and no --out', async () => {
      const invalid = writeInput(directory, 'invalid.json', { schemaVersion: 1 });
      await assertRefused([firstPath, invalid], /^error: .*invalid\.json: \/: Expected required property|^error: .*invalid\.json: \/\w+: /);
      const { code, stderr } = await runEntry(MERGE, [firstPath]);
      assert.equal(code, 2);
      assert.match(stderr, /^error: --out FILE is required/);
    });
  });
});
