/** One span as the ingest sink received it, whatever envelope format carried it. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Seconds since the epoch, as the SDK sent them. */
  start: number;
  end: number;
  /**
   * Normalised status: 'ok', or the error message ('cancelled', 'internal_error', ...).
   * Span v2 items carry only ok/error plus `sentry.status.message`; the SDK serialises
   * 'cancelled' there as plain 'ok', so a v2 span can never say 'cancelled'.
   * OTLP carries UNSET, OK or ERROR + description: 'unset', 'ok', or the description ('error'
   * without one); the suite's servers put 'cancelled' / 'internal_error' there.
   */
  status: string;
  /** Attribute values, unwrapped from the v2 `{type, value}` form or OTLP's AnyValue. */
  attributes: Record<string, unknown>;
  /** True when the span arrived as a transaction (static), a segment span (stream), or an OTLP span without a parent in its process. */
  isSegment: boolean;
  /** Which envelope item carried it, or 'otlp' for an OTLP/HTTP JSON export. */
  format: 'transaction' | 'span-v2' | 'otlp';
}
