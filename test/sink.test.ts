import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { SpanRecord } from '../bench/spans/span-record.ts';
import { startSink, type Sink } from '../bench/spans/sink.ts';
import { runEntry } from './support/run.ts';

const SDK_FIXTURE = 'test/fixtures/sdk-sends.ts';
const SDK_TIMEOUT_MS = 30_000;

interface Reply {
  status: number;
  body: string;
}

/** POSTs a body over real HTTP (node:http, so any header and any bytes can be sent). */
function post(url: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const envelopeUrl = (sink: Sink) => `${sink.url}/api/1/envelope/?sentry_key=public&sentry_version=7`;
const otlpUrl = (sink: Sink) => `${sink.url}/v1/traces`;
const JSON_TYPE = { 'content-type': 'application/json' };

/** An OTLP/HTTP JSON export as @opentelemetry/otlp-transformer writes it: a root ended ERROR 'cancelled' and its child. */
const otlpSpan = (spanId: string, extra: object) => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId,
  name: 'span',
  startTimeUnixNano: '1800000000100000000',
  endTimeUnixNano: '1800000000600000000',
  attributes: [{ key: 'bench.request_id', value: { stringValue: 'r-otlp' } }],
  ...extra,
});
const OTLP_EXPORT = Buffer.from(
  JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              otlpSpan('cccccccccccccccc', { status: { code: 2, message: 'cancelled' } }),
              otlpSpan('dddddddddddddddd', { parentSpanId: 'cccccccccccccccc', status: {} }),
            ],
          },
        ],
      },
    ],
  }),
);

/** An envelope as @sentry/core serialises it: header line, then item header line + payload per item. */
function envelope(items: Array<[header: object, payload: string]>): string {
  const header = JSON.stringify({ event_id: 'e1', sent_at: '2027-01-15T08:00:00.000Z' });
  return [header, ...items.flatMap(([itemHeader, payload]) => [JSON.stringify(itemHeader), payload])].join('\n');
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';

const transactionEvent = {
  type: 'transaction',
  transaction: 'GET /sse',
  start_timestamp: 1_800_000_000.1,
  timestamp: 1_800_000_000.6,
  contexts: {
    trace: {
      trace_id: TRACE,
      span_id: 'aaaaaaaaaaaaaaaa',
      op: 'http.server',
      status: 'cancelled',
      data: { 'bench.request_id': 'r-static', 'bench.kind': 'root', 'sentry.op': 'http.server' },
    },
  },
  spans: [
    {
      trace_id: TRACE,
      span_id: 'bbbbbbbbbbbbbbbb',
      parent_span_id: 'aaaaaaaaaaaaaaaa',
      description: 'chunk 1',
      start_timestamp: 1_800_000_000.2,
      timestamp: 1_800_000_000.3,
      status: 'ok',
      data: { 'bench.request_id': 'r-static', 'bench.kind': 'child' },
    },
    // No status: a span that never set one is ok.
    {
      trace_id: TRACE,
      span_id: 'cccccccccccccccc',
      parent_span_id: 'bbbbbbbbbbbbbbbb',
      start_timestamp: 1_800_000_000.25,
      timestamp: 1_800_000_000.26,
      data: {},
    },
  ],
};

const expectedTransactionSpans: SpanRecord[] = [
  {
    traceId: TRACE,
    spanId: 'aaaaaaaaaaaaaaaa',
    name: 'GET /sse',
    start: 1_800_000_000.1,
    end: 1_800_000_000.6,
    status: 'cancelled',
    attributes: { 'bench.request_id': 'r-static', 'bench.kind': 'root', 'sentry.op': 'http.server' },
    isSegment: true,
    format: 'transaction',
  },
  {
    traceId: TRACE,
    spanId: 'bbbbbbbbbbbbbbbb',
    parentSpanId: 'aaaaaaaaaaaaaaaa',
    name: 'chunk 1',
    start: 1_800_000_000.2,
    end: 1_800_000_000.3,
    status: 'ok',
    attributes: { 'bench.request_id': 'r-static', 'bench.kind': 'child' },
    isSegment: false,
    format: 'transaction',
  },
  {
    traceId: TRACE,
    spanId: 'cccccccccccccccc',
    parentSpanId: 'bbbbbbbbbbbbbbbb',
    name: '',
    start: 1_800_000_000.25,
    end: 1_800_000_000.26,
    status: 'ok',
    attributes: {},
    isSegment: false,
    format: 'transaction',
  },
];

const typed = (value: string | number | boolean) => ({
  value,
  type: typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'boolean' : 'integer',
});

const spanContainer = {
  version: 2,
  items: [
    {
      trace_id: TRACE,
      span_id: 'dddddddddddddddd',
      parent_span_id: 'eeeeeeeeeeeeeeee',
      name: 'chunk 2',
      start_timestamp: 1_800_000_001.2,
      end_timestamp: 1_800_000_001.3,
      status: 'error',
      is_segment: false,
      attributes: {
        'bench.request_id': typed('r-v2'),
        'bench.kind': typed('child'),
        'sentry.status.message': typed('deadline_exceeded'),
      },
    },
    {
      trace_id: TRACE,
      span_id: 'eeeeeeeeeeeeeeee',
      name: 'GET /sse',
      start_timestamp: 1_800_000_001.1,
      end_timestamp: 1_800_000_001.6,
      status: 'error',
      is_segment: true,
      attributes: { 'bench.request_id': typed('r-v2'), 'bench.kind': typed('root'), 'sentry.sample_rate': typed(1) },
    },
    {
      trace_id: TRACE,
      span_id: 'ffffffffffffffff',
      parent_span_id: 'eeeeeeeeeeeeeeee',
      name: 'http.client',
      start_timestamp: 1_800_000_001.4,
      end_timestamp: 1_800_000_001.5,
      status: 'ok',
      is_segment: false,
      attributes: { 'http.ok': typed(true) },
    },
  ],
};

const expectedV2Spans: SpanRecord[] = [
  {
    traceId: TRACE,
    spanId: 'dddddddddddddddd',
    parentSpanId: 'eeeeeeeeeeeeeeee',
    name: 'chunk 2',
    start: 1_800_000_001.2,
    end: 1_800_000_001.3,
    status: 'deadline_exceeded',
    attributes: { 'bench.request_id': 'r-v2', 'bench.kind': 'child', 'sentry.status.message': 'deadline_exceeded' },
    isSegment: false,
    format: 'span-v2',
  },
  {
    traceId: TRACE,
    spanId: 'eeeeeeeeeeeeeeee',
    name: 'GET /sse',
    start: 1_800_000_001.1,
    end: 1_800_000_001.6,
    // error without sentry.status.message
    status: 'internal_error',
    attributes: { 'bench.request_id': 'r-v2', 'bench.kind': 'root', 'sentry.sample_rate': 1 },
    isSegment: true,
    format: 'span-v2',
  },
  {
    traceId: TRACE,
    spanId: 'ffffffffffffffff',
    parentSpanId: 'eeeeeeeeeeeeeeee',
    name: 'http.client',
    start: 1_800_000_001.4,
    end: 1_800_000_001.5,
    status: 'ok',
    attributes: { 'http.ok': true },
    isSegment: false,
    format: 'span-v2',
  },
];

const TRANSACTION_ENVELOPE = envelope([[{ type: 'transaction' }, JSON.stringify(transactionEvent)]]);
const SPAN_V2_ENVELOPE = envelope([
  [
    { type: 'span', item_count: 3, content_type: 'application/vnd.sentry.items.span.v2+json' },
    JSON.stringify(spanContainer),
  ],
]);

describe('sink: well-formed envelopes', () => {
  let sink: Sink;
  before(async () => {
    sink = await startSink({});
  });
  after(() => sink.close());

  test('url, dsn and port agree', () => {
    assert.match(sink.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sink.url, `http://127.0.0.1:${sink.port}`);
    assert.equal(sink.dsn, `http://public@127.0.0.1:${sink.port}/1`);
  });

  const cases = [
    { format: 'transaction', body: TRANSACTION_ENVELOPE, expected: expectedTransactionSpans },
    { format: 'span v2', body: SPAN_V2_ENVELOPE, expected: expectedV2Spans },
  ];
  for (const { format, body, expected } of cases) {
    for (const gzip of [false, true]) {
      test(`${format}, ${gzip ? 'gzipped' : 'plain'}: answered 200 {} and parsed into SpanRecords`, async () => {
        sink.clear();
        const reply = gzip
          ? await post(envelopeUrl(sink), gzipSync(body), { 'content-encoding': 'gzip' })
          : await post(envelopeUrl(sink), body);
        assert.deepEqual(reply, { status: 200, body: '{}' });
        assert.deepEqual(sink.spans(), expected);
        assert.equal(sink.envelopes, 1);
        assert.equal(sink.rejected, 0);
      });
    }
  }

  test('OTLP JSON at /v1/traces: answered 200 {} and parsed into SpanRecords, gzipped too', async () => {
    for (const gzip of [false, true]) {
      sink.clear();
      const reply = gzip
        ? await post(otlpUrl(sink), gzipSync(OTLP_EXPORT), { ...JSON_TYPE, 'content-encoding': 'gzip' })
        : await post(otlpUrl(sink), OTLP_EXPORT, JSON_TYPE);
      assert.deepEqual(reply, { status: 200, body: '{}' });
      assert.deepEqual(
        sink.spansFor('r-otlp').map(({ spanId, parentSpanId, status, isSegment, format }) => ({ spanId, parentSpanId, status, isSegment, format })),
        [
          { spanId: 'cccccccccccccccc', parentSpanId: undefined, status: 'cancelled', isSegment: true, format: 'otlp' },
          { spanId: 'dddddddddddddddd', parentSpanId: 'cccccccccccccccc', status: 'unset', isSegment: false, format: 'otlp' },
        ],
      );
      assert.equal(sink.envelopes, 1);
      assert.equal(sink.rejected, 0);
    }
  });

  test('spansFor selects by bench.request_id; clear forgets', async () => {
    sink.clear();
    await post(envelopeUrl(sink), TRANSACTION_ENVELOPE);
    await post(envelopeUrl(sink), SPAN_V2_ENVELOPE);
    assert.deepEqual(sink.spansFor('r-static'), expectedTransactionSpans.slice(0, 2));
    assert.deepEqual(sink.spansFor('r-v2'), expectedV2Spans.slice(0, 2));
    assert.deepEqual(sink.spansFor('nobody'), []);
    assert.equal(sink.spans().length, 6);
    sink.clear();
    assert.deepEqual(sink.spans(), []);
    assert.deepEqual(sink.spansFor('r-v2'), []);
    assert.equal(sink.envelopes, 0);
  });

  test('items with a byte length (multi-byte text), other item types ignored, trailing newline', async () => {
    sink.clear();
    const named = { ...transactionEvent, transaction: 'GET /naïve ☃' };
    const payload = JSON.stringify(named);
    const body =
      envelope([
        [{ type: 'client_report' }, JSON.stringify({ timestamp: 1, discarded_events: [] })],
        [{ type: 'transaction', length: Buffer.byteLength(payload) }, payload],
        [{ type: 'attachment', length: 3 }, 'a\nb'],
        [{ type: 'session' }, JSON.stringify({ sid: 's', status: 'ok' })],
      ]) + '\n';
    const reply = await post(envelopeUrl(sink), body);
    assert.equal(reply.status, 200);
    assert.equal(sink.spans().length, 3);
    assert.equal(sink.spans()[0]?.name, 'GET /naïve ☃');
  });

  test('waitForQuiet resolves once envelopes stop arriving', async () => {
    await post(envelopeUrl(sink), TRANSACTION_ENVELOPE);
    const started = performance.now();
    assert.equal(await sink.waitForQuiet(50), true);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('sink: bad input', () => {
  let sink: Sink;
  const maxBodyBytes = 4096;
  before(async () => {
    sink = await startSink({ maxBodyBytes });
  });
  after(() => sink.close());

  const validItemHeader = JSON.stringify({ type: 'transaction' });
  const badBodies: Array<{ what: string; body: Buffer | string; headers?: Record<string, string>; status: number; otlp?: true }> = [
    { what: 'not an envelope (text)', body: 'hello world', status: 400 },
    { what: 'not an envelope (JSON array)', body: '[1,2,3]\n{"type":"transaction"}\n{}', status: 400 },
    { what: 'an envelope header without items', body: '{"event_id":"e1"}', status: 400 },
    { what: 'an empty body', body: '', status: 400 },
    { what: 'bad JSON in an item', body: `{}\n${validItemHeader}\n{"contexts": {`, status: 400 },
    { what: 'an item header without type', body: '{}\n{"length":2}\n{}', status: 400 },
    { what: 'an item header without payload', body: `{}\n${validItemHeader}`, status: 400 },
    {
      what: 'a truncated item (length beyond the body)',
      body: '{}\n{"type":"transaction","length":500}\n{"contexts":{}}',
      status: 400,
    },
    {
      what: 'a transaction without contexts.trace',
      body: `{}\n${validItemHeader}\n{"start_timestamp":1,"timestamp":2}`,
      status: 400,
    },
    {
      what: 'a span v2 item with an unknown status',
      body: `{}\n{"type":"span","content_type":"application/vnd.sentry.items.span.v2+json"}\n${JSON.stringify({
        items: [{ ...spanContainer.items[1], status: 'cancelled' }],
      })}`,
      status: 400,
    },
    { what: 'bad gzip', body: 'definitely not gzip', headers: { 'content-encoding': 'gzip' }, status: 400 },
    {
      what: 'gzip of a truncated envelope',
      body: gzipSync(TRANSACTION_ENVELOPE.slice(0, -20)),
      headers: { 'content-encoding': 'gzip' },
      status: 400,
    },
    {
      what: 'an unknown content-encoding',
      body: TRANSACTION_ENVELOPE,
      headers: { 'content-encoding': 'br' },
      status: 415,
    },
    { what: 'a body over maxBodyBytes', body: Buffer.alloc(maxBodyBytes + 1, 'x'), status: 413 },
    {
      what: 'gzip that inflates past maxBodyBytes',
      body: gzipSync(Buffer.alloc(1024 * 1024, ' ')),
      headers: { 'content-encoding': 'gzip' },
      status: 413,
    },
    { what: 'OTLP: not JSON', body: 'resourceSpans', headers: JSON_TYPE, status: 400, otlp: true },
    { what: 'OTLP: an empty body', body: '', headers: JSON_TYPE, status: 400, otlp: true },
    { what: 'OTLP: an envelope', body: TRANSACTION_ENVELOPE, headers: JSON_TYPE, status: 400, otlp: true },
    { what: 'OTLP: spans not a list', body: '{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}', headers: JSON_TYPE, status: 400, otlp: true },
    {
      what: 'OTLP: a span with base64 ids (protobuf-JSON style)',
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [otlpSpan('3Mzc3Nzc3Mw=', {})] }] }] }),
      headers: JSON_TYPE,
      status: 400,
      otlp: true,
    },
    { what: 'OTLP: a truncated export', body: OTLP_EXPORT.subarray(0, -30), headers: JSON_TYPE, status: 400, otlp: true },
    { what: 'OTLP: bad gzip', body: 'not gzip', headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, status: 400, otlp: true },
    { what: 'OTLP: protobuf', body: Buffer.from([0x0a, 0x02, 0x0a, 0x00]), headers: { 'content-type': 'application/x-protobuf' }, status: 415, otlp: true },
    { what: 'OTLP: a body over maxBodyBytes', body: Buffer.alloc(maxBodyBytes + 1, 'x'), headers: JSON_TYPE, status: 413, otlp: true },
  ];

  for (const { what, body, headers, status, otlp } of badBodies) {
    test(`${what}: ${status}, counted, and the sink still serves`, async () => {
      const rejectedBefore = sink.rejected;
      const reply = await post(otlp ? otlpUrl(sink) : envelopeUrl(sink), body, headers);
      assert.equal(reply.status, status, reply.body);
      assert.match(reply.body, /"error"/);
      assert.equal(sink.rejected, rejectedBefore + 1);
      assert.equal((await post(envelopeUrl(sink), TRANSACTION_ENVELOPE)).status, 200);
      assert.equal((await post(otlpUrl(sink), OTLP_EXPORT, JSON_TYPE)).status, 200);
    });
  }

  test('a rejected OTLP export keeps none of its spans', async () => {
    sink.clear();
    const half = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [otlpSpan('cccccccccccccccc', {}), { spanId: 'x' }] }] }] });
    assert.equal((await post(otlpUrl(sink), half, JSON_TYPE)).status, 400);
    assert.deepEqual(sink.spans(), []);
    assert.equal(sink.envelopes, 0);
  });

  test('a rejected envelope keeps none of its spans', async () => {
    sink.clear();
    const good = JSON.stringify(transactionEvent);
    const reply = await post(envelopeUrl(sink), `{}\n${validItemHeader}\n${good}\n${validItemHeader}\n{"bad":`);
    assert.equal(reply.status, 400);
    assert.deepEqual(sink.spans(), []);
    assert.equal(sink.envelopes, 0);
  });

  test('other paths get 404, other methods 405', async () => {
    assert.equal((await post(`${sink.url}/api/1/store/`, TRANSACTION_ENVELOPE)).status, 404);
    assert.equal((await post(`${sink.url}/`, TRANSACTION_ENVELOPE)).status, 404);
    for (const url of [envelopeUrl(sink), otlpUrl(sink)]) {
      const get = await fetch(url);
      assert.equal(get.status, 405);
      await get.body?.cancel();
    }
    assert.equal((await post(`${sink.url}/v1/metrics`, OTLP_EXPORT, JSON_TYPE)).status, 404);
  });

  test('a client that disconnects mid-body is counted and does not hurt the sink', async () => {
    const rejectedBefore = sink.rejected;
    await new Promise<void>((resolve) => {
      const outgoing = request(envelopeUrl(sink), { method: 'POST', headers: { 'content-length': '1000' } });
      outgoing.on('error', () => resolve());
      outgoing.write('{"event_id":', () => setTimeout(() => outgoing.destroy(), 20));
    });
    assert.equal(await sink.waitForQuiet(50, 5000), true);
    assert.equal(sink.rejected, rejectedBefore + 1);
    assert.equal((await post(envelopeUrl(sink), TRANSACTION_ENVELOPE)).status, 200);
  });

  test('a port in use is refused at start', async () => {
    await assert.rejects(startSink({ port: sink.port }), { code: 'EADDRINUSE' });
  });
});

/** Span times as the SDK itself held them, printed by the fixture. */
interface SdkTimes {
  requestId: string;
  kind: 'root' | 'child';
  start: number;
  end: number;
}

/** Runs the fixture that sends real @sentry/node output; killed if it overruns. */
async function runSdkFixture(dsn: string, lifecycle: 'static' | 'stream'): Promise<SdkTimes[]> {
  const { code, stdout, stderr } = await runEntry(SDK_FIXTURE, [dsn, lifecycle], { timeoutMs: SDK_TIMEOUT_MS });
  assert.equal(code, 0, `sdk-sends.ts ${lifecycle} exited ${code}: ${stderr}`);
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as SdkTimes);
}

describe('sink: real @sentry/node round trip', () => {
  let sink: Sink;
  const envelopes: Array<{ gzipped: boolean }> = [];
  before(async () => {
    sink = await startSink({
      onEnvelope: (report) => {
        if (report.accepted) envelopes.push({ gzipped: report.gzipped });
      },
    });
  });
  after(async () => {
    await sink.close();
  });

  const cases = [
    { lifecycle: 'static', format: 'transaction', cancelledArrivesAs: 'cancelled' },
    // The v2 wire format has no 'cancelled': the SDK sends it as a plain ok.
    { lifecycle: 'stream', format: 'span-v2', cancelledArrivesAs: 'ok' },
  ] as const;

  for (const { lifecycle, format, cancelledArrivesAs } of cases) {
    test(`traceLifecycle '${lifecycle}': root and child arrive in one trace, statuses normalised`, async () => {
      sink.clear();
      envelopes.length = 0;
      const sdkTimes = await runSdkFixture(sink.dsn, lifecycle);
      // The fixture flushed before exiting, so everything has been answered; this only guards.
      await sink.waitForQuiet(50);
      assert.equal(sink.rejected, 0);

      const status: Record<string, string> = {};
      for (const requestId of ['sdk-ok', 'sdk-error', 'sdk-cancelled', 'sdk-large']) {
        const spans = sink.spansFor(requestId);
        const root = spans.find((span) => span.attributes['bench.kind'] === 'root');
        const child = spans.find((span) => span.attributes['bench.kind'] === 'child');
        assert.ok(root && child, `${requestId}: root and child received (got ${spans.length} spans)`);
        assert.equal(spans.length, 2);
        assert.equal(root.isSegment, true);
        assert.equal(root.name, 'root');
        assert.equal(root.format, format);
        assert.equal(child.isSegment, false);
        assert.equal(child.name, 'child');
        assert.equal(child.format, format);
        assert.equal(child.traceId, root.traceId);
        assert.equal(child.parentSpanId, root.spanId);
        assert.match(root.traceId, /^[0-9a-f]{32}$/);
        // The sink passes on the SDK's own times. It does not check that the child nests in its
        // root: the SDK does not guarantee it (README, "Why a child can end outside its root").
        for (const span of [root, child]) {
          const kind: SdkTimes['kind'] = span === root ? 'root' : 'child';
          const sent: SdkTimes | undefined = sdkTimes.find((times) => times.requestId === requestId && times.kind === kind);
          assert.deepEqual({ start: span.start, end: span.end }, { start: sent?.start, end: sent?.end }, `${requestId} ${kind} times`);
        }
        assert.ok(Math.abs(root.start * 1000 - Date.now()) < 60_000, 'timestamps are epoch seconds');
        assert.equal(child.status, 'ok');
        status[requestId] = root.status;
      }
      assert.deepEqual(status, {
        'sdk-ok': 'ok',
        'sdk-error': 'internal_error',
        'sdk-cancelled': cancelledArrivesAs,
        'sdk-large': 'ok',
      });

      const errorRoot = sink.spansFor('sdk-error').find((span) => span.isSegment);
      // Only v2 carries the message as an attribute; a transaction has it as the status itself.
      assert.equal(errorRoot?.attributes['sentry.status.message'], format === 'span-v2' ? 'internal_error' : undefined);
      const largeChild = sink.spansFor('sdk-large').find((span) => !span.isSegment);
      assert.equal((largeChild?.attributes['bench.padding'] as string | undefined)?.length, 40 * 1024);
      // The SDK gzips bodies over 32 KB: the large trace exercised the sink's gzip path for real.
      assert.ok(envelopes.some((envelope) => envelope.gzipped));
      assert.ok(envelopes.some((envelope) => !envelope.gzipped));
    });
  }
});
