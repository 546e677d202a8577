import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Outcome, RequestTruth, UpstreamTruth } from '../servers/ground-truth.ts';
import { REQUEST_ID_ATTRIBUTE, SPAN_KIND_ATTRIBUTE } from '../servers/ground-truth.ts';
import type { SpanRecord } from '../bench/spans/span-record.ts';
import { RULES } from '../results/schema.ts';
import { DEFAULT_END_TOLERANCE_MS, verify, type RequestVerdict } from '../bench/spans/verifier.ts';

type Format = SpanRecord['format'];
const FORMATS: Format[] = ['transaction', 'span-v2'];

/** Epoch seconds of every request's start. */
const T0 = 1_800_000_000;
const STREAM_MS = 500;

/** The status a root really arrives with, per format (v2 sends 'cancelled' as plain ok). */
function wireStatus(outcome: Outcome, format: Format): string {
  if (outcome === 'completed') return 'ok';
  if (outcome === 'failed') return 'internal_error';
  return format === 'span-v2' ? 'ok' : 'cancelled';
}

interface Sample {
  truth: RequestTruth;
  root: SpanRecord;
  children: SpanRecord[];
}

/**
 * A correct request: a 500 ms stream whose root ends exactly at the real end, with children
 * spaced 100 ms apart, all in the root's trace and parented to it.
 */
function correctRequest(format: Format, options: { id?: string; children?: number; outcome?: Outcome } = {}): Sample {
  const id = options.id ?? 'req-1';
  const outcome = options.outcome ?? 'completed';
  const traceId = `trace-${id}`;
  const tags = (kind: string) => ({ [REQUEST_ID_ATTRIBUTE]: id, [SPAN_KIND_ATTRIBUTE]: kind });
  const root: SpanRecord = {
    traceId,
    spanId: `root-${id}`,
    name: 'GET /sse',
    start: T0,
    end: T0 + STREAM_MS / 1000,
    status: wireStatus(outcome, format),
    attributes: tags('root'),
    isSegment: true,
    format,
  };
  const children = Array.from({ length: options.children ?? 3 }, (_, index): SpanRecord => ({
    traceId,
    spanId: `child-${id}-${index}`,
    parentSpanId: root.spanId,
    name: `chunk ${index}`,
    start: T0 + (index + 1) * 0.1,
    end: T0 + (index + 1) * 0.1 + 0.01,
    status: 'ok',
    attributes: tags('child'),
    isSegment: false,
    format,
  }));
  const truth: RequestTruth = {
    requestId: id,
    route: '/sse',
    startMs: T0 * 1000,
    endMs: T0 * 1000 + STREAM_MS,
    childSpans: children.length,
    outcome,
  };
  return { truth, root, children };
}

function verdictOf(spans: SpanRecord[], truth: RequestTruth): RequestVerdict {
  const report = verify(spans, [truth]);
  const verdict = report.perRequest[0];
  assert.ok(verdict);
  return verdict;
}

/** Asserts the broken sample trips exactly `expected`, and its unbroken twin trips nothing. */
function assertOnly(broken: RequestVerdict, expected: RequestVerdict['violations'], correct: RequestVerdict): void {
  assert.deepEqual(broken.violations, expected);
  assert.deepEqual(correct.violations, {});
}

function judgeCorrect(format: Format, outcome?: Outcome): RequestVerdict {
  const { truth, root, children } = correctRequest(format, { outcome });
  return verdictOf([root, ...children], truth);
}

for (const format of FORMATS) {
  describe(`verifier rules (${format})`, () => {
    test('a fully correct request has no violation and is counted correct', () => {
      for (const outcome of ['completed', 'aborted', 'failed'] as const) {
        const { truth, root, children } = correctRequest(format, { outcome });
        const report = verify([root, ...children], [truth]);
        assert.equal(report.correct, 1, outcome);
        assert.equal(report.correctRate, 1);
        assert.deepEqual(report.perRequest[0]?.violations, {});
        assert.ok(RULES.every((rule) => report.violations[rule] === 0));
      }
    });

    test('noRoot: no root arrived', () => {
      const { truth, children } = correctRequest(format);
      const verdict = verdictOf(children, truth);
      assertOnly(verdict, { noRoot: 1 }, judgeCorrect(format));
      assert.equal(verdict.durationErrorMs, undefined);
    });

    test('noRoot: the root arrived, but not as a segment', () => {
      const { truth, root, children } = correctRequest(format);
      const verdict = verdictOf([{ ...root, isSegment: false }, ...children], truth);
      assertOnly(verdict, { noRoot: 1 }, judgeCorrect(format));
    });

    test('multipleRoots: a late child arrived as its own segment', () => {
      const { truth, root, children } = correctRequest(format);
      const [first, second, third] = children;
      assert.ok(first && second && third);
      const verdict = verdictOf([root, first, second, { ...third, isSegment: true }], truth);
      assertOnly(verdict, { multipleRoots: 1 }, judgeCorrect(format));
    });

    test('missing: counts the children that never arrived', () => {
      const { truth, root, children } = correctRequest(format, { children: 4 });
      const verdict = verdictOf([root, ...children.slice(0, 1)], truth);
      assertOnly(verdict, { missing: 3 }, judgeCorrect(format));
    });

    test('traceMismatch: a child in another trace', () => {
      const { truth, root, children } = correctRequest(format);
      const [first, ...rest] = children;
      assert.ok(first);
      const verdict = verdictOf([root, { ...first, traceId: 'some-other-trace' }, ...rest], truth);
      assertOnly(verdict, { traceMismatch: 1 }, judgeCorrect(format));
    });

    test('orphan: a child whose parent chain does not reach the root', () => {
      const { truth, root, children } = correctRequest(format);
      const [first, ...rest] = children;
      assert.ok(first);
      const verdict = verdictOf([root, { ...first, parentSpanId: 'nowhere' }, ...rest], truth);
      assertOnly(verdict, { orphan: 1 }, judgeCorrect(format));
    });

    test('orphan: a chain through an untagged SDK span still reaches the root', () => {
      const { truth, root, children } = correctRequest(format);
      const [first, ...rest] = children;
      assert.ok(first);
      const sdkSpan: SpanRecord = { ...first, spanId: 'sdk-middleware', name: 'middleware', attributes: {} };
      const viaSdk = { ...first, parentSpanId: sdkSpan.spanId };
      const report = verify([root, sdkSpan, viaSdk, ...rest], [truth]);
      assert.deepEqual(report.perRequest[0]?.violations, {});
      assert.equal(report.unattributedSpans, 1);
    });

    test('outOfRange: a child ending after its root, beyond the tolerance', () => {
      const { truth, root, children } = correctRequest(format);
      const [first, ...rest] = children;
      assert.ok(first);
      const late = { ...first, end: root.end + 0.005 };
      assertOnly(verdictOf([root, late, ...rest], truth), { outOfRange: 1 }, judgeCorrect(format));
      const early = { ...first, start: root.start - 0.005 };
      assert.deepEqual(verdictOf([root, early, ...rest], truth).violations, { outOfRange: 1 });
      const withinTolerance = { ...first, end: root.end + 0.0005 };
      assert.deepEqual(verdictOf([root, withinTolerance, ...rest], truth).violations, {});
    });

    test('durationError: a root that ended at handler return on a 100 ms stream', () => {
      const { truth, root } = correctRequest(format, { children: 0 });
      const atHandlerReturn = { ...root, end: root.start + 0.0004 };
      const verdict = verdictOf([atHandlerReturn], { ...truth, endMs: truth.startMs + 100 });
      assertOnly(verdict, { durationError: 1 }, judgeCorrect(format));
      assert.ok(Math.abs((verdict.durationErrorMs ?? 0) - -99.6) < 0.01);
    });

    test('durationError: a root one polling tick plus lag late is still correct', () => {
      const { truth, root } = correctRequest(format, { children: 0 });
      const late = { ...root, end: root.end + 0.089 };
      const verdict = verdictOf([late], truth);
      assert.deepEqual(verdict.violations, {});
      assert.ok(Math.abs((verdict.durationErrorMs ?? 0) - 89) < 0.01);
      assert.equal(DEFAULT_END_TOLERANCE_MS, 90);
      // The tolerance is an option.
      assert.deepEqual(verify([late], [truth], { endToleranceMs: 50 }).perRequest[0]?.violations, { durationError: 1 });
    });

    test('status: the root status must follow the outcome', () => {
      const completed = correctRequest(format);
      const failedRoot = { ...completed.root, status: 'internal_error' };
      assertOnly(verdictOf([failedRoot, ...completed.children], completed.truth), { status: 1 }, judgeCorrect(format));

      const failed = correctRequest(format, { outcome: 'failed' });
      const okRoot = { ...failed.root, status: 'ok' };
      assertOnly(verdictOf([okRoot, ...failed.children], failed.truth), { status: 1 }, judgeCorrect(format, 'failed'));

      const aborted = correctRequest(format, { outcome: 'aborted' });
      const errorRoot = { ...aborted.root, status: 'internal_error' };
      const abortedVerdict = verdictOf([errorRoot, ...aborted.children], aborted.truth);
      assertOnly(abortedVerdict, { status: 1 }, judgeCorrect(format, 'aborted'));
    });

    test('rules that need a root are skipped without one', () => {
      const { truth, children } = correctRequest(format);
      const broken = children.map((child) => ({ ...child, traceId: 'x', parentSpanId: 'y', start: 0, end: 0 }));
      assert.deepEqual(verdictOf(broken, { ...truth, outcome: 'failed' }).violations, { noRoot: 1 });
    });
  });
}

describe('verifier: the span v2 cancelled exception', () => {
  test('an aborted stream accepts ok from a span-v2 root only', () => {
    const v2 = correctRequest('span-v2', { outcome: 'aborted' });
    assert.equal(v2.root.status, 'ok');
    assert.deepEqual(verdictOf([v2.root, ...v2.children], v2.truth).violations, {});

    const transaction = correctRequest('transaction', { outcome: 'aborted' });
    const okTransaction = { ...transaction.root, status: 'ok' };
    assert.deepEqual(verdictOf([okTransaction, ...transaction.children], transaction.truth).violations, { status: 1 });
  });

  test('the exception covers only cancelled: a failed span-v2 root must still say internal_error', () => {
    const v2 = correctRequest('span-v2', { outcome: 'failed' });
    assert.deepEqual(verdictOf([{ ...v2.root, status: 'ok' }, ...v2.children], v2.truth).violations, { status: 1 });
  });
});

describe('verifier: the run report', () => {
  test('the duration error distribution covers every request with a root', () => {
    const errorsMs = [-10, 0, 10, 20, 30];
    const samples = errorsMs.map((errorMs, index) => {
      const sample = correctRequest('transaction', { id: `req-${index}`, children: 0 });
      return { ...sample, truth: { ...sample.truth, endMs: sample.truth.endMs - errorMs } };
    });
    const rootless = correctRequest('transaction', { id: 'rootless', children: 0 });
    const report = verify(
      samples.map((sample) => sample.root),
      [...samples.map((sample) => sample.truth), rootless.truth],
    );
    const distribution = report.durationErrorMs;
    assert.ok(distribution);
    assert.equal(distribution.count, 5);
    const expected = { min: -10, p50: 10, p90: 26, p99: 29.6, max: 30 };
    for (const [key, value] of Object.entries(expected)) {
      const actual = distribution[key as keyof typeof expected];
      assert.ok(Math.abs(actual - value) < 0.01, `${key}: ${actual} != ${value}`);
    }
    assert.deepEqual(
      report.perRequest.map((verdict) => verdict.durationErrorMs === undefined),
      [false, false, false, false, false, true],
    );
  });

  test('counts, rate, stray ids, unattributed spans, duplicates and leakedOpen', () => {
    const good = correctRequest('span-v2', { id: 'good' });
    const bad = correctRequest('transaction', { id: 'bad', children: 2 });
    const stray = correctRequest('transaction', { id: 'stray', children: 0 });
    const sdkOwn: SpanRecord = { ...stray.root, spanId: 'sdk-own', attributes: { 'sentry.op': 'http.client' } };
    const spans = [
      good.root,
      ...good.children,
      good.root, // the same span twice (a retry) is one span, not two roots
      bad.root,
      stray.root,
      sdkOwn,
    ];
    const report = verify(spans, [good.truth, bad.truth]);
    assert.equal(report.requests, 2);
    assert.equal(report.correct, 1);
    assert.equal(report.correctRate, 0.5);
    assert.deepEqual(report.perRequest[0]?.violations, {});
    assert.deepEqual(report.perRequest[1]?.violations, { missing: 2 });
    assert.equal(report.violations.missing, 2);
    assert.equal(report.requestsViolating.missing, 1);
    assert.deepEqual(report.strayRequestIds, ['stray']);
    assert.equal(report.unattributedSpans, 1);
    assert.equal(report.leakedOpen, 0);
    assert.equal(verify(spans, [], { openRoots: null }).leakedOpen, null);
    assert.equal(verify(spans, [], { openRoots: 3 }).leakedOpen, 3);
    assert.equal(verify([], []).correctRate, null);
  });

  test('RULES names every rule once', () => {
    assert.deepEqual(
      [...RULES].sort(),
      ['durationError', 'missing', 'multipleRoots', 'noRoot', 'orphan', 'outOfRange', 'status', 'traceMismatch', 'upstreamAbort', 'upstreamEnd', 'upstreamOutOfRange', 'upstreamSpan', 'upstreamStatus'],
    );
  });
});

/**
 * An llm-proxy request: the correct sample's root, its model call made 10 ms in and answered until
 * 5 ms before the response's end, with the SDKs' client span (url.full) under a gen_ai span.
 */
function proxiedRequest(format: Format, outcome: Outcome = 'completed') {
  const { truth, root, children } = correctRequest(format, { outcome });
  const callEndMs = truth.endMs - 5;
  const call: UpstreamTruth = { requestId: truth.requestId, startMs: truth.startMs + 10, headersMs: truth.startMs + 11, endMs: callEndMs, aborted: false, failed: false, tokens: 20 };
  const span = (spanId: string, parentSpanId: string, attributes: Record<string, unknown>): SpanRecord => ({
    traceId: root.traceId, spanId, parentSpanId, name: spanId, start: T0 + 0.01, end: callEndMs / 1000, status: 'ok', attributes, isSegment: false, format,
  });
  const genAi = span('gen-ai', root.spanId, { 'gen_ai.operation.name': 'chat' });
  const client = span('client', genAi.spanId, { 'url.full': 'http://127.0.0.1:4000/v1/chat/completions' });
  return { truth, call, spans: [root, ...children, genAi, client], root, genAi, client };
}

function upstreamVerdict(spans: SpanRecord[], truth: RequestTruth, call: UpstreamTruth): RequestVerdict {
  const verdict = verify(spans, [truth], { upstream: [call] }).perRequest[0];
  assert.ok(verdict);
  return verdict;
}

describe('verifier: the upstream call (llm-proxy)', () => {
  test('a correct call, under a gen_ai span, breaks no rule on any format', () => {
    for (const format of [...FORMATS, 'otlp'] as const) {
      const { truth, call, spans } = proxiedRequest(format);
      assert.deepEqual(upstreamVerdict(spans, truth, call).violations, {}, format);
    }
  });

  test('upstreamSpan: no client span under the root, or a gen_ai span off its chain', () => {
    const { truth, call, spans, client, genAi } = proxiedRequest('transaction');
    assert.deepEqual(upstreamVerdict(spans.filter((span) => span !== client), truth, call).violations, { upstreamSpan: 1 });
    const lost = spans.map((span) => (span === genAi ? { ...span, parentSpanId: 'elsewhere' } : span));
    // Off the chain, the client span below it no longer reaches the root either.
    assert.deepEqual(upstreamVerdict(lost, truth, call).violations, { upstreamSpan: 1 });
  });

  test('upstreamEnd: a client span that ends when the headers arrived', () => {
    const { truth, call, spans, client } = proxiedRequest('span-v2');
    const early = spans.map((span) => (span === client ? { ...span, end: call.headersMs! / 1000 } : span));
    assert.deepEqual(upstreamVerdict(early, truth, call).violations, { upstreamEnd: 1 });
  });

  test('upstreamEnd: a server behind its upstream may read the end as late as its own response end', () => {
    const { truth, call, spans, client, genAi, root } = proxiedRequest('otlp');
    const lagged = { ...call, endMs: truth.endMs - 300 };
    assert.deepEqual(upstreamVerdict(spans, truth, lagged).violations, {});
    const late = spans.map((span) => (span === client || span === genAi ? { ...span, end: root.end + 0.2 } : span));
    assert.deepEqual(upstreamVerdict(late, truth, call).violations, { upstreamEnd: 2, upstreamOutOfRange: 2 });
  });

  test('upstreamOutOfRange: the call may end after the root only when the client aborted, and then within the abort tolerance', () => {
    const { truth, call, spans, client, root } = proxiedRequest('transaction', 'aborted');
    const abortedCall = { ...call, aborted: true, endMs: truth.endMs + 20 };
    const after = (ms: number) => spans.map((span) => (span === client ? { ...span, end: root.end + ms / 1000 } : span));
    assert.deepEqual(upstreamVerdict(after(20), truth, abortedCall).violations, {});
    // 150 ms after the root is also 130 ms after the upstream's end.
    assert.deepEqual(upstreamVerdict(after(150), truth, abortedCall).violations, { upstreamOutOfRange: 1, upstreamEnd: 1 });
    const completed = proxiedRequest('transaction');
    const late = completed.spans.map((span) => (span === completed.client ? { ...span, end: completed.root.end + 0.02 } : span));
    assert.deepEqual(upstreamVerdict(late, completed.truth, completed.call).violations, { upstreamOutOfRange: 1 });
  });

  test('upstreamAbort: the client left and the upstream never saw the abort, or saw it too late', () => {
    const { truth, call, spans } = proxiedRequest('otlp', 'aborted');
    const unset = spans.map((span) => (span.spanId === 'client' ? { ...span, status: 'unset' } : span));
    const running = { ...call, endMs: truth.endMs + 500 };
    // Its spans (client and gen_ai) ended long before the upstream's body did.
    assert.deepEqual(upstreamVerdict(unset, truth, { ...running, aborted: false }).violations, { upstreamAbort: 1, upstreamEnd: 2 });
    // Its spans ended at the close: 150 ms before the upstream saw it.
    assert.deepEqual(upstreamVerdict(unset, truth, { ...call, aborted: true, endMs: truth.endMs + 150 }).violations, { upstreamAbort: 1, upstreamEnd: 2 });
    assert.deepEqual(upstreamVerdict(unset, truth, { ...call, aborted: true, endMs: truth.endMs + 50 }).violations, {});
    // Finished before the client left: nothing was left to abort.
    assert.deepEqual(upstreamVerdict(unset, truth, call).violations, {});
  });

  test('upstreamStatus: an error where the upstream broke off; not ok after an abort where the format can say so', () => {
    const failed = proxiedRequest('span-v2', 'failed');
    const failedCall = { ...failed.call, failed: true };
    assert.deepEqual(upstreamVerdict(failed.spans, failed.truth, failedCall).violations, { upstreamStatus: 1 });
    const erred = failed.spans.map((span) => (span === failed.client ? { ...span, status: 'other side closed' } : span));
    assert.deepEqual(upstreamVerdict(erred, failed.truth, failedCall).violations, {});
    const aborted = proxiedRequest('otlp', 'aborted');
    const abortedCall = { ...aborted.call, aborted: true, endMs: aborted.truth.endMs + 10 };
    assert.deepEqual(upstreamVerdict(aborted.spans, aborted.truth, abortedCall).violations, { upstreamStatus: 1 });
    // Sentry sends an unset status as ok, in both lifecycles: there ok passes.
    const sentry = proxiedRequest('transaction', 'aborted');
    assert.deepEqual(upstreamVerdict(sentry.spans, sentry.truth, { ...sentry.call, aborted: true, endMs: sentry.truth.endMs + 10 }).violations, {});
  });
});
