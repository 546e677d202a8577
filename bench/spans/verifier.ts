import { type Outcome, type RequestTruth, UPSTREAM_COMPLETIONS_PATH, type UpstreamTruth } from '../../servers/ground-truth.ts';
import type { Distribution } from '../../results/schema.ts';
import { type Rule, RULES } from '../../results/rules.ts';
import { distribution } from '../stats/percentile.ts';
import { REQUEST_ID_ATTRIBUTE, SPAN_KIND_ATTRIBUTE } from '../../servers/ground-truth.ts';
import type { SpanRecord } from './span-record.ts';

/**
 * Judges the spans a sink received against the server's ground truth, request by request
 * (DESIGN.md, "Span correctness").
 */

export interface VerifyOptions {
  /** Largest |root end - real end| that is still correct (ms). */
  endToleranceMs?: number;
  /** How far a child may start before / end after its root (ms); clocks round, spans nest exactly. */
  rangeToleranceMs?: number;
  /** Roots the server still had open after the run; null when it cannot tell (the SDK owns the root). */
  openRoots?: number | null;
  /** What the fake model upstream saw of each call (llm-proxy): judged by the upstream rules. */
  upstream?: UpstreamTruth[];
  /** How long after the response closed a client abort may reach the upstream (ms). */
  abortToleranceMs?: number;
}

export interface RequestVerdict {
  requestId: string;
  outcome: Outcome;
  /** Only the rules that fired, with how many times (e.g. missing: 3 children). */
  violations: Partial<Record<Rule, number>>;
  /** Root end minus the real end of the response (ms): negative = ended early. Absent without a root. */
  durationErrorMs?: number;
}

export interface VerifyReport {
  requests: number;
  /** Requests without any violation. */
  correct: number;
  /** correct / requests; null when there were no requests. */
  correctRate: number | null;
  /** Roots left open after the run, as given; null = not observable. Not a per-request rule. */
  leakedOpen: number | null;
  /** Violations per rule, summed over requests. */
  violations: Record<Rule, number>;
  /** Requests with at least one violation of the rule. */
  requestsViolating: Record<Rule, number>;
  /** Signed root-end error (ms) over every request that has a root. */
  durationErrorMs: Distribution | null;
  /** Spans without a request id: the SDK's own spans, for instance. Reported, not a violation. */
  unattributedSpans: number;
  /** Request ids found on spans that no truth mentions, sorted. */
  strayRequestIds: string[];
  tolerances: { endToleranceMs: number; rangeToleranceMs: number; abortToleranceMs: number };
  perRequest: RequestVerdict[];
}

/**
 * 90 ms. A correct strategy must pass: the timer-keepalive strategy can see a finished response
 * up to one 50 ms tick late, plus event-loop lag (kept to 40 ms here; a loaded loop that lags more
 * really does end roots late). A broken one must fail: a root ended when the handler returns, on a
 * stream of 100 ms or more, is off by the stream's length minus the handler's own run time (under
 * a millisecond), so about 99 ms at least: 100 ms would sit on that edge, 90 leaves a margin.
 */
export const DEFAULT_END_TOLERANCE_MS = 90;
/** Timestamps are rounded floats of seconds; a child that ends with its root can differ by a hair. */
export const DEFAULT_RANGE_TOLERANCE_MS = 1;
/**
 * 100 ms: a client's abort must reach the model upstream that soon after the response closed
 * (README, "What the verifier checks"); until it does, the provider keeps generating, and billing.
 */
export const DEFAULT_ABORT_TOLERANCE_MS = 100;

const EXPECTED_STATUS: Record<Outcome, string> = {
  completed: 'ok',
  aborted: 'cancelled',
  failed: 'internal_error',
};

export function verify(spans: SpanRecord[], truths: RequestTruth[], options: VerifyOptions = {}): VerifyReport {
  const endToleranceMs = options.endToleranceMs ?? DEFAULT_END_TOLERANCE_MS;
  const rangeToleranceMs = options.rangeToleranceMs ?? DEFAULT_RANGE_TOLERANCE_MS;

  const unique = dedupeBySpanId(spans);
  const byTrace = indexByTrace(unique);
  const byRequest = new Map<string, SpanRecord[]>();
  let unattributedSpans = 0;
  for (const span of unique) {
    const requestId = span.attributes[REQUEST_ID_ATTRIBUTE];
    if (typeof requestId !== 'string') {
      unattributedSpans += 1;
      continue;
    }
    const forRequest = byRequest.get(requestId);
    if (forRequest) forRequest.push(span);
    else byRequest.set(requestId, [span]);
  }

  const abortToleranceMs = options.abortToleranceMs ?? DEFAULT_ABORT_TOLERANCE_MS;
  const calls = new Map<string, UpstreamTruth>();
  for (const call of options.upstream ?? []) if (!calls.has(call.requestId)) calls.set(call.requestId, call);
  const perRequest = truths.map((truth) => {
    const verdict = judgeRequest(truth, byRequest.get(truth.requestId) ?? [], byTrace, endToleranceMs, rangeToleranceMs);
    const call = calls.get(truth.requestId);
    if (call) judgeUpstreamCall(verdict, truth, call, byRequest.get(truth.requestId) ?? [], byTrace, { endToleranceMs, rangeToleranceMs, abortToleranceMs });
    return verdict;
  });

  const violations = zeroPerRule();
  const requestsViolating = zeroPerRule();
  for (const verdict of perRequest) {
    for (const rule of RULES) {
      const count = verdict.violations[rule] ?? 0;
      violations[rule] += count;
      if (count > 0) requestsViolating[rule] += 1;
    }
  }
  const correct = perRequest.filter((verdict) => Object.keys(verdict.violations).length === 0).length;
  const known = new Set(truths.map((truth) => truth.requestId));

  return {
    requests: truths.length,
    correct,
    correctRate: truths.length === 0 ? null : correct / truths.length,
    leakedOpen: options.openRoots === undefined ? 0 : options.openRoots,
    violations,
    requestsViolating,
    durationErrorMs: distribution(
      perRequest.flatMap((verdict) => (verdict.durationErrorMs === undefined ? [] : [verdict.durationErrorMs])),
    ),
    unattributedSpans,
    strayRequestIds: [...byRequest.keys()].filter((id) => !known.has(id)).sort(),
    tolerances: { endToleranceMs, rangeToleranceMs, abortToleranceMs },
    perRequest,
  };
}

function judgeRequest(
  truth: RequestTruth,
  spans: SpanRecord[],
  byTrace: Map<string, Map<string, SpanRecord>>,
  endToleranceMs: number,
  rangeToleranceMs: number,
): RequestVerdict {
  const violations: Partial<Record<Rule, number>> = {};
  const flag = (rule: Rule, count: number): void => {
    if (count > 0) violations[rule] = count;
  };

  const segments = spans.filter((span) => span.isSegment);
  const children = spans.filter((span) => span.attributes[SPAN_KIND_ATTRIBUTE] === 'child');
  const root = rootOf(spans);

  flag('multipleRoots', segments.length - 1);
  flag('missing', truth.childSpans - children.length);
  if (!root) {
    flag('noRoot', 1);
    return { requestId: truth.requestId, outcome: truth.outcome, violations };
  }

  const rootStartMs = root.start * 1000;
  const rootEndMs = root.end * 1000;
  const traceSpans = byTrace.get(root.traceId);
  flag('traceMismatch', children.filter((child) => child.traceId !== root.traceId).length);
  flag('orphan', children.filter((child) => !reachesSpan(child, root.spanId, traceSpans)).length);
  flag(
    'outOfRange',
    children.filter(
      (child) => child.start * 1000 < rootStartMs - rangeToleranceMs || child.end * 1000 > rootEndMs + rangeToleranceMs,
    ).length,
  );
  const durationErrorMs = rootEndMs - truth.endMs;
  flag('durationError', Math.abs(durationErrorMs) > endToleranceMs ? 1 : 0);
  flag('status', statusMatches(root, EXPECTED_STATUS[truth.outcome]) ? 0 : 1);

  return { requestId: truth.requestId, outcome: truth.outcome, violations, durationErrorMs };
}

/** With several candidate roots, judge against the earliest: the one the request opened first. */
function rootOf(spans: SpanRecord[]): SpanRecord | undefined {
  return spans
    .filter((span) => span.isSegment && span.attributes[SPAN_KIND_ATTRIBUTE] === 'root')
    .sort((a, b) => a.start - b.start)[0];
}

/** The SDKs' spans of a model call: the outgoing request (its url.full) and any gen_ai span. */
function isClientSpanOfCall(span: SpanRecord): boolean {
  const url = span.attributes['url.full'];
  return typeof url === 'string' && url.split('?')[0]!.endsWith(UPSTREAM_COMPLETIONS_PATH);
}
function isGenAiSpan(span: SpanRecord): boolean {
  return typeof span.attributes['gen_ai.operation.name'] === 'string';
}

/**
 * The rules on the request's upstream call (README, "What the verifier checks"). The SDKs make
 * the call's spans themselves, without the request's id: they are looked for in the root's trace.
 * - upstreamSpan: no client span of the call under the root, or a gen_ai span off the root's chain.
 * - upstreamEnd: the client span (or a gen_ai span) ends more than the end tolerance before the
 *   upstream's real end of body (at its headers, say), or after both that end and the response's.
 * - upstreamOutOfRange: one of them lies outside the root. On a client abort the call ends after
 *   the response closed by its nature (the close is what aborts it): there it may end up to the
 *   abort tolerance after the root.
 * - upstreamAbort: the client aborted, and the upstream call was still open (neither aborted nor
 *   finished) the abort tolerance after the response's close.
 * - upstreamStatus: the client span does not say what happened: an error where the upstream broke
 *   off; not `ok` where the call was aborted (UNSET passes: the HTTP conventions say an
 *   intentional abort is no error, and both SDKs' fetch spans leave it unset; Sentry serialises
 *   unset as `ok` in both lifecycles, so there `ok` passes); `ok` or unset where it completed.
 */
function judgeUpstreamCall(
  verdict: RequestVerdict,
  truth: RequestTruth,
  call: UpstreamTruth,
  spans: SpanRecord[],
  byTrace: Map<string, Map<string, SpanRecord>>,
  { endToleranceMs, rangeToleranceMs, abortToleranceMs }: { endToleranceMs: number; rangeToleranceMs: number; abortToleranceMs: number },
): void {
  const flag = (rule: Rule, count: number): void => {
    if (count > 0) verdict.violations[rule] = (verdict.violations[rule] ?? 0) + count;
  };
  const aborted = truth.outcome === 'aborted';
  // The call must be over (aborted, or finished by itself: a server behind its upstream may still
  // relay buffered tokens when its client leaves) within the tolerance of the response's close.
  flag('upstreamAbort', aborted && !(call.endMs !== null && call.endMs <= truth.endMs + abortToleranceMs) ? 1 : 0);

  const root = rootOf(spans);
  const traceSpans = root ? byTrace.get(root.traceId) : undefined;
  const inTrace = [...(traceSpans?.values() ?? [])];
  const clients = inTrace.filter((span) => isClientSpanOfCall(span) && reachesSpan(span, root!.spanId, traceSpans));
  const genAi = inTrace.filter(isGenAiSpan);
  const offChain = genAi.filter((span) => !reachesSpan(span, root!.spanId, traceSpans));
  flag('upstreamSpan', clients.length === 0 ? 1 : offChain.length);
  if (!root) return;

  const judged = [...clients, ...genAi.filter((span) => !offChain.includes(span))];
  if (call.endMs !== null) {
    // A server behind its upstream reads the body's end later than it was sent: as late as its own
    // response's end (it re-streams the last token, or the failure, as it reads it).
    const earliest = call.endMs - endToleranceMs;
    const latest = Math.max(call.endMs, truth.endMs) + endToleranceMs;
    flag('upstreamEnd', judged.filter((span) => span.end * 1000 < earliest || span.end * 1000 > latest).length);
  }
  const latestEnd = root.end * 1000 + (aborted ? abortToleranceMs : rangeToleranceMs);
  flag('upstreamOutOfRange', judged.filter((span) => span.start * 1000 < root.start * 1000 - rangeToleranceMs || span.end * 1000 > latestEnd).length);
  flag('upstreamStatus', clients.filter((span) => !callStatusMatches(span, call, aborted)).length);
}

function callStatusMatches(span: SpanRecord, call: UpstreamTruth, aborted: boolean): boolean {
  const success = span.status === 'ok' || span.status === 'unset';
  if (call.failed) return !success;
  // Sentry sends a span whose status was left unset as ok, in both lifecycles: there ok passes.
  if (aborted) return span.status !== 'ok' || span.format !== 'otlp';
  return success;
}

/**
 * The status rule per format.
 * - span v2: a root can say only ok or error (+ message), and the SDK serialises 'cancelled' as
 *   plain ok (@sentry/core getSimpleStatus), so there an expected 'cancelled' also accepts 'ok'.
 * - OTLP: only UNSET, OK and ERROR exist. 'cancelled' and 'internal_error' must arrive as ERROR with
 *   that description (the suite's servers set it so); a success may be OK or UNSET, which the
 *   OTel conventions tell instrumentations to leave on a server span below 500.
 */
function statusMatches(root: SpanRecord, expected: string): boolean {
  if (root.status === expected) return true;
  if (root.format === 'span-v2') return expected === 'cancelled' && root.status === 'ok';
  if (root.format === 'otlp') return expected === 'ok' && root.status === 'unset';
  return false;
}

/** Follows parent ids through every received span of the trace, tagged or not (the SDK may add its own). */
function reachesSpan(span: SpanRecord, targetSpanId: string, traceSpans: Map<string, SpanRecord> | undefined): boolean {
  const visited = new Set<string>();
  let parentId = span.parentSpanId;
  while (parentId !== undefined && !visited.has(parentId)) {
    if (parentId === targetSpanId) return true;
    visited.add(parentId);
    parentId = traceSpans?.get(parentId)?.parentSpanId;
  }
  return false;
}

/** A span may arrive twice (an SDK retry); the first copy counts. */
function dedupeBySpanId(spans: SpanRecord[]): SpanRecord[] {
  const seen = new Set<string>();
  return spans.filter((span) => {
    if (seen.has(span.spanId)) return false;
    seen.add(span.spanId);
    return true;
  });
}

function indexByTrace(spans: SpanRecord[]): Map<string, Map<string, SpanRecord>> {
  const byTrace = new Map<string, Map<string, SpanRecord>>();
  for (const span of spans) {
    let trace = byTrace.get(span.traceId);
    if (!trace) byTrace.set(span.traceId, (trace = new Map()));
    trace.set(span.spanId, span);
  }
  return byTrace;
}

function zeroPerRule(): Record<Rule, number> {
  return Object.fromEntries(RULES.map((rule) => [rule, 0])) as Record<Rule, number>;
}
