import * as Sentry from '@sentry/node';
import type { RootStatus } from '../strategies/strategy.ts';
import { keptConnectionsHttp } from './counted.ts';
import { type OpenSpan, type SpanAttributes, type Tracer, TracerNotApplicable, type TracerSetup } from './tracer.ts';

/** Span status codes as the SDK defines them (OpenTelemetry's). */
const STATUS_OK = 1;
const STATUS_ERROR = 2;

/** @sentry/node, sampling every request, sending over HTTP to the DSN. */
export function sentryTracer(traceLifecycle: 'static' | 'stream', setup: TracerSetup): Tracer {
  // An older release (another one can be chosen: --sentry) may not stream spans: it would ignore
  // the option and run static under the stream tracer's name.
  if (traceLifecycle === 'stream' && typeof (Sentry as Partial<typeof Sentry>).spanStreamingIntegration !== 'function') {
    throw new TracerNotApplicable(`@sentry/node ${Sentry.SDK_VERSION} has no span streaming (traceLifecycle 'stream'): tracer sentry-stream does not apply to it`);
  }
  Sentry.init({
    dsn: setup.dsn,
    tracesSampleRate: 1,
    traceLifecycle,
    // The default queue holds 64 envelopes; beyond it the SDK drops them (queue_overflow). On a
    // 2-core machine the sink shares its core with the load generator and answers slowly, so
    // drops would come from the harness, and a cell that drops more would also look cheaper.
    // A deep queue makes every cell send every span; the SDK still reports any drop it makes.
    transportOptions: { bufferSize: 10_000, ...(setup.counted ? { httpModule: keptConnectionsHttp() } : {}) },
    integrations: (defaults) => [
      // Where a strategy owns the root, the SDK's own server spans (http.server and fastify's
      // request spans) are off: they would start their own transaction beside the strategy's.
      ...defaults.filter(
        (integration) =>
          integration.name !== 'Http' &&
          (setup.sdkServerSpans || integration.name !== 'Fastify') &&
          (setup.genAiSpans !== false || integration.name !== 'OpenAI'),
      ),
      Sentry.httpIntegration({
        disableIncomingRequestSpans: !setup.sdkServerSpans,
        ignoreIncomingRequests: (path) => path.startsWith(setup.ignorePathPrefix),
      }),
    ],
  });

  return {
    name: traceLifecycle === 'static' ? 'sentry-static' : 'sentry-stream',
    sdk: `@sentry/node ${Sentry.SDK_VERSION}`,
    child: (name, attributes, fn) => Sentry.startSpan({ name, op: 'bench.child', attributes }, fn),
    startRoot(name: string, attributes: SpanAttributes): OpenSpan {
      // A fresh trace per request, as an incoming-request span would have.
      return new SentryRoot(Sentry.startNewTrace(() => Sentry.startInactiveSpan({ name, op: 'http.server', forceTransaction: true, attributes })));
    },
    withActive(open, fn) {
      return Sentry.withActiveSpan(open instanceof SentryRoot ? open.span : null, fn);
    },
    tagActiveRoot(attributes) {
      const active = Sentry.getActiveSpan();
      if (active) Sentry.getRootSpan(active).setAttributes(attributes);
    },
    flush: (timeoutMs) => Sentry.flush(timeoutMs),
  };
}

/**
 * A root the strategy holds, carrying the SDK's span that withActive makes active. (Not a WeakMap
 * from one to the other: a process-wide weak table is rehashed as it grows, at points that land
 * in some counted windows and not others.)
 */
class SentryRoot implements OpenSpan {
  constructor(readonly span: Sentry.Span) {}
  setStatus(status: RootStatus): void {
    this.span.setStatus(status === 'ok' ? { code: STATUS_OK } : { code: STATUS_ERROR, message: status });
  }
  end(): void {
    this.span.end();
  }
}
