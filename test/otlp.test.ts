import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OtlpError, parseOtlpTraces } from '../bench/spans/otlp.ts';
import type { SpanRecord } from '../bench/spans/span-record.ts';
import { verify } from '../bench/spans/verifier.ts';
import type { Outcome, RequestTruth } from '../servers/ground-truth.ts';

// Hand-made OTLP/HTTP JSON bodies, shaped as @opentelemetry/otlp-transformer 0.223 writes them:
// one test per field of the span record the verifier reads.

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const CHILD = 'aaaaaaaaaaaaaaaa';

type OtlpSpan = Record<string, unknown>;

function rootSpan(overrides: OtlpSpan = {}): OtlpSpan {
  return {
    traceId: TRACE,
    spanId: ROOT,
    name: 'GET /sse-tokens',
    kind: 2,
    startTimeUnixNano: '1800000000123456789',
    endTimeUnixNano: '1800000001500000000',
    attributes: [
      { key: 'bench.request_id', value: { stringValue: 'r-otlp' } },
      { key: 'bench.kind', value: { stringValue: 'root' } },
    ],
    status: { code: 1 },
    flags: 0x101,
    ...overrides,
  };
}

function body(...spans: OtlpSpan[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'streamtrace-bench' } }] },
          scopeSpans: [{ scope: { name: 'streamtrace-bench' }, spans }],
        },
      ],
    }),
  );
}

function only(span: OtlpSpan): SpanRecord {
  const records = parseOtlpTraces(body(span));
  assert.equal(records.length, 1);
  return records[0]!;
}

describe('OTLP JSON to span records', () => {
  test('trace id and span id: the hex strings, lower-cased', () => {
    const record = only(rootSpan({ traceId: TRACE.toUpperCase() }));
    assert.equal(record.traceId, TRACE);
    assert.equal(record.spanId, ROOT);
    assert.equal(record.format, 'otlp');
  });

  test('parent: parentSpanId, absent on a root (none or empty)', () => {
    assert.equal(only(rootSpan({ parentSpanId: ROOT, spanId: CHILD })).parentSpanId, ROOT);
    assert.equal('parentSpanId' in only(rootSpan()), false);
    assert.equal('parentSpanId' in only(rootSpan({ parentSpanId: '' })), false);
  });

  test('start and end: nanosecond strings (or numbers) to epoch seconds, kept to the microsecond', () => {
    const record = only(rootSpan());
    assert.equal(record.start, 1_800_000_000.123456);
    assert.equal(record.end, 1_800_000_001.5);
    assert.equal(only(rootSpan({ startTimeUnixNano: 1_000_000_000 })).start, 1);
  });

  test('status: OK is ok, UNSET (or none) is unset, ERROR is its description', () => {
    const statusOf = (status: unknown): string => only(rootSpan({ status })).status;
    assert.equal(statusOf({ code: 1 }), 'ok');
    assert.equal(statusOf({ code: 'STATUS_CODE_OK' }), 'ok');
    assert.equal(statusOf({}), 'unset');
    assert.equal(statusOf(undefined), 'unset');
    assert.equal(statusOf({ code: 2, message: 'cancelled' }), 'cancelled');
    assert.equal(statusOf({ code: 2, message: 'internal_error' }), 'internal_error');
    assert.equal(statusOf({ code: 2 }), 'error');
  });

  test('attributes: every AnyValue unwrapped (the request id and kind are strings)', () => {
    const record = only(
      rootSpan({
        attributes: [
          { key: 'bench.request_id', value: { stringValue: 'r-otlp' } },
          { key: 'int.string', value: { intValue: '42' } },
          { key: 'int.number', value: { intValue: 7 } },
          { key: 'double', value: { doubleValue: 1.5 } },
          { key: 'bool', value: { boolValue: false } },
          { key: 'array', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } } },
          { key: 'kvlist', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
          { key: 'empty', value: {} },
        ],
      }),
    );
    assert.deepEqual(record.attributes, {
      'bench.request_id': 'r-otlp',
      'int.string': 42,
      'int.number': 7,
      double: 1.5,
      bool: false,
      array: ['a', 1],
      kvlist: { k: true },
      empty: null,
    });
  });

  test('isSegment: no parent, or a parent flagged as remote; a local parent makes a child', () => {
    assert.equal(only(rootSpan()).isSegment, true);
    assert.equal(only(rootSpan({ spanId: CHILD, parentSpanId: ROOT, flags: 0x101 })).isSegment, false);
    assert.equal(only(rootSpan({ spanId: CHILD, parentSpanId: ROOT })).isSegment, false);
    assert.equal(only(rootSpan({ parentSpanId: CHILD, flags: 0x301 })).isSegment, true);
  });

  test('an export with several resources and scopes, or none, keeps every span in order', () => {
    const two = JSON.parse(body(rootSpan()).toString()) as { resourceSpans: unknown[] };
    two.resourceSpans.push({ scopeSpans: [{ spans: [rootSpan({ spanId: CHILD, parentSpanId: ROOT })] }, {}] });
    assert.deepEqual(parseOtlpTraces(Buffer.from(JSON.stringify(two))).map((span) => span.spanId), [ROOT, CHILD]);
    assert.deepEqual(parseOtlpTraces(Buffer.from('{}')), []);
  });

  const bad: Array<[what: string, text: string | Buffer]> = [
    ['not JSON', 'resourceSpans'],
    ['a JSON array', '[]'],
    ['resourceSpans not a list', '{"resourceSpans":{}}'],
    ['a scopeSpans entry not an object', '{"resourceSpans":[{"scopeSpans":[1]}]}'],
    ['a span without traceId', body(rootSpan({ traceId: undefined }))],
    ['a traceId of the wrong length', body(rootSpan({ traceId: 'abc' }))],
    ['a base64 spanId', body(rootSpan({ spanId: '7uGbfsPBsXQ=' }))],
    ['a start time that is not nanoseconds', body(rootSpan({ startTimeUnixNano: '1.5e18' }))],
    ['a negative end time', body(rootSpan({ endTimeUnixNano: -1 }))],
    ['an unknown status code', body(rootSpan({ status: { code: 3 } }))],
    ['attributes not a list', body(rootSpan({ attributes: { key: 'x' } }))],
    ['an attribute without key', body(rootSpan({ attributes: [{ value: { stringValue: 'x' } }] }))],
    ['an intValue that is not an integer', body(rootSpan({ attributes: [{ key: 'x', value: { intValue: '1.5' } }] }))],
  ];
  for (const [what, text] of bad) {
    test(`refused: ${what}`, () => {
      assert.throws(() => parseOtlpTraces(Buffer.isBuffer(text) ? text : Buffer.from(text)), OtlpError);
    });
  }
});

describe('the verifier on OTLP spans: the status rule', () => {
  const truth = (outcome: Outcome): RequestTruth => ({
    requestId: 'r-otlp',
    route: '/sse-tokens',
    startMs: 1_800_000_000_123.456,
    endMs: 1_800_000_001_500,
    childSpans: 0,
    outcome,
  });
  const statusViolations = (status: unknown, outcome: Outcome): number =>
    verify(parseOtlpTraces(body(rootSpan({ status }))), [truth(outcome)]).violations.status;

  test('a completed request: OK or UNSET (what instrumentations leave below 500); not ERROR', () => {
    assert.equal(statusViolations({ code: 1 }, 'completed'), 0);
    assert.equal(statusViolations({ code: 0 }, 'completed'), 0);
    assert.equal(statusViolations({ code: 2, message: 'internal_error' }, 'completed'), 1);
  });

  test('aborted and failed need ERROR with the description cancelled / internal_error', () => {
    assert.equal(statusViolations({ code: 2, message: 'cancelled' }, 'aborted'), 0);
    assert.equal(statusViolations({ code: 2, message: 'internal_error' }, 'failed'), 0);
    assert.equal(statusViolations({ code: 0 }, 'aborted'), 1);
    assert.equal(statusViolations({ code: 1 }, 'aborted'), 1);
    assert.equal(statusViolations({ code: 2 }, 'failed'), 1);
    assert.equal(statusViolations({ code: 2, message: 'cancelled' }, 'failed'), 1);
  });
});
