/** The harness's own routes (state, flush); never traced. */
export const CONTROL_PREFIX = '/__bench/';

/** How a response really ended, as the server saw it. */
export type Outcome = 'completed' | 'aborted' | 'failed';

/** The server's own record of one request: what the verifier checks the spans against. */
export interface RequestTruth {
  requestId: string;
  route: string;
  /** Epoch milliseconds (fractional) when the request arrived. */
  startMs: number;
  /** Epoch milliseconds when the response closed: the real end of the stream. */
  endMs: number;
  /** Child spans the workload started for this request. */
  childSpans: number;
  outcome: Outcome;
}

/** What GET /__bench/state returns. */
export interface ServerState {
  requests: RequestTruth[];
  /** Requests that arrived but whose response has not closed yet. */
  inFlight: number;
  /** Roots a strategy started and has not ended; null where the SDK owns the root (or there is none). */
  openRoots: number | null;
  /** Calls to end a root that had already ended: a strategy that ends its root twice. */
  extraRootEnds: number;
}

/** Attribute names the server puts on every span it makes. */
export const REQUEST_ID_ATTRIBUTE = 'bench.request_id';
/** 'root' on the request's root span, 'child' on every span the workload makes. */
export const SPAN_KIND_ATTRIBUTE = 'bench.kind';

/**
 * What the model upstream (the suite's fake OpenAI-compatible endpoint) saw of one call, keyed by
 * the request id the server forwards: the verifier judges the call's client span against it.
 */
export interface UpstreamTruth {
  requestId: string;
  /** Epoch milliseconds (fractional) when the call arrived. */
  startMs: number;
  /** When the response's headers went out: the SDK's call returns about then, long before the body ends. */
  headersMs: number | null;
  /** When the body really ended: its last byte written, or the connection closed under it. */
  endMs: number | null;
  /** The caller closed the connection before the body was complete. */
  aborted: boolean;
  /** The upstream broke the body off itself (failAt): the caller sees the stream end in error. */
  failed: boolean;
  /** Tokens written before the body ended. */
  tokens: number;
}

/** Headers the llm-proxy route sends with its upstream call: who asks, and what stream to make. */
export const UPSTREAM_HEADERS = {
  requestId: 'x-request-id',
  /** Milliseconds between two tokens. */
  gapMs: 'x-fake-upstream-gap-ms',
  /** The 1-based token at which the upstream breaks its body off; 0 = never. */
  failAt: 'x-fake-upstream-fail-at',
} as const;
/** The OpenAI-compatible route the fake upstream serves; the SDK's baseURL ends in /v1. */
export const UPSTREAM_COMPLETIONS_PATH = '/v1/chat/completions';
