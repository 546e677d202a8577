import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SCENARIOS, scenarioUrl } from '../bench/harness/scenarios.ts';
import { startServer } from '../bench/harness/server-process.ts';
import { buildIfStale } from '../bench/common/build.ts';
import { stopAllChildren } from '../bench/common/children.ts';
import { fetchStream } from '../bench/harness/stream-client.ts';
import { requestMix, settle } from '../bench/harness/verify-run.ts';
import { startSink } from '../bench/spans/sink.ts';
import { verify } from '../bench/spans/verifier.ts';
import { eventually, isAlive, processStat, sleep } from './support/run.ts';

before(() => void buildIfStale());
after(() => stopAllChildren());

/** The process state letter (R, S, T = stopped, ...), or null once it is gone. */
const processState = (pid: number): string | null => processStat(pid)?.state ?? null;

// timer-keepalive polls with a timer and sentry-stream flushes its span buffer on one; the watcher
// runs a worker thread: each is frozen mid-stream, longer than its timers' periods, then thawed.
for (const [strategy, tracer] of [['timer-keepalive', 'sentry-stream'], ['worker-thread-watcher', 'sentry-static']] as const) {
  test(`${strategy}/${tracer} frozen mid-stream and thawed: sockets, SDK transport and timers recover, every span verifies`, async () => {
    const sink = await startSink({ port: 0 });
    const server = await startServer({ strategy, tracer, dsn: sink.dsn });
    try {
      const scenario = SCENARIOS['sse-tokens'];
      // Before: the SDK's connection to the sink and the client's keep-alive socket are open. Their
      // roots end before the freeze: a root the strategy had yet to end (a tick away) would end
      // only after the thaw, late by the whole freeze, which is the freeze's doing, not a fault.
      const before = requestMix(server.url, scenario, 5);
      await Promise.all(before.map((request) => fetchStream(request)));
      assert.equal((await settle(server)).openRoots, 0, 'the first requests\' roots have ended');

      // A stream in flight when the server freezes (a 1 s stream, frozen once the server holds
      // it), and one sent while it is frozen.
      const inFlight = fetchStream({ url: scenarioUrl(server.url, scenario, { overrides: { gapMs: '50' } }), requestId: 'frozen-mid-stream', timeoutMs: 30_000 });
      assert.ok(await eventually(async () => (await server.state()).inFlight > 0), 'the server took the stream');
      await server.freeze();
      assert.equal(processState(server.pid), 'T', 'the server is stopped');
      let sentWhileFrozenDone = false;
      const sentWhileFrozen = fetchStream({ url: scenarioUrl(server.url, scenario), requestId: 'sent-while-frozen', timeoutMs: 30_000 }).finally(() => {
        sentWhileFrozenDone = true;
      });
      await sleep(1_500);
      assert.equal(sentWhileFrozenDone, false, 'a frozen server answers nothing');
      server.thaw();
      // SIGCONT, like SIGSTOP, is delivered asynchronously: the state changes shortly after.
      for (const deadline = Date.now() + 2_000; processState(server.pid) === 'T' && Date.now() < deadline; ) await sleep(5);
      assert.notEqual(processState(server.pid), 'T', 'the server runs again');
      const [mid, late] = await Promise.all([inFlight, sentWhileFrozen]);
      assert.equal(mid.ending, 'complete', 'the in-flight stream finished');
      assert.equal(late.ending, 'complete', 'the queued request was served');

      // After: more of the usual mix, then every request of the whole test is judged.
      const afterThaw = requestMix(server.url, scenario, 10);
      await Promise.all(afterThaw.map((request) => fetchStream(request)));
      const state = await settle(server);
      await server.flush();
      await sink.waitForQuiet(300);
      const truths = await server.state(true);
      assert.equal(truths.requests.length, 17);
      // Every structural rule at its default; the root's end precision gets 500 ms, not 90: on a
      // loaded 2-core machine the watcher's thread alone can be scheduled that late (the verify
      // suite judges end precision; this test judges what a freeze could lose or misparent).
      const report = verify(sink.spans(), truths.requests, { openRoots: state.openRoots, endToleranceMs: 500 });
      assert.equal(report.correctRate, 1, JSON.stringify(report.perRequest.filter((verdict) => Object.keys(verdict.violations).length > 0)));
      assert.equal(report.leakedOpen, 0);
    } finally {
      await server.stop();
      await sink.close();
    }
    assert.equal(isAlive(server.pid), false);
  });
}

test('stop() ends a frozen server', async () => {
  const server = await startServer({ strategy: 'untraced', tracer: 'none' });
  await server.freeze();
  assert.equal(processState(server.pid), 'T');
  await server.stop();
  assert.equal(isAlive(server.pid), false);
});
