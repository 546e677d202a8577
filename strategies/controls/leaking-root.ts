import { statusOf } from '../outcome.ts';
import type { RootSpan, StrategyFactory } from '../strategy.ts';

/**
 * A deliberate leak, for the suite's own tests only (the memory soak must flag it): it ends the
 * root exactly as close-listener does, but keeps forever, in a module-level array, every root, a
 * listener closure holding the response (and so its socket and request), and about 10 KB of heap
 * of its own per request, so the leak is unmistakable even in a short soak (about 30 KB per stream
 * in all, 300 MiB per 10 000 streams: a soak of many minutes runs its server out of heap). Never in
 * a default matrix; selectable only with STREAMTRACE_TEST_STRATEGIES=1 (strategies/registry.ts).
 */
const retained: { root: RootSpan; onClose: () => unknown; ballast: number[] }[] = [];

/** Doubles in a plain array live on the V8 heap (a Buffer's bytes would not count in heapUsed). */
const BALLAST_DOUBLES = 1_280;

export const leakingRoot: StrategyFactory = () => ({
  name: 'leaking-root',
  description: 'close-listener that never lets go of a root, its response or 10 KB per request (test only: a deliberate leak)',
  rootOwner: 'strategy',
  track(root, res, body) {
    const onClose = (): unknown => {
      root.end(statusOf(res, body));
      return res;
    };
    retained.push({ root, onClose, ballast: new Array<number>(BALLAST_DOUBLES).fill(retained.length + 0.5) });
    if (res.closed) onClose();
    else res.once('close', onClose);
  },
});
