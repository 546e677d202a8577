import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UPSTREAM_COMPLETIONS_PATH, UPSTREAM_HEADERS, type UpstreamTruth } from '../../servers/ground-truth.ts';

/**
 * The model upstream of the llm-proxy scenario: an OpenAI-compatible `POST /v1/chat/completions`
 * on 127.0.0.1 that streams `chat.completion.chunk` SSE events, `max_completion_tokens` tokens
 * (default 20) a gap apart, then `[DONE]`. It runs in the harness's process, beside the sink and
 * pinned with the load, and records per call (keyed by the request id the server forwards) when
 * its body really ended and whether the caller aborted: the ground truth of the call's client span.
 */
export interface FakeUpstream {
  /** The base URL an OpenAI client takes (`.../v1`). */
  readonly url: string;
  readonly port: number;
  /** The calls made with this request id (one, unless the caller retried); every call without one. */
  records(requestId?: string): UpstreamTruth[];
  /** Calls whose body has not ended yet. */
  readonly open: number;
  /** Resolves true once no call is open, false if one still is after timeoutMs. */
  settled(timeoutMs?: number): Promise<boolean>;
  /** Forgets every finished call. */
  clear(): void;
  /** Stops serving: open streams are cut, the port is released. */
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** 0 or absent: any free port. */
  port?: number;
}

const DEFAULT_TOKENS = 20;
const MAX_TOKENS = 100_000;
const MAX_GAP_MS = 60_000;
const MODEL = 'fake-model';

const now = (): number => performance.timeOrigin + performance.now();

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  let finished = new Map<string, UpstreamTruth[]>();
  const timers = new Set<NodeJS.Timeout>();
  let open = 0;

  function record(truth: UpstreamTruth): void {
    const calls = finished.get(truth.requestId);
    if (calls) calls.push(truth);
    else finished.set(truth.requestId, [truth]);
  }

  function stream(request: IncomingMessage, response: ServerResponse, body: ChatRequest): void {
    const truth: UpstreamTruth = {
      requestId: header(request, UPSTREAM_HEADERS.requestId) ?? '',
      startMs: now(),
      headersMs: null,
      endMs: null,
      aborted: false,
      failed: false,
      tokens: 0,
    };
    const tokens = body.max_completion_tokens ?? DEFAULT_TOKENS;
    const gapMs = integerHeader(request, UPSTREAM_HEADERS.gapMs, 0, MAX_GAP_MS) ?? 0;
    const failAt = integerHeader(request, UPSTREAM_HEADERS.failAt, 0, MAX_TOKENS) ?? 0;
    let timer: NodeJS.Timeout | undefined;
    open += 1;
    const end = (): void => {
      if (truth.endMs !== null) return;
      truth.endMs = now();
      open -= 1;
      timers.delete(timer!);
      clearTimeout(timer);
      record(truth);
    };
    response.once('finish', end);
    response.once('close', () => {
      if (!response.writableFinished && !truth.failed) truth.aborted = true;
      end();
    });

    const id = `chatcmpl-${truth.requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finishReason: string | null): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model ?? MODEL, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    truth.headersMs = now();
    const next = (): void => {
      timers.delete(timer!);
      if (response.destroyed) return;
      truth.tokens += 1;
      if (truth.tokens === failAt) {
        // Broken off mid-body, as a model provider's connection that drops: the caller's read fails.
        truth.failed = true;
        response.destroy();
        return;
      }
      response.write(chunk(truth.tokens === 1 ? { role: 'assistant', content: `t${truth.tokens} ` } : { content: `t${truth.tokens} ` }, null));
      if (truth.tokens < tokens) {
        timer = setTimeout(next, gapMs);
        timers.add(timer);
        return;
      }
      response.write(chunk({}, 'stop'));
      response.end('data: [DONE]\n\n');
    };
    timer = setTimeout(next, gapMs);
    timers.add(timer);
  }

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== UPSTREAM_COMPLETIONS_PATH || request.method !== 'POST') {
      reply(response, 404, `not found: the fake upstream serves POST ${UPSTREAM_COMPLETIONS_PATH} only`);
      return;
    }
    readJson(request).then(
      (body) => {
        const problem = refusal(body);
        if (problem) reply(response, 400, problem);
        else stream(request, response, body as ChatRequest);
      },
      (error: unknown) => reply(response, 400, `bad request body: ${error instanceof Error ? error.message : String(error)}`),
    );
  });
  // An idle connection is never closed from this side: a server frozen between its trials would
  // otherwise find its pooled connection gone when thawed, and a POST is not retried.
  server.keepAliveTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    get open() {
      return open;
    },
    async settled(timeoutMs = 5_000) {
      for (const deadline = performance.now() + timeoutMs; open > 0; ) {
        if (performance.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return true;
    },
    records: (requestId) => (requestId === undefined ? [...finished.values()].flat() : [...(finished.get(requestId) ?? [])]),
    clear() {
      finished = new Map();
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The part of an OpenAI chat completion request the fake upstream reads. */
interface ChatRequest {
  model?: string;
  stream?: boolean;
  max_completion_tokens?: number;
}

/** Why a body is not a streaming chat request the fake upstream can answer, or null. */
function refusal(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return 'the body must be a JSON object';
  const { stream, max_completion_tokens: tokens } = body as Record<string, unknown>;
  if (stream !== true) return 'only streaming calls are served: set "stream": true';
  if (tokens !== undefined && !(Number.isInteger(tokens) && (tokens as number) >= 1 && (tokens as number) <= MAX_TOKENS)) {
    return `max_completion_tokens must be an integer from 1 to ${MAX_TOKENS}`;
  }
  return null;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function integerHeader(request: IncomingMessage, name: string, min: number, max: number): number | undefined {
  const value = Number(header(request, name));
  return Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    request.once('error', reject);
  });
}

function reply(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message } }));
}
