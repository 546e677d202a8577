import { Readable } from 'node:stream';
import type { WorkloadContext } from './workload.ts';

export interface EventStreamParams {
  events: number;
  gapMs: number;
  failAt: number;
  spanName: string;
  render: (index: number) => string;
}

/**
 * A timed stream of events, one child span per event, like tokens from an LLM. Timers carry
 * the request's async context, so each event's span is a child of the request's active span.
 * At event `failAt` the producer throws: the body ends in error. With no gap, the next event comes
 * on the next turn of the event loop (setImmediate): a 0 ms timer waits a whole millisecond, and
 * how many idle loop turns fit in it follows the clock, which instruction counts must not.
 */
export function eventStream(context: WorkloadContext, params: EventStreamParams): Readable {
  let sent = 0;
  let cancel = (): void => {};
  const schedule = (next: () => void): void => {
    if (params.gapMs === 0) {
      const immediate = setImmediate(next);
      cancel = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(next, params.gapMs);
      cancel = () => clearTimeout(timer);
    }
  };
  const body = new Readable({
    read() {},
    destroy(error, callback) {
      cancel();
      callback(error);
    },
  });

  function emit(): void {
    sent += 1;
    try {
      context.child(params.spanName, () => {
        if (sent === params.failAt) throw new Error(`producer failed at event ${sent}`);
        body.push(params.render(sent));
      });
    } catch (error) {
      body.destroy(error as Error);
      return;
    }
    if (sent >= params.events) body.push(null);
    else schedule(emit);
  }

  schedule(emit);
  return body;
}
