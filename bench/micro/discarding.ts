import type { TracerName } from '../../servers/tracer.ts';
import type { SentCounts } from './discarding-transport.ts';

/**
 * Cuts the network out of the tracer set up in this process (its SDK's own pipeline kept), and
 * counts what it would have sent. Each SDK's module is imported here, on demand: tracer none must
 * load none, and otel must not load @sentry/node.
 */
export async function discardSends(tracer: Exclude<TracerName, 'none'>): Promise<SentCounts> {
  if (tracer === 'otel') return (await import('./discarding-otlp.ts')).discardOtlpSends();
  return (await import('./discarding-transport.ts')).discardSdkSends();
}
