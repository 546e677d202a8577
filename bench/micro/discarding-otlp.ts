import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { replaceOtelExport } from '../../servers/otel-tracer.ts';
import type { SentCounts } from './discarding-transport.ts';

/**
 * Cuts the network out of the otel tracer the servers use, keeping its batch processor: every
 * batch is serialised to OTLP JSON by the same serializer the OTLP/HTTP exporter uses, counted
 * (an export counts as one envelope) and discarded.
 */
export function discardOtlpSends(): SentCounts {
  const counts: SentCounts = { envelopes: 0, bytes: 0 };
  replaceOtelExport((spans) => {
    const body = JsonTraceSerializer.serializeRequest(spans);
    counts.envelopes += 1;
    counts.bytes += body?.byteLength ?? 0;
  });
  return counts;
}
