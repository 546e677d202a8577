import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzip } from 'node:zlib';
import { EnvelopeError, parseEnvelope } from './envelope.ts';
import { parseOtlpTraces } from './otlp.ts';
import { REQUEST_ID_ATTRIBUTE } from '../../servers/ground-truth.ts';
import type { SpanRecord } from './span-record.ts';
import { errorMessage } from '../common/error-message.ts';

/**
 * The ingest sink: a local stand-in for Sentry's ingest and an OTLP collector, that the SDK under
 * test sends to over real HTTP: Sentry envelopes at /api/<project>/envelope/, OTLP/HTTP JSON at
 * /v1/traces. It keeps every span it parses so the verifier can judge them.
 */

export interface SinkOptions {
  /** 0 or absent: any free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Largest body accepted, compressed or not (default 20 MB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Called once per envelope or OTLP request, accepted or not (the CLI prints these). */
  onEnvelope?: (report: EnvelopeReport) => void;
}

export type EnvelopeReport =
  | { accepted: true; itemTypes: string[]; spans: number; gzipped: boolean }
  | { accepted: false; status: number; reason: string };

export interface Sink {
  readonly url: string;
  /** A DSN pointing an SDK at this sink, project 1. */
  readonly dsn: string;
  readonly port: number;
  /** Envelopes and OTLP exports accepted. */
  readonly envelopes: number;
  /** Connections opened to the sink: an SDK that keeps its connection opens one. */
  readonly connections: number;
  /** Envelope and OTLP requests refused as malformed, oversized or badly encoded. */
  readonly rejected: number;
  /** Every span kept, in arrival order. */
  spans(): SpanRecord[];
  /** The spans whose `bench.request_id` attribute is requestId. */
  spansFor(requestId: string): SpanRecord[];
  /** What the SDK reported dropping (client reports), `reason:category` → quantity, since the last clear. */
  discarded(): Record<string, number>;
  /** Forgets every span and resets the counters. */
  clear(): void;
  /**
   * Resolves true once no envelope has arrived (or been in flight) for quietMs, e.g. after an SDK
   * flush; false if that has not happened within timeoutMs.
   */
  waitForQuiet(quietMs: number, timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
const ENVELOPE_PATH = /^\/api\/[^/]+\/envelope\/?$/;
const OTLP_TRACES_PATH = '/v1/traces';
/** What an OTLP export is reported as (EnvelopeReport.itemTypes). */
export const OTLP_ITEM_TYPE = 'otlp';

interface Parsed {
  itemTypes: string[];
  spans: SpanRecord[];
  discarded: Record<string, number>;
}

/** A refusal with its HTTP status. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  let kept: SpanRecord[] = [];
  let byRequestId = new Map<string, SpanRecord[]>();
  let envelopes = 0;
  let rejected = 0;
  let discarded: Record<string, number> = {};
  let inFlight = 0;
  let lastActivity = performance.now();

  function keep(spans: SpanRecord[]): void {
    for (const span of spans) {
      kept.push(span);
      const requestId = span.attributes[REQUEST_ID_ATTRIBUTE];
      if (typeof requestId !== 'string') continue;
      const forRequest = byRequestId.get(requestId);
      if (forRequest) forRequest.push(span);
      else byRequestId.set(requestId, [span]);
    }
  }

  async function handleEnvelope(
    request: IncomingMessage,
    response: ServerResponse,
    parse: (body: Buffer) => Parsed,
  ): Promise<void> {
    inFlight += 1;
    lastActivity = performance.now();
    let report: EnvelopeReport;
    try {
      const body = await decode(request, await readBody(request, maxBodyBytes), maxBodyBytes);
      const envelope = parse(body);
      keep(envelope.spans);
      for (const [key, quantity] of Object.entries(envelope.discarded)) discarded[key] = (discarded[key] ?? 0) + quantity;
      envelopes += 1;
      const gzipped = request.headers['content-encoding']?.toLowerCase() === 'gzip';
      report = { accepted: true, itemTypes: envelope.itemTypes, spans: envelope.spans.length, gzipped };
      reply(response, 200, {});
    } catch (error) {
      rejected += 1;
      const status = error instanceof Refusal ? error.status : 400;
      const reason = errorMessage(error);
      report = { accepted: false, status, reason };
      reply(response, status, { error: reason });
    } finally {
      inFlight -= 1;
      lastActivity = performance.now();
    }
    options.onEnvelope?.(report);
  }

  // keepAliveTimeout 0: an idle SDK connection is never closed by the sink. A server frozen
  // between its trials would otherwise find its connection closed when thawed, and its first
  // sends would fail (recorded as network_error / export_failed drops).
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const otlp = path === OTLP_TRACES_PATH;
    if (!otlp && !ENVELOPE_PATH.test(path)) {
      reply(response, 404, { error: `not found: the sink serves POST /api/<project>/envelope/ and POST ${OTLP_TRACES_PATH} only` });
      return;
    }
    if (request.method !== 'POST') {
      reply(response, 405, { error: `method not allowed: ${otlp ? 'OTLP exports' : 'envelopes'} are POSTed` });
      return;
    }
    // handleEnvelope catches everything itself; this catch only guards against a bug there.
    handleEnvelope(request, response, otlp ? otlpParser(request) : parseEnvelope).catch((error: unknown) => {
      reply(response, 500, { error: String(error) });
    });
  });
  server.keepAliveTimeout = 0;
  let connections = 0;
  server.on('connection', () => (connections += 1));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    dsn: `http://public@${host}:${port}/1`,
    port,
    get envelopes() {
      return envelopes;
    },
    get connections() {
      return connections;
    },
    get rejected() {
      return rejected;
    },
    spans: () => [...kept],
    spansFor: (requestId) => [...(byRequestId.get(requestId) ?? [])],
    discarded: () => ({ ...discarded }),
    clear() {
      kept = [];
      byRequestId = new Map();
      discarded = {};
      envelopes = 0;
      rejected = 0;
    },
    async waitForQuiet(quietMs, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const now = performance.now();
        const quietFor = inFlight > 0 ? 0 : now - lastActivity;
        if (quietFor >= quietMs) return true;
        if (now >= deadline) return false;
        await sleep(Math.max(1, Math.min(quietMs - quietFor, deadline - now)));
      }
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from an SDK would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** OTLP/HTTP JSON only: a protobuf body is refused (415) as one the sink cannot read. */
function otlpParser(request: IncomingMessage): (body: Buffer) => Parsed {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  return (body) => {
    if (type !== 'application/json') {
      throw new Refusal(415, `OTLP content-type "${type ?? ''}" not supported: use application/json (OTLP/HTTP JSON)`);
    }
    return { itemTypes: [OTLP_ITEM_TYPE], spans: parseOtlpTraces(body), discarded: {} };
  };
}

/** The whole body; an oversized one is drained (so the client sees the answer) and refused. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBytes) reject(new Refusal(413, `body of ${size} bytes is over the ${maxBytes}-byte limit`));
      else resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => reject(new Refusal(400, `body not received: ${error.message}`)));
    // A client that disconnects mid-body may not emit 'error'; settle anyway.
    request.on('close', () => {
      if (!request.complete) reject(new Refusal(400, 'body not received: the client disconnected'));
    });
  });
}

/** Plain or gzip, as the Node SDK's transport sends (it gzips bodies over 32 KB). */
function decode(request: IncomingMessage, body: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return Promise.resolve(body);
  if (encoding !== 'gzip') {
    return Promise.reject(new Refusal(415, `content-encoding "${encoding}" not supported: use gzip or none`));
  }
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (error, plain) => {
      if (!error) return resolve(plain);
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      reject(
        tooLarge
          ? new Refusal(413, `gzip body inflates past the ${maxBytes}-byte limit`)
          : new EnvelopeError(`bad gzip body: ${error.message}`),
      );
    });
  });
}

function reply(response: ServerResponse, status: number, body: object): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
