import type { SpanRecord } from './span-record.ts';

/**
 * Parses a Sentry envelope (https://develop.sentry.dev/sdk/data-model/envelopes/) into the spans it
 * carries. Shapes follow @sentry/core 11: `Event` (transaction items), `SpanJSON` (their children)
 * and `SerializedStreamedSpanContainer` (span v2 items).
 */

/** The body is not a well-formed envelope; the sink answers 400 with the message. */
export class EnvelopeError extends Error {}

export interface ParsedEnvelope {
  /** Every item's `type`, in order (client_report, session, ... are listed but carry no spans). */
  itemTypes: string[];
  spans: SpanRecord[];
  /** What the SDK says it dropped (client_report items), as `reason:category` → quantity. */
  discarded: Record<string, number>;
}

const SPAN_V2_CONTENT_TYPE = 'application/vnd.sentry.items.span.v2+json';
const STATUS_MESSAGE_ATTRIBUTE = 'sentry.status.message';
const NEWLINE = 0x0a;

type JsonObject = Record<string, unknown>;

export function parseEnvelope(body: Buffer): ParsedEnvelope {
  const reader = new LineReader(body);
  const header = parseJson(reader.line(), 'envelope header');
  if (!isObject(header)) throw new EnvelopeError('not an envelope: the first line is not a JSON object');

  const itemTypes: string[] = [];
  const spans: SpanRecord[] = [];
  const discarded: Record<string, number> = {};
  while (!reader.atEnd()) {
    const headerLine = reader.line();
    // A trailing newline after the last item is tolerated.
    if (headerLine.length === 0 && reader.atEnd()) break;
    const itemHeader = parseJson(headerLine, 'item header');
    if (!isObject(itemHeader) || typeof itemHeader.type !== 'string') {
      throw new EnvelopeError(`item ${itemTypes.length + 1}: header is not an object with a string "type"`);
    }
    if (reader.atEnd() && itemHeader.length !== 0) {
      throw new EnvelopeError(`item ${itemTypes.length + 1} (${itemHeader.type}): truncated, no payload`);
    }
    const payload = readPayload(reader, itemHeader, itemTypes.length + 1);
    itemTypes.push(itemHeader.type);

    if (itemHeader.type === 'transaction') {
      spans.push(...transactionSpans(parseJson(payload, 'transaction payload')));
    } else if (itemHeader.type === 'span' && itemHeader.content_type === SPAN_V2_CONTENT_TYPE) {
      spans.push(...spanV2Items(parseJson(payload, 'span container payload')));
    } else if (itemHeader.type === 'client_report') {
      countDiscarded(parseJson(payload, 'client report payload'), discarded);
    }
    // Any other item (session, event, attachment, ...) is accepted and ignored.
  }
  if (itemTypes.length === 0) throw new EnvelopeError('not an envelope: no items after the header');
  return { itemTypes, spans, discarded };
}

/** A client report: `{ discarded_events: [{ reason, category, quantity }] }`, e.g. queue_overflow. */
function countDiscarded(report: unknown, into: Record<string, number>): void {
  if (!isObject(report) || !Array.isArray(report.discarded_events)) throw new EnvelopeError('client_report: no discarded_events list');
  for (const entry of report.discarded_events) {
    if (!isObject(entry) || typeof entry.reason !== 'string' || typeof entry.category !== 'string' || typeof entry.quantity !== 'number') {
      throw new EnvelopeError('client_report: a discarded event needs reason, category and quantity');
    }
    const key = `${entry.reason}:${entry.category}`;
    into[key] = (into[key] ?? 0) + entry.quantity;
  }
}

function readPayload(reader: LineReader, itemHeader: JsonObject, index: number): Buffer {
  if (itemHeader.length === undefined) return reader.line();
  const length = itemHeader.length;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    throw new EnvelopeError(`item ${index}: "length" must be a non-negative integer`);
  }
  const payload = reader.bytes(length);
  if (payload.length < length) {
    throw new EnvelopeError(`item ${index}: truncated, ${payload.length} of ${length} bytes`);
  }
  return payload;
}

/** A transaction event: the root is `contexts.trace`, the children are `spans[]`. */
function transactionSpans(event: unknown): SpanRecord[] {
  if (!isObject(event)) throw new EnvelopeError('transaction: payload is not an object');
  const contexts = event.contexts;
  const trace = isObject(contexts) ? contexts.trace : undefined;
  if (!isObject(trace)) throw new EnvelopeError('transaction: no contexts.trace');

  const root: SpanRecord = {
    traceId: requireString(trace, 'trace_id', 'transaction contexts.trace'),
    spanId: requireString(trace, 'span_id', 'transaction contexts.trace'),
    ...optionalParent(trace.parent_span_id),
    name: typeof event.transaction === 'string' ? event.transaction : '',
    start: requireNumber(event, 'start_timestamp', 'transaction'),
    end: requireNumber(event, 'timestamp', 'transaction'),
    status: staticStatus(trace.status),
    attributes: isObject(trace.data) ? { ...trace.data } : {},
    isSegment: true,
    format: 'transaction',
  };

  const children = event.spans ?? [];
  if (!Array.isArray(children)) throw new EnvelopeError('transaction: "spans" is not an array');
  return [root, ...children.map((child: unknown) => transactionChild(child))];
}

function transactionChild(span: unknown): SpanRecord {
  if (!isObject(span)) throw new EnvelopeError('transaction span: not an object');
  const what = 'transaction span';
  return {
    traceId: requireString(span, 'trace_id', what),
    spanId: requireString(span, 'span_id', what),
    ...optionalParent(span.parent_span_id),
    name: typeof span.description === 'string' ? span.description : typeof span.op === 'string' ? span.op : '',
    start: requireNumber(span, 'start_timestamp', what),
    end: requireNumber(span, 'timestamp', what),
    status: staticStatus(span.status),
    attributes: isObject(span.data) ? { ...span.data } : {},
    isSegment: false,
    format: 'transaction',
  };
}

/** A span v2 container: `{items: SerializedStreamedSpan[]}` with typed attributes. */
function spanV2Items(container: unknown): SpanRecord[] {
  if (!isObject(container) || !Array.isArray(container.items)) {
    throw new EnvelopeError('span container: payload has no "items" array');
  }
  return container.items.map((item: unknown) => {
    if (!isObject(item)) throw new EnvelopeError('span v2 item: not an object');
    const what = 'span v2 item';
    const attributes = unwrapAttributes(item.attributes);
    return {
      traceId: requireString(item, 'trace_id', what),
      spanId: requireString(item, 'span_id', what),
      ...optionalParent(item.parent_span_id),
      name: typeof item.name === 'string' ? item.name : '',
      start: requireNumber(item, 'start_timestamp', what),
      end: requireNumber(item, 'end_timestamp', what),
      status: spanV2Status(item.status, attributes),
      attributes,
      isSegment: item.is_segment === true,
      format: 'span-v2',
    };
  });
}

/** Static statuses are already the message ('ok', 'cancelled', 'internal_error', ...); none means ok. */
function staticStatus(status: unknown): string {
  if (status === undefined) return 'ok';
  if (typeof status !== 'string') throw new EnvelopeError('span status is not a string');
  return status;
}

/** v2 carries only ok/error; the error's message travels as the `sentry.status.message` attribute. */
function spanV2Status(status: unknown, attributes: JsonObject): string {
  if (status === 'ok') return 'ok';
  if (status === 'error') {
    const message = attributes[STATUS_MESSAGE_ATTRIBUTE];
    return typeof message === 'string' ? message : 'internal_error';
  }
  throw new EnvelopeError(`span v2 item: status must be "ok" or "error", got ${JSON.stringify(status)}`);
}

/** `{key: {type, value, unit?}}` to `{key: value}`. */
function unwrapAttributes(attributes: unknown): JsonObject {
  if (attributes === undefined) return {};
  if (!isObject(attributes)) throw new EnvelopeError('span v2 item: "attributes" is not an object');
  const values: JsonObject = {};
  for (const [key, typed] of Object.entries(attributes)) {
    if (!isObject(typed) || !('value' in typed)) {
      throw new EnvelopeError(`span v2 item: attribute "${key}" is not a {type, value} object`);
    }
    values[key] = typed.value;
  }
  return values;
}

function optionalParent(parentSpanId: unknown): { parentSpanId?: string } {
  return typeof parentSpanId === 'string' && parentSpanId !== '' ? { parentSpanId } : {};
}

function requireString(object: JsonObject, key: string, what: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw new EnvelopeError(`${what}: "${key}" is not a string`);
  return value;
}

function requireNumber(object: JsonObject, key: string, what: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EnvelopeError(`${what}: "${key}" is not a number`);
  }
  return value;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new EnvelopeError(`${what}: not valid JSON`);
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads newline-terminated lines or exact byte counts from a buffer, as envelopes need. */
class LineReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  atEnd(): boolean {
    return this.offset >= this.buffer.length;
  }

  /** The bytes up to the next newline (or the end), consuming the newline. */
  line(): Buffer {
    const newline = this.buffer.indexOf(NEWLINE, this.offset);
    const end = newline === -1 ? this.buffer.length : newline;
    const line = this.buffer.subarray(this.offset, end);
    this.offset = end + 1;
    return line;
  }

  /** Up to `count` bytes, then the newline that may follow them. */
  bytes(count: number): Buffer {
    const bytes = this.buffer.subarray(this.offset, this.offset + count);
    this.offset += bytes.length;
    if (this.buffer[this.offset] === NEWLINE) this.offset += 1;
    return bytes;
  }
}
