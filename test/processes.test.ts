import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildIfStale } from '../bench/common/build.ts';
import { stopAllChildren } from '../bench/common/children.ts';
import { ServerFailed, startServer } from '../bench/harness/server-process.ts';
import { isAlive, ROOT, serverPids } from './support/run.ts';

// Servers run from build/: rebuilt first if stale, as a command does.
before(() => void buildIfStale());
after(() => stopAllChildren());

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a server that never gets ready fails with its own error, and is gone', async () => {
  await assert.rejects(
    startServer({ strategy: 'close-listener', tracer: 'sentry-static' }),
    (error: unknown) => error instanceof ServerFailed && /needs --dsn URL or SENTRY_DSN/.test(error.message),
  );
  assert.deepEqual(serverPids(process.pid), []);
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
  const verify = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/commands/verify.ts', '--strategies', 'untraced,close-listener', '--tracers', 'sentry-static', '--scenarios', 'long-idle', '--requests', '2', '--json', out],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  verify.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => verify.once('exit', (code) => resolve(code)));
  try {
    // Interrupt while the second cell's server is serving its 3-second streams.
    await waitFor(() => (stderr.includes('[1/2]') ? true : undefined), 60_000, 'the first cell');
    const servers = await waitFor(() => {
      const pids = serverPids(verify.pid!);
      return pids.length > 0 ? pids : undefined;
    }, 30_000, 'the second server');
    verify.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    for (const pid of servers) assert.equal(isAlive(pid), false, `server ${pid} survived Ctrl-C`);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as { complete: boolean; verdicts: { cell: { strategy: string } }[] };
    assert.equal(saved.complete, false);
    assert.deepEqual(saved.verdicts.map((verdict) => verdict.cell.strategy), ['untraced']);
  } finally {
    verify.kill('SIGKILL');
  }
});
