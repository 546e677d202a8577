import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { isResponseDone, statusOf } from './outcome.ts';
import type { RootSpan, StrategyFactory } from './strategy.ts';

interface OpenStream {
  root: RootSpan;
  res: ServerResponse;
  body: Readable | undefined;
  startedAt: number;
}

/**
 * Polling: one shared timer looks at every open stream each tick and ends the roots whose
 * response is done. A root open past the maximum lifetime is ended with deadline_exceeded,
 * so a stream that never closes cannot hold its root forever.
 */
export const timerKeepalive: StrategyFactory = ({ tickMs, maxLifetimeMs }) => {
  const open = new Set<OpenStream>();
  let timer: NodeJS.Timeout | undefined;

  function tick(): void {
    const now = performance.now();
    for (const stream of open) {
      if (isResponseDone(stream.res)) {
        open.delete(stream);
        stream.root.end(statusOf(stream.res, stream.body));
      } else if (now - stream.startedAt > maxLifetimeMs) {
        open.delete(stream);
        stream.root.end('deadline_exceeded');
      }
    }
  }

  return {
    name: 'timer-keepalive',
    description: `a shared ${tickMs} ms timer ends roots whose response is done`,
    rootOwner: 'strategy',
    start() {
      timer = setInterval(tick, tickMs).unref();
    },
    stop() {
      clearInterval(timer);
    },
    track(root, res, body) {
      open.add({ root, res, body, startedAt: performance.now() });
    },
    pollNow: tick,
  };
};
