import { context, ROOT_CONTEXT, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getRPCMetadata } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import * as resources from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RootStatus } from '../strategies/strategy.ts';
import { type OpenSpan, type SpanAttributes, type Tracer, TracerNotApplicable, type TracerSetup } from './tracer.ts';
import { NEVER_MS } from './counted.ts';

/** Where the sink takes OTLP: the same host and port as the Sentry DSN the other tracers get. */
export function otlpTracesUrl(dsn: string): string {
  const { protocol, host } = new URL(dsn);
  return `${protocol}//${host}/v1/traces`;
}

/**
 * How a root's status travels in OTLP, which has only UNSET, OK and ERROR: ok is OK; every other
 * status is ERROR with the status's name as the description ('cancelled', 'internal_error'). The
 * sink reads the description back as the status (bench/spans/otlp.ts).
 */
export function otelStatus(status: RootStatus): { code: SpanStatusCode; message?: string } {
  return status === 'ok' ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: status };
}

/**
 * The default queue holds 2 048 spans; beyond it the processor drops them. As for Sentry, a deep
 * queue makes every cell send every span, so no drop comes from a slow sink on a shared core.
 */
const MAX_QUEUE_SIZE = 100_000;
const MAX_EXPORT_BATCH_SIZE = 1_000;
/**
 * The exporter refuses an export while 30 are in flight (its default), failing the batch at once:
 * a flush of a deep queue exported up to 100 batches together, and 70 of them (70 000 spans) were
 * refused as `export_failed`, while the flush resolved before the 30 it sent had arrived. A full
 * queue's batches all fit under this limit.
 */
const EXPORT_CONCURRENCY = Math.ceil(MAX_QUEUE_SIZE / MAX_EXPORT_BATCH_SIZE);

/**
 * Plain OpenTelemetry JS: a Node tracer provider sampling every span, a batch processor, the
 * OTLP/HTTP JSON exporter to the sink. Where the SDK owns the root (sdk-default), the root is the
 * server span of @opentelemetry/instrumentation-http, with @fastify/otel's spans below it.
 */
export async function otelTracer(setup: TracerSetup): Promise<Tracer> {
  if (!setup.dsn) throw new Error('tracer otel needs the sink address (a DSN) to send OTLP to');
  const version = installedVersion('@opentelemetry/sdk-trace-node');
  // @fastify/otel, for sdk-default's spans, exists only for OpenTelemetry JS 2 (it needs its core 2):
  // an older release (--otel) has no fastify instrumentation to run sdk-default with.
  const fastifyOtel = setup.sdkServerSpans ? await import('@fastify/otel').catch(() => null) : null;
  if (setup.sdkServerSpans && !fastifyOtel) {
    throw new TracerNotApplicable(`@opentelemetry/sdk-trace-node ${version} has no @fastify/otel to go with it: sdk-default does not apply to it`);
  }
  const drops = new DropCounter(new OTLPTraceExporter({ url: otlpTracesUrl(setup.dsn), timeoutMillis: 30_000, concurrencyLimit: EXPORT_CONCURRENCY }));
  activeExport = drops;
  const provider = new NodeTracerProvider({
    resource: serviceResource('streamtrace-bench'),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      drops.counting(
        new BatchSpanProcessor(drops, {
          maxQueueSize: MAX_QUEUE_SIZE,
          maxExportBatchSize: MAX_EXPORT_BATCH_SIZE,
          // Counted, a batch goes when full or when the harness flushes, never when a timer fires.
          ...(setup.counted ? { scheduledDelayMillis: NEVER_MS } : {}),
        }),
      ),
    ],
  });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });

  // Outgoing fetch (the llm-proxy route's call to its model, through the openai package) gets a
  // client span whatever owns the root, as a user's set-up would trace it.
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new UndiciInstrumentation()] });
  if (setup.sdkServerSpans) {
    // Registered before fastify is imported (the server sets up its tracer first), as both ask.
    registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new HttpInstrumentation({
          ignoreIncomingRequestHook: (request) => (request.url ?? '').startsWith(setup.ignorePathPrefix),
        }),
        new fastifyOtel!.FastifyOtelInstrumentation({ registerOnInitialization: true }),
      ],
    });
  }

  const tracer = provider.getTracer('streamtrace-bench');
  return {
    name: 'otel',
    sdk: `@opentelemetry/sdk-trace-node ${version}`,
    child: (name, attributes, fn) =>
      tracer.startActiveSpan(name, { attributes }, (span) => {
        try {
          return fn();
        } finally {
          span.end();
        }
      }),
    startRoot(name: string, attributes: SpanAttributes): OpenSpan {
      // A new trace, not a child of whatever is active: as an incoming-request span would start.
      return new OtelRoot(tracer.startSpan(name, { attributes, root: true }, ROOT_CONTEXT));
    },
    withActive(open, fn) {
      return open instanceof OtelRoot ? context.with(trace.setSpan(ROOT_CONTEXT, open.span), fn) : fn();
    },
    tagActiveRoot(attributes) {
      // For sdk-default the root is instrumentation-http's server span, which it keeps in the
      // context of every span below it (where frameworks' instrumentations find it to name the
      // route); fastify's request span is the active one.
      (getRPCMetadata(context.active())?.span ?? trace.getActiveSpan())?.setAttributes(attributes);
    },
    flush: (timeoutMs) => withinTime(provider.forceFlush(), timeoutMs),
    dropped: () => drops.takeNew(),
  };
}

/**
 * The resource naming the service. OpenTelemetry JS 2 makes it with resourceFromAttributes; 1.x
 * (another release can be chosen: --otel) with `new Resource(...)`, which 2 no longer has.
 */
function serviceResource(name: string): ReturnType<typeof resources.resourceFromAttributes> {
  const attributes = { 'service.name': name };
  if (typeof resources.resourceFromAttributes === 'function') return resources.resourceFromAttributes(attributes);
  const { Resource } = resources as unknown as { Resource: new (attributes: Record<string, string>) => ReturnType<typeof resources.resourceFromAttributes> };
  return new Resource(attributes);
}

/** The version of a package as this process resolves it (through any release redirection). */
function installedVersion(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.resolve(name))); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // no package.json at this level
    }
  }
  return 'unknown';
}

/** The set-up tracer's export, so that the micro benchmark can cut the network out. */
let activeExport: DropCounter | undefined;

/**
 * Replaces the OTLP exporter of the tracer set up in this process: every batch the processor
 * exports goes to send instead, and counts as sent.
 */
export function replaceOtelExport(send: (spans: ReadableSpan[]) => void): void {
  if (!activeExport) throw new Error('no otel tracer is set up in this process');
  activeExport.replace({
    export: (spans, resultCallback) => {
      send(spans);
      resultCallback({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  });
}

/** A root the strategy holds, carrying the SDK's span that withActive makes active (see SentryRoot). */
class OtelRoot implements OpenSpan {
  constructor(readonly span: Span) {}
  setStatus(status: RootStatus): void {
    this.span.setStatus(otelStatus(status));
  }
  end(): void {
    this.span.end();
  }
}

/**
 * Counts what the batch processor drops. It tells only its debug log and an optional meter about
 * a full queue, so the spans it was given are counted against the spans it handed to the exporter
 * (read after a flush, when the queue is empty); a failed export (the sink refused or did not
 * answer) drops its whole batch.
 */
class DropCounter implements SpanExporter {
  private ended = 0;
  private exported = 0;
  private failedExports = 0;
  private reported = { overflow: 0, failed: 0 };

  constructor(private exporter: SpanExporter) {}

  replace(exporter: SpanExporter): void {
    this.exporter = exporter;
  }

  counting(processor: SpanProcessor): SpanProcessor {
    return {
      onStart: (span, parentContext) => processor.onStart(span, parentContext),
      onEnd: (span) => {
        if (span.spanContext().traceFlags & 1) this.ended += 1;
        processor.onEnd(span);
      },
      forceFlush: () => processor.forceFlush(),
      shutdown: () => processor.shutdown(),
    };
  }
  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.exported += spans.length;
    this.exporter.export(spans, (result) => {
      if (result.code !== 0) this.failedExports += spans.length;
      resultCallback(result);
    });
  }
  shutdown = (): Promise<void> => this.exporter.shutdown();
  forceFlush = (): Promise<void> => this.exporter.forceFlush?.() ?? Promise.resolve();

  /** After a flush: spans dropped since the last call, as 'reason:category' → quantity. */
  takeNew(): Record<string, number> {
    const overflow = this.ended - this.exported - this.reported.overflow;
    const failed = this.failedExports - this.reported.failed;
    this.reported = { overflow: this.ended - this.exported, failed: this.failedExports };
    return { ...(overflow > 0 && { 'queue_overflow:span': overflow }), ...(failed > 0 && { 'export_failed:span': failed }) };
  }
}

/** True once work is done; false if it failed (a refused export: counted as dropped) or took too long. */
function withinTime(work: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  return Promise.race([work.then(() => true, () => false), timeout]).finally(() => clearTimeout(timer));
}
