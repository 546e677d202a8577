import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { REQUEST_ID_ATTRIBUTE, SPAN_KIND_ATTRIBUTE } from './ground-truth.ts';
import type { RootSpan, Strategy } from '../strategies/strategy.ts';
import { CONTROL_PREFIX } from './ground-truth.ts';
import { UndatedResponse } from './counted.ts';
import { knownLoop } from '../strategies/known-loop.ts';
import { AllocationCounter } from './allocation-counter.ts';
import { ProcessProbe } from './process-probe.ts';
import { RequestTracker } from './request-tracker.ts';
import { SharedSource } from './shared-source.ts';
import type { Tracer } from './tracer.ts';
import { BadParameter, type Query, type Workload, type WorkloadContext } from './workload.ts';
import type OpenAI from 'openai';
import { bulk, llmProxy, longIdle, plainJson, sharedSource, sseTokens } from './workloads.ts';

/** Given to strategies that do not own the root: there is nothing for them to end. */
const INERT_ROOT: RootSpan = { ended: true, end: () => {} };

export interface AppOptions {
  strategy: Strategy;
  tracer: Tracer;
  /** Tick of the process-wide emitter behind /shared-source. */
  sharedTickMs?: number;
  /** The client of the model upstream behind /llm-proxy; without it that route answers 400. */
  upstream?: OpenAI;
  /**
   * The server is counted under valgrind (servers/counted.ts): a polling strategy ticks once right
   * after each response closes, not on its timer, and responses carry no Date header.
   */
  counted?: boolean;
}

/**
 * The one app every server runs: the same routes and workloads whatever the strategy; only who
 * starts the root and when it ends differs.
 */
export function buildApp({ strategy, tracer, sharedTickMs = 20, upstream, counted = false }: AppOptions): FastifyInstance {
  const tracker = new RequestTracker(strategy.rootOwner === 'strategy');
  const source = new SharedSource(sharedTickMs);
  const probe = new ProcessProbe(() => tracker.progress());
  const allocation = new AllocationCounter();
  // The control routes answer beside fastify, so no SDK instrumentation of fastify sees them.
  const app = Fastify({
    logger: false,
    serverFactory: (handler) =>
      http.createServer(counted ? { ServerResponse: UndatedResponse } : {}, (request, response) => {
        if (request.url?.startsWith(CONTROL_PREFIX)) void control(request, response);
        else handler(request, response);
      }),
  });
  app.addHook('onClose', async () => source.close());

  function serve<Params>(workload: Workload<Params>): void {
    app.get(workload.path, (request, reply) => {
      let params: Params;
      try {
        params = workload.parse(request.query as Query);
      } catch (error) {
        if (error instanceof BadParameter) return reply.code(400).send({ error: error.message });
        throw error;
      }
      const header = request.headers['x-request-id'];
      const requestId = typeof header === 'string' && header !== '' ? header : randomUUID();
      reply.header('x-request-id', requestId).header('content-type', workload.contentType);

      const tracked = tracker.begin(requestId, workload.path, reply.raw);
      const tag = { [REQUEST_ID_ATTRIBUTE]: requestId };
      const context: WorkloadContext = {
        requestId,
        child(name, fn) {
          tracker.childSpan(tracked);
          return tracer.child(name, { ...tag, [SPAN_KIND_ATTRIBUTE]: 'child' }, fn);
        },
      };
      const rootTag = { ...tag, [SPAN_KIND_ATTRIBUTE]: 'root' };

      let body: Readable | object;
      if (strategy.rootOwner === 'strategy') {
        const span = tracer.startRoot(`GET ${workload.path}`, rootTag);
        body = tracer.withActive(span, () => workload.produce(context, params));
        tracked.body = body instanceof Readable ? body : undefined;
        strategy.track?.(tracker.root(span), reply.raw, tracked.body);
      } else {
        if (strategy.rootOwner === 'sdk') tracer.tagActiveRoot(rootTag);
        body = workload.produce(context, params);
        tracked.body = body instanceof Readable ? body : undefined;
        strategy.track?.(INERT_ROOT, reply.raw, tracked.body);
      }
      // After the strategy's own close listeners have run, as its next tick would come after them.
      if (counted && strategy.pollNow) reply.raw.once('close', () => setImmediate(() => strategy.pollNow?.()));
      return reply.send(body);
    });
  }

  serve(sseTokens);
  serve(bulk);
  serve(longIdle);
  serve(sharedSource(source));
  serve(plainJson);
  serve(llmProxy(upstream));

  async function control(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const { pathname, searchParams } = new URL(request.url ?? '/', 'http://control');
    let answer: unknown;
    const route = `${request.method} ${pathname.slice(CONTROL_PREFIX.length)}`;
    if (route === 'GET state') answer = tracker.state(searchParams.get('drain') === '1');
    else if (route === 'POST flush') answer = { flushed: await tracer.flush(10_000), dropped: tracer.dropped?.() ?? {} };
    else if (route === 'POST probe/start') answer = { started: probe.start() ?? true };
    else if (route === 'GET probe/heap') answer = probe.heapNow();
    else if (route === 'POST probe/stop') answer = probe.stop();
    else if (route === 'GET allocation') answer = allocation.read();
    else if (route === 'POST collect-young') answer = { collected: allocation.collectYoung() };
    else if (route === 'POST known-loop') answer = { state: knownLoop(Number(searchParams.get('iterations') ?? 0)) };
    response.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer ?? { error: `no control route ${request.method} ${pathname}` }));
  }

  return app;
}
