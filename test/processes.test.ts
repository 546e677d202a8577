import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ServerFailed, startServer } from '../bench/harness/server-process.ts';
import { buildIfStale } from '../bench/common/build.ts';
import { stopAllChildren } from '../bench/common/children.ts';
import { isAlive, serverPids, sleep, startEntry } from './support/run.ts';
import { scratchDirectory } from './support/scratch.ts';

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

test('control requests are answered ahead of load connections the server has not accepted yet', async () => {
  // Node accepts one connection per event-loop turn. Sent while the server is frozen, queued
  // connections and a control request reach it at once: a control request in the same accept queue
  // as the load's would be handled only after every queued request had begun (llm-proxy's trials
  // measured a window that opened after their load had ended).
  const queued = 30;
  const server = await startServer({ strategy: 'untraced', tracer: 'none' });
  const sockets: Socket[] = [];
  try {
    await server.freeze();
    for (let index = 0; index < queued; index += 1) {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      sockets.push(socket);
      await once(socket, 'connect');
      socket.write(`GET /long-idle?seconds=30 HTTP/1.1\r\nhost: 127.0.0.1\r\nx-request-id: queued-${index}\r\n\r\n`);
    }
    const state = server.state();
    server.thaw();
    const { inFlight } = await state;
    assert.ok(inFlight < queued / 2, `the control request was handled after ${inFlight} of the ${queued} queued requests had begun`);
    for (const deadline = Date.now() + 10_000; (await server.state()).inFlight < queued && Date.now() < deadline; ) await sleep(20);
    assert.equal((await server.state()).inFlight, queued, 'every queued request was served');
  } finally {
    for (const socket of sockets) socket.destroy();
    server.thaw();
    await server.stop();
  }
});

test('Ctrl-C during verify stops its servers and keeps the finished cells', async () => {
  const out = join(scratchDirectory('verify-sigint'), 'out.json');
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
