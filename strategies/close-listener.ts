import { statusOf } from './outcome.ts';
import type { StrategyFactory } from './strategy.ts';

/** Event-driven: the response's close event is the moment the stream is really done. */
export const closeListener: StrategyFactory = () => ({
  name: 'close-listener',
  description: "ends the root on the response's close event",
  rootOwner: 'strategy',
  track(root, res, body) {
    // 'close' fires once for finished, aborted and destroyed responses alike.
    if (res.closed) root.end(statusOf(res, body));
    else res.once('close', () => root.end(statusOf(res, body)));
  },
});
