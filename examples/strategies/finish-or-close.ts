/**
 * A strategy brought from outside the suite: npm run verify -- --strategy-module PATH/finish-or-close.ts
 *
 * It ends the root when the response has handed its last byte to the operating system ('finish'),
 * or, for a response that never finishes (the client went away, the producer failed), when it
 * closes: one listener less late than close-listener's, which waits for the socket's close.
 *
 * A strategy module imports from the suite only types (erased when it loads), so it runs from any
 * folder; it may import Node's own modules. Its default export is the factory; its cells run
 * under the file's name unless it exports `name`.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RootSpan, RootStatus, StrategyFactory } from '../../strategies/strategy.ts';

export const name = 'finish-or-close';

/** What the response and its body say once it is done: failed, finished, or cut short. */
function statusOf(res: ServerResponse, body: Readable | undefined): RootStatus {
  if (body?.errored) return 'internal_error';
  return res.writableFinished ? 'ok' : 'cancelled';
}

const finishOrClose: StrategyFactory = () => ({
  name,
  description: "ends the root on the response's finish event, or on close when it never finishes",
  rootOwner: 'strategy',
  track(root: RootSpan, res: ServerResponse, body: Readable | undefined) {
    if (res.writableFinished || res.closed) return root.end(statusOf(res, body));
    const end = (): void => {
      res.off('finish', end);
      res.off('close', end);
      root.end(statusOf(res, body));
    };
    res.once('finish', end);
    res.once('close', end);
  },
});

export default finishOrClose;
