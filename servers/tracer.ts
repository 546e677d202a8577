import type { RootStatus } from '../strategies/strategy.ts';

export const TRACER_NAMES = ['none', 'sentry-static', 'sentry-stream', 'otel'] as const;
export type TracerName = (typeof TRACER_NAMES)[number];

export type SpanAttributes = Record<string, string | number | boolean>;

/** A span the server started and must end itself. */
export interface OpenSpan {
  setStatus(status: RootStatus): void;
  end(): void;
}

/**
 * The tracing SDK as the app uses it. The app never imports an SDK directly, so `none` loads none
 * and the untraced server does no tracing work at all.
 */
export interface Tracer {
  readonly name: TracerName;
  /** The SDK package and version this process loaded, e.g. '@sentry/node 11.12.0'; absent with no SDK. */
  readonly sdk?: string;
  /** Runs fn inside a child of the active span (or a new root where no span is active). */
  child<T>(name: string, attributes: SpanAttributes, fn: () => T): T;
  /** Starts a root (transaction / segment) that is not yet active. */
  startRoot(name: string, attributes: SpanAttributes): OpenSpan;
  /** Runs fn with span as the active span, so the work it schedules inherits it. */
  withActive<T>(span: OpenSpan, fn: () => T): T;
  /** Puts attributes on the root of the active span: the SDK's own http.server span. */
  tagActiveRoot(attributes: SpanAttributes): void;
  /** Sends everything buffered. */
  flush(timeoutMs: number): Promise<boolean>;
  /**
   * What the SDK dropped since the last call, 'reason:category' → quantity, where it tells the
   * process rather than the ingest (Sentry's client reports reach the sink instead).
   */
  dropped?(): Record<string, number>;
}

export interface TracerSetup {
  /** The sink as a Sentry DSN; OTel sends OTLP to the same host and port (/v1/traces). */
  dsn: string | undefined;
  /** False when a strategy owns the root: the SDK's automatic http.server spans are turned off. */
  sdkServerSpans: boolean;
  /** Incoming paths the SDK must not trace (the harness's own control routes). */
  ignorePathPrefix: string;
  /**
   * False turns off the SDK's own generative-AI spans (Sentry's OpenAI integration; OTel makes
   * none): to measure what they cost. Default true, as users get them.
   */
  genAiSpans?: boolean;
  /**
   * The server is counted under valgrind (servers/counted.ts): the SDK's clock-driven work (a
   * batch sent when a timer fires, a connection to the collector closed after 2 s idle) is
   * taken out, so that what runs between two readings of the counter follows the requests alone.
   */
  counted?: boolean;
}

/** The SDK release loaded cannot run this tracer (e.g. no span streaming for sentry-stream). */
export class TracerNotApplicable extends Error {}
