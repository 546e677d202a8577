import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink, type Sink } from '../bench/spans/sink.ts';
import { otelTracer, otlpTracesUrl } from '../servers/otel-tracer.ts';
import type { Tracer } from '../servers/tracer.ts';

// The otel tracer in this process (the real SDK), exporting OTLP over HTTP to a real sink that
// refuses bodies over 20 KB: small exports arrive, a large one fails and counts as dropped.

const MAX_BODY_BYTES = 20_000;
let sink: Sink;
let tracer: Tracer;

before(async () => {
  sink = await startSink({ maxBodyBytes: MAX_BODY_BYTES });
  tracer = await otelTracer({ dsn: sink.dsn, sdkServerSpans: false, ignorePathPrefix: '/__bench/' });
});
after(() => sink.close());

test('the OTLP endpoint is the DSN host and port with /v1/traces', () => {
  assert.equal(otlpTracesUrl('http://public@127.0.0.1:4318/1'), 'http://127.0.0.1:4318/v1/traces');
});

test('startRoot starts a new trace even inside an active span; children nest under the active root', async () => {
  const outer = tracer.startRoot('outer', { 'bench.request_id': 'outer' });
  const inner = tracer.withActive(outer, () => tracer.startRoot('inner', { 'bench.request_id': 'inner' }));
  tracer.withActive(inner, () => tracer.child('child', { 'bench.request_id': 'inner' }, () => {}));
  inner.setStatus('cancelled');
  inner.end();
  outer.setStatus('ok');
  outer.end();
  assert.equal(await tracer.flush(10_000), true);
  await sink.waitForQuiet(50);

  const [outerRoot] = sink.spansFor('outer');
  const innerSpans = sink.spansFor('inner');
  const innerRoot = innerSpans.find((span) => span.name === 'inner');
  const child = innerSpans.find((span) => span.name === 'child');
  assert.ok(outerRoot && innerRoot && child);
  assert.equal(innerRoot.isSegment, true);
  assert.equal(innerRoot.parentSpanId, undefined);
  assert.notEqual(innerRoot.traceId, outerRoot.traceId);
  assert.equal(child.parentSpanId, innerRoot.spanId);
  assert.equal(child.traceId, innerRoot.traceId);
  assert.deepEqual([outerRoot.status, innerRoot.status, child.status], ['ok', 'cancelled', 'unset']);
  assert.deepEqual(tracer.dropped?.(), {});
});

test('an export the sink refuses is reported as dropped, once', async () => {
  const root = tracer.startRoot('large', { 'bench.request_id': 'large', 'bench.padding': 'x'.repeat(MAX_BODY_BYTES) });
  root.end();
  assert.equal(await tracer.flush(10_000), false);
  assert.equal(sink.spansFor('large').length, 0);
  assert.equal(sink.rejected, 1);
  assert.deepEqual(tracer.dropped?.(), { 'export_failed:span': 1 });
  assert.deepEqual(tracer.dropped?.(), {});
});
