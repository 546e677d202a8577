import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validateWorkflow } from '@action-validator/core';
import { BENCH_SCENARIOS } from '../bench/harness/scenarios.ts';
import { ROOT } from './support/run.ts';
import { DEFAULT_NODE } from '../bench/common/node-runtime.ts';

const WORKFLOW_PATH = join(ROOT, '.github/workflows/bench.yml');
const workflow = readFileSync(WORKFLOW_PATH, 'utf8');

/**
 * What the offline validator (GitHub's workflow schema, compiled to WebAssembly, plus its checks
 * of job dependencies) finds wrong with a workflow, one line per problem; empty when valid.
 */
function workflowProblems(source: string): string[] {
  const state = validateWorkflow(source);
  return state.errors.map((error) => `${'path' in error ? `${error.path}: ` : ''}${error.title}${error.detail ? ` (${error.detail})` : ''}`);
}

describe('.github/workflows/bench.yml', () => {
  test('is a valid GitHub Actions workflow', () => {
    assert.deepEqual(workflowProblems(workflow), []);
  });

  test('the validator rejects a broken copy', () => {
    const unknownKey = workflow.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    assert.notEqual(unknownKey, workflow);
    assert.ok(workflowProblems(unknownKey).length > 0, 'a misspelt key');
    const unknownJob = workflow.replace('needs: shard', 'needs: shards');
    assert.notEqual(unknownJob, workflow);
    assert.ok(workflowProblems(unknownJob).some((problem) => problem.includes('/jobs/full-report/needs')), 'a dependency on no job');
    assert.ok(workflowProblems('name: x\non: [push\njobs: {}\n').length > 0, 'not YAML');
  });

  test('runs on push, pull requests, by hand and weekly', () => {
    for (const trigger of ['push:', 'pull_request:', 'workflow_dispatch:', 'schedule:']) {
      assert.match(workflow, new RegExp(`^  ${trigger}`, 'm'), trigger);
    }
  });

  test('runs the steps the suite relies on', () => {
    for (const step of [
      'node-version: 20',
      'npm ci',
      'npm run typecheck',
      'npm test',
      'npm run bench -- --quick --out results/ci.json',
      'npm run report -- results/ci.json --out results/ci-report',
      'actions/upload-artifact@',
      '>> "$GITHUB_STEP_SUMMARY"',
      'git worktree add',
      'npm run --silent compare -- results/base.json results/ci.json --markdown',
      'marocchino/sticky-pull-request-comment@',
      'npm run bench -- --scenarios "$SCENARIO" --out "shards/shard-$SCENARIO.json"',
      'npm run merge -- shards/*.json --out results/full.json',
      '--format gab',
      'benchmark-action/github-action-benchmark@',
      'tool: customBiggerIsBetter',
      'apt-get install -y valgrind',
      'npm run bench:micro -- --instructions',
      'npm run report -- results/instructions.json --out results/instructions-gab --format gab',
      'output-file-path: results/instructions-gab/customSmallerIsBetter.json',
      'npm run bench -- --instructions --jobs "$(nproc)" --out results/request-instructions.json',
      'npm run --silent compare -- results/request-instructions-base.json results/request-instructions.json --markdown',
      'output-file-path: results/request-instructions-gab/customSmallerIsBetter.json',
    ]) {
      assert.ok(workflow.includes(step), step);
    }
  });

  test("servers run on the suite's default Node: setup-node's 20 is the harness's only", () => {
    // A --node naming another Node would measure the servers on it; the bench picks the default itself.
    assert.doesNotMatch(workflow, new RegExp(`--node (?!${DEFAULT_NODE}\\b)`));
    assert.match(workflow, /npm ci/, 'npm ci installs the pinned Node packages');
  });

  test('the full run has one shard per default bench scenario', () => {
    assert.ok(workflow.includes(`scenario: [${BENCH_SCENARIOS.join(', ')}]`), BENCH_SCENARIOS.join(', '));
  });

  test('every npm script it runs exists', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const used = [...workflow.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => match[1] as string);
    assert.ok(used.length > 0);
    for (const script of new Set(used)) assert.ok(script in scripts, `npm run ${script}`);
  });
});

describe('npm test', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const listed = (script: string) => (scripts[script] ?? '').split(' ').filter((word) => word.endsWith('.test.ts'));

  test('runs every test file exactly once: side by side unless its verdicts depend on timing', () => {
    const parallel = listed('test:parallel');
    const serial = listed('test:serial');
    assert.ok(parallel.length > 0 && serial.length > 0);
    assert.match(scripts['test:parallel'] ?? '', /run-files\.ts --concurrency 2 /);
    assert.match(scripts['test:serial'] ?? '', /run-files\.ts (?!--concurrency)/, 'one at a time');
    const files = readdirSync(join(ROOT, 'test')).filter((name) => name.endsWith('.test.ts')).map((name) => `test/${name}`);
    assert.deepEqual([...parallel, ...serial].sort(), files.sort());
    // npm test runs both lists, through the script that runs them side by side.
    assert.match(scripts.test ?? '', /test\/support\/run-suite\.ts/);
    const suite = readFileSync(join(ROOT, 'test/support/run-suite.ts'), 'utf8');
    for (const script of ['test:serial', 'test:parallel']) assert.ok(suite.includes(`'${script}'`), script);
  });
});
