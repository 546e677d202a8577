import { Readable } from 'node:stream';
import type OpenAI from 'openai';
import { UPSTREAM_HEADERS } from './ground-truth.ts';
import type { WorkloadContext } from './workload.ts';

export interface LlmProxyParams {
  /** Tokens the model streams. */
  tokens: number;
  /** The model's gap between two tokens (ms). */
  gapMs: number;
  /** The 1-based token at which the model's stream breaks off; 0 = never. */
  failAt: number;
}

/**
 * The official OpenAI client, pointed at the suite's fake upstream on 127.0.0.1 with a dummy key.
 * Loaded only by a server given an upstream, after the SDK is set up (Sentry instruments the
 * package as it loads). No retries: a failed call is the scenario's fault case, not a second call.
 */
export async function upstreamClient(baseURL: string): Promise<OpenAI> {
  const { default: OpenAIClient } = await import('openai');
  return new OpenAIClient({ baseURL, apiKey: 'streamtrace-bench-not-a-key', maxRetries: 0, timeout: 60_000 });
}

/**
 * An LLM proxy: the route calls the model with `stream: true` through the official SDK and
 * re-streams each token to its client as an SSE event, one child span per token. The call runs in
 * the request's async context, so the SDKs' own spans for it (the outgoing fetch, a gen_ai span)
 * belong to the request. The client going away destroys the body, which aborts the upstream call;
 * an upstream that breaks off mid-stream makes the body end in error.
 */
export function llmProxyStream(client: OpenAI, context: WorkloadContext, { tokens, gapMs, failAt }: LlmProxyParams): Readable {
  const abort = new AbortController();
  const body = new Readable({
    read() {},
    destroy(error, callback) {
      abort.abort();
      callback(error);
    },
  });

  async function relay(): Promise<void> {
    const stream = await client.chat.completions.create(
      { model: 'fake-model', messages: [{ role: 'user', content: 'Stream some tokens.' }], stream: true, max_completion_tokens: tokens },
      {
        signal: abort.signal,
        headers: { [UPSTREAM_HEADERS.requestId]: context.requestId, [UPSTREAM_HEADERS.gapMs]: String(gapMs), [UPSTREAM_HEADERS.failAt]: String(failAt) },
      },
    );
    let index = 0;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (!content) continue;
      index += 1;
      context.child('llm.token', () => body.push(`data: ${JSON.stringify({ token: index, content })}\n\n`));
    }
    body.push(null);
  }

  relay().catch((error: unknown) => {
    // After a client abort the body is already gone and the call's AbortError is expected.
    if (!body.destroyed) body.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return body;
}
