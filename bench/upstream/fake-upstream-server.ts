import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UPSTREAM_COMPLETIONS_PATH, UPSTREAM_HEADERS, type UpstreamTruth } from '../../servers/ground-truth.ts';
import { errorMessage } from '../common/error-message.ts';

/**
 * The fake model upstream's HTTP side: an OpenAI-compatible `POST /v1/chat/completions` on
 * 127.0.0.1 that streams `chat.completion.chunk` SSE events, `max_completion_tokens` tokens
 * (default 20) a gap apart, then `[DONE]`, and reports each call as it opens and as its body
 * really ends. It runs on its own thread (fake-upstream.ts), so that its clock readings do not
 * wait behind the harness's other work.
 */
export interface UpstreamEvents {
  opened(): void;
  ended(truth: UpstreamTruth): void;
}

export interface UpstreamServer {
  readonly port: number;
  /** Stops serving: open streams are cut, the port is released. */
  close(): Promise<void>;
}

const DEFAULT_TOKENS = 20;
const MAX_TOKENS = 100_000;
const MAX_GAP_MS = 60_000;
const MODEL = 'fake-model';

const now = (): number => performance.timeOrigin + performance.now();

export async function serveFakeUpstream(port: number, events: UpstreamEvents): Promise<UpstreamServer> {
  const timers = new Set<NodeJS.Timeout>();

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
    events.opened();
    const end = (): void => {
      if (truth.endMs !== null) return;
      truth.endMs = now();
      timers.delete(timer!);
      clearTimeout(timer);
      events.ended(truth);
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
      (error: unknown) => reply(response, 400, `bad request body: ${errorMessage(error)}`),
    );
  });
  // An idle connection is never closed from this side: a server frozen between its trials would
  // otherwise find its pooled connection gone when thawed, and a POST is not retried.
  server.keepAliveTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
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
