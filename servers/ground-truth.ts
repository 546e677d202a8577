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
