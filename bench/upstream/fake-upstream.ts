import { Worker } from 'node:worker_threads';
import { builtPath } from '../common/build.ts';
import type { UpstreamTruth } from '../../servers/ground-truth.ts';

/**
 * The model upstream of the llm-proxy scenario (fake-upstream-server.ts), started by the harness
 * beside the sink, for verify, the load run and the instruction counts. It serves on its own
 * thread of the harness's process: pinned with the load like everything of the harness, yet its
 * clock readings (when a body really ended) never wait behind the sink parsing a large envelope
 * on the main thread. The calls' records come over as they end.
 */
export interface FakeUpstream {
  /** The base URL an OpenAI client takes (`http://127.0.0.1:PORT/v1`). */
  readonly url: string;
  readonly port: number;
  /** Calls whose body has not ended yet. */
  readonly open: number;
  /** The calls made with this request id (one, unless the caller retried); every call without one. */
  records(requestId?: string): UpstreamTruth[];
  /** Resolves true once no call is open, false if one still is after timeoutMs. */
  settled(timeoutMs?: number): Promise<boolean>;
  /** Forgets every finished call. */
  clear(): void;
  /** Stops serving (open streams are cut, the port released) and ends its thread. */
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** 0 or absent: any free port. */
  port?: number;
}

/** What the upstream's thread tells the harness. */
export type FromWorker =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'opened' }
  | { type: 'ended'; truth: UpstreamTruth }
  | { type: 'closed' };
export type ToWorker = { type: 'close' };

/**
 * The thread runs compiled, from build/, as servers do (a worker does not inherit tsx's loader);
 * the commands and the tests rebuild a stale build before they start it.
 */
const WORKER = builtPath('bench/upstream/upstream-worker.ts');

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const worker = new Worker(WORKER, { workerData: { port: options.port ?? 0 } });
  let finished = new Map<string, UpstreamTruth[]>();
  let open = 0;
  let onClosed: (() => void) | undefined;

  const port = await new Promise<number>((resolve, reject) => {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolve(message.port);
      else if (message.type === 'failed') reject(new Error(`the fake upstream could not start: ${message.message}`));
      else if (message.type === 'opened') open += 1;
      else if (message.type === 'ended') {
        open -= 1;
        const calls = finished.get(message.truth.requestId);
        if (calls) calls.push(message.truth);
        else finished.set(message.truth.requestId, [message.truth]);
      } else onClosed?.();
    });
    // After it was ready, an error ends the thread: its calls stay open, and settled() says so.
    worker.on('error', reject);
    worker.once('exit', (code) => {
      reject(new Error(`the fake upstream's thread exited (code ${code}) before it was ready`));
      onClosed?.();
    });
  });

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
      closing ??= new Promise<void>((resolve) => {
        onClosed = resolve;
        worker.postMessage({ type: 'close' } satisfies ToWorker);
      }).then(async () => {
        await worker.terminate();
      });
      return closing;
    },
  };
}
