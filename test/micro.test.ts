import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateMicroResult } from '../results/micro-schema.ts';
import { isAlive, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

test('bench:micro measures every case under every tracer, writes valid figures and leaves no process', async () => {
  const json = join(scratchDirectory('micro'), 'micro.json');
  // Every process seen under it, to check afterwards that no lifecycle child survived.
  const micro = startEntry('bench/commands/micro.ts', ['--time', '10', '--json', json], { watchProcesses: true, timeoutMs: 600_000 });
  const { code, stdout, stderr } = await micro.finished;

  assert.equal(code, 0, stderr);
  const children = [...micro.seen.values()].filter((seen) => seen.parent === micro.pid);
  assert.ok(children.length >= 3, `saw ${children.length} lifecycle processes`);
  for (const { pid } of children) assert.equal(isAlive(pid), false, `lifecycle process ${pid} survived`);
  assert.match(stdout, /own ns\/req/);

  const validation = validateMicroResult(JSON.parse(readFileSync(json, 'utf8')));
  assert.ok(validation.ok, validation.ok ? '' : validation.error);
  const result = validation.value;
  assert.deepEqual(result.env.pinning.available, false);
  assert.deepEqual(result.lifecycles.map((lifecycle) => lifecycle.tracer), ['none', 'sentry-static', 'sentry-stream', 'otel']);
  const strategies = ['no strategy', 'handler-return', 'close-listener', 'timer-keepalive', 'worker-thread-watcher'];
  for (const { tracer, cases, sdk } of result.lifecycles) {
    const traced = tracer !== 'none';
    assert.deepEqual(cases.map((entry) => entry.name), traced ? [...strategies, 'SDK span work alone'] : strategies, tracer);
    // The SDK really built and serialised every root's output; without one, nothing was sent.
    if (traced) assert.ok(sdk && sdk.envelopes > 0 && sdk.bytes > 0, `${tracer}: the SDK sent nothing`);
    else assert.equal(sdk, null);
    for (const entry of cases) {
      const name = `${tracer} ${entry.name}`;
      // Every root ended, and ok: each stream of the micro benchmark completes.
      assert.deepEqual(Object.keys(entry.rootStatuses), ['ok'], name);
      assert.ok(entry.withUnits.ns > 0 && entry.withoutUnits.ns > 0, `${name}: no CPU time measured`);
      assert.equal(entry.ownCost === null, entry.kind !== 'strategy', name);
    }
  }
});
