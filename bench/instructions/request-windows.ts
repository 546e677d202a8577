import type { Sink } from '../spans/sink.ts';
import { fetchStream, type StreamRequest } from '../harness/stream-client.ts';
import { flushToSink } from '../harness/verify-run.ts';
import type { CountedServer } from './counted-server.ts';

/** One counted window: requests sent, the server's instructions and heap bytes allocated meanwhile. */
export interface CountedWindow {
  requests: number;
  instructions: number;
  allocatedBytes: number;
}

/** How a window's requests are sent: one after another, each read to its end before the next. */
export interface WindowLoad {
  /** Sends the index-th request of the process (ids stay unique across windows); rejects unless it completed. */
  send(index: number): Promise<void>;
}

/** A scenario's GET requests, each read to its end; anything but a complete 200 is a failure. */
export function streamLoad(request: (index: number) => StreamRequest): WindowLoad {
  return {
    async send(index) {
      const sent = request(index);
      const result = await fetchStream({ timeoutMs: 120_000, ...sent });
      if (result.status !== 200 || result.ending !== 'complete') {
        throw new Error(`request ${sent.url} ended ${result.ending} with status ${result.status ?? 'none'}`);
      }
    },
  };
}

const CONTROL_WARMUP_CALLS = 10;
const WARMUP_ROUNDS = 5;

/**
 * The requests of one scenario (or of a control route) against a counted server, counted window by
 * window. Before each window the SDK has sent everything, a young-generation collection (never a
 * full one: it would flush bytecode to compile again) leaves the whole new space to the window,
 * and the counter is zeroed. The window ends once its responses are complete and the SDK has
 * sent their spans, with a reading of the counter. A window in which V8 collected is refused: its bytes would be
 * wrong and the collection's instructions are not the requests' own.
 */
export class WindowCounter {
  private sent = 0;

  constructor(
    private readonly counted: CountedServer,
    private readonly sink: Sink,
  ) {}

  /**
   * Requests not counted: the app's code paths, the SDK's and the strategy's are taken once before
   * counting. A young-generation collection first, so the windows that follow fit in it. The first
   * round is as large as the largest window: more requests or sends at once than ever before grow
   * the SDK's and Node's tables and connection pools once more (a first window of 10 concurrent
   * long-idle requests after rounds of 4 allocated 4 % more than the windows after it; 40
   * plain-json requests with sentry-stream, whose traces go at the window's flush all at once,
   * opened 26 new connections to the collector after rounds of 4: measured).
   */
  async warmUp(load: WindowLoad, requests: number, largestWindow: number): Promise<void> {
    await this.counted.instrument(false);
    await this.counted.collectYoung();
    // In rounds, each ended by a flush, as a window is: an SDK that sends in batches (OTel,
    // Sentry's stream lifecycle) runs its export of a whole batch once per window, so one flush
    // would leave that code cold for the first windows (they read 1-2 % more, falling).
    const round = Math.ceil(requests / WARMUP_ROUNDS);
    for (let turn = 0; turn < WARMUP_ROUNDS; turn += 1) {
      await this.send(load, turn === 0 ? Math.max(round, largestWindow) : round);
      await this.settle();
    }
    // The control requests around a window warm up too: the flush that closes a window cost 18.7,
    // 2.7, then 1.3 M instructions on its first three calls.
    for (let call = 0; call < CONTROL_WARMUP_CALLS; call += 1) {
      await this.settle();
      await this.counted.collectYoung();
      await this.counted.allocation();
    }
  }

  async count(load: WindowLoad, requests: number): Promise<CountedWindow> {
    await this.counted.instrument(true);
    await this.settle();
    await this.counted.collectYoung();
    const before = await this.counted.allocation();
    await this.counted.zero();
    await this.send(load, requests);
    await this.settle();
    const instructions = await this.counted.read();
    const after = await this.counted.allocation();
    if (after.collections !== before.collections) {
      throw new Error(`V8 collected ${after.collections - before.collections} times inside a window of ${requests} requests: the window is refused`);
    }
    return { requests, instructions, allocatedBytes: after.usedHeapBytes - before.usedHeapBytes };
  }

  /** The SDK sends what it holds, and the sink has received it all: its sends are part of a request's cost. */
  private async settle(): Promise<void> {
    await flushToSink(this.counted.server, this.sink);
  }

  private async send(load: WindowLoad, requests: number): Promise<void> {
    for (let request = 0; request < requests; request += 1) await load.send(this.sent++);
  }
}
