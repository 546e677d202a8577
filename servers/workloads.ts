import type OpenAI from 'openai';
import { bulkDownload } from './bulk-download.ts';
import { eventStream } from './event-stream.ts';
import { type SharedSource, sharedSourceStream } from './shared-source.ts';
import { type LlmProxyParams, llmProxyStream } from './llm-proxy.ts';
import { BadParameter, failAtParam, intParam, type Workload } from './workload.ts';

const SSE = 'text/event-stream';

export const sseTokens: Workload<{ events: number; gapMs: number; failAt: number }> = {
  path: '/sse-tokens',
  contentType: SSE,
  parse: (query) => ({
    events: intParam(query, 'events', 20, 1, 100_000),
    gapMs: intParam(query, 'gapMs', 10, 0, 60_000),
    failAt: failAtParam(query),
  }),
  produce: (context, { events, gapMs, failAt }) =>
    eventStream(context, {
      events,
      gapMs,
      failAt,
      spanName: 'sse.token',
      render: (index) => `data: {"token":${index}}\n\n`,
    }),
};

export const bulk: Workload<{ bytes: number; chunkBytes: number; failAt: number }> = {
  path: '/bulk-download',
  contentType: 'application/octet-stream',
  parse: (query) => ({
    bytes: intParam(query, 'bytes', 1 << 20, 1, 1 << 30),
    chunkBytes: intParam(query, 'chunkBytes', 16 << 10, 1, 16 << 20),
    failAt: failAtParam(query),
  }),
  produce: bulkDownload,
};

/** A stream that mostly waits: a heartbeat a second (gapMs sets the wait; instruction counts take none). */
export const longIdle: Workload<{ seconds: number; gapMs: number; failAt: number }> = {
  path: '/long-idle',
  contentType: SSE,
  parse: (query) => ({ seconds: intParam(query, 'seconds', 10, 1, 3_600), gapMs: intParam(query, 'gapMs', 1_000, 0, 60_000), failAt: failAtParam(query) }),
  produce: (context, { seconds, gapMs, failAt }) =>
    eventStream(context, {
      events: seconds,
      gapMs,
      failAt,
      spanName: 'sse.heartbeat',
      render: (index) => `: heartbeat ${index}\n\n`,
    }),
};

export function sharedSource(source: SharedSource): Workload<{ events: number; bind: boolean; failAt: number }> {
  return {
    path: '/shared-source',
    contentType: SSE,
    parse: (query) => ({
      events: intParam(query, 'events', 20, 1, 100_000),
      bind: intParam(query, 'bind', 0, 0, 1) === 1,
      failAt: failAtParam(query),
    }),
    produce: (context, params) => sharedSourceStream(source, context, params),
  };
}

export const plainJson: Workload<Record<string, never>> = {
  path: '/plain-json',
  contentType: 'application/json; charset=utf-8',
  parse: () => ({}),
  produce: (context) =>
    context.child('json.build', () => ({
      requestId: context.requestId,
      items: Array.from({ length: 10 }, (_, index) => ({ index, label: `item ${index}` })),
    })),
};

/** /llm-proxy: tokens from the model upstream (the fake one on 127.0.0.1), re-streamed as SSE. */
export function llmProxy(client: OpenAI | undefined): Workload<LlmProxyParams> {
  return {
    path: '/llm-proxy',
    contentType: SSE,
    parse: (query) => {
      if (!client) throw new BadParameter('this server has no model upstream: start it with --upstream URL (the fake upstream on 127.0.0.1)');
      return {
        tokens: intParam(query, 'tokens', 20, 1, 100_000),
        gapMs: intParam(query, 'gapMs', 10, 0, 60_000),
        failAt: failAtParam(query),
      };
    },
    produce: (context, params) => llmProxyStream(client!, context, params),
  };
}
