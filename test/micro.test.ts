import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateMicroResult } from '../results/micro-schema.ts';
import { childPids, isAlive, ROOT } from './support/run.ts';

test('bench:micro measures every case under every tracer, writes valid figures and leaves no process', async () => {
  const json = join(mkdtempSync(join(tmpdir(), 'micro-')), 'micro.json');
  const micro = spawn(process.execPath, ['--import', 'tsx', 'bench/commands/micro.ts', '--time', '10', '--json', json], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  micro.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  micro.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // Every lifecycle child seen while it ran, to check afterwards that none survived.
  const children = new Set<number>();
  const watcher = setInterval(() => childPids(micro.pid!).forEach((pid) => children.add(pid)), 100);
  const code = await new Promise<number | null>((resolve) => micro.once('exit', resolve));
  clearInterval(watcher);

  assert.equal(code, 0, stderr);
  assert.ok(children.size >= 3, `saw ${children.size} lifecycle processes`);
  for (const pid of children) assert.equal(isAlive(pid), false, `lifecycle process ${pid} survived`);
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
