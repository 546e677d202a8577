import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ServerFailed, startServer } from '../bench/harness/server-process.ts';
import { buildIfStale } from '../bench/common/build.ts';
import { stopAllChildren } from '../bench/common/children.ts';
import { isAlive, serverPids, startEntry } from './support/run.ts';

before(() => void buildIfStale());
after(() => stopAllChildren());

test('a server that never gets ready fails with its own error, and is gone', async () => {
  await assert.rejects(
    startServer({ strategy: 'close-listener', tracer: 'sentry-static' }),
    (error: unknown) => error instanceof ServerFailed && /needs --dsn URL or SENTRY_DSN/.test(error.message),
  );
  assert.deepEqual(serverPids(process.pid), []);
});

test("a server that fails under a launcher (valgrind) says why, not the launcher's closing summary", async () => {
  // As valgrind does: the launcher prints its own summary after the server has exited.
  const launcher = ['sh', '-c', '"$@"; code=$?; echo "==4242== I   refs:      0" >&2; exit $code', 'launcher'];
  await assert.rejects(
    startServer({ strategy: 'close-listener', tracer: 'sentry-static', launcher }),
    (error: unknown) => error instanceof ServerFailed && /needs --dsn URL or SENTRY_DSN/.test(error.message) && !error.message.includes('==4242=='),
  );
});

test('stop() ends the server process', async () => {
  const server = await startServer({ strategy: 'untraced', tracer: 'none' });
  assert.ok(isAlive(server.pid));
  const response = await fetch(`${server.url}/plain-json`, { headers: { 'x-request-id': 'probe-1' } });
  assert.equal(response.headers.get('x-request-id'), 'probe-1');
  await response.json();
  await server.stop();
  assert.equal(isAlive(server.pid), false);
});

test('Ctrl-C during verify stops its servers and keeps the finished cells', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'verify-sigint-')), 'out.json');
  const verify = startEntry('bench/commands/verify.ts', [
    '--strategies', 'untraced,close-listener', '--tracers', 'sentry-static', '--scenarios', 'long-idle', '--requests', '2', '--json', out,
  ]);
  try {
    // Interrupt while the second cell's server is serving its 3-second streams.
    await verify.until(() => verify.stderr.includes('[1/2]'), 'the first cell', 60_000);
    const servers = await verify.until(() => {
      const pids = serverPids(verify.pid);
      return pids.length > 0 && pids;
    }, 'the second server', 30_000);
    verify.kill('SIGINT');
    assert.equal((await verify.finished).code, 130, verify.stderr);
    for (const pid of servers) assert.equal(isAlive(pid), false, `server ${pid} survived Ctrl-C`);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { complete: boolean; verdicts: { cell: { strategy: string } }[] };
    assert.equal(saved.complete, false);
    assert.deepEqual(saved.verdicts.map((verdict) => verdict.cell.strategy), ['untraced']);
  } finally {
    verify.kill('SIGKILL');
  }
});
