import type { SpanRecord } from './span-record.ts';

/**
 * Parses an OTLP/HTTP JSON trace export (ExportTraceServiceRequest, opentelemetry-proto 1.x, as
 * @opentelemetry/otlp-transformer 0.223 writes it) into span records: hex ids, times as nanosecond
 * strings, attributes as `[{key, value: AnyValue}]`, status as `{code, message}`.
 */

/** The body is not a well-formed OTLP JSON export; the sink answers 400 with the message. */
export class OtlpError extends Error {}

/** OTLP status codes (also accepted by their enum names). */
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
/** Span flags: bit 8 says whether bit 9 is known; bit 9 says the parent is in another process. */
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;
const NANOS_PER_MICRO = 1_000n;

type JsonObject = Record<string, unknown>;

export function parseOtlpTraces(body: Buffer): SpanRecord[] {
  let request: unknown;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    throw new OtlpError('OTLP body: not valid JSON');
  }
  if (!isObject(request)) throw new OtlpError('OTLP body: not a JSON object');
  const spans: SpanRecord[] = [];
  for (const resourceSpans of optionalList(request, 'resourceSpans', 'export request')) {
    if (!isObject(resourceSpans)) throw new OtlpError('resourceSpans: an entry is not an object');
    for (const scopeSpans of optionalList(resourceSpans, 'scopeSpans', 'resourceSpans')) {
      if (!isObject(scopeSpans)) throw new OtlpError('scopeSpans: an entry is not an object');
      for (const span of optionalList(scopeSpans, 'spans', 'scopeSpans')) spans.push(spanRecord(span));
    }
  }
  return spans;
}

/** One OTLP span. The root is the span whose parent is not in this process: none, or a remote one. */
export function spanRecord(span: unknown): SpanRecord {
  if (!isObject(span)) throw new OtlpError('span: not an object');
  const traceId = hexId(span, 'traceId', 32);
  const spanId = hexId(span, 'spanId', 16);
  const parentSpanId = span.parentSpanId === undefined || span.parentSpanId === '' ? undefined : hexId(span, 'parentSpanId', 16);
  const flags = span.flags === undefined ? 0 : Number(span.flags);
  const remoteParent = (flags & FLAG_HAS_IS_REMOTE) !== 0 && (flags & FLAG_IS_REMOTE) !== 0;
  return {
    traceId,
    spanId,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    name: typeof span.name === 'string' ? span.name : '',
    start: unixNanoToSeconds(span, 'startTimeUnixNano'),
    end: unixNanoToSeconds(span, 'endTimeUnixNano'),
    status: statusOf(span.status),
    attributes: attributesOf(span.attributes),
    isSegment: parentSpanId === undefined || remoteParent,
    format: 'otlp',
  };
}

/**
 * OTLP has only UNSET, OK and ERROR. OK is 'ok', UNSET is 'unset' (what instrumentations leave on
 * a success), ERROR is its description ('cancelled', 'internal_error' as the suite's servers set
 * it; 'error' without one).
 */
function statusOf(status: unknown): string {
  if (status === undefined) return 'unset';
  if (!isObject(status)) throw new OtlpError('span: "status" is not an object');
  const raw = status.code ?? 0;
  const code = typeof raw === 'string' ? STATUS_CODES[raw] : raw;
  if (code === 0) return 'unset';
  if (code === 1) return 'ok';
  if (code === 2) return typeof status.message === 'string' && status.message !== '' ? status.message : 'error';
  throw new OtlpError(`span: status code must be 0, 1 or 2, got ${JSON.stringify(raw)}`);
}

/** `[{key, value: AnyValue}]` to `{key: value}`. */
function attributesOf(attributes: unknown): JsonObject {
  if (attributes === undefined) return {};
  if (!Array.isArray(attributes)) throw new OtlpError('span: "attributes" is not a list');
  const values: JsonObject = {};
  for (const entry of attributes) {
    if (!isObject(entry) || typeof entry.key !== 'string') throw new OtlpError('span: an attribute is not a {key, value} object');
    values[entry.key] = anyValue(entry.value, entry.key);
  }
  return values;
}

/** Unwraps an AnyValue; int64 arrives as a string or a number, bytes as base64 (kept as given). */
function anyValue(value: unknown, key: string): unknown {
  if (value === undefined) return null;
  if (!isObject(value)) throw new OtlpError(`attribute "${key}": value is not an AnyValue object`);
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return value.bytesValue;
  if ('intValue' in value) {
    const int = value.intValue;
    if (typeof int === 'number') return int;
    if (typeof int === 'string' && /^-?\d+$/.test(int)) return Number(int);
    throw new OtlpError(`attribute "${key}": intValue is not an integer`);
  }
  if ('arrayValue' in value) {
    const array = value.arrayValue;
    if (!isObject(array)) throw new OtlpError(`attribute "${key}": arrayValue is not an object`);
    return optionalList(array, 'values', `attribute "${key}"`).map((item) => anyValue(item, key));
  }
  if ('kvlistValue' in value) {
    const list = value.kvlistValue;
    if (!isObject(list)) throw new OtlpError(`attribute "${key}": kvlistValue is not an object`);
    return attributesOf(list.values ?? []);
  }
  return null;
}

/** Nanoseconds since the epoch (a decimal string, or a number) to seconds, kept to the microsecond. */
function unixNanoToSeconds(span: JsonObject, key: string): number {
  const value = span[key];
  let nanos: bigint;
  if (typeof value === 'string' && /^\d+$/.test(value)) nanos = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) nanos = BigInt(value);
  else throw new OtlpError(`span: "${key}" is not a nanosecond timestamp`);
  // A double holds today's epoch in microseconds exactly; nanoseconds would be rounded.
  return Number(nanos / NANOS_PER_MICRO) / 1e6;
}

function hexId(span: JsonObject, key: string, length: number): string {
  const value = span[key];
  if (typeof value !== 'string' || value.length !== length || !/^[0-9a-fA-F]+$/.test(value)) {
    throw new OtlpError(`span: "${key}" is not ${length} hex digits`);
  }
  return value.toLowerCase();
}

function optionalList(object: JsonObject, key: string, what: string): unknown[] {
  const value = object[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new OtlpError(`${what}: "${key}" is not a list`);
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
