import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateResult } from '../results/schema.ts';
import { BUILT_IN_STRATEGY_NAMES } from '../strategies/registry.ts';
import { loadStrategyModule } from '../strategies/strategy-module.ts';
import { caseKey, instructionCases, WARMUP_ITERATIONS } from '../bench/micro/instruction-cases.ts';
import { ROOT, runEntry, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

/** The shipped example, copied out of the repository: a user's module lives elsewhere. */
function exampleOutsideRepo(): string {
  const path = join(scratchDirectory('strategy-module'), 'finish-or-close.ts');
  copyFileSync(join(ROOT, 'examples/strategies/finish-or-close.ts'), path);
  return path;
}

function writeModule(name: string, text: string): string {
  const path = join(scratchDirectory('strategy-module'), name);
  writeFileSync(path, text);
  return path;
}

test('the shipped example runs in verify from a temporary directory, in its own row, each root ended once', async () => {
  const example = exampleOutsideRepo();
  const json = join(scratchDirectory('strategy-module'), 'verdicts.json');
  const args = ['--strategies', 'finish-or-close', '--strategy-module', example, '--tracers', 'sentry-static', '--scenarios', 'sse-tokens', '--requests', '5', '--json', json];
  const { code, stdout, stderr } = await runEntry('bench/commands/verify.ts', args);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^finish-or-close\s+sentry-static\s+sse-tokens\s+24\s+5\s/m);
  const { verdicts } = JSON.parse(readFileSync(json, 'utf8')) as { verdicts: { cell: { label: string }; report: { requests: number; requestsViolating: Record<string, number>; leakedOpen: number } | null; error?: string }[] };
  assert.equal(verdicts.length, 1);
  const [verdict] = verdicts;
  assert.equal(verdict!.cell.label, 'finish-or-close');
  assert.equal(verdict!.error, undefined);
  // Every request got its root, ended exactly once, and none was left open: the module's track ran.
  const report = verdict!.report;
  assert.ok(report, 'verified');
  assert.equal(report.requests, 5);
  assert.equal(report.requestsViolating.noRoot, 0);
  assert.equal(report.requestsViolating.multipleRoots, 0);
  assert.equal(report.leakedOpen, 0);
});

test('the example runs in bench --quick beside a built-in strategy and is in the result', async () => {
  const out = join(scratchDirectory('strategy-module'), 'result.json');
  const args = ['--quick', '--strategies', 'untraced', '--strategy-module', exampleOutsideRepo(), '--tracers', 'sentry-static', '--out', out];
  const { code, stdout, stderr } = await runEntry('bench/commands/bench.ts', args, { timeoutMs: 120_000 });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^finish-or-close\s+sentry-static\s+sse-tokens/m);
  const validation = validateResult(JSON.parse(readFileSync(out, 'utf8')));
  assert.ok(validation.ok, validation.ok ? '' : validation.error);
  assert.deepEqual(validation.result.cells.map((cell) => `${cell.label}/${cell.tracer}`), ['untraced/none', 'finish-or-close/sentry-static']);
  assert.ok(validation.result.cells[1]!.trials[0]!.requests > 0);
  const recorded = validation.result.config.strategyModules?.['finish-or-close'];
  assert.equal(recorded?.sha256, createHash('sha256').update(readFileSync(join(ROOT, 'examples/strategies/finish-or-close.ts'))).digest('hex'));
});

test('a module that does not satisfy the interface is one line naming what is missing, exit 2, and no server starts', async () => {
  const half = writeModule('half.mjs', "export default () => ({ name: 'half', rootOwner: 'strategy' });\n");
  for (const entry of ['bench/commands/verify.ts', 'bench/commands/bench.ts']) {
    const run = startEntry(entry, ['--strategies', 'close-listener', '--strategy-module', half], { watchProcesses: true });
    const { code, stdout, stderr } = await run.finished;
    assert.equal(code, 2, entry);
    assert.equal(stdout, '');
    assert.equal(stderr, `error: strategy module ${half} does not satisfy strategies/strategy.ts: description must be a string; track is required with rootOwner 'strategy' (it must end the root)\n`);
    assert.deepEqual(run.seenRunning('bench/commands/server.'), [], `${entry} started a server`);
  }
  const server = await runEntry('bench/commands/server.ts', ['--strategy-module', half]);
  assert.equal(server.code, 2);
  assert.match(server.stderr, /^error: strategy module \S+half\.mjs does not satisfy strategies\/strategy\.ts: description must be a string/);
  assert.equal(server.stderr.trim().split('\n').length, 1);
});

test('loading a module: its name, and each way it can fail to be a strategy', async () => {
  const example = await loadStrategyModule(exampleOutsideRepo(), BUILT_IN_STRATEGY_NAMES);
  assert.equal(example.name, 'finish-or-close');
  assert.equal(example.rootOwner, 'strategy');
  assert.equal(example.factory({ tickMs: 1, maxLifetimeMs: 1, idleLimitMs: 1, burnUs: 0, burnIterations: 0 }).rootOwner, 'strategy');

  const fromFileName = await loadStrategyModule(writeModule('my-fix.js', "export default () => ({ name: 'x', description: 'd', rootOwner: 'sdk' });\n"));
  assert.equal(fromFileName.name, 'my-fix');
  assert.equal(fromFileName.rootOwner, 'sdk');

  const refusals: [string, string, RegExp][] = [
    ['close-listener.mjs', "export default () => ({ name: 'x', description: 'd', rootOwner: 'sdk' });", /has the name 'close-listener' of a built-in strategy/],
    ['named.mjs', "export const name = 'a/b'; export default () => ({});", /has the name "a\/b" \(accepted: letters, digits/],
    ['object.ts', 'export default { name: 1 };', /has no default export that is a function/],
    ['throws.js', "export default () => { throw new Error('not today'); };", /could not make its strategy: the default export threw: not today$/],
    ['syntax.ts', 'export default ( => 1;', /could not be loaded: Transform failed with 1 error: .*syntax\.ts:1:\d+: ERROR/],
    ['owner.mjs', "export default () => ({ name: 'x', description: 'd', rootOwner: 'me', stop: 1 });", /rootOwner must be one of 'none', 'sdk', 'strategy'; stop must be a function when present$/],
    ['null.mjs', 'export default () => null;', /its default export returned null, not a strategy object$/],
    ['plain.json', '{}', /is not a module file \(accepted: \.ts, \.mts, \.js, \.mjs\)$/],
  ];
  for (const [file, text, expected] of refusals) {
    await assert.rejects(loadStrategyModule(writeModule(file, `${text}\n`), BUILT_IN_STRATEGY_NAMES), expected, file);
  }
  await assert.rejects(loadStrategyModule(join(tmpdir(), 'no-such-strategy-module.ts')), /does not exist or is not a file$/);
});

test('instruction counts take a module: its cases in every tracer, a child that loads it and ends each root once', async () => {
  const keys = instructionCases([{ name: 'my-fix', polling: true }]).map(caseKey);
  for (const key of ['none/my-fix', 'none/my-fix tick', 'sentry-static/my-fix', 'sentry-stream/my-fix', 'otel/my-fix']) assert.ok(keys.includes(key), key);
  assert.deepEqual(instructionCases([{ name: 'my-fix', polling: false }]).filter((entry) => entry.name === 'my-fix tick'), []);

  // The child as cachegrind runs it, without cachegrind: what it reports is what the parent checks.
  const child = await runEntry('bench/micro/instruction-child.ts', ['none/finish-or-close', '10', exampleOutsideRepo()]);
  assert.equal(child.code, 0, child.stderr);
  const report = JSON.parse(child.stdout.trim()) as { iterations: number; rootsOpen: number; extraRootEnds: number };
  assert.equal(report.iterations, WARMUP_ITERATIONS + 10);
  assert.equal(report.rootsOpen, 0);
  assert.equal(report.extraRootEnds, 0);

  const wallClock = await runEntry('bench/commands/micro.ts', ['--strategy-module', exampleOutsideRepo()]);
  assert.equal(wallClock.code, 2);
  assert.equal(wallClock.stderr, 'error: --strategy-module needs --instructions (accepted without it: --json, --time, --node)\n');
});
