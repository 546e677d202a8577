import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ServerProcess, startServer } from '../bench/harness/server-process.ts';
import { SCENARIOS, scenarioUrl } from '../bench/harness/scenarios.ts';
import { fetchStream } from '../bench/harness/stream-client.ts';
import { type Sink, startSink } from '../bench/spans/sink.ts';
import type { StrategyName } from '../strategies/registry.ts';
import type { TracerName } from '../servers/tracer.ts';
import { SPAN_KIND_ATTRIBUTE } from '../servers/ground-truth.ts';
import { useSink } from './support/sink-fixture.ts';
import { eventually, sleep } from './support/run.ts';

// A server counted under valgrind runs no clock-driven work between the counter's readings
// (servers/counted.ts). These run the same server without valgrind: what it does not do on its
// own, it must not do whatever the time waited.
useSink();

interface Counted {
  sink: Sink;
  server: ServerProcess;
  /** One complete sse-tokens request. */
  request(id: string): Promise<void>;
}

/** A counted server with a sink of its own (whose connections are then the SDK's alone), stopped after. */
async function withCountedServer(strategy: StrategyName, tracer: TracerName, args: string[], run: (counted: Counted) => Promise<void>): Promise<void> {
  const sink = await startSink({ port: 0 });
  const server = await startServer({ strategy, tracer, dsn: sink.dsn, args: ['--counted', ...args] });
  const request = async (id: string): Promise<void> => {
    const result = await fetchStream({ url: scenarioUrl(server.url, SCENARIOS['sse-tokens'], { counted: true }), requestId: id, timeoutMs: 30_000 });
    assert.equal(result.ending, 'complete');
  };
  try {
    await run({ sink, server, request });
  } finally {
    await server.stop();
    await sink.close();
  }
}

describe('a counted server', { concurrency: true }, () => {
  for (const strategy of ['timer-keepalive', 'worker-thread-watcher'] as const) {
    test(`${strategy} ticks once after a response closes, never on its timer`, async () => {
      // A root open past 100 ms is ended by the next tick: a tick on the timer would end this one mid-stream.
      await withCountedServer(strategy, 'otel', ['--max-lifetime-ms', '100'], async (counted) => {
        const stream = fetchStream({ url: scenarioUrl(counted.server.url, SCENARIOS['long-idle'], { overrides: { seconds: '1' } }), requestId: 'tick-1', timeoutMs: 30_000 });
        // Timed from when the server holds the stream, however slowly the request reached it.
        assert.ok(await eventually(async () => (await counted.server.state()).inFlight === 1, 30_000), 'the server took the stream');
        await sleep(400);
        assert.equal((await counted.server.state()).openRoots, 1, 'mid-stream, past its lifetime, the root is open: no tick ran');
        assert.equal((await stream).ending, 'complete');
        assert.ok(await eventually(async () => (await counted.server.state()).openRoots === 0), 'the tick after the response closed ended the root');
        await counted.server.flush();
        const root = counted.sink.spansFor('tick-1').find((span) => span.attributes[SPAN_KIND_ATTRIBUTE] === 'root');
        assert.equal(root?.status, 'ok', 'ended as done, not as past its lifetime');
      });
    });
  }

  test("@sentry/node keeps its connection to the collector past the SDK's 2 s idle timeout", async () => {
    await withCountedServer('close-listener', 'sentry-static', [], async (counted) => {
      await counted.request('kept-1');
      await counted.server.flush();
      await sleep(2_500);
      await counted.request('kept-2');
      await counted.server.flush();
      assert.ok(counted.sink.envelopes >= 2, `both transactions sent (${counted.sink.envelopes} envelopes)`);
      assert.equal(counted.sink.connections, 1, 'one connection carried both sends');
    });
  });

  test("OpenTelemetry's batch goes when flushed, not when its 5 s timer would fire", async () => {
    await withCountedServer('close-listener', 'otel', [], async (counted) => {
      await counted.request('batch-1');
      await sleep(5_500);
      assert.equal(counted.sink.envelopes, 0, 'nothing sent on a timer');
      await counted.server.flush();
      assert.equal(counted.sink.envelopes, 1, 'the flush sent the batch');
    });
  });

  test("responses carry no Date header, whose text Node refreshes on a 1 s timer; a server not counted sends it", async () => {
    for (const counted of [true, false]) {
      const server = await startServer({ strategy: 'untraced', tracer: 'none', args: counted ? ['--counted'] : [] });
      try {
        const response = await fetch(`${server.url}/plain-json`);
        assert.equal(response.status, 200);
        assert.equal(response.headers.has('date'), !counted, counted ? 'counted: no Date header' : 'not counted: a Date header');
      } finally {
        await server.stop();
      }
    }
  });
});

test("long-idle's heartbeats without their waits (gapMs=0, as counted): every heartbeat, and a bad gap is refused", async () => {
  const server = await startServer({ strategy: 'untraced', tracer: 'none' });
  try {
    const body = await (await fetch(scenarioUrl(server.url, SCENARIOS['long-idle'], { counted: true }))).text();
    assert.equal(body.match(/: heartbeat \d+/g)?.length, Number(SCENARIOS['long-idle'].query.seconds));
    assert.equal((await fetch(`${server.url}/long-idle?gapMs=-1`)).status, 400);
  } finally {
    await server.stop();
  }
});
